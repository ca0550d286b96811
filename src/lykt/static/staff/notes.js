/* Lykt console: internal notes on a chat, for staff only (never shown to the visitor). They
 * come with the chat's history (`notes`) and as `note.added` to everyone who follows it. */

import { st, send, listen, el, setText, clock, NO_LINK } from "./state.js";

const MAX_NOTE = 2000;

function show(c, note) {
  if (c.notes.some((n) => n.id === note.id)) return;
  c.notes.push(note);
  const list = c.side.querySelector(".notes-list");
  const li = el("li", "note-item");
  li.dataset.id = note.id;
  const meta = el("p", "note-meta", `${note.author_name || "Vakt"} · ${clock(note.at)}`);
  li.append(meta, el("p", "note-text", note.text));
  list.append(li);
  c.side.querySelector(".notes-empty").hidden = true;
}

function wire(c) {
  const form = c.side.querySelector(".notes-form");
  const box = form.querySelector("textarea");
  const status = form.querySelector(".notes-status");
  box.maxLength = MAX_NOTE;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = box.value.trim();
    if (!text) return setText(status, "Skriv notatet først.");
    if (!send({ type: "note.add", conversation_id: c.id, text })) return setText(status, NO_LINK);
    c.noteSent = text;
    box.value = "";
    setText(status, "Lagrer …");
  });
}

export function onAdded(c, f) {
  if (!f.note) return;
  show(c, f.note);
  const status = c.side.querySelector(".notes-status");
  if (c.noteSent !== undefined && f.note.text === c.noteSent) {
    delete c.noteSent;
    setText(status, "Notatet er lagret.");
  }
}

export function onNoteError(f) {
  const c = st.chats.get(f.conversation_id);
  if (!c) return;
  const form = c.side.querySelector(".notes-form");
  if (c.noteSent !== undefined && !form.querySelector("textarea").value) form.querySelector("textarea").value = c.noteSent;
  delete c.noteSent;
  setText(form.querySelector(".notes-status"), "Notatet ble ikke lagret: " + (f.message || f.code));
}

listen("chat.created", wire);
listen("chat.notes", ({ c, notes }) => notes.forEach((n) => show(c, n)));
