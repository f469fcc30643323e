"""Time ``trialkg load`` into a local Oxigraph server, by method and number of jobs.

    python bench/load_bench.py [--corpus ../shared/corpus] [--work DIR] [--n N]
                               [--runs batch:4,batch:1,update:4,put:4]

Builds every record under the corpus once (into --work, reused while kg/ and
ontology/ are unchanged: ``build_corpus`` of ``bench/validate_bench.py``); with
``--n``, takes the vocabulary and the first N studies of that build as the
source (``sample``). Then for each METHOD:JOBS of ``--runs`` it starts a new
``oxigraph serve`` on a free port of 127.0.0.1 with an empty store, loads the
source with ``kg.load.load_to_endpoint`` (every graph new), loads it again
(every graph replaced), and stops the server. Printed per load, in one table:
sending (first batch started to last batch confirmed) and the whole call
(source read, sending, count check) in seconds and triples per second, their
ratio to the target of 100,000 triples/s, and the CPU seconds of this process
and of the server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import validate_bench as vb  # noqa: E402

from kg.load import LoadReport, load_to_endpoint  # noqa: E402
from kg.serve import free_port, oxigraph_binary, wait_until_up  # noqa: E402

LOAD_TARGET = 100_000  # triples/s into a local Oxigraph server


def proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a running process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    version: str
    query_url: str
    pid: int


@contextmanager
def oxigraph_server() -> Iterator[Server]:
    """A new ``oxigraph serve`` on an empty store in a temporary folder, on 127.0.0.1."""
    binary = oxigraph_binary()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    tmp = Path(tempfile.mkdtemp(prefix="trialkg-load-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    proc = subprocess.Popen(
        [binary, "serve", "--location", str(tmp / "store"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_up(proc, url, wait=60.0)
        yield Server(version.strip() or "oxigraph", url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Run:
    report: LoadReport
    cpu: float  # this process
    server_cpu: float


def load_once(source: Path, server: Server, method: str = "auto", jobs: int | None = None) -> Run:
    c0, s0 = time.process_time(), proc_cpu(server.pid) or 0.0
    report = load_to_endpoint(
        source, server.query_url, method=method, jobs=jobs, resume=False, timeout=1800
    )
    return Run(report, time.process_time() - c0, (proc_cpu(server.pid) or 0.0) - s0)


def verdict(rate: float) -> str:
    return f"{rate / LOAD_TARGET:.2f}x target: " + ("PASS" if rate >= LOAD_TARGET else "FAIL")


def describe(run: Run) -> list[str]:
    """Two lines on one load: sending, and the whole call."""
    r = run.report
    return [
        f"  sending: {r.send_seconds:.1f} s = {r.send_triples_per_s:,.0f} triples/s "
        f"({verdict(r.send_triples_per_s)})",
        f"  whole call (source read, sending, count check {r.check_seconds:.1f} s): "
        f"{r.seconds:.1f} s = {r.triples_per_s:,.0f} triples/s ({verdict(r.triples_per_s)}); "
        f"CPU this process {run.cpu:.1f} s, server {run.server_cpu:.1f} s",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--work", type=Path, default=Path("/tmp/trialkg-query-bench"))
    ap.add_argument("--n", type=int, help="studies to load (default: every one built)")
    ap.add_argument(
        "--runs",
        default="batch:4,batch:1,update:4,put:4",
        help="METHOD:JOBS loads, comma-separated (default: %(default)s)",
    )
    args = ap.parse_args(argv)
    runs = []
    for item in args.runs.split(","):
        method, _, jobs = item.strip().partition(":")
        if method not in ("batch", "put", "update") or not jobs.isdigit() or int(jobs) < 1:
            ap.error(f"--runs: METHOD:JOBS with METHOD batch, put or update, got {item!r}")
        runs.append((method, int(jobs)))
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: pass --corpus", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"building {args.corpus} into {args.work / 'corpus'} (once)", file=sys.stderr)
    rep = vb.build_corpus(args.corpus, args.work / "corpus")
    source = args.work / "corpus"
    studies = rep["built"]
    if args.n:
        source = args.work / f"sample-{args.n}"
        studies = vb.sample(args.work / "corpus" / "trials.nq", args.n, source)
    print(
        f"loading {studies} studies from {source} into new local Oxigraph servers; "
        f"machine: {os.cpu_count()} cores (may be shared)"
    )
    rows = []
    for method, jobs in runs:
        with oxigraph_server() as server:
            first = load_once(source, server, method, jobs)
            again = load_once(source, server, method, jobs)
        print(f"{method}, {jobs} at once ({server.version}), {first.report.triples:,} triples")
        print(" first load (every graph new):")
        for line in describe(first):
            print(" " + line)
        print(" loading again (every graph replaced):")
        for line in describe(again):
            print(" " + line)
        rows.append((method, jobs, first.report, again.report))
    print()
    print(f"{'method':8} {'jobs':>4}  {'first: sending':>15} {'whole':>10}  {'again: sending':>15}")
    for method, jobs, a, b in rows:
        print(
            f"{method:8} {jobs:4d}  {a.send_triples_per_s:13,.0f}/s {a.triples_per_s:8,.0f}/s  "
            f"{b.send_triples_per_s:13,.0f}/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
