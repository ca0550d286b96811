/* Lykt console: the chats as tabs (the ARIA tabs pattern, with a roving tabindex), each with
 * its panel in the middle column and its staff-only side in the right column. A tab tells
 * chats apart without opening them: "Samtale 3 · 15 år · en venn", the last words, how long
 * the visitor has waited for a reply, unread and typing marks.
 * The other modules wire their parts of a chat on "chat.created" and follow "chat.updated";
 * claims.js says which chats come and go. */

import {
  $, Lykt, st, emit, listen, el, setText, chatLabel, langName, waitMark, isSupervisor,
} from "./state.js";
import * as transcript from "./transcript.js";

export const activeCount = () =>
  [...st.chats.values()].filter((c) => c.mode === "host" && c.status !== "ended").length;

export const chatTabs = () => [...$("tabs").querySelectorAll('[role="tab"]')];

function createChat(id) {
  const key = "c-" + id;
  const panel = $("chat-template").content.firstElementChild.cloneNode(true);
  const side = $("side-template").content.firstElementChild.cloneNode(true);
  const q = (sel) => panel.querySelector(sel);

  const tab = el("button", "tab");
  Object.assign(tab, { type: "button", id: key + "-tab", tabIndex: -1 });
  tab.setAttribute("role", "tab");
  tab.setAttribute("aria-selected", "false");
  tab.setAttribute("aria-controls", key + "-panel");
  tab.dataset.id = id;
  const tabTitle = el("span", "tab-title");
  const tabLast = el("span", "tab-last");
  const tabMarks = el("span", "tab-marks");
  const tabWait = el("span", "tab-wait");
  const tabLevel = el("span", "tab-level");
  const tabTyping = el("span", "tab-typing");
  const badge = el("span", "badge");
  tabMarks.append(tabWait, tabLevel, tabTyping, badge);
  tab.append(tabTitle, tabLast, tabMarks);

  panel.id = key + "-panel";
  panel.setAttribute("aria-labelledby", tab.id);
  panel.hidden = true;
  side.dataset.sideFor = id;
  side.hidden = true;
  side.querySelectorAll("[id]").forEach((node) => (node.id = key + "-" + node.id));
  panel.querySelectorAll("[id]").forEach((node) => (node.id = key + "-" + node.id));
  side.querySelectorAll("[for]").forEach((node) => (node.htmlFor = key + "-" + node.htmlFor));
  panel.querySelectorAll("[for]").forEach((node) => (node.htmlFor = key + "-" + node.htmlFor));
  ["aria-labelledby", "aria-controls", "aria-describedby"].forEach((attr) =>
    [panel, side].forEach((root) =>
      root.querySelectorAll(`[${attr}]`).forEach((node) =>
        node.setAttribute(attr, node.getAttribute(attr).split(" ").map((v) => key + "-" + v).join(" "))
      )
    )
  );

  const c = {
    id, key, number: null, age: null, ageGroup: "unknown", about: "", lang: "nb",
    status: "active", mode: "host", hostId: null, hostName: "", createdAt: null, claimedAt: null,
    endedAt: null, endedBy: null, endReason: null, visitorOnline: null, helpAt: null, dutyAt: null,
    wrappedUp: false, flagged: false, notes: [],
    messages: new Map(), contiguous: 0, lastSeq: 0, pending: new Map(), unread: 0,
    visitorTyping: false, typingTimer: null, hasHistory: false,
    panel, side,
    el: {
      tab, tabTitle, tabLast, tabWait, tabLevel, tabTyping, badge,
      title: q(".panel-title"), presence: q(".presence"), log: q(".transcript"),
      scroller: q(".transcript-log"), typing: q(".typing"), composer: q(".composer"),
      ended: q(".ended-box"), endedText: q(".ended-text"),
    },
  };
  // A click goes on to the box to write in; a tap on a phone does not open its keyboard.
  tab.addEventListener("click", () => select(id, window.matchMedia("(pointer: fine)").matches));
  tab.addEventListener("keydown", onTabKey);
  q(".transcript-log").setAttribute("aria-label", "Meldinger");
  $("tabs").append(tab);
  $("panels").append(panel);
  $("side-chats").append(side);
  st.chats.set(id, c);
  emit("chat.created", c);
  return c;
}

const ENDED_BY = { ended_by_visitor: "visitor", left_queue: "visitor", ended_by_host: "host", closed: "system" };

