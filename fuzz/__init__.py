"""Fuzzing boltview with damaged copies of real bbolt files (see fuzz/README.md)."""
