"""SHACL shapes, violation queries and ``trialkg validate``.

Example graphs live in ``tests/data/shapes/valid/*.ttl`` (no result of any
severity) and ``tests/data/shapes/invalid/*.ttl``, whose first lines say what they
must trigger: ``# expect: <shape local name or IRI> <severity>``, one line per
expected shape. The test asserts that exactly those (shape, severity) pairs appear.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from conftest import CORPUS, EXAMPLES, needs_corpus
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from kg import validate as kv
from kg.ontology import ONTOLOGY_FILE, is_canonical
from kg.queries import list_queries

DATA = Path(__file__).parent / "data" / "shapes"
VALID = sorted((DATA / "valid").glob("*.ttl"))
INVALID = sorted((DATA / "invalid").glob("*.ttl"))
_EXPECT = re.compile(r"^# expect: (\S+) (Violation|Warning|Info)\s*$")
# Shapes whose checks pyshacl runs as SHACL-SPARQL: our batch executor must agree.
_SPARQL_SHAPES = {
    str(s).rsplit("#", 1)[-1] for s, _ in kv.load_shapes("all").subject_objects(SH.sparql)
}


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _expected(path: Path) -> set[tuple[str, str]]:
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = _EXPECT.match(line)
        if m:
            out.add((_local(m.group(1)), m.group(2)))
    return out


def _found(result: kv.ValidationResult) -> set[tuple[str, str]]:
    return {(_local(r.shape), r.severity) for r in result.results}


def _build(inputs: list[Path], out: Path) -> Path:
    """Build like `trialkg build`; without text understanding if kg.text is incomplete."""
    from kg.build import build

    report = build(inputs, out, progress=False)
    reasons = " ".join(r["reason"] for r in report.first_rejections)
    if "text understanding failed" in reasons:
        report = build(inputs, out, progress=False, understand=False)
    assert report.built > 0, report.summary()
    return out


# ----------------------------------------------------------------------------- shapes files


def test_shape_files_are_canonical() -> None:
    stale = [p.name for p in kv.shape_files() if not is_canonical(p)]
    assert not stale, f"run: python -m kg.ontology canonicalize shapes/*.ttl ({stale})"


def _named_shapes(g: Graph) -> list[URIRef]:
    shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    return sorted(s for s in shapes if isinstance(s, URIRef))


def test_every_shape_has_label_comment_severity_and_message() -> None:
    g = kv.load_shapes("all")
    problems = []
    for s in _named_shapes(g):
        for p in (RDFS.label, RDFS.comment, SH.severity):
            if g.value(s, p) is None:
                problems.append(f"{s} has no {p}")
        sparql = list(g.objects(s, SH.sparql))
        if sparql:
            problems += [
                f"{s}: SPARQL constraint without sh:message"
                for c in sparql
                if g.value(c, SH.message) is None
            ]
        elif g.value(s, SH.message) is None:
            problems.append(f"{s} has no sh:message")
    assert not problems, "\n".join(problems)


def test_every_shape_has_an_invalid_example() -> None:
    expected = {name for path in INVALID for name, _ in _expected(path)}
    missing = [_local(s) for s in _named_shapes(kv.load_shapes("all")) if _local(s) not in expected]
    assert not missing, f"add tests/data/shapes/invalid/*.ttl examples for: {missing}"


def test_shapes_are_split_into_study_and_vocabulary_files() -> None:
    study = {_local(s) for s in _named_shapes(kv.load_shapes("study"))}
    vocab = {_local(s) for s in _named_shapes(kv.load_shapes("vocabulary"))}
    assert "StudyShape" in study and "DrugShape" in vocab
    assert not study & vocab


# ----------------------------------------------------------------------------- example graphs


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_example_has_no_result(path: Path) -> None:
    result = kv.validate_graph(Graph().parse(path), label=path.name)
    assert not result.results, result.to_table()
    assert result.conforms


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_example_triggers_exactly_its_shapes(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name}: line 1 must be '# expect: <shape> <severity>'"
    result = kv.validate_graph(Graph().parse(path), label=path.name)
    assert _found(result) == expected, result.to_table()
    assert result.conforms == all(sev != "Violation" for _, sev in expected)


def _pyshacl_results(data: Graph, shapes: Graph) -> set[tuple[str, str, str]]:
    """pyshacl on the whole example (plus the ontology): (shape, severity, focus)."""
    import pyshacl

    g = kv._PreparedQueryGraph()
    for t in data:
        g.add(t)
    g.parse(ONTOLOGY_FILE)
    _, report, _ = pyshacl.validate(g, shacl_graph=shapes, inference="none", inplace=True)
    subjects = set(data.subjects())
    out = set()
    for r in report.objects(None, SH.result):
        focus = report.value(r, SH.focusNode)
        if focus in subjects:  # not the ontology's own individuals
            focus_id = str(focus) if isinstance(focus, URIRef) else "_:blank"
            severity = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
            out.add((str(report.value(r, SH.sourceShape)), severity, focus_id))
    return out


def _ours(data: Graph) -> set[tuple[str, str, str]]:
    result = kv.validate_graph(data, run_queries=False)
    return {
        (r.shape, r.severity, r.focus if r.focus_n3.startswith("<") else "_:blank")
        for r in result.results
    }


_SPARQL_EXAMPLES = [
    p for p in VALID + INVALID if any(name in _SPARQL_SHAPES for name, _ in _expected(p))
] + VALID


@pytest.mark.parametrize("path", _SPARQL_EXAMPLES, ids=[p.stem for p in _SPARQL_EXAMPLES])
def test_batch_sparql_executor_agrees_with_pyshacl(path: Path) -> None:
    """Per-study batches + SPARQL constraints on Oxigraph give pyshacl's own results."""
    data = Graph().parse(path)
    assert _ours(data) == _pyshacl_results(data, kv.load_shapes("all"))


