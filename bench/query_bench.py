"""Time every saved query on the embedded store and on rdflib, at 1k and 10k studies.

    python bench/query_bench.py --n 1000 --n 10000 [--corpus ../shared/corpus] [--work DIR]
    python bench/query_bench.py --quick          # n=1000 only

Builds every record under the corpus once (into --work, reused while kg/ and
ontology/ are unchanged; ``build_corpus`` and ``sample`` of
``bench/validate_bench.py``), then for each N takes the vocabulary graph and the
first N study graphs of that build as a sample build folder, and measures in one
run:

* the embedded store's load: ``bulk_load`` of the sample's N-Quads into a new
  on-disk store, as ``trialkg build`` does (wall and CPU seconds);
* every saved query (``kg.queries.list_queries()``: SELECT, CONSTRUCT and the
  ``*-violation`` queries), run with its default parameters through
  ``kg.queries.run_query`` on ``kg.sparql.EmbeddedTarget`` (the store opened
  read-only, as the command line does): one warm-up, then the best of 3 runs
  (wall and the CPU seconds of that run);
* rdflib's parse of the sample's N-Quads into a ``Dataset(default_union=True)``
  and every saved query on ``kg.sparql.RdflibTarget``, once. The queries run in
  a worker process forked from the one holding the parsed dataset; a query still
  running after --rdflib-timeout seconds (default 120) is stopped (the worker is
  killed and another forked) and shown as ">120 s"; a query stopped at a
  smaller size is not run again at a larger one (whose sample holds the smaller
  one), and shown as ">120 s" with a note saying so. rdflib runs at the sizes up
  to --rdflib-max-n (default 10000; parsing ~1M triples takes minutes and some
  queries are much slower there, lower it to keep a run short);
* whether both engines gave the same answer: rows sorted, floats rounded to 6
  places, GROUP_CONCAT lists (separators "; " and " | ") compared as sorted
  lists; a CONSTRUCT's triples compared sorted.

The target is "every saved query under 1 s at 10k trials on the embedded store":
each query's embedded time at N=10000 is marked PASS/FAIL, with a summary line.

Then the largest sample (the 10k one in a full run) is loaded into a local
Oxigraph server (``oxigraph serve`` on a free port on 127.0.0.1, new store in a
temporary folder, stopped afterwards) with ``kg.load.load_to_endpoint``, and
two rates are set against the target of at least 100,000 triples/s: sending
(from the first batch started to the last one the server confirmed) and the
whole call (reading the source, sending, and the count check of every graph).
``--no-load`` skips it.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import validate_bench as vb  # noqa: E402

from kg.queries import SavedQuery, list_queries, run_query  # noqa: E402
from kg.sparql import Answer, EmbeddedTarget, RdflibTarget  # noqa: E402
from kg.store import open_store  # noqa: E402

TARGET_S = 1.0  # every saved query under this at TARGET_N studies on the embedded store
TARGET_N = 10000
SEPARATORS = ("; ", " | ")


# ----------------------------------------------------------------------------- answers


def _norm(v: Any) -> Any:
    """A value compared across engines: floats to 6 places, joined lists as sorted tuples."""
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, str):
        for sep in SEPARATORS:
            if sep in v:
                return tuple(sorted(v.split(sep)))
    return v


def rows_of(answer: Answer) -> list[tuple[Any, ...]]:
    """The answer as sorted, normalised rows (a CONSTRUCT's triples as N-Triples terms)."""
    if answer.kind == "graph":
        return sorted((str(t.subject), str(t.predicate), str(t.object)) for t in answer.triples)
    if answer.kind == "ask":
        return [(answer.boolean,)]
    return sorted((tuple(_norm(r[c]) for c in answer.columns) for r in answer.rows), key=repr)


def _cpu() -> float:
    return time.process_time()


# ----------------------------------------------------------------------------- embedded


@dataclass
class Timing:
    seconds: float | None = None  # None: not run, or stopped at the time limit
    cpu: float | None = None
    rows: list[tuple[Any, ...]] | None = None
    kind: str = ""
    error: str = ""
    timed_out: bool = False
    note: str = ""


def time_embedded(store: ox.Store, q: SavedQuery, repeats: int = 3) -> Timing:
    """One warm-up, then the best of ``repeats`` runs (a warm-up over 30 s is the figure)."""
    target = EmbeddedTarget(store)
    t0, c0 = time.perf_counter(), _cpu()
    try:
        answer = run_query(target, q)
    except Exception as exc:  # noqa: BLE001 - a failing query is reported, not fatal
        return Timing(error=f"{type(exc).__name__}: {exc}")
    warm, warm_cpu = time.perf_counter() - t0, _cpu() - c0
    if warm > 30:
        return Timing(warm, warm_cpu, rows_of(answer), answer.kind, note="1 run (over 30 s)")
    best, best_cpu = float("inf"), 0.0
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), _cpu()
        answer = run_query(target, q)
        t, c = time.perf_counter() - t0, _cpu() - c0
        if t < best:
            best, best_cpu = t, c
    return Timing(best, best_cpu, rows_of(answer), answer.kind)


