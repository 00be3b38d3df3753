// The specialist's workspace: the opinion is saved as it is typed, so nothing typed is lost.
// Two seconds after the last keystroke (and at most four after the first unsaved one), on
// leaving a field, before the page goes away and before the idle sign-out, the form is posted as
// JSON to its autosave URL with the version it was read at. The server refuses a save from an
// older version (another tab or window saved since): this tab keeps its text and says so (the
// server keeps the refused text aside too), and the specialist chooses which text to keep.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form) { return; }
  var url = form.dataset.autosaveUrl;
  var version = parseInt(form.dataset.autosaveVersion || "0", 10);
  var status = document.getElementById("autosave-status");
  var conflictBox = document.getElementById("autosave-conflict");
  var QUIET_MS = 2000, MAX_WAIT_MS = 4000, RETRY_MS = 5000;
  var timer = null, firstUnsaved = 0, inFlight = null, conflict = false, submitting = false;

  function csrfToken() {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return token ? token.value : "";
  }
  // Every field as typed: an unticked box and an unanswered question are saved as empty, so a
  // restored draft says what was cleared too.
  function typed() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "file") { return; }
      if (el.type === "checkbox") { fields[el.name] = el.checked ? "on" : ""; return; }
      if (el.type === "radio") {
        if (!(el.name in fields)) { fields[el.name] = ""; }
        if (el.checked) { fields[el.name] = el.value; }
        return;
      }
      fields[el.name] = el.value;
    });
    return fields;
  }
  function say(text) { if (status) { status.textContent = text; } }
  // What the server has, as sent: the page opens with the draft it rendered. Dirty means the
  // fields differ from it, not that an event fired (leaving a textarea fires "change" with
  // nothing new, and a save then would move the version under the page being opened next).
  var saved = JSON.stringify(typed());
  function dirty() { return JSON.stringify(typed()) !== saved; }

  function showConflict(message, current) {
    conflictBox.dataset.serverVersion = String(current);
    if (conflict) { return; }  // said once: the alert is not repeated at every refused save
    conflict = true;
    conflictBox.querySelector("[data-conflict-message]").textContent = message;
    conflictBox.hidden = false;
    say(gettext("Not saved: this opinion was changed in another tab or window."));
  }

  function save(keepalive) {
    clearTimeout(timer);
    timer = null;
    // In conflict the saves go on: the server refuses them but keeps the latest text aside, so
    // even closing this tab loses nothing.
    if (submitting || !dirty()) { return inFlight || Promise.resolve(); }
    if (inFlight) {  // one save at a time: the next goes when this one is answered
      return inFlight.then(function () { return save(keepalive); });
    }
    var fields = typed(), sending = JSON.stringify(fields), sentVersion = version;
    inFlight = fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      // Saving is not the person's activity (their typing is): the idle sign-out stays where it was.
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "X-Not-Activity": "1" },
      body: JSON.stringify({ version: sentVersion, fields: fields })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          version = data.version;
          conflict = false;
          conflictBox.hidden = true;
          saved = sending;
          firstUnsaved = dirty() ? Date.now() : 0;
          say(data.message);
          if (dirty()) { schedule(); }
        } else if (response.status === 409) {
          saved = sending;  // kept aside by the server, not as the draft
          firstUnsaved = dirty() ? Date.now() : 0;
          // A refusal of a save sent before "Keep this tab's text" moved the version on is old news.
          if (sentVersion === version) { showConflict(data.message, data.version); }
          if (dirty()) { schedule(); }
        } else {
          var why = data.message || gettext("Not saved yet");
          say(interpolate(gettext("%(why)s We will try again."), { why: why }, true));
          timer = setTimeout(save, RETRY_MS);
        }
      });
    }).catch(function () {
      say(gettext("Not saved yet: no connection. We will try again; keep this page open."));
      timer = setTimeout(save, RETRY_MS);
    }).then(function () { inFlight = null; });
    return inFlight;
  }

  function schedule() {
    var now = Date.now();
    if (!firstUnsaved) { firstUnsaved = now; }
    clearTimeout(timer);
    var wait = Math.min(QUIET_MS, Math.max(0, firstUnsaved + MAX_WAIT_MS - now));
    timer = setTimeout(save, wait);
  }

  form.addEventListener("input", function () { if (dirty()) { schedule(); } });
  form.addEventListener("change", function () { if (dirty()) { schedule(); } });
  form.addEventListener("focusout", function () { if (dirty()) { save(); } });
  form.addEventListener("submit", function () { submitting = true; clearTimeout(timer); });
  conflictBox.querySelector("[data-conflict-keep]").addEventListener("click", function () {
    // This tab's text replaces the other: save it over the version the server has now.
    version = parseInt(conflictBox.dataset.serverVersion || "0", 10);
    conflict = false;
    conflictBox.hidden = true;
    saved = null;  // the same text, sent again over the server's version
    save().then(function () { form.querySelector("textarea, input:not([type=hidden])").focus(); });
  });
  // Leaving the page (a record link, a closed tab): what is not saved yet goes with keepalive.
  window.addEventListener("pagehide", function () { save(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(true); }
  });
  // The idle sign-out (app.js) waits for these before it signs out.
  window.soDraftSavers = window.soDraftSavers || [];
  window.soDraftSavers.push(function () { return save(); });
})();
