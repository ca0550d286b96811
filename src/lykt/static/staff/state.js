/* Lykt console: what every module shares. The console's state, the socket's send, a small
 * event bus between modules, and the words and times every part shows.
 * Classic socket.js is loaded first and gives the `Lykt` global (Socket, messageItem, …). */

// socket.js declares `const Lykt` at the top level: a global binding, not a window property.
const shared = Lykt;
export { shared as Lykt };
export const { $, setText } = shared;
export const { maxChars, heartbeatS } = shared.config();

export const st = {
  me: null, // {id, display_name, role}
  availability: "available",
  maxChats: 3,
  socket: null,
  topics: [],
  colleagues: [],
  escalateAfter: 5,
  queue: [],
  total: 0,
  chats: new Map(), // conversation id -> chat, in tab order
  selected: null, // a conversation id, "overview" (supervisors), or null
};

export const isSupervisor = () => !!st.me && ["supervisor", "admin"].includes(st.me.role);

/* Sends a frame if the socket is open; says whether it went out. */
export const send = (frame) => !!st.socket && st.socket.send(frame);

/* Between modules: emit("chat.selected", chat), listen("chat.selected", fn). */
const bus = new EventTarget();
export const emit = (name, detail) => bus.dispatchEvent(new CustomEvent(name, { detail }));
export const listen = (name, fn) => bus.addEventListener(name, (e) => fn(e.detail));

/* The console's one alert line (role=alert), for what went wrong. */
export const alertText = (text) => setText("console-alert", text);
export const NO_LINK = "Ingen tilkobling akkurat nå. Prøv igjen om litt.";

/* A calm note (role=status) that something happened; it goes away after a while. */
let noteTimer = null;
export function noteText(text) {
  setText("console-note", text);
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => setText("console-note", ""), 20000);
}

/* An element with a class and text (always text, never HTML). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.append(String(text));
  return node;
}

export function button(text, className, onClick) {
  const b = el("button", className || "button small", text);
  b.type = "button";
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

// -- words -------------------------------------------------------------------------------
export const AGE_GROUPS = {
  under13: "Under 13 år",
  "13-15": "13–15 år",
  "16-18": "16–18 år",
  "19-25": "19–25 år",
  over25: "Over 25 år",
  unknown: "Alder ikke oppgitt",
};
export const ABOUT = { self: "seg selv", friend: "en venn" };
export const ABOUT_LONG = { self: "gjelder seg selv", friend: "gjelder en venn" };
export const LANGS = { nb: "norsk", en: "engelsk" };
export const langName = (code) => LANGS[code] || code || "ukjent språk";

const AGE_SHORT = {
  under13: "under 13 år",
  "13-15": "13–15 år",
  "16-18": "16–18 år",
  "19-25": "19–25 år",
  over25: "over 25 år",
  unknown: "alder ikke oppgitt",
};
export const ageText = (age, group) =>
  typeof age === "number" ? age + " år" : AGE_SHORT[group] || AGE_SHORT.unknown;

/* "Samtale 3": a chat's short name. */
export const chatName = (c) => (c.number ? `Samtale ${c.number}` : "Samtalen");

/* "Samtale 3 · 15 år · en venn": tells chats apart, and is never a made-up name. */
export function chatLabel(c) {
  const parts = [c.number ? `Samtale ${c.number}` : "Samtale"];
  parts.push(ageText(c.age, c.ageGroup));
  if (ABOUT[c.about]) parts.push(ABOUT[c.about]);
  return parts.join(" · ");
}

// -- times -------------------------------------------------------------------------------
export const parseTime = (t) => shared.parseTime(t);
export const clock = (t) => shared.clockTime(t);

/* Seconds since an ISO time (0 if unknown or in the future). */
export function secondsSince(t) {
  const d = parseTime(t);
  return d ? Math.max(0, Math.floor((Date.now() - d.getTime()) / 1000)) : 0;
}

export const minSec = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

/* How long someone has waited, with a mark in words (not colour alone): amber from 2 min,
 * red from 5. {text: "venter 2:10 · lenge", time: "venter 2:10", mark: "lenge", level: "amber"} */
export function waitMark(since, label) {
  const s = secondsSince(since);
  const level = s >= 300 ? "red" : s >= 120 ? "amber" : "";
  const mark = level === "red" ? "svært lenge" : level === "amber" ? "lenge" : "";
  const time = `${label} ${minSec(s)}`;
  return { text: mark ? `${time} · ${mark}` : time, time, mark, level };
}

/* A short reference for the operator (the full id is copied). */
export const shortRef = (id) => String(id || "").slice(0, 8);

/* Ask the server by HTTP; {ok, status, data}. */
export async function call(method, url, body) {
  const r = await fetch(url, {
    method,
    cache: "no-store",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = {};
  if (r.status !== 204) {
    try {
      data = await r.json();
    } catch {
      data = {};
    }
  }
  return { ok: r.ok, status: r.status, data };
}
