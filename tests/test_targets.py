"""One query, three targets: the embedded store, rdflib, and `trialkg serve` over HTTP.

The remote side is the real Oxigraph server, started by `trialkg serve` (kg.serve)
on 127.0.0.1 with a free port, queried through SPARQLWrapper; the rdflib side is
a Dataset holding the build's N-Quads with its default graph as the union.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import CORPUS, needs_corpus

from kg import api
from kg.cli import main
from kg.errors import InputError, QueryError, StoreError
from kg.queries import list_queries, run_query
from kg.serve import free_port, start, stop
from kg.sparql import EmbeddedTarget, RdflibTarget, RemoteTarget, as_target
from kg.store import open_store

SAVED = [q for q in list_queries()]
JS001 = "https://w3id.org/trialkg/study/Ted73a71383bfd051"


def _norm(v: Any) -> Any:
    """Values compared across engines: floats to 6 places, joined lists as sorted tuples."""
    if isinstance(v, float):
        return round(v, 6)
    for sep in ("; ", " | "):
        if isinstance(v, str) and sep in v:
            return tuple(sorted(v.split(sep)))
    return v


def _rows(answer: Any) -> list[tuple[Any, ...]]:
    if answer.kind == "graph":
        return sorted((str(t.subject), str(t.predicate), str(t.object)) for t in answer.triples)
    return sorted((tuple(_norm(r[c]) for c in answer.columns) for r in answer.rows), key=repr)


@pytest.fixture(scope="module")
def served_seeds(seeds_build: Path) -> Iterator[str]:
    proc, url = start(seeds_build)
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def rdflib_seeds(seeds_build: Path) -> Any:
    from rdflib import Dataset

    ds = Dataset(default_union=True)
    ds.parse(seeds_build / "trials.nq", format="nquads")
    return ds


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("q", SAVED, ids=lambda q: q.name)
def test_same_answer_on_store_rdflib_and_endpoint(
    q: Any, seeds_build: Path, rdflib_seeds: Any, served_seeds: str
) -> None:
    embedded = run_query(open_store(seeds_build), q)
    remote = run_query(RemoteTarget(served_seeds), q)
    assert remote.kind == embedded.kind and remote.columns == embedded.columns
    assert _rows(remote) == _rows(embedded)
    local = run_query(RdflibTarget(rdflib_seeds), q)
    assert _rows(local) == _rows(embedded)


def test_endpoint_answers_the_anti_pd1_question(served_seeds: str) -> None:
    res = CliRunner().invoke(
        main, ["query", "drug-class-trials", "--endpoint", served_seeds, "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    studies = {r["study"] for r in json.loads(res.output)}
    assert len(studies) == 2 and JS001 in studies


def test_served_endpoint_is_read_only(served_seeds: str) -> None:
    base = served_seeds.rsplit("/", 1)[0]
    req = urllib.request.Request(
        base + "/update",
        data=b"INSERT DATA { <urn:x> <urn:y> <urn:z> }",
        headers={"Content-Type": "application/sparql-update"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code in (403, 404, 405)
    n = RemoteTarget(served_seeds).execute("ASK { <urn:x> ?p ?o }")
    assert n.boolean is False


def test_serve_command_binds_localhost_and_stops_on_sigterm(seeds_build: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--store", str(seeds_build), "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # printed once the server answers
        url = f"http://127.0.0.1:{port}/query"
        assert first == f"SPARQL endpoint (read-only): {url}\n"
        answer = RemoteTarget(url).execute("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }")
        assert answer.rows[0]["n"] > 100
        assert _listening(port) == ["127.0.0.1"]
    finally:
        proc.terminate()
        code = proc.wait(timeout=20)
    assert code == 0  # SIGTERM stops the server and exits cleanly
    with pytest.raises(StoreError):
        RemoteTarget(url).execute("ASK {}")


def _listening(port: int) -> list[str]:
    """Addresses listening on ``port``, read from /proc/net/tcp{,6} (state 0A is LISTEN)."""
    found = []
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:
                if name == "tcp":
                    found.append(".".join(str(b) for b in reversed(bytes.fromhex(addr))))
                else:
                    found.append("ipv6:" + addr)
    return sorted(found)


def test_remote_errors_are_clear() -> None:
    with pytest.raises(InputError, match="http:// or https:// URL"):
        RemoteTarget("ftp://example.org/sparql")
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(StoreError, match="the query failed"):
        RemoteTarget(url).execute("ASK {}")


def test_serve_refuses_a_folder_without_store(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["serve", "--store", str(tmp_path)])
    assert res.exit_code == 2 and "no store here" in res.output


# ----------------------------------------------------------------------------- Python API


def test_api_query_and_dataframe(seeds_build: Path) -> None:
    rows = api.query("drug-class-trials", seeds_build)
    assert {r["study"] for r in rows} >= {JS001}
    df = api.query_df("primary-endpoint-trials", seeds_build, params={"endpoint": '"ORR"'})
    assert list(df.columns) == ["study", "nct_id", "title", "measure", "criteria"]
    assert len(df) == 2
    text = (
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/trialkg/ontology#Study> }"
    )
    assert api.query(text, seeds_build) == [{"n": 2}]
    edges = api.query("trial-similarity-edges", seeds_build)
    assert edges and set(edges[0]) == {"subject", "predicate", "object"}


def test_api_trial_graph(seeds_build: Path) -> None:
    g = api.trial_graph("Ted73a71383bfd051", seeds_build)
    from rdflib import URIRef

    titles = list(g.objects(URIRef(JS001), URIRef("https://w3id.org/trialkg/ontology#briefTitle")))
    assert [str(t) for t in titles] == [
        "Study of JS001 in Patients With Advanced Neuroendocrine Tumors"
    ]
    assert len(g) > 100
    assert len(api.trial_graph(JS001, seeds_build)) == len(g)
    with pytest.raises(InputError, match="no trial"):
        api.trial_graph("NCT00000000", seeds_build)
    with pytest.raises(InputError, match="not an NCT id"):
        api.trial_graph("a/b> <c", seeds_build)


def test_api_targets(seeds_build: Path) -> None:
    assert isinstance(as_target(seeds_build), EmbeddedTarget)
    assert isinstance(as_target(str(seeds_build / "store")), EmbeddedTarget)
    assert isinstance(as_target("http://127.0.0.1:1/query"), RemoteTarget)
    with pytest.raises(QueryError, match="no saved query"):
        api.query("no-such-query", seeds_build)


# ----------------------------------------------------------------------------- real corpus


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("targets") / "kg"
    api.build([CORPUS / "nsclcbench", CORPUS / "aact_fixtures" / "v2"], out)
    return out


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_saved_query_agrees_on_real_trials(corpus_build: Path) -> None:
    """112 real studies: every saved query, same rows from all three targets."""
    from rdflib import Dataset

    ds = Dataset(default_union=True)
    ds.parse(corpus_build / "trials.nq", format="nquads")
    store = open_store(corpus_build)
    proc, url = start(corpus_build)
    try:
        nonempty = 0
        for q in SAVED:
            embedded = run_query(store, q)
            assert _rows(run_query(RemoteTarget(url), q)) == _rows(embedded), q.name
            assert _rows(run_query(RdflibTarget(ds), q)) == _rows(embedded), q.name
            nonempty += bool(embedded.rows or embedded.triples)
    finally:
        stop(proc)
    # Most questions have answers on real data (the violation queries must not).
    assert nonempty >= 15
