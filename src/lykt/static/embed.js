/* Lykt on a helpline's own website, with one line:
     <script src="https://CHAT-ADDRESS/static/embed.js" async></script>
   It adds a "Chat med oss" button; the button opens the chat in a panel (an iframe from the
   chat's own address, which must list the website in LYKT_FRAME_ANCESTORS). Optional
   attributes on the script tag: data-lang="en", data-label="Chat with us".
   Without JavaScript, or instead of this, a plain link works too:
     <a href="https://CHAT-ADDRESS/">Chat med oss</a>
   Nothing here stores or sends anything: the website's page learns nothing about the chat. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__lyktEmbed) return;
  window.__lyktEmbed = true;
  var origin = new URL(script.src).origin;
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "nb";
  var label = script.getAttribute("data-label") || (lang === "en" ? "Chat with us" : "Chat med oss");
  var closeLabel = lang === "en" ? "Close the chat" : "Lukk chatten";

  function css(el, rules) { for (var k in rules) el.style[k] = rules[k]; return el; }

  var button = css(document.createElement("button"), {
    position: "fixed", right: "1rem", bottom: "1rem", zIndex: "2147483000",
    padding: "0.75rem 1.25rem", border: "0", borderRadius: "2rem", font: "inherit",
    fontWeight: "bold", background: "#1d4f91", color: "#fff", cursor: "pointer"
  });
  button.type = "button";
  button.className = "lykt-embed-button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");

  var panel = css(document.createElement("div"), {
    position: "fixed", right: "1rem", bottom: "4.5rem", zIndex: "2147483000",
    width: "min(26rem, calc(100vw - 2rem))", height: "min(40rem, calc(100vh - 6rem))",
    background: "#fff", boxShadow: "0 0.5rem 2rem rgba(0,0,0,.3)", borderRadius: "0.75rem",
    overflow: "hidden", display: "none"
  });
  panel.className = "lykt-embed-panel";
  panel.id = "lykt-embed-panel";
  button.setAttribute("aria-controls", panel.id);

  var close = css(document.createElement("button"), {
    position: "absolute", top: "0.25rem", right: "0.25rem", padding: "0.25rem 0.6rem",
    border: "0", borderRadius: "1rem", background: "#1d4f91", color: "#fff", font: "inherit",
    cursor: "pointer"
  });
  close.type = "button";
  close.textContent = "\u00d7";
  close.setAttribute("aria-label", closeLabel);

  var frame = null;
  function open() {
    if (!frame) {
      frame = css(document.createElement("iframe"), { width: "100%", height: "100%", border: "0" });
      frame.title = label;
      frame.src = origin + "/?lang=" + lang;
      // No referrer to the chat, and the chat cannot touch the website's page.
      frame.referrerPolicy = "no-referrer";
      frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-top-navigation-by-user-activation");
      panel.appendChild(frame);
    }
    panel.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }
  function hide() {
    panel.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () {
    panel.style.display === "none" ? open() : hide();
  });
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  panel.appendChild(close);

  function mount() { document.body.appendChild(panel); document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
