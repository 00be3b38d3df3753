// "Print this page" buttons on the after-the-opinion page (no inline scripts under the CSP).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
