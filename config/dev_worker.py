"""`make run`'s worker (Procfile.dev): `manage.py qcluster` that stops cleanly on Ctrl-C.

honcho stops a process by sending SIGTERM to its whole process group. django-q2's cluster
wants the signal in its main process only: that one tells its sentinel to stop the workers
and exits within a second. The sentinel and the workers that get SIGTERM themselves die at
once instead, and the main process then waits for them until honcho kills everything 5 s
later. So the cluster runs in a process group of its own, and this process passes SIGTERM
and SIGINT on to the cluster's main process and exits with it.

Production runs `manage.py qcluster` directly (Procfile, Docker): its supervisor signals the
main process only.
"""

import contextlib
import ctypes
import signal
import subprocess
import sys
from pathlib import Path

MANAGE = Path(__file__).resolve().parent.parent / "manage.py"
PR_SET_PDEATHSIG = 1


def _stop_with_this_process() -> None:
    """In the cluster, before it starts: SIGTERM when this process dies, even by SIGKILL, so
    no cluster outlives `make run`. Linux only; elsewhere there is no such safety net."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def main(args: list[str]) -> int:
    cluster = subprocess.Popen(
        [sys.executable, str(MANAGE), "qcluster", *args],
        start_new_session=True,
        preexec_fn=_stop_with_this_process,  # safe: this process runs no threads
    )

    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            cluster.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = cluster.wait()
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
