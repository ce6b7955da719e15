"""The benchmark database: its own PostgreSQL database beside the one in DATABASE_URL,
named after the data scale and the migration state, built once and reused while the schema
is unchanged. It never touches the database DATABASE_URL names."""

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "billfold_bench_"


class BenchRefused(SystemExit):
    pass


def schema_key() -> str:
    """A hash of every migration file: a new migration means a new benchmark database."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise BenchRefused(
            "make bench runs on PostgreSQL only: set DATABASE_URL=postgres://USER@HOST:PORT/DB "
            "(the benchmark makes its own database beside that one). SQLite cannot say "
            "anything about production performance, and the data set is loaded with COPY."
        )
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _conninfo(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def prepare(scale_name: str, *, rebuild: bool = False) -> tuple[str, bool]:
    """(URL of the benchmark database, whether it must be filled). Drops stale ones."""
    url = server_url()
    name = f"{PREFIX}{scale_name}_{schema_key()}"
    maintenance = _conninfo(with_database(url, "postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        existing = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (PREFIX + scale_name + "_%",),
            )
        ]
        for stale in existing:
            if stale != name or rebuild:
                conn.execute(f'DROP DATABASE "{stale}" WITH (FORCE)')
        if name in existing and not rebuild and _complete(with_database(url, name)):
            return with_database(url, name), False
        if name in existing and not rebuild:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(url, name), True


def _complete(url: str) -> bool:
    try:
        with psycopg.connect(_conninfo(url)) as conn:
            row = conn.execute("SELECT value FROM bench_meta WHERE key = 'complete'").fetchone()
            return bool(row and row[0] == "yes")
    except psycopg.Error:
        return False


def mark_complete(url: str, info: dict) -> None:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        for key, value in {**info, "complete": "yes"}.items():
            conn.execute(
                "INSERT INTO bench_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )


def drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_conninfo(with_database(url, "postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
