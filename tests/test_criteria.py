"""kg.text.criteria: assessment criteria and assessors named in outcome text."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, SKOS, Graph, URIRef

from kg.text.criteria import (
    BICR,
    BOTH,
    CRITERIA_FILE,
    INVESTIGATOR,
    criteria_terms,
    find_assessor,
    find_criteria,
)
from kg.text.endpoints import endpoint_types

ROOT = Path(__file__).resolve().parents[1]
TKG = "https://w3id.org/trialkg/ontology#"
CODE_IRI = re.compile(r"http://purl\.obolibrary\.org/obo/(NCIT_C\d+|EFO_\d{7})")


def load_bench() -> ModuleType:
    """bench/eval_text.py as a module (bench/ is not a package)."""
    name = "eval_text"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "eval_text.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def notations(text: str) -> list[str]:
    return [c.notation for c in find_criteria(text)]


# ------------------------------------------------------------------ seeds


def test_seed_duration_of_response() -> None:
    assert notations("Duration of Response by irRC and RECIST 1.1") == ["irRC", "RECIST 1.1"]


def test_seed_immune_response_criteria_and_assessor() -> None:
    text = (
        "Immune Response Criteria by irRECIST and as per BIRC (immune response overall "
        "response rate)"
    )
    assert notations(text) == ["irRECIST"]
    assert find_assessor(text) == BICR


def test_seed_primary_description() -> None:
    text = (
        "CT/MRI will be performed every 2 cycles of treatment by RECIST 1.1(each cycle is 21 days))"
    )
    assert notations(text) == ["RECIST 1.1"]


def test_seed_disease_control_rate_description() -> None:
    text = (
        "Disease control rate was defined as the proportion of subjects with complete response "
        "(CR) or partial response (PR) or disease stabilization (SD) in the analyzed "
        "population according to the RECIST 1.1 criteria."
    )
    assert notations(text) == ["RECIST 1.1"]


# ------------------------------------------------------------------ versions and names

CASES = [
    ("RECIST v1.1", ["RECIST 1.1"]),
    ("RECIST version 1.1", ["RECIST 1.1"]),
    ("RECIST1.1", ["RECIST 1.1"]),
    ("by RECIST 1.1(each cycle is 21 days)", ["RECIST 1.1"]),
    ("RECIST v.1.1 assessed by investigator", ["RECIST 1.1"]),
    ("RECIST Criteria 1.1", ["RECIST 1.1"]),
    ("per RECIST", ["RECIST"]),
    ("Response Evaluation Criteria in Solid Tumors (RECIST) version 1.1", ["RECIST 1.1"]),
    ("Response Evaluation Criteria in Solid Tumors, Version 1.1 (RECIST v1.1)", ["RECIST 1.1"]),
    ("based on RECIST Criteria Version 1.0", ["RECIST 1.0"]),
    ("according to RESIST v1.1 criteria", ["RECIST 1.1"]),
    ("CTCAE v5", ["CTCAE v5.0"]),
    ("CTCAE5.0 criteria", ["CTCAE v5.0"]),
    ("NCI-CTCAE version 4.03", ["CTCAE v4.03"]),
    ("NCI CTCAE version 4.", ["CTCAE v4.0"]),
    ("CTCAE v3.0", ["CTCAE v3.0"]),
    ("Common Terminology Criteria for Adverse Events (CTCAE) toxicity grading Version 5",
     ["CTCAE v5.0"]),
    ("graded by CTCAE v2.0", ["CTCAE"]),  # a version the vocabulary lacks: the family
    ("CTCAE grade 3 or higher", ["CTCAE"]),  # a grade is not a version
    ("per iRECIST", ["iRECIST"]),
    ("immune-modified Response Evaluation Criteria in Solid Tumors", ["imRECIST"]),
    ("mRECIST", ["mRECIST"]),
    ("modified RECIST criteria", ["modified RECIST"]),
    ("RANO-BM", ["RANO-BM"]),
    ("iRANO and RANO", ["iRANO", "RANO"]),
    ("Lugano classification", ["Lugano 2014"]),
    ("iwCLL 2018 criteria", ["iwCLL 2018"]),
    ("IMWG criteria", ["IMWG"]),
    ("PCWG3", ["PCWG3"]),
    ("Choi criteria", ["Choi"]),
    ("PERCIST", ["PERCIST"]),
    ("EORTC-QLQ C30", ["EORTC QLQ-C30"]),
    ("EQ-5D-5L", ["EQ-5D"]),
    ("IIEF-EF domain", ["IIEF"]),
    ("The International Index of Erectile Dysfunction(IIEF)-5 score", ["IIEF-5"]),
    ("RECIST v1.1 or INRC", ["RECIST 1.1", "INRC"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_names_and_versions(text: str, expected: list[str]) -> None:
    assert notations(text) == expected


def test_order_of_first_appearance_without_repeats() -> None:
    text = "ORR per RECIST 1.1; AEs graded by NCI CTCAE v5.0; PFS per RECIST 1.1 and iRECIST"
    assert notations(text) == ["RECIST 1.1", "CTCAE v5.0", "iRECIST"]


def test_versioned_mention_absorbs_unversioned_one() -> None:
    assert notations("by RECIST for the best response ... RECIST Criteria Version 1.0") == [
        "RECIST 1.0"
    ]


def test_evidence_and_id() -> None:
    (m,) = find_criteria("ORR according to RECIST version 1.1 by investigator")
    assert (m.id, m.notation, m.evidence) == ("recist-1.1", "RECIST 1.1", "RECIST version 1.1")


@pytest.mark.parametrize(
    "text",
    [
        "OncoChoice-informed treatment",
        "Choice of the next line",
        "patients who resist therapy",
        "World Health Organization",
        "",
        "   ",
    ],
)
def test_no_false_criteria(text: str) -> None:
    assert find_criteria(text) == []


def test_none_input() -> None:
    assert find_criteria(None) == []
    assert find_assessor(None) is None


# ------------------------------------------------------------------ assessor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Investigator-assessed progression-free survival", INVESTIGATOR),
        ("PFS assessed by the investigator per RECIST v1.1", INVESTIGATOR),
        ("ORR by investigator", INVESTIGATOR),
        ("ORR by IRC using RECIST v1.1", BICR),
        ("based on blinded independent central review (BICR) assessments", BICR),
        ("as assessed by an independent review committee", BICR),
        ("independent, central reader-assessed, blinded to time of scan", BICR),
        ("disease progression as per central reading", BICR),
        ("Maximum reduction in BICR and investigator assessment", BOTH),
        ("Investigator's Global Assessment (IGA) score of 0 or 1", None),
        ("the principal investigator will collect data", None),
        ("Overall survival", None),
    ],
)
def test_assessor(text: str, expected: str | None) -> None:
    assert find_assessor(text) == expected


# ------------------------------------------------------------------ vocabulary integrity


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(CRITERIA_FILE, format="turtle")


def test_every_criteria_has_one_label_definition_and_notation(vocab: Graph) -> None:
    problems = []
    for s in sorted(vocab.subjects(RDF.type, URIRef(TKG + "AssessmentCriteria"))):
        for prop in (RDFS.label, SKOS.definition, SKOS.notation):
            values = list(vocab.objects(s, prop))
            if len(values) != 1:
                problems.append(f"{s} needs exactly one {prop}, has {values!r}")
    assert not problems, "fix ontology/vocab/criteria.ttl:\n" + "\n".join(problems)


def test_notations_unique_and_no_shared_synonyms() -> None:
    terms = criteria_terms()
    notes = [c.notation for c in terms.values()]
    assert len(notes) == len(set(notes)), "two criteria share a skos:notation"
    owner: dict[str, str] = {}
    for c in terms.values():
        for syn in set(c.synonyms):
            key = re.sub(r"[\s\-]+", " ", syn.casefold())
            assert owner.setdefault(key, c.id) == c.id, (
                f"{syn!r} names both {owner[key]} and {c.id}: keep it on one"
            )


def test_applies_to_targets_exist() -> None:
    endpoints = endpoint_types()
    for c in criteria_terms().values():
        assert c.applies_to, f"{c.id} needs tkg:appliesToEndpointType"
        missing = [a for a in c.applies_to if a not in endpoints]
        assert not missing, f"{c.id} tkg:appliesToEndpointType {missing}: no such endpoint type"


def test_consistency_examples() -> None:
    terms = criteria_terms()
    assert {"ae", "dlt"} <= set(terms["ctcae-5.0"].applies_to)
    assert {"orr", "pfs"} <= set(terms["recist-1.1"].applies_to)
    assert "qol" in terms["eortc-qlq-c30"].applies_to


def test_versions_point_to_an_unversioned_family() -> None:
    terms = criteria_terms()
    for c in terms.values():
        if c.version:
            assert c.family in terms, f"{c.id}: skos:broader must name its family"
            assert terms[c.family].version is None, f"{c.family} is a family: no version"
    assert terms["ctcae-4.03"].version == "4.03" and terms["ctcae-4.03"].family == "ctcae"


def test_external_codes_are_well_formed(vocab: Graph) -> None:
    for s, o in vocab.subject_objects(SKOS.exactMatch):
        assert CODE_IRI.fullmatch(str(o)), f"{s} skos:exactMatch {o}: not an NCIT/EFO PURL"
    assert (
        URIRef("https://w3id.org/trialkg/vocab/criteria/recist"),
        SKOS.exactMatch,
        URIRef("http://purl.obolibrary.org/obo/NCIT_C49164"),
    ) in vocab


def test_eval_set_criteria_are_vocabulary_notations() -> None:
    known = {c.notation for c in criteria_terms().values()}
    used = {n for r in load_bench().load_eval() for n in r["criteria"]}
    assert used <= known, f"unknown notations in the eval set: {sorted(used - known)}"


# ------------------------------------------------------------------ robustness


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    for m in find_criteria(text):
        assert m.notation
    assert find_assessor(text) in (None, INVESTIGATOR, BICR, BOTH)


# Pieces of criteria mentions, shuffled into hostile text.
FRAGMENTS = "RECIST v 1.1 ( ) version CTCAE 5 criteria . NCI - irRC BICR by investigator 4.03 \uff08".split()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25))
def test_never_raises_on_hostile_fragments(words: list[str]) -> None:
    find_criteria(" ".join(words))
    find_criteria("".join(words))
    find_assessor(" ".join(words))


# ------------------------------------------------------------------ evaluation set


def test_criteria_recall_on_eval_set() -> None:
    figures = load_bench().evaluate()
    assert figures["criteria_recall"] >= 0.95, figures["misses"]["criteria"]
    assert figures["criteria_precision"] >= 0.95, figures["misses"]["criteria"]
