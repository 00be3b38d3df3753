// Second Opinion: behaviour that needs no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it first.
  var summary = document.querySelector(".js-error-summary");
  if (summary) { summary.focus(); }
  // htmx sends Django's CSRF token with every request it makes.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });

  // Idle sign-out: warn two minutes before the session runs out; "Stay signed in" renews it.
  var idle = parseInt(document.body.dataset.sessionIdleSeconds || "0", 10);
  var warning = document.querySelector(".js-idle-warning");
  if (idle > 0 && warning) {
    var warnTimer, endTimer;
    var arm = function () {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      warning.hidden = true;
      warnTimer = setTimeout(function () { warning.hidden = false; }, Math.max(idle - 120, 0) * 1000);
      endTimer = setTimeout(function () {
        window.location.assign(document.body.dataset.signInUrl);
      }, idle * 1000);
    };
    warning.querySelector(".js-stay-signed-in").addEventListener("click", function () {
      // Any request renews the session; /healthz is cheap and reads no health information.
      fetch("/healthz", { credentials: "same-origin" }).then(arm);
    });
    arm();
  }
})();