/* Takes what the server says about a chat (a welcome's entry, claimed, history). */
export function upsert(conv, countUnread) {
  const c = st.chats.get(conv.conversation_id) || createChat(conv.conversation_id);
  const fields = {
    number: "number", age: "age", age_group: "ageGroup", about: "about", lang: "lang",
    mode: "mode", host_id: "hostId", host_name: "hostName", created_at: "createdAt",
    claimed_at: "claimedAt", ended_at: "endedAt", end_reason: "endReason",
    help_requested_at: "helpAt", duty_flagged_at: "dutyAt", wrapped_up: "wrappedUp", flagged: "flagged",
  };
  Object.entries(fields).forEach(([from, to]) => {
    if (from in conv && conv[from] !== undefined) c[to] = conv[from];
  });
  if (typeof conv.visitor_online === "boolean") c.visitorOnline = conv.visitor_online;
  if (Array.isArray(conv.notes)) emit("chat.notes", { c, notes: conv.notes });
  if (conv.messages) {
    c.hasHistory = true;
    conv.messages.forEach((m) => transcript.addMessage(c, m, countUnread));
  }
  if (conv.status === "ended") markEnded(c, ENDED_BY[conv.end_reason] || null, conv.end_reason);
  else if (conv.status) c.status = conv.status;
  render(c);
  return c;
}

/* Everything visible about a chat, from its state. */
export function render(c) {
  const label = chatLabel(c);
  const ended = c.status === "ended";
  setText(c.el.title, label);
  setText(c.el.tabTitle, label);
  c.el.tab.classList.toggle("is-ended", ended);
  c.el.tab.classList.toggle("is-reading", c.mode !== "host");
  const online = c.visitorOnline;
  setText(c.el.presence, ended || online === null ? "" : online ? "Besøkende er på nett" : "Besøkende er ikke på nett nå");
  c.el.presence.classList.toggle("offline", online === false);
  c.el.composer.hidden = ended || c.mode === "watching";
  c.panel.classList.toggle("is-ended", ended);
  renderTab(c);
  emit("chat.updated", c);
}

/* The tab's second and third lines: last words, the reply timer, typing, unread. */
export function renderTab(c) {
  const ended = c.status === "ended";
  const extra = [];
  if (c.lang && c.lang !== "nb") extra.push(langName(c.lang));
  if (c.mode === "watching") extra.push("du leser med");
  if (c.mode === "joined") extra.push("du er med");
  if (ended) extra.push(c.mode === "host" && !c.wrappedUp ? "avsluttet – oppsummer" : "avsluttet");
  const last = transcript.firstWords(transcript.lastMessage(c));
  setText(c.el.tabLast, [extra.join(" · "), last].filter(Boolean).join(" — ") || "Ingen meldinger ennå");
  const since = ended ? null : transcript.waitingSince(c);
  const wait = since ? waitMark(since, "venter på svar") : { time: "", mark: "", level: "" };
  setText(c.el.tabWait, wait.time);
  setText(c.el.tabLevel, wait.mark);
  c.el.tabWait.className = "tab-wait " + wait.level;
  c.el.tabLevel.className = "tab-level " + wait.level;
  c.el.tab.dataset.wait = wait.level;
  setText(c.el.tabTyping, c.visitorTyping && !ended ? "skriver …" : "");
  c.el.badge.hidden = !c.unread;
  setText(c.el.badge, c.unread ? (c.unread === 1 ? "1 ulest" : `${c.unread} uleste`) : "");
  emit("counts");
}

/* Shows one tab's panel (and the chat's side); `focus` puts focus in the composer. */
export function select(id, focus) {
  st.selected = id;
  chatTabs().forEach((tab) => {
    const on = tab.dataset.id === id;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    const panel = $(tab.getAttribute("aria-controls"));
    if (panel) panel.hidden = !on;
  });
  $("side-chats").querySelectorAll("[data-side-for]").forEach((s) => (s.hidden = s.dataset.sideFor !== id));
  const c = st.chats.get(id);
  $("side-empty").hidden = !!c;
  emit("chat.selected", c || null);
  if (!c) return;
  if (!document.hidden) c.unread = 0;
  renderTab(c);
  c.el.scroller.scrollTop = c.el.scroller.scrollHeight;
  if (focus && !c.el.composer.hidden) c.panel.querySelector("textarea").focus();
}

