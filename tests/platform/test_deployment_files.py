"""Docker, compose, Procfile, .env.example, CI script and the web app manifest agree with the settings."""

import json
import re
import struct
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.platform.conftest import ROOT

SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()
GUNICORN_SOURCE = (ROOT / "config" / "gunicorn.py").read_text()


def settings_variables() -> set[str]:
    """Every variable config/settings.py reads: env.<type>("NAME", ...)."""
    return set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", SETTINGS_SOURCE))


def gunicorn_variables() -> set[str]:
    return set(re.findall(r"\"([A-Z][A-Z0-9_]*)\"", GUNICORN_SOURCE)) - {"DJANGO_SETTINGS_MODULE"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_settings_read_the_variables_this_test_looks_for() -> None:
    found = settings_variables()

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "Q_BROKER", "ALLOWED_HOSTS"} <= found
    assert {"PORT", "WEB_CONCURRENCY"} <= gunicorn_variables()


def test_web_and_worker_run_one_image(compose: dict) -> None:
    web, worker = compose["services"]["web"], compose["services"]["worker"]

    assert web["image"] == worker["image"]
    assert web["build"] == worker["build"] == "."
    assert web["command"][:1] == ["gunicorn"]
    assert worker["command"] == ["python", "manage.py", "qcluster"]


def test_compose_passes_only_variables_the_app_reads(compose: dict) -> None:
    known = settings_variables() | gunicorn_variables()
    for name in ("web", "worker"):
        environment = compose["services"][name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name} sets variables the app never reads: {sorted(unknown)}"


def test_web_and_worker_share_database_queue_and_key(compose: dict) -> None:
    web = compose["services"]["web"]["environment"]
    worker = compose["services"]["worker"]["environment"]

    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "Q_BROKER"):
        assert web[name] == worker[name], name
    assert web["Q_BROKER"] == "redis"
    assert web["DATABASE_URL"].startswith("postgres://")
    assert web["REDIS_URL"].startswith("redis://redis:")


def test_every_service_has_a_health_check(compose: dict) -> None:
    services = compose["services"]

    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["db"]["image"] == "postgres:16"
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_database_keeps_its_data_in_a_named_volume(compose: dict) -> None:
    volumes = compose["services"]["db"]["volumes"]

    assert "pgdata:/var/lib/postgresql/data" in volumes
    assert "pgdata" in compose["volumes"]


def test_env_example_lists_every_variable_the_app_reads() -> None:
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))

    missing = (settings_variables() | gunicorn_variables()) - listed
    assert not missing, f"add these to .env.example: {sorted(missing)}"


def test_the_dockerfile_builds_a_non_root_gunicorn_image() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert re.search(r"^USER billfold$", dockerfile, re.M)
    assert "collectstatic" in dockerfile
    assert "pip install ." in dockerfile
    assert 'CMD ["gunicorn", "-c", "config/gunicorn.py"]' in dockerfile
    entrypoint = (ROOT / "config" / "docker-entrypoint.sh").read_text()
    assert "manage.py migrate --noinput" in entrypoint
    assert "manage.py billfold_setup" in entrypoint
    assert 'exec "$@"' in entrypoint


def test_the_procfile_migrates_on_release() -> None:
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )

    assert "migrate" in procfile["release"] and "billfold_setup" in procfile["release"]
    assert procfile["web"] == "gunicorn -c config/gunicorn.py"
    assert procfile["worker"] == "python manage.py qcluster"


def test_the_ci_script_is_valid_bash_that_stops_on_errors() -> None:
    script = ROOT / ".ci" / "run"

    assert script.stat().st_mode & 0o111
    assert "set -euo pipefail" in script.read_text()
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_web_app_manifest_points_at_icons_that_exist() -> None:
    static = ROOT / "static"
    manifest = json.loads((static / "manifest.webmanifest").read_text())

    assert manifest["name"] == "Billfold"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        path = static / icon["src"]
        assert path.is_file(), icon["src"]
        if icon["type"] == "image/png":
            width, height = png_size(path)
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
    assert {192, 512} <= sizes
    assert "<svg" in (static / "icons" / "icon.svg").read_text()


def test_the_manifest_is_served_with_its_media_type(client, db) -> None:
    response = client.get("/static/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
