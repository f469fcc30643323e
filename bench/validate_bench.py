"""Time `trialkg validate` against pyshacl run naively on the whole graph.

    python bench/validate_bench.py --n 1000 --n 10000 [--jobs 2] [--corpus ../shared/corpus]

Builds every record under the corpus once (into --work, reused when present),
then for each N takes the vocabulary graph and the first N study graphs of that
build as a sample build folder, and measures in one run:

* ours: ``kg.validate.validate_build`` (study graphs in batches, SHACL-SPARQL on
  Oxigraph), with 1 job and with --jobs jobs, SHACL only, and the violation
  queries apart;
* naive: ``pyshacl.validate`` on one rdflib graph holding the whole sample, with
  the same shapes (``shapes/*.ttl``).

The naive run is skipped, with a message, when extrapolating from the smaller
sizes already measured says it would take longer than --naive-limit minutes; it
always runs up to 1000 studies (with a probe at 250 for the growth exponent when
the smallest N is 1000 or more). Apache Jena's ``shacl`` (Debian
libapache-jena-java) would be a third reference; it is not run here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg import validate as kv  # noqa: E402
from kg.rdf import VOCAB_GRAPH  # noqa: E402


def build_corpus(corpus: Path, out: Path) -> dict:
    """Build all of the corpus once; reuse a finished build."""
    report = out / "build.json"
    if report.exists() and (out / "trials.nq").exists():
        return json.loads(report.read_text())
    from kg.build import build

    t0 = time.perf_counter()
    rep = build([corpus], out, progress=sys.stderr.isatty())
    reasons = " ".join(r["reason"] for r in rep.first_rejections)
    if "text understanding failed" in reasons:
        print("  (kg.text is incomplete: building without text understanding)", file=sys.stderr)
        rep = build([corpus], out, progress=sys.stderr.isatty(), understand=False)
    print(f"  built {rep.built} studies in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return rep.to_dict()


def sample(build_nq: Path, n: int, out: Path) -> int:
    """A build folder with the vocabulary and the first ``n`` study graphs; returns the count."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    quads: list[ox.Quad] = []
    studies = 0
    current = None
    for q in ox.parse(path=str(build_nq), format=ox.RdfFormat.N_QUADS):
        if q.graph_name != current:
            current = q.graph_name
            if current != VOCAB_GRAPH:
                studies += 1
                if studies > n:
                    studies = n
                    break
        quads.append(q)
    nq = out / "trials.nq"
    nq.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    store = ox.Store(str(out / "store"))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    return studies


def _cpu() -> float:
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def ours(folder: Path, jobs: int) -> tuple[float, float, kv.ValidationResult]:
    """(wall s, CPU s of this process and its workers, result)."""
    t0, c0 = time.perf_counter(), _cpu()
    result = kv.validate_build(folder, jobs=jobs, run_queries=False)
    return time.perf_counter() - t0, _cpu() - c0, result


def queries(folder: Path) -> float:
    from kg.store import open_store

    t0 = time.perf_counter()
    kv.run_violation_queries(open_store(folder))
    return time.perf_counter() - t0


def naive(folder: Path) -> tuple[float, float, Counter]:
    """pyshacl on the whole sample in one rdflib graph: (load s, validate s, results)."""
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import SH

    t0 = time.perf_counter()
    g = Graph()
    for q in ox.parse(path=str(folder / "trials.nq"), format=ox.RdfFormat.N_QUADS):
        g.add((kv._to_rdflib(q.subject), kv._to_rdflib(q.predicate), kv._to_rdflib(q.object)))
    t1 = time.perf_counter()
    _, report, _ = pyshacl.validate(g, shacl_graph=kv.load_shapes("all"), inference="none")
    t2 = time.perf_counter()
    found: Counter = Counter()
    for r in report.objects(None, SH.result):
        shape = str(report.value(r, SH.sourceShape)).rsplit("#", 1)[-1]
        severity = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        found[(shape, severity)] += 1
    return t1 - t0, t2 - t1, found


def counted(result: kv.ValidationResult) -> Counter:
    """Results per (shape, severity), each focus node once (as pyshacl reports them)."""
    seen = {
        (r.shape.rsplit("#", 1)[-1], r.severity, r.focus_n3, r.path, r.value_n3)
        for r in result.results
    }
    return Counter((s, sev) for s, sev, *_ in seen)


