"""The one way boltview turns bytes into text a human reads.

Keys, values and labels come from the file, and the file may be hostile: an
escape sequence in a label could retitle or repaint the user's terminal.
Everything shown to a person therefore goes through ``escape``, which keeps
printable text and spells out everything else.
"""

from __future__ import annotations

import binascii


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


def is_text(data: bytes) -> bool:
    """True when ``data`` is UTF-8 made only of printable characters."""
    if not data:
        return True
    try:
        return data.decode("utf-8").isprintable()
    except UnicodeDecodeError:
        return False


def base64_text(data: bytes) -> str:
    """Standard base64 (with padding) as a str: the lossless form of bytes in JSON."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def show_bytes(data: bytes) -> str:
    """A key or name for people: printable UTF-8 as it is, anything else as hex."""
    if is_text(data) and data:
        return data.decode("utf-8")
    if not data:
        return '""'
    return "0x" + data.hex()


def show_text(data: bytes) -> str:
    """Bytes as text even when they are not all printable, escaping the rest."""
    return escape(data.decode("utf-8", "backslashreplace"))


def show_path(path: tuple[bytes, ...] | list[bytes]) -> str:
    """A bucket path for messages: names joined by ' / ' (names may contain '/')."""
    if not path:
        return "(root)"
    return " / ".join(show_bytes(name) for name in path)


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
