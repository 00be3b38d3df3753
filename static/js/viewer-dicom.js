// DICOM series with dwv (served from our origin, with its decoder workers for JPEG baseline and
// lossless, JPEG 2000 and RLE): scroll the slices, window/level by drag or with the presets,
// zoom and pan, measure a length with the ruler, and the series' key tags. No patient name or
// id is shown: the tags panel lists only what reading the images needs.
import * as dwv from "dwv";

// Labels in the page's language (gettext: the catalog base.html loads before any module runs).
const PRESETS = [
  [gettext("Soft tissue"), 40, 400],
  [gettext("Lung"), -600, 1500],
  [gettext("Bone"), 300, 2000],
];
const TOOLS = [
  [gettext("Scroll"), "Scroll"],
  [gettext("Window/level"), "WindowLevel"],
  [gettext("Zoom and pan"), "ZoomAndPan"],
  [gettext("Measure length"), "Draw"],
];

let counter = 0;

// dwv starts its decoders as `new Worker(new URL("./assets/workers/…", document.baseURI))`:
// relative to the page, not to dwv.min.js (a <base> element would fix that, but the CSP says
// base-uri 'none'). Point those URLs at the workers beside dwv.min.js, and leave any other
// worker alone.
function serveDwvWorkersFrom(dwvUrl) {
  const NativeWorker = window.Worker;
  if (NativeWorker.soDwvWorkers) return;
  const marker = "/assets/workers/";
  class DwvWorker extends NativeWorker {
    constructor(url, options) {
      const asked = new URL(url, document.baseURI);
      const at = asked.pathname.indexOf(marker);
      if (asked.origin === window.location.origin && at !== -1) {
        url = new URL(`assets/workers/${asked.pathname.slice(at + marker.length)}`, dwvUrl);
      }
      super(url, options);
    }
  }
  DwvWorker.soDwvWorkers = true;
  window.Worker = DwvWorker;
}

export async function open(shell) {
  serveDwvWorkersFrom(shell.beside(shell.data.viewerDwv, "./"));
  const urls = (shell.data.viewerSeries || shell.data.viewerUrl).split(/\s+/).filter(Boolean);
  shell.clearStage();
  shell.element.classList.add("so-viewer--dicom");
  const layer = document.createElement("div");
  counter += 1;
  layer.id = `so-dwv-layer-${counter}`;
  layer.className = "so-viewer__dicom";
  shell.stage.append(layer);
  shell.status(
    interpolate(
      ngettext("Loading %(count)s image…", "Loading %(count)s images…", urls.length),
      { count: urls.length },
      true,
    ),
  );

  const app = new dwv.App();
  const options = new dwv.AppOptions({ "*": [new dwv.ViewConfig(layer.id)] });
  options.tools = {
    Scroll: new dwv.ToolConfig(),
    WindowLevel: new dwv.ToolConfig(),
    ZoomAndPan: new dwv.ToolConfig(),
    Draw: new dwv.ToolConfig(["Ruler"]),
  };
  app.init(options);
  const viewer = new DicomViewer(shell, app, urls);
  viewer.listen();
  viewer.dataId = app.loadURLs(urls);
  window.soDicomViewer = viewer; // the benches and browser tests drive it
}

function tagValue(meta, key) {
  const element = meta && (meta[key] || meta[`x${key}`]);
  if (!element || element.value === undefined) return "";
  const value = element.value;
  return Array.isArray(value) ? value.join(" \\ ") : String(value);
}

// Each slice's name and download link, in the order of its URL (viewer.html's JSON).
function sliceFiles(shell) {
  const data = shell.element.querySelector("#so-viewer-slices");
  return data ? JSON.parse(data.textContent) : [];
}

class DicomViewer {
  constructor(shell, app, urls) {
    this.shell = shell;
    this.app = app;
    this.urls = urls;
    this.files = sliceFiles(shell);
    this.loaded = false;
    this.failures = [];
    this.renders = 0;
  }

  listen() {
    const { app, shell } = this;
    app.addEventListener("renderend", () => {
      this.renders += 1;
      shell.mark("dicomFirstSliceDrawn");
      shell.element.dataset.viewerRenders = String(this.renders);
      this.announce();
    });
    app.addEventListener("positionchange", () => this.announce());
    app.addEventListener("error", (event) => this.failed(event));
    app.addEventListener("load", () => this.ready());
    // A series with a slice the browser could not read ends with "loadend" but no "load", and
    // dwv then never completes the image: its slice spacing stays unset, so positions name the
    // wrong slices and scrolling stops. Completed here, the slices that loaded scroll. (A
    // "loadend" naming one URL is that file's, not the series'.)
    app.addEventListener("loadend", (event) => {
      const image = this.app.getImage(this.dataId);
      if (this.loaded || !image || typeof event.source === "string") return;
      image.setComplete(true);
      this.app.render(this.dataId);
      this.ready();
    });
  }

