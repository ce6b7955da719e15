"""What the app's logging prints: each line once, in the chosen format, with DEBUG on or off."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.platform.conftest import PRODUCTION_KEY, ROOT, clean_env

LOG_A_LINE = (
    "import django, logging; django.setup(); "
    "logging.getLogger('django.request').warning('Not Found: /probe-page/'); "
    "logging.getLogger('django.server').info('\"GET /probe-page/ HTTP/1.1\" 404 12'); "
    "logging.getLogger('ledger').info('an app line')"
)


def log_output(tmp_path: Path, **env: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", LOG_A_LINE],
        cwd=ROOT,
        env=clean_env(tmp_path, SECRET_KEY=PRODUCTION_KEY, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return (result.stdout + result.stderr).splitlines()


@pytest.mark.parametrize("debug", ["1", "0"])
def test_a_django_log_line_is_printed_once_with_debug_on_or_off(tmp_path: Path, debug) -> None:
    lines = log_output(tmp_path, DJANGO_DEBUG=debug)

    probes = [line for line in lines if "Not Found: /probe-page/" in line]
    assert len(probes) == 1, lines
    assert " WARNING django.request [-] Not Found: /probe-page/" in probes[0]
    assert len([line for line in lines if '"GET /probe-page/ HTTP/1.1" 404' in line]) == 1
    assert [line for line in lines if "an app line" in line] != []


@pytest.mark.parametrize("debug", ["1", "0"])
def test_with_json_logs_every_line_is_one_json_object(tmp_path: Path, debug) -> None:
    lines = log_output(tmp_path, DJANGO_DEBUG=debug, LOG_FORMAT="json")

    entries = [json.loads(line) for line in lines]
    assert [(e["logger"], e["level"], e["message"]) for e in entries] == [
        ("django.request", "WARNING", "Not Found: /probe-page/"),
        ("django.server", "INFO", '"GET /probe-page/ HTTP/1.1" 404 12'),
        ("ledger", "INFO", "an app line"),
    ]