/* The ARIA tabs pattern: arrows, Home and End move between tabs and select (focus follows). */
export function onTabKey(event) {
  const tabs = chatTabs();
  const i = tabs.indexOf(event.currentTarget);
  const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (to === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  const next = tabs[(to + tabs.length) % tabs.length];
  select(next.dataset.id, false);
  next.focus();
}

/* After a redraw of the tab list (a chat added or gone), keep one tab reachable by Tab. */
export function ensureSelection() {
  const tabs = chatTabs();
  if (tabs.some((t) => t.dataset.id === st.selected)) return;
  const firstChat = tabs.find((t) => st.chats.has(t.dataset.id)) || tabs[0];
  if (firstChat) select(firstChat.dataset.id, false);
  else {
    st.selected = null;
    $("side-empty").hidden = false;
    emit("chat.selected", null);
  }
}

export function remove(id, focusNext) {
  const c = st.chats.get(id);
  if (!c) return;
  clearTimeout(c.typingTimer);
  emit("chat.removed", c);
  c.el.tab.remove();
  c.panel.remove();
  c.side.remove();
  st.chats.delete(id);
  if (st.selected === id) st.selected = null;
  ensureSelection();
  renderMeta();
  emit("counts");
  if (focusNext) {
    const tab = chatTabs().find((t) => t.dataset.id === st.selected);
    if (tab) tab.focus();
    else $("chats-title").focus();
  }
}

export function renderMeta() {
  setText("chats-count", `(${activeCount()} av ${st.maxChats})`);
  $("chats-empty").hidden = st.chats.size > 0 || isSupervisor(); // supervisors have their board
}

export function markEnded(c, by, reason) {
  if (c.status === "ended") return;
  c.status = "ended";
  c.visitorTyping = false;
  clearTimeout(c.typingTimer);
  setText(c.el.typing, "");
  transcript.failAll(c, "Ikke sendt: samtalen var avsluttet.");
  if (reason === "quick_exit") {
    setText(c.el.endedText, "Besøkende gikk raskt ut av chatten (Rask utgang). Samtalen er avsluttet.");
  } else {
    const who = { host: c.mode === "host" ? " av deg" : " av vakten", visitor: " av besøkende", system: " automatisk" }[by] || "";
    setText(c.el.endedText, `Samtalen er avsluttet${who}.`);
  }
  c.el.ended.hidden = false;
  emit("chat.ended", c);
}

// -- frames about a chat ----------------------------------------------------------------
/* A supervisor has joined one of our chats: the host is told, in the panel. */
export function onJoined(c, f) {
  if (st.me && f.staff_id === st.me.id) return;
  c.helpers = [...new Set([...(c.helpers || []), f.name])];
  const note = c.panel.querySelector(".joined-note");
  setText(note, `${c.helpers.join(" og ")} (leder) er med i samtalen og kan skrive til besøkende.`);
  note.hidden = false;
}

export function onEnded(c, f) {
  c.endedAt = f.ended_at || c.endedAt;
  markEnded(c, f.reason === "quick_exit" ? null : f.by, f.reason);
  render(c);
  renderMeta();
}

export function onPresence(c, f) {
  c.visitorOnline = !!f.online;
  render(c);
}

export function onTyping(c, f) {
  clearTimeout(c.typingTimer);
  c.visitorTyping = !!f.typing && c.status !== "ended";
  setText(c.el.typing, c.visitorTyping ? "Besøkende skriver …" : "");
  if (c.visitorTyping) c.typingTimer = setTimeout(() => onTyping(c, { typing: false }), 15000);
  renderTab(c);
}

listen("chat.messages", (c) => renderTab(c));
// A window made smaller (a phone turned, a side panel opened) keeps the newest message in view.
let lastHeight = window.innerHeight;
window.addEventListener("resize", () => {
  const c = st.chats.get(st.selected);
  const shrank = window.innerHeight < lastHeight;
  lastHeight = window.innerHeight;
  if (c && (shrank || Lykt.isNearEnd(c.el.scroller))) c.el.scroller.scrollTop = c.el.scroller.scrollHeight;
});
document.addEventListener("visibilitychange", () => {
  const c = st.chats.get(st.selected);
  if (!document.hidden && c && c.unread) {
    c.unread = 0;
    renderTab(c);
  }
});
