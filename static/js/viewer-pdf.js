// PDFs with pdf.js (pdfjs-dist, served from our origin): one page at a time on a canvas with
// its text layer (so text can be selected and copied), page buttons, zoom, and text search.
// pdf.js fetches the file with byte ranges (records:record-inline answers them), so a long PDF
// shows its first page before the rest has arrived.

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

export async function open(shell) {
  const pdfjs = await import(shell.data.viewerPdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = shell.data.viewerPdfjsWorker;
  const task = pdfjs.getDocument({
    url: shell.data.viewerUrl,
    isEvalSupported: false, // the CSP forbids eval; pdf.js then draws fonts another way
    // pdfjs-dist's folders, beside build/ (settings.STATICFILES_DIRS serves them so).
    wasmUrl: shell.beside(shell.data.viewerPdfjsWorker, "../wasm/"),
    standardFontDataUrl: shell.beside(shell.data.viewerPdfjsWorker, "../standard_fonts/"),
    cMapUrl: shell.beside(shell.data.viewerPdfjsWorker, "../cmaps/"),
    rangeChunkSize: 256 * 1024,
  });
  let pdf;
  try {
    pdf = await task.promise;
  } catch (error) {
    shell.problem(whyNotOpened(error));
    return;
  }
  const viewer = new PdfViewer(shell, pdfjs, pdf);
  viewer.build();
  await viewer.show(1);
}

// Why pdf.js could not open the file, in words (no onPassword handler: a PDF that needs a
// password is refused with a PasswordException). The download link stays below the viewer.
function whyNotOpened(error) {
  const name = error && error.name;
  if (name === "PasswordException") {
    return gettext(
      "This PDF is protected by a password, so it cannot be shown here. Download it and open it with its password.",
    );
  }
  if (name === "InvalidPDFException") {
    return gettext("This PDF is damaged or incomplete, so it cannot be shown here. Download it to try another program.");
  }
  if (name === "ResponseException") {
    return interpolate(
      gettext("The PDF could not be fetched (the server answered %(status)s). Reload the page, or use the download link."),
      { status: error.status },
      true,
    );
  }
  return interpolate(
    gettext("This PDF could not be opened here (%(why)s). Use the download link."),
    { why: (error && error.message) || error },
    true,
  );
}

class PdfViewer {
  constructor(shell, pdfjs, pdf) {
    this.shell = shell;
    this.pdfjs = pdfjs;
    this.pdf = pdf;
    this.pageNumber = 1;
    this.zoomIndex = ZOOMS.indexOf(1);
    this.query = "";
    this.matches = [];
    this.rendering = null;
  }

  build() {
    const shell = this.shell;
    shell.clearStage();
    shell.element.classList.add("so-viewer--pdf");
    shell.button(gettext("Previous page"), () => this.go(this.pageNumber - 1));
    shell.button(gettext("Next page"), () => this.go(this.pageNumber + 1));
    shell.button(gettext("Zoom out"), () => this.zoom(-1), { title: gettext("Zoom out") });
    shell.button(gettext("Zoom in"), () => this.zoom(1), { title: gettext("Zoom in") });
    const form = document.createElement("form");
    form.className = "so-viewer__search";
    form.setAttribute("role", "search");
    const label = document.createElement("label");
    label.className = "usa-label margin-top-0";
    label.htmlFor = "so-viewer-search";
    label.textContent = gettext("Find in this PDF");
    const input = document.createElement("input");
    input.className = "usa-input";
    input.id = "so-viewer-search";
    input.type = "search";
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "usa-button usa-button--small";
    submit.textContent = gettext("Find");
    form.append(label, input, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.find(input.value);
    });
    shell.toolbar.append(form);
    this.page = document.createElement("div");
    this.page.className = "so-viewer__page";
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.text = document.createElement("div");
    this.text.className = "textLayer";
    this.page.append(this.canvas, this.text);
    shell.stage.append(this.page);
    shell.keys({
      next: () => this.go(this.pageNumber + 1),
      previous: () => this.go(this.pageNumber - 1),
      zoom: (step) => this.zoom(step),
    });
  }

  go(number) {
    if (number >= 1 && number <= this.pdf.numPages && number !== this.pageNumber) {
      return this.show(number);
    }
    return null;
  }

  zoom(step) {
    const index = Math.min(Math.max(this.zoomIndex + step, 0), ZOOMS.length - 1);
    if (index !== this.zoomIndex) {
      this.zoomIndex = index;
      return this.show(this.pageNumber);
    }
    return null;
  }

  async show(number) {
    this.pageNumber = number;
    if (this.rendering) this.rendering.cancel();
    const page = await this.pdf.getPage(number);
    if (number !== this.pageNumber) return; // a later call took over
    const scale = ZOOMS[this.zoomIndex] * (96 / 72);
    const viewport = page.getViewport({ scale });
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.floor(viewport.width * ratio);
    this.canvas.height = Math.floor(viewport.height * ratio);
    this.canvas.style.width = `${Math.floor(viewport.width)}px`;
    this.canvas.style.height = `${Math.floor(viewport.height)}px`;
    this.canvas.setAttribute(
      "aria-label",
      interpolate(gettext("Page %(number)s of %(count)s"), { number, count: this.pdf.numPages }, true),
    );
    this.page.style.width = `${Math.floor(viewport.width)}px`;
    this.page.style.height = `${Math.floor(viewport.height)}px`;
    this.page.style.setProperty("--scale-factor", String(scale));
    this.page.style.setProperty("--total-scale-factor", String(scale));
    this.rendering = page.render({
      canvas: this.canvas,
      viewport,
      transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
    });
    try {
      await this.rendering.promise;
    } catch (error) {
      if (error && error.name === "RenderingCancelledException") return;
      throw error;
    }
    this.shell.mark("pdfFirstPageDrawn");
    this.shell.element.dataset.viewerPage = String(number);
    this.text.replaceChildren();
    const textLayer = new this.pdfjs.TextLayer({
      textContentSource: page.streamTextContent(),
      container: this.text,
      viewport,
    });
    await textLayer.render();
    this.highlight();
    const values = {
      number,
      count: this.pdf.numPages,
      percent: Math.round(ZOOMS[this.zoomIndex] * 100),
      query: this.query,
      pages: this.matches.length,
    };
    this.shell.status(
      interpolate(
        this.matches.length
          ? gettext("Page %(number)s of %(count)s, zoom %(percent)s%; “%(query)s” found on %(pages)s page(s)")
          : gettext("Page %(number)s of %(count)s, zoom %(percent)s%"),
        values,
        true,
      ),
    );
  }

  async pageText(number) {
    const page = await this.pdf.getPage(number);
    const content = await page.getTextContent();
    return content.items.map((item) => item.str).join(" ");
  }

  async find(query) {
    this.query = query.trim();
    this.matches = [];
    if (!this.query) {
      this.highlight();
      this.shell.status(gettext("Type the words to find."));
      return;
    }
    const needle = this.query.toLocaleLowerCase();
    for (let number = 1; number <= this.pdf.numPages; number += 1) {
      if ((await this.pageText(number)).toLocaleLowerCase().includes(needle)) {
        this.matches.push(number);
      }
    }
    if (!this.matches.length) {
      this.highlight();
      this.shell.status(interpolate(gettext("“%(query)s” is not in this PDF."), { query: this.query }, true));
      return;
    }
    // The next page with a match after this one, else the first.
    const next = this.matches.find((n) => n > this.pageNumber) || this.matches[0];
    if (next === this.pageNumber) {
      this.highlight();
      this.shell.status(
        interpolate(
          gettext("“%(query)s” found on pages %(pages)s."),
          { query: this.query, pages: this.matches.join(", ") },
          true,
        ),
      );
    } else {
      await this.show(next);
    }
  }

  highlight() {
    const needle = this.query.toLocaleLowerCase();
    for (const span of this.text.querySelectorAll("span")) {
      const hit = needle && span.textContent.toLocaleLowerCase().includes(needle);
      span.classList.toggle("so-viewer__match", Boolean(hit));
    }
  }
}
