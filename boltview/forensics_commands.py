"""``boltview recover`` moved to :mod:`boltview.cli.forensics`; this name stays for its importers."""

from boltview.cli.forensics import RECOVER_COMMAND

__all__ = ["RECOVER_COMMAND"]
