// dwv imports konva as an ES module; konva's ES build is 62 files, which a cold page fetched one
// after another. The viewer partial loads konva.min.js (a classic script that sets
// window.Konva) before any module runs, and this hands that to dwv.
if (!globalThis.Konva) {
  throw new Error("konva.min.js did not load before the DICOM viewer.");
}
export default globalThis.Konva;
