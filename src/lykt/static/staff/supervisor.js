/* Lykt console, for supervisors and admins: the board (every host with status and load, every
 * live chat with its reply timer, the chats a host asked them to look at) as the first tab;
 * help requests, possible duty-to-avert cases and long waits at the top, each one click from
 * the chat; reading along silently, joining and taking over (the last two after a confirm). */

import {
  $, st, listen, el, button, setText, clock, chatLabel, langName, waitMark, minSec, secondsSince,
  isSupervisor, alertText, send,
} from "./state.js";
import { select, onTabKey, remove } from "./chats.js";
import { ask, claim } from "./claims.js";
import { loud } from "./shift.js";

let overview = { hosts: [], conversations: [], flagged: [] };
const alerts = new Map(); // key -> {kind, id, text, at}
const dismissed = new Set();

// -- the board ------------------------------------------------------------------------------
export function setUp() {
  if (!isSupervisor() || $("overview-tab")) return;
  const tab = el("button", "tab overview-tab");
  Object.assign(tab, { type: "button", id: "overview-tab", tabIndex: -1 });
  tab.setAttribute("role", "tab");
  tab.setAttribute("aria-controls", "overview-panel");
  tab.setAttribute("aria-selected", "false");
  tab.dataset.id = "overview";
  tab.append(el("span", "tab-title", "Oversikt"), el("span", "tab-last", "vakter og samtaler"));
  tab.addEventListener("click", () => select("overview", false));
  tab.addEventListener("keydown", onTabKey);
  $("tabs").prepend(tab);
  $("overview-panel").hidden = true;
  $("sup-alerts").hidden = false;
  if (!st.selected) select("overview", false);
}

export function tearDown() {
  const tab = $("overview-tab");
  if (tab) tab.remove();
  $("overview-panel").hidden = true;
  $("sup-alerts").hidden = true;
  alerts.clear();
  dismissed.clear();
  renderAlerts();
}

export function onOverview(f) {
  overview = { hosts: f.hosts || [], conversations: f.conversations || [], flagged: f.flagged || [] };
  // What is marked on the board is an alert too (after a reload, or one raised before we
  // came), until it is dismissed; a help request goes when its chat is no longer live.
  overview.conversations.forEach((conv) => {
    if (conv.help_requested_at) addAlert("help", conv, conv.help_requested_at, false);
    if (conv.duty_flagged_at) addAlert("duty", conv, conv.duty_flagged_at, false);
  });
  alerts.forEach((a, key) => {
    if (a.kind === "help" && !overview.conversations.some((c) => c.conversation_id === a.id)) alerts.delete(key);
  });
  overview.conversations.forEach((conv) => {
    const c = st.chats.get(conv.conversation_id);
    if (c && c.mode !== "host") c.hostName = conv.host_name || c.hostName;
  });
  renderBoard();
  renderAlerts();
}

const convLabel = (conv) => chatLabel({ number: conv.number, age: null, ageGroup: conv.age_group, about: conv.about });
const convName = (conv) => (conv && conv.number ? `samtale ${conv.number}` : "en samtale");

