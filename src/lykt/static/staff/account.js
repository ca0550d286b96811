/* Lykt console: "Min konto". The member's open sessions (each can be logged out; logging out
 * this one logs out the console), a new password (every other session ends when it changes),
 * and for admins a link to the admin pages. Everything shown is text (labels come from the
 * browser's user agent, so they are never trusted as markup). */

import { $, st, el, button, setText, call, parseTime } from "./state.js";
import { logOut } from "./login.js";

// The dialog's content is put in from its template when it opens and taken out when it
// closes: no second set of password fields in the page while the login form is in use.
const dialog = $("account-dialog");
const put = (id, text) => $(id) && setText($(id), text); // the dialog may have closed meanwhile
const fields = () => ["password-current", "password-new", "password-repeat"].map($);

/* "i dag kl. 18:05", or "3. des. kl. 18:05". */
function when(iso) {
  const d = parseTime(iso);
  if (!d) return "ukjent";
  const time = d.toLocaleTimeString("nb-NO", { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === new Date().toDateString()) return `i dag kl. ${time}`;
  return `${d.toLocaleDateString("nb-NO", { day: "numeric", month: "short" })} kl. ${time}`;
}

export function open() {
  if (!dialog.open) {
    dialog.textContent = "";
    dialog.append($("account-template").content.cloneNode(true));
    $("password-form").addEventListener("submit", onSubmit);
    $("account-close").addEventListener("click", close);
  }
  $("account-admin").hidden = !(st.me && st.me.role === "admin");
  clearErrors();
  if (!dialog.open) dialog.showModal();
  $("account-title").focus();
  loadSessions();
}

export function close() {
  if (dialog.open) dialog.close();
}

async function loadSessions() {
  let answer;
  try {
    answer = await call("GET", "/api/staff/sessions");
  } catch {
    answer = null;
  }
  if (!answer || !answer.ok || !Array.isArray(answer.data)) {
    return put("account-sessions-status", "Fikk ikke hentet innloggingene. Prøv igjen.");
  }
  const list = $("account-sessions");
  if (!list) return; // closed meanwhile
  list.textContent = "";
  // This device first, then the most recently used.
  const rows = [...answer.data].sort(
    (a, b) => Number(b.current) - Number(a.current) || String(b.last_seen_at).localeCompare(String(a.last_seen_at))
  );
  rows.forEach((s) => list.append(sessionItem(s)));
  put("account-sessions-status", rows.length === 1 ? "Du er bare logget inn her." : `${rows.length} innlogginger.`);
}

function sessionItem(s) {
  const li = el("li", "account-session" + (s.current ? " is-current" : ""));
  const info = el("div", "account-session-info");
  const name = el("p", "account-session-label", s.label || "Ukjent nettleser");
  if (s.current) name.append(" ", el("span", "tag", "denne"));
  info.append(name, el("p", "hint", `Logget inn ${when(s.created_at)} · sist brukt ${when(s.last_seen_at)}`));
  const out = button("Logg ut", "button quiet small", () => endSession(s, out));
  out.setAttribute("aria-label", `Logg ut ${s.label || "ukjent nettleser"}${s.current ? " (denne)" : ""}`);
  li.append(info, out);
  return li;
}

async function endSession(s, btn) {
  if (s.current) {
    close();
    return logOut();
  }
  btn.disabled = true;
  let answer;
  try {
    answer = await call("DELETE", "/api/staff/sessions/" + encodeURIComponent(s.id));
  } catch {
    answer = null;
  }
  if (answer && (answer.ok || answer.status === 404)) {
    await loadSessions();
    put("account-sessions-status", `${s.label || "Innloggingen"} er logget ut.`);
    if ($("account-sessions-title")) $("account-sessions-title").focus();
    return;
  }
  btn.disabled = false;
  put("account-sessions-status", "Det gikk ikke å logge den ut. Prøv igjen.");
}

// -- a new password ---------------------------------------------------------------------------
function clearErrors() {
  put("password-error", "");
  fields().forEach((f) => f && f.removeAttribute("aria-invalid"));
}

function fail(field, text) {
  put("password-error", text);
  field.setAttribute("aria-invalid", "true");
  field.focus();
}

/* The server's 422 in words a member can act on (the server's own text is English). */
function weakText(message) {
  const m = String(message || "");
  if (/at least/i.test(m)) return "Det nye passordet må ha minst 12 tegn.";
  if (/at most/i.test(m)) return "Det nye passordet er for langt.";
  return "Det nye passordet er for lett å gjette. Velg et lengre, gjerne noen ord som ikke hører sammen.";
}

async function onSubmit(event) {
  event.preventDefault();
  clearErrors();
  put("password-status", "");
  const [current, fresh, repeat] = fields();
  if (!current.value) return fail(current, "Skriv det nåværende passordet ditt.");
  if (!fresh.value) return fail(fresh, "Skriv et nytt passord.");
  if (fresh.value !== repeat.value) return fail(repeat, "De to nye passordene er ikke like.");
  $("password-submit").disabled = true;
  let answer;
  try {
    answer = await call("POST", "/api/staff/password", { current: current.value, new: fresh.value });
  } catch {
    answer = null;
  }
  if (!$("password-submit")) return;
  $("password-submit").disabled = false;
  if (!answer) return put("password-error", "Fikk ikke kontakt med tjenesten. Prøv igjen.");
  if (answer.ok) {
    event.target.reset();
    put("password-status", "Passordet er byttet. Du er logget ut alle andre steder.");
    return loadSessions();
  }
  if (answer.status === 403) return fail(current, "Det nåværende passordet stemmer ikke.");
  if (answer.status === 422) return fail(fresh, weakText(answer.data.message));
  if (answer.status === 429) return put("password-error", "For mange forsøk. Vent litt og prøv igjen.");
  if (answer.status === 401) return close();
  put("password-error", "Det gikk ikke å bytte passord. Prøv igjen.");
}

$("account-open").addEventListener("click", open);
dialog.addEventListener("close", () => {
  dialog.textContent = ""; // the passwords typed go with it
  if (!$("console").hidden) $("account-open").focus();
});
