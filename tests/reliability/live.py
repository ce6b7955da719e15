"""A live server for the reliability tests: gunicorn with production settings on 127.0.0.1,
and a TCP proxy in front of PostgreSQL that a test can cut and restore."""

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings

from tests import processes
from tests.platform.conftest import clean_env, manage


@contextmanager
def gunicorn(tmp_path: Path, *, database_url: str, **env: str) -> Iterator[int]:
    """gunicorn (2 workers) on a free port of 127.0.0.1; yields the port."""
    environ = clean_env(
        tmp_path,
        SECRET_KEY=settings.SECRET_KEY,  # sessions made by the test are signed with it
        DATABASE_URL=database_url,
        WEB_CONCURRENCY="2",
        LOG_LEVEL="WARNING",
        **env,
    )
    # The pages need the hashed static files of production (not the API docs' or admin's).
    collected = manage(
        "collectstatic", "--noinput", "-v0", "-i", "drf_spectacular_sidecar", "-i", "admin",
        env=environ,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stderr
    with processes.gunicorn(env=environ, log=tmp_path / "gunicorn.log") as port:
        yield port


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database server. `cut()` drops every connection and
    refuses new ones, as a database that went away does; `restore()` lets them through again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.closing = False
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()  # the database is "down": the connection is refused at once
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        sockets = [a, b]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            for sock in sockets:
                sock.close()

    def cut(self) -> None:
        self.open = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.closing = True
        self.cut()
        self.listener.close()
