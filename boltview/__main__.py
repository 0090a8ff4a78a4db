"""``python -m boltview``: the same as the ``boltview`` command."""

from boltview.cli import main

main()
