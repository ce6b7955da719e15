"""Static files: collectstatic with the production storage (hashed names, whitenoise) works."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHART_JS = ROOT / "static" / "vendor" / "chart.js"


@pytest.mark.slow
def test_collectstatic_succeeds_with_hashed_names(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "collectstatic-test",
        "BILLFOLD_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    hashed = {p.name for p in (tmp_path / "staticfiles" / "css").iterdir()}
    assert any(
        name.startswith("app.") and name.endswith(".css") and name != "app.css" for name in hashed
    )
    assert (tmp_path / "staticfiles" / "vendor" / "chart.js" / "chart.umd.min.js.gz").exists()


def test_chart_js_is_vendored_with_its_licence_and_source_map() -> None:
    script = (CHART_JS / "chart.umd.min.js").read_text()

    assert "Chart.js v4." in script[:200]
    assert (CHART_JS / "LICENSE.md").exists()
    assert (CHART_JS / "chart.umd.min.js.map").exists(), "the manifest storage follows the map"
    assert "sha256" in (CHART_JS / "README").read_text()
