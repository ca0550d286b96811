/* Lykt console: give a chat to a colleague who is available and has room, or back to the
 * front of the queue, with a note that goes along as an internal note. The dialog stays open
 * until the server has moved the chat (`conversation.transferred`) or said why not. */

import { $, st, send, listen, el, setText, chatName, NO_LINK } from "./state.js";

let current = null; // the chat being transferred
let waiting = false;

function options() {
  const box = $("transfer-options");
  const chosen = box.querySelector("input:checked");
  const keep = chosen ? chosen.value : null; // nothing chosen for the host: no Enter by mistake
  box.textContent = "";
  const add = (value, text, detail, disabled) => {
    const row = el("div", "check transfer-option");
    const input = el("input");
    Object.assign(input, { type: "radio", name: "transfer-to", value, id: "transfer-to-" + (value || "queue"), disabled });
    input.checked = !disabled && value === keep;
    const label = el("label", "", text);
    label.htmlFor = input.id;
    if (detail) label.append(" ", el("span", "hint", detail));
    row.append(input, label);
    box.append(row);
  };
  const others = st.colleagues.filter((h) => !st.me || h.id !== st.me.id);
  others.forEach((h) => {
    const room = h.chats < h.max_chats;
    const free = h.status === "available";
    const detail = !free ? "(pause)" : !room ? `(full: ${h.chats} av ${h.max_chats})` : `(ledig, ${h.chats} av ${h.max_chats})`;
    add(String(h.id), h.display_name, detail, !free || !room);
  });
  $("transfer-nobody").hidden = others.some((h) => h.status === "available" && h.chats < h.max_chats);
  add("", "Tilbake først i køen", "(den første som blir ledig, tar den)", false);
}

export function open(c) {
  current = c;
  waiting = false;
  setText("transfer-title", `Overfør ${chatName(c).toLowerCase()}`);
  setText("transfer-status", "");
  $("transfer-note").value = "";
  $("transfer-submit").disabled = false;
  options();
  $("transfer-dialog").showModal();
  const first = $("transfer-options").querySelector("input:not(:disabled)");
  if (first) first.focus();
}

$("transfer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const chosen = $("transfer-options").querySelector("input:checked");
  if (!current) return;
  if (!chosen) return setText("transfer-status", "Velg hvem som skal ta over, eller køen.");
  const frame = {
    type: "conversation.transfer",
    conversation_id: current.id,
    to_staff_id: chosen.value ? Number(chosen.value) : null,
    note: $("transfer-note").value.trim(),
  };
  if (!send(frame)) return setText("transfer-status", NO_LINK);
  waiting = true;
  $("transfer-submit").disabled = true;
  setText("transfer-status", "Overfører …");
});

$("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close());
$("transfer-dialog").addEventListener("close", () => {
  const c = current;
  current = null;
  if (c && c.panel.isConnected) c.panel.querySelector(".transfer-button").focus();
});

export function onTransferError(f) {
  if (!current || f.conversation_id !== current.id) return;
  waiting = false;
  $("transfer-submit").disabled = false;
  setText("transfer-status", f.code === "conflict"
    ? "Det gikk ikke: den du valgte, er ikke ledig eller har ikke plass nå. Velg en annen."
    : "Det gikk ikke: " + (f.message || f.code));
}

listen("chat.created", (c) => c.panel.querySelector(".transfer-button").addEventListener("click", () => open(c)));
listen("chat.removed", (c) => {
  if (current === c) {
    current = null;
    waiting = false;
    $("transfer-dialog").close();
    // Given away: focus goes on to the chat now selected (after the tab is gone).
    setTimeout(() => (document.querySelector('#tabs [aria-selected="true"]') || $("chats-title")).focus(), 0);
  }
});
listen("colleagues", () => current && !waiting && options());
