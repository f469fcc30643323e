"""Real SPARQL servers for tests: Oxigraph (always) and Virtuoso (when installed).

Every server listens on 127.0.0.1 only, on a free port, with its data in a
temporary folder, and is stopped (terminate, then kill) when its fixture ends.

Use them from a test module with::

    from servers import oxigraph_server, oxigraph_factory, virtuoso_server  # noqa: F401

``oxigraph_server`` is one server for the session (tests share it: load into
graphs of their own or compare against what they loaded); ``oxigraph_factory``
starts fresh servers for one test (``start()``, ``start(location)`` to reopen a
store) and stops them after it; the returned :class:`Server` has ``kill()``
and ``restart()`` for fault tests. ``virtuoso_server`` is skipped with the
reason when ``virtuoso-t`` is not installed (Debian:
``apt-get install -y --no-install-recommends virtuoso-opensource-7-bin``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kg import serve
from kg.errors import StoreError

HOST = "127.0.0.1"
free_port = serve.free_port  # a TCP port on 127.0.0.1 nobody listens on right now


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command (see :func:`kg.serve.oxigraph_binary`), or None to skip."""
    try:
        return serve.oxigraph_binary()
    except StoreError:
        return None


class Server:
    """A server process started by a test; ``url`` is ``http://127.0.0.1:PORT``."""

    name = "server"

    def __init__(self, location: Path, port: int | None = None) -> None:
        self.location = Path(location)
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.location.parent / f"{self.location.name}.{self.name}.log"

    # subclasses say how to run the server and where it answers queries
    def command(self) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def query_url(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def start(self, wait: float = 60.0) -> Server:
        """Start the process and return once it answers a query (or raise with its log)."""
        if self.process is not None and self.process.poll() is None:
            return self
        self.location.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.location
            )
        finally:
            log.close()
        deadline = time.monotonic() + wait
        probe = self.query_url + "?query=" + urllib.request.quote("ASK {}")
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} stopped at once (exit {self.process.returncode}): {self.log()}"
                )
            try:
                with urllib.request.urlopen(probe, timeout=2) as r:
                    if r.status == 200:
                        return self
            except (OSError, urllib.error.HTTPError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(
                    f"{self.name} did not answer on {self.query_url} within {wait:.0f} s: "
                    f"{self.log()}"
                )
            time.sleep(0.1)

    def log(self, tail: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:].strip()
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate the process (then kill it if it does not end within ``timeout``)."""
        p = self.process
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def kill(self) -> None:
        """Kill the process at once (SIGKILL), like a crash."""
        p = self.process
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()

    def restart(self) -> Server:
        """Stop (if running) and start again on the same location and port."""
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class OxigraphServer(Server):
    """``oxigraph serve`` (read-write) on a store folder: /query, /update, /store."""

    name = "oxigraph"

    def command(self) -> list[str]:
        binary = oxigraph_binary()
        if binary is None:
            raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
        return [binary, "serve", "--location", str(self.location), "--bind", f"{HOST}:{self.port}"]

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def store_url(self) -> str:
        return self.url + "/store"


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {host}:{sql_port}
DisableUnixSocket = 1
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = ., {d}
CaseMode = 2

[HTTPServer]
ServerPort = {host}:{http_port}
ServerRoot = {d}
MaxClientConnections = 5
ServerThreads = 5
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 400
"""


class VirtuosoServer(Server):
    """Virtuoso open source (``virtuoso-t``) with a fresh database; user dba, password dba.

    The SPARQL endpoint is /sparql; the graph store with digest authentication
    /sparql-graph-crud-auth; SPARQL Update with authentication /sparql-auth.
    """

    name = "virtuoso"
    user = "dba"
    password = "dba"

    def __init__(self, location: Path, port: int | None = None) -> None:
        super().__init__(location, port)
        self.sql_port = free_port()

    def command(self) -> list[str]:
        binary = shutil.which("virtuoso-t")
        if binary is None:
            raise RuntimeError("virtuoso-t is not installed")
        ini = self.location / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(
                d=self.location, host=HOST, sql_port=self.sql_port, http_port=self.port
            )
        )
        return [binary, "-f", "-c", str(ini)]

    @property
    def query_url(self) -> str:
        return self.url + "/sparql"

    @property
    def store_url(self) -> str:
        return self.url + "/sparql-graph-crud-auth"

    @property
    def update_url(self) -> str:
        return self.url + "/sparql-auth"


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """One Oxigraph server for the whole session (an empty store at first)."""
    if oxigraph_binary() is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "store")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oxigraph_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., OxigraphServer]]:
    """``start(location=None)``: a fresh Oxigraph server for this test, stopped after it."""
    if oxigraph_binary() is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    started: list[OxigraphServer] = []

    def start(location: Path | None = None, port: int | None = None) -> OxigraphServer:
        loc = location or tmp_path_factory.mktemp("oxigraph") / "store"
        server = OxigraphServer(loc, port)
        started.append(server)
        return server.start()

    try:
        yield start
    finally:
        for s in started:
            s.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso server for the session; skipped when ``virtuoso-t`` is not installed."""
    if shutil.which("virtuoso-t") is None:
        pytest.skip(
            "virtuoso-t is not installed (Debian: apt-get install -y "
            "--no-install-recommends virtuoso-opensource-7-bin)"
        )
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso") / "db")
    server.start(wait=120)
    try:
        yield server
    finally:
        server.stop(timeout=30)


class BasicAuthProxy:
    """A reverse proxy on 127.0.0.1 that asks for HTTP Basic authentication, then forwards.

    ``with BasicAuthProxy(server.url, "user", "pw") as proxy:`` gives ``proxy.url``,
    the same paths as the server behind it; ``proxy.refused`` counts 401 answers.
    """

    def __init__(self, target: str, user: str, password: str) -> None:
        import base64
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        t = urlsplit(target)
        proxy = self
        self.refused = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def _forward(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                if self.headers.get("Authorization") != expected:
                    proxy.refused += 1
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="test"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                conn = http.client.HTTPConnection(t.hostname, t.port, timeout=60)
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("authorization", "host", "connection")
                }
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward  # noqa: N815

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> BasicAuthProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
