/* Lykt: the staff console. The socket, and one routing table from a frame's type to
 * the module that handles it (docs/protocol.md, "Staff socket"). Each feature is a module of
 * its own: queue, chats (+ transcript, composer), canned replies, notes, wrap-up, the side
 * column, information cards, transfer, the shift and its alerts, the supervisor's board and
 * legal hold, and the member's own account. */

import { $, Lykt, st, send, setText, alertText, noteText, chatName, heartbeatS, isSupervisor } from "./state.js";
import * as chats from "./chats.js";
import * as claims from "./claims.js";
import * as transcript from "./transcript.js";
import * as queue from "./queue.js";
import * as composer from "./composer.js";
import * as canned from "./canned.js";
import * as notes from "./notes.js";
import * as wrapup from "./wrapup.js";
import * as side from "./side.js";
import * as transfer from "./transfer.js";
import * as shift from "./shift.js";
import * as supervisor from "./supervisor.js";
import * as login from "./login.js";
import * as account from "./account.js";
import "./cards.js";
import "./hold.js";

// A frame about one chat goes to its handler with the chat; frames for chats we do not have
// are dropped (they can cross a transfer or a wrap-up on the way).
const forChat = (handler) => (f) => {
  const c = st.chats.get(f.conversation_id);
  if (c) handler(c, f);
};

const ROUTES = {
  welcome: onWelcome,
  "hours.closing_soon": (f) => showClosing(f.closes_at),
  "queue.updated": queue.onQueue,
  "staff.availability": shift.onAvailability,
  "staff.colleagues": shift.onColleagues,
  "staff.overview": supervisor.onOverview,
  "conversation.claimed": claims.onClaimed,
  "conversation.history": claims.onHistory,
  "conversation.transferred": claims.onTransferred,
  "conversation.ended": forChat(chats.onEnded),
  "conversation.wrapped_up": wrapup.onWrappedUp,
  "conversation.joined": forChat(chats.onJoined),
  "message.posted": forChat(transcript.onPosted),
  "message.ack": forChat(transcript.onAck),
  "note.added": forChat(notes.onAdded),
  typing: forChat(chats.onTyping),
  "visitor.presence": forChat(chats.onPresence),
  "help.requested": supervisor.onHelp,
  "duty.flagged": supervisor.onDuty,
  "queue.escalated": supervisor.onEscalated,
  error: onError,
};

// An error answers one of our frames (`request`); the module that sent it says what it means.
const ERRORS = {
  "conversation.claim": claims.onClaimError,
  "conversation.sync": claims.onChatError,
  "conversation.end": claims.onChatError,
  "conversation.transfer": transfer.onTransferError,
  "note.add": notes.onNoteError,
  "conversation.wrapup": wrapup.onWrapupError,
  "help.request": side.onHelpError,
  "duty.flag": side.onHelpError,
  "supervisor.watch": supervisor.onSupervisorError,
  "supervisor.join": supervisor.onSupervisorError,
  "supervisor.takeover": supervisor.onSupervisorError,
  "staff.availability": (f) => alertText("Statusen ble ikke endret: " + (f.message || f.code)),
};

function onFrame(f) {
  const handler = ROUTES[f.type];
  if (handler) handler(f);
}

function onError(f) {
  if (f.client_id) return transcript.onSendError(st.chats.get(f.conversation_id), f);
  const handler = ERRORS[f.request];
  if (handler) return handler(f);
  if (f.code === "rate_limited") return alertText("Litt for mye på en gang. Vent et øyeblikk.");
  alertText("Noe gikk galt: " + (f.message || f.code));
}

