"""The one line each benchmark ends with: a row of the README's Performance table.

``bench/run_all.py`` runs every benchmark and gathers these rows into the table
the README's Performance section is copied from.
"""

from __future__ import annotations

import platform

MARK = "| "


def row(benchmark: str, reference: str, result: str, goal: str) -> None:
    """Print one Markdown table row: what was measured, against what, the numbers, the goal."""
    cells = [benchmark, reference, result, goal or "-"]
    print(MARK + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |", flush=True)


def versions() -> str:
    """What ran: Python and the machine, for the table's caption."""
    return f"Python {platform.python_version()}, {platform.machine()}"
