"""``trialkg load``: push a build (or an RDF file) into a SPARQL server, one named graph per study.

Every graph of the source *replaces* the graph of the same name on the server,
so loading the same build twice leaves the same data (never duplicates), and
loading a newer build updates the studies it holds. Three ways to send:

``batch`` (default on Oxigraph)
    Per batch of graphs, one SPARQL Update ``DROP SILENT GRAPH <g> ; ...`` to
    the update endpoint, then one ``POST`` of the batch as N-Quads to the
    graph store (Oxigraph adds the quads of a POSTed dataset, keeping their
    graph names). Fastest; between the two requests a reader may see the
    batch's graphs missing.
``put`` (default elsewhere)
    One SPARQL 1.1 Graph Store Protocol ``PUT GRAPH_STORE?graph=<g>`` per
    graph, N-Triples body: the standard, works on every store, each graph
    replaced atomically.
``update``
    Per batch, one SPARQL Update request ``DROP SILENT GRAPH <g> ; ... ;
    INSERT DATA { GRAPH <g> { ... } ... }``: standard SPARQL 1.1 Update, one
    request per batch, atomic where the store runs an update in one
    transaction (Oxigraph does).

``--jobs`` batches are read and sent at once, each on its own connection (4
to Oxigraph, 2 elsewhere). From a build folder, its ``trials.nq`` is sent as
the build wrote it (each graph's lines, no parsing); a graph's quads are read
from the build's store when that file is gone or is not the one ``build.json``
counted, and any other file is parsed into memory first (which checks it).
To Oxigraph, ``batch`` POSTs with ``no_transaction``, so the server's bulk
loader takes the quads: about twice as fast; a request cut short leaves part
of its batch, which the re-run drops and sends again.

Measured with ``make bench-load`` (bench/load_bench.py): the whole corpus
(10,775 studies, 1.04 M triples) into a new local Oxigraph 0.5.13 server on a
2-core machine, triples per second while sending, two runs:

=========  ====  ===============  ===============
method     jobs  first load       loading again
=========  ====  ===============  ===============
batch      4     145-170 k        39-41 k
batch      1     77 k             24 k
update     4     33 k             21 k
put        4     38 k             23 k
=========  ====  ===============  ===============

The whole command (source read, sending, count check) took 9.8 s and 8.7 s
with batch and 4 jobs: 106 and 120 k triples/s. Loading again is slower
whatever the method: the server deletes every graph first.

Where the server is (the store's URLs are found from ``--endpoint``):

* Oxigraph (``oxigraph serve``): ``--endpoint http://HOST:7878/query``; graph
  store ``/store`` and update endpoint ``/update`` on the same server (the
  defaults).
* Virtuoso (found from its ``Server:`` header): ``--endpoint
  http://HOST:8890/sparql``; with ``--user/--password`` the graph store is
  ``/sparql-graph-crud-auth`` and the update endpoint ``/sparql-auth`` (HTTP
  digest authentication, e.g. ``--user dba``), without them
  ``/sparql-graph-crud`` and ``/sparql`` (which need the SPARQL_UPDATE role
  granted to the ``SPARQL`` user). Method ``put``: Virtuoso 7.2 answers 200 to
  a POST of N-Quads and stores nothing (``batch`` fails the count check), and
  rejects ``INSERT DATA`` with an xsd:duration literal (``update`` fails with
  "SQ200: No column P112DD"). It also keeps an xsd:duration as a number of
  months ("P2Y" comes back as 24): counts match, values differ.
* Apache Jena Fuseki: ``--endpoint http://HOST:3030/DS/query --graph-store
  http://HOST:3030/DS/data --update-endpoint http://HOST:3030/DS/update``.
* GraphDB / RDF4J: ``--endpoint http://HOST:7200/repositories/R
  --graph-store http://HOST:7200/repositories/R/rdf-graphs/service
  --update-endpoint http://HOST:7200/repositories/R/statements``.
* Anything else: ``--graph-store`` (SPARQL 1.1 Graph Store Protocol) with
  ``--method put``, or ``--update-endpoint`` with ``--method update``.

A load is resumable: a small state file (next to the source, or ``--state``)
records the graphs the server confirmed, with the source's fingerprint; a
re-run of an interrupted load with the same arguments skips them. The state
file is removed when a load ends with the count check passed. At the end the
quads of every graph sent are counted through the query endpoint and
compared with what was sent.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import http.client
import itertools
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import click
import pyoxigraph as ox

from kg.errors import InputError, StoreError, handle_errors
from kg.rdf import BASE

GRAPH_PREFIX = BASE + "graph/"
METHODS = ("auto", "batch", "put", "update")
DEFAULT_BATCH_SIZE = 1000
DEFAULT_JOBS_OXIGRAPH = 4  # batches sent at once to an Oxigraph server
DEFAULT_JOBS = 2  # to other servers
STATE_VERSION = 1
_PROBE_GRAPH = GRAPH_PREFIX + ".trialkg-load-probe"
_CHECK_CHUNK = 2000


@dataclass
class LoadReport:
    """What a load did and what the store holds afterwards."""

    source: str
    endpoint: str
    graph_store: str
    update_endpoint: str
    method: str
    jobs: int = 1  # batches sent at once
    graphs: int = 0  # graphs sent by this run
    skipped: int = 0  # graphs confirmed by an earlier, interrupted run, not sent again
    triples: int = 0  # triples sent by this run
    seconds: float = 0.0  # the whole load: source read, batches sent, count check
    triples_per_s: float = 0.0  # triples / seconds
    send_seconds: float = 0.0  # of ``seconds``, from the first batch started to the last confirmed
    send_triples_per_s: float = 0.0  # triples / send_seconds
    checked: bool = False  # the count check ran (and then found what was sent, or raised)
    check_seconds: float = 0.0  # of ``seconds``, the count check at the end
    store_graphs: int = 0  # graphs of the source found in the store (the count check)
    store_quads: int = 0  # quads the store holds in those graphs
    source_quads: int = 0  # quads of the source in all its graphs (sent now or before)
    extra_graphs: int = 0  # graphs under GRAPH_PREFIX in the store that the source lacks
    state_file: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        total = self.graphs + self.skipped
        lines = [
            f"loaded {self.graphs} graphs ({self.triples:,} triples) in {self.seconds:.1f} s: "
            f"{self.triples_per_s:,.0f} triples/s -> {self.graph_store} "
            f"[method {self.method}, {self.jobs} at once]",
            f"sending took {self.send_seconds:.1f} s of it: "
            f"{self.send_triples_per_s:,.0f} triples/s",
        ]
        if self.skipped:
            lines.append(f"skipped {self.skipped} graphs confirmed by an earlier interrupted run")
        if self.checked:
            lines.append(
                f"store check at {self.endpoint}: {self.store_graphs} of {total} graphs, "
                f"{self.store_quads} quads (source: {self.source_quads}) "
                f"in {self.check_seconds:.1f} s"
            )
        else:
            lines.append("store check skipped (--no-check)")
        if self.extra_graphs:
            lines.append(
                f"note: the store holds {self.extra_graphs} more graphs under {GRAPH_PREFIX} "
                "that this source does not have (studies from other loads?)"
            )
        return "\n".join(lines)


# ----------------------------------------------------------------------------- URLs


def check_url(url: str, what: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; InputError otherwise."""
    try:
        u = urllib.parse.urlsplit(url)
        u.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        shown = re.sub(r"//[^/@]*@", "//***@", url)  # never repeat a password
        raise InputError(f"{what}: not a valid URL: {shown!r} ({exc})") from exc
    if u.username is not None or u.password is not None:
        raise InputError(
            f"{what}: give the user and password with --user and --password, not in the URL"
        )
    if u.scheme not in ("http", "https"):
        raise InputError(f"{what}: only http:// and https:// URLs are supported, got {url!r}")
    if not u.hostname:
        raise InputError(f"{what}: no host in {url!r}")
    if u.fragment:
        raise InputError(f"{what}: a URL with a #fragment cannot be requested: {url!r}")
    return url


