// Picks the viewer for each [data-viewer] element by its data-viewer-kind and starts it. The
// viewers are ES modules loaded on demand, so a page showing a PDF never fetches dwv.
// Every viewer gets the same small interface (viewer-common.js): a toolbar, a focusable stage
// with the keyboard (arrows, Page Up/Down, + and -), a polite status line and a problem line.
import { Shell } from "./viewer-common.js";

const VIEWERS = {
  pdf: () => import("./viewer-pdf.js"),
  image: () => import("./viewer-image.js"),
  dicom: () => import("./viewer-dicom.js"),
};

async function start(element) {
  const shell = new Shell(element);
  const load = VIEWERS[element.dataset.viewerKind];
  if (!load) {
    shell.problem(gettext("This file cannot be shown here. Use the download link."));
    return;
  }
  try {
    const module = await load();
    await module.open(shell);
  } catch (error) {
    shell.problem(
      interpolate(
        gettext("The viewer could not open this file (%(why)s). Use the download link."),
        { why: error.message || error },
        true,
      ),
    );
  }
}

for (const element of document.querySelectorAll("[data-viewer]")) {
  if (!element.dataset.viewerStarted) {
    element.dataset.viewerStarted = "1";
    start(element);
  }
}
