/* Lykt console: writing to the visitor. Enter or Ctrl+Enter sends (from anywhere in the
 * composer), Shift+Enter makes a new line; typing signals go out while the host writes; the
 * end button asks first. Canned replies hook into the box from canned.js. */

import { Lykt, st, send, listen, maxChars, alertText, NO_LINK } from "./state.js";
import { sendText } from "./transcript.js";

function wire(c) {
  const q = (sel) => c.panel.querySelector(sel);
  const box = q("textarea");
  const counter = q(".counter");
  const typing = Lykt.typingSender(
    (on) => c.status !== "ended" && c.mode !== "watching" && send({ type: "typing", conversation_id: c.id, typing: on })
  );
  c.typing = typing;

  const submit = () => {
    const text = box.value;
    if (!text.trim() || c.status === "ended" || c.mode === "watching") return;
    if (text.length > maxChars) return alertText("Meldingen er for lang.");
    sendText(c, text);
    box.value = "";
    Lykt.counter(counter, box, maxChars);
    typing.stop();
    box.focus();
  };
  c.el.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  Lykt.enterSends(box, submit); // Enter, and Ctrl+Enter, in the box
  c.el.composer.addEventListener("keydown", (event) => {
    // Ctrl+Enter from anywhere else in the composer (a button, the canned list's search).
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target !== box) {
      event.preventDefault();
      submit();
    }
  });
  box.addEventListener("input", () => {
    Lykt.counter(counter, box, maxChars);
    if (box.value.trim()) typing.start();
    else typing.stop();
  });

  // Ending asks first; "no" keeps the chat and goes back to the box.
  const confirm = q(".end-confirm");
  const endButton = q(".end-button");
  endButton.addEventListener("click", () => {
    confirm.hidden = false;
    confirm.querySelector(".confirm-no").focus();
  });
  const closeConfirm = () => {
    confirm.hidden = true;
    if (!c.el.composer.hidden) box.focus();
  };
  confirm.querySelector(".confirm-no").addEventListener("click", closeConfirm);
  confirm.addEventListener("keydown", (event) => event.key === "Escape" && closeConfirm());
  confirm.querySelector(".confirm-yes").addEventListener("click", () => {
    if (!send({ type: "conversation.end", conversation_id: c.id })) return alertText(NO_LINK);
    typing.stop();
    c.endingByMe = true; // the wrap-up takes focus when the end comes back
    confirm.hidden = true;
    c.el.scroller.focus();
  });
}

/* Who may do what in this chat: the host ends and transfers; a joined supervisor writes. */
function render(c) {
  const q = (sel) => c.panel.querySelector(sel);
  const live = c.status !== "ended";
  q(".end-button").hidden = !live || c.mode === "watching";
  q(".transfer-button").hidden = !live || c.mode !== "host";
  if (!live) q(".end-confirm").hidden = true;
  if (!live || c.mode === "watching") c.typing.stop();
}

/* Text put into the box for editing (a canned reply): never sent by itself. */
export function insertText(c, text, replace) {
  const box = c.panel.querySelector("textarea");
  if (replace || !box.value.trim()) {
    box.value = text;
  } else {
    const at = box.selectionStart ?? box.value.length;
    box.value = box.value.slice(0, at) + text + box.value.slice(box.selectionEnd ?? at);
  }
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  box.dispatchEvent(new Event("input"));
}

/* The selected chat's box, if one can be written in. */
export function focusComposer() {
  const c = st.chats.get(st.selected);
  if (c && !c.el.composer.hidden) c.panel.querySelector("textarea").focus();
}

listen("chat.created", wire);
listen("chat.updated", render);
listen("chat.removed", (c) => c.typing && c.typing.stop());
