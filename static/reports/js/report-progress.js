// Quarterly report page: poll the job's status (JSON) and move the progress bar until it finishes.
// No inline script (CSP script-src 'self'): the status URL comes from a data- attribute.
(function () {
  "use strict";
  var root = document.getElementById("report-job");
  if (!root) {
    return;
  }
  var bar = root.querySelector("[data-role=bar]");
  var statusEl = root.querySelector("[data-role=status]");
  var messageEl = root.querySelector("[data-role=message]");
  var download = root.querySelector("[data-role=download]");
  var link = root.querySelector("[data-role=download-link]");
  var url = root.getAttribute("data-status-url");
  var delay = 1000;

  function setProgress(percent) {
    var value = Math.max(0, Math.min(100, parseInt(percent, 10) || 0));
    // Width through the CSSOM (allowed by style-src 'self'), never a style= attribute.
    bar.style.width = value + "%";
    bar.textContent = value + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(value));
  }

  function render(data) {
    setProgress(data.progress);
    statusEl.textContent = data.status_label;
    messageEl.textContent = data.message || "";
    if (data.finished) {
      bar.classList.remove("progress-bar-animated");
      bar.classList.add(data.status === "succeeded" ? "bg-success" : "bg-danger");
      if (data.download_url) {
        link.setAttribute("href", data.download_url);
        download.hidden = false;
      }
    }
    return data.finished;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (!render(data)) {
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  setProgress(bar.getAttribute("data-progress"));
  if (root.getAttribute("data-finished") !== "1") {
    poll();
  }
})();
