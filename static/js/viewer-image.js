// JPEG and PNG records: the image fitted to the stage, zoom (buttons, + and -, the wheel with
// Ctrl) and pan (drag, or the arrow keys when zoomed in). A huge image comes as its reduced copy
// (data-viewer-url); "Open the original" swaps in the original at the same zoom and pan.

const STEP = 1.25;
const PAN_PIXELS = 60;

export async function open(shell) {
  shell.clearStage();
  shell.element.classList.add("so-viewer--image");
  const image = new Image();
  image.alt = shell.data.viewerName;
  image.className = "so-viewer__image";
  image.draggable = false;
  image.src = shell.data.viewerUrl;
  try {
    await image.decode();
  } catch {
    shell.problem(gettext("This image could not be shown. Use the download link."));
    return;
  }
  shell.stage.append(image);
  shell.mark("imageDrawn");
  offerOriginal(shell, image);
  const view = { scale: 1, x: 0, y: 0 };
  const apply = () => {
    image.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    shell.status(interpolate(gettext("Zoom %(percent)s%"), { percent: Math.round(view.scale * 100) }, true));
  };
  const zoom = (step) => {
    view.scale = Math.min(Math.max(view.scale * (step > 0 ? STEP : 1 / STEP), 0.25), 16);
    apply();
  };
  const pan = (dx, dy) => {
    view.x -= dx * PAN_PIXELS;
    view.y -= dy * PAN_PIXELS;
    apply();
  };
  shell.button(gettext("Zoom out"), () => zoom(-1));
  shell.button(gettext("Zoom in"), () => zoom(1));
  shell.button(gettext("Fit"), () => {
    Object.assign(view, { scale: 1, x: 0, y: 0 });
    apply();
  });
  shell.keys({ next: () => {}, previous: () => {}, zoom, pan });
  shell.stage.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      zoom(event.deltaY < 0 ? 1 : -1);
    },
    { passive: false },
  );
  let drag = null;
  shell.stage.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX - view.x, y: event.clientY - view.y };
    shell.stage.setPointerCapture(event.pointerId);
  });
  shell.stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    view.x = event.clientX - drag.x;
    view.y = event.clientY - drag.y;
    apply();
  });
  shell.stage.addEventListener("pointerup", () => {
    drag = null;
  });
  apply();
}

// The link below a reduced copy opens the original (streamed and audited like any file); if the
// browser cannot decode it, the copy stays and the problem line says so.
function offerOriginal(shell, image) {
  const line = shell.element.querySelector("[data-viewer-reduced]");
  const link = line && line.querySelector("[data-viewer-original]");
  if (!link) return;
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const reduced = image.src;
    shell.status(gettext("Loading the original…"));
    image.src = link.href;
    try {
      await image.decode();
    } catch {
      image.src = reduced;
      shell.problem(gettext("The original could not be shown here. Use the download link."));
      return;
    }
    line.textContent = interpolate(
      gettext("Showing the original, %(width)s × %(height)s pixels."),
      { width: image.naturalWidth, height: image.naturalHeight },
      true,
    );
    shell.status(gettext("Showing the original"));
    shell.stage.focus(); // the link is gone: the keys now pan the original
  });
}
