"""Time `trialkg validate` against pyshacl run naively on the whole graph.

    python bench/validate_bench.py --n 1000 --n 10000 [--jobs 2] [--corpus ../shared/corpus]

Builds every record under the corpus once (into --work, reused while kg/ and ontology/ are unchanged),
then for each N takes the vocabulary graph and the first N study graphs of that
build as a sample build folder, and measures in one run:

* ours: ``kg.validate.validate_build`` (study graphs in batches, SHACL-SPARQL on
  Oxigraph), with 1 job and with --jobs jobs, SHACL only, and the violation
  queries apart;
* naive: ``pyshacl.validate`` on one rdflib graph holding the whole sample, with
  the same shapes (``shapes/*.ttl``);
* jena: Apache Jena's ``shacl validate`` (Debian libapache-jena-java, installed
  by ``bench/install-jena.sh``; see ``bench/jena.py``) on one N-Triples file
  holding the union of the sample's graphs (study graphs, and the vocabulary
  graph with the ontology, so ``sh:class`` sees subclasses) and one file with
  the same shapes. Only the ``shacl`` command is timed (writing its input is
  not); its start-up (JVM, Jena, shapes) is measured apart by validating an
  empty graph, and the table gives the ratio with and without it.

The naive run is skipped, with a message, when extrapolating from the smaller
sizes already measured says it would take longer than --naive-limit minutes; it
always runs up to 1000 studies (with a probe at 250 for the growth exponent when
the smallest N is 1000 or more). Jena runs at every --n size, not at the probes
(``--no-jena`` skips it); when it is missing or fails, its columns are "-" and a
line says why.

Each reference's results are counted per (shape, severity) and compared with
ours, with the number of Violations. Ours and Jena's count each (focus node,
path, value) of a shape once: Jena reports one result per solution of a
SHACL-SPARQL query, so a focus node that two solutions reach with the same value
(an endpoint type under two flagged broader types) is reported twice; the
comparison says how many such repeats Jena reported. Jena's ``sh:conforms`` is
false as soon as there is any result, Warnings and Infos included, as SHACL
defines it; ``trialkg validate`` fails on Violations only.
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
from kg.build import code_fingerprint  # noqa: E402
from kg.rdf import VOCAB_GRAPH, nquads_bytes  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import jena  # noqa: E402


def build_corpus(corpus: Path, out: Path) -> dict:
    """Build all of the corpus once; reuse a finished build made by the same code."""
    report = out / "build.json"
    stamp = out / "code.sha1"
    fingerprint = code_fingerprint()  # kg/ and ontology/: a new build when they change
    if (
        report.exists()
        and (out / "trials.nq").exists()
        and stamp.exists()
        and stamp.read_text() == fingerprint
    ):
        return json.loads(report.read_text())
    from kg.build import build

    t0 = time.perf_counter()
    rep = build([corpus], out, progress=sys.stderr.isatty())
    stamp.write_text(fingerprint)
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
    nq.write_bytes(nquads_bytes(quads))
    # as a build writes it: `trialkg load` then sends trials.nq as it is
    meta = {"sample_of": str(build_nq), "built": studies, "triples": len(quads)}
    (out / "build.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
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


def severities(found: Counter) -> dict[str, int]:
    """Result counts per severity."""
    out = dict.fromkeys(kv.SEVERITIES, 0)
    for (_, severity), count in found.items():
        out[severity] = out.get(severity, 0) + count
    return out


def differences(found: Counter, ours_found: Counter) -> str:
    """``shape/severity: theirs vs ours`` for every (shape, severity) counted differently."""
    keys = sorted(set(found) | set(ours_found))
    return "; ".join(
        f"{shape}/{sev}: {found[(shape, sev)]} vs {ours_found[(shape, sev)]}"
        for shape, sev in keys
        if found[(shape, sev)] != ours_found[(shape, sev)]
    )


def jena_setup(work: Path) -> tuple[list[str], Path, float, str]:
    """(command, merged shapes file, start-up seconds, version); raises jena.JenaMissing."""
    work.mkdir(parents=True, exist_ok=True)
    cmd = jena.command(work)
    shapes = work / "jena-shapes.nt"
    jena.write_shapes(kv.shape_files("all"), shapes)
    jena.startup(cmd, shapes, work)  # once to warm the file cache
    start = min(jena.startup(cmd, shapes, work) for _ in range(2))
    return cmd, shapes, start, jena.version(cmd)


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
    ap.add_argument(
        "--jena",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time Apache Jena's shacl (default: yes)",
    )
    args = ap.parse_args(argv)
    sizes = sorted(set(args.n or [1000, 10000]))
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: pass --corpus", file=sys.stderr)
        return 2

    print(f"building {args.corpus} into {args.work / 'corpus'} (once)", file=sys.stderr)
    rep = build_corpus(args.corpus, args.work / "corpus")
    print(f"corpus: {rep['built']} studies, {rep['triples']} triples")
    jena_cmd: list[str] | None = None
    jena_why = "not asked for (--no-jena)"
    jena_start = 0.0
    if args.jena:
        try:
            jena_cmd, jena_shapes, jena_start, version = jena_setup(args.work / "jena")
        except jena.JenaMissing as exc:
            jena_why = str(exc)
        except Exception as exc:  # noqa: BLE001 - the other columns must still be printed
            jena_why = f"{type(exc).__name__}: {exc}"
    if jena_cmd is None:
        print(f"apache jena shacl: NOT RUN, its columns are empty: {jena_why}")
    else:
        print(
            f"apache jena shacl {version or '(version unknown)'}: `{' '.join(jena_cmd[:1])}"
            f"{' ... shacl.shacl' if len(jena_cmd) > 1 else ''} validate`; start-up "
            f"(empty data graph, shapes parsed) {jena_start:.1f} s; data: the union of all "
            "graphs of the sample (study graphs, vocabulary, ontology) as one N-Triples file"
        )

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
        row["ours_found"] = counted(r1)
        row["jena"] = None
        if jena_cmd is not None and n in sizes:
            data = folder / "union.nt"  # written untimed, as naive's load is apart
            try:
                jena.write_data(folder / "trials.nq", data)
                jr = jena.validate(jena_cmd, data, jena_shapes, folder / "jena-report.ttl")
            except Exception as exc:  # noqa: BLE001 - JenaMissing, or anything unexpected
                row["jena_why"] = str(exc)
                print(f"  n={got}: apache jena shacl failed: {exc}", file=sys.stderr)
            else:
                row.update(jena=jr.seconds, jena_cpu=jr.cpu, jena_run=jr)
            finally:
                data.unlink(missing_ok=True)
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
            row["naive_found"] = found
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
            f"{tq:.1f} s; jena {row['jena'] if row['jena'] is None else round(row['jena'], 1)}; "
            f"naive {row['naive'] if row['naive'] is None else round(row['naive'], 1)}"
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
        f"{'naive/ours':>10}  {'cpu ratio':>9}  {'jena shacl':>10}  {'jena/ours':>9}  "
        f"{'-start/ours':>11}  {'cpu ratio':>9}  note"
    )
    print(head)
    for r in rows:
        naive_s = f"{r['naive']:.1f} s" if r["naive"] is not None else "-"
        ratio = f"{r['naive'] / r['ours_1']:.0f}x" if r["naive"] is not None else "-"
        cratio = f"{r['naive_cpu'] / r['cpu_1']:.0f}x" if r["naive"] is not None else "-"
        jena_s = jratio = jnet = jcpu = "-"
        if r["jena"] is not None:
            jena_s = f"{r['jena']:.1f} s"
            jratio = f"{r['jena'] / r['ours_1']:.1f}x"
            jnet = f"{max(r['jena'] - jena_start, 0.0) / r['ours_1']:.1f}x"
            jcpu = f"{r['jena_cpu'] / r['cpu_1']:.1f}x"
        print(
            f"{r['n']:>8}  {r['ours_1']:>8.1f} s  {r['ours_1'] / r['n'] * 1000:>8.2f}  "
            f"{r['cpu_1'] / r['n'] * 1000:>9.2f}  {r['ours_j']:>9.1f} s  {r['queries']:>5.1f} s  "
            f"{naive_s:>13}  {ratio:>10}  {cratio:>9}  {jena_s:>10}  {jratio:>9}  {jnet:>11}  "
            f"{jcpu:>9}  {r['note']}"
        )
    if jena_cmd is not None:
        print(
            f"jena/ours: the whole `shacl validate` command; -start/ours: less its start-up "
            f"({jena_start:.1f} s); ratios above 1 mean ours is faster"
        )
    for r in rows:
        if jena_cmd is not None and r["jena"] is None:
            print(f"apache jena shacl missing at n={r['n']}: {r.get('jena_why', 'not run')}")

    print()
    print(
        "SHACL results per severity (Violation/Warning/Info), each (shape, focus node, path, "
        "value) once; sh:conforms as SHACL defines it (no result of any severity; trialkg "
        "validate's own verdict fails on Violations only)"
    )
    print(
        f"{'studies':>8}  {'ours':>17}  {'jena shacl':>17}  {'naive pyshacl':>17}  "
        f"{'sh:conforms ours/jena':>21}  comparison per (shape, severity)"
    )
    for r in rows:
        cells, notes = [], []
        ours_sev = severities(r["ours_found"])
        for name, found in (
            ("ours", r["ours_found"]),
            ("jena", r["jena_run"].results if r["jena"] is not None else None),
            ("naive", r.get("naive_found")),
        ):
            if found is None:
                cells.append("-")
                continue
            sev = severities(found)
            cells.append("/".join(str(sev[s]) for s in kv.SEVERITIES))
            if name == "ours":
                continue
            if name == "jena" and r["jena_run"].conforms != (not r["ours_found"]):
                notes.append(
                    f"jena sh:conforms {r['jena_run'].conforms} vs ours {not r['ours_found']}"
                )
            if name == "jena" and r["jena_run"].reported != sum(found.values()):
                notes.append(
                    f"jena reported {r['jena_run'].reported} results, "
                    f"{r['jena_run'].reported - sum(found.values())} of them repeats (one per "
                    "SPARQL solution, the same focus node, path and value)"
                )
            diff = differences(found, r["ours_found"])
            if diff:
                notes.append(f"{name} vs ours DIFFER: {diff}")
            elif sev != ours_sev:
                notes.append(f"{name} vs ours DIFFER in severities")
            else:
                notes.append(f"{name} agrees")
        conforms = f"{not r['ours_found']}/" + (
            str(r["jena_run"].conforms) if r["jena"] is not None else "-"
        )
        print(
            f"{r['n']:>8}  {cells[0]:>17}  {cells[1]:>17}  {cells[2]:>17}  {conforms:>21}  "
            f"{'; '.join(notes) or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