def _sibling(url: str, path: str) -> str:
    """The URL on the same server (scheme, host, port) with ``path``."""
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, path, "", ""))


def _with_params(url: str, params: dict[str, str]) -> str:
    u = urllib.parse.urlsplit(url)
    q = "&".join(x for x in (u.query, urllib.parse.urlencode(params)) if x)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, u.path or "/", q, ""))


# ----------------------------------------------------------------------------- HTTP


class _ConnectionFailed(Exception):
    """No answer from the server (refused, reset, timed out): the request may be retried."""


class _Http:
    """Requests over one persistent connection per server and thread, with Basic or Digest auth."""

    def __init__(self, user: str | None, password: str | None, timeout: float) -> None:
        self.user = user
        self.password = password or ""
        self.timeout = timeout
        self._local = threading.local()  # .conns: this thread's connections
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self.scheme: str | None = None  # "basic" or "digest", once a server asked
        self.challenge: dict[str, str] = {}
        self.nc = 0

    @property
    def conns(self) -> dict[tuple[str, str], http.client.HTTPConnection]:
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        return conns

    def close(self) -> None:
        """Close every thread's connections."""
        with self._lock:
            for c in self._all:
                c.close()
            self._all.clear()
        self._local = threading.local()

    def _conn(self, u: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        key = (u.scheme, u.netloc)
        conn = self.conns.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
            conn = cls(u.hostname or "", u.port, timeout=self.timeout)
            self.conns[key] = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Send one request; answer (status, headers, body). Raise _ConnectionFailed."""
        u = urllib.parse.urlsplit(url)
        target = urllib.parse.urlunsplit(("", "", u.path or "/", u.query, ""))
        for _ in range(3):  # a first 401 gets an answer to the challenge; a stale nonce one more
            hdrs = dict(headers or {})
            auth = self._authorization(method, target)
            if auth:
                hdrs["Authorization"] = auth
            status, rh, data = self._send(u, method, target, body, hdrs)
            if status != 401 or self.user is None:
                return status, rh, data
            chal = _parse_challenges(rh.get_all("WWW-Authenticate") or [])
            if "digest" in chal:
                stale = chal["digest"].get("stale", "").lower() == "true"
                if self.scheme == "digest" and not stale and auth:
                    return status, rh, data  # the credentials were refused
                with self._lock:
                    self.scheme, self.challenge, self.nc = "digest", chal["digest"], 0
            elif "basic" in chal and self.scheme != "basic":
                self.scheme = "basic"
            else:
                return status, rh, data
        return status, rh, data

    def _send(
        self,
        u: urllib.parse.SplitResult,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self._conn(u)
        try:
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self.conns.pop((u.scheme, u.netloc), None)
            raise _ConnectionFailed(_describe_os_error(exc)) from exc
        if resp.will_close:
            conn.close()
            self.conns.pop((u.scheme, u.netloc), None)
        return resp.status, resp.headers, data

    def _authorization(self, method: str, target: str) -> str | None:
        if self.user is None or self.scheme is None:
            return None
        if self.scheme == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            return "Basic " + token
        with self._lock:
            self.nc += 1
            nc, challenge = self.nc, self.challenge
        return _digest(challenge, method, target, self.user, self.password, nc)


def _describe_os_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
        return "the server closed the connection"
    return str(exc) or type(exc).__name__


def _parse_challenges(values: list[str]) -> dict[str, dict[str, str]]:
    """``WWW-Authenticate`` values as {scheme: params} (scheme lower-case)."""
    out: dict[str, dict[str, str]] = {}
    for v in values:
        scheme, _, rest = v.strip().partition(" ")
        params = (
            urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest)) if rest else {}
        )
        out[scheme.lower()] = {k.lower(): val for k, val in params.items()}
    return out


def _digest(
    chal: dict[str, str],
    method: str,
    uri: str,
    user: str,
    pw: str,
    nc: int,
    cnonce: str | None = None,
) -> str:
    """An RFC 7616 ``Authorization: Digest`` value (MD5 or SHA-256, qop auth or none)."""
    algorithm = chal.get("algorithm", "MD5")
    base_alg = algorithm.upper().removesuffix("-SESS")
    hname = {"MD5": "md5", "SHA-256": "sha256"}.get(base_alg)
    if hname is None:
        raise StoreError(f"the server asks for digest algorithm {algorithm}, not supported")

    def h(s: str) -> str:
        return hashlib.new(hname, s.encode("utf-8")).hexdigest()

    realm, nonce = chal.get("realm", ""), chal.get("nonce", "")
    cnonce = cnonce or os.urandom(8).hex()
    ha1 = h(f"{user}:{realm}:{pw}")
    if algorithm.upper().endswith("-SESS"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    qops = [q.strip() for q in chal.get("qop", "").split(",") if q.strip()]
    parts = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in qops:
        ncv = f"{nc:08x}"
        resp = h(f"{ha1}:{nonce}:{ncv}:{cnonce}:auth:{ha2}")
        parts += [f'response="{resp}"', "qop=auth", f"nc={ncv}", f'cnonce="{cnonce}"']
    else:
        parts.append(f'response="{h(f"{ha1}:{nonce}:{ha2}")}"')
    if "algorithm" in chal:
        parts.append(f"algorithm={algorithm}")
    if "opaque" in chal:
        parts.append(f'opaque="{chal["opaque"]}"')
    return "Digest " + ", ".join(parts)


# ----------------------------------------------------------------------------- source


class _Source:
    """The graphs a load sends, by target graph IRI, serialized on demand (from any thread)."""

    path: Path
    fingerprint: str
    graphs: list[str]  # target graph IRIs, in sending order

    def count(self, iri: str) -> int:
        raise NotImplementedError

    def nquads(self, iris: list[str]) -> bytes:
        """The quads of these graphs as N-Quads."""
        raise NotImplementedError

    def ntriples(self, iri: str) -> bytes:
        """The triples of one graph as N-Triples."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class _StoreSource(_Source):
    """Graphs of a store (the build's, or an RDF file read into memory, which checks its syntax)."""

    def __init__(
        self,
        path: Path,
        store: ox.Store,
        graphs: list[tuple[str, ox.NamedNode | ox.DefaultGraph]],
        fingerprint: str,
    ) -> None:
        self.path, self.store, self.fingerprint = path, store, fingerprint
        self.graphs = [iri for iri, _ in graphs]
        self._graph = dict(graphs)

    def _quads(self, iri: str) -> list[ox.Quad]:
        g = self._graph[iri]
        quads = list(self.store.quads_for_pattern(None, None, None, g))
        if isinstance(g, ox.DefaultGraph):
            t = ox.NamedNode(iri)
            quads = [ox.Quad(q.subject, q.predicate, q.object, t) for q in quads]
        return quads

    def count(self, iri: str) -> int:
        return sum(1 for _ in self.store.quads_for_pattern(None, None, None, self._graph[iri]))

    def nquads(self, iris: list[str]) -> bytes:
        quads = [q for iri in iris for q in self._quads(iri)]
        return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""

    def ntriples(self, iri: str) -> bytes:
        triples = [q.triple for q in self._quads(iri)]
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


class _BuildNQuads(_Source):
    """The ``trials.nq`` of a build, sent as its bytes: no parsing, no re-serializing.

    Where each graph's bytes are comes from the build's ``studies.jsonl`` when
    it describes this trials.nq (its recorded size), else from one scan of the
    file: the build writes one statement per line (``kg.rdf.nquads_bytes``),
    every one in a named graph, so a graph is a set of line ranges and its quad
    count the number of its lines. The scan is used only when every line ends
    in a graph IRI and the line count is the build's triple count; otherwise
    the build's store is read instead.
    """

    def __init__(
        self,
        path: Path,
        nq: Path,
        spans: dict[str, list[tuple[int, int]]],
        counts: dict[str, int],
        fingerprint: str,
    ) -> None:
        self.path, self.nq, self.fingerprint = path, nq, fingerprint
        self.graphs = list(spans)
        self._spans, self._counts = spans, counts
        self._fd = os.open(nq, os.O_RDONLY)

    @classmethod
    def from_index(cls, path: Path, nq: Path, fingerprint: str) -> _BuildNQuads | None:
        """From the build's studies.jsonl (where each study's bytes are), if it is current."""
        from kg.build import INDEX_FILE, INDEX_VERSION
        from kg.rdf import VOCAB_GRAPH, graph_iri

        try:
            with open(path / INDEX_FILE, encoding="utf-8") as fh:
                header = json.loads(fh.readline())
                if header.get("trialkg_index") != INDEX_VERSION:
                    return None
                if header["sizes"][0] != nq.stat().st_size:
                    return None
                start, end = header["vocab"]
                vocab = VOCAB_GRAPH.value
                spans = {vocab: [(start, end)]}
                counts = {vocab: int(header["vocab_quads"])}
                for line in fh:
                    d = json.loads(line)
                    iri = graph_iri(d["key"]).value
                    off, n = d["nq"]
                    spans[iri] = [(off, off + n)]
                    counts[iri] = int(d["quads"])
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return None
        return cls(path, nq, spans, counts, fingerprint)

    @classmethod
    def scan(cls, path: Path, nq: Path, triples: int, fingerprint: str) -> _BuildNQuads | None:
        spans: dict[str, list[tuple[int, int]]] = {}
        counts: dict[str, int] = {}
        last: bytes | None = None
        off = start = lines = run = 0
        with open(nq, "rb") as fh:
            for line in fh:
                if not line.endswith(b"> .\n"):
                    return None  # not a statement in a named graph, or not our writer's layout
                g = line[line.rfind(b" <", 0, len(line) - 4) + 2 : -4]
                if g != last:
                    if last is not None:
                        key = last.decode("utf-8")
                        spans.setdefault(key, []).append((start, off))
                        counts[key] = counts.get(key, 0) + run
                    last, start, run = g, off, 0
                run += 1
                off += len(line)
                lines += 1
        if last is not None:
            key = last.decode("utf-8")
            spans.setdefault(key, []).append((start, off))
            counts[key] = counts.get(key, 0) + run
        if lines != triples or not spans:
            return None
        return cls(path, nq, spans, counts, fingerprint)

    def count(self, iri: str) -> int:
        return self._counts[iri]

    def _bytes(self, iri: str) -> bytes:
        return b"".join(os.pread(self._fd, end - start, start) for start, end in self._spans[iri])

    def nquads(self, iris: list[str]) -> bytes:
        return b"".join(self._bytes(iri) for iri in iris)

    def ntriples(self, iri: str) -> bytes:
        return self._bytes(iri).replace(b" <" + iri.encode("utf-8") + b"> .\n", b" .\n")

    def close(self) -> None:
        os.close(self._fd)


def _build_triples(folder: Path) -> int | None:
    try:
        meta = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    n = meta.get("triples") if isinstance(meta, dict) else None
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def _graph_not_wanted(p: Path) -> InputError:
    return InputError(
        f"--graph: {p} has no triples outside named graphs; --graph is only for "
        "Turtle or N-Triples (files without graph names)"
    )


def _open_source(source: str | os.PathLike[str], graph: str | None) -> _Source:
    from kg.store import RDF_FILE_FORMATS, load_rdf_file, open_store

    p = Path(source)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if p.is_dir():
        if (p / "CURRENT").is_file() and (p.parent / "build.json").is_file():
            p = p.parent  # the store/ folder of a build
        nq = p / "trials.nq"
        if not (p / "store").is_dir() and not nq.is_file():
            raise InputError(
                f"{p}: not a build folder (no store/ or trials.nq here); give a build folder "
                "or an RDF file (.nq, .trig, .ttl, .nt)"
            )
        h = hashlib.sha256()
        for name in ("build.json", "trials.nq"):
            f = p / name
            if f.is_file():
                st = f.stat()
                h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
                if name == "build.json":
                    h.update(f.read_bytes())
        triples = _build_triples(p)
        if nq.is_file() and triples is not None:
            fast = _BuildNQuads.from_index(p, nq, h.hexdigest()) or _BuildNQuads.scan(
                p, nq, triples, h.hexdigest()
            )
            if fast is not None:
                if graph is not None:
                    fast.close()
                    raise _graph_not_wanted(p)
                return fast
        store = open_store(p) if (p / "store").is_dir() else load_rdf_file(nq)
    else:
        if p.suffix.lower() not in RDF_FILE_FORMATS:
            raise InputError(
                f"{p}: not a build folder or an RDF file; give a build folder or a "
                ".nq, .trig, .ttl or .nt file"
            )
        store = load_rdf_file(p)
        st = p.stat()
        h = hashlib.sha256(f"{p.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    named = sorted(store.named_graphs(), key=lambda g: g.value)
    has_default = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None)
    graphs: list[tuple[str, ox.NamedNode | ox.DefaultGraph]] = [(g.value, g) for g in named]
    if has_default is not None:
        if graph is None:
            what = "has triples outside named graphs" if named else "has no graph names"
            raise InputError(
                f"{p}: {what} (Turtle or N-Triples?); give --graph IRI to load them into "
                "that named graph"
            )
        try:
            ox.NamedNode(graph)
        except ValueError as exc:
            raise InputError(f"--graph: not an IRI: {graph!r} ({exc})") from exc
        if not urllib.parse.urlsplit(graph).scheme:
            raise InputError(f"--graph: not an absolute IRI: {graph!r}")
        if any(g.value == graph for g in named):
            raise InputError(f"--graph {graph}: {p} already has a named graph of that name")
        graphs.append((graph, ox.DefaultGraph()))
        h.update(f"default graph -> {graph}\n".encode())
    elif graph is not None:
        raise _graph_not_wanted(p)
    if not graphs:
        raise InputError(f"{p}: no triples to load")
    return _StoreSource(p, store, graphs, h.hexdigest())


# ----------------------------------------------------------------------------- state


class _State:
    """Graphs the server confirmed, appended one JSON line per batch (a cut last line is ignored)."""

    def __init__(self, path: Path, header: dict[str, Any], resume: bool) -> None:
        self.path = path
        self.done: set[str] = set()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.fh: IO[str] = open(path, "a+", encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"{path}: cannot write the load state ({exc}); give --state PATH"
            ) from exc
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self.fh.close()
            raise StoreError(
                f"{path}: another trialkg load is running with this state file"
            ) from exc
        self.fh.seek(0)
        lines = self.fh.read().splitlines()
        if resume and lines and _json_line(lines[0]) == header:
            for line in lines[1:]:
                d = _json_line(line)
                if isinstance(d, dict) and isinstance(d.get("done"), list):
                    self.done.update(x for x in d["done"] if isinstance(x, str))
        else:
            self.fh.seek(0)
            self.fh.truncate()
            self._write(header)

    def _write(self, obj: dict[str, Any]) -> None:
        self.fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.fh.flush()

    def confirm(self, graphs: list[str]) -> None:
        self._write({"done": graphs})
        self.done.update(graphs)

    def close(self, remove: bool = False) -> None:
        if remove:
            self.path.unlink(missing_ok=True)
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def _json_line(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


# ----------------------------------------------------------------------------- sending


@dataclass
class _Target:
    endpoint: str
    graph_store: str
    update: str
    method: str
    server: str
    bulk: bool = False  # Oxigraph: POSTed N-Quads go through its bulk loader


def _discover(
    http: _Http,
    endpoint: str,
    graph_store: str | None,
    update: str | None,
    method: str,
    user: str | None,
) -> _Target:
    """Check the endpoint answers; fill in the graph store, update endpoint and method."""
    try:
        status, headers, body = http.request(
            "GET",
            _with_params(endpoint, {"query": "ASK {}"}),
            headers={"Accept": "application/sparql-results+json"},
        )
    except _ConnectionFailed as exc:
        raise StoreError(f"cannot reach the SPARQL endpoint {endpoint}: {exc}") from exc
    if status == 401:
        hint = "check --user and --password" if http.user else "give --user and --password"
        raise StoreError(f"{endpoint}: authentication required or refused (HTTP 401); {hint}")
    if status >= 400:
        raise StoreError(
            f"{endpoint}: not a SPARQL query endpoint (HTTP {status} {_snippet(body)}); "
            "--endpoint is the query URL, e.g. http://localhost:7878/query for Oxigraph"
        )
    server = headers.get("Server", "") or ""
    virtuoso = "virtuoso" in server.lower()
    if virtuoso:
        graph_store = graph_store or _sibling(
            endpoint, "/sparql-graph-crud-auth" if user else "/sparql-graph-crud"
        )
        update = update or _sibling(endpoint, "/sparql-auth" if user else "/sparql")
    else:
        graph_store = graph_store or _sibling(endpoint, "/store")
        update = update or _sibling(endpoint, "/update")
    oxigraph = "oxigraph" in server.lower()
    if method == "auto":
        method = "batch" if oxigraph else "put"
    return _Target(endpoint, graph_store, update, method, server, bulk=oxigraph)


def _probe_graph_store(http: _Http, t: _Target) -> None:
    """A GET of a graph that does not exist: checks the URL and settles authentication."""
    url = _with_params(t.graph_store, {"graph": _PROBE_GRAPH})
    try:
        status, _, body = http.request("GET", url, headers={"Accept": "application/n-triples"})
    except _ConnectionFailed as exc:
        raise StoreError(f"cannot reach the graph store {t.graph_store}: {exc}") from exc
    if status in (401, 403):
        hint = "check --user and --password" if http.user else "give --user and --password"
        raise StoreError(f"{t.graph_store}: HTTP {status}, not allowed to write; {hint}")
    if status >= 500:
        raise StoreError(f"{t.graph_store}: HTTP {status} {_snippet(body)}")


def _snippet(body: bytes, n: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = re.sub(r"<[^>]+>", " ", text)  # HTML error pages
    text = " ".join(text.split())
    return (text[:n] + "...") if len(text) > n else text


class _HttpError(Exception):
    def __init__(self, url: str, status: int, body: bytes) -> None:
        super().__init__(f"{url}: HTTP {status} {_snippet(body)}")
        self.status = status


def _expect_ok(url: str, status: int, body: bytes) -> None:
    if not 200 <= status < 300:
        raise _HttpError(url, status, body)


@dataclass
class _Batch:
    """A batch of graphs ready to send: its request bodies are serialized beforehand."""

    iris: list[str]
    counts: list[int]
    bodies: list[bytes]  # put: one N-Triples body per graph; batch: one N-Quads; update: SPARQL
    drops: bytes = b""


def _prepare(src: _Source, method: str, iris: list[str]) -> _Batch:
    counts = [src.count(iri) for iri in iris]
    if method == "put":
        return _Batch(iris, counts, [src.ntriples(iri) for iri in iris])
    drops = " ;\n".join(f"DROP SILENT GRAPH <{iri}>" for iri in iris)
    if method == "batch":
        return _Batch(iris, counts, [src.nquads(iris)], drops.encode("utf-8"))
    inserts = [
        f"GRAPH <{iri}> {{\n{src.ntriples(iri).decode('utf-8')}}}"
        for iri, n in zip(iris, counts, strict=True)
        if n
    ]
    text = drops
    if inserts:
        text += " ;\nINSERT DATA {\n" + "\n".join(inserts) + "\n}"
    return _Batch(iris, counts, [text.encode("utf-8")])


def _send_batch(http: _Http, t: _Target, batch: _Batch) -> None:
    """Replace each graph of ``batch`` on the server with the quads given."""
    if t.method == "put":
        for iri, body in zip(batch.iris, batch.bodies, strict=True):
            url = _with_params(t.graph_store, {"graph": iri})
            status, _, data = http.request(
                "PUT", url, body, {"Content-Type": "application/n-triples"}
            )
            _expect_ok(url, status, data)
    elif t.method == "batch":
        _update(http, t.update, batch.drops)
        # Oxigraph: no_transaction sends the body through its bulk loader (about twice as
        # fast); a POST cut short leaves part of the batch, which a re-run drops and resends.
        url = _with_params(t.graph_store, {"no_transaction": ""}) if t.bulk else t.graph_store
        status, _, data = http.request(
            "POST", url, batch.bodies[0], {"Content-Type": "application/n-quads"}
        )
        _expect_ok(url, status, data)
    else:
        _update(http, t.update, batch.bodies[0])


def _update(http: _Http, url: str, sparql: bytes) -> None:
    status, _, data = http.request(
        "POST", url, sparql, {"Content-Type": "application/sparql-update; charset=utf-8"}
    )
    _expect_ok(url, status, data)


# ----------------------------------------------------------------------------- count check


def _sparql_select(
    endpoint: str,
    query: str,
    user: str | None,
    password: str | None,
    scheme: str | None,
    timeout: float,
    realm: str = "SPARQL",
) -> list[dict[str, Any]]:
    from SPARQLWrapper import BASIC, DIGEST, JSON, POST, SPARQLWrapper

    sw = SPARQLWrapper(endpoint)
    sw.setQuery(query)
    sw.setMethod(POST)
    sw.setReturnFormat(JSON)
    sw.setTimeout(int(timeout))
    if user is not None:
        sw.setHTTPAuth(DIGEST if scheme == "digest" else BASIC)
        sw.setCredentials(user, password or "", realm=realm)
    try:
        res = sw.queryAndConvert()
    except Exception as exc:  # noqa: BLE001 - urllib and SPARQLWrapper errors alike
        reason = getattr(exc, "reason", None)
        msg = _describe_os_error(reason) if isinstance(reason, BaseException) else str(exc)
        raise StoreError(f"count query on {endpoint} failed: {msg.strip()[:500]}") from exc
    if not isinstance(res, dict) or "results" not in res:
        raise StoreError(f"count query on {endpoint}: not a SPARQL JSON result")
    return list(res["results"]["bindings"])


def _count_check(
    t: _Target, expected: dict[str, int], http: _Http, jobs: int
) -> tuple[dict[str, int], int]:
    """Quads per graph of ``expected`` found in the store, and the other GRAPH_PREFIX graphs.

    Through SPARQLWrapper, ``jobs`` count queries at once, with the credentials
    and authentication scheme the graph store asked for.
    """
    realm = http.challenge.get("realm", "SPARQL")

    def select(q: str) -> list[dict[str, Any]]:
        return _sparql_select(
            t.endpoint, q, http.user, http.password, http.scheme, http.timeout, realm
        )

    from concurrent.futures import ThreadPoolExecutor

    iris = sorted(expected)
    queries = [
        "SELECT ?g (COUNT(*) AS ?n) WHERE { VALUES ?g { "
        + " ".join(f"<{g}>" for g in iris[i : i + _CHECK_CHUNK])
        + " } GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        for i in range(0, len(iris), _CHECK_CHUNK)
    ]
    found: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="trialkg-check") as pool:
        for rows in pool.map(select, queries):
            found.update((row["g"]["value"], int(row["n"]["value"])) for row in rows)
    # Oxigraph lists its graphs at once for GRAPH ?g {} (50 ms against 2.4 s for a scan of
    # every quad, on the whole corpus); Virtuoso 7.2 answers it with no graph at all.
    graphs = "GRAPH ?g { }" if t.bulk else "GRAPH ?g { ?s ?p ?o }"
    q = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?g WHERE {{ {graphs} }} }} "
        f'FILTER(STRSTARTS(STR(?g), "{GRAPH_PREFIX}")) }}'
    )
    rows = select(q)
    in_prefix = int(rows[0]["n"]["value"]) if rows else 0
    ours = sum(1 for g in found if g.startswith(GRAPH_PREFIX))
    return found, max(0, in_prefix - ours)


