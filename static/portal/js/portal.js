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
  // To-dos counted after the page is shown (data-deferred-todos: the URL of their HTML fragment).
  document.querySelectorAll("[data-deferred-todos]").forEach(function (placeholder) {
    window
      .fetch(placeholder.getAttribute("data-deferred-todos"), { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        placeholder.outerHTML = html;
      })
      .catch(function () {
        placeholder.remove();
      });
  });
  // Selects with data-autosubmit submit their form on change (filter bars).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
  // The current menu item: the navigation link whose path is the longest prefix of this page's
  // path is marked active (aria-current), and so is the menu that holds it.
  var here = window.location.pathname;
  var best = null;
  var bestLength = 0;
  document.querySelectorAll(".navbar-nav a.nav-link[href], .navbar-nav a.dropdown-item[href]").forEach(function (a) {
    var path = a.pathname;
    if (!path || path === "/" || a.getAttribute("href") === "#") {
      return;
    }
    if ((here === path || here.indexOf(path) === 0) && path.length > bestLength) {
      best = a;
      bestLength = path.length;
    }
  });
  if (best) {
    best.classList.add("active");
    best.setAttribute("aria-current", "page");
    var menu = best.closest(".dropdown");
    if (menu && menu.querySelector(".dropdown-toggle")) {
      menu.querySelector(".dropdown-toggle").classList.add("active");
    }
  }
})();
