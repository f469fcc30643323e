"""Build speed and memory at 1k, 10k and 100k trials: ours, plain rdflib, the floor.

    python bench/build_bench.py [--sizes 1000,10000,100000] [--work DIR] [--jobs N]
                                [--plain-max-n 10000] [--validate-max-n 10000]
    python bench/build_bench.py --quick      # 1,000 trials: everyday use, ~2 minutes

For each size N, on a corpus of N API v2 studies written by ``bench/make_corpus.py``
(seed 0, into --work, reused when already there), measured in one run:

* floor: read every page file and ``json.loads`` it, nothing else;
* ours: ``trialkg build CORPUS --out DIR --full --jobs J`` (J: every core by
  default), in a child process: wall time and peak memory of the whole process
  tree (the build and its workers), as the sum of their proportional set size
  (PSS: pages shared after the fork counted once) sampled every 0.1 s;
* incremental: the same corpus with 1 % of its studies changed
  (``make_corpus.py --changed-from``) built into that output again: wall time,
  and the counts it reports;
* plain rdflib (``bench/plain_rdflib.py``: the same records, text stage and
  mapping, held in an rdflib Dataset and serialized with rdflib), for N up to
  --plain-max-n: wall time and peak memory;
* validation (``kg.validate.validate_build``) and every saved query on the
  built store (``kg.queries.run_query``), for N up to --validate-max-n.

Then a table: trials per second, peak memory, and the ratios (ours against plain
rdflib, ours against the floor, incremental against full). Targets (issue 6):
>= 1,000 trials/s at 100k, >= 10x plain rdflib at 10k, within 5x of the floor,
peak memory < 1 GB at 100k and flat from 10k to 100k, incremental with 1 %
changed < 10 % of a full build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
TRIALKG = str(Path(sys.executable).parent / "trialkg")


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Run:
    seconds: float
    peak_tree_mb: float  # sum of PSS over the process tree, sampled
    stdout: str = ""


def measure(cmd: list[str]) -> Run:
    """Run ``cmd``; wall time and peak memory of its process tree."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        pids, todo = [], [proc.pid]
        while todo:
            p = todo.pop()
            pids.append(p)
            todo += _children(p)
        peak = max(peak, sum(_pss_kb(p) for p in pids))
        time.sleep(0.1)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return Run(seconds, peak / 1024, out)


