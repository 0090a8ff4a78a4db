"""Hex dumps, plain or annotated with what each byte range means."""

from __future__ import annotations

from collections.abc import Iterator


def _ascii(chunk: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)


def hexdump_lines(data: bytes, base: int = 0, width: int = 16) -> Iterator[str]:
    """``hexdump -C`` style lines: offset, hex bytes, printable ASCII."""
    for offset in range(0, len(data), width):
        chunk = data[offset : offset + width]
        hex_part = " ".join(f"{b:02x}" for b in chunk)
        yield f"{base + offset:08x}  {hex_part:<{width * 3 - 1}}  |{_ascii(chunk)}|"


def annotated_hexdump(
    data: bytes, regions: list[tuple[int, int, str]], width: int = 16
) -> Iterator[str]:
    """A hex dump where each line also names the regions that start on it.

    ``regions`` are (start, end, label) byte ranges; lines with no bytes of
    any region and no change from the previous line are folded into ``*``,
    as ``hexdump`` does for runs of zeros.
    """
    starts: dict[int, list[str]] = {}
    for start, end, label in regions:
        if end > start:
            starts.setdefault(start // width, []).append(f"{start:#x}: {label}")
    previous = None
    folded = False
    for offset in range(0, len(data), width):
        chunk = data[offset : offset + width]
        notes = starts.get(offset // width, [])
        if chunk == previous and not notes:
            if not folded:
                yield "*"
                folded = True
            continue
        folded = False
        previous = chunk
        hex_part = " ".join(f"{b:02x}" for b in chunk)
        line = f"{offset:08x}  {hex_part:<{width * 3 - 1}}  |{_ascii(chunk):<{width}}|"
        yield line + ("  " + "; ".join(notes) if notes else "")
