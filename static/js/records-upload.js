// Resumable uploads of records (tus protocol) with Uppy's Dashboard: files and whole folders,
// progress per file and overall, pause and resume. tus-js-client remembers each upload's address
// in localStorage, so choosing the same file again after a dropped connection or a browser
// restart continues from the last byte the server has. Loaded by
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
    var response = error && error.originalResponse;
    var body = response && typeof response.getBody === "function" ? response.getBody() : "";
    if (body) { return body; }
    if (error && error.isNetworkError) {
      return "“" + file.name + "” stopped: the connection dropped. Press retry to continue where it stopped.";
    }
    return "“" + file.name + "” could not be uploaded. Press retry, or choose it again.";
  }

  // On a touch screen nothing is dropped: the uploader offers to choose files, in those words.
  var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var TOUCH_STRINGS = { dropPasteFiles: "%{browseFiles}", browseFiles: "Choose files" };

  function setUp(container, index) {
    var problems = container.querySelector(".so-uploader__problems");
    var problemList = container.querySelector(".so-uploader__problem-list");
    var refreshUrl = container.getAttribute("data-refresh-url");
    var uppy = new window.Uppy.Uppy({
      id: "records-" + index,
      autoProceed: false,
      restrictions: { maxFileSize: Number(container.getAttribute("data-max-bytes")) || null }
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
      note: "PDF, JPEG, PNG, TIFF, DICOM, text or office documents"
    });
    uppy.use(window.Uppy.Tus, {
      endpoint: container.getAttribute("data-tus-endpoint"),
      headers: { "X-CSRFToken": csrfToken() },
      chunkSize: Number(container.getAttribute("data-chunk-bytes")) || Infinity,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      limit: 3
    });
    uppy.on("upload-error", function (file, error) {
      var item = document.createElement("li");
      item.textContent = problemText(file, error);
      problemList.appendChild(item);
      problems.hidden = false;
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
    container.hidden = false;
  }

  document.querySelectorAll("[data-tus-endpoint]").forEach(setUp);
})();
