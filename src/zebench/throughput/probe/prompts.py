"""Prompts of a given size, each one unique from its first token.

No tokenizer is at hand for an arbitrary model, so the size is counted in
common English words of one syllable, which the usual BPE vocabularies encode
as one token each (a space-led word is a single token). The server's own count
(``usage.prompt_tokens``) is reported beside the figures so the difference is
visible. The request number leads the prompt, so no two requests share a
prefix a server could serve from its cache.
"""

from __future__ import annotations

import random

WORDS = tuple(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "it",
        "you",
        "that",
        "he",
        "was",
        "for",
        "on",
        "are",
        "as",
        "with",
        "his",
        "they",
        "at",
        "be",
        "this",
        "have",
        "from",
        "or",
        "one",
        "had",
        "by",
        "word",
        "but",
        "not",
        "what",
        "all",
        "were",
        "we",
        "when",
        "your",
        "can",
        "said",
        "there",
        "use",
        "an",
        "each",
        "which",
        "she",
        "do",
        "how",
        "their",
        "if",
        "will",
        "up",
        "other",
        "about",
        "out",
        "many",
        "then",
        "them",
        "these",
        "so",
        "some",
        "her",
        "would",
        "make",
        "like",
        "him",
        "into",
        "time",
        "has",
        "look",
        "two",
        "more",
        "write",
        "go",
        "see",
        "number",
        "no",
        "way",
        "could",
        "people",
        "my",
        "than",
        "first",
        "water",
        "been",
        "call",
        "who",
        "oil",
        "its",
        "now",
        "find",
        "long",
        "down",
        "day",
        "did",
        "get",
        "come",
        "made",
        "may",
        "part",
    ]
)

INSTRUCTION = "Write a long story that uses these words:"


def make_prompt(index: int, input_tokens: int, *, seed: int = 0) -> str:
    """A prompt of about ``input_tokens`` tokens that starts with ``index``."""
    head = f"Request {index}. {INSTRUCTION}"
    rng = random.Random(seed * 1_000_003 + index)
    filler = max(0, input_tokens - len(head.split()) - 2)
    return head + " " + " ".join(rng.choice(WORDS) for _ in range(filler))
