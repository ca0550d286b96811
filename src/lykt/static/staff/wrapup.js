/* Lykt console: wrap-up. An ended chat stays until its host has said what it was about (the
 * topics from the welcome) and whether a supervisor should look at it; then every tab of that
 * host folds it away (`conversation.wrapped_up`). Supervisors who read along just close it. */

import { st, send, listen, el, setText, noteText, chatName, NO_LINK } from "./state.js";
import { remove } from "./chats.js";

function buildTopics(c) {
  const box = c.side.querySelector(".wrapup-topics");
  if (box.dataset.built === st.topics.join("\n")) return;
  box.dataset.built = st.topics.join("\n");
  box.textContent = "";
  st.topics.forEach((name, i) => {
    const row = el("div", "check");
    const input = el("input");
    Object.assign(input, { type: "checkbox", id: `${c.key}-topic-${i}`, value: name });
    const label = el("label", "", name);
    label.htmlFor = input.id;
    row.append(input, label);
    box.append(row);
  });
  c.side.querySelector(".wrapup-no-topics").hidden = st.topics.length > 0;
}

function wire(c) {
  const form = c.side.querySelector(".wrapup-form");
  const status = form.querySelector(".wrapup-status");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const topics = [...form.querySelectorAll(".wrapup-topics input:checked")].map((i) => i.value);
    const flag = form.querySelector(".wrapup-flag").checked;
    if (c.wrapping) return; // once; the button keeps focus until the chat folds away
    if (!send({ type: "conversation.wrapup", conversation_id: c.id, topics, flag })) return setText(status, NO_LINK);
    c.wrapping = true;
    setText(status, "Lagrer …");
  });
  // In the middle: the way to the wrap-up (host), or to close a chat one only read along in.
  c.panel.querySelector(".to-wrapup").addEventListener("click", () => focusWrapup(c));
  c.panel.querySelector(".close-button").addEventListener("click", () => {
    if (c.mode !== "host") send({ type: "supervisor.unwatch", conversation_id: c.id });
    remove(c.id, true);
  });
}

function focusWrapup(c) {
  const heading = c.side.querySelector(".wrapup-title");
  heading.scrollIntoView({ block: "nearest" });
  heading.focus();
}

function render(c) {
  const ended = c.status === "ended";
  const needs = ended && c.mode === "host" && !c.wrappedUp;
  c.side.querySelector(".wrapup").hidden = !needs;
  c.panel.querySelector(".to-wrapup").hidden = !needs;
  c.panel.querySelector(".close-button").hidden = c.mode === "host";
  setText(c.panel.querySelector(".ended-next"), needs
    ? "Fyll ut oppsummeringen til høyre. Da lukkes samtalen."
    : c.mode === "host" ? "" : "Du kan lukke fanen.");
  if (needs) buildTopics(c);
}

listen("chat.created", wire);
listen("chat.updated", render);
listen("chat.ended", (c) => {
  render(c);
  // The host who was in this chat goes on to its wrap-up; nobody else loses their place.
  const here = c.panel.contains(document.activeElement) || document.activeElement === document.body;
  if (c.mode === "host" && st.selected === c.id && (here || c.endingByMe)) focusWrapup(c);
});

export function onWrappedUp(f) {
  const c = st.chats.get(f.conversation_id);
  if (!c) return;
  const focus = document.activeElement;
  const here = st.selected === c.id && (c.side.contains(focus) || c.panel.contains(focus) || focus === document.body);
  noteText(`${chatName(c)} er oppsummert og lukket.`);
  remove(c.id, here);
}

export function onWrapupError(f) {
  const c = st.chats.get(f.conversation_id);
  if (!c) return;
  if (f.code === "conflict") return onWrappedUp(f); // done already (in another tab)
  c.wrapping = false;
  setText(c.side.querySelector(".wrapup-status"), "Ikke lagret: " + (f.message || f.code));
}
