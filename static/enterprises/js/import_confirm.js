/* Confirming a file with errors needs the explicit "skip the rows in error" choice. */
(function () {
  "use strict";
  var form = document.getElementById("import-confirm-form");
  if (!form) { return; }
  var skip = form.querySelector("input[name=skip_error_rows]");
  var button = form.querySelector("button[type=submit]");
  if (!skip || !button || button.disabled) { return; }
  function sync() { button.disabled = !skip.checked; }
  skip.addEventListener("change", sync);
  sync();
})();
