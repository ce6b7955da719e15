"""config/gunicorn.py, as `make serve`, the Dockerfile and the Procfile start it."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.platform.conftest import PRODUCTION_KEY, ROOT, clean_env, closed_port, manage

GUNICORN = Path(sys.executable).parent / "gunicorn"


def gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            [str(GUNICORN), "-c", "config/gunicorn.py"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.mark.slow
def test_it_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    server = gunicorn(clean_env(tmp_path, PORT=str(closed_port())), log)

    try:
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)

    assert server.returncode != 0
    assert "SECRET_KEY is empty and DEBUG is off" in log.read_text()


@pytest.mark.slow
def test_it_serves_the_app_on_port_with_web_concurrency_workers(tmp_path: Path) -> None:
    port = closed_port()
    env = clean_env(tmp_path, SECRET_KEY=PRODUCTION_KEY, PORT=str(port), WEB_CONCURRENCY="2")
    assert manage("migrate", "platform", "--noinput", env=env).returncode == 0
    log = tmp_path / "gunicorn.log"
    server = gunicorn(env, log)
    try:
        deadline, body = time.monotonic() + 60, None
        while body is None:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
                    body = json.loads(reply.read())
            except OSError:  # not listening yet, refused, or a worker still booting
                time.sleep(0.3)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    assert body == {"database": "ok", "worker_last_seen": None, "version": "0.1.0"}
    output = log.read_text()
    assert f"Listening at: http://0.0.0.0:{port}" in output
    assert output.count("Booting worker") == 2
    assert "GET /healthz" not in output  # access log off by default
