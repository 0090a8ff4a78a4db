"""Forensics: what a bolt file still holds beyond its live tree."""
