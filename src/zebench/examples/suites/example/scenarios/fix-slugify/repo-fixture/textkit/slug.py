"""URL slugs."""

import re


def slugify(text: str, separator: str = "-") -> str:
    """A lower-case ASCII slug of ``text``, words joined by ``separator``."""
    text = text.lower()
    text = re.sub(r"[^a-z0-9]", "-", text)
    return text.strip("-")
