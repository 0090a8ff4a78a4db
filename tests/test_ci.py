"""CI installs everything the tests need: a fresh machine must pass as this one does.

The Debian packages live in ``.ci/debian-packages`` (``.ci/run`` installs them);
``.ci/go-imports`` says which of them provides each non-standard import path of
the repo's Go programs.  A Go program that starts importing something no listed
package provides fails here, on any machine, before it fails on a fresh one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import GOPATH, ROOT, require_real

CI = ROOT / ".ci"
IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)^\)", re.MULTILINE | re.DOTALL)
IMPORT_LINE = re.compile(r'^import\s+(?:[\w.]+\s+)?"([^"]+)"', re.MULTILINE)
QUOTED = re.compile(r'^\s*(?:[\w.]+\s+)?"([^"]+)"', re.MULTILINE)


def table_lines(path: Path) -> list[list[str]]:
    """The words of each line of a CI table, comments and blank lines left out."""
    lines = (line.split("#", 1)[0].split() for line in path.read_text().splitlines())
    return [words for words in lines if words]


def listed_packages() -> set[str]:
    return {words[0] for words in table_lines(CI / "debian-packages")}


def import_table() -> dict[str, str]:
    return {prefix: package for prefix, package in table_lines(CI / "go-imports")}


def go_programs() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "*.go"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in tracked]


def go_imports(source: str) -> set[str]:
    found = set(IMPORT_LINE.findall(source))
    for block in IMPORT_BLOCK.findall(source):
        found.update(QUOTED.findall(block))
    return found


def is_standard(path: str) -> bool:
    """Go's standard library paths have no dot in their first element."""
    return "." not in path.split("/", 1)[0]


def provider(path: str, table: dict[str, str]) -> str | None:
    prefixes = [p for p in table if path == p or path.startswith(p + "/")]
    return table[max(prefixes, key=len)] if prefixes else None


def test_the_go_programs_are_found() -> None:
    programs = {p.relative_to(ROOT).parts[0:2] for p in go_programs()}
    assert ("fixtures", "go") in programs and ("bench", "gencontainerd") in programs
    assert ("tests", "vectors") in programs and ("tests", "recover_gen") in programs


def test_every_go_import_is_provided_by_a_listed_package() -> None:
    table, packages = import_table(), listed_packages()
    assert "golang-go" in packages
    unprovided = []
    for program in go_programs():
        for path in sorted(go_imports(program.read_text())):
            if is_standard(path):
                continue
            package = provider(path, table)
            if package is None or package not in packages:
                unprovided.append(f"{program.relative_to(ROOT)}: {path} ({package or 'no entry'})")
    assert not unprovided, "add to .ci/go-imports and .ci/debian-packages:\n" + "\n".join(
        unprovided
    )


def test_the_import_table_lists_only_listed_packages() -> None:
    assert set(import_table().values()) <= listed_packages()


def test_ci_run_installs_the_list() -> None:
    script = (CI / "run").read_text()
    assert ".ci/debian-packages" in script and "apt-get install" in script


@pytest.mark.skipif(
    shutil.which("dpkg") is None, reason="dpkg is Debian's: no package database here"
)
@pytest.mark.parametrize("prefix", sorted(import_table()))
def test_dpkg_agrees_with_the_import_table(prefix: str) -> None:
    """Where the package is installed, dpkg names it as the owner of the import's folder."""
    package = import_table()[prefix]
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    require_real([] if "install ok installed" in installed.stdout else [package], "dpkg's answer")
    owner = subprocess.run(
        ["dpkg", "-S", f"{GOPATH}/src/{prefix}"], capture_output=True, text=True, check=True
    ).stdout
    assert owner.split(":", 1)[0] == package
