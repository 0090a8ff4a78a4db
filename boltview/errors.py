"""Every error boltview raises on purpose derives from BoltviewError.

The CLI turns them into one line on stderr and exit code 2; anything else
that escapes is a bug.
"""


class BoltviewError(Exception):
    """Base of all boltview errors."""


class InvalidDatabaseError(BoltviewError):
    """The file is not a bolt database, or not one that can be read at all."""


class PageError(BoltviewError):
    """A page cannot be read as what its parent says it is."""

    def __init__(self, pgid: int, message: str) -> None:
        super().__init__(f"page {pgid}: {message}")
        self.pgid = pgid
        self.reason = message


class DecodeError(BoltviewError):
    """A value cannot be decoded as the type it claims to be."""


class NotFoundError(BoltviewError):
    """A bucket, key or object that was asked for does not exist."""