@pytest.mark.slow
@pytest.mark.parametrize("path", VALID + INVALID, ids=[p.stem for p in VALID + INVALID])
def test_every_example_agrees_with_pyshacl(path: Path) -> None:
    data = Graph().parse(path)
    assert _ours(data) == _pyshacl_results(data, kv.load_shapes("all"))


def test_subclass_instances_pass_sh_class() -> None:
    """sh:class tkg:EligibilityCriterion accepts a tkg:InclusionCriterion via the ontology."""
    text = (DATA / "valid" / "complete-interventional-study.ttl").read_text(encoding="utf-8")
    assert "a tkg:InclusionCriterion" in text
    assert not kv.validate_graph(Graph().parse(data=text, format="turtle")).results


def test_dataset_named_graphs_are_validated_per_study() -> None:
    data = Graph().parse(DATA / "invalid" / "outcome-role-literal.ttl")
    ds = rdflib.Dataset()
    g = ds.graph(URIRef("https://w3id.org/trialkg/graph/NCT99999901"))
    for t in data:
        g.add(t)
    result = kv.validate_graph(ds)
    assert result.studies == 1
    [r] = result.results
    assert _local(r.shape) == "Outcome-hasRole"
    assert r.study == "NCT99999901"
    assert r.source == "tests/data/shapes/NCT99999901.json [file]"
    assert r.path == "tkg:hasRole" and r.value == "secondary"


def test_split_default_graph_gives_each_study_its_nodes() -> None:
    data = Graph().parse(DATA / "invalid" / "duplicate-nct-id.ttl")
    triples = [kv._ox_triple(t) for t in data]
    parts, rest = kv._split_default_graph([kv.ox.Triple(*t) for t in triples])
    names = sorted(name.rsplit("/", 1)[-1] for name, _ in parts)
    assert names == ["NCT99999901", "T0123456789abcdef"]
    for name, ts in parts:
        subjects = {t.subject.value for t in ts if isinstance(t.subject, kv.ox.NamedNode)}
        assert name in subjects
        assert any("/graph/" in s for s in subjects)  # its provenance node
        assert any(s.endswith("/outcome/1") for s in subjects)
        assert "https://w3id.org/trialkg/condition/example-condition" in subjects
    assert not rest


# ----------------------------------------------------------------------------- builds


@pytest.fixture(scope="module")
def seeds_kg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build([EXAMPLES], tmp_path_factory.mktemp("validate") / "seeds")


def test_seeds_validate_without_violation(seeds_kg: Path) -> None:
    result = kv.validate_build(seeds_kg)
    assert result.studies == 2
    assert result.counts()["Violation"] == 0, result.to_table()
    assert result.conforms
    assert {name for name, _ in result.queries} == {
        q.name for q in list_queries() if q.is_violation
    }


def test_parallel_jobs_give_the_same_results(seeds_kg: Path) -> None:
    one = kv.validate_build(seeds_kg, jobs=1)
    two = kv.validate_build(seeds_kg, jobs=2)
    assert one.results == two.results
    assert one.studies == two.studies


def test_store_and_nquads_give_the_same_results(seeds_kg: Path, tmp_path: Path) -> None:
    import shutil

    only_store = tmp_path / "kg"
    shutil.copytree(seeds_kg / "store", only_store / "store")
    assert kv.validate_build(only_store).results == kv.validate_build(seeds_kg).results


def test_results_name_study_and_source(tmp_path: Path) -> None:
    """A study that breaks a shape is reported with its title and source file."""
    data = Graph().parse(DATA / "invalid" / "study-overallStatus-not-a-code.ttl")
    path = tmp_path / "one.nq"
    graph = kv.ox.NamedNode("https://w3id.org/trialkg/graph/NCT99999901")
    quads = [kv.ox.Quad(*kv._ox_triple(t), graph) for t in data]
    path.write_bytes(kv.ox.serialize(quads, format=kv.ox.RdfFormat.N_QUADS))
    result = kv.validate_path(path)
    [r] = result.failing
    assert (r.study, r.source) == ("NCT99999901", "tests/data/shapes/NCT99999901.json [file]")
    assert r.focus == "https://w3id.org/trialkg/study/NCT99999901"
    assert r.value == "Recruiting" and r.path == "tkg:overallStatus"
    assert "API v2 code" in r.message


