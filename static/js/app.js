// Second Opinion: behaviour that needs no inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it first.
  var summary = document.querySelector(".js-error-summary");
  if (summary) { summary.focus(); }
  function csrfToken() {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) { return token.value; }
    var cookie = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return cookie ? decodeURIComponent(cookie[1]) : "";
  }
  // htmx sends Django's CSRF token with every request it makes.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRFToken"] = token; }
  });

  // Signing out forgets the files the uploader kept in this browser for resuming them
  // (records-upload.js, Golden Retriever), with the upload addresses and the uploader's state:
  // on a shared computer, the next person must not find a patient's records there.
  var signOutForm = document.getElementById("sign-out-form");
  if (signOutForm) {
    signOutForm.addEventListener("submit", function () {
      try { if (window.indexedDB) { window.indexedDB.deleteDatabase("uppy-blobs"); } } catch (e) { /* unavailable */ }
      try {
        Object.keys(window.localStorage).forEach(function (key) {
          if (key.indexOf("tus::") === 0 || key.indexOf("uppyState:") === 0) { window.localStorage.removeItem(key); }
        });
      } catch (e) { /* private mode */ }
    });
  }

  // Idle sign-out. Clicking "Stay signed in" or typing counts as activity and renews the session
  // (typing at most once per `throttle`); two minutes before the session runs out a warning
  // shows. Then, and again just before it runs out, every form marked data-save-draft that was
  // typed in (and every page's own autosave, window.soDraftSavers) is saved as a draft on the server (the views keep it as typed and show it again;
  // these requests do not count as activity), then the page signs out and goes to the sign-in
  // page, which comes back here.
  var idle = parseInt(document.body.dataset.sessionIdleSeconds || "0", 10);
  var warning = document.querySelector(".js-idle-warning");
  if (idle > 0 && warning) {
    var lead = Math.min(30, idle / 4) * 1000;  // time kept to save drafts and sign out
    var throttle = Math.min(60, idle / 4) * 1000;
    var storageKey = "so-last-activity";
    var warnTimer, endTimer, lastRenewal = Date.now(), signingOut = false;
    var typedIn = [];

    // Another tab of the same session may be in use: it writes the time of its last renewal.
    var sharedRenewal = function () {
      try { return parseInt(window.localStorage.getItem(storageKey) || "0", 10); } catch (e) { return 0; }
    };
    var noteRenewal = function () {
      lastRenewal = Date.now();
      try { window.localStorage.setItem(storageKey, String(lastRenewal)); } catch (e) { /* private mode */ }
    };
    var arm = function (fromTime) {
      var left = (fromTime || Date.now()) + idle * 1000 - Date.now();
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      warning.hidden = true;
      warnTimer = setTimeout(function () {
        warning.hidden = false;
        // Saved now as well: a background tab's timers may fire late, after the session is gone.
        typedIn.forEach(saveDraft);
        pageSavers().forEach(function (save) { save(); });
      }, Math.max(left - 120000, 0));
      endTimer = setTimeout(endOfSession, Math.max(left - lead, 0));
    };
    var renew = function () {
      // Any request renews the session; /healthz is cheap and reads no health information.
      noteRenewal();
      return fetch("/healthz", { credentials: "same-origin" }).then(function () { arm(); });
    };
    var saveDraft = function (form) {
      var body = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string") { body.append(name, value); }  // files are not drafts
      });
      body.set("_action", "save-draft");
      return fetch(form.getAttribute("action") || window.location.pathname + window.location.search, {
        method: "POST",
        credentials: "same-origin",
        // Not the person's activity: the server keeps the sign-out where it was.
        headers: { "X-CSRFToken": csrfToken(), "X-Not-Activity": "1" },
        body: body
      }).catch(function () { /* sign out anyway: staying signed in is the greater risk */ });
    };
    // Pages that save their own drafts as they go (the workspace's autosave) register a function
    // returning a promise in window.soDraftSavers: the sign-out waits for them too.
    var pageSavers = function () { return window.soDraftSavers || []; };
    var endOfSession = function () {
      var other = sharedRenewal();
      if (other > lastRenewal + 1000) {  // another tab kept the session alive
        lastRenewal = other;
        arm(other);
        return;
      }
      signingOut = true;
      var saving = typedIn.map(saveDraft).concat(pageSavers().map(function (save) {
        return Promise.resolve(save()).catch(function () { return null; });
      }));
      Promise.all(saving).then(function () {
        var body = new URLSearchParams();
        body.set("csrfmiddlewaretoken", csrfToken());
        return fetch(document.body.dataset.signOutUrl, {
          method: "POST", credentials: "same-origin", body: body
        }).catch(function () { return null; });
      }).then(function (response) {
        var back = window.location.pathname + window.location.search;
        var go = function () {
          window.location.assign(document.body.dataset.signInUrl + "?next=" + encodeURIComponent(back));
        };
        // Signed out: go now. Otherwise wait until the session has run out on the server.
        if (response && response.ok) { go(); } else { setTimeout(go, lead + 2000); }
      });
    };
    var onTyping = function (event) {
      if (signingOut) { return; }
      var form = event.target && event.target.closest ? event.target.closest("form[data-save-draft]") : null;
      if (form && typedIn.indexOf(form) === -1) { typedIn.push(form); }
      if (Date.now() - lastRenewal >= throttle) { renew(); }
    };
    document.addEventListener("input", onTyping, true);
    document.addEventListener("keydown", onTyping, true);
    warning.querySelector(".js-stay-signed-in").addEventListener("click", renew);
    noteRenewal();
    arm();
  }
})();
