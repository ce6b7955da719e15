"""`make bench`: build (once) a 1M-transaction PostgreSQL database and measure the hot paths.

    python -m tests.bench [--quick] [--only pages,dashboard,...] [--rebuild] [--drop]

Results print as a table and go to bench/results.json. See the README's "Benchmarks".
"""

import argparse
import os
import sys
import time
from pathlib import Path

from tests.bench import db

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x less data, for a fast look")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # CI smoke test
    parser.add_argument("--only", default="", help="comma-separated benchmarks to run")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data set")
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database after")
    parser.add_argument("--repeat", type=int, default=0, help="timed repeats per benchmark")
    parser.add_argument("--load-seconds", type=int, default=0, help="seconds per load test")
    parser.add_argument("--results", default="", help="where to write the JSON results")
    args = parser.parse_args(argv)

    try:
        url, fresh = _prepare(args)
    except db.BenchRefused as refused:
        print(refused, file=sys.stderr)
        return 2

    import django
    from django.core.management import call_command

    django.setup()
    from tests.bench import cases, data
    from tests.bench.harness import Result, peak_rss_mb, report

    scale = data.TINY if args.tiny else data.QUICK if args.quick else data.FULL
    call_command("collectstatic", "--noinput", verbosity=0)
    if fresh:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        info = data.generate(scale)
        print(
            f"Loaded {info['transactions']:,} transactions for {info['users']:,} users "
            f"with COPY in {time.perf_counter() - started:.1f} s."
        )
        db.mark_complete(url, info)
    else:
        print(f"Reusing the benchmark database ({scale.name}, schema unchanged).")

    ctx = cases.Context(
        scale=scale,
        repeat=args.repeat or (3 if args.tiny else 15),
        load_seconds=args.load_seconds or (2 if args.tiny else 10 if args.quick else 20),
    )
    wanted = [n for n in args.only.split(",") if n] or [*cases.CASES, "load"]
    results: list[Result] = []
    for name in wanted:
        print(f"… {name}", flush=True)
        if name == "load":
            from django.test import Client

            from accounts.models import User
            from accounts.tokens import api_token_create
            from tests.bench.load import load_test

            small = User.objects.get(pk=data.SMALL_USER)
            _, token = api_token_create(user=small, name="bench")
            browser = Client()
            browser.force_login(small)
            cookie = browser.cookies["sessionid"].value
            results.extend(load_test(url, token, cookie, ctx.load_seconds))
        else:
            try:
                results.extend(cases.CASES[name](ctx))
            except Exception as exc:  # one broken benchmark must not hide the others' figures
                results.append(Result(f"{name}: FAILED", 0.0, 0.0, "-", notes=repr(exc)[:500]))
    results.append(Result("peak memory of the benchmark process", peak_rss_mb(), 0.0, "MB"))
    print()
    path = Path(args.results) if args.results else ROOT / "bench" / "results.json"
    print(report(results, path=path))
    print(f"\nWritten to {os.path.relpath(path)}")
    if args.drop:
        db.drop(url)
    failed = [r for r in results if r.passed is False]
    return 1 if failed and not args.tiny else 0


def _prepare(args) -> tuple[str, bool]:
    from tests.bench.data import FULL, QUICK, TINY

    scale = TINY if args.tiny else QUICK if args.quick else FULL
    # The CI smoke run gets a database of its own, so two runs never share (or drop) one.
    name = f"tiny{os.getpid()}" if args.tiny else scale.name
    url, fresh = db.prepare(name, rebuild=args.rebuild)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["BILLFOLD_VAR_DIR"] = str(ROOT / "var" / "bench")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return url, fresh


if __name__ == "__main__":
    sys.exit(main())
