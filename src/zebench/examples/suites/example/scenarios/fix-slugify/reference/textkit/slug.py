"""URL slugs."""

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str, separator: str = "-") -> str:
    """A lower-case ASCII slug of ``text``, words joined by ``separator``."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = _NOT_ALNUM.split(ascii_text.lower())
    return separator.join(word for word in words if word)
