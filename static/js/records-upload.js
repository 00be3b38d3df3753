// Resumable uploads of records (tus protocol) with Uppy's Dashboard: files and whole folders,
// progress per file and overall, pause and resume. Golden Retriever (in Uppy's bundle) keeps the
// chosen files and their upload addresses in this browser's IndexedDB until they are uploaded,
// so after a reload or a browser restart the uploader shows them again and "Upload" continues
// from the last byte the server has, without choosing the files again (no service worker: the
// IndexedDB copy is the one that survives a restart). Choosing the same file again works too
// (tus-js-client remembers upload addresses in localStorage). Loaded by
// templates/records/partials/uploader.html; the plain form beside it works without this file.
(function () {
  "use strict";
  if (!window.Uppy) { return; }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The server's explanation (plain text) of a refused file, else the client's own error.
  function problemText(file, error) {
    if (error && error.refusal) { return error.refusal; }
    var response = error && error.originalResponse;
    var body = response && typeof response.getBody === "function" ? response.getBody() : "";
    if (body) { return body; }
    if (error && error.isNetworkError) {
      return interpolate(gettext("“%(name)s” stopped: the connection dropped. Press retry to continue where it stopped."),
        { name: file.name }, true);
    }
    return interpolate(gettext("“%(name)s” could not be uploaded. Press retry, or choose it again."),
      { name: file.name }, true);
  }

  // On a touch screen nothing is dropped: the uploader offers to choose files, in those words.
  var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var TOUCH_STRINGS = { dropPasteFiles: "%{browseFiles}", browseFiles: gettext("Choose files") };

  // Uppy's texts that its Spanish (es_ES) words with "tú", in the "usted" of the rest of the
  // service, and those it lacks (our catalog); in English these are Uppy's own words.
  function recovered(count) {
    return ngettext(
      "We could not fully recover 1 file. Please re-select it and resume the upload.",
      "We could not fully recover %{smart_count} files. Please re-select them and resume the upload.",
      count
    );
  }
  var OUR_UPPY_STRINGS = {
    dropHint: gettext("Drop your files here"),
    dropPasteFiles: gettext("Drop files here or %{browseFiles}"),
    dropPasteFolders: gettext("Drop files here or %{browseFolders}"),
    dropPasteBoth: gettext("Drop files here, %{browseFiles} or %{browseFolders}"),
    recoveredXFiles: { 0: recovered(1), 1: recovered(2) },
    recoveredAllFiles: gettext("We restored all files. You can now resume the upload."),
    dataUploadedOfUnknown: gettext("%{complete} of unknown"),
    failedToAddFiles: gettext("Failed to add files"),
    pleaseWait: gettext("Please wait"),
    unnamed: gettext("Unnamed")
  };

  // Once a file's bytes are all sent, the server makes it a record (checks, duplicate, storage)
  // after answering: ask what became of it, showing "Adding to your case" meanwhile. A refusal
  // (a file the case already has) fails the file with the server's words.
  var OUTCOME_DELAYS = [100, 250, 500, 1000, 2000, 3000, 5000];
  var OUTCOME_PATIENCE = 10 * 60 * 1000;

  function awaitRecord(uppy, fileID, notice) {
    var file = uppy.getFile(fileID);
    var address = file && !file.error && file.response && file.response.uploadURL;
    if (!address) { return Promise.resolve(); }
    uppy.emit("postprocess-progress", file, { mode: "indeterminate", message: gettext("Adding to your case…") });
    var started = Date.now();
    return new Promise(function (resolve) {
      function ask(attempt) {
        fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
          .then(function (response) { return response.ok ? response.json() : { outcome: "adding" }; })
          .catch(function () { return { outcome: "adding" }; })
          .then(function (answer) {
            var current = uppy.getFile(fileID);
            if (!current) { resolve(); return; }
            if (answer.outcome === "refused") {
              var refused = new Error(answer.message);
              refused.refusal = answer.message;
              uppy.emit("upload-error", current, refused);
            } else if (answer.outcome !== "added") {
              if (Date.now() - started < OUTCOME_PATIENCE) {
                setTimeout(ask, OUTCOME_DELAYS[Math.min(attempt, OUTCOME_DELAYS.length - 1)], attempt + 1);
                return;
              }
              notice(interpolate(gettext("“%(name)s” is uploaded and is still being added to your case: it will appear in your records shortly."),
                { name: current.name }, true));
            }
            uppy.emit("postprocess-complete", current);
            resolve();
          });
      }
      ask(0);
    });
  }

  function setUp(container, index) {
    var problems = container.querySelector(".so-uploader__problems");
    var problemList = container.querySelector(".so-uploader__problem-list");
    var refreshUrl = container.getAttribute("data-refresh-url");
    var endpoint = container.getAttribute("data-tus-endpoint");
    var maxBytes = Number(container.getAttribute("data-max-bytes")) || null;
    // Uppy's own texts in the page's language (@uppy/locales, loaded by uploader.html; English
    // is Uppy's default), with ours over them.
    var uppyLocale = (window.Uppy.locales && window.Uppy.locales[container.getAttribute("data-uppy-locale")]) || {};
    var locale = {
      strings: Object.assign({}, uppyLocale.strings, OUR_UPPY_STRINGS),
      pluralize: uppyLocale.pluralize
    };
    // The id names the files kept for a restart: one store per upload address (per case, or per
    // provider link), so files chosen for one case never come back on another case's page.
    var uppy = new window.Uppy.Uppy({
      id: "records:" + endpoint,
      autoProceed: false,
      locale: locale,
      restrictions: { maxFileSize: maxBytes }
    });
    uppy.use(window.Uppy.Dashboard, {
      inline: true,
      target: container.querySelector(".so-uploader__dashboard"),
      width: "100%",
      height: 380,
      fileManagerSelectionType: touch ? "files" : "both",
      locale: touch ? { strings: TOUCH_STRINGS } : undefined,
      proudlyDisplayPoweredByUppy: false,
      disableThumbnailGenerator: true,
      showProgressDetails: true,
      note: gettext("PDF, JPEG, PNG, TIFF, DICOM, text or office documents")
    });
    if (window.Uppy.GoldenRetriever && window.indexedDB) {
      // Kept as long as the server keeps an unfinished upload, and removed once uploaded.
      var hours = Number(container.getAttribute("data-expiry-hours")) || 24;
      uppy.use(window.Uppy.GoldenRetriever, {
        expires: hours * 60 * 60 * 1000,
        indexedDB: { maxFileSize: maxBytes || Infinity, maxTotalSize: 2 * (maxBytes || 0) || Infinity }
      });
    }
    uppy.use(window.Uppy.Tus, {
      endpoint: endpoint,
      headers: { "X-CSRFToken": csrfToken() },
      chunkSize: Number(container.getAttribute("data-chunk-bytes")) || Infinity,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      limit: 3
    });
    function notice(text) {
      var item = document.createElement("li");
      item.textContent = text;
      problemList.appendChild(item);
      problems.hidden = false;
    }
    uppy.on("upload-error", function (file, error) { notice(problemText(file, error)); });
    uppy.addPostProcessor(function (fileIDs) {
      return Promise.all(fileIDs.map(function (fileID) { return awaitRecord(uppy, fileID, notice); }));
    });
    uppy.on("complete", function (result) {
      if (!result.successful || !result.successful.length || !refreshUrl) { return; }
      if (document.querySelector("#records-list") && window.htmx) {
        window.htmx.ajax("GET", refreshUrl, { target: "#records-list", swap: "innerHTML" });
      } else if (!result.failed || !result.failed.length) {
        // A page without the records list (the intake's records step) shows the new files itself.
        window.location.reload();
      }
    });
    markFileList(container);
    container.hidden = false;
  }

  // Uppy's Dashboard draws a single file as a "listitem" without a "list" around it (it leaves
  // the role out when there is one file), which screen readers and axe-core reject: add it.
  function markFileList(container) {
    var mark = function () {
      container.querySelectorAll(".uppy-Dashboard-files:not([role])").forEach(function (list) {
        list.setAttribute("role", "list");
      });
    };
    new MutationObserver(mark).observe(container, { childList: true, subtree: true });
    mark();
  }

  document.querySelectorAll("[data-tus-endpoint]").forEach(setUp);
})();