# ----------------------------------------------------------------------------- load


def default_state_path(source: str | os.PathLike[str], graph_store: str) -> Path:
    """Where the state of a load of ``source`` into ``graph_store`` is kept by default."""
    p = Path(source)
    tag = hashlib.sha256(graph_store.encode()).hexdigest()[:12]
    if p.is_dir():
        return p / f".load-state-{tag}.jsonl"
    return p.with_name(f".{p.name}.load-state-{tag}.jsonl")


def load_to_endpoint(
    source: str | os.PathLike[str],
    endpoint: str,
    graph_store: str | None = None,
    user: str | None = None,
    password: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
    resume: bool = True,
    *,
    jobs: int | None = None,
    graph: str | None = None,
    update_endpoint: str | None = None,
    method: str = "auto",
    state: str | os.PathLike[str] | None = None,
    timeout: float = 300.0,
    retries: int = 1,
    check: bool = True,
    on_batch: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Load every graph of ``source`` into the SPARQL server at ``endpoint``; see the module doc.

    ``source`` is a build folder (its store, or trials.nq), an N-Quads or TriG
    file, or a Turtle or N-Triples file loaded into the named graph ``graph``.
    ``batch_size`` is the number of graphs per request (per batch with
    ``method="put"``). ``on_batch(batches_done, graphs_done)`` is called after
    each batch the server confirmed. Raises StoreError when the server fails
    (the graphs confirmed so far are kept in the state file, so a re-run goes
    on where this one stopped) or the count check finds a difference;
    InputError for a bad source or argument.
    """
    t0 = time.perf_counter()
    check_url(endpoint, "--endpoint")
    if graph_store is not None:
        check_url(graph_store, "--graph-store")
    if update_endpoint is not None:
        check_url(update_endpoint, "--update-endpoint")
    if method not in METHODS:
        raise InputError(f"--method: one of {', '.join(METHODS)}, got {method!r}")
    if batch_size < 1:
        raise InputError(f"--batch-size: at least 1, got {batch_size}")
    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs: at least 1, got {jobs}")
    if password is not None and user is None:
        raise InputError("--password needs --user")
    src = _open_source(source, graph)
    http = _Http(user, password, timeout)
    try:
        t = _discover(http, endpoint, graph_store, update_endpoint, method, user)
        _probe_graph_store(http, t)
        state_path = Path(state) if state else default_state_path(src.path, t.graph_store)
        header = {
            "trialkg_load_state": STATE_VERSION,
            "fingerprint": src.fingerprint,
            "graph_store": t.graph_store,
        }
        st = _State(state_path, header, resume)
        report = LoadReport(
            source=str(src.path),
            endpoint=endpoint,
            graph_store=t.graph_store,
            update_endpoint=t.update,
            method=t.method,
            jobs=jobs or (DEFAULT_JOBS_OXIGRAPH if t.bulk else DEFAULT_JOBS),
            state_file=str(state_path),
        )
        try:
            expected = _send_all(
                http, t, src, st, report, batch_size, report.jobs, progress, retries, on_batch
            )
        except BaseException:
            st.close()
            raise
        report.source_quads = sum(expected.values())
        if not check:
            st.close(remove=True)
            return _finish(report, t0)
        t_check = time.perf_counter()
        try:
            found, extra = _count_check(t, expected, http, report.jobs)
        except StoreError:
            st.close()  # everything was confirmed: a re-run only checks again
            raise
        st.close(remove=True)
        report.check_seconds = time.perf_counter() - t_check
    finally:
        http.close()
        src.close()
    report.checked = True
    report.store_graphs = sum(1 for g in expected if g in found or expected[g] == 0)
    report.store_quads = sum(found.values())
    report.extra_graphs = extra
    _finish(report, t0)
    bad = [g for g in sorted(expected) if found.get(g, 0) != expected[g]]
    if bad:
        examples = "; ".join(
            f"<{g}>: sent {expected[g]} quads, the store holds {found.get(g, 0)}" for g in bad[:3]
        )
        raise StoreError(
            f"count check failed at {endpoint}: {len(bad)} of {len(expected)} graphs differ "
            f"from what was sent ({examples}); the store holds {report.store_quads} quads in "
            f"these graphs, the source {report.source_quads}. Another writer? A store that "
            "merges some literals? Or one that answers OK but ignores what was sent (Virtuoso "
            "does with N-Quads: use --method put)? Loading again resends every graph."
        )
    return report


def _finish(report: LoadReport, t0: float) -> LoadReport:
    report.seconds = time.perf_counter() - t0
    report.triples_per_s = report.triples / report.seconds if report.seconds > 0 else 0.0
    s = report.send_seconds
    report.send_triples_per_s = report.triples / s if s > 0 else 0.0
    return report


def _send_all(
    http: _Http,
    t: _Target,
    src: _Source,
    st: _State,
    report: LoadReport,
    batch_size: int,
    jobs: int,
    progress: bool,
    retries: int,
    on_batch: Callable[[int, int], None] | None,
) -> dict[str, int]:
    """Send the graphs not yet confirmed; answer the quad count of every graph of the source.

    ``jobs`` batches are read, serialized and sent at once, each by its own
    thread and connection. After a failure no new batch starts; the ones under
    way are let finish (and confirmed), then the first failure is raised.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    from tqdm import tqdm

    expected: dict[str, int] = {}
    todo = []
    for iri in src.graphs:
        if iri in st.done:
            expected[iri] = src.count(iri)
            report.skipped += 1
        else:
            todo.append(iri)
    chunks = iter([todo[i : i + batch_size] for i in range(0, len(todo), batch_size)])
    total = len(src.graphs)
    bar = tqdm(
        total=len(todo), unit=" graphs", disable=not progress, file=sys.stderr, smoothing=0.1
    )

    def work(iris: list[str]) -> _Batch:
        batch = _prepare(src, t.method, iris)
        _send_with_retries(http, t, batch, retries)
        return batch

    failure: BaseException | None = None
    done_batches = 0
    t_send = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="trialkg-load")
    running: set[Future[_Batch]] = set()
    try:
        for chunk in itertools.islice(chunks, jobs):
            running.add(pool.submit(work, chunk))
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    batch = fut.result()
                except Exception as exc:  # noqa: BLE001 - raised below, after the others end
                    failure = failure or exc
                    continue
                st.confirm(batch.iris)
                expected.update(zip(batch.iris, batch.counts, strict=True))
                report.triples += sum(batch.counts)
                report.graphs += len(batch.iris)
                bar.update(len(batch.iris))
                done_batches += 1
                if on_batch:
                    on_batch(done_batches, report.graphs)
                if failure is None:
                    nxt = next(chunks, None)
                    if nxt is not None:
                        running.add(pool.submit(work, nxt))
    finally:
        bar.close()
        pool.shutdown(wait=True, cancel_futures=True)
        http.close()  # every thread's connections
        report.send_seconds = time.perf_counter() - t_send
    if failure is not None:
        note = _progress_note(report, total, st)
        if isinstance(failure, _ConnectionFailed):
            raise StoreError(f"{_where(t)}: {failure}; {note}") from failure
        if isinstance(failure, _HttpError):
            hint = _http_hint(failure.status, batch_size, http.user)
            raise StoreError(f"{failure}{hint}; {note}") from failure
        raise failure
    return expected


