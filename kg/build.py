"""``trialkg build``: stream records into N-Quads, Turtle and the embedded store.

Every record read ends as a built study or as a rejection (file, position,
reason), and the report's numbers always satisfy ``read = built + rejected``.
Outputs are written under temporary names and moved into place at the end, so
a failed build leaves the previous output intact; a lock file keeps two builds
out of the same folder.

The records are read in this process, in input order; the text stage and the
mapping run in ``--jobs`` worker processes, and their results are written in
input order, so the output does not depend on the number of jobs. Memory does
not grow with the corpus: at most a few hundred records are in flight, and
what is kept per study is its key and, for an incremental build, where its
bytes are.

Incremental builds: ``studies.jsonl`` records, per study, the content hash of
its record as read (with a digest of the code and vocabularies, so new code
means new triples) and where its bytes are in trials.nq and trials.ttl. A
build into a folder holding an earlier build copies the bytes of every study
whose hash is unchanged instead of processing it again, and patches a copy of
the earlier store (hard links: cheap) with the graphs that changed, unless
too many did, when a new store is loaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import InputError, StoreError
from kg.rdf import (
    graph_iri,
    nquads_bytes,
    record_quads,
    study_key,
    turtle_body,
    turtle_prefix_header,
    vocab_quads,
)
from kg.record import Rejection, TrialRecord
from kg.sources import iter_records

ROOT = Path(__file__).resolve().parents[1]
INDEX_FILE = "studies.jsonl"
INDEX_VERSION = 1
PATCH_FRACTION = 0.25  # patch the earlier store when at most this share of its graphs change


@dataclass
class BuildReport:
    """What a build did; ``read == built + rejected`` always holds."""

    out_dir: str
    read: int = 0
    built: int = 0
    rejected: int = 0
    triples: int = 0
    seconds: float = 0.0
    by_format: dict[str, int] = field(default_factory=dict)
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    first_rejections: list[dict[str, Any]] = field(default_factory=list)
    jobs: int = 1
    mode: str = "full"  # "incremental" when an earlier build in the folder was used
    store: str = "loaded"  # "patched": the earlier store with the changed graphs replaced
    added: int = 0  # studies built that the earlier build did not have (all, in a full build)
    changed: int = 0  # studies processed again: their record or the code changed
    unchanged: int = 0  # studies copied from the earlier build
    removed: int = 0  # studies of the earlier build not in the inputs, dropped (--prune)
    kept: int = 0  # studies of the earlier build not in the inputs, kept (no --prune)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        lines = [
            f"records read: {self.read} = studies built: {self.built} + records rejected: "
            f"{self.rejected}",
            f"triples: {self.triples} in {self.seconds:.1f} s -> {self.out_dir} ({self.jobs} jobs)",
        ]
        if self.mode == "incremental":
            line = (
                f"incremental: {self.added} added, {self.changed} changed, {self.unchanged} "
                f"unchanged, {self.removed} removed; store {self.store}"
            )
            if self.kept:
                line += (
                    f"; {self.kept} studies of the earlier build not in the inputs kept "
                    "(--prune drops them)"
                )
            lines.append(line)
        if self.by_format:
            lines.append(
                "by format: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_format.items()))
            )
        for r in self.first_rejections[:10]:
            lines.append(f"  rejected {r['path']} [{r['position']}]: {r['reason']}")
        if self.rejected > 10:
            lines.append(f"  ... {self.rejected - 10} more in rejected.jsonl")
        return "\n".join(lines)


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out/.trialkg.lock`` or fail at once with a clear error."""
    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / ".trialkg.lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        fh.close()
        raise StoreError(f"{out}: another trialkg process is writing here (lock held)") from exc
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def enrich(record: TrialRecord) -> TrialRecord:
    """Run the text-understanding stage on a record (agents, endpoints, criteria, horizons)."""
    from kg.text.enrich import enrich_record

    return enrich_record(record)


def _progress(total: int | None, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit=" rec", disable=not enabled, file=sys.stderr, smoothing=0.1)


