"""Integrity tests for ontology/trialkg.ttl, ontology/vocab/*.ttl and kg/namespace.py.

Each failure message says what to fix and how. The vocabulary tests are
parametrized over whatever ``ontology/vocab/*.ttl`` files exist, one test id per file.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS

from kg import gen_namespace
from kg.namespace import TKG, TKG_NS
from kg.ontology import (
    ONTOLOGY_DIR,
    ONTOLOGY_FILE,
    VOCAB_DIR,
    canonical_turtle,
    main,
    ontology_files,
)

PROJECT_ROOT = ONTOLOGY_DIR.parent
ONTOLOGY_IRI = URIRef("https://w3id.org/trialkg/ontology")
TRIALKG_BASE = "https://w3id.org/trialkg/"
# A string, not rdflib's XSD: pytest collection pokes module attributes and
# rdflib warns on every unknown XSD attribute it is asked for.
XSD_BASE = "http://www.w3.org/2001/XMLSchema#"

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty)

# Predicates whose IRI objects point at external terms.
ALIGNMENT_PREDICATES = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
    RDFS.subClassOf,
    OWL.equivalentClass,
)
OBO_BASE = "http://purl.obolibrary.org/obo/"
# Extend this when a new OBO ontology is used for alignments (with its id pattern).
OBO_IRI = re.compile(
    r"http://purl\.obolibrary\.org/obo/"
    r"(OBI_\d{7}|NCIT_C\d+|CHEBI_\d+|EFO_\d{7})"
)
SCHEMA_IRI = re.compile(r"https://schema\.org/[A-Za-z]+")

# ClinicalTrials.gov API v2 `Phase` enumeration and the record contract's roles.
CTGOV_PHASES = {"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"}
OUTCOME_ROLES = {"primary", "secondary", "other"}

FMT_HINT = "run `make fmt-ttl` (or `python -m kg.ontology canonicalize FILE`) and commit"


def _file_id(path: Path) -> str:
    return path.relative_to(ONTOLOGY_DIR).as_posix()


TTL_FILES = ontology_files()
VOCAB_FILES = sorted(VOCAB_DIR.glob("*.ttl"))


def _parse(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # report the parser's own message, with the file
        pytest.fail(f"{_file_id(path)} does not parse as Turtle: {exc}")


@pytest.fixture(scope="module")
def onto() -> Graph:
    """The ontology file alone (vocabularies are checked per file)."""
    return _parse(ONTOLOGY_FILE)


def _tkg_terms(graph: Graph) -> list[URIRef]:
    terms = {
        s
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(TKG_NS)
    }
    return sorted(terms)


def _graph_or_empty(path: Path) -> Graph:
    """Parse at collection time; an unparsable file gives an empty graph here and a
    clear failure in ``test_turtle_file_parses`` instead of a collection error."""
    try:
        return Graph().parse(path, format="turtle")
    except Exception:
        return Graph()


ONTOLOGY_TERMS = _tkg_terms(_graph_or_empty(ONTOLOGY_FILE))


def _local(term: URIRef) -> str:
    return str(term).removeprefix(TKG_NS)


def _en(values: Iterable[object]) -> list[Literal]:
    return [v for v in values if isinstance(v, Literal) and v.language == "en"]


# ------------------------------------------------------------------ header


def test_ontology_header(onto: Graph) -> None:
    """The ontology declares title, description, license and version."""
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto, "missing owl:Ontology header"
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, OWL.versionInfo):
        assert onto.value(ONTOLOGY_IRI, prop) is not None, f"header lacks {onto.qname(prop)}"
    assert onto.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


# ------------------------------------------------------- terms and properties


@pytest.mark.parametrize("term", ONTOLOGY_TERMS, ids=_local)
def test_term_has_one_label_and_definition(onto: Graph, term: URIRef) -> None:
    """Every tkg: term has exactly one rdfs:label@en and one skos:definition@en."""
    labels = list(onto.objects(term, RDFS.label))
    definitions = list(onto.objects(term, SKOS.definition))
    assert len(_en(labels)) == 1 and len(labels) == 1, (
        f"tkg:{_local(term)} needs exactly one rdfs:label@en, has {labels!r}"
    )
    assert len(_en(definitions)) == 1 and len(definitions) == 1, (
        f"tkg:{_local(term)} needs exactly one skos:definition@en, has {definitions!r}"
    )


@pytest.mark.parametrize("term", ONTOLOGY_TERMS, ids=_local)
def test_term_has_a_known_kind(onto: Graph, term: URIRef) -> None:
    """Every tkg: term is a class, an object or datatype property, or an individual."""
    types = set(onto.objects(term, RDF.type))
    assert types & set(TERM_TYPES), f"tkg:{_local(term)} has none of {TERM_TYPES}"


def _properties(graph: Graph) -> list[URIRef]:
    return [t for t in _tkg_terms(graph) if set(graph.objects(t, RDF.type)) & set(PROPERTY_TYPES)]


@pytest.mark.parametrize("prop", _properties(_graph_or_empty(ONTOLOGY_FILE)), ids=_local)
def test_property_has_domain_and_range(onto: Graph, prop: URIRef) -> None:
    """Every property has exactly one rdfs:domain and one rdfs:range (use a union for more)."""
    domains = list(onto.objects(prop, RDFS.domain))
    ranges = list(onto.objects(prop, RDFS.range))
    assert len(domains) == 1, f"tkg:{_local(prop)} needs one rdfs:domain, has {domains!r}"
    assert len(ranges) == 1, f"tkg:{_local(prop)} needs one rdfs:range, has {ranges!r}"
    is_datatype = (prop, RDF.type, OWL.DatatypeProperty) in onto
    for member in _members(onto, ranges[0]):
        if is_datatype:
            assert str(member).startswith(XSD_BASE), f"tkg:{_local(prop)} range {member} not xsd"
        else:
            assert (member, RDF.type, OWL.Class) in onto, (
                f"tkg:{_local(prop)} range {member} is not a class of the ontology"
            )
    for member in _members(onto, domains[0]):
        assert (member, RDF.type, OWL.Class) in onto, (
            f"tkg:{_local(prop)} domain {member} is not a class of the ontology"
        )


def _members(graph: Graph, node: object) -> list[object]:
    """A named class or datatype, or the members of an owl:unionOf blank node."""
    if isinstance(node, BNode):
        union = graph.value(node, OWL.unionOf)
        assert union is not None, f"blank node {node} is not an owl:unionOf"
        return list(Collection(graph, union))
    return [node]


def test_phase_notations_are_the_ctgov_enumeration(onto: Graph) -> None:
    """Single-phase individuals carry the ClinicalTrials.gov API v2 phase codes."""
    notations = {
        str(n)
        for phase in onto.subjects(RDF.type, TKG.Phase)
        for n in onto.objects(phase, SKOS.notation)
    }
    assert notations == CTGOV_PHASES
    for combined in (TKG.Phase_PHASE1_PHASE2, TKG.Phase_PHASE2_PHASE3):
        parts = set(onto.objects(combined, DCTERMS.hasPart))
        assert len(parts) == 2 and all((p, RDF.type, TKG.Phase) in onto for p in parts)


def test_outcome_roles_match_the_record_contract(onto: Graph) -> None:
    """OutcomeRole individuals carry the record's role strings as skos:notation."""
    roles = {
        str(onto.value(role, SKOS.notation)) for role in onto.subjects(RDF.type, TKG.OutcomeRole)
    }
    assert roles == OUTCOME_ROLES


