"""The error a user can act on. The CLI prints its message as one line and exits non-zero."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or environment, explained in words the user can act on."""

    exit_code = 2
