"""The timed streaming server (tests/fakes/streaming_llm.py) as its own process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

SERVER = Path(__file__).resolve().parent.parent / "fakes" / "streaming_llm.py"
API_KEY = "probe-test-key"


@contextmanager
def streaming_server(api_key: str | None = API_KEY) -> Iterator[str]:
    """The server's base URL (``http://127.0.0.1:PORT/v1``) until the block ends."""
    args = [sys.executable, str(SERVER)] + (["--api-key", api_key] if api_key else [])
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()  # printed once the port listens
        if not port.isdigit():
            raise RuntimeError(f"streaming server did not start (said {port!r})")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def fake_model(**behaviour: object) -> str:
    """A model name telling the server how to answer (see tests/fakes/streaming_llm.py)."""
    return "fake?" + urlencode({k: str(v) for k, v in behaviour.items()})