function renderBoard() {
  const hosts = $("board-hosts");
  hosts.textContent = "";
  overview.hosts.forEach((h) => {
    const li = el("li", "board-host " + (h.status || "offline"));
    const status = { available: "ledig", break: "pause", offline: "frakoblet" }[h.status] || h.status || "frakoblet";
    li.append(el("span", "board-host-name", h.display_name), el("span", "board-host-status", status));
    li.append(el("span", "board-host-load", `${h.chats} av ${h.max_chats ?? "?"} samtaler`));
    const longest = overview.conversations
      .filter((c) => c.host_id === h.id && c.waiting_for_reply_since)
      .map((c) => c.waiting_for_reply_since)
      .sort()[0];
    const wait = el("span", "board-wait", "");
    wait.dataset.since = longest || "";
    li.append(wait);
    hosts.append(li);
  });
  $("board-hosts-empty").hidden = overview.hosts.length > 0;

  const list = $("board-chats");
  const focusedAction = list.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  list.textContent = "";
  overview.conversations.forEach((conv) => {
    const li = el("li", "board-chat");
    li.dataset.id = conv.conversation_id;
    const title = el("p", "board-title", convLabel(conv));
    if (conv.lang && conv.lang !== "nb") title.append(el("span", "tag", langName(conv.lang)));
    const mine = st.me && conv.host_id === st.me.id;
    const meta = [mine ? "din samtale" : conv.host_name, conv.claimed_at && "tatt " + clock(conv.claimed_at),
      conv.last_message_at && "siste melding " + clock(conv.last_message_at)].filter(Boolean).join(" · ");
    const wait = el("p", "board-wait");
    wait.dataset.since = conv.waiting_for_reply_since || "";
    li.append(title, el("p", "board-meta", meta), wait);
    const flags = el("p", "board-flags");
    if (conv.help_requested_at) flags.append(el("span", "tag warn", "Ber om hjelp " + clock(conv.help_requested_at)));
    if (conv.duty_flagged_at) flags.append(el("span", "tag danger", "Mulig avvergingsplikt"));
    if (flags.childNodes.length) li.append(flags);
    li.append(actions(conv, mine));
    list.append(li);
  });
  setText("board-count", `(${overview.conversations.length})`);
  $("board-empty").hidden = overview.conversations.length > 0;

  const flagged = $("board-flagged");
  flagged.textContent = "";
  overview.flagged.forEach((conv) => {
    const li = el("li", "board-chat");
    li.append(el("p", "board-title", conv.number ? `Samtale ${conv.number}` : "Samtale"));
    li.append(el("p", "board-meta", `${conv.host_name || "En vakt"} · avsluttet ${clock(conv.ended_at)}`));
    const read = button("Les samtalen", "button small", () => open(conv.conversation_id));
    read.setAttribute("aria-label", `Les ${convName(conv)}`);
    const row = el("div", "actions");
    row.append(read);
    li.append(row);
    flagged.append(li);
  });
  $("flagged-empty").hidden = overview.flagged.length > 0;
  if (focusedAction) {
    const again = list.querySelector(`[data-action="${focusedAction}"]`);
    if (again) again.focus();
  }
  tick();
}

function actions(conv, mine) {
  const row = el("div", "actions");
  const id = conv.conversation_id;
  const name = convName(conv);
  const add = (text, label, onClick, cls) => {
    const b = button(text, cls || "button small", onClick);
    b.setAttribute("aria-label", `${label} ${name}`);
    b.dataset.action = `${text}:${id}`;
    row.append(b);
  };
  const open_ = st.chats.get(id);
  if (mine || open_) {
    add("Åpne", "Åpne", () => select(id, true));
  } else {
    add("Les med", "Les med i", () => open(id));
  }
  if (!mine && (!open_ || open_.mode === "watching")) add("Bli med", "Bli med i", () => join(id, conv), "button quiet small");
  if (!mine) add("Ta over", "Ta over", () => takeOver(id, conv), "button quiet small");
  return row;
}

/* Every second: the reply timers on the board. */
export function tick() {
  document.querySelectorAll("#overview-panel .board-wait").forEach((node) => {
    const since = node.dataset.since;
    const wait = since ? waitMark(since, node.closest(".board-host") ? "lengst venter på svar" : "venter på svar") : null;
    setText(node, wait ? wait.text : "");
    node.className = "board-wait " + (wait ? wait.level : "");
  });
}

// -- reading along, joining, taking over ----------------------------------------------------
export function open(id) {
  if (st.chats.has(id)) return select(id, true);
  ask("supervisor.watch", id);
}

async function join(id, conv) {
  const ok = await confirmStep(
    `Bli med i ${convName(conv)}?`,
    `Du kan skrive i samtalen sammen med ${conv.host_name || "vakten"}. Besøkende får beskjed om at du er med.`,
    "Ja, bli med"
  );
  if (ok) ask("supervisor.join", id);
}

async function takeOver(id, conv) {
  const ok = await confirmStep(
    `Ta over ${convName(conv)}?`,
    `${conv.host_name || "Vakten"} mister samtalen, og du blir den som svarer. Besøkende får beskjed om at du har tatt over.`,
    "Ja, ta over"
  );
  if (ok) ask("supervisor.takeover", id);
}

function confirmStep(title, text, yes) {
  const dialog = $("confirm-dialog");
  setText("confirm-title", title);
  setText("confirm-text", text);
  setText("confirm-yes", yes);
  dialog.returnValue = "";
  dialog.showModal();
  $("confirm-no").focus();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
}
$("confirm-yes").addEventListener("click", () => $("confirm-dialog").close("yes"));
$("confirm-no").addEventListener("click", () => $("confirm-dialog").close("no"));