function onWelcome(f) {
  st.me = f.staff || st.me;
  st.maxChats = f.max_chats || st.maxChats;
  st.topics = Array.isArray(f.topics) ? f.topics : st.topics;
  st.escalateAfter = f.escalate_after_minutes || st.escalateAfter;
  claims.resetPending();
  setText("staff-name", st.me ? st.me.display_name : "");
  setText("staff-role", isSupervisor() ? "leder" : "");
  shift.onAvailability({ status: f.availability || "available" });
  shift.onColleagues({ hosts: f.colleagues || [] });
  shift.start();
  if (isSupervisor()) {
    supervisor.setUp();
    supervisor.onOverview(f.overview || {});
  }
  // The server's list is the truth for the chats we hold. Chats we only read along in are
  // asked for again; one we held that is not in the list has gone on without us.
  const live = new Set((f.conversations || []).map((conv) => chats.upsert(conv, false).id));
  st.chats.forEach((c) => {
    if (live.has(c.id)) return;
    if (c.mode === "watching") send({ type: "supervisor.watch", conversation_id: c.id });
    else if (c.mode === "joined") claims.sync(c);
    else {
      if (c.status !== "ended") noteText(`${chatName(c)} er ikke lenger din.`);
      chats.remove(c.id, false);
    }
  });
  queue.onQueue({ queue: f.queue || [], total: f.queue_total });
  const hours = f.hours || {};
  const soon = hours.open && hours.closes_at && Lykt.parseTime(hours.closes_at) - Date.now() <= 15 * 60 * 1000;
  if (soon) showClosing(hours.closes_at);
  else $("hours-note").hidden = true;
  chats.renderMeta();
  chats.ensureSelection();
  // Messages written while the link was down go again, with the same client ids.
  st.chats.forEach((c) => c.status !== "ended" && transcript.resendAll(c));
}

/* 15 minutes before closing: new visitors are turned away at closing time, and those still
   in the queue then are told when we open again. Chats under way go on. */
function showClosing(closesAt) {
  setText("hours-note", `Chatten stenger kl. ${Lykt.clockTime(closesAt)}. Da får de som venter i køen ` +
    "beskjed om når vi åpner igjen. Samtaler som er i gang, kan fortsette.");
  $("hours-note").hidden = false;
}

// -- in and out ------------------------------------------------------------------------------
function startConsole(me) {
  st.me = me;
  $("console").hidden = $("staff-bar").hidden = false;
  document.body.classList.add("in-console");
  setText("staff-name", me.display_name);
  shift.start();
  canned.load();
  const pill = $("staff-connection");
  st.socket = new Lykt.Socket({
    path: "/ws/staff",
    heartbeatS,
    onFrame,
    onState: (s) => {
      pill.className = "pill " + s;
      setText(pill, s === "open" ? "Tilkoblet" : s === "reconnecting" ? "Kobler til igjen …" : "Kobler til …");
    },
    onFatal: (code) =>
      code === 4401
        ? login.show("Du er logget ut. Logg inn igjen.")
        : setText(pill, "Tilkoblingen ble avvist. Åpne konsollen fra riktig adresse."),
  });
  st.socket.start();
}

function stopConsole() {
  account.close();
  if (st.socket) st.socket.stop();
  st.socket = null;
  [...st.chats.keys()].forEach((id) => chats.remove(id, false));
  claims.resetPending();
  supervisor.tearDown();
  queue.reset();
  st.selected = null;
  chats.renderMeta();
}

// -- the keyboard ----------------------------------------------------------------------------------
/* Alt+N takes the next visitor; Alt+1..9 goes to a chat (Alt+0: the supervisor's board);
 * Esc closes whatever is open (dialogs close by themselves). */
document.addEventListener("keydown", (event) => {
  if ($("console").hidden) return;
  if (event.key === "Escape" && !event.defaultPrevented) return closePopovers();
  if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (event.code === "KeyN") {
    event.preventDefault();
    if (!$("claim-next").disabled) claims.claim(null);
    else alertText("Det er ingen i køen akkurat nå.");
    return;
  }
  const digit = /^Digit([0-9])$/.exec(event.code);
  if (!digit) return;
  event.preventDefault();
  const n = Number(digit[1]);
  const target = n === 0 ? (isSupervisor() ? "overview" : null) : [...st.chats.keys()][n - 1];
  if (!target) return;
  chats.select(target, true);
  const panel = target === "overview" ? $("overview-panel") : st.chats.get(target).panel;
  if (!panel.contains(document.activeElement)) {
    const tab = chats.chatTabs().find((t) => t.dataset.id === target);
    if (tab) tab.focus();
  }
});

function closePopovers() {
  const open = [...document.querySelectorAll("[data-popover]:not([hidden])")];
  const hadFocus = open.some((node) => node.contains(document.activeElement));
  open.forEach((node) => (node.hidden = true));
  if (open.length && (hadFocus || document.activeElement === document.body)) composer.focusComposer();
}

// -- go ------------------------------------------------------------------------------------------
setInterval(() => {
  queue.tick();
  st.chats.forEach(chats.renderTab);
  supervisor.tick();
}, 1000);

chats.renderMeta();
login.start({ loggedIn: startConsole, loggedOut: stopConsole });
