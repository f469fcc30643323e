"""kg.text.endpoints: endpoint types from outcome text, and the endpoint vocabulary.

The seeds are the two trials the project was specified from; the evaluation thresholds
run over ``tests/data/eval/outcomes.jsonl`` (hand-labelled real outcomes).
"""

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

from kg.text.endpoints import (
    ENDPOINTS_FILE,
    EndpointMatch,
    classify_endpoint,
    endpoint_types,
)

ROOT = Path(__file__).resolve().parents[1]
TKG = "https://w3id.org/trialkg/ontology#"
EP = "https://w3id.org/trialkg/vocab/endpoint/"
CODE_IRI = re.compile(r"http://purl\.obolibrary\.org/obo/(NCIT_C\d+|EFO_\d{7})")


def load_bench() -> ModuleType:
    """bench/eval_text.py as a module (bench/ is not a package)."""
    name = "eval_text"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "eval_text.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def code(measure: str | None, description: str | None = None) -> str | None:
    m = classify_endpoint(measure, description)
    return m.code if m else None


# ------------------------------------------------------------------ seeds

SEED_OUTCOMES = [
    # seed 1: anti-PD-1 JS001 in neuroendocrine tumours
    ("Overall response rate (ORR)",
     "CT/MRI will be performed every 2 cycles of treatment by RECIST 1.1(each cycle is 21 days))",
     "ORR"),
    ("Duration of response (DOR)", "Duration of Response by irRC and RECIST 1.1", "DoR"),
    ("Progression-free survival",
     "Progression-free survival is defined as the time from the date of first dose to the date "
     "of the first documented radiological progression or death due to any cause", "PFS"),
    ("Overall survival",
     "Overall survival is defined as the time from date of start of treatment to date of death "
     "due to any cause", "OS"),
    ("Immune Response Criteria by irRECIST (immune response duration of response)",
     "Immune Response Criteria by irRECIST and as per BIRC (immune response duration of "
     "response)", "DoR"),
    ("Immune Response Criteria by irRECIST (immune response overall response rate)",
     "Immune Response Criteria by irRECIST and as per BIRC (immune response overall response "
     "rate)", "ORR"),
    ("Biochemical response", "Changes from baseline in chromogranin-A", "BIOMARKER"),
    ("Correlation analysis of PD-L1/CD8 expression of tumor and ORR",
     "Changes from baseline in PD-L1/CD8 expression", "BIOMARKER"),
    ("Correlation analysis of circulating tumor cells (CTC) and ORR",
     "Changes from baseline of circulating tumor cells (CTC)", "BIOMARKER"),
    # seed 2: anti-PD-1 + albumin-bound paclitaxel in cervical cancer
    ("Objective Response Rate(ORR)",
     "Objective tumor response was defined as the proportion of patients whose tumor volume "
     "has been reduced to a predetermined value and can be maintained for more than 4 weeks, "
     "ie ORR=CR+PR.", "ORR"),
    ("Progression Free Survival(PFS)",
     "Progression-free survival was defined as the duration of time from study entry to time "
     "of progression, death, or the date of last contact, whichever occurs first.", "PFS"),
    ("Overall Survival(OS)",
     "Overall survival is defined as the duration of time from study entry to time of death "
     "or the date of last contact.", "OS"),
    ("Disease Control Rate(DCR)",
     "Disease control rate was defined as the proportion of subjects with complete response "
     "(CR) or partial response (PR) or disease stabilization (SD) in the analyzed population "
     "according to the RECIST 1.1 criteria.", "DCR"),
    ("Duration of Response(DoR)",
     "Duration of response was defined as the time when the tumor is first evaluated as CR or "
     "PR to the first assessment for progressive disease(PD) or for any cause of death.", "DoR"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("measure", "description", "expected"), SEED_OUTCOMES, ids=[s[0][:40] for s in SEED_OUTCOMES]
)
def test_seed_outcomes(measure: str, description: str, expected: str) -> None:
    assert code(measure, description) == expected


def test_seed_primary_is_read_from_the_measure() -> None:
    m = classify_endpoint(*SEED_OUTCOMES[0][:2])
    assert isinstance(m, EndpointMatch)
    assert (m.code, m.id, m.source) == ("ORR", "orr", "measure")
    assert m.evidence == "Overall response rate"
    assert "TUMOUR-RESPONSE" in m.family


# ------------------------------------------------------------------ paraphrases

PARAPHRASES = [
    ("Proportion of patients with CR or PR", "ORR"),
    ("Percentage of participants with a complete response or partial response", "ORR"),
    ("Proportion of subjects with complete response, partial response or stable disease", "DCR"),
    ("Percentage of participants with treatment-emergent adverse events", "AE"),
    ("Number of Participants With Serious Adverse Events (SAEs)", "AE"),
    ("Incidence of toxicity, grading with CTCAE 4.03", "AE"),
    ("Number of Participants With AEs Meeting Protocol-defined Dose-limiting Toxicity Criteria",
     "DLT"),
    ("Recommended phase II dose (RP2D) of drug X", "MTD"),
    ("Response rate", "ORR"),
    ("Objective tumour response", "ORR"),
    ("Time to first subsequent therapy or death", "TTNT"),
    ("Maximum Plasma Concentration [Cmax]", "PK"),
    ("(t1/2)", "PK"),
    ("Change from baseline in EORTC QLQ-C30 global health status", "QoL"),
    ("Pathologic complete response rate", "pCR"),
    ("p-CR", "pCR"),
    ("Intracranial objective response rate (iORR)", "IC-ORR"),
    ("CNS progression-free survival", "IC-PFS"),
    ("Brain Progression Free Survival (BPFS)", "IC-PFS"),
    ("Duration of Treatment (DOR)", "DoT"),
    ("Progresison Free Survival (PFS2)", "PFS2"),
    ("Real-world progression-free survival (rwPFS)", "PFS"),
    ("Time to Objective Response (TTR)", "TTR"),
    ("Survival", "OS"),
    ("Number of Participants Who Died", "MORTALITY"),
    ("Change From Baseline in the IIEF Erectile Function (EF) Domain Score", "IIEF"),
    ("Percent of 'Yes' Responses to Sexual Encounter Profile Question 3", "SEP"),
    ("Change from baseline in ADAS-Cog13", "ADAS-Cog"),
    ("Change in HbA1c from baseline", "HbA1c"),
    ("Change in systolic blood pressure", "BP"),
]  # fmt: skip


@pytest.mark.parametrize(("measure", "expected"), PARAPHRASES, ids=[p[0][:40] for p in PARAPHRASES])
def test_paraphrases_and_synonyms(measure: str, expected: str) -> None:
    assert code(measure) == expected


@pytest.mark.parametrize(
    ("measure", "days"),
    [
        ("6-month PFS rate", 182.625),
        ("6-month progression-free survival (PFS) rate", 182.625),
        ("PFS Rate at 18 Months", 547.875),
        ("12m-PFS", 365.25),
        ("Two-years disease free survival rates", 730.5),
        ("Event-free survival at 2 years", 730.5),
        ("One-Year Survival Rate", 365.25),
        ("12-month, 18-month, and 24-month overall survival (OS) rates", 365.25),
        ("Median progression-free survival", None),
    ],
)
def test_landmark_rates_keep_their_family(measure: str, days: float | None) -> None:
    m = classify_endpoint(measure)
    assert m is not None
    assert m.landmark_days == days
    assert "TIME-TO-EVENT" in m.family


def test_six_month_pfs_rate_is_pfs() -> None:
    m = classify_endpoint("6-month PFS rate")
    assert m is not None and (m.code, m.landmark_days) == ("PFS", 182.625)


@pytest.mark.parametrize(
    "measure",
    [
        "Relapse Patterns",
        "Efficacy",
        "Tumor response",
        "Progression-free survival and overall survival",
        "CNS ORR, CNS DOR, CNS PFS",
        "Correlation between immune microenvironment and ORR and PFS",
        "Microbiome difference between patients with and without AEs>=grade 3",
        "Number of participants",
        "Depth of response",
        "Time to Loss of Clinical Benefit (TTLCB)",
        "Graft survival",
        "",
        "   ",
    ],
)
def test_unclear_measures_are_none(measure: str) -> None:
    assert classify_endpoint(measure) is None


def test_none_input_is_none() -> None:
    assert classify_endpoint(None) is None
    assert classify_endpoint(None, None) is None


def test_description_is_read_only_when_the_measure_is_unclear() -> None:
    m = classify_endpoint(
        "To evaluate the efficacy of drug X", "Objective Response Rate (ORR) per RECIST v1.1"
    )
    assert m is not None and (m.code, m.source) == ("ORR", "description")
    # a clear measure wins over its description
    assert code("Overall survival", "Progression-free survival is secondary") == "OS"
    # a weak "Safety" measure takes a dose-finding type from its description
    assert code("Safety", "Incidence of dose-limiting toxicities (DLTs)") == "DLT"
    assert code("Safety profile", "Patients will be evaluated for adverse events") == "AE"
    # a component alone in a description is part of another definition
    assert code("Tumour shrinkage rate", "best response of PR or CR") is None


# ------------------------------------------------------------------ vocabulary integrity


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(ENDPOINTS_FILE, format="turtle")


def _terms(g: Graph) -> list[URIRef]:
    return sorted(s for s in g.subjects(RDF.type, URIRef(TKG + "EndpointType")))


def test_every_type_has_one_label_definition_and_notation(vocab: Graph) -> None:
    problems = []
    for s in _terms(vocab):
        for prop, name in (
            (RDFS.label, "rdfs:label"),
            (SKOS.definition, "skos:definition"),
            (SKOS.notation, "skos:notation"),
        ):
            values = list(vocab.objects(s, prop))
            if len(values) != 1:
                problems.append(f"{s} needs exactly one {name}, has {values!r}")
        for prop in (RDFS.label, SKOS.definition):
            for v in vocab.objects(s, prop):
                if getattr(v, "language", None) != "en":
                    problems.append(f"{s} {prop}: tag it @en")
    assert not problems, "fix ontology/vocab/endpoints.ttl:\n" + "\n".join(problems)


def test_notations_are_unique_and_ids_match_iris() -> None:
    types = endpoint_types()
    codes = [t.code for t in types.values()]
    assert len(codes) == len(set(codes)), "two endpoint types share a skos:notation"
    for ident, t in types.items():
        assert t.iri == EP + ident
        assert re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", ident), f"id {ident!r}: use lower-case-hyphen"


def _norm(s: str) -> str:
    return re.sub(r"[\s\-]+", " ", s.casefold()).strip()


def test_no_synonym_names_two_types() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for t in endpoint_types().values():
        for syn in set(t.synonyms):
            key = _norm(syn)
            if key in owner and owner[key] != t.id:
                clashes.append(f"{syn!r} is a synonym of both {owner[key]} and {t.id}")
            owner.setdefault(key, t.id)
    assert not clashes, "remove the synonym from one of the types:\n" + "\n".join(clashes)


def test_broader_types_exist_and_do_not_cycle() -> None:
    types = endpoint_types()
    for t in types.values():
        seen = {t.id}
        frontier = list(t.broader)
        while frontier:
            b = frontier.pop()
            assert b in types, f"{t.id} tkg:broaderEndpointType {b}: no such endpoint type"
            assert b not in seen, f"{t.id}: tkg:broaderEndpointType cycles through {b}"
            seen.add(b)
            frontier.extend(types[b].broader)


def test_tumour_response_types_require_criteria() -> None:
    types = endpoint_types()
    for ident in ("orr", "cr", "dcr", "cbr", "dor", "ttr", "ic-orr"):
        assert types[ident].requires_criteria, f"{ident} needs tkg:requiresAssessmentCriteria"
    assert not types["os"].requires_criteria
    assert types["pfs"].broader == ("time-to-event",)
    assert "tumour-response" in types["orr"].broader


def test_external_codes_are_well_formed_and_verified(vocab: Graph) -> None:
    for prop in (SKOS.exactMatch, SKOS.closeMatch):
        for s, o in vocab.subject_objects(prop):
            assert CODE_IRI.fullmatch(str(o)), f"{s} {prop} {o}: not an NCIT/EFO PURL"
    assert (
        URIRef(EP + "pfs"),
        SKOS.exactMatch,
        URIRef("http://purl.obolibrary.org/obo/EFO_0004920"),
    ) in vocab
    assert (
        URIRef(EP + "os"),
        SKOS.exactMatch,
        URIRef("http://purl.obolibrary.org/obo/NCIT_C125201"),
    ) in vocab


def test_eval_set_codes_are_vocabulary_notations() -> None:
    codes = {t.code for t in endpoint_types().values()}
    unknown = {r["endpoint"] for r in load_bench().load_eval() if r["endpoint"]} - codes
    assert not unknown, f"eval labels use codes the vocabulary lacks: {sorted(unknown)}"


# ------------------------------------------------------------------ robustness


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=300)))
def test_never_raises(measure: str, description: str | None) -> None:
    m = classify_endpoint(measure, description)
    assert m is None or m.code in {t.code for t in endpoint_types().values()}


# Pieces of real measures (and full-width look-alikes), shuffled into hostile text.
FRAGMENTS = (
    "ORR PFS ( ) rate 6-month at 12 months correlation CR or PR safety \uff4f\uff53 \uff08 "
    "\uff09 \u2013 survival of %"
).split()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25))
def test_never_raises_on_hostile_fragments(words: list[str]) -> None:
    classify_endpoint(" ".join(words), " ".join(reversed(words)))


# ------------------------------------------------------------------ evaluation set


@pytest.fixture(scope="module")
def figures() -> dict[str, object]:
    return load_bench().evaluate()


def test_eval_set_is_big_enough(figures: dict[str, object]) -> None:
    assert figures["oncology_rows"] >= 300
    assert figures["rows"] - figures["oncology_rows"] >= 50


def test_endpoint_precision_target(figures: dict[str, object]) -> None:
    assert figures["endpoint_precision"] >= 0.97, figures["misses"]["endpoint"]  # type: ignore[index]


def test_endpoint_coverage_target(figures: dict[str, object]) -> None:
    assert figures["endpoint_coverage"] >= 0.90, figures["misses"]["coverage"]  # type: ignore[index]
