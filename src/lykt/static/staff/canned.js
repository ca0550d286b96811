/* Lykt console: canned replies. "/" in an empty composer (or the "Ferdige svar" button)
 * opens a searchable list (an ARIA combobox with a listbox); Enter or a click puts the text
 * into the box for the host to edit, and never sends it. "Mine ferdige svar" adds and
 * deletes the host's own (GET/POST/DELETE /api/canned-replies); shared ones are the operator's. */

import { $, st, listen, el, button, setText, call, langName } from "./state.js";
import { insertText } from "./composer.js";

let replies = []; // [{id, title, lang, text, shared}]

export async function load() {
  try {
    const { ok, data } = await call("GET", "/api/canned-replies");
    replies = ok && Array.isArray(data) ? data : [];
  } catch {
    replies = [];
  }
  renderMine();
}

/* The replies matching every word of `query`, the chat's language first. */
function matching(query, lang) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = replies.filter((r) => {
    const hay = (r.title + " " + r.text).toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  return hits.sort((a, b) => (a.lang === lang ? 0 : 1) - (b.lang === lang ? 0 : 1));
}

// -- the list in the composer ---------------------------------------------------------------
function wire(c) {
  const pop = c.panel.querySelector(".canned-pop");
  const input = pop.querySelector("input");
  const list = pop.querySelector('[role="listbox"]');
  const status = pop.querySelector(".canned-count");
  const box = c.panel.querySelector("textarea");
  let shown = [];
  let active = -1;

  const setActive = (i) => {
    active = shown.length ? (i + shown.length) % shown.length : -1;
    [...list.children].forEach((li, n) => li.setAttribute("aria-selected", String(n === active)));
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", list.children[active].id);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const fill = () => {
    shown = matching(input.value, c.lang);
    list.textContent = "";
    shown.forEach((r, i) => {
      const li = el("li", "canned-option");
      li.id = `${c.key}-canned-${i}`;
      li.setAttribute("role", "option");
      li.append(el("span", "canned-title", r.title));
      const meta = [r.shared ? "felles" : "mitt", r.lang !== "nb" ? langName(r.lang) : ""].filter(Boolean).join(" · ");
      li.append(el("span", "canned-meta", meta), el("span", "canned-text", r.text));
      li.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the search
      li.addEventListener("click", () => choose(i));
      list.append(li);
    });
    setText(status, !replies.length ? "Ingen ferdige svar ennå." : shown.length ? `${shown.length} treff` : "Ingen treff.");
    setActive(0);
  };
  const close = (refocus) => {
    if (pop.hidden) return;
    pop.hidden = true;
    input.setAttribute("aria-expanded", "false");
    if (refocus) box.focus();
  };
  const choose = (i) => {
    const r = shown[i];
    if (!r) return;
    close(false);
    insertText(c, r.text, false);
  };
  c.openCanned = () => {
    if (c.el.composer.hidden) return;
    pop.hidden = false;
    input.value = "";
    input.setAttribute("aria-expanded", "true");
    fill();
    input.focus();
  };

  box.addEventListener("keydown", (event) => {
    if (event.key === "/" && !box.value.trim() && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      c.openCanned();
    }
  });
  c.panel.querySelector(".canned-button").addEventListener("click", () => c.openCanned());
  input.addEventListener("input", fill);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      setActive(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
      event.preventDefault(); // never submits the composer: the text goes in the box, unsent
      event.stopPropagation();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Backspace" && !input.value) {
      close(true);
    }
  });
  pop.addEventListener("focusout", (event) => !pop.contains(event.relatedTarget) && close(false));

  // The side's box for this chat: a way in by mouse, and the host's own list.
  c.side.querySelector(".canned-search-button").addEventListener("click", () => c.openCanned());
  c.side.querySelector(".canned-mine-button").addEventListener("click", openManager);
}

listen("chat.created", wire);
listen("chat.updated", (c) => (c.side.querySelector(".canned-box").hidden = c.el.composer.hidden));

// -- "Mine ferdige svar" -------------------------------------------------------------------------
function openManager() {
  const dialog = $("canned-dialog");
  setText("canned-form-status", "");
  renderMine();
  dialog.showModal();
  $("canned-new-title").focus();
}

function renderMine() {
  const list = $("canned-mine");
  list.textContent = "";
  const mine = replies.filter((r) => !r.shared);
  $("canned-mine-empty").hidden = mine.length > 0;
  mine.forEach((r) => {
    const li = el("li", "canned-mine-item");
    const text = el("div");
    text.append(el("p", "canned-title", `${r.title} (${langName(r.lang)})`), el("p", "canned-text", r.text));
    const del = button("Slett", "button quiet small", async () => {
      del.disabled = true;
      try {
        const { ok } = await call("DELETE", `/api/canned-replies/${encodeURIComponent(r.id)}`);
        setText("canned-form-status", ok ? `«${r.title}» er slettet.` : "Det gikk ikke å slette. Prøv igjen.");
        if (ok) await load();
      } catch {
        setText("canned-form-status", "Ingen forbindelse. Prøv igjen.");
      }
      del.disabled = false;
      $("canned-new-title").focus();
    });
    del.setAttribute("aria-label", `Slett «${r.title}»`);
    li.append(text, del);
    list.append(li);
  });
}

$("canned-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = $("canned-new-title").value.trim();
  const text = $("canned-new-text").value.trim();
  const lang = $("canned-new-lang").value;
  if (!title || !text) return setText("canned-form-status", "Skriv både en tittel og en tekst.");
  try {
    const { ok, data } = await call("POST", "/api/canned-replies", { title, lang, text });
    if (!ok) return setText("canned-form-status", "Ikke lagret: " + (data.message || "prøv igjen"));
    $("canned-new-title").value = $("canned-new-text").value = "";
    setText("canned-form-status", `«${title}» er lagret. Skriv / i meldingsfeltet for å bruke det.`);
    await load();
  } catch {
    setText("canned-form-status", "Ingen forbindelse. Prøv igjen.");
  }
});
$("canned-close").addEventListener("click", () => $("canned-dialog").close());
$("canned-dialog").addEventListener("close", () => {
  const c = st.chats.get(st.selected);
  if (c && !c.el.composer.hidden) c.panel.querySelector("textarea").focus();
});