def load_embedded(nq: Path, folder: Path) -> tuple[float, float, int]:
    """(wall s, CPU s, quads): bulk-load ``nq`` into a new store at ``folder``, as a build does."""
    if folder.exists():
        shutil.rmtree(folder)
    gc.collect()
    t0, c0 = time.perf_counter(), _cpu()
    store = ox.Store(str(folder))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    t, c = time.perf_counter() - t0, _cpu() - c0
    quads = len(store)
    del store
    return t, c, quads


# ----------------------------------------------------------------------------- rdflib

_DATASET: Any = None  # the parsed rdflib Dataset, inherited by the forked workers


def _rdflib_worker(conn: Any, queries: list[SavedQuery]) -> None:
    """Run the queries the parent asks for (by index) on the inherited dataset, one at a time."""
    warnings.simplefilter("ignore")
    target = RdflibTarget(_DATASET)
    while True:
        try:
            i = conn.recv()
        except EOFError:
            return
        if i is None:
            return
        t0, c0 = time.perf_counter(), _cpu()
        try:
            answer = run_query(target, queries[i])
        except Exception as exc:  # noqa: BLE001 - reported per query
            conn.send((None, None, None, "", f"{type(exc).__name__}: {exc}"))
            continue
        t, c = time.perf_counter() - t0, _cpu() - c0
        conn.send((t, c, rows_of(answer), answer.kind, ""))


class RdflibRunner:
    """Queries on the parsed dataset in a forked worker, each stopped after ``limit`` seconds."""

    def __init__(self, queries: list[SavedQuery], limit: float) -> None:
        self.queries = queries
        self.limit = limit
        self.ctx = mp.get_context("fork")
        self.proc: Any = None
        self.conn: Any = None

    def _start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_rdflib_worker, args=(child, self.queries), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
            self.conn.close()
        self.proc = self.conn = None

    def run(self, i: int) -> Timing:
        if self.proc is None:
            self._start()
        self.conn.send(i)
        if not self.conn.poll(self.limit):
            self._kill()
            return Timing(timed_out=True)
        try:
            t, c, rows, kind, err = self.conn.recv()
        except EOFError:
            code = self.proc.exitcode if self.proc else None
            self._kill()
            return Timing(error=f"the rdflib worker died (exit code {code})")
        return Timing(t, c, rows, kind, error=err)

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.conn.send(None)
                self.proc.join(timeout=10)
            except OSError:
                pass
            self._kill()


