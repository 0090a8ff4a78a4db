"""What a value's bytes are: Go's varints and times, and one registry of recognizers.

:mod:`~boltview.values.varint` and :mod:`~boltview.values.gotime` decode the
encodings containerd writes with Go's standard library;
:mod:`~boltview.values.recognize` guesses what an unknown value is, for the
browser and for ``boltview get``.  This package reads bytes and knows nothing
of containerd's buckets, a terminal or the browser.
"""
