"""Screenshots of a page at desktop and phone widths, light and dark, for people to look at.

`shoot(page, "dashboard")` writes test-artifacts/screenshots/dashboard-1280-light.png (and
-1280-dark, -375-light, -375-dark), and on the way checks the page at phone width: no
horizontal overflow, accessibility basics. CI keeps the folder as an artifact; set
E2E_ARTIFACTS_DIR to write elsewhere. It leaves the page at 1280 px, light.
"""

import os
from pathlib import Path

from tests.e2e.checks import assert_accessible_basics, assert_no_horizontal_overflow

ARTIFACTS = Path(
    os.environ.get("E2E_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts")
)
SCREENSHOTS = ARTIFACTS / "screenshots"
WIDTHS = {1280: 800, 375: 812}
SCHEMES = ("light", "dark")
# Charts animate when drawn, and redraw when the colour scheme changes (its media query's
# change event comes with the next frame): two frames, then until no chart is moving.
CHARTS_SETTLED = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  while (window.Chart && Object.values(Chart.instances).some((c) => Chart.animator.running(c))) {
    await new Promise((done) => setTimeout(done, 50));
  }
}"""


def shoot(
    page, name: str, *, full_page: bool = True, accessible: bool = True, fits_phone: bool = True
) -> list[Path]:
    """`accessible=False` / `fits_phone=False` skip one check, for a page with a known,
    reported problem that has its own strict xfail test (which says when it is fixed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            if width < 600 and scheme == "light":
                if fits_phone:
                    assert_no_horizontal_overflow(page)
                if accessible:
                    assert_accessible_basics(page)
            if full_page:
                # A window as tall as the page (rather than Playwright's full_page stitching)
                # puts fixed parts, the sidebar and the phone tab bar, where a person sees them.
                tall = page.evaluate("document.documentElement.scrollHeight")
                page.set_viewport_size({"width": width, "height": max(tall, height)})
            page.evaluate(CHARTS_SETTLED)
            path = SCREENSHOTS / f"{name}-{width}-{scheme}.png"
            page.screenshot(path=str(path), animations="disabled")
            page.set_viewport_size({"width": width, "height": height})
            written.append(path)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")
    return written
