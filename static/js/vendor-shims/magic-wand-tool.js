// dwv imports magic-wand-tool for its flood-fill drawing tool, which our viewer does not offer
// (it offers the ruler only): this stand-in keeps dwv's import working without the library.
export default {};
