/* Lykt console: information cards in the right column of a chat, for the visitor's age and
 * language (GET /api/cards?age=&lang=). "Send" posts one into the chat (card.send), shown at
 * once as sending and acked like a message (transcript.js). Titles and bodies are text. */

import { Lykt, listen, el, setText, button, call } from "./state.js";
import { sendCard, cardNode } from "./transcript.js";

const lists = new Map(); // "age|lang" -> a promise of the cards

function cardsFor(age, lang) {
  const key = `${age ?? ""}|${lang || "nb"}`;
  if (!lists.has(key)) {
    const query = new URLSearchParams({ lang: lang || "nb" });
    if (typeof age === "number") query.set("age", String(age));
    const ask = call("GET", "/api/cards?" + query).then((r) => {
      if (!r.ok || !Array.isArray(r.data)) throw new Error(String(r.status));
      return r.data;
    });
    ask.catch(() => lists.delete(key)); // try again the next time
    lists.set(key, ask);
  }
  return lists.get(key);
}

const canSend = (c) => c.status !== "ended" && c.mode !== "watching";

async function render(c) {
  const box = c.side.querySelector(".cards-box");
  box.hidden = !canSend(c);
  if (box.hidden) return;
  const key = `${c.age ?? ""}|${c.lang || "nb"}`;
  if (c.cardsKey === key) return;
  c.cardsKey = key;
  const list = box.querySelector(".cards-list");
  const status = box.querySelector(".cards-status");
  let cards;
  try {
    cards = await cardsFor(c.age, c.lang);
  } catch {
    c.cardsKey = null;
    return setText(status, "Fikk ikke hentet kortene.");
  }
  if (c.cardsKey !== key) return;
  list.textContent = "";
  setText(status, cards.length ? "" : "Ingen kort for denne alderen og dette språket.");
  cards.forEach((card) => list.append(cardItem(c, card, status)));
}

function cardItem(c, card, status) {
  const li = el("li", "card-item");
  const more = el("details", "card-more");
  const summary = el("summary", "card-summary", card.title);
  const preview = el("div", "card-preview");
  preview.append(typeof Lykt.cardNode === "function" ? Lykt.cardNode(card) : cardNode(card));
  preview.querySelector(".card-title")?.remove(); // the summary says it already
  more.append(summary, preview);
  const send = button("Send", "button small card-send", () => {
    if (!canSend(c)) return;
    sendCard(c, card);
    setText(status, `«${card.title}» er lagt i samtalen.`);
  });
  send.setAttribute("aria-label", `Send kortet ${card.title}`);
  li.append(more, send);
  return li;
}

listen("chat.updated", render);
