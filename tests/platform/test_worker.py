import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_q.models import Schedule, Success
from django_q.tasks import async_task

from config.models import Heartbeat
from config.schedules import SCHEDULES, Periodic, ensure_schedules
from tests.platform.conftest import ROOT, clean_env, processes_started_with, session_database_url


def stop(process: subprocess.Popen) -> int:
    """SIGTERM to the cluster's main process only, which stops the processes it forked and
    exits; whatever is left of its session after that is killed. Returns the exit code.

    Not to the whole process group: the sentinel and the workers would each die of the
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


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_task_queued_through_the_database(tmp_path: Path) -> None:
    env = clean_env(
        tmp_path,
        SECRET_KEY=settings.SECRET_KEY,  # task packages are signed with it
        DATABASE_URL=session_database_url(),
        Q_BROKER="orm",
        Q_WORKERS="1",
        Q_LOG_LEVEL="INFO",
    )
    log = tmp_path / "qcluster.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        task_id = async_task("config.tasks.heartbeat", sync=False, task_name="platform-test")

        deadline = time.monotonic() + 60
        while not Success.objects.filter(id=task_id).exists():
            assert worker.poll() is None, f"qcluster exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"task not done in 60 s:\n{log.read_text()}"
            time.sleep(0.5)
    finally:
        exit_code = stop(worker)

    assert exit_code == 0, f"qcluster did not stop by itself on SIGTERM:\n{log.read_text()}"
    assert "has stopped." in log.read_text()
    assert processes_started_with(f"BILLFOLD_VAR_DIR={env['BILLFOLD_VAR_DIR']}") == []
    done = Success.objects.get(id=task_id)
    assert done.func == "config.tasks.heartbeat"
    assert done.result == Heartbeat.objects.get().seen_at.isoformat()


def test_setup_creates_every_declared_schedule_once(db) -> None:
    first = ensure_schedules()
    second = ensure_schedules()

    assert first.created == [periodic.name for periodic in SCHEDULES]
    assert (second.created, second.updated, second.removed) == ([], [], [])
    assert Schedule.objects.filter(name__startswith="billfold:").count() == len(SCHEDULES)


def test_the_heartbeat_runs_every_minute_without_filling_the_task_list(db) -> None:
    ensure_schedules()

    schedule = Schedule.objects.get(name="billfold:heartbeat")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "config.tasks.heartbeat",
        Schedule.MINUTES,
        1,
    )
    assert schedule.repeats == -1
    assert schedule.kwargs == "{'q_options': {'save': False}}"


def test_a_changed_schedule_is_updated_and_a_retired_one_removed(db) -> None:
    old = Periodic(name="billfold:old", func="config.tasks.heartbeat", schedule_type="D")
    ensure_schedules(schedules=[old])
    schedule_id = Schedule.objects.get(name="billfold:old").pk
    Schedule.objects.create(name="someone-elses", func="config.tasks.heartbeat")

    changed = Periodic(
        name="billfold:old", func="config.tasks.heartbeat", schedule_type="C", cron="0 6 * * *"
    )
    result = ensure_schedules(schedules=[changed])
    assert result.updated == ["billfold:old"]
    assert Schedule.objects.get(pk=schedule_id).cron == "0 6 * * *"

    result = ensure_schedules(schedules=[])
    assert result.removed == ["billfold:old"]
    assert list(Schedule.objects.values_list("name", flat=True)) == ["someone-elses"]


def test_schedule_names_are_checked(db) -> None:
    with pytest.raises(ValueError, match="must start with 'billfold:'"):
        ensure_schedules(schedules=[Periodic(name="nightly", func="x.y", schedule_type="D")])


def test_the_setup_command_says_what_it_did(db, capsys) -> None:
    call_command("billfold_setup")
    call_command("billfold_setup")

    first, second = capsys.readouterr().out.strip().splitlines()
    assert "created billfold:heartbeat" in first
    assert second == "Schedules: up to date."
