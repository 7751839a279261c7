// Recompute run page: poll the run's status until it has finished.
(function () {
  "use strict";
  var box = document.getElementById("run");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var statusEl = document.getElementById("run-status");
  var messageEl = document.getElementById("run-message");
  var bar = document.getElementById("run-progress");
  var percent = document.getElementById("run-percent");
  var done = document.getElementById("run-done");
  var CLASSES = { pending: "text-bg-secondary", running: "text-bg-primary", succeeded: "text-bg-success", failed: "text-bg-danger" };

  function show(data) {
    statusEl.textContent = data.status_label;
    statusEl.className = "badge " + (CLASSES[data.status] || "text-bg-secondary");
    messageEl.textContent = data.message || "";
    bar.value = data.progress;
    percent.textContent = data.progress + "%";
    if (data.finished) { done.classList.remove("d-none"); }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        show(data);
        if (!data.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
