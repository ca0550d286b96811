/* Lykt: the hosts' console. The queue on the left, the host's own chats as tabs on the right.
 * Messages are always shown as text. See docs/protocol.md for the frames. */
"use strict";

(() => {
  const { $, setText } = Lykt;
  const { maxChars, heartbeatS } = Lykt.config();
  const baseTitle = document.title;
  const FRESH_MS = 20000;
  const AGE_GROUPS = {
    under13: "Under 13 år",
    "13-15": "13–15 år",
    "16-18": "16–18 år",
    "19-25": "19–25 år",
    over25: "Over 25 år",
    unknown: "Alder ikke oppgitt",
  };
  const ABOUT = { self: "gjelder seg selv", friend: "gjelder en venn" };
  const alert = (text) => setText("console-alert", text);

  const st = {
    me: null,
    maxChats: 3,
    socket: null,
    queue: [],
    total: 0, // everyone waiting; queue holds the first few
    seen: new Set(), // conversation ids already seen in the queue
    fresh: new Map(), // conversation id -> when it arrived while we watched
    firstQueue: true,
    chats: new Map(), // conversation id -> chat, in tab order
    selected: null,
    claimsPending: 0,
    syncsPending: new Set(),
  };

  // -- login -------------------------------------------------------------------------------
  function showLogin(message) {
    stopConsole();
    $("console").hidden = $("staff-bar").hidden = true;
    $("login-view").hidden = false;
    setText("login-error", message);
    $("login-email").focus();
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const email = $("login-email").value.trim();
    const password = $("login-password").value;
    if (!email || !password) {
      setText("login-error", "Skriv e-post og passord.");
      return;
    }
    setText("login-error", "");
    $("login-submit").disabled = true;
    fetch("/api/staff/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
      cache: "no-store",
    })
      .then((r) => {
        if (r.status === 401) return setText("login-error", "Feil e-post eller passord.");
        if (!r.ok) throw new Error("status " + r.status);
        return r.json().then((me) => {
          $("login-password").value = "";
          startConsole(me);
        });
      })
      .catch(() => setText("login-error", "Fikk ikke kontakt med tjenesten. Prøv igjen."))
      .finally(() => ($("login-submit").disabled = false));
  });

  $("logout").addEventListener("click", () =>
    fetch("/api/staff/logout", { method: "POST", cache: "no-store" })
      .catch(() => {})
      .then(() => showLogin("Du er logget ut."))
  );

  // -- the console -----------------------------------------------------------------------------
  function startConsole(me) {
    st.me = me;
    $("login-view").hidden = true;
    $("console").hidden = $("staff-bar").hidden = false;
    setText("staff-name", me.display_name);
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
          ? showLogin("Du er logget ut. Logg inn igjen.")
          : setText(pill, "Tilkoblingen ble avvist. Åpne konsollen fra riktig adresse."),
    });
    st.socket.start();
  }

  function stopConsole() {
    if (st.socket) st.socket.stop();
    st.socket = null;
    [...st.chats.keys()].forEach(removeChat);
    Object.assign(st, { queue: [], total: 0, seen: new Set(), fresh: new Map(), firstQueue: true, claimsPending: 0 });
    st.syncsPending.clear();
    renderQueue();
    renderChatsMeta();
  }

  const send = (frame) => !!st.socket && st.socket.send(frame);

  function onFrame(f) {
    const c = st.chats.get(f.conversation_id);
    switch (f.type) {
      case "welcome": return onWelcome(f);
      case "queue.updated": return onQueue(f.queue || [], f.total);
      case "conversation.claimed": return onClaimed(f);
      case "conversation.history": return onHistory(f);
      case "hours.closing_soon": return showClosing(f.closes_at);
      case "error": return onError(f, c);
    }
    if (!c) return;
    if (f.type === "message.posted") {
      addMessage(c, f, true);
      if (f.seq > c.contiguous + 1 && !st.syncsPending.has(c.id)) sync(c); // a gap: fetch it
    } else if (f.type === "message.ack") onAck(c, f);
    else if (f.type === "typing") f.typing && c.status !== "ended" ? showTyping(c) : hideTyping(c);
    else if (f.type === "visitor.presence") setPresence(c, f.online);
    else if (f.type === "conversation.ended") markEnded(c, f.reason === "quick_exit" ? "quick_exit" : f.by);
  }

  function onWelcome(f) {
    st.me = f.staff || st.me;
    st.maxChats = f.max_chats || st.maxChats;
    st.claimsPending = 0;
    st.syncsPending.clear();
    if (st.me) setText("staff-name", st.me.display_name);
    // The server's list is the truth: a chat it no longer has for us is over.
    const live = new Set((f.conversations || []).map((conv) => upsertChat(conv, false).id));
    st.chats.forEach((c) => !live.has(c.id) && markEnded(c, null));
    onQueue(f.queue || [], f.queue_total);
    const hours = f.hours || {};
    const soon = hours.open && hours.closes_at && Lykt.parseTime(hours.closes_at) - Date.now() <= 15 * 60 * 1000;
    if (soon) showClosing(hours.closes_at);
    else $("hours-note").hidden = true;
    renderChatsMeta();
    if (!st.selected && st.chats.size) selectChat(st.chats.keys().next().value, false);
    // Messages written while the link was down go again, with the same client ids.
    st.chats.forEach((c) => c.status !== "ended" && Object.keys(c.pending).forEach((id) => sendPending(c, id)));
  }

  // -- the queue -------------------------------------------------------------------------------
  // The server lists the first places only (a long queue is not sent whole); total counts all.
  function onQueue(queue, total) {
    const before = st.total;
    st.total = typeof total === "number" ? total : queue.length;
    let arrivals = 0;
    queue.forEach((e) => {
      if (st.seen.has(e.conversation_id)) return;
      st.seen.add(e.conversation_id);
      if (!st.firstQueue) {
        st.fresh.set(e.conversation_id, Date.now());
        arrivals += 1;
      }
    });
    if (!st.firstQueue) arrivals = Math.max(arrivals, st.total - before);
    st.firstQueue = false;
    st.queue = queue;
    renderQueue();
    if (arrivals) {
      setText("queue-note", arrivals === 1 ? "En ny besøkende venter i køen." : arrivals + " nye besøkende venter i køen.");
    }
  }

  function waited(since) {
    const d = Lykt.parseTime(since);
    if (!d) return "";
    const s = Math.max(0, Math.floor((Date.now() - d.getTime()) / 1000));
    return `venter ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  const isFresh = (id) => st.fresh.has(id) && Date.now() - st.fresh.get(id) < FRESH_MS;

  function renderQueue() {
    const list = $("queue-list");
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    list.textContent = "";
    st.queue.forEach((e, i) => {
      const label = `${AGE_GROUPS[e.age_group] || e.age_group}, ${ABOUT[e.about] || e.about}`;
      const li = document.createElement("li");
      li.className = "queue-item" + (isFresh(e.conversation_id) ? " fresh" : "");
      li.dataset.id = e.conversation_id;
      const info = document.createElement("div");
      const who = document.createElement("p");
      who.className = "queue-who";
      who.append(`${i + 1}. ${label}`);
      const time = document.createElement("p");
      time.className = "queue-waited";
      time.dataset.since = e.waiting_since || "";
      time.append(waited(e.waiting_since));
      info.append(who, time);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button small";
      button.append("Ta");
      button.setAttribute("aria-label", "Ta samtalen: " + label);
      button.dataset.id = e.conversation_id;
      button.addEventListener("click", () => claim(e.conversation_id));
      li.append(info, button);
      list.append(li);
      if (focused === e.conversation_id) button.focus(); // redrawn: keep the keyboard in place
    });
    const n = Math.max(st.total, st.queue.length);
    const more = n - st.queue.length;
    setText("queue-count", `(${n})`);
    setText("queue-more", more > 0 ? `… og ${more} til i køen.` : "");
    $("queue-more").hidden = more <= 0;
    $("queue-empty").hidden = n > 0;
    $("queue-panel").classList.toggle("waiting", n > 0);
    $("claim-next").disabled = n === 0;
    document.title = n ? `(${n}) ${baseTitle}` : baseTitle;
  }

  setInterval(() => {
    document.querySelectorAll(".queue-waited").forEach((el) => setText(el, waited(el.dataset.since)));
    document.querySelectorAll(".queue-item.fresh").forEach((el) => !isFresh(el.dataset.id) && el.classList.remove("fresh"));
  }, 1000);

  function claim(id) {
    alert("");
    if (activeCount() >= st.maxChats) {
      alert(`Du har allerede ${st.maxChats} samtaler. Avslutt en før du tar en ny.`);
    } else if (send(id ? { type: "conversation.claim", conversation_id: id } : { type: "conversation.claim" })) {
      st.claimsPending += 1;
    } else {
      alert("Ingen tilkobling akkurat nå. Prøv igjen om litt.");
    }
  }
  $("claim-next").addEventListener("click", () => claim(null));

  // -- chats -------------------------------------------------------------------------------------
  const activeCount = () => [...st.chats.values()].filter((c) => c.status !== "ended").length;

  function createChat(id) {
    const panel = $("chat-template").content.firstElementChild.cloneNode(true);
    const q = (sel) => panel.querySelector(sel);
    const key = "c-" + id;
    const tab = document.createElement("button");
    Object.assign(tab, { type: "button", className: "tab", id: key + "-tab" });
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-selected", "false");
    tab.setAttribute("aria-controls", key + "-panel");
    const tabLabel = document.createElement("span");
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.hidden = true;
    tab.append(tabLabel, badge);
    panel.id = key + "-panel";
    panel.setAttribute("aria-labelledby", tab.id);
    panel.hidden = true;
    const box = q("textarea");
    box.id = key + "-text";
    q("label").htmlFor = box.id;
    q(".transcript-log").setAttribute("aria-label", "Meldinger");

    const c = {
      id,
      age: null,
      ageGroup: "unknown",
      about: "",
      status: "active",
      messages: {},
      contiguous: 0,
      pending: {}, // client_id -> {text, el}
      unread: 0,
      hasHistory: false,
      typingTimer: null,
      el: {
        tab, tabLabel, badge, panel, box,
        log: q(".transcript"), scroller: q(".transcript-log"), title: q(".panel-title"), presence: q(".presence"), typing: q(".typing"),
        composer: q(".composer"), counter: q(".counter"), confirm: q(".confirm"),
        endButton: q(".end-button"), ended: q(".ended-box"), endedText: q(".ended-text"),
      },
    };
    c.typing = Lykt.typingSender((on) => c.status !== "ended" && send({ type: "typing", conversation_id: id, typing: on }));
    const el = c.el;

    tab.addEventListener("click", () => selectChat(id, true));
    el.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      sendMessage(c);
    });
    Lykt.enterSends(box, () => sendMessage(c));
    box.addEventListener("input", () => {
      Lykt.counter(el.counter, box, maxChars);
      if (box.value.trim()) c.typing.start();
      else c.typing.stop();
    });
    el.endButton.addEventListener("click", () => {
      el.confirm.hidden = false;
      el.confirm.querySelector(".confirm-no").focus();
    });
    el.confirm.querySelector(".confirm-no").addEventListener("click", () => {
      el.confirm.hidden = true;
      box.focus();
    });
    el.confirm.querySelector(".confirm-yes").addEventListener("click", () => {
      if (!send({ type: "conversation.end", conversation_id: id })) {
        alert("Ingen tilkobling akkurat nå. Prøv igjen om litt.");
        return;
      }
      c.typing.stop();
      el.confirm.hidden = true;
    });
    q(".close-button").addEventListener("click", () => {
      removeChat(id);
      renderChatsMeta();
      const first = st.chats.keys().next().value;
      if (first) {
        selectChat(first, false);
        st.chats.get(first).el.tab.focus();
      } else {
        $("chats-title").focus();
      }
    });

    setupHold(c, q);
    $("tabs").append(tab);
    $("panels").append(panel);
    st.chats.set(id, c);
    return c;
  }

  /* Every chat shows its id (a host gives it to a supervisor or the operator). Supervisors and
     admins may keep a conversation past the deletion time when the duty to avert applies. */
  function setupHold(c, q) {
    q(".conv-id code").textContent = c.id;
    const hold = q(".hold");
    if (!st.me || !["supervisor", "admin"].includes(st.me.role)) return;
    hold.hidden = false;
    const form = q(".hold-form");
    const reason = q(".hold-reason");
    reason.id = `c-${c.id}-hold`;
    q(".hold-form label").htmlFor = reason.id;
    const status = q(".hold-status");
    const call = (method, url, body) =>
      fetch(url, {
        method, cache: "no-store", headers: { "Content-Type": "application/json" },
        body: body ? JSON.stringify(body) : undefined,
      }).then(async (r) => ({ ok: r.ok, status: r.status, data: r.status === 204 ? {} : await r.json() }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      call("POST", "/api/holds", { conversation_id: c.id, reason: reason.value })
        .then(({ ok, data }) => {
          status.textContent = ok
            ? `Samtalen blir tatt vare på til ${new Date(data.expires_at).toLocaleString("nb-NO")}.`
            : `Ikke gjort: ${data.message || "prøv igjen"}`;
        })
        .catch(() => (status.textContent = "Ingen forbindelse. Prøv igjen."));
    });
    q(".hold-release").addEventListener("click", () => {
      call("DELETE", `/api/holds/${encodeURIComponent(c.id)}`)
        .then(({ ok, status: code }) => {
          status.textContent = ok ? "Opphevet: samtalen blir slettet som vanlig."
            : code === 404 ? "Det var ikke lagt på noe hold." : "Ikke gjort. Prøv igjen.";
        })
        .catch(() => (status.textContent = "Ingen forbindelse. Prøv igjen."));
    });
  }

  function removeChat(id) {
    const c = st.chats.get(id);
    if (!c) return;
    c.typing.stop();
    clearTimeout(c.typingTimer);
    c.el.tab.remove();
    c.el.panel.remove();
    st.chats.delete(id);
    if (st.selected === id) st.selected = null;
  }

  function upsertChat(conv, countUnread) {
    const c = st.chats.get(conv.conversation_id) || createChat(conv.conversation_id);
    if ("age" in conv) c.age = conv.age;
    c.ageGroup = conv.age_group || c.ageGroup;
    c.about = conv.about || c.about;
    if (typeof conv.visitor_online === "boolean") setPresence(c, conv.visitor_online);
    if (conv.messages) {
      c.hasHistory = true;
      conv.messages.forEach((m) => addMessage(c, m, countUnread));
    }
    if (conv.status === "ended") markEnded(c, null);
    renderChatHead(c);
    return c;
  }

  function renderChatHead(c) {
    const age = typeof c.age === "number" ? c.age + " år" : AGE_GROUPS[c.ageGroup] || AGE_GROUPS.unknown;
    const label = `${age}, ${ABOUT[c.about] || c.about}`;
    setText(c.el.title, label);
    setText(c.el.tabLabel, label + (c.status === "ended" ? " (avsluttet)" : ""));
  }

  function renderChatsMeta() {
    setText("chats-count", `(${activeCount()} av ${st.maxChats})`);
    $("chats-empty").hidden = st.chats.size > 0;
  }

  function selectChat(id, focusText) {
    st.selected = id;
    st.chats.forEach((c) => {
      const on = c.id === id;
      c.el.tab.setAttribute("aria-selected", String(on));
      c.el.panel.hidden = !on;
    });
    const c = st.chats.get(id);
    if (!c) return;
    c.unread = 0;
    renderBadge(c);
    c.el.scroller.scrollTop = c.el.scroller.scrollHeight;
    if (focusText && c.status !== "ended") c.el.box.focus();
  }

  function renderBadge(c) {
    c.el.badge.hidden = !c.unread;
    setText(c.el.badge, c.unread ? String(c.unread) : "");
    c.el.badge.setAttribute("aria-label", c.unread + " nye");
  }

  function setPresence(c, online) {
    setText(c.el.presence, online ? "Besøkende er på nett" : "Besøkende er ikke på nett nå");
    c.el.presence.classList.toggle("offline", !online);
  }

  /* 15 minutes before closing: new visitors are turned away at closing time, and those still
     in the queue then are told when we open again. Chats under way go on. */
  function showClosing(closesAt) {
    setText("hours-note", `Chatten stenger kl. ${Lykt.clockTime(closesAt)}. Da får de som venter i køen ` +
      "beskjed om når vi åpner igjen. Samtaler som er i gang, kan fortsette.");
    $("hours-note").hidden = false;
  }

  function markEnded(c, by) {
    if (c.status === "ended") return;
    c.status = "ended";
    c.typing.stop();
    hideTyping(c);
    const el = c.el;
    el.composer.hidden = el.confirm.hidden = el.endButton.hidden = true;
    el.panel.classList.add("is-ended");
    el.tab.classList.add("is-ended");
    Object.keys(c.pending).forEach((id) => failed(c, id, "Ikke sendt: samtalen var avsluttet."));
    if (by === "quick_exit") {
      setText(el.endedText, "Besøkende gikk raskt ut av chatten (Rask utgang). Samtalen er avsluttet.");
    } else {
      const who = { host: " av deg", visitor: " av besøkende", system: " automatisk" }[by] || "";
      setText(el.endedText, `Samtalen er avsluttet${who}.`);
    }
    el.ended.hidden = false;
    renderChatHead(c);
    renderChatsMeta();
  }

  function onClaimed(f) {
    const known = st.chats.has(f.conversation_id);
    const c = upsertChat(f, false);
    renderChatsMeta();
    // Our own claim is answered by conversation.history; one from another tab needs a sync.
    if (!known && !c.hasHistory && st.claimsPending === 0) sync(c);
  }

  function sync(c) {
    if (send({ type: "conversation.sync", conversation_id: c.id, last_seq: c.contiguous })) st.syncsPending.add(c.id);
  }

  function onHistory(f) {
    const isSync = st.syncsPending.delete(f.conversation_id);
    upsertChat(f, isSync);
    renderChatsMeta();
    if (!isSync && st.claimsPending > 0) {
      st.claimsPending -= 1;
      alert("");
      selectChat(f.conversation_id, true);
      syncOrphans();
    } else if (!st.selected) {
      selectChat(f.conversation_id, false);
    }
  }

  // Chats announced while one of our claims was open, but not answered by it.
  function syncOrphans() {
    if (st.claimsPending > 0) return;
    st.chats.forEach((c) => !c.hasHistory && !st.syncsPending.has(c.id) && sync(c));
  }

  function onError(f, c) {
    if (f.client_id) {
      if (!c || !c.pending[f.client_id]) return;
      if (f.code === "rate_limited") {
        setTimeout(() => sendPending(c, f.client_id), 1500);
      } else {
        failed(c, f.client_id, "Ikke sendt.");
        alert("En melding kunne ikke sendes.");
      }
      return;
    }
    let text = "Noe gikk galt: " + (f.message || f.code);
    if (f.code === "conflict" || (f.code === "not_found" && !f.conversation_id)) {
      // Only a claim is refused this way.
      st.claimsPending = Math.max(0, st.claimsPending - 1);
      if (f.code === "not_found") text = "Det er ingen i køen akkurat nå.";
      else if (activeCount() >= st.maxChats) text = `Du har allerede ${st.maxChats} samtaler. Avslutt en før du tar en ny.`;
      else text = "En annen vakt tok denne samtalen først.";
    } else if (f.code === "not_found") {
      // An end or a sync for a chat that is no longer ours.
      st.syncsPending.delete(f.conversation_id);
      if (c) markEnded(c, null);
      text = "Den samtalen er ikke lenger din. Den kan være avsluttet.";
    } else if (f.code === "rate_limited") {
      text = "Litt for mye på en gang. Vent et øyeblikk.";
    }
    alert(text);
    syncOrphans();
  }

  // -- messages ----------------------------------------------------------------------------------
  function addMessage(c, m, countUnread) {
    const seq = Number(m.seq);
    if (!Number.isInteger(seq) || seq < 1 || c.messages[seq]) return; // already shown
    c.messages[seq] = m;
    while (c.messages[c.contiguous + 1]) c.contiguous += 1;
    const mine = m.sender === "host";
    if (mine && c.pending[m.client_id]) {
      c.pending[m.client_id].el.remove();
      delete c.pending[m.client_id];
    }
    if (!mine) hideTyping(c);
    const other = mine && m.host_name && st.me && m.host_name !== st.me.display_name;
    const name = mine ? (other ? m.host_name : "Du") : "Besøkende";
    const { log, scroller } = c.el;
    const follow = Lykt.isNearEnd(scroller);
    Lykt.insertBySeq(log, Lykt.messageItem(mine, name, m.text, Lykt.clockTime(m.sent_at)), seq);
    if (follow || mine) scroller.scrollTop = scroller.scrollHeight;
    if (countUnread && !mine && (st.selected !== c.id || document.hidden)) {
      c.unread += 1;
      renderBadge(c);
    }
  }

  function onAck(c, f) {
    const p = c.pending[f.client_id];
    if (!p) return;
    if (c.messages[f.seq]) {
      p.el.remove();
      delete c.pending[f.client_id];
    } else {
      addMessage(c, { seq: f.seq, sender: "host", text: p.text, client_id: f.client_id, sent_at: new Date().toISOString() });
    }
  }

  function sendPending(c, clientId) {
    const p = c.pending[clientId];
    if (p) send({ type: "message.send", conversation_id: c.id, client_id: clientId, text: p.text });
  }

  function failed(c, clientId, note) {
    if (c.pending[clientId]) Lykt.markFailed(c.pending[clientId].el, note);
    delete c.pending[clientId];
  }

  function sendMessage(c) {
    const box = c.el.box;
    const text = box.value;
    if (!text.trim() || c.status === "ended") return;
    if (text.length > maxChars) return alert("Meldingen er for lang.");
    const clientId = Lykt.newClientId();
    const li = Lykt.pendingItem(text);
    c.el.log.append(li);
    c.el.scroller.scrollTop = c.el.scroller.scrollHeight;
    c.pending[clientId] = { text, el: li };
    sendPending(c, clientId);
    box.value = "";
    Lykt.counter(c.el.counter, box, maxChars);
    c.typing.stop();
    box.focus();
  }

  // -- the visitor typing ----------------------------------------------------------------------
  function showTyping(c) {
    setText(c.el.typing, "Besøkende skriver …");
    clearTimeout(c.typingTimer);
    c.typingTimer = setTimeout(() => hideTyping(c), 15000); // in case "stopped" is lost
  }

  function hideTyping(c) {
    clearTimeout(c.typingTimer);
    setText(c.el.typing, "");
  }

  // -- go ------------------------------------------------------------------------------------------
  renderQueue();
  renderChatsMeta();
  fetch("/api/staff/me", { cache: "no-store" })
    .then((r) => (r.status === 200 ? r.json().then(startConsole) : showLogin("")))
    .catch(() => showLogin("Fikk ikke kontakt med tjenesten. Prøv å laste siden på nytt."));
})();
