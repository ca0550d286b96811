/* Lykt: the visitor's page. One page whose sections are shown and hidden: nothing goes into
 * the browser's history. The token lives only in this tab's sessionStorage. Messages are
 * always shown as text. See docs/protocol.md for the frames. */
"use strict";

(() => {
  const { $, setText, t } = Lykt;
  const { maxChars, heartbeatS } = Lykt.config();
  const KEY = { token: "lykt.token", conversation: "lykt.conversation_id", outbox: "lykt.outbox", age: "lykt.age" };
  const NO_ANSWER_MS = 10000; // a message unanswered this long: say the line is down
  const VIEWS = ["start", "prechat", "chat", "gone"];

  // -- storage: this tab only ------------------------------------------------------------
  const load = (key) => {
    try {
      return sessionStorage.getItem(key);
    } catch (e) {
      return null;
    }
  };
  const save = (key, value) => {
    if (document.documentElement.dataset.leaving) return; // quick exit: keep nothing
    try {
      sessionStorage.setItem(key, value);
    } catch (e) {
      /* blocked or full: the chat still works until the tab reloads */
    }
  };
  const clearStorage = () => Object.values(KEY).forEach((key) => {
    try {
      sessionStorage.removeItem(key);
    } catch (e) {
      /* nothing to clear */
    }
  });

  const loadOutbox = () => {
    try {
      const list = JSON.parse(load(KEY.outbox) || "[]");
      return Array.isArray(list)
        ? list.filter((m) => m && typeof m.client_id === "string" && typeof m.text === "string")
        : [];
    } catch (e) {
      return [];
    }
  };

  // -- state -----------------------------------------------------------------------------
  const st = {
    status: null, // waiting | active | ended: what the server last said
    hostName: null,
    messages: {}, // seq -> message.posted
    contiguous: 0, // the highest seq with no gap below it
    outbox: [], // [{client_id, text}] sent but not yet acked
    pending: {}, // client_id -> <li>
    socket: null,
    confirm: null,
    stick: true, // the transcript follows new messages
    typingTimer: null,
    ackTimer: null, // runs while a sent message waits for its ack
    noAnswer: false, // a message went unanswered: said until one gets through
    hostsAvailable: null, // from /api/status: is any host on duty?
    statusTimer: null,
    cardsShown: false,
  };
  const saveOutbox = () => save(KEY.outbox, JSON.stringify(st.outbox));
  const log = $("transcript"); // the messages, in a scrolling role=log region
  const scroller = $("transcript-log");
  const box = $("message");

  function show(name, focusId) {
    VIEWS.forEach((v) => ($("view-" + v).hidden = v !== name));
    document.body.dataset.view = name;
    if (focusId) $(focusId).focus();
  }

  // -- start and pre-chat ------------------------------------------------------------------
  /* The chat closed after this page was made: ask the server for when it opens again, in the
   * page's language, and show it in `id` (a role=alert or the ended box). */
  function showNextOpening(id, first) {
    setText(id, first);
    fetch("/api/status?lang=" + encodeURIComponent(Lykt.lang()), { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data || data.open) return;
        setText(id, first + " " + (data.next_opening_text || t("opens_unknown")));
      })
      .catch(() => {}); // the first sentence says enough
  }

  // -- other help, and whether anyone can answer ---------------------------------------------
  let helpLines = null; // a promise of [{name, contact, href, hours}], asked for once
  /* Fill `box` (a .other-help) with the other help lines and show it; nothing if none. */
  function showHelp(box) {
    if (!box) return;
    if (!helpLines) {
      helpLines = fetch("/api/help-lines?lang=" + encodeURIComponent(Lykt.lang()), { cache: "no-store" })
        .then((r) => (r.ok ? r.json() : []))
        .then((list) => (Array.isArray(list) ? list : []))
        .catch(() => {
          helpLines = null; // try again next time
          return [];
        });
    }
    helpLines.then((list) => {
      if (!list.length || box.dataset.filled) {
        box.hidden = !box.dataset.filled;
        return;
      }
      box.dataset.filled = "1";
      const title = document.createElement("p");
      title.className = "help-title";
      const strong = document.createElement("strong");
      strong.textContent = t("help_title");
      title.append(strong);
      box.append(title, Lykt.helpList(list));
      box.hidden = false;
    });
  }
  const helpIn = (id) => $(id).querySelector(".other-help");

  /* Ask whether a host is on duty; `then(available)` with true, false or null (unknown). */
  function checkHosts(then) {
    fetch("/api/status", { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        const available = data && typeof data.hosts_available === "boolean" ? data.hosts_available : null;
        st.hostsAvailable = data && data.open === false ? false : available;
        then(st.hostsAvailable, data);
      })
      .catch(() => then(null, null));
  }

  function startPageStatus() {
    const closed = !$("closed-box").hidden;
    if (closed) {
      showHelp(helpIn("closed-box"));
      return;
    }
    checkHosts((available, data) => {
      if (data && data.open === false) return; // closed since: the start button still says so on use
      $("nobody-box").hidden = available !== false;
      if (available === false) showHelp($("nobody-help"));
    });
  }

  const startButton = $("start-button"); // not there when the page was made while closed
  if (startButton) startButton.addEventListener("click", () => show("prechat", "prechat-title"));
  $("prechat-back").addEventListener("click", () => {
    setText("prechat-error", "");
    show("start", "start-title");
  });
  $("age-skip").addEventListener("change", (event) => {
    $("age").disabled = event.target.checked;
    if (event.target.checked) $("age").value = "";
  });

  $("prechat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setText("prechat-error", "");
    let age = null;
    if (!$("age-skip").checked) {
      const raw = $("age").value.trim();
      age = Number(raw);
      if (!raw || !Number.isInteger(age) || age < 5 || age > 99) {
        setText("prechat-error", t("age_error"));
        $("age").focus();
        return;
      }
    }
    const about = document.querySelector('input[name="about"]:checked');
    if (!about) {
      setText("prechat-error", t("about_error"));
      $("about-self").focus();
      return;
    }
    const button = $("prechat-submit");
    const label = button.textContent;
    button.disabled = true;
    button.textContent = t("starting"); // it can take a moment on a slow line
    fetch("/api/conversations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      // The page's language goes with it, so the host knows which language to answer in.
      body: JSON.stringify({ age, about: about.value, lang: Lykt.lang().replace("-", "_") }),
      cache: "no-store",
    })
      .then((r) => {
        if (r.status === 409) return null; // closed meanwhile
        if (r.status !== 201) throw new Error("status " + r.status);
        return r.json();
      })
      .then((data) => {
        if (!data) {
          showNextOpening("prechat-error", t("closed_now"));
          return;
        }
        save(KEY.token, data.token);
        if (age !== null) save(KEY.age, String(age));
        save(KEY.conversation, data.conversation_id);
        $("prechat-form").reset();
        $("age").disabled = false;
        enterChat();
      })
      .catch(() => setText("prechat-error", t("start_failed")))
      .finally(() => {
        button.disabled = false;
        button.textContent = label;
      });
  });

  // -- the conversation ----------------------------------------------------------------------
  function reset() {
    if (st.socket) st.socket.stop();
    clearTimeout(st.ackTimer);
    clearInterval(st.statusTimer);
    Object.assign(st, {
      socket: null, status: null, hostName: null, messages: {}, contiguous: 0, outbox: [], pending: {},
      ackTimer: null, statusTimer: null, cardsShown: false, noAnswer: false,
    });
    typing.stop();
    hideTyping();
    closeConfirm();
    log.textContent = "";
    ["chat-error", "connection", "host-status", "queue-position", "queue-estimate"].forEach((id) => setText(id, ""));
    $("wait-room").hidden = $("wait-nobody").hidden = $("wait-cards").hidden = true;
    $("wait-card-list").textContent = "";
    delete document.body.dataset.ended;
    box.value = "";
    Lykt.counter($("counter"), box, maxChars);
    fitBox();
  }

  function enterChat() {
    reset();
    st.outbox = loadOutbox();
    st.outbox.forEach(renderPending);
    $("queue-box").hidden = $("host-box").hidden = $("ended-box").hidden = true;
    $("composer").hidden = false;
    setText("chat-title", t("chat_title"));
    show("chat", "chat-title");
    const socket = new Lykt.Socket({
      path: "/ws/visitor",
      heartbeatS,
      onOpen: () => socket.send({ type: "hello", token: load(KEY.token) || "", last_seq: st.contiguous }),
      onFrame,
      onState: (s) => {
        if (s === "open") clearTimeout(st.ackTimer);
        if (!navigator.onLine && s !== "open") s = "offline"; // say why, not just "connecting"
        let text = { connecting: t("connecting"), reconnecting: t("reconnecting"), offline: t("offline") }[s] || "";
        if (st.noAnswer && s !== "offline") text = t("no_answer"); // until a message gets through
        setText("connection", text);
      },
      onFatal: () => {
        // 4401: the conversation is gone (or never was). Start again from nothing.
        reset();
        clearStorage();
        show("gone", "gone-title");
      },
    });
    st.socket = socket;
    socket.start();
  }

  function onFrame(f) {
    if (f.type === "welcome") onWelcome(f);
    else if (f.type === "queue.position") onQueuePosition(f);
    else if (f.type === "host.joined") onHostJoined(f.host_name, f.change);
    else if (f.type === "host.left") onHostLeft();
    else if (f.type === "message.posted") addMessage(f);
    else if (f.type === "message.ack") onAck(f);
    else if (f.type === "typing") f.typing ? showTyping() : hideTyping();
    else if (f.type === "conversation.ended") onEnded(f.by, f.reason);
    else if (f.type === "error") onError(f);
  }

  function onWelcome(f) {
    save(KEY.conversation, f.conversation_id);
    if (f.host_name) st.hostName = f.host_name;
    (f.messages || []).forEach(addMessage);
    if (f.state === "ended") {
      const by = { left_queue: "visitor", ended_by_visitor: "visitor", ended_by_host: "host" };
      onEnded(by[f.end_reason] || "system", f.end_reason);
      return;
    }
    if (f.state === "active") {
      onHostJoined(f.host_name);
    } else {
      st.status = "waiting";
      $("host-box").hidden = true;
      $("queue-box").hidden = false;
      setText("chat-title", t("waiting_title"));
      if (!$("queue-position").textContent) {
        setText("queue-position", t("in_queue"));
        setText("queue-estimate", t("answer_soon"));
      }
      enterWaitRoom();
    }
    // What was written but never acked goes again, with the same client ids.
    st.outbox.forEach((m) => st.socket.send({ type: "message.send", client_id: m.client_id, text: m.text }));
    if (st.outbox.length) watchAck();
  }

  function onQueuePosition(f) {
    if (st.status !== "waiting") return;
    setText("queue-position", t("queue_position", { position: f.position }));
    st.estimate = f.estimated_minutes;
    showEstimate();
  }

  /* Never "soon" when nobody is on duty: then say so, and show other help. */
  function showEstimate() {
    const min = st.estimate;
    const nobody = st.hostsAvailable === false;
    $("wait-nobody").hidden = !nobody;
    if (nobody) {
      setText("queue-estimate", t("nobody_now"));
      showHelp(helpIn("wait-nobody"));
      return;
    }
    setText(
      "queue-estimate",
      typeof min === "number" && min > 0
        ? t(new Intl.PluralRules(Lykt.lang()).select(min) === "one" ? "minutes_one" : "minutes_other", { n: min })
        : t("thanks_waiting")
    );
  }

  /* The waiting room: a greeting and what happens next (in the template), whether anyone can
   * answer (asked now and every 30 s), and cards to read for the visitor's age. */
  function enterWaitRoom() {
    $("wait-room").hidden = false;
    const poll = () => checkHosts(() => st.status === "waiting" && showEstimate());
    poll();
    clearInterval(st.statusTimer);
    st.statusTimer = setInterval(poll, 30000);
    if (st.cardsShown) return;
    st.cardsShown = true;
    const age = load(KEY.age);
    const query = "lang=" + encodeURIComponent(Lykt.lang()) + (age ? "&age=" + encodeURIComponent(age) : "");
    fetch("/api/cards?" + query, { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : []))
      .then((cards) => {
        if (!Array.isArray(cards) || !cards.length || st.status !== "waiting") return;
        const list = $("wait-card-list");
        list.textContent = "";
        cards.slice(0, 6).forEach((card) => {
          if (!card || !card.title) return;
          const details = document.createElement("details");
          details.className = "wait-card";
          const summary = document.createElement("summary");
          summary.textContent = card.title;
          const body = document.createElement("div");
          body.className = "card-body";
          body.append(Lykt.cardBody(card.body));
          details.append(summary, body);
          list.append(details);
        });
        $("wait-cards").hidden = !list.children.length;
      })
      .catch(() => {}); // nothing to read: the wait is still explained
  }

  function leaveWaitRoom() {
    clearInterval(st.statusTimer);
    st.statusTimer = null;
    $("wait-room").hidden = true;
  }

  /* `change` is absent for the first host (or a host after a wait in the queue), `took_over`
   * when someone else now answers, `joined` when a colleague has come in to help. The two
   * changes are told in the transcript (a role=log region, always on screen while chatting),
   * where the conversation's story is, so screen readers hear them and the line stays. */
  function onHostJoined(name, change) {
    if (change === "joined") {
      if (st.status === "active") {
        addNotice(t("joined_too", { name: name || t("an_adult") }));
        return;
      }
      change = undefined; // never seen the host: say it as the first one
    }
    st.status = "active";
    st.hostName = name || st.hostName || t("an_adult");
    leaveWaitRoom();
    $("queue-box").hidden = true;
    $("host-box").hidden = false;
    setText("chat-title", t("talking_with", { name: st.hostName }));
    if (change === "took_over") {
      hideTyping(); // that was the one before
      setText("host-status", ""); // the title says who it is now; the notice says the rest
      addNotice(t("took_over", { name: st.hostName }));
    } else {
      setText("host-status", t("host_joined", { name: st.hostName }));
    }
    if (st.confirm === "leave") closeConfirm();
  }

  /* The host is gone (lost their connection, or gave the chat back): the visitor is in front
   * of the queue again and a queue.position follows. They can go on writing meanwhile. */
  function onHostLeft() {
    if (st.status !== "active") return;
    st.status = "waiting";
    hideTyping();
    typing.stop();
    if (st.confirm === "end") closeConfirm();
    setText("host-status", "");
    $("host-box").hidden = true;
    $("queue-box").hidden = false;
    setText("chat-title", t("waiting_title"));
    setText("queue-position", t("in_queue"));
    setText("queue-estimate", t("answer_soon"));
    enterWaitRoom();
    // After the head has grown, so that the notice is in view.
    addNotice(t("host_left", { name: st.hostName || t("the_adult") }));
  }

  function onEnded(by, reason) {
    st.status = "ended";
    if (st.socket) st.socket.stop();
    st.socket = null;
    clearTimeout(st.ackTimer);
    leaveWaitRoom();
    // Nothing can be sent any more: what was not stored is marked as not sent.
    st.outbox.forEach((m) => failed(m.client_id, t("not_sent_ended")));
    st.outbox = [];
    saveOutbox();
    typing.stop();
    hideTyping();
    closeConfirm();
    setText("connection", "");
    $("queue-box").hidden = $("host-box").hidden = $("composer").hidden = true;
    let text = t("ended");
    if (reason === "left_queue") text = t("left_queue");
    else if (by === "visitor") text = t("you_ended");
    else if (by === "host") text = t("host_ended", { name: st.hostName || t("the_adult") });
    setText("chat-title", st.hostName ? t("talked_with", { name: st.hostName }) : t("chat_title"));
    const closed = reason === "closed"; // closing time: no new chat until we open again
    $("ended-new-chat").hidden = closed;
    if (closed) showNextOpening("ended-by", t("closed_for_today"));
    else setText("ended-by", text);
    $("ended-box").hidden = false;
    document.body.dataset.ended = "1"; // the page scrolls: the goodbye and other help get room
    showHelp(helpIn("ended-box"));
    $("ended-title").focus();
  }

  function onError(f) {
    if (!f.client_id) return;
    if (f.code === "rate_limited") {
      setTimeout(() => {
        const m = st.outbox.find((x) => x.client_id === f.client_id);
        if (m && st.socket) st.socket.send({ type: "message.send", client_id: m.client_id, text: m.text });
      }, 1500);
      return;
    }
    removeOutbox(f.client_id);
    failed(f.client_id, t("message_failed"));
    setText("chat-error", t("send_failed"));
  }

  // -- messages --------------------------------------------------------------------------------
  function removeOutbox(clientId) {
    const before = st.outbox.length;
    st.outbox = st.outbox.filter((m) => m.client_id !== clientId);
    if (st.outbox.length !== before) saveOutbox();
    if (!st.outbox.length) {
      clearTimeout(st.ackTimer);
      if (st.noAnswer) setText("connection", "");
      st.noAnswer = false;
    }
  }

  function addMessage(f) {
    const seq = Number(f.seq);
    if (!Number.isInteger(seq) || seq < 1 || st.messages[seq]) return; // already shown
    st.messages[seq] = f;
    while (st.messages[st.contiguous + 1]) st.contiguous += 1;
    if (f.sender === "visitor" && f.client_id) {
      if (st.pending[f.client_id]) st.pending[f.client_id].remove();
      delete st.pending[f.client_id];
      removeOutbox(f.client_id); // stored: it never needs sending again
    } else if (f.sender === "host") {
      hideTyping();
    }
    const mine = f.sender === "visitor";
    const name = mine ? t("you") : f.host_name || st.hostName || t("the_adult");
    let li;
    if (f.card && typeof f.card === "object") {
      // An information card the host sent: shown as a card, its body in our safe subset.
      li = Lykt.messageItem(mine, name, t("card_from", { name }), Lykt.clockTime(f.sent_at));
      li.classList.add("card-msg");
      li.append(Lykt.cardNode(f.card));
    } else {
      li = Lykt.messageItem(mine, name, f.text, Lykt.clockTime(f.sent_at));
    }
    Lykt.insertBySeq(log, li, seq);
    scrollToEnd(st.stick || mine);
  }

  /* A line in the transcript about the conversation itself (someone came or went), after the
   * newest stored message and before anything still unsent. */
  function addNotice(text) {
    const li = document.createElement("li");
    li.className = "note event";
    li.append(text);
    const newest = Object.keys(st.messages).reduce((max, seq) => Math.max(max, Number(seq)), 0);
    Lykt.insertBySeq(log, li, newest + 0.5);
    scrollToEnd(true); // rare, and about who is there: worth bringing into view
  }

  function renderPending(m) {
    const li = Lykt.pendingItem(m.text);
    st.pending[m.client_id] = li;
    log.append(li);
    scrollToEnd(true);
  }

  function failed(clientId, note) {
    if (st.pending[clientId]) Lykt.markFailed(st.pending[clientId], note);
    delete st.pending[clientId];
  }

  /* A message sent and not acked within NO_ANSWER_MS: the line is down even if the browser
   * has not noticed. Say so, and connect again; the outbox goes out again on the welcome. */
  function watchAck() {
    clearTimeout(st.ackTimer);
    st.ackTimer = setTimeout(() => {
      if (!st.outbox.length || st.status === "ended") return;
      st.noAnswer = navigator.onLine;
      setText("connection", navigator.onLine ? t("no_answer") : t("offline"));
      if (st.socket) st.socket.reconnectNow();
    }, NO_ANSWER_MS);
  }

  function onAck(f) {
    const m = st.outbox.find((x) => x.client_id === f.client_id);
    removeOutbox(f.client_id);
    if (m && !st.messages[f.seq]) {
      // Stored, but its copy has not come yet: show it as stored now.
      addMessage({ seq: f.seq, sender: "visitor", text: m.text, client_id: m.client_id, sent_at: new Date().toISOString() });
    }
  }

  // Someone reading older messages is not pulled down; someone at the end follows along.
  function scrollToEnd(yes) {
    if (!yes) return;
    if (!log.children.length) {
      scroller.scrollTop = 0; // nothing written yet: the waiting room's greeting first
      return;
    }
    scroller.scrollTop = scroller.scrollHeight;
    st.stick = true;
  }
  scroller.addEventListener("scroll", () => (st.stick = Lykt.isNearEnd(scroller)));
  window.addEventListener("resize", () => scrollToEnd(st.stick)); // e.g. the screen keyboard
  /* The on-screen keyboard: where it shrinks only the visual viewport (iOS, newer Android
   * Chrome), the chat takes that height, so the box and the newest message stay in view. */
  if (window.visualViewport) {
    const fit = () => {
      const vv = window.visualViewport;
      // Not while zoomed in with two fingers: then the page keeps its own size.
      if (Math.abs(vv.scale - 1) < 0.01) document.body.style.setProperty("--app-h", Math.round(vv.height) + "px");
      else document.body.style.removeProperty("--app-h");
      scrollToEnd(st.stick);
    };
    window.visualViewport.addEventListener("resize", fit);
    fit();
  }

  // Offline is said at once, from the browser's own events, not after the socket times out.
  window.addEventListener("offline", () => {
    if (st.socket && st.status !== "ended") setText("connection", t("offline"));
  });
  window.addEventListener("online", () => {
    if (st.socket && st.status !== "ended") {
      setText("connection", t("reconnecting"));
      st.socket.reconnectNow();
    }
  });
  // The head grows or shrinks (the queue's lines, a question to confirm): the end stays in view.
  if (window.ResizeObserver) new ResizeObserver(() => scrollToEnd(st.stick)).observe(scroller);

  function sendMessage() {
    const text = box.value;
    if (!text.trim() || st.status === "ended") return;
    if (text.length > maxChars) {
      setText("chat-error", t("too_long"));
      return;
    }
    setText("chat-error", "");
    const m = { client_id: Lykt.newClientId(), text };
    st.outbox.push(m);
    saveOutbox();
    renderPending(m);
    if (st.socket) st.socket.send({ type: "message.send", client_id: m.client_id, text });
    watchAck();
    box.value = "";
    Lykt.counter($("counter"), box, maxChars);
    fitBox();
    typing.stop();
    box.focus();
  }

  /* The box starts at one row and grows with what is written, up to about a third of the
   * screen (then it scrolls), so that the transcript keeps the room on a small phone. */
  function fitBox() {
    box.style.height = "";
    if (!box.value) return;
    const borders = box.offsetHeight - box.clientHeight;
    const most = Math.max(80, Math.round(window.innerHeight / 3));
    box.style.height = Math.min(box.scrollHeight + borders, most) + "px";
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage();
  });
  Lykt.enterSends(box, sendMessage);

  // -- typing ------------------------------------------------------------------------------------
  const typing = Lykt.typingSender(
    (on) => st.status === "active" && !!st.socket && st.socket.send({ type: "typing", typing: on })
  );
  box.addEventListener("input", () => {
    Lykt.counter($("counter"), box, maxChars);
    fitBox();
    if (box.value.trim()) typing.start();
    else typing.stop();
  });

  function showTyping() {
    setText("typing", t("host_typing", { name: st.hostName || t("the_adult") }));
    clearTimeout(st.typingTimer);
    st.typingTimer = setTimeout(hideTyping, 15000); // in case the "stopped" signal is lost
  }

  function hideTyping() {
    clearTimeout(st.typingTimer);
    setText("typing", "");
  }

  // -- ending --------------------------------------------------------------------------------------
  function openConfirm(action) {
    st.confirm = action;
    const leave = action === "leave";
    setText("confirm-text", leave ? t("confirm_leave") : t("confirm_end"));
    setText("confirm-yes", leave ? t("confirm_leave_yes") : t("confirm_end_yes"));
    $("confirm-box").hidden = false;
    $("confirm-no").focus();
  }

  function closeConfirm() {
    st.confirm = null;
    $("confirm-box").hidden = true;
  }

  $("leave-queue").addEventListener("click", () => openConfirm("leave"));
  $("end-chat").addEventListener("click", () => openConfirm("end"));
  $("confirm-no").addEventListener("click", () => {
    const back = st.confirm === "leave" ? "leave-queue" : "message";
    closeConfirm();
    $(back).focus();
  });
  $("confirm-yes").addEventListener("click", () => {
    if (!st.socket || !st.socket.send({ type: "conversation.end" })) {
      setText("chat-error", t("no_contact"));
      return;
    }
    typing.stop();
    closeConfirm();
  });

  document.querySelectorAll(".new-chat").forEach((button) =>
    button.addEventListener("click", () => {
      reset();
      clearStorage();
      $("cleared").hidden = true;
      show("prechat", "prechat-title");
    })
  );

  /* "Clear the screen": the conversation leaves this tab, screen and storage both. */
  $("clear-screen").addEventListener("click", () => {
    reset();
    clearStorage();
    try {
      sessionStorage.clear();
    } catch (e) {
      /* nothing to clear */
    }
    setText("chat-title", t("chat_title"));
    $("ended-box").hidden = true;
    $("cleared").hidden = false;
    show("start", "start-title");
  });

  // The hint about Enter and Shift+Enter only where there is a keyboard to press them on.
  if (!window.matchMedia("(hover: hover) and (pointer: fine)").matches) {
    box.setAttribute("aria-describedby", "counter");
  }

  // -- go ------------------------------------------------------------------------------------------
  if (load(KEY.token)) {
    enterChat(); // a reload: pick up the same conversation
  } else {
    show("start"); // open or closed: the server wrote which into the page
  }
  startPageStatus();
})();
