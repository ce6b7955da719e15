"""Load test of the JSON API over HTTP: gunicorn (2 workers) on 127.0.0.1 and wrk (or a
small threaded Python client when wrk is not installed), for throughput and latency."""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests import processes
from tests.bench.harness import Result


def gunicorn_env(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-" + "x" * 40),
        "DJANGO_DEBUG": "0",
        "WEB_CONCURRENCY": "2",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("PORT", None)
    return env


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, header: str, seconds: int, connections: int = 50) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    if "50" not in lat or "99" not in lat:
        raise RuntimeError("wrk gave no latency figures:\n" + out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return {
        "rps": rps,
        "p50": _ms(lat["50"]),
        "p99": _ms(lat["99"]),
        "errors": errors,
        "tool": "wrk",
    }


def run_python(
    host: str, port: int, path: str, header: str, seconds: int, connections: int = 50
) -> dict:
    latencies: list[float] = []
    errors = [0]
    stop_at = time.time() + seconds
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        while time.time() < stop_at:
            start = time.perf_counter()
            try:
                name, _, value = header.partition(": ")
                conn.request("GET", path, headers={name: value})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                conn = http.client.HTTPConnection(host, port, timeout=10)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / seconds,
        "p50": q[49],
        "p99": q[98],
        "errors": errors[0],
        "tool": "python",
    }


def load_test(database_url: str, token: str, cookie: str, seconds: int) -> list[Result]:
    """The JSON API (Bearer token) and two HTML pages (a session cookie) over HTTP."""
    bearer, session = f"Authorization: Bearer {token}", f"Cookie: sessionid={cookie}"
    results = []
    with (
        tempfile.TemporaryDirectory() as folder,
        processes.gunicorn(
            env=gunicorn_env(database_url), log=Path(folder) / "gunicorn.log"
        ) as port,
    ):
        for label, path, header, api in (
            ("API /me", "/api/v1/me", bearer, True),
            ("API transactions page, 1k user", "/api/v1/transactions", bearer, True),
            ("transactions page, 1k user", "/transactions/", session, False),
            ("dashboard, 1k user", "/", session, False),
        ):
            if shutil.which("wrk"):
                data = run_wrk(f"http://127.0.0.1:{port}{path}", header, seconds)
            else:
                data = run_python("127.0.0.1", port, path, header, seconds)
            notes = (
                f"p50 {data['p50']:.1f} ms, p99 {data['p99']:.1f} ms, {data['errors']} errors "
                f"({data['tool']}, 50 connections, {seconds}s)"
            )
            # The 500 req/s and p99 100 ms targets are the JSON API's (DESIGN.md).
            results.append(
                Result(
                    f"load: {label} throughput",
                    round(data["rps"], 1),
                    0.0,
                    "req/s",
                    500 if api else None,
                    direction="min",
                    notes=notes,
                    extra=data,
                )
            )
            results.append(
                Result(
                    f"load: {label} p99 latency",
                    round(data["p99"], 2),
                    0.0,
                    "ms",
                    100 if api else None,
                )
            )
            results.append(Result(f"load: {label} errors", data["errors"], 0.0, "count", 0))
    return results
