"""A real django-q2 worker (`manage.py qcluster`) for the journeys whose work is done in the
background: bank syncs, large imports, budget alerts.

Elsewhere the suite runs tasks inline. With the `worker` fixture the live server queues them
through the ORM broker instead, and a qcluster process on the test database (PostgreSQL in
CI) picks them up, exactly as `make run` does. What the two processes must see alike is
moved to a folder both use: the "shared" cache (sync progress, change stamps) and the
uploaded statements (MEDIA_ROOT).
"""

import inspect
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests import processes
from tests.platform.conftest import clean_env, session_database_url

START_TIMEOUT = 30
DRAIN_TIMEOUT = 60
PROCESSED = re.compile(r"Processed '([\w.]+)'")
FINISHED = re.compile(r"(?:Processed|Failed) '[\w.]+'")


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    tasks_before: int = 0  # task results saved before it started (tasks run inline)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def processed(self) -> list[str]:
        """The tasks (dotted paths) this worker process has finished, in order. What the
        page shows can be written before the task ends: wait_until_idle() first."""
        return PROCESSED.findall(self.output())

    def wait_until_idle(self, timeout: float = DRAIN_TIMEOUT) -> None:
        """Until nothing is queued or running, and the log has a line for every task done.

        A chain queues its next task before the one before it is acknowledged, so an empty
        queue means the chain is done; a task's row is saved before its log line is written.
        """
        from django_q.models import OrmQ, Task

        processes.wait_until(
            lambda: (
                not OrmQ.objects.exists()
                and len(FINISHED.findall(self.output())) >= Task.objects.count() - self.tasks_before
            ),
            process=self.process,
            log=self.log,
            what="an empty queue",
            timeout=timeout,
        )


def use_shared_folder(settings, var_dir: Path) -> None:
    """Point this process's "shared" cache and uploads where the worker keeps them: the
    embedded setup's own choices (config/settings.py), in a folder of this test."""
    (var_dir / "cache").mkdir(parents=True, exist_ok=True)
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(var_dir / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
    }
    settings.MEDIA_ROOT = str(var_dir / "media")


def start(var_dir: Path, log: Path) -> Worker:
    """Start `manage.py qcluster` on the test database and wait until it is running."""
    from django_q.models import Task

    before = Task.objects.count()
    env = clean_env(
        var_dir.parent,
        SECRET_KEY=settings.SECRET_KEY,  # task packages are signed with it
        DATABASE_URL=session_database_url(),
        BILLFOLD_VAR_DIR=str(var_dir),
        Q_BROKER="orm",
        Q_WORKERS="1",
        Q_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    worker = Worker(process=processes.qcluster(env=env, log=log), log=log, tasks_before=before)
    try:
        processes.wait_until(
            lambda: "running." in worker.output(),
            process=worker.process,
            log=log,
            what="a running worker",
            timeout=START_TIMEOUT,
            interval=0.1,
        )
    except AssertionError:
        processes.stop(worker.process)
        raise
    return worker


def queued_not_inline(monkeypatch) -> None:
    """What Q_SYNC=0 means for this process: tasks go to the broker, none runs inline.

    Q_CLUSTER is read once, when django-q2 is imported (the test settings say sync), so the
    library's settled values are changed: Conf.SYNC, and async_chain's default argument.
    """
    from django_q import tasks
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    defaults = tuple(
        False if parameter.name == "sync" else parameter.default
        for parameter in inspect.signature(tasks.async_chain).parameters.values()
        if parameter.default is not inspect.Parameter.empty
    )
    monkeypatch.setattr(tasks.async_chain, "__defaults__", defaults)
