"""containerd's value encodings, judged by Go itself.

``tests/vectors/go_encodings.json`` was written by ``tests/vectors/gen/main.go``
with Go's own ``time``, ``encoding/binary`` and go-digest; every vector in it
is checked here. Where Go is installed, the last test rebuilds the generator
and checks that the committed file is still what Go writes.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boltview.containerd.encoding import (
    UNIX_TO_INTERNAL,
    Digest,
    GoTimeBinary,
    decode_go_time,
    decode_uvarint,
    decode_varint,
    encode_uvarint,
    encode_varint,
    is_digest,
    parse_digest,
    read_varint,
)
from boltview.errors import DecodeError
from tests.conftest import GOPATH, missing_go_source, require_real

VECTORS_DIR = Path(__file__).parent / "vectors"
VECTORS: dict[str, Any] = json.loads((VECTORS_DIR / "go_encodings.json").read_text())


def by_name(section: str) -> list[Any]:
    return [
        pytest.param(v, id=v.get("name") or v.get("hex") or v.get("digest"))
        for v in VECTORS[section]
    ]


def go_time_bytes(
    version: int, seconds: int, nanos: int, offset_minutes: int, extra: int = 0
) -> bytes:
    """Encode like MarshalBinary, by hand: the layout spelled out once more."""
    data = (
        bytes([version])
        + seconds.to_bytes(8, "big", signed=True)
        + nanos.to_bytes(4, "big", signed=True)
        + offset_minutes.to_bytes(2, "big", signed=True)
    )
    return data + bytes([extra]) if version == 2 else data


# --- Times -----------------------------------------------------------------


def test_the_vectors_cover_what_matters() -> None:
    times = VECTORS["times"]
    assert len(times) > 100
    assert any(t["binary"].startswith("02") for t in times), "version 2 (seconds in the offset)"
    assert any(t["offset"] > 0 for t in times) and any(t["offset"] < 0 for t in times)
    assert any(t["rfc3339"] != t["original"] for t in times), "Go's lossy round trip"


@pytest.mark.parametrize("vector", by_name("times"))
def test_time_matches_go(vector: dict[str, Any]) -> None:
    decoded = decode_go_time(bytes.fromhex(vector["binary"]))
    assert decoded.rfc3339() == vector["rfc3339"]
    assert str(decoded) == vector["rfc3339"]
    assert decoded.unix_seconds == vector["unix_seconds"]
    assert decoded.nanos == vector["nanos"]
    assert decoded.utc_offset == vector["offset"]
    assert decoded.is_utc == vector["utc"]


@pytest.mark.parametrize("vector", by_name("times"))
def test_time_fast_path_agrees_with_construct(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["binary"])
    reference = GoTimeBinary.parse(data)
    decoded = decode_go_time(data)
    assert decoded.version == reference.version
    assert decoded.unix_seconds == reference.seconds - UNIX_TO_INTERNAL
    assert decoded.nanos == reference.nanos
    assert decoded.offset_minutes == reference.offset_minutes
    assert decoded.offset_seconds == (reference.offset_seconds or 0)


PYTHON_MIN_UNIX = -62135596800  # 0001-01-01T00:00:00Z
PYTHON_MAX_UNIX = 253402300799  # 9999-12-31T23:59:59Z


@pytest.mark.parametrize("vector", by_name("times"))
def test_time_to_datetime(vector: dict[str, Any]) -> None:
    decoded = decode_go_time(bytes.fromhex(vector["binary"]))
    unix, offset = vector["unix_seconds"], vector["offset"]
    representable = (
        abs(offset) < 86400
        and PYTHON_MIN_UNIX <= unix <= PYTHON_MAX_UNIX
        and PYTHON_MIN_UNIX <= unix + offset <= PYTHON_MAX_UNIX
    )
    if not representable:
        with pytest.raises(DecodeError, match="Python"):
            decoded.to_datetime()
        return
    moment = decoded.to_datetime()
    assert moment.utcoffset() == timedelta(seconds=offset)
    assert moment.microsecond == vector["nanos"] // 1000
    assert (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1) == unix
    if vector["utc"]:
        assert moment.tzinfo is UTC


@pytest.mark.parametrize("vector", by_name("time_errors"))
def test_time_errors_match_go(vector: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match="^time: "):
        decode_go_time(bytes.fromhex(vector["binary"]))


@pytest.mark.parametrize("nanos", [-1, 1_000_000_000, 2**31 - 1])
def test_time_rejects_nanos_go_never_writes(nanos: int) -> None:
    with pytest.raises(DecodeError, match="nanoseconds"):
        decode_go_time(go_time_bytes(1, UNIX_TO_INTERNAL, nanos, -1))


def test_zero_time() -> None:
    zero = decode_go_time(go_time_bytes(1, 0, 0, -1))
    assert zero.is_zero and zero.is_utc
    assert zero.rfc3339() == "0001-01-01T00:00:00Z"
    assert zero.to_datetime() == datetime(1, 1, 1, tzinfo=UTC)


def test_zero_offset_that_is_not_utc_still_prints_z() -> None:
    london = decode_go_time(go_time_bytes(1, UNIX_TO_INTERNAL, 0, 0))
    assert not london.is_utc
    assert london.utc_offset == 0
    assert london.rfc3339() == "1970-01-01T00:00:00Z"


def test_version_2_reads_the_seconds_byte_like_go() -> None:
    # MarshalBinary of -00:00:30 writes minutes 0 and int8(-30) = 0xE2; Go's
    # UnmarshalBinary adds 0xE2 = 226 seconds. ctr shows that; so do we.
    odd = decode_go_time(go_time_bytes(2, UNIX_TO_INTERNAL, 0, 0, 0xE2))
    assert odd.utc_offset == 226
    assert odd.rfc3339() == "1970-01-01T00:03:46+00:03"


def test_offset_of_minus_one_minute_with_seconds_is_not_utc() -> None:
    # Go's test is on the total: -1 minute + 5 seconds is a fixed zone.
    almost = decode_go_time(go_time_bytes(2, UNIX_TO_INTERNAL, 0, -1, 5))
    assert not almost.is_utc
    assert almost.utc_offset == -55
    assert almost.rfc3339() == "1969-12-31T23:59:05+00:00"


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=20),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
)
def test_time_decoder_raises_only_decode_error(data: bytes, valid: datetime) -> None:
    # A decoder that refused everything would pass the part below: a valid time decodes.
    seconds = int(valid.replace(microsecond=0).timestamp()) + UNIX_TO_INTERNAL
    moment = decode_go_time(go_time_bytes(1, seconds, valid.microsecond * 1000, -1))
    assert moment.to_datetime() == valid
    try:
        decoded = decode_go_time(data)
    except DecodeError:
        return
    assert decoded.rfc3339()
    try:
        decoded.to_datetime()
    except DecodeError:
        pass


@settings(max_examples=300, deadline=None)
@given(
    version=st.sampled_from([1, 2]),
    seconds=st.integers(-(2**63), 2**63 - 1),
    nanos=st.integers(0, 999_999_999),
    offset_minutes=st.integers(-(2**15), 2**15 - 1),
    extra=st.integers(0, 255),
)
def test_time_fast_path_agrees_with_construct_everywhere(
    version: int, seconds: int, nanos: int, offset_minutes: int, extra: int
) -> None:
    data = go_time_bytes(version, seconds, nanos, offset_minutes, extra)
    reference = GoTimeBinary.parse(data)
    decoded = decode_go_time(data)
    assert (decoded.unix_seconds + UNIX_TO_INTERNAL, decoded.nanos) == (
        reference.seconds,
        reference.nanos,
    )
    assert (decoded.offset_minutes, decoded.offset_seconds) == (
        reference.offset_minutes,
        reference.offset_seconds or 0,
    )


@settings(max_examples=500, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
    nanos=st.integers(0, 999_999_999),
    offset_minutes=st.integers(-1439, 1439),
)
def test_rfc3339_agrees_with_python_where_python_can_tell(
    moment: datetime, nanos: int, offset_minutes: int
) -> None:
    """An independent oracle: Python's own calendar, for whole-minute zones."""
    unix = int(moment.replace(microsecond=0).timestamp())
    seconds = unix + UNIX_TO_INTERNAL
    decoded = decode_go_time(go_time_bytes(1, seconds, nanos, offset_minutes))
    zone = UTC if offset_minutes == -1 else timezone(timedelta(minutes=offset_minutes))
    local = datetime.fromtimestamp(unix, zone)
    if offset_minutes in (-1, 0):
        expected_zone = "Z"
    else:
        sign = "-" if offset_minutes < 0 else "+"
        expected_zone = f"{sign}{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}"
    fraction = f".{nanos:09d}".rstrip("0") if nanos else ""
    clock = f"{local.year:04d}-{local:%m-%dT%H:%M:%S}"  # %Y does not pad years < 1000
    assert decoded.rfc3339() == clock + fraction + expected_zone