  // A slice the browser could not read: named, with why and its download, in the list below
  // the viewer; the problem line (an alert) counts them.
  failed(event) {
    const index = this.urls.indexOf(typeof event.source === "string" ? event.source : "");
    const file = this.files[index] || { name: gettext("One image") };
    const why = event.error && event.error.message ? event.error.message : String(event.error);
    this.failures.push(file.name);
    const count = this.failures.length;
    this.shell.problem(
      interpolate(
        ngettext(
          "%(count)s image of this series could not be shown; the others still scroll:",
          "%(count)s images of this series could not be shown; the others still scroll:",
          count,
        ),
        { count },
        true,
      ),
    );
    const item = document.createElement("li");
    const values = { name: file.name, number: index + 1, count: this.urls.length, why };
    item.textContent = interpolate(
      index >= 0
        ? gettext("%(name)s (image %(number)s of %(count)s): the viewer could not read it (%(why)s). ")
        : gettext("%(name)s: the viewer could not read it (%(why)s). "),
      values,
      true,
    );
    if (file.download) {
      const link = document.createElement("a");
      link.className = "usa-link";
      link.href = file.download;
      link.textContent = gettext("Download it");
      item.append(link);
    }
    const list = this.shell.element.querySelector("[data-viewer-failed]");
    list.append(item);
    list.hidden = false;
  }

  ready() {
    if (this.loaded) return;
    this.loaded = true;
    this.shell.mark("dicomSeriesLoaded");
    this.shell.element.dataset.viewerLoaded = "1";
    this.build();
    this.showTags();
    this.announce();
  }

  controller() {
    const layers = this.app.getViewLayersByDataId(this.dataId);
    return layers.length ? layers[0].getViewController() : null;
  }

  sliceIndex() {
    const controller = this.controller();
    if (!controller) return 0;
    return controller.getCurrentIndex().get(controller.getScrollDimIndex());
  }

  sliceCount() {
    const image = this.app.getImage(this.dataId);
    if (!image) return 0;
    const controller = this.controller();
    const dim = controller ? controller.getScrollDimIndex() : 2;
    return image.getGeometry().getSize().get(dim);
  }

  announce() {
    const controller = this.controller();
    if (!controller) return;
    const wl = controller.getWindowLevel();
    const slices = this.sliceCount();
    this.shell.element.dataset.viewerSlice = String(this.sliceIndex() + 1);
    const values = { number: this.sliceIndex() + 1, count: slices };
    if (wl) Object.assign(values, { width: Math.round(wl.width), level: Math.round(wl.center) });
    let text = wl
      ? gettext("Image %(number)s of %(count)s, window %(width)s level %(level)s")
      : gettext("Image %(number)s of %(count)s");
    if (!this.loaded) text = interpolate(gettext("%(status)s (still loading)"), { status: text }, true);
    this.shell.status(interpolate(text, values, true));
  }

  scroll(step) {
    const controller = this.controller();
    if (!controller) return false;
    const helper = controller.getPositionHelper();
    return step > 0 ? helper.incrementPositionAlongScroll() : helper.decrementPositionAlongScroll();
  }

  zoom(step) {
    const element = this.shell.stage.querySelector(".so-viewer__dicom");
    this.app.zoom(step * 0.25, element.clientWidth / 2, element.clientHeight / 2);
  }

  windowLevel(center, width) {
    const controller = this.controller();
    if (controller) controller.setWindowLevel(new dwv.WindowLevel(center, width));
  }

  build() {
    const { shell, app } = this;
    shell.button(gettext("Previous image"), () => this.scroll(-1));
    shell.button(gettext("Next image"), () => this.scroll(1));
    shell.button(gettext("Zoom out"), () => this.zoom(-1));
    shell.button(gettext("Zoom in"), () => this.zoom(1));
    shell.button(gettext("Reset view"), () => app.resetDisplay());
    shell.group(gettext("Mouse:"));
    const toolButtons = TOOLS.map(([label, tool]) => {
      const button = shell.button(label, () => {
        app.setTool(tool);
        if (tool === "Draw") app.setToolFeatures({ shapeName: "Ruler" });
        shell.radio(toolButtons, button);
      });
      button.dataset.tool = tool;
      return button;
    });
    app.setTool("Scroll");
    shell.radio(toolButtons, toolButtons[0]);
    shell.group(gettext("Window:"));
    for (const [label, center, width] of PRESETS) {
      shell.button(label, () => this.windowLevel(center, width), {
        title: interpolate(
          gettext("%(preset)s window: width %(width)s, level %(level)s"),
          { preset: label, width, level: center },
          true,
        ),
      });
    }
    shell.keys({
      next: () => this.scroll(1),
      previous: () => this.scroll(-1),
      zoom: (step) => this.zoom(step),
    });
    window.addEventListener("resize", () => app.onResize());
  }

  showTags() {
    const meta = this.app.getMetaData(this.dataId);
    this.shell.tags([
      [gettext("Modality"), tagValue(meta, "00080060")],
      [gettext("Series"), tagValue(meta, "0008103E")],
      [gettext("Images in the series"), this.sliceCount()],
      [gettext("Slice thickness (mm)"), tagValue(meta, "00180050")],
      [gettext("Pixel spacing (mm)"), tagValue(meta, "00280030")],
      [gettext("Transfer syntax"), tagValue(meta, "00020010")],
    ]);
  }
}
