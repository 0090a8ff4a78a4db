"""The browser's modal screens: help, search, export."""
