// datong console: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Forms that change something important ask first (the text is in data-confirm).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Keep the language switch on the same page with its query string.
  var lang = document.querySelector("[data-lang-switch]");
  if (lang) {
    var params = new URLSearchParams(window.location.search);
    params.set("lang", new URLSearchParams(lang.getAttribute("href").slice(1)).get("lang"));
    lang.setAttribute("href", window.location.pathname + "?" + params.toString());
  }
})();