def code_fingerprint() -> str:
    """A digest of the code and vocabularies a study's triples depend on (kg/, ontology/)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        h = hashlib.sha256()
        files = [*ROOT.glob("kg/**/*.py"), *ROOT.glob("ontology/**/*.ttl")]
        for f in sorted(files):
            h.update(f.relative_to(ROOT).as_posix().encode() + b"\0")
            h.update(f.read_bytes())
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


_FINGERPRINT: str | None = None


def record_hash(record: TrialRecord, fingerprint: str) -> str:
    """The content hash of a record as read (source included) under this code."""
    h = hashlib.sha256(fingerprint.encode())
    h.update(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()[:32]


@dataclass
class _Entry:
    """One study of a build: where its bytes are in trials.nq and trials.ttl."""

    key: str
    hash: str
    format: str
    nq: tuple[int, int]  # offset, length
    ttl: tuple[int, int]
    quads: int

    def to_json(self) -> str:
        d = {
            "key": self.key,
            "hash": self.hash,
            "format": self.format,
            "nq": list(self.nq),
            "ttl": list(self.ttl),
            "quads": self.quads,
        }
        return json.dumps(d, ensure_ascii=False)


class _Previous:
    """The build already in the output folder, when its index can be trusted."""

    def __init__(self, out: Path, entries: dict[str, _Entry], code: str, vocab: int) -> None:
        self.out = out
        self.entries = entries
        self.code = code
        self.vocab = vocab  # length of the vocabulary graph's N-Quads, first in trials.nq
        self.nq = os.open(out / "trials.nq", os.O_RDONLY)
        self.ttl = os.open(out / "trials.ttl", os.O_RDONLY)

    @classmethod
    def open(cls, out: Path) -> _Previous | None:
        index = out / INDEX_FILE
        try:
            lines = index.read_text(encoding="utf-8").splitlines()
            header = json.loads(lines[0])
            if header.get("trialkg_index") != INDEX_VERSION:
                return None
            sizes = (out / "trials.nq").stat().st_size, (out / "trials.ttl").stat().st_size
            if [sizes[0], sizes[1]] != header.get("sizes"):
                return None  # the files are not the ones this index describes
            entries = {}
            for line in lines[1:]:
                d = json.loads(line)
                e = _Entry(
                    d["key"], d["hash"], d["format"], tuple(d["nq"]), tuple(d["ttl"]), d["quads"]
                )
                entries[e.key] = e
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return None
        return cls(out, entries, str(header.get("code", "")), int(header["vocab"][1]))

    def nq_bytes(self, e: _Entry) -> bytes:
        return os.pread(self.nq, e.nq[1], e.nq[0])

    def ttl_text(self, e: _Entry) -> str:
        return os.pread(self.ttl, e.ttl[1], e.ttl[0]).decode("utf-8")

    def close(self) -> None:
        os.close(self.nq)
        os.close(self.ttl)


# ----------------------------------------------------------------------------- the work


@dataclass
class _Built:
    """A study ready to write: from the text stage and mapping, or from the previous build."""

    key: str
    hash: str
    format: str
    nq: bytes
    ttl: str
    quads: int
    reused: bool = False


_Task = tuple[str, Any]  # ("process", (record, hash)) | ("reuse", _Entry) | ("reject", Rejection)


def _process(record: TrialRecord, h: str, understand: bool) -> _Built | Rejection:
    src = record.source
    if understand:
        try:
            record = enrich(record)
        except Exception as exc:  # noqa: BLE001 - a bad record never stops a batch
            return Rejection(
                src.path, src.position, f"text understanding failed: {exc!r}", src.format
            )
    try:
        key, _graph, quads = record_quads(record)
    except Exception as exc:  # noqa: BLE001
        return Rejection(src.path, src.position, f"RDF mapping failed: {exc!r}", src.format)
    ttl = f"\n# {key}: {src.path} [{src.position}]\n" + turtle_body(q.triple for q in quads)
    return _Built(key, h, src.format, nquads_bytes(quads), ttl, len(quads))


_UNDERSTAND = True  # set in each worker (and here) before tasks run


def _work(task: _Task) -> Any:
    """One task, in a worker process (or in this one with --jobs 1)."""
    kind, payload = task
    if kind == "process":
        record, h = payload
        return _process(record, h, _UNDERSTAND)
    return task  # reuse / reject: passed through, so results keep the input order


def _init_worker(understand: bool) -> None:
    global _UNDERSTAND
    _UNDERSTAND = understand


def _warm_up() -> None:
    """Load the lexicons and patterns before forking, so every worker shares them."""
    from kg.record import Outcome, Source

    probe = TrialRecord(
        nct_id="NCT00000000",
        title="Pembrolizumab and nab-paclitaxel in non-small cell lung cancer",
        source=Source("warm-up", "ctgov-json", "file"),
        outcomes=[Outcome("primary", "Progression-free survival (RECIST 1.1)", None, "2 years")],
        eligibility={"criteria": "Inclusion Criteria:\n* ECOG 0-1\nExclusion Criteria:\n* none"},
    )
    _process(probe, "", True)


# ----------------------------------------------------------------------------- build


def build(
    inputs: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    fmt: str | None = None,
    progress: bool | None = None,
    understand: bool = True,
    *,
    jobs: int | None = None,
    full: bool = False,
    prune: bool = False,
) -> BuildReport:
    """Build the graph of every record under ``inputs`` into ``out_dir``.

    Writes ``trials.nq`` (one named graph per study plus the vocabulary graph),
    ``trials.ttl`` (the same triples as one Turtle graph), ``rejected.jsonl``,
    ``studies.jsonl`` (per study: content hash and where its bytes are),
    ``build.json`` (this report) and the embedded store ``store/``.

    ``jobs`` worker processes (default: every core) run the text stage and the
    mapping; the output is the same byte for byte whatever ``jobs`` is. When
    ``out_dir`` holds an earlier build, a study whose record and code are
    unchanged (same content hash) is copied from it instead of processed again,
    and only the graphs that changed are replaced in the store; studies of the
    earlier build that the inputs no longer have are kept, or dropped with
    ``prune``. ``full`` ignores the earlier build: the output is then exactly
    the inputs, all processed again.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs: at least 1, got {jobs}")
    inputs = list(inputs)
    if progress is None:
        progress = sys.stderr.isatty()
    with build_lock(out):
        prev = None if full else _Previous.open(out)
        try:
            return _build(
                inputs, out, fmt, progress, understand, jobs or default_jobs(), prev, prune
            )
        finally:
            if prev is not None:
                prev.close()