# ------------------------------------------------------- generated namespace


def test_namespace_module_is_current(onto: Graph) -> None:
    """kg/namespace.py is exactly what the generator makes from trialkg.ttl."""
    expected = gen_namespace.render_namespace(onto)
    actual = gen_namespace.NAMESPACE_FILE.read_text(encoding="utf-8")
    assert actual == expected, "kg/namespace.py is stale: run `python -m kg.gen_namespace`"


def test_defined_namespace_terms_exist_in_ontology(onto: Graph) -> None:
    """Every term TKG declares is defined (typed) in the ontology, and vice versa."""
    declared = {URIRef(TKG_NS + name) for name in TKG.__annotations__ if not name.startswith("_")}
    defined = set(ONTOLOGY_TERMS)
    missing = sorted(_local(t) for t in declared - defined)
    assert not missing, (
        f"TKG declares terms not in trialkg.ttl: {missing}; run `python -m kg.gen_namespace`"
    )
    assert not defined - declared, "run `python -m kg.gen_namespace`"
    assert str(TKG.Study) == TKG_NS + "Study"
    with pytest.raises(AttributeError):
        _ = TKG.hasConditon  # a typo must fail loudly


# ------------------------------------------------------------- Turtle files


@pytest.mark.parametrize("path", TTL_FILES, ids=_file_id)
def test_turtle_file_parses(path: Path) -> None:
    """The ontology and every vocabulary parse as Turtle."""
    assert len(_parse(path)) > 0, f"{_file_id(path)} is empty"


