/* Lykt console: who waits. The server lists the first places (a long queue is not sent
 * whole) and `total` counts everyone. Each entry: age group, for whom, language, the first
 * words the visitor wrote while waiting (as text, never HTML), how long they have waited,
 * and "tilbake i køen" for a visitor given back. New arrivals are told to shift.js's alerts. */

import { $, st, emit, el, button, setText, AGE_GROUPS, ABOUT, ABOUT_LONG, langName, waitMark } from "./state.js";
import { claim } from "./claims.js";

const FRESH_MS = 20000;
const seen = new Set(); // conversation ids already seen in the queue
const fresh = new Map(); // conversation id -> when it arrived while we watched
let first = true;

export function reset() {
  seen.clear();
  fresh.clear();
  first = true;
  st.queue = [];
  st.total = 0;
  render();
}

export function onQueue(f) {
  const queue = f.queue || [];
  const before = st.total;
  st.total = typeof f.total === "number" ? f.total : typeof f.queue_total === "number" ? f.queue_total : queue.length;
  let arrivals = 0;
  queue.forEach((e) => {
    if (seen.has(e.conversation_id)) return;
    seen.add(e.conversation_id);
    if (!first) {
      fresh.set(e.conversation_id, Date.now());
      arrivals += 1;
    }
  });
  if (!first) arrivals = Math.max(arrivals, st.total - before);
  first = false;
  st.queue = queue;
  render();
  if (arrivals > 0) {
    setText("queue-note", arrivals === 1 ? "En ny besøkende venter i køen." : arrivals + " nye besøkende venter i køen.");
    emit("queue.arrivals", arrivals);
  }
  emit("queue.changed", queue);
}

const isFresh = (id) => fresh.has(id) && Date.now() - fresh.get(id) < FRESH_MS;

function render() {
  const list = $("queue-list");
  const focused = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  list.textContent = "";
  st.queue.forEach((e, i) => {
    const group = AGE_GROUPS[e.age_group] || AGE_GROUPS.unknown;
    const li = el("li", "queue-item" + (isFresh(e.conversation_id) ? " fresh" : "") + (e.returned ? " returned" : ""));
    li.dataset.id = e.conversation_id;
    const info = el("div", "queue-info");
    const who = el("p", "queue-who", `${i + 1}. ${group} · ${ABOUT[e.about] || e.about}`);
    if (e.lang) who.append(el("span", "queue-lang" + (e.lang !== "nb" ? " other" : ""), " · " + langName(e.lang)));
    info.append(who);
    if (e.returned) info.append(el("p", "queue-returned", "Tilbake i køen"));
    if (e.preview) info.append(el("p", "queue-preview", "«" + e.preview + "»"));
    const wait = waitMark(e.waiting_since, "venter");
    const time = el("p", "queue-waited " + wait.level, wait.text);
    time.dataset.since = e.waiting_since || "";
    const take = button("Ta", "button small", () => claim(e.conversation_id));
    take.setAttribute("aria-label", `Ta samtalen: ${group}, ${ABOUT_LONG[e.about] || e.about}`);
    take.dataset.id = e.conversation_id;
    const foot = el("div", "queue-foot");
    foot.append(time, take);
    li.append(info, foot);
    list.append(li);
    if (focused === e.conversation_id) take.focus(); // redrawn: keep the keyboard in place
  });
  const n = Math.max(st.total, st.queue.length);
  const more = n - st.queue.length;
  setText("queue-count", `(${n})`);
  setText("queue-more", more > 0 ? `… og ${more} til i køen.` : "");
  $("queue-more").hidden = more <= 0;
  $("queue-empty").hidden = n > 0;
  $("queue-panel").classList.toggle("waiting", n > 0);
  $("claim-next").disabled = n === 0;
  emit("counts");
}

/* Every second: the waiting times, and the "Ny" mark fading after a while. */
export function tick() {
  document.querySelectorAll("#queue-list .queue-waited").forEach((p) => {
    const wait = waitMark(p.dataset.since, "venter");
    setText(p, wait.text);
    p.className = "queue-waited " + wait.level;
  });
  document.querySelectorAll(".queue-item.fresh").forEach((li) => !isFresh(li.dataset.id) && li.classList.remove("fresh"));
}

$("claim-next").addEventListener("click", () => claim(null));
