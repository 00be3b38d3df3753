// What every record viewer shares: the toolbar buttons, the keyboard on the focusable stage,
// the status line (announced politely) and the problem line. Timings for the benches are
// written to window.soViewerTimings (performance.now() values): nothing is sent anywhere.

export class Shell {
  constructor(element) {
    this.element = element;
    this.toolbar = element.querySelector("[data-viewer-toolbar]");
    this.stage = element.querySelector("[data-viewer-stage]");
    this.statusLine = element.querySelector("[data-viewer-status]");
    this.problemLine = element.querySelector("[data-viewer-problem]");
    this.tagList = element.querySelector("[data-viewer-tags]");
    this.data = element.dataset;
    window.soViewerTimings = window.soViewerTimings || {};
  }

  // The absolute URL of `relative` next to the static file `url` (a vendor file's folder).
  beside(url, relative) {
    return new URL(relative, new URL(url, document.baseURI)).href;
  }

  clearStage() {
    this.stage.replaceChildren();
  }

  button(label, onClick, { pressed, title } = {}) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "usa-button usa-button--outline usa-button--small so-viewer__button";
    button.textContent = label;
    if (title) button.setAttribute("aria-label", title);
    if (pressed !== undefined) button.setAttribute("aria-pressed", String(pressed));
    button.addEventListener("click", onClick);
    this.toolbar.append(button);
    return button;
  }

  group(label) {
    const span = document.createElement("span");
    span.className = "so-viewer__group-label";
    span.textContent = label;
    this.toolbar.append(span);
    return span;
  }

  // One button of a set pressed at a time (the DICOM mouse tools).
  radio(buttons, active) {
    for (const button of buttons) button.setAttribute("aria-pressed", String(button === active));
  }

  status(text) {
    this.statusLine.textContent = text;
  }

  problem(text) {
    const loading = this.stage.querySelector(".so-viewer__loading");
    if (loading) loading.remove();
    this.problemLine.hidden = false;
    this.problemLine.textContent = text;
  }

  tags(pairs) {
    this.tagList.replaceChildren();
    for (const [name, value] of pairs) {
      const term = document.createElement("dt");
      term.textContent = name;
      const detail = document.createElement("dd");
      detail.textContent = value === undefined || value === "" ? "—" : String(value);
      this.tagList.append(term, detail);
    }
    this.tagList.hidden = false;
  }

  mark(name) {
    if (window.soViewerTimings[name] === undefined) {
      window.soViewerTimings[name] = performance.now();
    }
  }

  // next/previous: pages or slices; zoom: +1 in, -1 out. Only when the stage has focus, so the
  // keys still scroll the page elsewhere.
  keys({ next, previous, zoom, pan }) {
    this.stage.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const actions = {
        ArrowDown: () => (pan ? pan(0, 1) : next()),
        ArrowRight: () => (pan ? pan(1, 0) : next()),
        PageDown: () => next(),
        ArrowUp: () => (pan ? pan(0, -1) : previous()),
        ArrowLeft: () => (pan ? pan(-1, 0) : previous()),
        PageUp: () => previous(),
        "+": () => zoom(1),
        "=": () => zoom(1),
        "-": () => zoom(-1),
        _: () => zoom(-1),
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
  }
}
