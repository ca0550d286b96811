/* Lykt console: taking chats and catching up. A claim (ours, or made in another of our tabs),
 * a supervisor's watch, join or take-over, a chat handed to us, a sync after a gap: each is
 * answered by `conversation.history`, and this module knows which question it answers (to
 * select the chat and put focus in it, or not). And a chat that leaves us (`transferred`). */

import { st, send, listen, alertText, noteText, chatName } from "./state.js";
import { upsert, select, remove, render, renderMeta, activeCount } from "./chats.js";

const pending = { claims: 0, syncs: new Set(), asked: new Map() }; // asked: id -> what we asked

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

export function onHistory(f) {
  const id = f.conversation_id;
  const isSync = pending.syncs.delete(id);
  const asked = pending.asked.get(id);
  pending.asked.delete(id);
  const isNew = !st.chats.has(id) || !st.chats.get(id).hasHistory;
  upsert(f, isSync);
  renderMeta();
  if (asked || (!isSync && pending.claims > 0 && f.mode === "host" && isNew)) {
    if (!asked) pending.claims -= 1;
    alertText("");
    select(id, true);
    syncOrphans();
  } else if (!st.selected) {
    select(id, false);
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
listen("chat.removed", (c) => {
  pending.syncs.delete(c.id);
  pending.asked.delete(c.id);
});