def _send_with_retries(http: _Http, t: _Target, batch: _Batch, retries: int) -> None:
    for attempt in range(retries + 1):
        try:
            _send_batch(http, t, batch)
            return
        except _ConnectionFailed:
            if attempt < retries:
                time.sleep(0.5 * (attempt + 1))
                continue
            raise


def _where(t: _Target) -> str:
    if t.method == "put":
        return f"loading into {t.graph_store} (endpoint {t.endpoint})"
    if t.method == "update":
        return f"loading through {t.update} (endpoint {t.endpoint})"
    return f"loading into {t.graph_store} and {t.update} (endpoint {t.endpoint})"


def _progress_note(report: LoadReport, total: int, st: _State) -> str:
    done = report.graphs + report.skipped
    return (
        f"{done} of {total} graphs loaded ({report.graphs} by this run); "
        f"state saved in {st.path}: run the same command again to go on"
    )


def _http_hint(status: int, batch_size: int, user: str | None) -> str:
    if status in (401, 403):
        return " (not allowed: " + ("check" if user else "give") + " --user and --password)"
    if status == 404:
        return " (no such service: check --graph-store / --update-endpoint)"
    if status == 405:
        return " (method not allowed here: try another --method, or check the URLs)"
    if status == 413:
        return f" (request too large: lower --batch-size, now {batch_size})"
    if status == 415:
        return " (the server does not take this format: try --method put)"
    return ""


