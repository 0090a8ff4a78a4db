"""The terminal browser (Textual)."""
