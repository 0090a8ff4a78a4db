"""The one line each benchmark ends with: a row of the README's Performance table.

``bench/run_all.py`` runs every benchmark and gathers these rows into the table
the README's Performance section is copied from.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

MARK = "| "


def row(benchmark: str, reference: str, result: str, goal: str) -> None:
    """Print one Markdown table row: what was measured, against what, the numbers, the goal."""
    cells = [benchmark, reference, result, goal or "-"]
    print(MARK + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |", flush=True)


def versions(*packages: str) -> str:
    """What ran: Python, boltview, the machine, Go and these Debian packages (what the
    reference programs are built from), for a benchmark's first lines and the table's caption.

    Every benchmark asks this first, so it also compiles boltview's modules, as
    ``pip install`` does: from a checkout, under ``PYTHONDONTWRITEBYTECODE``, each
    fresh process would compile every changed module again and time that too.
    """
    import compileall

    import boltview
    from boltview import __version__

    compileall.compile_dir(Path(boltview.__file__).parent, quiet=1)

    found = [f"boltview {__version__}", f"Python {platform.python_version()}",
             f"{platform.machine()}, {os.cpu_count()} cores"]  # fmt: skip
    if shutil.which("go"):
        go = subprocess.run(["go", "version"], capture_output=True, text=True, check=False)
        found.append(" ".join(go.stdout.split()[2:3]) or "go ?")
    for package in packages:
        query = ["dpkg-query", "-W", "-f", "${Version}", package]
        done = subprocess.run(query, capture_output=True, text=True, check=False) if shutil.which(
            "dpkg-query") else None  # fmt: skip
        found.append(f"{package} {done.stdout.strip() if done and done.returncode == 0 else '?'}")
    return "; ".join(found)


def peak_memory(command: list[str], output: Path | None = None, every: float = 0.002) -> float:
    """Peak memory of ``command`` and every process it starts, in MiB, as the sum of their
    proportional set sizes (``Pss``: a page shared by n processes counts 1/n in each).

    Sampled from /proc every ``every`` seconds while it runs, so run it apart from the
    timed runs (sampling takes a little of a core).  Worker processes forked from the
    command share its pages; ``ru_maxrss`` would count them once per process, or not at
    all (a child's peak is reported only if it is the largest).
    """
    peak = 0.0
    with open(output or os.devnull, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink)
        while process.poll() is None:
            peak = max(peak, sum(map(_pss_kib, _tree(process.pid))) / 1024)
            time.sleep(every)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed with status {process.returncode}")
    return peak


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from the kernel's lists of children."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


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
