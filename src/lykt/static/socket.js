/* Lykt: a WebSocket that comes back by itself, and small helpers both pages share.
 * Reconnects with backoff (0.5 s doubling to 15 s, with jitter), treats a link silent for
 * 2.5 heartbeat intervals as dead, answers `ping` with `pong`, and stops for good on the
 * close codes in `fatal` (4401, 4403), telling `onFatal`. */
"use strict";

class LyktSocket {
  constructor(o) {
    this.path = o.path;
    this.heartbeatMs = Math.max(1, Number(o.heartbeatS) || 15) * 1000;
    this.onOpen = o.onOpen || (() => {});
    this.onFrame = o.onFrame;
    this.onState = o.onState || (() => {});
    this.onFatal = o.onFatal || (() => {});
    this.fatal = o.fatal || [4401, 4403];
    this.ws = null;
    this.attempt = 0;
    this.everOpen = false;
    this.stopped = true;
    this.retryTimer = null;
    this.deadTimer = null;
    // Back online, or back to a tab the phone had put to sleep: do not wait out the backoff.
    const now = () => !this.stopped && this.retryTimer !== null && this.connect();
    window.addEventListener("online", now);
    document.addEventListener("visibilitychange", () => document.hidden || now());
  }

  start() {
    this.stopped = false;
    if (!this.ws && this.retryTimer === null) this.connect();
  }

  /* Close for good: the conversation ended, the host logged out, … */
  stop() {
    this.stopped = true;
    this.clearTimers();
    this.drop(1000);
  }

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /* Sends a frame if the socket is open; says whether it went out. */
  send(frame) {
    if (!this.isOpen()) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch (e) {
      return false;
    }
  }

  clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.deadTimer);
    this.retryTimer = this.deadTimer = null;
  }

  /* Forget the current socket without waiting for its close handshake. */
  drop(code) {
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(code);
    } catch (e) {
      /* already closed */
    }
  }

  armDeadTimer() {
    clearTimeout(this.deadTimer);
    this.deadTimer = setTimeout(() => {
      // Nothing for 2.5 heartbeats: the link is dead even if the browser has not noticed.
      this.deadTimer = null;
      this.drop(4000);
      this.retry();
    }, this.heartbeatMs * 2.5);
  }

  connect() {
    this.clearTimers();
    this.drop(1000);
    this.onState(this.everOpen ? "reconnecting" : "connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = new WebSocket(scheme + "//" + location.host + this.path);
    } catch (e) {
      this.retry();
      return;
    }
    this.ws = ws;
    let fresh = true;
    ws.onopen = () => {
      this.armDeadTimer();
      this.onOpen();
    };
    ws.onmessage = (event) => {
      this.armDeadTimer();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!frame || typeof frame.type !== "string") return;
      if (fresh) {
        // The server answered: the next drop starts the backoff anew.
        fresh = false;
        this.attempt = 0;
        this.everOpen = true;
        this.onState("open");
      }
      if (frame.type === "ping") this.send({ type: "pong" });
      else this.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearTimeout(this.deadTimer);
      this.deadTimer = null;
      if (this.stopped) return;
      if (this.fatal.includes(event.code)) {
        this.stopped = true;
        this.onState("closed");
        this.onFatal(event.code);
      } else {
        this.retry();
      }
    };
  }

  /* The link looks dead (a message went unanswered): drop it and connect again now. */
  reconnectNow() {
    if (this.stopped) return;
    this.drop(4000);
    this.connect();
  }

  retry() {
    if (this.stopped || this.retryTimer !== null) return;
    const ceiling = Math.min(15000, 500 * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    // Jitter: between half and all of the ceiling, so clients do not come back in step.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.onState(this.everOpen ? "reconnecting" : "connecting");
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }
}

