"""The one way boltview turns bytes into text a human reads.

Keys, values and labels come from the file, and the file may be hostile: an
escape sequence in a label could retitle or repaint the user's terminal.
Everything shown to a person therefore goes through ``escape``, which keeps
printable text and spells out everything else.
"""

from __future__ import annotations

import binascii

# Names of buckets and keys are the engine's: said here too, for everything that shows them.
from boltview.bolt.path import printable_utf8, show_bytes, show_path

__all__ = [
    "base64_text",
    "escape",
    "human_size",
    "parse_name",
    "printable_utf8",
    "show_bytes",
    "show_path",
    "show_text",
]


def escape(text: str) -> str:
    """``text`` with every control or non-printable character spelled out."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable():
            out.append(char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def base64_text(data: bytes) -> str:
    """Standard base64 (with padding) as a str: the lossless form of bytes in JSON."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def show_text(data: bytes) -> str:
    """Bytes as text even when they are not all printable, escaping the rest."""
    return escape(data.decode("utf-8", "backslashreplace"))


def parse_name(text: str) -> bytes:
    """A bucket name or key from the command line: ``0x`` + hex means bytes."""
    if text.startswith("0x") and len(text) > 2:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    return text.encode("utf-8", "surrogateescape")


def human_size(size: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