def make_corpus(work: Path, n: int) -> Path:
    folder = work / f"corpus-{n}"
    stamp = folder / ".complete"
    if not stamp.exists():
        subprocess.run(
            [PY, str(ROOT / "bench" / "make_corpus.py"), "--n", str(n), "--out", str(folder)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        stamp.write_text("ok\n")
    return folder


def floor(folder: Path) -> float:
    t0 = time.perf_counter()
    for f in sorted(folder.glob("studies-*.json")):
        json.loads(f.read_bytes())
    return time.perf_counter() - t0


@dataclass
class Size:
    n: int
    floor_s: float = 0.0
    ours: Run | None = None
    report: dict = field(default_factory=dict)
    incremental: Run | None = None
    inc_report: dict = field(default_factory=dict)
    plain: Run | None = None
    validate_s: float | None = None
    queries_s: float | None = None


def trialkg_build(corpus: Path, out: Path, jobs: int | None, *extra: str) -> tuple[Run, dict]:
    cmd = [TRIALKG, "build", str(corpus), "--out", str(out), "--no-progress", *extra]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    run = measure(cmd)
    return run, json.loads((out / "build.json").read_text())


def incremental(work: Path, corpus: Path, out: Path, jobs: int | None) -> tuple[Run, dict]:
    """Swap in a copy of the corpus with 1 % changed (same paths), build again, swap back."""
    changed = work / f"{corpus.name}-changed"
    if not (changed / ".complete").exists():
        subprocess.run(
            [
                PY,
                str(ROOT / "bench" / "make_corpus.py"),
                "--changed-from",
                str(corpus),
                "--change-fraction",
                "0.01",
                "--out",
                str(changed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (changed / ".complete").write_text("ok\n")
    original = corpus.with_name(corpus.name + "-original")
    os.replace(corpus, original)
    os.replace(changed, corpus)
    try:
        return trialkg_build(corpus, out, jobs)
    finally:
        os.replace(corpus, changed)
        os.replace(original, corpus)


def validate_and_query(out: Path) -> tuple[float, float]:
    sys.path.insert(0, str(ROOT))
    from kg.queries import list_queries, run_query
    from kg.sparql import EmbeddedTarget
    from kg.store import open_store
    from kg.validate import validate_build

    t0 = time.perf_counter()
    validate_build(out, jobs=os.cpu_count() or 1)
    v = time.perf_counter() - t0
    target = EmbeddedTarget(open_store(out))
    t0 = time.perf_counter()
    for q in list_queries():
        run_query(target, q, {})
    return v, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--quick", action="store_true", help="1,000 trials only")
    ap.add_argument("--work", type=Path, default=Path("/tmp/trialkg-build-bench"))
    ap.add_argument("--jobs", type=int, help="trialkg build --jobs (default: its own)")
    ap.add_argument("--plain-max-n", type=int, default=10000)
    ap.add_argument("--validate-max-n", type=int, default=10000)
    args = ap.parse_args(argv)
    sizes = [1000] if args.quick else [int(x) for x in args.sizes.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"machine: {os.cpu_count()} cores (may be shared); work folder {args.work}")
    results = []
    for n in sizes:
        s = Size(n)
        print(f"n={n}: corpus", file=sys.stderr)
        corpus = make_corpus(args.work, n)
        s.floor_s = floor(corpus)
        out = args.work / f"out-{n}"
        print(f"n={n}: trialkg build", file=sys.stderr)
        s.ours, s.report = trialkg_build(corpus, out, args.jobs, "--full")
        print(f"n={n}: incremental build, 1% changed", file=sys.stderr)
        s.incremental, s.inc_report = incremental(args.work, corpus, out, args.jobs)
        if n <= args.plain_max_n:
            print(f"n={n}: plain rdflib", file=sys.stderr)
            plain_out = args.work / f"plain-{n}"
            s.plain = measure(
                [PY, str(ROOT / "bench" / "plain_rdflib.py"), str(corpus), "--out", str(plain_out)]
            )
            shutil.rmtree(plain_out, ignore_errors=True)
        if n <= args.validate_max_n:
            print(f"n={n}: validation and saved queries", file=sys.stderr)
            # the output now holds the changed corpus: build the original again first
            trialkg_build(corpus, out, args.jobs)
            s.validate_s, s.queries_s = validate_and_query(out)
        results.append(s)
        _print_size(s)
    _print_table(results)
    print(f"bench run time {time.perf_counter() - started:.0f} s")
    return 0


def _rate(n: int, seconds: float | None) -> str:
    return f"{n / seconds:,.0f}/s" if seconds else "-"


def _print_size(s: Size) -> None:
    assert s.ours is not None and s.incremental is not None
    r, i = s.report, s.inc_report
    print(f"\nn={s.n} trials")
    print(f"  floor (read + json.loads): {s.floor_s:.1f} s = {_rate(s.n, s.floor_s)}")
    print(
        f"  ours: {s.ours.seconds:.1f} s = {_rate(s.n, s.ours.seconds)} with {r.get('jobs')} jobs; "
        f"read {r.get('read')} = built {r.get('built')} + rejected {r.get('rejected')}; "
        f"{r.get('triples'):,} triples; peak memory {s.ours.peak_tree_mb:,.0f} MB "
        "(process tree, PSS)"
    )
    print(
        f"  incremental, 1% changed: {s.incremental.seconds:.1f} s "
        f"({s.incremental.seconds / s.ours.seconds:.1%} of the full build): {i.get('added')} added, "
        f"{i.get('changed')} changed, {i.get('unchanged')} unchanged, store {i.get('store')}"
    )
    if s.plain:
        print(
            f"  plain rdflib: {s.plain.seconds:.1f} s = {_rate(s.n, s.plain.seconds)}; peak "
            f"memory {s.plain.peak_tree_mb:,.0f} MB"
        )
    if s.validate_s is not None:
        print(f"  validation {s.validate_s:.1f} s; every saved query {s.queries_s:.1f} s")


def _print_table(results: list[Size]) -> None:
    print(
        "\n| trials | ours trials/s | peak MB (tree) | plain rdflib trials/s | ours / plain | "
        "floor trials/s | ours / floor | incremental / full |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in results:
        assert s.ours is not None and s.incremental is not None
        plain = f"{s.plain.seconds / s.ours.seconds:.1f}x faster" if s.plain else "not run"
        print(
            f"| {s.n:,} | {_rate(s.n, s.ours.seconds)} | {s.ours.peak_tree_mb:,.0f} | "
            f"{_rate(s.n, s.plain.seconds) if s.plain else '-'} | {plain} | "
            f"{_rate(s.n, s.floor_s)} | {s.ours.seconds / s.floor_s:.0f}x slower | "
            f"{s.incremental.seconds / s.ours.seconds:.1%} |"
        )


if __name__ == "__main__":
    sys.exit(main())
