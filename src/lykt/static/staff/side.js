/* Lykt console: the right column's "about this chat" (what the visitor told us, the times,
 * a short reference for supervisors with a copy button) and the host's two calls for a
 * supervisor: "Trenger hjelp" and a possible duty to avert. Staff only, away from the
 * visitor's words. */

import {
  st, send, listen, el, setText, clock, ageText, ABOUT_LONG, langName, chatName, shortRef,
  isSupervisor, NO_LINK,
} from "./state.js";

function fact(list, name, value) {
  if (!value) return;
  list.append(el("dt", "", name), el("dd", "", value));
}

function renderAbout(c) {
  const q = (sel) => c.side.querySelector(sel);
  setText(q(".about-title"), chatName(c));
  const list = q(".facts");
  list.textContent = "";
  fact(list, "Alder", ageText(c.age, c.ageGroup));
  fact(list, "Gjelder", (ABOUT_LONG[c.about] || "").replace("gjelder ", ""));
  fact(list, "Språk", langName(c.lang));
  fact(list, "Startet", clock(c.createdAt));
  fact(list, "Tatt", clock(c.claimedAt));
  if (c.status === "ended") fact(list, "Avsluttet", clock(c.endedAt) || "ja");
  if (c.mode !== "host" || (c.hostName && st.me && c.hostName !== st.me.display_name)) {
    fact(list, "Vakt", c.hostName || "ingen (i køen)");
  }
  // The raw id stays out of hosts' sight; a supervisor may need it for the operator.
  const ref = q(".ref");
  ref.hidden = !isSupervisor();
  setText(q(".ref-code"), shortRef(c.id));
  const help = q(".help-box");
  help.hidden = c.mode !== "host";
  const who = c.helpByMe ? "Du ba" : "Det ble bedt";
  const nobody = " Ingen leder er pålogget akkurat nå; den første som logger inn, ser det.";
  setText(q(".help-status"), c.helpAt
    ? `${who} om hjelp kl. ${clock(c.helpAt)}.` + (hasSupervisorOnline() ? " Ledere på vakt er varslet." : nobody)
    : "");
  setText(q(".duty-status"), c.dutyAt ? `Markert som mulig avvergingsplikt kl. ${clock(c.dutyAt)}. Ledere på vakt er varslet.` : "");
  q(".duty-button").hidden = !!c.dutyAt;
}

function wire(c) {
  const q = (sel) => c.side.querySelector(sel);
  q(".ref-copy").addEventListener("click", async () => {
    const status = q(".ref-status");
    try {
      await navigator.clipboard.writeText(c.id);
      setText(status, "Kopiert. Lim den inn der driftsansvarlig ber om den.");
    } catch {
      // No clipboard (an insecure page, or refused): show the whole id to copy by hand.
      setText(status, "Kunne ikke kopiere. Hele referansen: " + c.id);
    }
  });

  q(".help-button").addEventListener("click", () => {
    if (!send({ type: "help.request", conversation_id: c.id })) return setText(q(".help-status"), NO_LINK);
    c.helpAt = new Date().toISOString();
    c.helpByMe = true;
    renderAbout(c);
  });

  const confirm = q(".duty-confirm");
  q(".duty-button").addEventListener("click", () => {
    confirm.hidden = false;
    confirm.querySelector(".confirm-no").focus();
  });
  const closeConfirm = () => {
    confirm.hidden = true;
    q(".duty-button").focus();
  };
  confirm.querySelector(".confirm-no").addEventListener("click", closeConfirm);
  confirm.addEventListener("keydown", (event) => event.key === "Escape" && closeConfirm());
  confirm.querySelector(".confirm-yes").addEventListener("click", () => {
    if (!send({ type: "duty.flag", conversation_id: c.id })) return setText(q(".duty-status"), NO_LINK);
    c.dutyAt = new Date().toISOString();
    confirm.hidden = true;
    renderAbout(c);
    q(".duty-status").focus();
  });
}

const hasSupervisorOnline = () => st.colleagues.some((h) => ["supervisor", "admin"].includes(h.role));

/* help.request or duty.flag was refused. */
export function onHelpError(f) {
  const c = st.chats.get(f.conversation_id);
  if (!c) return;
  const help = f.request === "help.request";
  if (help) c.helpAt = null;
  else c.dutyAt = null;
  renderAbout(c);
  setText(c.side.querySelector(help ? ".help-status" : ".duty-status"), "Det gikk ikke: " + (f.message || f.code) + ". Prøv igjen.");
}

listen("chat.created", wire);
listen("chat.updated", renderAbout);
listen("colleagues", () => st.chats.forEach(renderAbout));
