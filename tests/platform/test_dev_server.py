"""`make run`: honcho starts Procfile.dev, the web server and the worker together."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django_q.models import Success
from django_q.tasks import async_task

from tests.platform.conftest import (
    ROOT,
    clean_env,
    closed_port,
    processes_started_with,
    session_database_url,
)


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_development_procfile_serves_on_the_given_port_beside_a_worker(tmp_path: Path):
    port = closed_port()  # free now; `make run PORT=...` passes it the same way
    env = clean_env(
        tmp_path,
        DJANGO_DEBUG="1",
        SECRET_KEY=settings.SECRET_KEY,  # task packages are signed with it
        DATABASE_URL=session_database_url(),
        Q_WORKERS="1",
        Q_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "honcho.log"
    with log.open("w") as output:
        honcho = subprocess.Popen(
            # --env /dev/null: a developer's .env must not reach the test.
            [Path(sys.executable).parent / "honcho", "--env", "/dev/null", "-f", "Procfile.dev"]
            + ["start", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert honcho.poll() is None, f"honcho exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer on {port}:\n{log.read_text()}"
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200
        assert b'"database": "ok"' in body
        with pytest.raises(urllib.error.HTTPError):
            get(f"http://127.0.0.1:{port}/no-such-page-here/")

        task_id = async_task("config.tasks.heartbeat", sync=False, task_name="dev-server-test")
        while not Success.objects.filter(id=task_id).exists():
            assert honcho.poll() is None, f"honcho exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"task not done:\n{log.read_text()}"
            time.sleep(0.5)
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGINT)  # Ctrl-C
            try:
                honcho.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait(timeout=10)
    output = log.read_text()
    assert "worker.1" in output
    # Ctrl-C: the worker stops by itself, before honcho's SIGKILL 5 s later, leaving nothing.
    assert "has stopped." in output, output
    assert "worker.1 stopped (rc=0)" in output, output
    assert "SIGKILL" not in output, output
    assert processes_started_with(f"BILLFOLD_VAR_DIR={env['BILLFOLD_VAR_DIR']}") == []
    # Each log line once: Django's own console handler (DEBUG only) is not added to ours.
    assert output.count("Not Found: /no-such-page-here/") == 1, output
    assert output.count('"GET /no-such-page-here/ HTTP/1.1" 404') == 1, output
