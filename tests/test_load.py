"""``trialkg load``: a build into real SPARQL servers (Oxigraph always, Virtuoso when installed)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import CORPUS, needs_corpus
from servers import (  # noqa: F401 - fixtures
    BasicAuthProxy,
    OxigraphServer,
    free_port,
    oxigraph_factory,
    oxigraph_server,
    virtuoso_server,
)

from kg.errors import InputError, StoreError
from kg.load import (
    GRAPH_PREFIX,
    _BuildNQuads,
    _digest,
    _open_source,
    _StoreSource,
    default_state_path,
    load_command,
    load_to_endpoint,
)
from kg.rdf import nquads_bytes

TITLE = "https://w3id.org/trialkg/ontology#briefTitle"
DURATION = "http://www.w3.org/2001/XMLSchema#duration"


def build_counts(build: Path) -> Counter[str]:
    """Quads per named graph in the build's N-Quads."""
    quads = set(ox.parse(path=str(build / "trials.nq"), format=ox.RdfFormat.N_QUADS))
    return Counter(q.graph_name.value for q in quads)


def select(query_url: str, sparql: str) -> list[dict[str, str]]:
    data = urllib.parse.urlencode({"query": sparql}).encode()
    req = urllib.request.Request(
        query_url, data=data, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        res = json.load(r)
    return [{k: v["value"] for k, v in b.items()} for b in res["results"]["bindings"]]


def store_counts(query_url: str) -> Counter[str]:
    """Quads per named graph on the server."""
    rows = select(
        query_url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    return Counter({r["g"]: int(r["n"]) for r in rows})


def study_titles(build: Path) -> dict[str, str]:
    """Graph IRI -> brief title, from the build's own store."""
    store = ox.Store.read_only(str(build / "store"))
    q = f"SELECT ?g ?t WHERE {{ GRAPH ?g {{ ?s <{TITLE}> ?t }} }}"
    return {s["g"].value: s["t"].value for s in store.query(q)}


@pytest.fixture
def seeds(seeds_build: Path, tmp_path: Path) -> Path:
    """A private copy of the seeds build (the load keeps its state file next to it)."""
    import shutil

    dst = tmp_path / "kg"
    shutil.copytree(seeds_build, dst, ignore=shutil.ignore_patterns(".load-state*"))
    return dst


# ----------------------------------------------------------------------------- Oxigraph


def test_load_seeds_into_fresh_oxigraph(seeds: Path, oxigraph_factory) -> None:  # noqa: F811
    server = oxigraph_factory()
    want = build_counts(seeds)
    report = load_to_endpoint(seeds, server.query_url)
    assert report.method == "batch"  # found from the Server header
    assert report.graph_store == server.store_url
    assert report.update_endpoint == server.update_url
    assert (report.graphs, report.skipped) == (len(want), 0)
    assert report.triples == report.source_quads == report.store_quads == sum(want.values())
    assert report.store_graphs == len(want) and report.extra_graphs == 0
    assert report.triples_per_s > 0
    assert store_counts(server.query_url) == want  # the same graphs, the same quads each
    assert not Path(report.state_file).exists()  # a finished load leaves no state behind
    # each study answers with its title through the server's SPARQL endpoint
    titles = study_titles(seeds)
    assert titles
    for g, title in titles.items():
        rows = select(server.query_url, f"SELECT ?t WHERE {{ GRAPH <{g}> {{ ?s <{TITLE}> ?t }} }}")
        assert [r["t"] for r in rows] == [title]
    # the quads themselves (blank nodes aside: the server names its own)
    dump = server.url + "/store"
    with urllib.request.urlopen(
        urllib.request.Request(dump, headers={"Accept": "application/n-quads"})
    ) as r:
        got = set(ox.parse(r.read(), format=ox.RdfFormat.N_QUADS))
    # the build's store, not trials.nq: Oxigraph writes some literals in canonical form
    # ("P24M"^^xsd:duration as "P2Y"), the embedded store as the server
    sent = set(ox.Store.read_only(str(seeds / "store")))

    def named(qs: set[ox.Quad]) -> set[ox.Quad]:
        return {q for q in qs if not any(isinstance(t, ox.BlankNode) for t in q)}

    assert named(got) == named(sent)
    summary = report.summary()
    assert f"loaded {len(want)} graphs" in summary and "triples/s" in summary


@pytest.mark.parametrize("method", ["batch", "put", "update"])
def test_load_twice_never_duplicates(
    seeds: Path,
    oxigraph_server: OxigraphServer,  # noqa: F811
    method: str,
) -> None:
    want = build_counts(seeds)
    for _ in range(2):
        report = load_to_endpoint(seeds, oxigraph_server.query_url, method=method, batch_size=2)
        assert report.method == method
        assert (report.graphs, report.skipped) == (len(want), 0)
        assert report.store_quads == sum(want.values())
        got = store_counts(oxigraph_server.query_url)
        assert {g: got[g] for g in want} == want


def test_interrupted_load_resumes(seeds: Path, oxigraph_factory) -> None:  # noqa: F811
    server = oxigraph_factory()
    want = build_counts(seeds)
    assert len(want) >= 3

    def crash_after_first(batches: int, graphs: int) -> None:
        if batches == 1:
            server.kill()

    with pytest.raises(StoreError) as err:  # one batch at a time: exactly one confirmed
        load_to_endpoint(
            seeds, server.query_url, batch_size=1, jobs=1, retries=0, on_batch=crash_after_first
        )
    msg = str(err.value)
    assert server.url in msg and "1 of" in msg and "run the same command again" in msg
    state = default_state_path(seeds, server.store_url)
    assert state.is_file()
    # the CLI says so too, with a non-zero exit, while the server is down
    args = [str(seeds), "--endpoint", server.query_url, "--batch-size", "1", "--no-progress"]
    args += ["--jobs", "2"]
    res = CliRunner().invoke(load_command, args)
    assert res.exit_code == 2, res.output
    assert "trialkg: error:" in res.output and server.url in res.output
    assert "connection refused" in res.output
    # the server comes back with what it confirmed; the re-run skips that and goes on
    server.start()
    res = CliRunner().invoke(load_command, args)
    assert res.exit_code == 0, res.output
    assert f"loaded {len(want) - 1} graphs" in res.output
    assert "skipped 1 graphs confirmed by an earlier interrupted run" in res.output
    assert store_counts(server.query_url) == want  # none missing, none twice
    assert not state.exists()


def test_store_folder_of_a_build(seeds: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    report = load_to_endpoint(seeds / "store", oxigraph_server.query_url)
    assert report.source == str(seeds) and report.store_quads == sum(build_counts(seeds).values())


def test_cli_without_the_check(seeds: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    args = [str(seeds), "--endpoint", oxigraph_server.query_url, "--no-check", "--method", "put"]
    res = CliRunner().invoke(load_command, args)
    assert res.exit_code == 0, res.output
    assert "store check skipped" in res.output and "[method put," in res.output


def synthetic_build(folder: Path, graphs: int, per_graph: int) -> Counter[str]:
    """A build folder of trials.nq and build.json only, as ``trialkg build`` writes them."""
    folder.mkdir(parents=True)
    quads = [
        ox.Quad(
            ox.NamedNode(f"urn:x:s{i}-{j}"),
            ox.NamedNode("urn:x:p"),
            ox.Literal(f"value {j} of graph {i}"),
            ox.NamedNode(f"{GRAPH_PREFIX}SYN{i:04d}"),
        )
        for i in range(graphs)
        for j in range(per_graph)
    ]
    (folder / "trials.nq").write_bytes(nquads_bytes(quads))
    (folder / "build.json").write_text(json.dumps({"built": graphs, "triples": len(quads)}))
    return Counter(q.graph_name.value for q in quads)


def test_trials_nq_is_sent_as_the_build_wrote_it(seeds: Path) -> None:
    src = _open_source(seeds, None)
    try:
        assert isinstance(src, _BuildNQuads)  # no parsing, no store reads
        want = build_counts(seeds)
        assert sorted(src.graphs) == sorted(want)
        assert {g: src.count(g) for g in src.graphs} == want
        all_quads = set(ox.parse(path=str(seeds / "trials.nq"), format=ox.RdfFormat.N_QUADS))
        sent = set(ox.parse(src.nquads(src.graphs), format=ox.RdfFormat.N_QUADS))
        assert sent == all_quads
        for g in src.graphs:
            triples = {q.triple for q in ox.parse(src.ntriples(g), format=ox.RdfFormat.N_TRIPLES)}
            assert triples == {q.triple for q in all_quads if q.graph_name.value == g}
    finally:
        src.close()


def test_without_its_index_a_build_is_scanned_the_same(seeds: Path) -> None:
    from_index = _open_source(seeds, None)
    (seeds / "studies.jsonl").unlink()
    scanned = _open_source(seeds, None)
    try:
        assert isinstance(from_index, _BuildNQuads) and isinstance(scanned, _BuildNQuads)
        assert sorted(from_index.graphs) == sorted(scanned.graphs)
        for g in scanned.graphs:
            assert from_index.count(g) == scanned.count(g)
            assert from_index.nquads([g]) == scanned.nquads([g])
    finally:
        from_index.close()
        scanned.close()


def test_build_folder_without_a_usable_trials_nq_is_read_from_its_store(
    seeds: Path,
    oxigraph_factory,  # noqa: F811
) -> None:
    """trials.nq gone, or not the file build.json counted: the build's store is sent."""
    want = build_counts(seeds)
    nq = seeds / "trials.nq"
    nq.write_bytes(nq.read_bytes() + b'<urn:x:s> <urn:x:p> "added later" <urn:x:g> .\n')
    src = _open_source(seeds, None)
    assert isinstance(src, _StoreSource)
    src.close()
    server = oxigraph_factory()
    report = load_to_endpoint(seeds, server.query_url)
    assert store_counts(server.query_url) == want and report.store_quads == sum(want.values())
    nq.unlink()
    src = _open_source(seeds, None)
    assert isinstance(src, _StoreSource)
    src.close()
    server = oxigraph_factory()
    load_to_endpoint(seeds, server.query_url, method="put")
    assert store_counts(server.query_url) == want


def test_batches_sent_at_once_survive_a_crash(tmp_path: Path, oxigraph_factory) -> None:  # noqa: F811
    """Four batches in flight when the server dies: the re-run sends the rest, nothing twice."""
    build = tmp_path / "syn"
    want = synthetic_build(build, graphs=120, per_graph=40)
    server = oxigraph_factory()

    def crash(batches: int, graphs: int) -> None:
        if batches == 5:
            server.kill()

    with pytest.raises(StoreError, match="run the same command again"):
        load_to_endpoint(build, server.query_url, batch_size=4, jobs=4, retries=0, on_batch=crash)
    state = default_state_path(build, server.store_url)
    lines = state.read_text().splitlines()[1:]
    confirmed = {g for line in lines for g in json.loads(line)["done"]}
    assert 20 <= len(confirmed) < 120  # the five batches seen, and maybe a few more in flight
    server.start()
    report = load_to_endpoint(build, server.query_url, batch_size=4, jobs=4)
    assert report.skipped == len(confirmed) and report.graphs == 120 - len(confirmed)
    assert report.jobs == 4 and "4 at once" in report.summary()
    assert store_counts(server.query_url) == want  # graphs cut short by the crash were resent


def test_restart_resends_everything(seeds: Path, oxigraph_factory) -> None:  # noqa: F811
    server = oxigraph_factory()
    want = build_counts(seeds)

    def crash(batches: int, graphs: int) -> None:
        server.kill()

    with pytest.raises(StoreError):
        load_to_endpoint(seeds, server.query_url, batch_size=1, retries=0, on_batch=crash)
    server.start()
    report = load_to_endpoint(seeds, server.query_url, batch_size=1, resume=False)
    assert (report.graphs, report.skipped) == (len(want), 0)
    assert store_counts(server.query_url) == want


def test_state_of_another_build_is_ignored(seeds: Path, oxigraph_factory) -> None:  # noqa: F811
    server = oxigraph_factory()
    want = build_counts(seeds)
    state = default_state_path(seeds, server.store_url)
    header = {"trialkg_load_state": 1, "fingerprint": "another build", "graph_store": "x"}
    state.write_text(json.dumps(header) + "\n" + json.dumps({"done": sorted(want)}) + "\n")
    report = load_to_endpoint(seeds, server.query_url)
    assert (report.graphs, report.skipped) == (len(want), 0)
    assert store_counts(server.query_url) == want


def test_count_check_catches_a_graph_gone(seeds: Path, oxigraph_factory) -> None:  # noqa: F811
    """Another writer drops a graph just after the server confirmed it: the check says so."""
    server = oxigraph_factory()
    victim = sorted(build_counts(seeds))[0]

    def drop(batches: int, graphs: int) -> None:
        req = urllib.request.Request(
            server.update_url,
            data=f"DROP GRAPH <{victim}>".encode(),
            headers={"Content-Type": "application/sparql-update"},
        )
        urllib.request.urlopen(req).close()

    with pytest.raises(StoreError, match="count check failed") as err:
        load_to_endpoint(seeds, server.query_url, batch_size=1000, on_batch=drop)
    assert victim in str(err.value) and "the store holds 0" in str(err.value)


def test_other_graphs_are_noted_not_touched(seeds: Path, oxigraph_factory, tmp_path) -> None:  # noqa: F811
    server = oxigraph_factory()
    ttl = tmp_path / "one.ttl"
    ttl.write_text('<http://example.org/s> <http://example.org/p> "o" .\n')
    other = "https://w3id.org/trialkg/graph/NCT00000000"
    report = load_to_endpoint(ttl, server.query_url, graph=other)
    assert (report.graphs, report.triples, report.store_quads) == (1, 1, 1)
    report = load_to_endpoint(seeds, server.query_url)
    assert report.extra_graphs == 1 and "1 more graphs" in report.summary()
    assert store_counts(server.query_url)[other] == 1


def test_turtle_needs_a_graph_name(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    ttl = tmp_path / "x.ttl"
    ttl.write_text('<http://example.org/s> <http://example.org/p> "o" .\n')
    with pytest.raises(InputError, match="--graph"):
        load_to_endpoint(ttl, oxigraph_server.query_url)
    with pytest.raises(InputError, match="--graph"):
        load_to_endpoint(ttl, oxigraph_server.query_url, graph="not an iri")
    res = CliRunner().invoke(load_command, [str(ttl), "--endpoint", oxigraph_server.query_url])
    assert res.exit_code == 2 and "give --graph IRI" in res.output


def test_trig_keeps_graph_names(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    trig = tmp_path / "x.trig"
    trig.write_text(
        "<http://example.org/g1> { <http://example.org/s> <http://example.org/p> 1, 2 . }\n"
        "<http://example.org/g2> { <http://example.org/s> <http://example.org/p> 3 . }\n"
    )
    report = load_to_endpoint(trig, oxigraph_server.query_url)
    assert (report.graphs, report.triples, report.store_quads) == (2, 3, 3)
    got = store_counts(oxigraph_server.query_url)
    assert (got["http://example.org/g1"], got["http://example.org/g2"]) == (2, 1)
    with pytest.raises(InputError, match="no triples outside named graphs"):
        load_to_endpoint(trig, oxigraph_server.query_url, graph="http://example.org/g3")


def test_a_build_takes_no_graph_name(seeds: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    with pytest.raises(InputError, match="no triples outside named graphs"):
        load_to_endpoint(seeds, oxigraph_server.query_url, graph="http://example.org/g3")
    (seeds / "trials.nq").unlink()  # read from the store: the same answer
    with pytest.raises(InputError, match="no triples outside named graphs"):
        load_to_endpoint(seeds, oxigraph_server.query_url, graph="http://example.org/g3")


# ----------------------------------------------------------------------------- errors


def test_refused_connection_is_a_store_error(seeds: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint") as err:
        load_to_endpoint(seeds, url)
    assert url in str(err.value) and "connection refused" in str(err.value)
    res = CliRunner().invoke(load_command, [str(seeds), "--endpoint", url])
    assert res.exit_code == 2 and url in res.output


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://127.0.0.1/query", "only http:// and https://"),
        ("localhost:7878/query", "only http:// and https://"),
        ("http:///query", "no host"),
        ("http://127.0.0.1:99999/query", "not a valid URL"),
        ("/query", "only http:// and https://"),
    ],
)
def test_bad_url_is_an_input_error(seeds: Path, url: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        load_to_endpoint(seeds, url)
    res = CliRunner().invoke(load_command, [str(seeds), "--endpoint", url])
    assert res.exit_code == 2 and why in res.output


def test_no_password_in_a_url(seeds: Path) -> None:
    with pytest.raises(InputError, match="--user and --password, not in the URL") as err:
        load_to_endpoint(seeds, "http://dba:secret@127.0.0.1:8890/sparql")
    assert "secret" not in str(err.value)


def test_cli_has_the_command() -> None:
    from kg.cli import main

    res = CliRunner().invoke(main, ["load", "--help"])
    assert res.exit_code == 0 and "--graph-store" in res.output


def test_bad_graph_store_url(seeds: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    with pytest.raises(InputError, match="--graph-store"):
        load_to_endpoint(seeds, oxigraph_server.query_url, graph_store="file:///tmp/x")


def test_wrong_endpoint_path(seeds: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    with pytest.raises(StoreError, match="not a SPARQL query endpoint"):
        load_to_endpoint(seeds, oxigraph_server.url + "/nothing-here")


def test_source_must_be_a_build_or_rdf(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    url = oxigraph_server.query_url
    with pytest.raises(InputError, match="not a build folder"):
        load_to_endpoint(tmp_path, url)
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    with pytest.raises(InputError, match="not a build folder or an RDF file"):
        load_to_endpoint(txt, url)
    with pytest.raises(InputError, match="no such file"):
        load_to_endpoint(tmp_path / "missing.nq", url)
    bad = tmp_path / "bad.nq"
    bad.write_text("this is not N-Quads\n")
    with pytest.raises(InputError, match="cannot read"):
        load_to_endpoint(bad, url)
    res = CliRunner().invoke(load_command, [str(txt), "--endpoint", url])
    assert res.exit_code == 2 and "not a build folder" in res.output


def test_basic_authentication(seeds: Path, oxigraph_server: OxigraphServer) -> None:  # noqa: F811
    want = build_counts(seeds)
    with BasicAuthProxy(oxigraph_server.url, "loader", "s3cret") as proxy:
        url = proxy.url + "/query"
        with pytest.raises(StoreError, match="give --user and --password"):
            load_to_endpoint(seeds, url, graph_store=proxy.url + "/store")
        with pytest.raises(StoreError, match="check --user and --password"):
            load_to_endpoint(seeds, url, user="loader", password="wrong")
        refused = proxy.refused
        report = load_to_endpoint(seeds, url, user="loader", password="s3cret", method="put")
        assert proxy.refused == refused + 1  # the first request only: then sent up front
        assert report.graph_store == proxy.url + "/store"
        assert report.store_quads == sum(want.values())
        report = load_to_endpoint(seeds, url, user="loader", password="s3cret")
        assert report.store_quads == sum(want.values())


def test_digest_answer_matches_rfc_2617() -> None:
    chal = {
        "realm": "testrealm@host.com",
        "qop": "auth,auth-int",
        "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "opaque": "5ccc069c403ebaf9f0171e9517f40e41",
    }
    value = _digest(chal, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", 1, "0a4f113b")
    assert 'response="6629fae49393a05397450978507c4ef1"' in value
    assert "nc=00000001" in value and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in value


# ----------------------------------------------------------------------------- Virtuoso


def test_load_seeds_into_virtuoso(seeds: Path, virtuoso_server) -> None:  # noqa: F811
    v = virtuoso_server
    want = build_counts(seeds)
    for _ in range(2):  # the second time replaces, never duplicates
        report = load_to_endpoint(seeds, v.query_url, user=v.user, password=v.password)
        assert report.method == "put" and report.graph_store == v.store_url
        assert (report.graphs, report.store_quads) == (len(want), sum(want.values()))
        got = store_counts(v.query_url)
        assert {g: got[g] for g in want} == want
    for g, title in study_titles(seeds).items():
        rows = select(v.query_url, f"SELECT ?t WHERE {{ GRAPH <{g}> {{ ?s <{TITLE}> ?t }} }}")
        assert [r["t"] for r in rows] == [title]


def test_virtuoso_wants_credentials(seeds: Path, virtuoso_server) -> None:  # noqa: F811
    v = virtuoso_server
    with pytest.raises(StoreError, match="check --user and --password"):
        load_to_endpoint(seeds, v.query_url, user=v.user, password="wrong")
    with pytest.raises(StoreError, match="give --user and --password"):
        load_to_endpoint(seeds, v.query_url)


def test_count_check_catches_virtuoso_ignoring_quads(seeds: Path, virtuoso_server) -> None:  # noqa: F811
    """Virtuoso answers 200 to a POST of N-Quads to its graph store and stores nothing."""
    v = virtuoso_server
    with pytest.raises(StoreError, match="count check failed") as err:
        load_to_endpoint(seeds, v.query_url, user=v.user, password=v.password, method="batch")
    assert "--method put" in str(err.value)
    load_to_endpoint(seeds, v.query_url, user=v.user, password=v.password)  # put, as it was


@pytest.mark.xfail(
    strict=True, reason="Virtuoso 7.2 keeps an xsd:duration as a number of months ('P2Y' -> 24)"
)
def test_virtuoso_keeps_durations(seeds: Path, virtuoso_server) -> None:  # noqa: F811
    v = virtuoso_server
    load_to_endpoint(seeds, v.query_url, user=v.user, password=v.password)
    store = ox.Store.read_only(str(seeds / "store"))
    q = f"SELECT DISTINCT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o FILTER(DATATYPE(?o) = <{DURATION}>) }} }}"
    want = {s["o"].value for s in store.query(q)}
    assert want
    q2 = q.replace("DISTINCT ?o", "DISTINCT (STR(?o) AS ?v)")
    got = {r["v"] for r in select(v.query_url, q2)}
    assert got == want


# ----------------------------------------------------------------------------- real corpus


@needs_corpus
@pytest.mark.slow
@pytest.mark.corpus
def test_load_corpus_build(tmp_path: Path, oxigraph_factory) -> None:  # noqa: F811
    from kg.build import build

    out = tmp_path / "kg"
    built = build([CORPUS / "nsclcbench", CORPUS / "aact_fixtures"], out, progress=False)
    assert built.built >= 100
    want = build_counts(out)
    server = oxigraph_factory()
    report = load_to_endpoint(out, server.query_url, batch_size=50)
    assert report.graphs == len(want) == built.built + 1  # the studies and the vocabulary
    assert report.store_quads == sum(want.values()) == built.triples
    assert store_counts(server.query_url) == want
