/* Lykt console: the chats as tabs (the ARIA tabs pattern, with a roving tabindex), each with
 * its panel in the middle column and its staff-only side in the right column. A tab tells
 * chats apart without opening them: "Samtale 3 · 15 år · en venn", the last words, how long
 * the visitor has waited for a reply, unread and typing marks.
 * The other modules wire their parts of a chat on "chat.created" and follow "chat.updated". */

import {
  $, st, send, emit, listen, el, setText, alertText, noteText, chatLabel, chatName, langName,
  waitMark, isSupervisor,
} from "./state.js";
import * as transcript from "./transcript.js";

const pending = { claims: 0, syncs: new Set(), asked: new Map() }; // asked: id -> what we asked

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
  tab.addEventListener("click", () => select(id, true));
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
  pending.syncs.delete(id);
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

// -- frames ---------------------------------------------------------------------------------
export function onClaimed(f) {
  const known = st.chats.has(f.conversation_id);
  const c = upsert({ ...f, mode: "host", status: "active" }, false);
  renderMeta();
  // Our own claim (or take-over) and a chat handed to us come with conversation.history;
  // a claim made in another of our tabs does not: ask for it if nothing has come by then.
  if (!known && !c.hasHistory) {
    setTimeout(() => {
      if (st.chats.get(c.id) === c && !c.hasHistory && pending.claims === 0 && !pending.syncs.has(c.id) && !pending.asked.has(c.id)) sync(c);
    }, 1500);
  }
}

/* A supervisor has joined one of our chats: the host is told, in the panel. */
export function onJoined(c, f) {
  if (st.me && f.staff_id === st.me.id) return;
  c.helpers = [...new Set([...(c.helpers || []), f.name])];
  const note = c.panel.querySelector(".joined-note");
  setText(note, `${c.helpers.join(" og ")} (leder) er med i samtalen og kan skrive til besøkende.`);
  note.hidden = false;
}

export function onHistory(f) {
  const id = f.conversation_id;
  const isSync = pending.syncs.delete(id);
  const asked = pending.asked.get(id);
  pending.asked.delete(id);
  const isNew = !st.chats.has(id) || !st.chats.get(id).hasHistory;
  const c = upsert(f, isSync);
  renderMeta();
  if (asked || (!isSync && pending.claims > 0 && f.mode === "host" && isNew)) {
    if (!asked) pending.claims -= 1;
    alertText("");
    select(id, true);
    syncOrphans();
  } else if (!st.selected) {
    select(id, false);
  } else if (isNew && !isSync) {
    emit("chat.given", c); // a colleague gave it to us
  }
}

/* The host changed: a transfer, a take-over, or our connection was gone too long. */
export function onTransferred(f) {
  const c = st.chats.get(f.conversation_id);
  if (!c) return;
  const mine = st.me && f.to_staff_id === st.me.id;
  if (mine) return; // ours now: claimed and history follow
  const name = chatName(c);
  const toQueue = f.to_staff_id === null;
  if (c.mode === "host" || toQueue) {
    alertText("");
    noteText(toQueue ? `${name} er lagt tilbake først i køen.` : `${name} er nå hos ${f.to_name || "en kollega"}.`);
    if (c.mode !== "host") send({ type: "supervisor.unwatch", conversation_id: c.id });
    remove(c.id, st.selected === c.id && c.panel.contains(document.activeElement));
  } else {
    c.hostId = f.to_staff_id;
    c.hostName = f.to_name || "";
    render(c);
  }
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

// -- asking the server ------------------------------------------------------------------------
export function claim(id) {
  alertText("");
  if (activeCount() >= st.maxChats) {
    alertText(`Du har allerede ${st.maxChats} samtaler. Avslutt en før du tar en ny.`);
  } else if (send(id ? { type: "conversation.claim", conversation_id: id } : { type: "conversation.claim" })) {
    pending.claims += 1;
  } else {
    alertText("Ingen tilkobling akkurat nå. Prøv igjen om litt.");
  }
}

export function onClaimError(f) {
  pending.claims = Math.max(0, pending.claims - 1);
  if (f.code === "not_found") alertText("Det er ingen i køen akkurat nå.");
  else if (activeCount() >= st.maxChats) alertText(`Du har allerede ${st.maxChats} samtaler. Avslutt en før du tar en ny.`);
  else alertText("En annen vakt tok denne samtalen først.");
  syncOrphans();
}

/* A supervisor's watch, join or take-over: its history is selected when it comes. */
export function ask(type, id) {
  if (!send({ type, conversation_id: id })) return alertText("Ingen tilkobling akkurat nå. Prøv igjen om litt.");
  pending.asked.set(id, type);
  return true;
}

export function sync(c) {
  if (send({ type: "conversation.sync", conversation_id: c.id, last_seq: c.contiguous })) pending.syncs.add(c.id);
}

// Chats announced while one of our claims was open, but not answered by it.
function syncOrphans() {
  if (pending.claims > 0) return;
  st.chats.forEach((c) => !c.hasHistory && !pending.syncs.has(c.id) && !pending.asked.has(c.id) && sync(c));
}

export function onChatError(f) {
  const c = st.chats.get(f.conversation_id);
  pending.syncs.delete(f.conversation_id);
  pending.asked.delete(f.conversation_id);
  if (f.code === "not_found" && c) {
    alertText(`${chatName(c)} er ikke lenger din. Den kan være avsluttet eller gitt videre.`);
    remove(c.id, st.selected === c.id && c.panel.contains(document.activeElement));
  } else {
    alertText("Det gikk ikke: " + (f.message || f.code));
  }
  syncOrphans();
}

export function resetPending() {
  pending.claims = 0;
  pending.syncs.clear();
  pending.asked.clear();
}

listen("chat.gap", (c) => !pending.syncs.has(c.id) && sync(c));
listen("chat.messages", (c) => renderTab(c));
document.addEventListener("visibilitychange", () => {
  const c = st.chats.get(st.selected);
  if (!document.hidden && c && c.unread) {
    c.unread = 0;
    renderTab(c);
  }
});