def default_jobs() -> int:
    """Worker processes by default: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _tasks(
    inputs: list[Any],
    fmt: str | None,
    prev: _Previous | None,
    fingerprint: str,
    seen: dict[str, str],
    gate: threading.Semaphore | None,
    stop: threading.Event,
) -> Iterator[_Task]:
    """Read the inputs in order; what to do with each record (hashing, duplicates, reuse)."""
    for item in iter_records(inputs, fmt):
        if gate is not None:
            gate.acquire()
            if stop.is_set():
                return
        if isinstance(item, Rejection):
            yield ("reject", item)
            continue
        key = study_key(item)
        src = item.source
        where = f"{src.path} [{src.position}]"
        if key in seen:
            yield (
                "reject",
                Rejection(
                    src.path,
                    src.position,
                    f"duplicate: study {key} already built from {seen[key]}",
                    src.format,
                ),
            )
            continue
        seen[key] = where
        h = record_hash(item, fingerprint)
        old = prev.entries.get(key) if prev is not None else None
        if old is not None and old.hash == h:
            yield ("reuse", old)
        else:
            yield ("process", (item, h))


def _build(
    inputs: list[Any],
    out: Path,
    fmt: str | None,
    progress: bool,
    understand: bool,
    jobs: int,
    prev: _Previous | None,
    prune: bool,
) -> BuildReport:
    t0 = time.perf_counter()
    # a build without the text stage makes other triples: never reused by one with it
    fingerprint = code_fingerprint() + ("" if understand else "+no-text-stage")
    report = BuildReport(out_dir=str(out), jobs=jobs)
    report.mode = "incremental" if prev is not None else "full"
    tmp = {n: out / f".{n}.tmp" for n in ("trials.nq", "trials.ttl", "rejected.jsonl", INDEX_FILE)}
    seen: dict[str, str] = {}
    by_format: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    changed: list[str] = []  # keys of studies processed again (added or changed)
    bar = _progress(None, progress)
    pool = None
    gate: threading.Semaphore | None = None
    stop = threading.Event()
    try:
        with (
            open(tmp["trials.nq"], "wb") as nq,
            open(tmp["trials.ttl"], "wb") as ttl,
            open(tmp["rejected.jsonl"], "w", encoding="utf-8") as rej,
            open(tmp[INDEX_FILE], "w", encoding="utf-8") as index,
        ):
            vq = vocab_quads()
            vocab_nq = nquads_bytes(vq)
            vocab_ttl = (
                turtle_prefix_header()
                + "\n# The trialkg ontology and controlled vocabularies\n"
                + turtle_body(q.triple for q in vq)
            ).encode("utf-8")
            nq.write(vocab_nq)
            ttl.write(vocab_ttl)
            w = _Writer(nq, ttl, index, len(vocab_nq), len(vocab_ttl))
            w.vocab_quads = len(vq)
            report.triples += len(vq)
            if jobs > 1:
                import multiprocessing as mp

                _warm_up()
                gate = threading.Semaphore(jobs * _CHUNK * 4)
                ctx = mp.get_context("fork")
                pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(understand,))
                tasks = _tasks(inputs, fmt, prev, fingerprint, seen, gate, stop)
                results: Iterator[Any] = pool.imap(_work, tasks, chunksize=_CHUNK)
            else:
                _init_worker(understand)
                results = map(_work, _tasks(inputs, fmt, prev, fingerprint, seen, None, stop))
            for res in results:
                if gate is not None:
                    gate.release()
                report.read += 1
                bar.update(1)
                if isinstance(res, tuple) and res[0] == "reuse":
                    assert prev is not None
                    e = res[1]
                    res = _Built(
                        e.key, e.hash, e.format, prev.nq_bytes(e), prev.ttl_text(e), e.quads, True
                    )
                elif isinstance(res, tuple):  # ("reject", Rejection)
                    res = res[1]
                if isinstance(res, Rejection):
                    report.rejected += 1
                    reasons[res.reason.split(":")[0][:60]] += 1
                    d = res.to_dict()
                    rej.write(json.dumps(d, ensure_ascii=False) + "\n")
                    if len(report.first_rejections) < 50:
                        report.first_rejections.append(d)
                    continue
                w.write(res)
                report.built += 1
                report.triples += res.quads
                by_format[res.format] += 1
                if res.reused:
                    report.unchanged += 1
                else:
                    changed.append(res.key)
                    if prev is not None and res.key in prev.entries:
                        report.changed += 1
                    else:
                        report.added += 1
            if pool is not None:
                pool.close()
                pool.join()
                pool = None
            gone = [k for k in prev.entries if k not in seen] if prev is not None else []
            if prune:
                report.removed = len(gone)
            else:
                for k in gone:  # kept as they were, after the studies read this time
                    assert prev is not None
                    e = prev.entries[k]
                    w.write(
                        _Built(k, e.hash, e.format, prev.nq_bytes(e), prev.ttl_text(e), e.quads)
                    )
                    report.kept += 1
                    report.triples += e.quads
        _finish_index(tmp[INDEX_FILE], w.header(fingerprint))
        bar.close()
        if prev is not None:
            # graphs of the earlier store that go: replaced, pruned, or now rejected
            changed_keys = set(changed)
            drop = {k for k in prev.entries if k not in w.spans or k in changed_keys}
            same_vocab = prev.vocab == w.vocab and os.pread(prev.nq, w.vocab, 0) == vocab_nq
        if prev is not None and same_vocab and _patchable(out, prev, drop, changed):
            _patch_store(out, tmp["trials.nq"], w.spans, drop, changed)
            report.store = "patched"
        else:
            _load_store(out, tmp["trials.nq"])
            report.store = "loaded"
    except BaseException:
        bar.close()
        if pool is not None:
            if gate is not None:  # the reader may wait for room: let it run out
                stop.set()
                for _ in range(jobs * _CHUNK * 8):
                    gate.release()
            pool.terminate()
            pool.join()
        for p in tmp.values():
            p.unlink(missing_ok=True)
        raise
    for name, p in tmp.items():
        os.replace(p, out / name)
    report.by_format = dict(by_format)
    report.rejection_reasons = dict(reasons)
    report.seconds = time.perf_counter() - t0
    _write_json(out / "build.json", report.to_dict())
    return report


_CHUNK = 16  # records per task sent to a worker


class _Writer:
    """Appends studies to trials.nq, trials.ttl and the index, keeping their offsets."""

    def __init__(self, nq: IO[bytes], ttl: IO[bytes], index: IO[str], nq_pos: int, ttl_pos: int):
        self.nq, self.ttl, self.index = nq, ttl, index
        self.vocab = nq_pos  # the vocabulary graph: the first bytes of trials.nq
        self.vocab_quads = 0
        self.nq_pos, self.ttl_pos = nq_pos, ttl_pos
        self.spans: dict[str, tuple[int, int]] = {}  # key -> its N-Quads bytes in the new file

    def write(self, b: _Built) -> None:
        ttl = b.ttl.encode("utf-8")
        self.nq.write(b.nq)
        self.ttl.write(ttl)
        span = (self.nq_pos, len(b.nq))
        self.spans[b.key] = span
        entry = _Entry(b.key, b.hash, b.format, span, (self.ttl_pos, len(ttl)), b.quads)
        self.index.write(entry.to_json() + "\n")
        self.nq_pos += len(b.nq)
        self.ttl_pos += len(ttl)

    def header(self, fingerprint: str) -> str:
        d = {
            "trialkg_index": INDEX_VERSION,
            "code": fingerprint,
            "vocab": [0, self.vocab],
            "vocab_quads": self.vocab_quads,
            "sizes": [self.nq_pos, self.ttl_pos],
        }
        return json.dumps(d) + "\n"


def _finish_index(path: Path, header: str) -> None:
    """Put the header line before the entries (known only once every study is written)."""
    body = path.read_bytes()
    with open(path, "wb") as fh:
        fh.write(header.encode("utf-8"))
        fh.write(body)


def _patchable(out: Path, prev: _Previous, drop: set[str], add: list[str]) -> bool:
    """Patch the earlier store in place of loading a new one: few graphs change."""
    if not (out / "store" / "CURRENT").is_file():
        return False
    return len(drop) + len(add) <= PATCH_FRACTION * max(1, len(prev.entries))


def _patch_store(
    out: Path, nq_path: Path, spans: dict[str, tuple[int, int]], drop: set[str], add: list[str]
) -> None:
    """A copy of the store (hard links) with ``drop`` graphs removed and ``add`` graphs loaded.

    Swapped in place of the old one like a new store, so a failure leaves the
    old store as it was.
    """
    new, old = out / ".store.tmp", out / ".store.old"
    for p in (new, old):
        if p.exists():
            shutil.rmtree(p)
    part = out / ".changed.nq.tmp"
    try:
        current = ox.Store(str(out / "store"))
        current.backup(str(new))
        del current
        store = ox.Store(str(new))
        for key in sorted(drop):
            store.remove_graph(graph_iri(key))
        fd = os.open(nq_path, os.O_RDONLY)
        try:
            with open(part, "wb") as fh:
                for key in add:
                    off, n = spans[key]
                    fh.write(os.pread(fd, n, off))
        finally:
            os.close(fd)
        if add:
            store.bulk_load(path=str(part), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise StoreError(f"{new}: cannot write the embedded store: {exc}") from exc
    finally:
        part.unlink(missing_ok=True)
    _swap_store(out, new, old)


def _load_store(out: Path, nq_path: Path) -> None:
    """Bulk-load the N-Quads into a fresh store, then swap it in place of the old one."""
    new = out / ".store.tmp"
    old = out / ".store.old"
    for p in (new, old):
        if p.exists():
            shutil.rmtree(p)
    try:
        store = ox.Store(str(new))
        store.bulk_load(path=str(nq_path), format=ox.RdfFormat.N_QUADS)
        store.flush()
        store.optimize()
        del store
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise StoreError(f"{new}: cannot write the embedded store: {exc}") from exc
    _swap_store(out, new, old)


def _swap_store(out: Path, new: Path, old: Path) -> None:
    final = out / "store"
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
