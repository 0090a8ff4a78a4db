"""``-w yaml`` (``render/yaml.py``): the same document as ``-w json``, in YAML that a real
parser (Debian's PyYAML, under the system python3) reads back to that document."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from boltview.render.yaml import yaml_text
from tests.conftest import ROOT, require_real

DB = ROOT / "fixtures" / "etcd" / "db"
SYSTEM_PYTHON = "/usr/bin/python3"

NASTY: list[Any] = [
    {"plain": "text", "empty": "", "number_like": "123", "bool_like": "true", "null_like": "null",
     "yes": "no", "on": "off", "y": "n", "NaN": ".inf", "~": "~", "a b": "c: d", "# not": "# a comment",
     "-": "- item", "": "empty key", "1st": 1, "x-y_z": -2, "float": 1.5, "big": 2**64 - 1,
     "t": True, "f": False, "none": None},
    {"unicode": "é ü ß 中文 😀", "controls": "\x00\x01\t\n\r\x1b[31m\x7f\u0085\u202e\u200b",
     "quotes": "'\"\\", "colon": "key: value", "dash": "-1", "star": "*alias", "amp": "&anchor",
     "bang": "!tag", "pct": "%YAML", "at": "@x", "backtick": "`x`", "brackets": "[1, 2]",
     "braces": "{a: 1}", "date": "2024-05-06", "octal": "0o17", "hex": "0x1f", "sci": "1e3"},
    {"nested": [[1, [2, []]], {}, [], [{"a": [{"b": {"c": []}}]}], [{"k": 1, "l": {}}]]},
    [],
    {},
    "a top-level string",
    [1, "two", None, {"three": [3]}],
]  # fmt: skip


def parse_with_pyyaml(texts: list[str]) -> list[Any]:
    """Each YAML text as Debian's PyYAML reads it (safe_load), in one process."""
    program = "import json, sys, yaml; print(json.dumps([yaml.safe_load(t) for t in json.load(sys.stdin)]))"
    done = subprocess.run(
        [SYSTEM_PYTHON, "-c", program],
        input=json.dumps(texts), capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    if done.returncode != 0:
        missing = "No module named 'yaml'" in done.stderr or "No such file" in done.stderr
        require_real(["python3-yaml"] if missing else [], "reading YAML back")
        raise AssertionError(done.stderr)
    return list(json.loads(done.stdout))


def have_pyyaml() -> None:
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import yaml"], capture_output=True, check=False
        )
    except FileNotFoundError:
        require_real(["python3 (python3-yaml)"], "reading YAML back")
        return
    require_real([] if done.returncode == 0 else ["python3-yaml"], "reading YAML back")


def test_a_real_parser_reads_every_document_back() -> None:
    have_pyyaml()
    texts = [yaml_text(document) for document in NASTY]
    assert parse_with_pyyaml(texts) == NASTY


def etcd_get(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "boltview", "etcd", "get", str(DB), *args],
                          capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    return done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("/app/", "--prefix"),
        ("", "--prefix"),
        ("/registry/", "--prefix", "--rev", "8"),
        ("/nowhere",),
    ],
)
def test_etcd_get_yaml_is_the_json_document(args: tuple[str, ...]) -> None:
    have_pyyaml()
    as_json = json.loads(etcd_get(*args, "-w", "json"))
    (as_yaml,) = parse_with_pyyaml([etcd_get(*args, "-w", "yaml")])
    assert as_yaml == as_json


def test_the_shape_is_block_yaml() -> None:
    assert yaml_text({"header": {"revision": 41}, "kvs": [{"key": "L2E=", "version": 1}]}) == (
        'header:\n  revision: 41\nkvs:\n  - key: "L2E="\n    version: 1\n'
    )
    assert yaml_text({"a": [], "b": {}, "c": [[1], [2]]}) == "a: []\nb: {}\nc:\n  - - 1\n  - - 2\n"
    text = yaml_text(NASTY[1])
    assert text.isascii() and "\x1b" not in text and "\x7f" not in text