@needs_corpus
@pytest.mark.corpus
def test_real_corpus_has_no_violation(tmp_path: Path) -> None:
    """nsclcbench + aact_fixtures/v2: warnings are allowed (truncated fixtures), violations not."""
    out = _build([CORPUS / "nsclcbench", CORPUS / "aact_fixtures" / "v2"], tmp_path / "kg")
    result = kv.validate_build(out, jobs=2)
    assert result.studies >= 100
    assert result.counts()["Violation"] == 0, result.to_table()
    # The two aact fixtures that keep only their identification module have no condition.
    no_condition = {r.study for r in result.results if _local(r.shape) == "Study-conditionCount"}
    assert no_condition <= {"NCT00465816", "NCT03453554"}


# ----------------------------------------------------------------------------- violation queries


def test_violation_queries_have_headers() -> None:
    names = {q.name: q for q in list_queries() if q.is_violation}
    assert {
        "duplicate-nct-id-violation",
        "negative-horizon-violation",
        "outcome-without-measure-violation",
    } <= set(names)
    for q in names.values():
        first = q.path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# title: "), q.path
        assert q.question and q.returns, q.path
        assert "focus" in q.returns, f"{q.path}: return a ?focus column for the report"


def test_violation_queries_return_no_rows_on_the_seeds(seeds_kg: Path) -> None:
    from kg.store import open_store

    rows = kv.run_violation_queries(open_store(seeds_kg))
    assert rows and all(not r for _, r in rows), rows


# ----------------------------------------------------------------------------- reports


def test_reports_are_deterministic_and_parse() -> None:
    graph = Graph().parse(DATA / "invalid" / "outcome-blank-node.ttl")
    a, b = kv.validate_graph(graph), kv.validate_graph(graph)
    assert a.to_turtle() == b.to_turtle()
    report = Graph().parse(data=a.to_turtle(), format="turtle")
    [node] = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms).toPython() is False
    assert len(list(report.objects(node, SH.result))) == len(a.results)
    data = json.loads(a.to_json())
    assert data["counts"]["Violation"] == len(a.results)
    table = a.to_table()
    assert "Violation  tkgsh:OutcomeShape" in table


# ----------------------------------------------------------------------------- command


def _invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(kv.validate_command, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_command_help_has_an_example() -> None:
    code, out, _ = _invoke("--help")
    assert code == 0
    assert "Example" in out and "trialkg validate" in out


def test_command_exit_0_on_a_good_graph() -> None:
    code, out, _ = _invoke(str(DATA / "valid" / "complete-interventional-study.ttl"))
    assert code == 0, out
    assert "conforms" in out


def test_command_exit_1_on_a_violation() -> None:
    code, out, err = _invoke(str(DATA / "invalid" / "arm-type-not-a-code.ttl"))
    assert code == 1
    assert "tkgsh:Arm-armType" in out
    assert err.strip().splitlines()[-1].startswith("trialkg: error: validation failed")


def test_command_severity_chooses_what_fails() -> None:
    path = str(DATA / "invalid" / "study-without-condition.ttl")  # a Warning only
    assert _invoke(path)[0] == 0
    assert _invoke(path, "--severity", "Warning")[0] == 1
    assert _invoke(path, "--severity", "info")[0] == 1


def test_command_json_output_parses() -> None:
    code, out, _ = _invoke(str(DATA / "invalid" / "arm-type-not-a-code.ttl"), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["conforms"] is False
    [r] = data["results"]
    assert r["shape_name"] == "tkgsh:Arm-armType" and r["severity"] == "Violation"
    assert r["value"] == "Experimental" and r["study"] == "NCT99999901"


def test_command_turtle_output_parses(tmp_path: Path) -> None:
    report = tmp_path / "report.ttl"
    code, _, err = _invoke(
        str(DATA / "valid" / "flat-study-without-nct-id.ttl"),
        "--format",
        "turtle",
        "-o",
        str(report),
    )
    assert code == 0, err
    g = Graph().parse(report, format="turtle")
    [node] = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(node, SH.conforms).toPython() is True


def test_command_validates_a_build_folder(seeds_kg: Path) -> None:
    code, out, err = _invoke("--store", str(seeds_kg), "--jobs", "2", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["studies"] == 2


@pytest.mark.parametrize(
    "args",
    [
        ["/nonexistent/graph.ttl"],
        ["--store", "/nonexistent/build"],
        ["graph.xyz"],
        [str(DATA / "valid" / "phase-1-2-study.ttl"), "--store", "build"],
        ["--severity", "Fatal"],
    ],
    ids=["missing-file", "missing-build", "unknown-suffix", "graph-and-store", "bad-severity"],
)
def test_command_exit_2_on_usage_or_input_error(args: list[str]) -> None:
    code, _, err = _invoke(*args)
    assert code == 2
    assert err.strip()


def test_command_exit_2_on_unreadable_turtle(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    code, _, err = _invoke(str(bad))
    assert code == 2
    assert err.startswith("trialkg: error:") and "bad.ttl" in err
