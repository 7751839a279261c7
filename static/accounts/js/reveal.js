// "Show in full" next to masked personal data: POST to the reveal endpoint (the server checks the
// permission and county scope and writes an audit record), then replace the masked text.
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-reveal-url]") : null;
    if (!button) {
      return;
    }
    event.preventDefault();
    button.disabled = true;
    fetch(button.getAttribute("data-reveal-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    }).then(function (data) {
      var cell = button.parentNode;
      var target = cell.querySelector("[data-reveal-target]");
      target.textContent = [data.contact_person, data.contact_phone].filter(Boolean).join(" ");
      button.remove();
    }).catch(function () {
      button.disabled = false;
      window.alert(button.getAttribute("data-reveal-error"));
    });
  });
})();
