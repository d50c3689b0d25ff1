"""Hostile commands against the real bubblewrap sandbox, through each route a run's
commands take. Each must fail inside the run and leave nothing on the host."""

from __future__ import annotations

import hashlib
import re
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox_support import (
    ROUTES,
    SECRET,
    FakeMachine,
    fake_machine,
    have,
    needs_bwrap,
    none_left,
    snapshot,
)
from zebench.sandbox import Limits, Network, Sandbox, require_provider

pytestmark = needs_bwrap


@pytest.fixture
def machine(tmp_path: Path) -> FakeMachine:
    return fake_machine(tmp_path)


async def _start(machine: FakeMachine, network: Network = "none", **limits: int) -> Sandbox:
    config = machine.config(network, Limits(**limits) if limits else None)
    return await require_provider(config).start(machine.workspace, config)


@pytest.fixture
async def sandbox(machine: FakeMachine) -> AsyncIterator[Sandbox]:
    box = await _start(machine)
    yield box
    await box.cleanup()


@pytest.fixture(params=sorted(ROUTES))
def route(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _writes(outside: Path, mark: str) -> list[str]:
    return [
        f"echo x > {outside}/{mark}",  # absolute
        f"touch /{mark}; touch /etc/{mark}; touch /var/tmp/{mark}; touch /tmp/{mark}",
        f"cd / && touch {mark}; cd $HOME && touch {mark}",  # cd
        f"ln -s {outside} out && echo x > out/{mark}",  # symlink planted in the workspace
        f"echo x > ../{mark}; echo x > ../../{mark}; mkdir -p ../other-run && "
        f"echo x > ../other-run/{mark}",  # ..
    ]


async def test_writes_outside_the_workspace_fail_and_leave_nothing(
    machine: FakeMachine, sandbox: Sandbox, route: str
) -> None:
    outside = machine.root / "outside"
    outside.mkdir()
    state = machine.workspace.with_name(machine.workspace.name + ".sandbox")
    before = snapshot(machine.root, machine.workspace, state)
    mark = f"zb-escape-{uuid.uuid4().hex[:8]}"
    for command in _writes(outside, mark):
        await ROUTES[route](sandbox, command, 30)
    await sandbox.cleanup()  # the run's private /tmp goes with it
    assert not state.exists()
    assert snapshot(machine.root, machine.workspace) == before
    for place in (Path("/"), Path("/etc"), Path("/var/tmp"), Path("/tmp"), Path.home()):
        assert not (place / mark).exists(), place


async def test_a_secret_in_the_home_cannot_be_read(
    machine: FakeMachine, sandbox: Sandbox, route: str
) -> None:
    seen = await ROUTES[route](
        sandbox, f"cat {machine.home}/secret.txt; cat {machine.home}/secret.txt > stolen", 30
    )
    assert SECRET not in seen
    stolen = machine.workspace / "stolen"
    assert not stolen.exists() or SECRET not in stolen.read_text()


async def test_other_runs_and_the_database_are_invisible_and_untouchable(
    machine: FakeMachine, sandbox: Sandbox, route: str
) -> None:
    digest = hashlib.sha256(machine.database.read_bytes()).hexdigest()
    seen = await ROUTES[route](
        sandbox,
        f"cat {machine.other_workspace}/answer.txt; ls {machine.workspaces}; "
        f"echo corrupt >> {machine.database}; cat {machine.database} | head -c 16",
        30,
    )
    assert "another run's work" not in seen
    assert not re.search(r"^other-run$", seen, re.MULTILINE)  # not listed by ls
    assert "SQLite format" not in seen
    assert hashlib.sha256(machine.database.read_bytes()).hexdigest() == digest


async def test_daemons_die_with_the_command(sandbox: Sandbox, route: str) -> None:
    token = f"zbdaemon{uuid.uuid4().hex[:8]}"

    # Each daemon is a shell waiting on sleep, its command line carrying the token so
    # the host can look for it in /proc; each writes a pid file once it runs.
    def daemon(name: str) -> str:
        return f"sh -c 'echo $$ > {name}.pid; sleep 300; : {token}'"

    command = (
        f"setsid {daemon('setsid')} >/dev/null 2>&1 & "
        f"nohup {daemon('nohup')} >/dev/null 2>&1 & "
        f"({daemon('double')} >/dev/null 2>&1 &) ; "
        "while [ ! -s setsid.pid ] || [ ! -s nohup.pid ] || [ ! -s double.pid ]; do :; done; "
        "echo started"
    )
    seen = await ROUTES[route](sandbox, command, 30)
    assert "started" in seen  # all three daemons were running when the command ended
    assert none_left(token)


async def test_a_fork_storm_is_held_by_the_process_limit(machine: FakeMachine, route: str) -> None:
    box = await _start(machine, processes=40)
    try:
        token = f"zbfork{uuid.uuid4().hex[:8]}"
        seen = await ROUTES[route](
            box,
            f"for i in $(seq 200); do sh -c 'sleep 300; : {token}' & done; echo spawned",
            60,
        )
    finally:
        await box.cleanup()
    assert "Resource temporarily unavailable" in seen or "Cannot fork" in seen
    assert none_left(token)


async def test_a_memory_hog_is_stopped_by_the_memory_limit(
    machine: FakeMachine, route: str
) -> None:
    box = await _start(machine, memory_mb=256)
    try:
        seen = await ROUTES[route](
            box, f"{sys.executable} -c 'b = bytearray(1024**3); print(\"allocated\")'", 60
        )
    finally:
        await box.cleanup()
    assert "allocated" not in seen
    assert "MemoryError" in seen or "Killed" in seen or "137" in seen


async def test_a_file_bigger_than_the_limit_cannot_be_written(
    machine: FakeMachine, route: str
) -> None:
    box = await _start(machine, file_size_mb=1)
    try:
        seen = await ROUTES[route](box, "head -c 5000000 /dev/zero > big; echo rc=$?", 30)
    finally:
        await box.cleanup()
    assert "rc=0" not in seen
    assert (machine.workspace / "big").stat().st_size <= 1024 * 1024


@pytest.mark.parametrize("network", ["none", "on"])
async def test_a_loopback_service_of_the_host_cannot_be_reached(
    machine: FakeMachine, route: str, network: Network
) -> None:
    if network == "on" and not have("slirp4netns"):
        pytest.skip("slirp4netns is not installed")
    box = await _start(machine, network)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        probe = (
            f'{sys.executable} -c "import socket\n'
            f"for host in ('127.0.0.1', '10.0.2.2'):\n"
            f"    try:\n"
            f"        socket.create_connection((host, {port}), timeout=3); print('reached', host)\n"
            f"    except OSError as exc:\n"
            f"        print('refused', host, exc)\""
        )
        try:
            seen = await ROUTES[route](box, probe, 30)
        finally:
            await box.cleanup()
        assert "reached" not in seen and "refused 127.0.0.1" in seen
        with pytest.raises(BlockingIOError):
            listener.accept()
