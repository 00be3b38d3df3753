// JPEG and PNG records: the image fitted to the stage, zoom (buttons, + and -, the wheel with
// Ctrl) and pan (drag, or the arrow keys when zoomed in).

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
    shell.problem("This image could not be shown. Use the download link.");
    return;
  }
  shell.stage.append(image);
  shell.mark("imageDrawn");
  const view = { scale: 1, x: 0, y: 0 };
  const apply = () => {
    image.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    shell.status(`Zoom ${Math.round(view.scale * 100)}%`);
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
  shell.button("Zoom out", () => zoom(-1));
  shell.button("Zoom in", () => zoom(1));
  shell.button("Fit", () => {
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
