"""The project's own servers started for a test or a benchmark (gunicorn, a django-q2 worker),
each in a session of its own with its output in a log file, and stopped so that nothing of
it is left behind."""

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.platform.conftest import ROOT, closed_port

GUNICORN = Path(sys.executable).parent / "gunicorn"


def start(argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`argv` run from the project's folder, in a session of its own, its output added to `log`."""
    with log.open("a") as output:
        return subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until(
    condition: Callable[[], bool],
    *,
    process: subprocess.Popen,
    log: Path,
    what: str,
    timeout: float = 60,
    interval: float = 0.2,
) -> None:
    """Until `condition()` holds; fails with the end of the log if the process exits first or
    `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            why = "it exited" if process.poll() is not None else f"{timeout:.0f} s passed"
            end = log.read_text(errors="replace")[-4000:]
            raise AssertionError(f"{why} before {what}:\n{end}")
        time.sleep(interval)


def answers(port: int, path: str = "/healthz") -> bool:
    """Whether 127.0.0.1:`port` answers GET `path` with a 200 (not while it is still starting)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:  # not listening yet
        return False
    finally:
        conn.close()


def stop(process: subprocess.Popen) -> int:
    """SIGTERM to the main process only, which stops the processes it forked and exits;
    whatever is left of its session after that is killed. Returns the exit code.

    Not to the whole process group: qcluster's sentinel and workers would each die of the
    signal on their own, and the main process then waits for them until killed (~20 s)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)
    return process.returncode


# Asks for SIGTERM when pytest dies (so no orphan worker holds the test database), then
# becomes `manage.py qcluster`. Done after the fork in a fresh interpreter: a preexec_fn is
# not safe in a process with threads, as a test's often is (a live server, Playwright).
DIE_WITH_PARENT = """
import contextlib, ctypes, os, signal, sys
with contextlib.suppress(OSError, AttributeError):  # not Linux: no safety net
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
os.execv(sys.executable, [sys.executable, "manage.py", *sys.argv[1:]])
"""


def qcluster(*, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`manage.py qcluster`, which gets SIGTERM if the process that started it dies."""
    return start([sys.executable, "-c", DIE_WITH_PARENT, "qcluster"], env=env, log=log)


@contextmanager
def gunicorn(*, env: dict[str, str], log: Path) -> Iterator[int]:
    """gunicorn with config/gunicorn.py on a free port of 127.0.0.1, once /healthz answers;
    yields the port."""
    port = closed_port()
    process = start(
        [str(GUNICORN), "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}"],
        env=env,
        log=log,
    )
    try:
        wait_until(lambda: answers(port), process=process, log=log, what="answer on /healthz")
        yield port
    finally:
        stop(process)
