// dwv imports jszip only to open .zip bundles of DICOM files, which our viewer never loads (it
// is given one URL per slice): this stand-in keeps dwv's import working without the library.
export default class JSZipNotLoaded {
  constructor() {
    throw new Error("Zip files are not opened in this viewer.");
  }
}
