"""Small text helpers."""

__version__ = "1.3.0"