/* In a chat one reads along in or has joined: say so, and offer the next steps. */
function renderReading(c) {
  const bar = c.panel.querySelector(".reading-bar");
  bar.hidden = c.mode === "host";
  if (c.mode === "host") return;
  const host = c.hostName || "vakten";
  setText(bar.querySelector(".reading-text"), c.mode === "watching"
    ? `Du leser med. Verken besøkende eller ${host} ser at du er her.`
    : `Du er med i samtalen sammen med ${host}. Besøkende vet at du er med.`);
  const live = c.status !== "ended";
  bar.querySelector(".join-button").hidden = c.mode !== "watching" || !live;
  bar.querySelector(".takeover-button").hidden = !live;
  // There is no frame to leave a joined chat: closing the tab stops following it.
  setText(bar.querySelector(".stop-button"), c.mode === "watching" ? "Slutt å lese" : "Lukk fanen");
  bar.querySelector(".stop-button").hidden = !live;
}

listen("chat.created", (c) => {
  const bar = c.panel.querySelector(".reading-bar");
  const conv = () => ({ number: c.number, host_name: c.hostName });
  bar.querySelector(".join-button").addEventListener("click", () => join(c.id, conv()));
  bar.querySelector(".takeover-button").addEventListener("click", () => takeOver(c.id, conv()));
  bar.querySelector(".stop-button").addEventListener("click", () => {
    send({ type: "supervisor.unwatch", conversation_id: c.id });
    remove(c.id, true);
  });
});
listen("chat.updated", (c) => {
  renderReading(c);
  if (isSupervisor()) renderBoard();
});
listen("chat.removed", () => isSupervisor() && setTimeout(renderBoard, 0));

export function onSupervisorError(f) {
  const what = { forbidden: "Bare ledere kan gjøre dette.", not_found: "Samtalen finnes ikke lenger, eller er avsluttet." }[f.code];
  alertText(what || "Det gikk ikke: " + (f.message || f.code));
}

// -- alerts at the top ----------------------------------------------------------------------
function addAlert(kind, f, at, sound) {
  const key = kind + ":" + f.conversation_id;
  if (!sound && (dismissed.has(key) || alerts.has(key))) return;
  dismissed.delete(key);
  const conv = overview.conversations.find((c) => c.conversation_id === f.conversation_id);
  const name = convName(conv || f);
  const host = f.host_name || (conv && conv.host_name) || "En vakt";
  const text = {
    help: `${host} ber om hjelp i ${name}.`,
    duty: `${host} har markert ${name} som mulig avvergingsplikt.`,
    escalated: "En besøkende har ventet lenge i køen.",
  }[kind];
  alerts.set(key, { kind, id: f.conversation_id, text, at: at || new Date().toISOString(), since: f.waiting_since });
  renderAlerts();
  if (sound) {
    setText("sup-alert-note", text);
    loud({ help: "Trenger hjelp", duty: "Mulig avvergingsplikt", escalated: "Venter lenge i køen" }[kind]);
  }
}

export const onHelp = (f) => addAlert("help", f, f.at, true);
export const onDuty = (f) => addAlert("duty", f, f.at, true);
export const onEscalated = (f) => addAlert("escalated", f, f.waiting_since, true);

function renderAlerts() {
  const list = $("sup-alert-list");
  list.textContent = "";
  [...alerts.entries()].sort((a, b) => (a[1].kind === "escalated") - (b[1].kind === "escalated")).forEach(([key, a]) => {
    const li = el("li", "sup-alert " + a.kind);
    const text = el("p", "sup-alert-text", a.text);
    text.append(" ", el("span", "hint", a.kind === "escalated" ? `Venter ${minSec(secondsSince(a.since))}` : "kl. " + clock(a.at)));
    const row = el("div", "actions");
    if (a.kind === "escalated") row.append(button("Ta samtalen", "button small primary", () => claim(a.id)));
    else row.append(button(st.chats.has(a.id) ? "Åpne" : "Les med", "button small primary", () => open(a.id)));
    const gone = button("Fjern", "button quiet small", () => {
      dismissed.add(key);
      alerts.delete(key);
      renderAlerts();
      $("sup-alerts-title").focus();
    });
    gone.setAttribute("aria-label", "Fjern varselet: " + a.text);
    row.append(gone);
    li.append(text, row);
    list.append(li);
  });
  $("sup-alerts-empty").hidden = alerts.size > 0;
  $("sup-alerts").classList.toggle("has-alerts", alerts.size > 0);
}

/* A long wait that is no longer in the queue is no longer an alert. */
listen("queue.changed", (queue) => {
  let changed = false;
  alerts.forEach((a, key) => {
    if (a.kind === "escalated" && !queue.some((e) => e.conversation_id === a.id)) {
      alerts.delete(key);
      changed = true;
    }
  });
  if (changed) renderAlerts();
});
