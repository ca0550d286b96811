/* Admin pages: everything works without this script. With it, a photo that is too large is
   caught before it is sent (the server would refuse the whole form), and said next to the
   field. */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");
  Array.prototype.forEach.call(inputs, function (input) {
    var max = Number(input.getAttribute("data-max-bytes"));
    var message = document.getElementById(input.id + "-size");
    var described = input.getAttribute("aria-describedby") || "";

    function tooLarge() {
      var file = input.files && input.files[0];
      return Boolean(file && file.size > max);
    }

    function show() {
      var bad = tooLarge();
      if (message) message.hidden = !bad;
      if (bad) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", (message ? message.id + " " : "") + described);
      } else {
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", described);
      }
      return bad;
    }

    input.addEventListener("change", show);
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (show()) {
          event.preventDefault();
          input.focus();
        }
      });
    }
  });
})();