def predict(measured: list[tuple[int, float]], n: int) -> float:
    """Extrapolate naive seconds to ``n`` studies (power law through the last two sizes).

    The exponent is at least 1 (and 2 when only one size was measured): every
    SHACL-SPARQL focus node is evaluated against the whole graph.
    """
    import math

    if len(measured) >= 2:
        (n1, t1), (n2, t2) = measured[-2:]
        k = max(1.0, math.log(t2 / t1) / math.log(n2 / n1)) if n2 != n1 and t1 > 0 else 2.0
    else:
        (n2, t2), k = measured[-1], 2.0  # the per-focus-node SPARQL scans grow with N
    return t2 * (n / n2) ** k


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, action="append", help="sample sizes (repeatable)")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--work", type=Path, default=Path("/tmp/trialkg-validate-bench"))
    ap.add_argument("--naive-limit", type=float, default=20.0, help="minutes (default 20)")
    args = ap.parse_args(argv)
    sizes = sorted(set(args.n or [1000, 10000]))
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: pass --corpus", file=sys.stderr)
        return 2

    print(f"building {args.corpus} into {args.work / 'corpus'} (once)", file=sys.stderr)
    rep = build_corpus(args.corpus, args.work / "corpus")
    print(f"corpus: {rep['built']} studies, {rep['triples']} triples")
    print("apache jena shacl: not run (optional third reference, skipped for now)")

    rows = []
    measured: list[tuple[int, float]] = []
    limit = args.naive_limit * 60
    # Naive probes at smaller sizes give the growth exponent for the extrapolation.
    probes = [p for p in (250, 1000) if p < sizes[0]] if sizes[0] >= 1000 else []
    for n in probes + sizes:
        folder = args.work / f"sample-{n}"
        got = sample(args.work / "corpus" / "trials.nq", n, folder)
        t1, c1, r1 = ours(folder, 1)
        tj, cj, rj = ours(folder, args.jobs)
        assert r1.results == rj.results, "jobs must not change the results"
        tq = queries(folder)
        row = {"n": got, "ours_1": t1, "cpu_1": c1, "ours_j": tj, "queries": tq, "naive": None}
        row["note"] = ""
        if measured and got > 1000 and predict(measured, got) > limit:
            sizes_seen = " and ".join(str(m) for m, _ in measured[-2:])
            row["note"] = (
                f"naive skipped: extrapolated from {sizes_seen} studies to "
                f"{predict(measured, got) / 60:.0f} min > {args.naive_limit:.0f} min"
            )
        else:
            c0 = _cpu()
            load, tn, found = naive(folder)
            row["naive_cpu"] = _cpu() - c0 - load
            measured.append((got, tn))
            row["naive"] = tn
            same = found == counted(r1)
            row["note"] = f"naive load {load:.1f} s; results {'agree' if same else 'DIFFER'}"
            if not same:
                diff = (found - counted(r1)) + (counted(r1) - found)
                row["note"] += f" {dict(diff)}"
        if n in sizes:
            rows.append(row)
        print(
            f"  n={got}: ours {t1:.1f} s (1 job), {tj:.1f} s ({args.jobs} jobs), queries "
            f"{tq:.1f} s; naive {row['naive'] if row['naive'] is None else round(row['naive'], 1)}"
            f" ({row['note']})",
            file=sys.stderr,
        )

    print()
    print(
        "wall-clock seconds; ms/study and ratios also in CPU seconds (the machine may be "
        "shared, so CPU time is the steadier figure)"
    )
    head = (
        f"{'studies':>8}  {'ours 1 job':>10}  {'ms/study':>8}  {'cpu ms/st':>9}  "
        f"{f'ours {args.jobs} jobs':>11}  {'queries':>7}  {'naive pyshacl':>13}  "
        f"{'naive/ours':>10}  {'cpu ratio':>9}  note"
    )
    print(head)
    for r in rows:
        naive_s = f"{r['naive']:.1f} s" if r["naive"] is not None else "-"
        ratio = f"{r['naive'] / r['ours_1']:.0f}x" if r["naive"] is not None else "-"
        cratio = f"{r['naive_cpu'] / r['cpu_1']:.0f}x" if r["naive"] is not None else "-"
        print(
            f"{r['n']:>8}  {r['ours_1']:>8.1f} s  {r['ours_1'] / r['n'] * 1000:>8.2f}  "
            f"{r['cpu_1'] / r['n'] * 1000:>9.2f}  {r['ours_j']:>9.1f} s  {r['queries']:>5.1f} s  "
            f"{naive_s:>13}  {ratio:>10}  {cratio:>9}  {r['note']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
