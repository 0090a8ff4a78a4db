"""``dump --encoding text`` is reversible: no two byte strings share a text (issue 15 item 9)."""

from __future__ import annotations

import base64
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boltview.bolt.file import BoltFile
from boltview.dump import _text_tokens, decode_text, dump, encode_text
from tests.conftest import BOLT_FIXTURES, golden


def test_a_byte_and_its_escape_differ() -> None:
    assert encode_text(b"\xa2") != encode_text(b"\\xa2")
    assert encode_text(b"\xa2") == "\\xa2"
    assert encode_text(b"\\xa2") == "\\\\xa2"
    assert decode_text("\\\\xa2") == b"\\xa2"
    assert decode_text("\\xa2") == b"\xa2"


@given(st.binary(max_size=64))
def test_decode_inverts_encode(data: bytes) -> None:
    assert decode_text(encode_text(data)) == data


@given(st.binary(max_size=64))
def test_the_fast_path_writes_encode_text(data: bytes) -> None:
    token = next(iter(_text_tokens([data])))
    assert json.loads(b'"' + token + b'"') == encode_text(data)


@pytest.mark.parametrize("text", ["\\", "a\\", "\\x", "\\xa", "\\xZZ", "\\xA2", "\\n"])
def test_text_no_bytes_encode_to_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        decode_text(text)


def _decoded(tree: dict[str, object], decode: object) -> dict[bytes, object]:
    return {
        decode(k): _decoded(v, decode) if isinstance(v, dict) else decode(v)  # type: ignore[operator]
        for k, v in tree.items()
    }


@pytest.mark.parametrize("name", ["basic", "deletes"])
def test_text_dump_decodes_to_bbolts_dump(name: str) -> None:
    out = io.BytesIO()
    with BoltFile.open(str(BOLT_FIXTURES / f"{name}.db")) as db:
        dump(db.root, out, "text")
    text_tree = _decoded(json.loads(out.getvalue()), decode_text)
    assert text_tree == _decoded(golden(name, "dump"), base64.b64decode)
