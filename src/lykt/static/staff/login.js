/* Lykt console: logging in (email, password and the code from the authenticator app), setting
 * up the app when the account has no second factor yet (the server answers 403 "enrol" with a
 * QR code), and logging out. */

import { $, setText, call } from "./state.js";

let enrolment = null; // the server's enrolment token while the app is being set up
let handlers = { loggedIn: () => {}, loggedOut: () => {} };

export function show(message) {
  handlers.loggedOut();
  $("console").hidden = $("staff-bar").hidden = true;
  document.body.classList.remove("in-console");
  $("login-view").hidden = false;
  $("login-form").hidden = false;
  $("enrol-form").hidden = true;
  enrolment = null;
  setText("login-error", message);
  $("login-email").focus();
}

function hide() {
  $("login-view").hidden = true;
  $("login-password").value = $("login-otp").value = $("enrol-otp").value = "";
  enrolment = null;
}

async function post(url, body, errorId) {
  try {
    return await call("POST", url, body);
  } catch {
    setText(errorId, "Fikk ikke kontakt med tjenesten. Prøv igjen.");
    return null;
  }
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = $("login-email").value.trim();
  const password = $("login-password").value;
  const otp = $("login-otp").value.replace(/\s+/g, "");
  if (!email || !password) return setText("login-error", "Skriv e-post og passord.");
  setText("login-error", "");
  $("login-submit").disabled = true;
  const answer = await post("/api/staff/login", { email, password, otp }, "login-error");
  $("login-submit").disabled = false;
  if (!answer) return;
  const { ok, status, data } = answer;
  if (ok) {
    hide();
    return handlers.loggedIn(data);
  }
  if (status === 403 && data.error === "enrol") return startEnrolment(data);
  if (status === 429) return setText("login-error", "For mange forsøk. Vent litt og prøv igjen.");
  if (status === 401) return setText("login-error", "Feil e-post, passord eller kode.");
  setText("login-error", "Fikk ikke kontakt med tjenesten. Prøv igjen.");
});

/* No second factor yet: show the QR code (and the key, to type by hand), then ask for a code. */
function startEnrolment(data) {
  enrolment = data.enrolment;
  $("login-form").hidden = true;
  $("enrol-form").hidden = false;
  const qr = $("enrol-qr");
  qr.hidden = !data.qr_svg;
  if (data.qr_svg) qr.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data.qr_svg);
  setText("enrol-secret", data.secret || "");
  setText("enrol-error", "");
  $("enrol-title").focus();
}

$("enrol-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const otp = $("enrol-otp").value.replace(/\s+/g, "");
  if (!otp) return setText("enrol-error", "Skriv koden fra appen.");
  const answer = await post("/api/staff/enrol", { enrolment, otp }, "enrol-error");
  if (!answer) return;
  if (answer.ok) {
    hide();
    return handlers.loggedIn(answer.data);
  }
  if (answer.status === 404) return show("Tiden for å sette opp appen gikk ut. Logg inn på nytt.");
  setText("enrol-error", answer.status === 401 ? "Koden stemte ikke. Prøv den neste koden appen viser." : "Det gikk ikke. Prøv igjen.");
});

/* Ends this session (the server closes its sockets) and goes back to the login form. */
export async function logOut() {
  await call("POST", "/api/staff/logout").catch(() => {});
  show("Du er logget ut.");
}

$("logout").addEventListener("click", logOut);

/* Logged in already (a reload), or to the login form. */
export async function start(on) {
  handlers = on;
  try {
    const { status, data } = await call("GET", "/api/staff/me");
    if (status === 200) handlers.loggedIn(data);
    else show("");
  } catch {
    show("Fikk ikke kontakt med tjenesten. Prøv å laste siden på nytt.");
  }
}