# --- Varints ---------------------------------------------------------------


@pytest.mark.parametrize("vector", by_name("varints"))
def test_varint_matches_go(vector: dict[str, str]) -> None:
    value = int(vector["value"])
    assert decode_varint(bytes.fromhex(vector["hex"])) == value
    assert encode_varint(value).hex() == vector["hex"]


@pytest.mark.parametrize("vector", by_name("uvarints"))
def test_uvarint_matches_go(vector: dict[str, str]) -> None:
    value = int(vector["value"])
    assert decode_uvarint(bytes.fromhex(vector["hex"])) == value
    assert encode_uvarint(value).hex() == vector["hex"]


@pytest.mark.parametrize("vector", by_name("uvarint_reads"))
def test_uvarint_reads_agree_with_go(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    if vector["n"] > 0:
        assert decode_uvarint(data[: vector["n"]]) == int(vector["value"])
    elif vector["n"] == 0:
        with pytest.raises(DecodeError, match="truncated"):
            decode_uvarint(data)
    else:
        with pytest.raises(DecodeError, match="longer than 10 bytes|overflows 64 bits"):
            decode_uvarint(data)


def test_trailing_bytes_are_an_error() -> None:
    with pytest.raises(DecodeError, match="takes 1 bytes but the value has 2"):
        decode_varint(b"\x02\x00")
    with pytest.raises(DecodeError):
        decode_uvarint(b"")


def test_read_varint_walks_a_buffer() -> None:
    data = encode_varint(-5) + encode_varint(300)
    first, pos = read_varint(data)
    second, end = read_varint(data, pos)
    assert (first, second, end) == (-5, 300, len(data))


@given(st.integers(-(2**63), 2**63 - 1))
def test_varint_round_trip(value: int) -> None:
    assert decode_varint(encode_varint(value)) == value


@given(st.integers(0, 2**64 - 1))
def test_uvarint_round_trip(value: int) -> None:
    assert decode_uvarint(encode_uvarint(value)) == value


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_encode_varint_refuses_what_go_cannot_hold(value: int) -> None:
    with pytest.raises(ValueError):
        encode_varint(value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=16), st.integers(-(2**63), 2**63 - 1))
