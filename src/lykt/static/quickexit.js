/* "Rask utgang" (quick exit): on every visitor page. The button, or Escape pressed twice,
   ends the chat (the host sees that the visitor left), empties this tab's session storage,
   and replaces the page with a neutral website, so Back does not lead to the chat. */
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
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1000) leave();
    lastEscape = now;
  });
})();
