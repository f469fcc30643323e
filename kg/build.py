"""``trialkg build``: stream records into N-Quads, Turtle and the embedded store.

Every record read ends as a built study or as a rejection (file, position,
reason), and the report's numbers always satisfy ``read = built + rejected``.
Outputs are written under temporary names and moved into place at the end, so
a failed build leaves the previous output intact; a lock file keeps two builds
out of the same folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import InputError, StoreError
from kg.rdf import nquads_bytes, record_quads, turtle_body, turtle_prefix_header, vocab_quads
from kg.record import Rejection, TrialRecord
from kg.sources import iter_records


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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        lines = [
            f"records read: {self.read} = studies built: {self.built} + records rejected: "
            f"{self.rejected}",
            f"triples: {self.triples} in {self.seconds:.1f} s -> {self.out_dir}",
        ]
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


def build(
    inputs: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    fmt: str | None = None,
    progress: bool | None = None,
    understand: bool = True,
    on_record: Callable[[TrialRecord], None] | None = None,
) -> BuildReport:
    """Build the graph of every record under ``inputs`` into ``out_dir``.

    Writes ``trials.nq`` (one named graph per study plus the vocabulary graph),
    ``trials.ttl`` (the same triples as one Turtle graph), ``rejected.jsonl``,
    ``build.json`` (this report) and the embedded store ``store/``.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    inputs = list(inputs)
    if progress is None:
        progress = sys.stderr.isatty()
    with build_lock(out):
        return _build(inputs, out, fmt, progress, understand, on_record)


def _build(
    inputs: list[Any],
    out: Path,
    fmt: str | None,
    progress: bool,
    understand: bool,
    on_record: Callable[[TrialRecord], None] | None,
) -> BuildReport:
    t0 = time.perf_counter()
    report = BuildReport(out_dir=str(out))
    nq_tmp, ttl_tmp, rej_tmp = (
        out / f".{n}.tmp" for n in ("trials.nq", "trials.ttl", "rejected.jsonl")
    )
    seen: dict[str, str] = {}
    by_format: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    bar = _progress(None, progress)
    try:
        with (
            open(nq_tmp, "wb") as nq,
            open(ttl_tmp, "w", encoding="utf-8") as ttl,
            open(rej_tmp, "w", encoding="utf-8") as rej,
        ):
            ttl.write(turtle_prefix_header())
            ttl.write("\n# The trialkg ontology and controlled vocabularies\n")
            vq = vocab_quads()
            nq.write(nquads_bytes(vq))
            ttl.write(turtle_body(q.triple for q in vq))
            report.triples += len(vq)
            for item in iter_records(inputs, fmt):
                report.read += 1
                bar.update(1)
                if isinstance(item, TrialRecord):
                    item = _build_one(item, seen, understand, nq, ttl, report, on_record)
                if isinstance(item, Rejection):
                    report.rejected += 1
                    reasons[item.reason.split(":")[0][:60]] += 1
                    d = item.to_dict()
                    rej.write(json.dumps(d, ensure_ascii=False) + "\n")
                    if len(report.first_rejections) < 50:
                        report.first_rejections.append(d)
                else:
                    report.built += 1
                    by_format[item.source.format] += 1
    except BaseException:
        bar.close()
        for p in (nq_tmp, ttl_tmp, rej_tmp):
            p.unlink(missing_ok=True)
        raise
    bar.close()
    _load_store(out, nq_tmp)
    for tmp, name in ((nq_tmp, "trials.nq"), (ttl_tmp, "trials.ttl"), (rej_tmp, "rejected.jsonl")):
        os.replace(tmp, out / name)
    report.by_format = dict(by_format)
    report.rejection_reasons = dict(reasons)
    report.seconds = time.perf_counter() - t0
    _write_json(out / "build.json", report.to_dict())
    return report


def _build_one(
    record: TrialRecord,
    seen: dict[str, str],
    understand: bool,
    nq: IO[bytes],
    ttl: IO[str],
    report: BuildReport,
    on_record: Callable[[TrialRecord], None] | None,
) -> TrialRecord | Rejection:
    src = record.source
    if understand:
        try:
            record = enrich(record)
        except Exception as exc:  # noqa: BLE001 - a bad record never stops a batch
            return Rejection(
                src.path, src.position, f"text understanding failed: {exc!r}", src.format
            )
    try:
        key, graph, quads = record_quads(record)
    except Exception as exc:  # noqa: BLE001
        return Rejection(src.path, src.position, f"RDF mapping failed: {exc!r}", src.format)
    where = f"{src.path} [{src.position}]"
    if key in seen:
        return Rejection(
            src.path,
            src.position,
            f"duplicate: study {key} already built from {seen[key]}",
            src.format,
        )
    seen[key] = where
    nq.write(nquads_bytes(quads))
    ttl.write(f"\n# {key}: {where}\n")
    ttl.write(turtle_body(q.triple for q in quads))
    report.triples += len(quads)
    if on_record:
        on_record(record)
    return record


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
    final = out / "store"
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
