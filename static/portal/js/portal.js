// Portal-wide behaviour. No inline scripts anywhere (Content Security Policy: script-src 'self').
(function () {
  "use strict";
  // Forms with data-confirm ask before submitting (delete, undo, revoke).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Selects with data-autosubmit submit their form on change (filter bars).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
})();
