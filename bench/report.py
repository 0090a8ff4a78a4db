"""The one line each benchmark ends with: a row of the README's Performance table.

``bench/run_all.py`` runs every benchmark and gathers these rows into the table
the README's Performance section is copied from.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

MARK = "| "


def row(benchmark: str, reference: str, result: str, goal: str) -> None:
    """Print one Markdown table row: what was measured, against what, the numbers, the goal."""
    cells = [benchmark, reference, result, goal or "-"]
    print(MARK + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |", flush=True)


def versions() -> str:
    """What ran: Python and the machine, for the table's caption."""
    return f"Python {platform.python_version()}, {platform.machine()}"


def arguments(doc: str | None, runs: int = 3, **sizes: int) -> argparse.Namespace:
    """A benchmark's command line: ``--runs`` and one integer option per size (``--keys``...)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n")[0])
    for name, default in sizes.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    parser.add_argument("--runs", type=int, default=runs, help="best of N")
    return parser.parse_args()


def best_of(action: Callable[[], T], runs: int) -> tuple[float, T]:
    """The fastest of ``runs`` calls (seconds), and what the last one returned."""
    fastest, result = float("inf"), None
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        result = action()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, result  # type: ignore[return-value]


def best_run(command: list[str], runs: int, ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
    """The fastest of ``runs`` fresh processes (seconds), and the last one's stdout."""

    def run() -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode not in ok:
            raise SystemExit(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    return best_of(run, runs)
