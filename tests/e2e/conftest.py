"""End-to-end: the installed `cutover` in a real terminal, under tmux on a private server.

Each test gets a tmux server of its own (`tmux -L <unique>`, no user config), so nothing of the
developer's tmux is read or touched, and teardown kills only that server. Works with no terminal
attached and TERM unset (CI): the pane's TERM is set here.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# The console script the venv installed, next to the Python running the tests.
CUTOVER = Path(sys.executable).parent / "cutover"
TIMEOUT = 20.0  # seconds to wait for expected text; generous for a loaded CI machine


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: runs the installed cutover in a real terminal (tmux)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


class Tmux:
    """One tmux server with one 80x24 window running one command. `term` is the TERM of the
    pane (tmux's default-terminal), e.g. xterm-16color for a 16-colour terminal."""

    def __init__(
        self, workdir: Path, width: int = 80, height: int = 24, term: str = "xterm-256color"
    ) -> None:
        self.socket = f"cutover-e2e-{os.getpid()}-{secrets.token_hex(4)}"
        self.workdir = workdir
        self.width, self.height = width, height
        self.term = term
        self.config = workdir / "tmux.conf"
        # remain-on-exit: the pane and its text stay after the command exits.
        self.config.write_text(
            "set -g remain-on-exit on\n"
            f"set -g default-terminal {term}\n"
            "set -g status off\n"
            "set -s escape-time 0\n"
            "set -g history-limit 5000\n"  # Escape then ? must stay two keys, not alt+?
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        self.env["TERM"] = "xterm-256color"  # the tmux client's own; CI may have none
        self.started = False
        self.socket_path = ""
        self.status_file = workdir / "exit-status"

    def tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if check and result.returncode != 0:
            pytest.fail(f"tmux {' '.join(args)} failed: {result.stderr.strip()}", pytrace=False)
        return result.stdout

    def start(
        self, argv: list[str], env: dict[str, str] | None = None, unset: Sequence[str] = ()
    ) -> None:
        """Run `argv` in the pane, with `env` added and the variables in `unset` removed; a
        shell around it writes its exit status to a file, since tmux can be slow to notice a
        pane's process ending (it stays a zombie until tmux reaps)."""
        # PYTHONFAULTHANDLER: a hung process can be asked for its threads' stacks (SIGABRT).
        base = {"TERM": self.term, "PYTHONFAULTHANDLER": "1"}
        assignments = [f"{k}={v}" for k, v in {**base, **(env or {})}.items()]
        removals = [arg for name in unset for arg in ("-u", name)]
        self.status_file.unlink(missing_ok=True)
        script = f'"$@"; echo $? > {shlex.quote(str(self.status_file))}'
        command = shlex.join(["sh", "-c", script, "sh", "env", *removals, *assignments, *argv])
        self.tmux(
            "new-session", "-d", "-x", str(self.width), "-y", str(self.height), "-c",
            str(self.workdir), command,
        )  # fmt: skip
        self.started = True
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "0", *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "0")

    def screen_with_escapes(self) -> str:
        """The screen with its attributes and colours, as SGR escape sequences (-e)."""
        return self.tmux("capture-pane", "-p", "-e", "-t", "0")

    def pane(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", "0", fmt).strip()

    def wait_for(self, *texts: str, timeout: float = TIMEOUT) -> str:
        """Poll the screen until every text shows on it; the screen. Fails with the last one."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            if time.monotonic() > deadline:
                missing = [text for text in texts if text not in screen]
                pytest.fail(
                    f"timed out after {timeout} s waiting for {missing!r}; the screen:\n{screen}",
                    pytrace=False,
                )
            time.sleep(0.05)

    def wait_quiet(self, quiet: float = 0.3, timeout: float = TIMEOUT) -> str:
        """Poll until the screen has not changed for `quiet` seconds (a step done filling in);
        the screen. Keys sent while a table is still being rebuilt can land on the old rows."""
        deadline = time.monotonic() + timeout
        last, since = self.screen(), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() > deadline:
                pytest.fail(f"the screen kept changing for {timeout} s:\n{last}", pytrace=False)
            time.sleep(0.05)
            screen = self.screen()
            if screen != last:
                last, since = screen, time.monotonic()
        return last

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        """Wait until the command has exited (its shell wrote the status); its exit status."""
        deadline = time.monotonic() + timeout
        while not (self.status_file.exists() and self.status_file.read_text().strip()):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the process did not exit within {timeout} s; where its threads were:\n"
                    + self._dump_threads(),
                    pytrace=False,
                )
            time.sleep(0.05)
        return int(self.status_file.read_text())

    def children(self) -> list[int]:
        """Processes still running under the pane's shell."""
        pane_pid = self.pane("#{pane_pid}")
        found = subprocess.run(["pgrep", "-P", pane_pid], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def _dump_threads(self) -> str:
        """SIGABRT to a hung process started with PYTHONFAULTHANDLER: its threads' stacks."""
        for pid in self.children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGABRT)
        deadline = time.monotonic() + 5
        while not self.status_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        history = self.tmux("capture-pane", "-p", "-t", "0", "-S", "-", check=False)
        return "\n".join(line for line in history.splitlines() if line.strip())

    def kill_server(self) -> None:
        if self.started:
            self.tmux("kill-server", check=False)
            # The server leaves its socket file behind; it is ours alone, so it goes too.
            if self.socket_path:
                Path(self.socket_path).unlink(missing_ok=True)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: run scripts/testenv.sh up (it installs it)")
    if not CUTOVER.exists():
        pytest.fail(f"{CUTOVER} is missing: pip install -e . in this venv (make venv)")
    session = Tmux(tmp_path)
    try:
        yield session
    finally:
        session.kill_server()


@pytest.fixture
def make_tmux(tmp_path: Path) -> Iterator[Callable[..., Tmux]]:
    """Tmux(...) with other sizes or another TERM; every server made is killed afterwards."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: run scripts/testenv.sh up (it installs it)")
    made: list[Tmux] = []

    def make(width: int = 80, height: int = 24, term: str = "xterm-256color") -> Tmux:
        workdir = tmp_path / f"tmux-{len(made)}"
        workdir.mkdir()
        made.append(Tmux(workdir, width, height, term))
        return made[-1]

    try:
        yield make
    finally:
        for session in made:
            session.kill_server()
