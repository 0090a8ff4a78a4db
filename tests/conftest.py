"""Shared test fixtures: the committed bolt files, and the real bbolt when it is here.

The committed fixtures carry bbolt's own answers, so most tests need nothing
but Python.  Tests that write fresh databases need the real writer (Go and
bbolt from Debian); where they are missing those tests are skipped, except
under ``BOLTVIEW_REQUIRE_GO=1`` (set by .ci/run), where a missing writer is a
failure: CI must really run them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# CI runs on 2 busy cores: time limits per example would make property tests
# flaky without finding anything.  Tests that must be fast bound their own time.
settings.register_profile(
    "boltview", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("boltview")

ROOT = Path(__file__).resolve().parent.parent
BOLT_FIXTURES = ROOT / "fixtures" / "bolt"
GO_SOURCE = ROOT / "fixtures" / "go" / "bboltref"
GOPATH = "/usr/share/gocode"
BBOLT_SOURCE = Path(GOPATH) / "src" / "go.etcd.io" / "bbolt"


def bolt_fixture_names() -> list[str]:
    return sorted(p.stem for p in BOLT_FIXTURES.glob("*.db"))


def golden(name: str, kind: str) -> Any:
    """A committed answer of bbolt's: ``kind`` is dump, info or check."""
    return json.loads((BOLT_FIXTURES / f"{name}.{kind}.json").read_text())


def go_available() -> bool:
    return shutil.which("go") is not None and BBOLT_SOURCE.is_dir()


def require_real(missing: list[str], needed_for: str) -> None:
    """Skip a test whose real writer or reference is missing here; in CI, fail it.

    ``.ci/run`` installs every real tool and sets ``BOLTVIEW_REQUIRE_GO=1``: there a
    missing one is a broken install, never a reason to pass quietly.
    """
    if not missing:
        return
    message = f"{needed_for} needs {', '.join(missing)}"
    if os.environ.get("BOLTVIEW_REQUIRE_GO") == "1":
        pytest.fail(f"{message} (BOLTVIEW_REQUIRE_GO=1: CI must run this test)")
    pytest.skip(message)


def missing_go_source(*imports: str) -> list[str]:
    """What of Go and the Go sources under GOPATH (Debian's -dev packages) is not here."""
    missing = [] if shutil.which("go") else ["go (golang-go)"]
    return missing + [path for path in imports if not Path(GOPATH, "src", path).is_dir()]


def build_go(package: Path, output: Path, goarch: str | None = None) -> Path:
    """Build a Go program of ours against Debian's bbolt, offline, in GOPATH mode."""
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="")
    if goarch:
        env["GOARCH"] = goarch
    env.setdefault("GOCACHE", str(ROOT / ".cache" / "go-build"))
    subprocess.run(
        ["go", "build", "-o", str(output), "."], cwd=package, env=env, check=True
    )
    return output


@pytest.fixture(scope="session")
def bboltref(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference program built on real bbolt (writer and reader)."""
    require_real(missing_go_source("go.etcd.io/bbolt"), "bboltref")
    return build_go(GO_SOURCE, tmp_path_factory.mktemp("go") / "bboltref")


def run_boltview(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """boltview's CLI in a fresh process, as a user runs it (output as text).

    No standard input (a verb that waited for one would hang), and a timeout, so a
    hang fails the test instead of stalling the suite.
    """
    return subprocess.run(
        [sys.executable, "-m", "boltview", *map(str, args)],
        capture_output=True,
        check=False,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def run_ref(bboltref: Path, *args: str | Path) -> Any:
    """Run bboltref and parse its JSON answer."""
    done = subprocess.run(
        [str(bboltref), *map(str, args)], capture_output=True, check=True
    )
    return json.loads(done.stdout)


@pytest.fixture
def in_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC for the test (ctr printed its tables with TZ=UTC)."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
