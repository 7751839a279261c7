/* Statistics import: poll the job's status (JSON) and move the progress bar; reload when done. */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-role=message]");
  var url = box.getAttribute("data-status-url");
  var delay = 800;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = data.progress + "%";
        if (data.message) { text.textContent = data.message; }
        if (data.finished) {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.25, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();

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
