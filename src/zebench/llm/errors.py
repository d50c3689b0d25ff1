"""The one exception the LLM clients raise."""

from __future__ import annotations


class LLMError(Exception):
    """A provider call that failed for good: after retries, or with a non-retryable status.

    ``status`` is the HTTP status when there was a response (None for network errors),
    ``body`` the start of the provider's reply, kept for the transcript.
    """

    def __init__(
        self, message: str, *, status: int | None = None, body: str = "", attempts: int = 1
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.attempts = attempts