def test_varint_decoders_raise_only_decode_error(data: bytes, valid: int) -> None:
    for decode in (decode_varint, decode_uvarint):
        try:
            decode(data)
        except DecodeError:
            pass
    # A decoder that refused everything would pass the loop above: valid ones decode.
    assert decode_varint(encode_varint(valid)) == valid
    assert decode_uvarint(encode_uvarint(abs(valid))) == abs(valid)


# --- Digests ---------------------------------------------------------------

GO_DIGEST_ERRORS = {
    "invalid checksum digest length": "hex digits",
    "unsupported digest algorithm": "unsupported algorithm",
    "invalid checksum digest format": "expected <algorithm>:<encoded>|invalid format|not lowercase hex",
}


@pytest.mark.parametrize("vector", by_name("digests"))
def test_digest_matches_go_digest(vector: dict[str, Any]) -> None:
    text = vector["digest"]
    if vector["valid"]:
        parsed = parse_digest(text)
        assert str(parsed) == text
        assert parse_digest(text.encode()) == parsed
        assert is_digest(text)
    else:
        with pytest.raises(DecodeError, match=GO_DIGEST_ERRORS[vector["error"]]):
            parse_digest(text)
        assert not is_digest(text)


def test_digest_parts() -> None:
    digest = parse_digest("sha256:" + "ab" * 32)
    assert digest == Digest("sha256", "ab" * 32)
    assert digest.short == "abababababab"


def test_digest_bytes_must_be_ascii() -> None:
    with pytest.raises(DecodeError, match="not ASCII"):
        parse_digest(b"sha256:\xff")


# --- The vectors are what Go writes ----------------------------------------


def test_committed_vectors_are_what_the_generator_writes(tmp_path: Path) -> None:
    """Rebuild tests/vectors/gen with Go and compare; skipped without Go."""
    missing = missing_go_source(
        "github.com/containerd/containerd", "github.com/containerd/typeurl",
        "google.golang.org/protobuf",
    )  # fmt: skip
    require_real(missing, "tests/vectors/gen")
    env = dict(os.environ, GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="")
    env.setdefault("GOCACHE", str(Path(__file__).parent.parent / ".cache" / "go-build"))
    binary = tmp_path / "gen"
    subprocess.run(
        ["go", "build", "-o", str(binary), "."], cwd=VECTORS_DIR / "gen", env=env, check=True
    )
    fresh = json.loads(subprocess.run([str(binary)], check=True, capture_output=True).stdout)
    fresh.pop("go_version")
    committed = dict(VECTORS)
    committed.pop("go_version")
    assert fresh == committed
