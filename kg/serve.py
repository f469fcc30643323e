"""``trialkg serve``: a read-only SPARQL endpoint over a build, on 127.0.0.1.

It runs the Oxigraph server (``oxigraph serve-read-only``, from the PyPI
package ``oxigraph``) on the build's embedded store, with the union of all
graphs as the default graph, so the saved queries and any SPARQL client
(YASGUI, Protégé, SPARQLWrapper, curl) work unchanged. Read-only: the server
opens the store read-only and has no update endpoint. Queries time out
(``--timeout``, 60 s by default).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click

from kg.errors import StoreError, handle_errors

DEFAULT_PORT = 7878


def oxigraph_binary() -> str:
    """The ``oxigraph`` command: next to this Python, else on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if not found:
        raise StoreError(
            "the Oxigraph server is not installed: pip install oxigraph (make setup does)"
        )
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command(store: Path, host: str, port: int, timeout: float) -> list[str]:
    return [
        oxigraph_binary(),
        "serve-read-only",
        "--location",
        str(store),
        "--bind",
        f"{host}:{port}",
        "--union-default-graph",
        "--timeout-s",
        str(max(1, int(timeout))),
    ]


def start(
    build_dir: str | os.PathLike[str] = "build",
    host: str = "127.0.0.1",
    port: int | None = None,
    timeout: float = 60.0,
    wait: float = 30.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the read-only server; return (process, query URL) once it answers."""
    from kg.store import open_store, store_dir

    d = store_dir(build_dir)
    open_store(d)  # a clear error when there is no store here (closed again at once)
    port = port or free_port(host)
    proc = subprocess.Popen(
        server_command(d, host, port, timeout), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    url = f"http://{host}:{port}/query"
    try:
        wait_until_up(proc, url, wait)
    except BaseException:
        stop(proc)
        raise
    return proc, url


def wait_until_up(proc: subprocess.Popen[bytes], url: str, wait: float = 30.0) -> None:
    """Return once the server of ``proc`` answers ``ASK {}`` on its query ``url``."""
    deadline = time.monotonic() + wait
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise StoreError(f"the Oxigraph server stopped at once: {err.strip()[:2000]}")
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise StoreError(f"the Oxigraph server did not answer on {url} within {wait:.0f} s")
        time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start` (terminate, then kill)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@click.command("serve", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store_path",
    type=click.Path(file_okay=False),
    default="build",
    show_default=True,
    help="Build folder (or its store/) to serve.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind. Anything but 127.0.0.1 / localhost exposes the graph to the network.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds a query may run.",
)
@handle_errors
def serve_command(store_path: str, port: int, host: str, timeout: float) -> None:
    """Serve a build as a read-only SPARQL endpoint (Oxigraph), until Ctrl-C.

    The endpoint is http://127.0.0.1:PORT/query (GET or POST, SPARQL 1.1
    Protocol); its default graph is the union of all study graphs and the
    vocabulary. Point YASGUI, Protégé or any SPARQL client at it, or run the
    saved queries on it: trialkg query NAME --endpoint http://127.0.0.1:7878/query

    \b
    Example:
      trialkg serve --store build/demo --port 7878
    """

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(
                f"trialkg: warning: binding {host}: the graph is reachable from the network",
                err=True,
            )
        proc, url = start(store_path, host, port, timeout)
    except KeyboardInterrupt:
        sys.exit(130)
    click.echo(f"SPARQL endpoint (read-only): {url}", err=True)
    click.echo(
        f"  try: curl -s {url} --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 3'",
        err=True,
    )
    click.echo("  Ctrl-C stops the server.", err=True)
    try:
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(proc)
