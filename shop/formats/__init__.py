"""The shop's own date formats, per language (``FORMAT_MODULE_PATH`` in the settings)."""