def parse_rdflib(nq: Path) -> tuple[Any, float, float]:
    """(dataset, wall s, CPU s): the sample's N-Quads in an rdflib Dataset, union as default."""
    from rdflib import Dataset

    gc.collect()
    t0, c0 = time.perf_counter(), _cpu()
    ds = Dataset(default_union=True)
    ds.parse(str(nq), format="nquads")
    return ds, time.perf_counter() - t0, _cpu() - c0


# ----------------------------------------------------------------------------- load


def load_server(folder: Path, n: int) -> list[str]:
    """Load the sample into a fresh local Oxigraph server; the lines to print."""
    import load_bench as lb

    from kg.errors import TrialKGError

    try:
        with lb.oxigraph_server() as server:
            run = lb.load_once(folder, server)
    except TrialKGError as exc:
        return [f"load: FAILED ({exc})"]
    r = run.report
    return [
        f"load into a local Oxigraph server ({server.version}, `oxigraph serve`, new store) "
        f"with kg.load.load_to_endpoint: {n} studies, {r.triples:,} triples, method "
        f"{r.method}, {r.jobs} batches at once; target >= {lb.LOAD_TARGET:,} triples/s "
        "(by method and jobs: make bench-load)",
        *lb.describe(run),
    ]


# ----------------------------------------------------------------------------- main


@dataclass
class SizeResult:
    n: int
    quads: int
    emb_load: tuple[float, float]
    rdf_load: tuple[float, float] | None
    rdf_triples: int = 0
    emb: dict[str, Timing] = field(default_factory=dict)
    rdf: dict[str, Timing] = field(default_factory=dict)
    rdflib_why: str = ""


def _fmt_s(t: Timing | None, limit: float) -> str:
    if t is None:
        return "-"
    if t.timed_out:
        return f">{limit:.0f} s"
    if t.error:
        return "ERROR"
    if t.seconds is None:
        return "-"
    return f"{t.seconds:.3f}" if t.seconds < 10 else f"{t.seconds:.1f}"


def _same(e: Timing, r: Timing | None) -> str:
    if r is None or r.seconds is None or r.rows is None or e.rows is None:
        return "-"
    return "yes" if e.rows == r.rows and e.kind == r.kind else "NO"


def _diff_lines(name: str, n: int, e: Timing, r: Timing) -> list[str]:
    a, b = e.rows or [], r.rows or []
    only_e = [x for x in a if x not in set(b)] if len(a) * len(b) < 10**8 else []
    only_r = [x for x in b if x not in set(a)] if len(a) * len(b) < 10**8 else []
    out = [
        f"  {name} at n={n}: embedded {len(a)} rows ({e.kind}), rdflib {len(b)} rows ({r.kind}); "
        f"{len(only_e)} only in embedded, {len(only_r)} only in rdflib"
    ]
    out += [f"    embedded only: {x!r}"[:400] for x in only_e[:3]]
    out += [f"    rdflib only:   {x!r}"[:400] for x in only_r[:3]]
    if not only_e and not only_r:
        out.append("    same distinct rows, different multiplicities")
    return out


