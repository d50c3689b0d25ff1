"""Cancel commands at random points, hundreds of times; count what survived.

    .venv/bin/python benchmarks/cancel_stress.py                 # 300 cancels, host
    .venv/bin/python benchmarks/cancel_stress.py --cancels 500 --sandbox bubblewrap

Each round starts a command that leaves background children behind (a ``nohup``
daemon and a plain ``&`` one, plus a ``setsid`` one in the sandbox, each carrying
a round token on its command line), and cancels it after a random delay between
0 and ``--max-delay-ms`` (0 in one round of ten: before the task ever runs; small
delays land inside the spawn). Afterwards every round's token is looked for in
/proc. Prints the survivors (must be 0; exit 1 otherwise), the rounds whose
command had already ended, and the time from cancel to the task ending.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from _common import machine
from sandbox_support import none_left
from zebench.config import Settings
from zebench.harness.isolation import sandbox_config
from zebench.sandbox import Sandbox, require_provider
from zebench.sandbox.process import run_process


def _command(token: str, sandboxed: bool) -> str:
    """A command leaving children behind. A ``setsid`` daemon leaves the process group,
    which only a PID namespace contains, so it is part of the sandboxed rounds only."""
    daemon = f"sh -c 'sleep 300; : {token}'"
    escaping = f"setsid {daemon} >/dev/null 2>&1 & " if sandboxed else ""
    return (
        f"{escaping}nohup {daemon} >/dev/null 2>&1 & {daemon} & echo started; sleep 300; : {token}"
    )


async def one_round(
    workspace: Path, box: Sandbox | None, delay_s: float, token: str
) -> tuple[float, bool]:
    """(ms from cancel to the task ending, whether the task had already finished)."""
    command = _command(token, box is not None)
    if box is None:
        job = run_process(command, cwd=workspace, timeout_s=60)
    else:
        job = box.exec(command, timeout_s=60)
    task = asyncio.ensure_future(job)
    if delay_s:
        await asyncio.sleep(delay_s)
    cancelled_at = time.perf_counter()
    task.cancel()
    try:
        await task
        finished = True
    except asyncio.CancelledError:
        finished = False
    return (time.perf_counter() - cancelled_at) * 1000, finished


async def stress(cancels: int, max_delay_ms: float, sandbox: str, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="zebench-cancel-") as home:
        workspace = Path(home) / "workspace"
        workspace.mkdir()
        box = None
        if sandbox != "none":
            config = sandbox_config(Settings(home=Path(home), sandbox={"backend": sandbox}))
            box = await require_provider(config).start(workspace, config)
        tokens, waits, finished = [], [], 0
        try:
            for _ in range(cancels):
                token = f"zbstress{uuid.uuid4().hex[:10]}"
                tokens.append(token)
                delay = rng.uniform(0, max_delay_ms) / 1000 if rng.random() > 0.1 else 0.0
                wait_ms, done = await one_round(workspace, box, delay, token)
                waits.append(wait_ms)
                finished += done
        finally:
            if box is not None:
                await box.cleanup()
    survivors = [t for t in tokens if not none_left(t, within_s=2.0)]
    print(
        f"{cancels} cancels ({sandbox}, delays 0..{max_delay_ms:g} ms, seed {seed}): "
        f"{len(survivors)} round(s) left processes behind; {finished} finished before "
        f"the cancel; cancel to end median {statistics.median(waits):.1f} ms, "
        f"max {max(waits):.1f} ms"
    )
    if survivors:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cancels", type=int, default=300)
    parser.add_argument("--max-delay-ms", type=float, default=30.0)
    parser.add_argument("--sandbox", default="none", help="none (host) or bubblewrap")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine())
    asyncio.run(stress(args.cancels, args.max_delay_ms, args.sandbox, args.seed))


if __name__ == "__main__":
    main()
