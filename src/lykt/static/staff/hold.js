/* Lykt console, for supervisors and admins: keep a conversation past the deletion time when
 * the duty to avert applies (a legal hold, POST/DELETE /api/holds; audited). Shown beside every
 * chat a supervisor has open, and opened at once when a host has marked the chat. */

import { listen, setText, call, isSupervisor } from "./state.js";

function wire(c) {
  const box = c.side.querySelector(".hold");
  if (!isSupervisor()) return;
  box.hidden = false;
  const status = box.querySelector(".hold-status");
  const reason = box.querySelector(".hold-reason");
  box.querySelector(".hold-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { ok, data } = await call("POST", "/api/holds", { conversation_id: c.id, reason: reason.value });
      setText(status, ok
        ? `Samtalen blir tatt vare på til ${new Date(data.expires_at).toLocaleString("nb-NO")}.`
        : `Ikke gjort: ${data.message || "prøv igjen"}`);
    } catch {
      setText(status, "Ingen forbindelse. Prøv igjen.");
    }
  });
  box.querySelector(".hold-release").addEventListener("click", async () => {
    try {
      const { ok, status: code } = await call("DELETE", `/api/holds/${encodeURIComponent(c.id)}`);
      setText(status, ok ? "Opphevet: samtalen blir slettet som vanlig."
        : code === 404 ? "Det var ikke lagt på noe hold." : "Ikke gjort. Prøv igjen.");
    } catch {
      setText(status, "Ingen forbindelse. Prøv igjen.");
    }
  });
}

function render(c) {
  if (!isSupervisor()) return;
  const box = c.side.querySelector(".hold");
  box.classList.toggle("flagged", !!c.dutyAt);
  setText(box.querySelector(".hold-flagged"), c.dutyAt ? "Vakten har markert samtalen som mulig avvergingsplikt." : "");
  if (c.dutyAt && !box.dataset.opened) {
    box.dataset.opened = "1"; // opened once; the supervisor may close it again
    box.open = true;
  }
}

listen("chat.created", wire);
listen("chat.updated", render);
