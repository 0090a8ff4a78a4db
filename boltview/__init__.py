"""boltview: a read-only inspector for BoltDB (bbolt) files."""

__version__ = "0.1.0"
