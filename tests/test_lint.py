"""The code (package, tests, benchmarks) is ruff clean and the package mypy clean: run here so CI (and the README's one command) proves it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_is_clean() -> None:
    if shutil.which("ruff") is None:
        pytest.fail("ruff is a test dependency: pip install -e '.[test]'")
    result = run("ruff", "check", "boltview", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = run(sys.executable, "-m", "mypy", "boltview")
    assert result.returncode == 0, result.stdout + result.stderr