def main(argv: list[str] | None = None) -> int:
    global _DATASET
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, action="append", help="sample sizes (repeatable)")
    ap.add_argument("--quick", action="store_true", help="n=1000 only")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--work", type=Path, default=Path("/tmp/trialkg-query-bench"))
    ap.add_argument(
        "--rdflib-max-n",
        type=int,
        default=10000,
        help="run rdflib only at sizes up to this (default 10000)",
    )
    ap.add_argument(
        "--rdflib-timeout",
        type=float,
        default=120.0,
        help="seconds before an rdflib query is stopped (default 120)",
    )
    ap.add_argument(
        "--load",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time loading the largest sample into a local Oxigraph server (default: yes)",
    )
    args = ap.parse_args(argv)
    sizes = [1000] if args.quick else sorted(set(args.n or [1000, 10000]))
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: pass --corpus", file=sys.stderr)
        return 2
    limit = args.rdflib_timeout
    queries = list_queries()
    started = time.perf_counter()

    print(f"building {args.corpus} into {args.work / 'corpus'} (once)", file=sys.stderr)
    args.work.mkdir(parents=True, exist_ok=True)
    rep = vb.build_corpus(args.corpus, args.work / "corpus")
    print(f"corpus: {rep['built']} studies, {rep['triples']} triples")
    print(
        f"{len(queries)} saved queries, default parameters; machine: {os.cpu_count()} cores "
        "(may be shared: CPU seconds are the steadier figure)"
    )

    results: list[SizeResult] = []
    stopped_at: dict[str, int] = {}  # query -> the size where rdflib was stopped at the limit
    folder = args.work
    for n in sizes:
        folder = args.work / f"sample-{n}"
        print(f"n={n}: sampling", file=sys.stderr)
        got = vb.sample(args.work / "corpus" / "trials.nq", n, folder)
        nq = folder / "trials.nq"
        t, c, quads = load_embedded(nq, folder / "store")
        res = SizeResult(got, quads, (t, c), None)
        print(f"n={got}: embedded load {t:.1f} s; timing queries", file=sys.stderr)
        store = open_store(folder)
        for q in queries:
            res.emb[q.name] = e = time_embedded(store, q)
            print(f"  embedded {q.name}: {_fmt_s(e, limit)} {e.error}", file=sys.stderr)
        del store
        gc.collect()

        if got <= args.rdflib_max_n:
            print(f"n={got}: parsing the N-Quads with rdflib", file=sys.stderr)
            _DATASET, t, c = parse_rdflib(nq)
            res.rdf_load = (t, c)
            res.rdf_triples = len(_DATASET)
            gc.freeze()  # the forked workers then leave the dataset's pages shared
            runner = RdflibRunner(queries, limit)
            try:
                for i, q in enumerate(queries):
                    if q.name in stopped_at:  # the sample holds the smaller one: no need to wait
                        res.rdf[q.name] = Timing(
                            timed_out=True,
                            note=f"rdflib not rerun: over {limit:.0f} s at n={stopped_at[q.name]}",
                        )
                        continue
                    res.rdf[q.name] = r = runner.run(i)
                    if r.timed_out:
                        stopped_at[q.name] = got
                    print(f"  rdflib {q.name}: {_fmt_s(r, limit)} {r.error}", file=sys.stderr)
            finally:
                runner.close()
                _DATASET = None
                gc.unfreeze()
                gc.collect()
        else:
            res.rdflib_why = f"rdflib not run (n > --rdflib-max-n {args.rdflib_max_n})"
        results.append(res)

    load_lines: list[str] = []
    if args.load:
        print(f"loading the {results[-1].n}-study sample into Oxigraph", file=sys.stderr)
        load_lines = load_server(folder, results[-1].n)

    print()
    print("loads (wall s, CPU s in brackets)")
    print(f"{'studies':>8}  {'quads':>9}  {'embedded bulk_load':>20}  {'rdflib parse':>20}  ratio")
    for r in results:
        emb = f"{r.emb_load[0]:.1f} ({r.emb_load[1]:.1f})"
        rdf = f"{r.rdf_load[0]:.1f} ({r.rdf_load[1]:.1f})" if r.rdf_load else "-"
        ratio = f"{r.rdf_load[0] / r.emb_load[0]:.0f}x" if r.rdf_load else r.rdflib_why
        print(f"{r.n:>8}  {r.quads:>9}  {emb:>20}  {rdf:>20}  {ratio}")

    fails: list[str] = []
    disagree: list[str] = []
    for r in results:
        at_target = r.n >= TARGET_N
        print()
        print(
            f"n={r.n} studies ({r.quads} quads): seconds per query; embedded = best of 3 after a "
            f"warm-up, rdflib = one run, stopped after {limit:.0f} s; ratio = rdflib/embedded "
            "(wall; CPU in brackets)"
            + (f"; target: under {TARGET_S:.0f} s on the embedded store" if at_target else "")
        )
        head = (
            f"{'query':<38} {'kind':<6} {'rows':>6}  {'embedded':>8} {'cpu':>7}  "
            f"{'rdflib':>8} {'cpu':>7}  {'ratio':>16}  {'same':>4}"
        )
        print(head + ("  target" if at_target else ""))
        for q in queries:
            e, rd = r.emb[q.name], r.rdf.get(q.name)
            nrows = str(len(e.rows)) if e.rows is not None else "-"
            ecpu = f"{e.cpu:.3f}" if e.cpu is not None else "-"
            rcpu = f"{rd.cpu:.3f}" if rd and rd.cpu is not None else "-"
            ratio = "-"
            if rd and e.seconds:
                if rd.seconds is not None:
                    cr = f" ({rd.cpu / e.cpu:.0f}x)" if e.cpu else ""
                    ratio = f"{rd.seconds / e.seconds:.0f}x{cr}"
                elif rd.timed_out:
                    ratio = f">{limit / e.seconds:.0f}x"
            same = _same(e, rd)
            line = (
                f"{q.name:<38} {e.kind or '-':<6} {nrows:>6}  {_fmt_s(e, limit):>8} {ecpu:>7}  "
                f"{_fmt_s(rd, limit) if rd else '-':>8} {rcpu:>7}  {ratio:>16}  {same:>4}"
            )
            if at_target:
                ok = e.seconds is not None and not e.error and e.seconds < TARGET_S
                line += f"  {'PASS' if ok else 'FAIL'}"
                if not ok:
                    fails.append(
                        f"{q.name} ({_fmt_s(e, limit)}{'' if e.error else ' s'} at n={r.n})"
                    )
            notes = [x for x in (e.note, e.error and f"embedded: {e.error}") if x]
            if rd and rd.error:
                notes.append(f"rdflib: {rd.error}")
            if rd and rd.note:
                notes.append(rd.note)
            if notes:
                line += "  " + "; ".join(notes)
            print(line)
            if same == "NO":
                disagree += _diff_lines(q.name, r.n, e, rd)  # type: ignore[arg-type]
        if r.rdflib_why:
            print(f"({r.rdflib_why})")
        done = [x for x in r.rdf.values() if x.seconds is not None]
        if done:
            tot_e = sum(r.emb[q].seconds or 0 for q, x in r.rdf.items() if x.seconds is not None)
            tot_r = sum(x.seconds or 0 for x in done)
            stopped = sum(1 for x in r.rdf.values() if x.timed_out)
            print(
                f"total over the {len(done)} queries rdflib finished: embedded {tot_e:.2f} s, "
                f"rdflib {tot_r:.1f} s ({tot_r / tot_e:.0f}x); rdflib over {limit:.0f} s: "
                f"{stopped}; rdflib errors: {sum(1 for x in r.rdf.values() if x.error)}; "
                "answers differ: "
                f"{sum(1 for q in queries if _same(r.emb[q.name], r.rdf.get(q.name)) == 'NO')}"
            )

    print()
    if any(r.n >= TARGET_N for r in results):
        if fails:
            print(
                f"target (every saved query under {TARGET_S:.0f} s at {TARGET_N} studies on the "
                f"embedded store): FAIL, {len(fails)} of {len(queries)} over: {', '.join(fails)}"
            )
        else:
            print(
                f"target (every saved query under {TARGET_S:.0f} s at {TARGET_N} studies on the "
                f"embedded store): PASS, {len(queries)} of {len(queries)}"
            )
    else:
        print(
            f"target (every saved query under 1 s at {TARGET_N} studies): not measured (no n>=10000)"
        )
    if disagree:
        print("answers that differ between the engines:")
        for x in disagree:
            print(x)
    print()
    if args.load:
        for x in load_lines:
            print(x)
    else:
        print("load: NOT RUN (--no-load)")
    print(f"bench run time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
