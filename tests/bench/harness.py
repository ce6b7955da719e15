"""Timing, memory and reporting for the benchmark suite."""

import json
import os
import platform
import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"


@dataclass
class Result:
    name: str
    median: float
    spread: float  # p90 - p10 of the repeats (max - min when fewer than 10)
    unit: str
    target: float | None = None
    # "max": the measurement must be <= target (times); "min": >= target (throughput).
    direction: str = "max"
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.target:
            return None
        return round(self.median / self.target, 3)

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.median <= self.target if self.direction == "max" else self.median >= self.target

    def as_json(self) -> dict:
        data = asdict(self)
        data.update({"ratio": self.ratio, "pass": self.passed})
        return data


def measure(fn: Callable[[], object], *, repeat: int = 15, warmup: int = 2) -> list[float]:
    """Seconds of each call after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def summarize(times: list[float], scale: float = 1000.0) -> tuple[float, float]:
    """(median, spread) in the unit given by `scale` (1000 = milliseconds)."""
    values = sorted(t * scale for t in times)
    median = statistics.median(values)
    if len(values) >= 10:
        deciles = statistics.quantiles(values, n=10)
        spread = deciles[-1] - deciles[0]
    else:
        spread = values[-1] - values[0]
    return round(median, 3), round(spread, 3)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux's VmHWM belongs to the process's own memory map. ru_maxrss does not: after a
    fork (or vfork) and exec it keeps the parent's peak, so a small child started by a big
    benchmark process would report the parent's size.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # in kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {"cores": os.cpu_count(), "python": platform.python_version(), "postgres": postgres}


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def report(results: list[Result], *, path: Path = RESULTS) -> str:
    header = (
        f"{'work':<52} {'median':>10} {'spread':>9} {'unit':<6} {'target':>8} {'ratio':>6}  pass"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        target = "" if r.target is None else f"{'<=' if r.direction == 'max' else '>='}{r.target:g}"
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        verdict = {True: "PASS", False: "FAIL", None: "-"}[r.passed]
        lines.append(
            f"{r.name:<52} {r.median:>10.2f} {r.spread:>9.2f} {r.unit:<6} {target:>8} {ratio:>6}  {verdict}"
        )
        if r.notes:
            lines.append(f"    {r.notes}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"machine": machine(), "commit": commit(), "results": [r.as_json() for r in results]},
            indent=2,
        )
    )
    return "\n".join(lines)