# ----------------------------------------------------------------------------- command


@click.command("load", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", type=click.Path())
@click.option(
    "--endpoint",
    required=True,
    help="SPARQL query endpoint, e.g. http://localhost:7878/query (Oxigraph), "
    "http://localhost:8890/sparql (Virtuoso).",
)
@click.option(
    "--graph-store",
    help="SPARQL 1.1 Graph Store Protocol URL (default: /store on the endpoint's server; "
    "Virtuoso: /sparql-graph-crud-auth).",
)
@click.option(
    "--update-endpoint",
    help="SPARQL Update URL for --method batch/update (default: /update; Virtuoso: /sparql-auth).",
)
@click.option(
    "--user",
    envvar="TRIALKG_USER",
    show_envvar=True,
    help="User name for HTTP Basic or Digest authentication.",
)
@click.option(
    "--password",
    envvar="TRIALKG_PASSWORD",
    show_envvar=True,
    help="Password for --user (better from the environment: not seen by ps).",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="auto",
    show_default=True,
    help="batch: DROP + POST N-Quads per batch; put: one PUT per graph; update: "
    "DROP + INSERT DATA per batch; auto: batch on Oxigraph, put elsewhere.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Graphs per request (batch, update) or per state checkpoint (put).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help=f"Batches sent at once, each on its own connection (default: "
    f"{DEFAULT_JOBS_OXIGRAPH} to Oxigraph, {DEFAULT_JOBS} to other servers).",
)
@click.option(
    "--graph", "graph", help="Named graph for a Turtle or N-Triples SOURCE (required then)."
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False),
    help="State file of a resumable load (default: next to SOURCE).",
)
@click.option(
    "--resume/--restart",
    default=True,
    show_default=True,
    help="Skip the graphs an interrupted earlier load confirmed, or send everything again.",
)
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=300, show_default=True, help="Seconds."
)
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Count the quads of every graph in the store at the end and compare.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@handle_errors
def load_command(
    source: str,
    endpoint: str,
    graph_store: str | None,
    update_endpoint: str | None,
    user: str | None,
    password: str | None,
    method: str,
    batch_size: int,
    jobs: int | None,
    graph: str | None,
    state: str | None,
    resume: bool,
    timeout: float,
    check: bool,
    progress: bool | None,
) -> None:
    """Load a build (or an RDF file) into a SPARQL server, one named graph per study.

    SOURCE is a build folder, an N-Quads or TriG file (graph names kept), or a
    Turtle or N-Triples file (loaded into the named graph --graph). Each graph
    replaces the server's graph of the same name, so loading again never
    duplicates. An interrupted load goes on where it stopped when run again
    (--restart sends everything). The end compares the quads of every graph
    in the store with what was sent. Exit 0 on success, 2 when the server fails,
    the check finds a difference, or an argument is wrong.

    \b
    Examples:
      oxigraph serve --location /data/kg &
      trialkg load build/ --endpoint http://localhost:7878/query
      trialkg load build/ --endpoint http://localhost:8890/sparql --user dba --password dba
      trialkg load build/trials.nq --endpoint http://localhost:3030/kg/query \\
          --graph-store http://localhost:3030/kg/data --method put
    """
    if progress is None:
        progress = sys.stderr.isatty()
    report = load_to_endpoint(
        source,
        endpoint,
        graph_store=graph_store,
        user=user,
        password=password,
        batch_size=batch_size,
        jobs=jobs,
        progress=progress,
        resume=resume,
        graph=graph,
        update_endpoint=update_endpoint,
        method=method,
        state=state,
        timeout=timeout,
        check=check,
    )
    click.echo(report.summary())
