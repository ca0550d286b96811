/* Lykt console: the host's shift. Available or on a break (`staff.availability`, every tab of
 * the host follows), the colleagues online (`staff.colleagues`), and the alerts no one should
 * miss: a short sound of our own, the window title "(2) (1 ulest) Lykt – vakt", and a desktop
 * notification (only if allowed) that says "Ny i køen" and never anything the visitor wrote.
 * The sound can be muted per host (kept in this browser), and the mute shows at the top. */

import { $, st, send, emit, listen, setText, NO_LINK, alertText } from "./state.js";

const baseTitle = document.title;
const sounds = {};
const muteKey = () => "lykt.staff.mute." + (st.me ? st.me.id : "");

// -- available / on a break --------------------------------------------------------------------
export function onAvailability(f) {
  st.availability = f.status === "break" ? "break" : "available";
  renderAvailability();
}

function renderAvailability() {
  const onBreak = st.availability === "break";
  setText("me-status", onBreak ? "Du har pause. Du får ikke nye samtaler." : "Du er ledig.");
  $("me-status").className = "me-status " + (onBreak ? "break" : "available");
  setText("availability", onBreak ? "Bli ledig igjen" : "Ta pause");
  document.body.classList.toggle("on-break", onBreak);
}

$("availability").addEventListener("click", () => {
  const status = st.availability === "break" ? "available" : "break";
  if (!send({ type: "staff.availability", status })) return alertText(NO_LINK);
  st.availability = status; // the server's echo confirms it on every tab
  renderAvailability();
});

export function onColleagues(f) {
  st.colleagues = Array.isArray(f.hosts) ? f.hosts : [];
  emit("colleagues", st.colleagues);
}

// -- sound -------------------------------------------------------------------------------------
export const isMuted = () => localStorage.getItem(muteKey()) === "1";

function renderMute() {
  const muted = isMuted();
  setText("mute", muted ? "Slå på lyden" : "Slå av lyden");
  $("mute").classList.toggle("is-muted", muted);
  $("mute-pill").hidden = !muted;
}

$("mute").addEventListener("click", () => {
  if (isMuted()) localStorage.removeItem(muteKey());
  else localStorage.setItem(muteKey(), "1");
  renderMute();
});

function play(name, volume) {
  if (isMuted()) return;
  const audio = sounds[name] || (sounds[name] = new Audio(`/static/sounds/${name}.wav`));
  audio.volume = volume;
  audio.currentTime = 0;
  const p = audio.play();
  if (p && p.catch) p.catch(() => {}); // no sound before the page has been touched: the title still shows
}

// -- desktop notifications ---------------------------------------------------------------------
const canNotify = () => "Notification" in window;

function renderNotify() {
  const button = $("notify");
  if (!canNotify()) {
    button.hidden = true;
    setText("notify-state", "");
    return;
  }
  const p = Notification.permission;
  button.hidden = p !== "default";
  setText("notify-state", p === "granted" ? "Varsler på skjermen er på." : p === "denied" ? "Varsler på skjermen er slått av i nettleseren." : "");
}

$("notify").addEventListener("click", () => {
  if (!canNotify()) return;
  const asked = Notification.requestPermission(renderNotify);
  if (asked && asked.then) asked.then(renderNotify, renderNotify);
});

function notify(title) {
  if (!canNotify() || Notification.permission !== "granted") return;
  if (!document.hidden && document.hasFocus()) return; // the host is looking at the console
  try {
    const n = new Notification(title, { tag: "lykt-" + title, silent: true });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    /* some browsers allow notifications only from a service worker */
  }
}

// -- alerts --------------------------------------------------------------------------------------
/* A new visitor in the queue: soft, and not while the host is on a break. */
listen("queue.arrivals", () => {
  if (st.availability === "break") return;
  play("new-visitor", 0.7);
  notify("Ny i køen");
});

/* For supervisors (a help request, a possible duty to avert, a long wait): louder. */
export function loud(title) {
  play("alert", 1);
  notify(title);
}

/* "(2) (1 ulest) Lykt – vakt": who waits, and messages not yet read. */
function renderTitle() {
  const unread = [...st.chats.values()].reduce((n, c) => n + c.unread, 0);
  const waiting = Math.max(st.total, st.queue.length);
  const parts = [];
  if (waiting) parts.push(`(${waiting})`);
  if (unread) parts.push(`(${unread} ${unread === 1 ? "ulest" : "uleste"})`);
  const title = [...parts, baseTitle].join(" ");
  if (document.title !== title) document.title = title;
}
listen("counts", renderTitle);

export function start() {
  renderAvailability();
  renderMute();
  renderNotify();
  renderTitle();
}
