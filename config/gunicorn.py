"""gunicorn configuration: `gunicorn -c config/gunicorn.py` (make serve, Dockerfile, Procfile).

PORT (set by Docker, Heroku-style platforms) binds 0.0.0.0:PORT; without it 127.0.0.1:8000.
WEB_CONCURRENCY sets the worker processes (default 2), WEB_THREADS the threads of each
(default 1: plain sync workers; more runs gthread), GUNICORN_TIMEOUT the request
timeout in seconds (default 30), GUNICORN_MAX_REQUESTS how many requests a worker serves
before it is replaced (default 50,000; 0 never), GUNICORN_ACCESS_LOG=1 turns on the access log.
"""

import os
import sys


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"{name} must be a whole number, not {raw!r}.")


wsgi_app = "config.wsgi:application"
bind = f"0.0.0.0:{_int('PORT', 8000)}" if os.environ.get("PORT") else "127.0.0.1:8000"
workers = _int("WEB_CONCURRENCY", 2)
# Threads per worker (gthread): a request waiting on the database lets another one run.
threads = _int("WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound. Not too often: a
# replaced worker is away for a second, which at a few hundred requests a second shows in
# the slowest 1% of responses (measured by `make bench`).
max_requests = _int("GUNICORN_MAX_REQUESTS", 50_000)
max_requests_jitter = max_requests // 10
accesslog = (
    "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in {"1", "true", "yes"} else None
)
errorlog = "-"
# Heartbeat files in memory: a container's overlay filesystem can stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn 24+ opens a control socket in $HOME shared by every instance; we never use it.
control_socket_disable = True


def on_starting(server) -> None:
    """Refuse to start without a usable SECRET_KEY, before any worker is forked."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.checks import secret_key_problem

    problem = secret_key_problem()
    if problem:
        server.log.error(problem)
        sys.exit(1)


def post_worker_init(worker) -> None:
    """Move what the app loaded at start-up out of the garbage collector's way: it lives as
    long as the worker, and scanning it again and again made the slowest requests slower."""
    import gc

    gc.collect()
    gc.freeze()
