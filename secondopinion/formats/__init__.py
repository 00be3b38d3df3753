"""Our own number and date formats by language (FORMAT_MODULE_PATH), over Django's: only what
differs from them."""