@pytest.mark.parametrize("path", TTL_FILES, ids=_file_id)
def test_turtle_file_is_canonical(path: Path) -> None:
    """Committed Turtle is in canonical form, so that diffs stay small."""
    _parse(path)
    assert path.read_text(encoding="utf-8") == canonical_turtle(path), (
        f"{_file_id(path)} is not in canonical form: {FMT_HINT}"
    )


@pytest.mark.parametrize("path", TTL_FILES, ids=_file_id)
def test_alignment_iris_are_well_formed(path: Path) -> None:
    """External codes use well-formed OBO PURLs and https schema.org IRIs."""
    graph = _parse(path)
    bad: list[str] = []
    for pred in ALIGNMENT_PREDICATES:
        for subj, obj in graph.subject_objects(pred):
            if not isinstance(obj, URIRef):
                continue
            iri = str(obj)
            if iri.startswith(OBO_BASE) and not OBO_IRI.fullmatch(iri):
                bad.append(f"{subj} {graph.qname(pred)} <{iri}>: not an OBI/NCIT/CHEBI/EFO PURL")
            elif "schema.org/" in iri and not SCHEMA_IRI.fullmatch(iri):
                bad.append(f"{subj} {graph.qname(pred)} <{iri}>: use https://schema.org/Type")
    assert not bad, f"{_file_id(path)} has malformed alignment IRIs:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", VOCAB_FILES, ids=_file_id)
def test_vocab_uses_only_defined_tkg_terms(path: Path) -> None:
    """A vocabulary refers only to tkg: terms that the ontology defines (catches typos)."""
    graph = _parse(path)
    defined = set(ONTOLOGY_TERMS)
    used = {
        node
        for triple in graph
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(TKG_NS)
    }
    unknown = sorted(_local(t) for t in used - defined)
    assert not unknown, (
        f"{_file_id(path)} uses tkg: terms that ontology/trialkg.ttl does not define: "
        f"{unknown}; fix the spelling or add the term to the ontology"
    )


@pytest.mark.parametrize("path", VOCAB_FILES, ids=_file_id)
def test_vocab_terms_have_one_label_and_definition(path: Path) -> None:
    """Every trialkg term a vocabulary defines has one rdfs:label@en and one skos:definition."""
    graph = _parse(path)
    problems: list[str] = []
    subjects = {
        s
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef)
        and str(s).startswith(TRIALKG_BASE)
        and (s, RDF.type, OWL.Ontology) not in graph
    }
    for subject in sorted(subjects):
        labels = list(graph.objects(subject, RDFS.label))
        definitions = list(graph.objects(subject, SKOS.definition))
        if len(_en(labels)) != 1 or len(labels) != 1:
            problems.append(f"<{subject}> needs exactly one rdfs:label@en, has {len(labels)}")
        if len(definitions) != 1:
            problems.append(
                f"<{subject}> needs exactly one skos:definition, has {len(definitions)}"
            )
    assert not problems, f"{_file_id(path)}:\n" + "\n".join(problems)


# ------------------------------------------------------------ canonical form


def test_canonical_turtle_ignores_insertion_order() -> None:
    """The same triples added in any order give the same text, and the form is a fixpoint."""
    original = Graph().parse(ONTOLOGY_FILE, format="turtle")
    triples = list(original)
    random.Random(7).shuffle(triples)
    shuffled = Graph()
    for prefix, namespace in original.namespaces():
        shuffled.bind(prefix, namespace)
    for triple in triples:
        shuffled.add(triple)
    text = canonical_turtle(original)
    assert canonical_turtle(shuffled) == text
    assert canonical_turtle(Graph().parse(data=text, format="turtle")) == text


def test_canonical_turtle_is_stable_across_hash_seeds() -> None:
    """Output does not depend on PYTHONHASHSEED (set ordering, blank node ids)."""
    code = (
        "import sys; from kg.ontology import canonical_turtle, ONTOLOGY_FILE; "
        "sys.stdout.write(canonical_turtle(ONTOLOGY_FILE))"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(PROJECT_ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]


def test_cli_check_and_canonicalize(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check` exits 1 on a drifted file; `canonicalize` fixes it in place."""
    drifted = tmp_path / "drifted.ttl"
    drifted.write_text(
        "@prefix ex: <http://example.org/> .\nex:b ex:p ex:c .  \nex:a ex:p ex:c .\n",
        encoding="utf-8",
    )
    assert main(["check", str(drifted)]) == 1
    assert "not canonical" in capsys.readouterr().out
    assert main(["canonicalize", str(drifted)]) == 0
    assert main(["check", str(drifted)]) == 0
    broken = tmp_path / "broken.ttl"
    broken.write_text("ex:a ex:p .", encoding="utf-8")
    assert main(["check", str(broken)]) == 2
