/* Lykt console: a chat's messages. Stored messages in seq order (each shown once, whatever
 * path it came by), our own unsent ones at the end until they are acked, and what the tabs
 * show: the last message's first words and how long the visitor has waited for a reply.
 * Everything the visitor wrote is shown as text (Lykt.messageItem uses text nodes). */

import { Lykt, st, send, emit, alertText } from "./state.js";

/* Adds a stored message; says whether it was new. */
export function addMessage(c, m, countUnread) {
  const seq = Number(m.seq);
  if (!Number.isInteger(seq) || seq < 1 || c.messages.has(seq)) return false;
  c.messages.set(seq, m);
  while (c.messages.has(c.contiguous + 1)) c.contiguous += 1;
  c.lastSeq = Math.max(c.lastSeq, seq);
  const fromHost = m.sender === "host";
  if (fromHost && c.pending.has(m.client_id)) {
    c.pending.get(m.client_id).el.remove();
    c.pending.delete(m.client_id);
  }
  const mine = fromHost && (!m.host_name || !st.me || m.host_name === st.me.display_name);
  const name = fromHost ? (mine ? "Du" : m.host_name) : "Besøkende";
  const { log, scroller } = c.el;
  const follow = Lykt.isNearEnd(scroller);
  const li = Lykt.messageItem(fromHost, name, m.text, Lykt.clockTime(m.sent_at));
  if (m.card) showCard(li, m.card);
  Lykt.insertBySeq(log, li, seq);
  if (follow || mine) scroller.scrollTop = scroller.scrollHeight;
  if (!fromHost) c.visitorTyping = false;
  if (countUnread && !fromHost && (st.selected !== c.id || document.hidden)) c.unread += 1;
  emit("chat.messages", c);
  return true;
}

export function onPosted(c, f) {
  addMessage(c, f, true);
  if (f.seq > c.contiguous + 1) emit("chat.gap", c); // a message is missing: fetch it
}

export function onAck(c, f) {
  const p = c.pending.get(f.client_id);
  if (!p) return;
  if (c.messages.has(f.seq)) {
    p.el.remove();
    c.pending.delete(f.client_id);
  } else {
    const m = { seq: f.seq, sender: "host", text: p.text, client_id: f.client_id, card: p.card };
    addMessage(c, { ...m, host_name: st.me && st.me.display_name, sent_at: new Date().toISOString() });
  }
}

/* A message of ours, shown at once as "Sender …" and sent (again after a reconnect). */
export function sendText(c, text) {
  const clientId = Lykt.newClientId();
  const li = Lykt.pendingItem(text);
  c.el.log.append(li);
  c.el.scroller.scrollTop = c.el.scroller.scrollHeight;
  c.pending.set(clientId, { text, el: li });
  resend(c, clientId);
}

/* An information card {slug, title, body}, shown at once as "Sender …" and sent like a
 * message (card.send with its own client id, acked and resent the same way). */
export function sendCard(c, card) {
  const clientId = Lykt.newClientId();
  const text = card.title + "\n\n" + String(card.body || "").replace(/\*\*/g, "");
  const li = Lykt.pendingItem(text);
  showCard(li, card);
  c.el.log.append(li);
  c.el.scroller.scrollTop = c.el.scroller.scrollHeight;
  c.pending.set(clientId, { text, el: li, card });
  resend(c, clientId);
}

export function resend(c, clientId) {
  const p = c.pending.get(clientId);
  if (!p) return;
  if (p.card) send({ type: "card.send", conversation_id: c.id, client_id: clientId, slug: p.card.slug });
  else send({ type: "message.send", conversation_id: c.id, client_id: clientId, text: p.text });
}

/* A card in place of a message's text. socket.js's renderer when it has one; this small one
 * otherwise: text nodes only, paragraphs split by blank lines, "- " bullets, **bold**. */
function showCard(li, card) {
  li.classList.add("card-msg");
  const node = typeof Lykt.cardNode === "function" ? Lykt.cardNode(card) : cardNode(card);
  li.querySelector(".text").replaceWith(node);
}

function inline(parent, line) {
  String(line).split(/\*\*(.+?)\*\*/).forEach((part, i) => {
    if (!part) return;
    if (i % 2) {
      const b = document.createElement("strong");
      b.textContent = part;
      parent.append(b);
    } else parent.append(part);
  });
  return parent;
}

export function cardNode(card) {
  const div = document.createElement("div");
  div.className = "info-card";
  const title = document.createElement("p");
  title.className = "card-title";
  const strong = document.createElement("strong");
  strong.textContent = (card && card.title) || "";
  title.append(strong);
  const body = document.createElement("div");
  body.className = "card-body";
  String((card && card.body) || "").replace(/\r\n?/g, "\n").split(/\n\s*\n/).forEach((block) => {
    let para = null;
    let list = null;
    block.split("\n").map((l) => l.trim()).filter(Boolean).forEach((line) => {
      if (line.startsWith("- ")) {
        para = null;
        if (!list) body.append((list = document.createElement("ul")));
        list.append(inline(document.createElement("li"), line.slice(2)));
      } else {
        list = null;
        if (para) para.append(" ");
        else body.append((para = document.createElement("p")));
        inline(para, line);
      }
    });
  });
  div.append(title, body);
  return div;
}

export const resendAll = (c) => [...c.pending.keys()].forEach((id) => resend(c, id));

export function failPending(c, clientId, note) {
  const p = c.pending.get(clientId);
  if (p) Lykt.markFailed(p.el, note);
  c.pending.delete(clientId);
}

export const failAll = (c, note) => [...c.pending.keys()].forEach((id) => failPending(c, id, note));

/* An error frame that answers one of our messages. */
export function onSendError(c, f) {
  if (!c || !c.pending.has(f.client_id)) return;
  if (f.code === "rate_limited") {
    setTimeout(() => resend(c, f.client_id), 1500);
  } else {
    const card = !!c.pending.get(f.client_id).card;
    failPending(c, f.client_id, "Ikke sendt.");
    alertText(card ? "Kortet kunne ikke sendes." : "En melding kunne ikke sendes.");
  }
}

const ordered = (c) => [...c.messages.keys()].sort((a, b) => a - b).map((s) => c.messages.get(s));

/* The last stored message, or null. */
export function lastMessage(c) {
  return c.lastSeq ? c.messages.get(c.lastSeq) || ordered(c).pop() || null : null;
}

/* Since when the visitor has waited for a reply: the first visitor message after the last
 * host message, or null when the host spoke last (or nobody has written yet). */
export function waitingSince(c) {
  let since = null;
  for (const m of ordered(c)) {
    if (m.sender === "host") since = null;
    else if (since === null) since = m.sent_at || null;
  }
  return since;
}

/* "Du: Hei, så fint at du …": the first words of a message, for a tab. */
export function firstWords(m, max = 60) {
  if (!m) return "";
  const text = String(m.text || "").replace(/\s+/g, " ").trim();
  const cut = text.length > max ? text.slice(0, max - 1).trimEnd() + "…" : text;
  if (m.sender !== "host") return cut;
  const mine = !st.me || !m.host_name || m.host_name === st.me.display_name;
  return (mine ? "Du" : m.host_name) + ": " + cut;
}
