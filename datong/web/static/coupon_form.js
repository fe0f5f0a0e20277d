// The coupon-template form shows only the fields of the chosen kind; without this file every
// field is shown and the server ignores the ones the kind does not use.
(function () {
  "use strict";
  var kind = document.getElementById("tpl-kind");
  if (!kind) {
    return;
  }
  function show() {
    document.querySelectorAll("[data-kinds]").forEach(function (box) {
      box.hidden = box.getAttribute("data-kinds").split(" ").indexOf(kind.value) < 0;
    });
  }
  kind.addEventListener("change", show);
  show();
})();
