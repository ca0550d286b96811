/* "Rask utgang" (quick exit): on every visitor page. The button, or Escape pressed twice,
   ends the chat (the host sees that the visitor left), empties this tab's session storage,
   and replaces the page with a neutral website, so Back does not lead to the chat. Links
   between our own pages replace the page too (see below). */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var TOKEN = "lykt.token";
  var lastEscape = 0;

  function leave() {
    // From here on the chat page writes nothing more to this tab's storage.
    document.documentElement.setAttribute("data-leaving", "1");
    var token = null;
    try { token = sessionStorage.getItem(TOKEN); } catch (e) { /* storage may be off */ }
    if (token && navigator.sendBeacon) {
      // A beacon is sent even while the page goes away.
      var body = new Blob([JSON.stringify({ token: token })], { type: "application/json" });
      navigator.sendBeacon(link.getAttribute("data-end-url"), body);
    }
    try { sessionStorage.clear(); } catch (e) { /* nothing to clear */ }
    window.addEventListener("pagehide", function () {
      try { sessionStorage.clear(); } catch (e) { /* nothing to clear */ }
    });
    // Nothing of the chat stays on screen while the other site loads.
    document.title = "";
    document.documentElement.style.visibility = "hidden";
    window.location.replace(link.href);
  }

  link.addEventListener("click", function (event) {
    event.preventDefault();
    leave();
  });
  /* Our own links replace the page instead of adding a step to the tab's history, so the
     whole visit is one entry, and the quick exit replaces that one too: Back never shows
     Lykt. A link to a place on the same page moves focus there, also without an entry. */
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) return;
    var a = event.target.closest && event.target.closest("a[href]");
    if (!a || a === link || a.target || a.hasAttribute("download")) return;
    if (a.origin !== window.location.origin || !/^https?:$/.test(a.protocol)) return;
    event.preventDefault();
    if (a.pathname === window.location.pathname && a.search === window.location.search && a.hash) {
      var target = document.getElementById(a.hash.slice(1));
      if (target) target.focus();
      return;
    }
    window.location.replace(a.href);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1000) leave();
    lastEscape = now;
  });
})();
