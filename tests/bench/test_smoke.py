"""Every benchmark runs on a tiny data set in CI, so the suite cannot rot. No timings are
asserted here: speed is judged by `make bench` on the full data set, never by tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.postgres
def test_every_benchmark_runs_on_a_tiny_data_set(tmp_path):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    results = tmp_path / "results.json"
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench",
            "--tiny",
            "--drop",
            "--repeat",
            "2",
            "--load-seconds",
            "1",
            "--results",
            str(results),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads(results.read_text())
    names = " ".join(r["name"] for r in data["results"])
    for expected in (
        "transactions page",
        "API bulk create",
        "dashboard",
        "bank sync",
        "rules:",
        "classifier:",
        "import 1,000-row CSV",
        "budgets page",
        "report: a year by category",
        "load: transactions page",
        "load: API /me",
    ):
        assert expected in names
    assert data["machine"]["postgres"] and data["machine"]["cores"]
    assert all(r["median"] >= 0 for r in data["results"])


def test_it_refuses_to_run_on_sqlite():
    env = {**os.environ, "DATABASE_URL": "sqlite:///var/x.sqlite3"}
    run = subprocess.run(
        [sys.executable, "-m", "tests.bench", "--tiny"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "PostgreSQL only" in run.stderr
