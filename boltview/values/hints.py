"""What a key's name says its value is, as containerd names its keys.

containerd calls its times ``createdat``, its sizes ``size``; the snapshotter
calls its ids ``id``.  A hint makes :func:`~boltview.values.recognize.recognize`
try that reading first.  These are containerd's names (its ``metadata`` and
snapshotter packages), kept beside the recognizers because the browser and
``boltview get`` both read any bolt file with them.
"""

from __future__ import annotations

from boltview.values.recognize import ANY, TIME, UVARINT, VARINT

#: Keys containerd stores Go times under.
TIME_KEYS = frozenset({b"createdat", b"updatedat", b"expireat", b"deletedat"})
#: Keys containerd stores ``binary.PutVarint`` integers under.
VARINT_KEYS = frozenset({b"size", b"version", b"inodes"})
#: Keys the snapshotter stores ``binary.PutUvarint`` integers under.
UVARINT_KEYS = frozenset({b"id"})
#: Keys whose values are a protobuf ``Any``.
ANY_KEYS = frozenset({b"spec", b"options"})

_HINTS = {
    **dict.fromkeys(TIME_KEYS, TIME),
    **dict.fromkeys(VARINT_KEYS, VARINT),
    **dict.fromkeys(UVARINT_KEYS, UVARINT),
    **dict.fromkeys(ANY_KEYS, ANY),
}


def hint_for(key: bytes) -> str | None:
    """The reading a value stored under ``key`` should get first, if its name says."""
    return _HINTS.get(key)
