// The one job poller (core.jobs.JobStatusView): every element with data-status-url polls its job's
// status (JSON) and shows it. No inline script (CSP script-src 'self'); everything comes from
// data- attributes:
//   data-status-url     the status view          data-finished="1"     do not poll
//   data-reload="1"     reload the page when the job has finished
// and, inside it, the parts it updates (all optional):
//   [data-role=bar]     a <progress>, or a Bootstrap .progress-bar (width set through the CSSOM)
//   [data-role=percent] "40%"       [data-role=status]  the status label (data-badge: coloured badge)
//   [data-role=message] the job's message              [data-role=done]    shown when finished
//   [data-role=download] + [data-role=download-link]    shown with the file's URL when there is one
(function () {
  "use strict";
  var BADGES = { pending: "text-bg-secondary", running: "text-bg-primary", succeeded: "text-bg-success",
                 failed: "text-bg-danger" };

  function part(root, role) {
    return root.querySelector("[data-role=" + role + "]");
  }

  function setProgress(root, percent) {
    var value = Math.max(0, Math.min(100, parseInt(percent, 10) || 0));
    var bar = part(root, "bar");
    if (bar) {
      if (bar.tagName === "PROGRESS") {
        bar.value = value;
      } else {
        bar.style.width = value + "%";  // the CSSOM (allowed by style-src 'self'), never a style= attribute
        bar.parentNode.setAttribute("aria-valuenow", String(value));
      }
      bar.textContent = value + "%";
    }
    var percentEl = part(root, "percent");
    if (percentEl) { percentEl.textContent = value + "%"; }
  }

  function render(root, data) {
    setProgress(root, data.progress);
    var statusEl = part(root, "status");
    if (statusEl) {
      statusEl.textContent = data.status_label;
      if (statusEl.hasAttribute("data-badge")) { statusEl.className = "badge " + (BADGES[data.status] || BADGES.pending); }
    }
    var messageEl = part(root, "message");
    if (messageEl && data.message) { messageEl.textContent = data.message; }
    if (!data.finished) { return false; }
    var bar = part(root, "bar");
    if (bar && bar.tagName !== "PROGRESS") {
      bar.classList.remove("progress-bar-animated");
      bar.classList.add(data.status === "succeeded" ? "bg-success" : "bg-danger");
    }
    var done = part(root, "done");
    if (done) { done.classList.remove("d-none"); }
    var download = part(root, "download");
    var link = part(root, "download-link");
    if (data.download_url && download && link) {
      link.setAttribute("href", data.download_url);
      download.hidden = false;
    }
    if (root.getAttribute("data-reload") === "1") { window.location.reload(); }
    return true;
  }

  function follow(root) {
    var url = root.getAttribute("data-status-url");
    var delay = 1000;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          if (!render(root, data)) {
            delay = Math.min(delay * 1.25, 5000);
            window.setTimeout(poll, delay);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    poll();
  }

  var roots = document.querySelectorAll("[data-status-url]");
  for (var i = 0; i < roots.length; i++) {
    var bar = part(roots[i], "bar");
    if (bar && bar.hasAttribute("data-progress")) { setProgress(roots[i], bar.getAttribute("data-progress")); }
    if (roots[i].getAttribute("data-finished") !== "1") { follow(roots[i]); }
  }
})();