const Lykt = {
  Socket: LyktSocket,

  /* The page's words, from <script type="application/json" id="lykt-strings">; "{name}"
   * placeholders are filled from `values`. A missing key shows the key (never a crash). */
  t(key, values) {
    if (!Lykt.words) {
      try {
        Lykt.words = JSON.parse(document.getElementById("lykt-strings").textContent) || {};
      } catch (e) {
        Lykt.words = {};
      }
    }
    const text = typeof Lykt.words[key] === "string" ? Lykt.words[key] : key;
    return text.replace(/\{(\w+)\}/g, (all, name) =>
      values && values[name] !== undefined ? String(values[name]) : all
    );
  },

  /* The page's language, for dates and times: <html lang>. */
  lang: () => document.documentElement.lang || "nb",

  $: (id) => document.getElementById(id),

  setText(el, text) {
    (typeof el === "string" ? Lykt.$(el) : el).textContent = text || "";
  },

  /* A message's client id: random, unique, at most 64 characters. */
  newClientId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
      b.toString(16).padStart(2, "0")
    ).join("");
  },

  /* "2026-11-28T15:04:05.123456Z" → Date (trims the microseconds some engines refuse). */
  parseTime(text) {
    const d = text ? new Date(String(text).replace(/(\.\d{3})\d+/, "$1")) : null;
    return d && !isNaN(d.getTime()) ? d : null;
  },

  clockTime(text) {
    const d = Lykt.parseTime(text);
    return d ? d.toLocaleTimeString(Lykt.lang(), { hour: "2-digit", minute: "2-digit" }) : "";
  },

  /* One message as a list item. The text is always text, never HTML. */
  messageItem(mine, name, text, time) {
    const li = document.createElement("li");
    li.className = "msg " + (mine ? "mine" : "theirs");
    const who = document.createElement("p");
    who.className = "who";
    who.append(name);
    if (time) {
      const t = document.createElement("span");
      t.className = "time";
      t.append(time);
      who.append(" ", t);
    }
    const p = document.createElement("p");
    p.className = "text";
    p.append(text);
    li.append(who, p);
    return li;
  },

  pendingItem(text) {
    const li = Lykt.messageItem(true, Lykt.t("you"), text, "");
    li.classList.add("pending");
    const note = document.createElement("p");
    note.className = "state";
    note.append(Lykt.t("sending"));
    li.append(note);
    return li;
  },

  markFailed(li, note) {
    li.classList.replace("pending", "failed");
    Lykt.setText(li.querySelector(".state"), note);
  },

  /* Put a stored message in seq order; unsent ones stay at the end. */
  insertBySeq(log, li, seq) {
    li.dataset.seq = String(seq);
    let before = null;
    for (const node of log.children) {
      if (node.dataset.seq === undefined || Number(node.dataset.seq) > seq) {
        before = node;
        break;
      }
    }
    log.insertBefore(li, before);
  },

  isNearEnd: (log) => log.scrollHeight - log.scrollTop - log.clientHeight < 60,

  /* "1200 characters left" once the text comes near the limit. */
  counter(el, box, max) {
    const left = max - box.value.length;
    Lykt.setText(el, left <= Math.max(100, Math.round(max * 0.1)) ? Lykt.t("chars_left", { n: left }) : "");
    el.classList.toggle("over", left <= 0);
  },

  /* Enter sends, Shift+Enter makes a new line. */
  enterSends(box, send) {
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });
  },

  /* Typing signals: `true` at most every 2 s while typing, `false` after 3 s idle. */
  typingSender(sendFrame) {
    let out = false;
    let sentAt = 0;
    let idle = null;
    const stop = () => {
      clearTimeout(idle);
      idle = null;
      if (out) {
        out = false;
        sendFrame(false);
      }
    };
    const start = () => {
      const now = Date.now();
      if ((!out || now - sentAt >= 2000) && sendFrame(true)) {
        out = true;
        sentAt = now;
      }
      clearTimeout(idle);
      idle = setTimeout(stop, 3000);
    };
    return { start, stop };
  },

  /* A card's body in the small Markdown subset we allow, as DOM built with text only (never
   * HTML): paragraphs split by blank lines, lines starting "- " as bullets, **bold**. */
  cardBody(text) {
    const frag = document.createDocumentFragment();
    const inline = (el, line) => {
      String(line).split(/\*\*(.+?)\*\*/).forEach((part, i) => {
        if (!part) return;
        if (i % 2) {
          const b = document.createElement("strong");
          b.textContent = part;
          el.append(b);
        } else {
          el.append(part);
        }
      });
      return el;
    };
    String(text || "").replace(/\r\n?/g, "\n").split(/\n\s*\n/).forEach((block) => {
      let para = null;
      let list = null;
      block.split("\n").forEach((raw) => {
        const line = raw.trim();
        if (!line) return;
        if (/^- /.test(line)) {
          para = null;
          if (!list) frag.append((list = document.createElement("ul")));
          list.append(inline(document.createElement("li"), line.slice(2)));
        } else {
          list = null;
          if (para) para.append(" ");
          else frag.append((para = document.createElement("p")));
          inline(para, line);
        }
      });
    });
    return frag;
  },

  /* An information card {slug, title, body} as DOM, text only. */
  cardNode(card) {
    const div = document.createElement("div");
    div.className = "info-card";
    if (card && card.slug) div.dataset.slug = String(card.slug);
    const title = document.createElement("p");
    title.className = "card-title";
    const strong = document.createElement("strong");
    strong.textContent = (card && card.title) || "";
    title.append(strong);
    const body = document.createElement("div");
    body.className = "card-body";
    body.append(Lykt.cardBody(card && card.body));
    div.append(title, body);
    return div;
  },

  /* Other help [{name, contact, href, hours}] as a list; links only to tel:, sms:, http(s):. */
  helpList(lines) {
    const ul = document.createElement("ul");
    ul.className = "help-lines";
    (lines || []).forEach((line) => {
      if (!line || !line.name) return;
      const li = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = line.name;
      li.append(name, ": ");
      const href = String(line.href || "");
      if (/^(tel:|sms:|https?:\/\/)/i.test(href)) {
        const a = document.createElement("a");
        a.href = href;
        a.rel = "noreferrer";
        a.textContent = line.contact || href;
        li.append(a);
      } else {
        li.append(line.contact || "");
      }
      if (line.hours) {
        const h = document.createElement("span");
        h.className = "help-hours";
        h.textContent = " (" + line.hours + ")";
        li.append(h);
      }
      ul.append(li);
    });
    return ul;
  },

  config() {
    const b = document.body.dataset;
    return { maxChars: parseInt(b.maxChars, 10) || 4000, heartbeatS: parseFloat(b.heartbeatS) || 15 };
  },
};

/* The skip link moves focus without adding a history entry. */
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.skip-link");
  const target = link && Lykt.$(link.getAttribute("href").slice(1));
  if (target) {
    event.preventDefault();
    target.focus();
  }
});
