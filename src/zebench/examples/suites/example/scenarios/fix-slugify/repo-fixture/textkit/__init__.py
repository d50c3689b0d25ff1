"""Small text helpers."""

__version__ = "1.2.0"
