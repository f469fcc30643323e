"""The saved-query library: every query runs, answers its question, and queries/README.md is current.

Answers are checked on the two seeds (always) and on a real-corpus build of
nsclcbench plus one HINT CSV file (when ../shared/corpus is present); every
expected value below was read by hand from the records or the built graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import CORPUS, needs_corpus

from kg import querydoc
from kg.queries import QUERY_DIR, SavedQuery, bindings_for, find_query, list_queries, run_on_store
from kg.querydoc import group_of, is_construct, readme_text
from kg.store import open_store, with_values

STUDY = "https://w3id.org/trialkg/study/"
CERVICAL = STUDY + "T1c0bac9ef3e156bd"  # anti-PD-1 + albumin-bound paclitaxel, phase 2
JS001 = STUDY + "Ted73a71383bfd051"  # toripalimab (JS001), neuroendocrine tumours, phase 1b
CLASS = "https://w3id.org/trialkg/vocab/class/"
DRUG = "https://w3id.org/trialkg/vocab/drug/"
ENDPOINT = "https://w3id.org/trialkg/vocab/endpoint/"
DV = "https://w3id.org/trialkg/derived#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

ALL_QUERIES = sorted(QUERY_DIR.glob("*.rq"))
CONSTRUCTS = {"trial-similarity-edges", "trial-drug-class-closure"}


def rows(store: ox.Store, name: str, **params: str) -> list[dict[str, Any]]:
    """The rows of a saved SELECT, run with ``params`` over its defaults."""
    _, out = run_on_store(store, find_query(name), params)
    return out


def triples(store: ox.Store, name: str, **params: str) -> set[tuple[str, str, str]]:
    """The triples of a saved CONSTRUCT, as (subject, predicate, object value)."""
    q = find_query(name)
    res = store.query(with_values(q.text, bindings_for(q, params)), use_default_graph_as_union=True)
    return {(t.subject.value, t.predicate.value, t.object.value) for t in res}


def answer(store: ox.Store, q: SavedQuery) -> Any:
    """A query's answer with its defaults: rows for a SELECT, a set of triples for a CONSTRUCT."""
    return triples(store, q.name) if is_construct(q) else rows(store, q.name)


def split(value: str | None, sep: str = "; ") -> set[str]:
    """A GROUP_CONCAT value as a set (the order of its parts is not part of the answer)."""
    return set(value.split(sep)) if value else set()


@pytest.fixture(scope="module")
def seeds(seeds_build: Path) -> ox.Store:
    return open_store(seeds_build)


@pytest.fixture(scope="module")
def seeds_rdflib(seeds_build: Path) -> Any:
    """The same build in an rdflib Dataset whose default graph is the union of its graphs."""
    from rdflib import Dataset

    ds = Dataset(default_union=True)
    ds.parse(seeds_build / "trials.nq", format="nquads")
    return ds


# --- the library and its README -------------------------------------------------------


def test_readme_is_current() -> None:
    assert (QUERY_DIR / "README.md").read_text(encoding="utf-8") == readme_text(), (
        "queries/README.md is stale: run `python -m kg.querydoc`"
    )


def test_readme_lists_every_query_with_its_parameters() -> None:
    text = readme_text()
    for q in list_queries():
        assert f"### `{q.name}`" in text
        assert q.question in text
        for p in q.params:
            assert f"`{p.name}` (default `{p.default}`)" in text
    assert "trialkg query NAME --store build/demo --param k=v" in text
    assert "python -m kg.querydoc" in text and "do not edit it by hand" in text


def test_querydoc_check_fails_on_a_stale_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "README.md"
    monkeypatch.setattr(querydoc, "README", target)
    assert querydoc.main(["--check"]) == 1  # missing
    assert "missing" in capsys.readouterr().err
    target.write_text(readme_text().replace("Curation queues", "Curation"), encoding="utf-8")
    assert querydoc.main(["--check"]) == 1  # stale
    assert "stale" in capsys.readouterr().err
    assert querydoc.main([]) == 0
    assert target.read_text(encoding="utf-8") == readme_text()
    assert querydoc.main(["--check"]) == 0


def test_library_size_and_groups() -> None:
    queries = list_queries()
    questions = [q for q in queries if not q.is_violation]
    assert len(questions) >= 20
    groups = {q.name: group_of(q) for q in queries}
    assert {n for n, g in groups.items() if g == "construct"} >= CONSTRUCTS
    assert {n for n, g in groups.items() if g == "curation"} >= {
        "curation-criteria-endpoint-mismatch",
        "curation-findings-by-kind",
        "curation-missing-primary-endpoint",
        "curation-outcomes-missing-criteria",
        "curation-unparsed-time-frames",
    }
    assert groups["class-combination-trials"] == "cross-trial"
    assert groups["duplicate-nct-id-violation"] == "violation"
    assert len({q.question for q in questions}) == len(questions), "one question per file"


@pytest.mark.parametrize("path", ALL_QUERIES, ids=lambda p: p.stem)
def test_header_lines_come_first_in_order(path: Path) -> None:
    head = path.read_text(encoding="utf-8").splitlines()[:4]
    assert [line.split(":", 1)[0] for line in head] == [
        "# title",
        "# question",
        "# params",
        "# returns",
    ]
    q = find_query(str(path))
    assert q.title and q.question and q.returns


@pytest.mark.parametrize("path", ALL_QUERIES, ids=lambda p: p.stem)
def test_every_parameter_is_a_variable_of_the_query(path: Path) -> None:
    """A parameter is bound by a VALUES block, so the query must use it as a variable."""
    q = find_query(str(path))
    body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
    for p in q.params:
        assert f"?{p.name}" in body, f"{q.name}: parameter {p.name} is not used"
        bindings_for(q)  # every default parses as a term


# --- every query runs on the seeds, deterministically ----------------------------------


@pytest.mark.parametrize(
    "path",
    ALL_QUERIES,
    ids=lambda p: p.stem,
)
def test_every_query_runs_on_the_seeds(path: Path, seeds: ox.Store) -> None:
    q = find_query(str(path))
    first = answer(seeds, q)
    assert answer(seeds, q) == first, "the same store gives the same answer"
    if is_construct(q):
        for _, predicate, _ in first:
            assert predicate.startswith(DV) or predicate == RDF_TYPE, predicate
    else:
        cols, _ = run_on_store(seeds, q)
        assert cols == [c.strip() for c in q.returns.split(",")], "# returns: lists the columns"


@pytest.mark.parametrize(
    "path",
    ALL_QUERIES,
    ids=lambda p: p.stem,
)
@pytest.mark.filterwarnings("ignore:Dataset.identifier is deprecated:DeprecationWarning")
def test_rdflib_gives_the_same_answers(path: Path, seeds_rdflib: Any, seeds: ox.Store) -> None:
    """The queries are plain SPARQL 1.1: rdflib over the union of the graphs agrees."""
    q = find_query(str(path))

    def norm(value: Any) -> Any:
        if value is None:
            return None
        text = str(value)
        return tuple(sorted(text.split("; "))) if "; " in text else text

    res = seeds_rdflib.query(with_values(q.text, bindings_for(q)))
    if is_construct(q):
        got = {(str(s), str(p), str(o)) for s, p, o in res}
        assert got == triples(seeds, q.name)
    else:
        cols, expected = run_on_store(seeds, q)
        got_rows = sorted((tuple(norm(r[c]) for c in cols) for r in res), key=lambda t: repr(t))
        want = sorted((tuple(norm(r[c]) for c in cols) for r in expected), key=lambda t: repr(t))
        assert got_rows == want


# --- the seeds' answers -----------------------------------------------------------------


def test_class_combination_finds_the_cervical_seed_only(seeds: ox.Store) -> None:
    assert rows(seeds, "class-combination-trials") == [
        {
            "study": CERVICAL,
            "nct_id": None,
            "title": "Study of Anti-PD-1 Combined With Albumin-Bound Paclitaxel in Patients "
            "With Recurrent Cervical Cancer",
            "class_a_agents": "PD-1 inhibitor",
            "class_b_agents": "nab-paclitaxel",
            "together": "same intervention",
        }
    ]
    # a class the seeds do not use gives nothing; with one class twice, a trial needs two
    # different agents of it: JS001 (toripalimab and a class-level PD-1 mention) does,
    # the cervical seed (one PD-1 mention) does not
    assert rows(seeds, "class-combination-trials", class_b="dclass:platinum-compound") == []
    both_pd1 = rows(
        seeds,
        "class-combination-trials",
        class_a="dclass:pd1-inhibitor",
        class_b="dclass:pd1-inhibitor",
    )
    assert {r["study"] for r in both_pd1} == {JS001}


def test_primary_endpoints_by_phase(seeds: ox.Store) -> None:
    got = [
        (r["phase"], r["endpoint"], r["trials"], r["outcomes"])
        for r in rows(seeds, "primary-endpoints-by-phase")
    ]
    assert got == [("PHASE1", "ORR", 1, 1), ("PHASE2", "ORR", 1, 1)]


def test_shared_primary_endpoint(seeds: ox.Store) -> None:
    got = rows(seeds, "shared-primary-endpoint-trials")
    assert [(r["study"], r["shared_endpoints"], r["shared"]) for r in got] == [(JS001, "ORR", 1)]
    back = rows(seeds, "shared-primary-endpoint-trials", trial=f"<{JS001}>")
    assert [r["study"] for r in back] == [CERVICAL]
    assert rows(seeds, "shared-primary-endpoint-trials", trial="NCT00000000") == []


def test_assessment_criteria_by_endpoint(seeds: ox.Store) -> None:
    got = {
        (r["endpoint"], r["criteria"]): (
            r["outcomes"],
            r["primary_outcomes"],
            r["trials"],
            r["endpoint_outcomes"],
        )
        for r in rows(seeds, "assessment-criteria-by-endpoint")
    }
    assert got == {
        ("DCR", "RECIST 1.1"): (1, 0, 1, 1),
        ("DoR", "RECIST 1.1"): (1, 0, 1, 3),
        ("DoR", "irRC"): (1, 0, 1, 3),
        ("DoR", "irRECIST"): (1, 0, 1, 3),
        ("ORR", "RECIST 1.1"): (1, 1, 1, 3),  # JS001's primary ORR; the cervical ORR names none
        ("ORR", "irRECIST"): (1, 0, 1, 3),
    }


def test_horizon_by_endpoint(seeds: ox.Store) -> None:
    got = {r["endpoint"]: r for r in rows(seeds, "horizon-by-endpoint")}
    # chromogranin A to week 16 (112 d), PD-L1/CD8 over 3 years, CTC to week 8 (56 d)
    assert (got["BIOMARKER"]["shortest_days"], got["BIOMARKER"]["longest_days"]) == (56, 1095.75)
    assert got["BIOMARKER"]["with_horizon"] == got["BIOMARKER"]["outcomes"] == 3
    assert (got["ORR"]["shortest_days"], got["ORR"]["longest_days"]) == (365.25, 730.5)
    assert got["OS"]["mean_days"] == 731


def test_conditions_by_drug_class(seeds: ox.Store) -> None:
    pd1 = {
        r["condition_label"]: (r["trials"], split(r["agents"]))
        for r in rows(seeds, "conditions-by-drug-class")
    }
    assert pd1 == {
        "Neuroendocrine Tumors": (1, {"toripalimab", "PD-1 inhibitor"}),
        "Recurrent Cervical Cancer": (1, {"PD-1 inhibitor"}),
    }
    taxane = rows(seeds, "conditions-by-drug-class", **{"class": "dclass:taxane"})
    assert [(r["condition_label"], r["agents"]) for r in taxane] == [
        ("Recurrent Cervical Cancer", "nab-paclitaxel")
    ]


def test_top_agents(seeds: ox.Store) -> None:
    got = [(r["drug_label"], r["trials"], r["classes"]) for r in rows(seeds, "top-agents")]
    assert got == [("nab-paclitaxel", 1, "taxane"), ("toripalimab", 1, "PD-1 inhibitor")]


def test_biomarker_endpoints(seeds: ox.Store) -> None:
    got = {
        r["measure"]: (r["study"], r["found_by"], r["marker"])
        for r in rows(seeds, "biomarker-endpoint-trials")
    }
    assert got == {
        # "Changes from baseline in chromogranin-A": typed biomarker, the measure names no marker
        "Biochemical response": (JS001, "endpoint type", ""),
        "Correlation analysis of PD-L1/CD8 expression of tumor and ORR": (
            JS001,
            "endpoint type and measure text",
            "PD-L1",
        ),
        "Correlation analysis of circulating tumor cells (CTC) and ORR": (
            JS001,
            "endpoint type and measure text",
            "circulating tumor cell",
        ),
    }


def test_eligibility_by_class_on_seeds_without_criteria(seeds: ox.Store) -> None:
    got = rows(seeds, "eligibility-by-drug-class")
    assert {r["study"] for r in got} == {CERVICAL, JS001}
    assert all(r["criteria"] == 0 and r["ecog_max"] is None for r in got)


def test_curation_missing_primary_endpoint(seeds: ox.Store) -> None:
    assert rows(seeds, "curation-missing-primary-endpoint") == []  # both type their ORR


def test_curation_outcomes_missing_criteria(seeds: ox.Store) -> None:
    got = [
        (r["study"], r["role"], r["measure"], r["endpoint"])
        for r in rows(seeds, "curation-outcomes-missing-criteria")
    ]
    assert got == [
        (CERVICAL, "primary", "Objective Response Rate(ORR)", "ORR"),
        (CERVICAL, "secondary", "Duration of Response(DoR)", "DoR"),
    ]


def test_curation_criteria_endpoint_mismatch_is_empty_on_the_seeds(seeds: ox.Store) -> None:
    assert rows(seeds, "curation-criteria-endpoint-mismatch") == []


def test_trial_neighbourhood(seeds: ox.Store) -> None:
    got = rows(seeds, "trial-neighbourhood")
    by_node = {(r["hop"], r["via"], r["node"]): (r["kind"], r["label"]) for r in got}
    assert by_node[
        (1, "hasCondition", "https://w3id.org/trialkg/condition/neuroendocrine-tumors")
    ] == (
        "Condition",
        "Neuroendocrine Tumors",
    )
    assert by_node[(1, "^describesStudy", "https://w3id.org/trialkg/graph/Ted73a71383bfd051")] == (
        "StudyGraph",
        "",
    )
    assert by_node[(2, "hasIntervention/hasAgent", DRUG + "toripalimab")] == ("Drug", "toripalimab")
    assert (
        by_node[(2, "hasIntervention/mentionsDrugClass", CLASS + "pd1-inhibitor")][0] == "DrugClass"
    )
    assert by_node[(2, "hasOutcome/hasEndpointType", ENDPOINT + "biomarker")][0] == "EndpointType"
    assert by_node[(1, "hasOutcome", JS001 + "/outcome/1")] == (
        "Outcome",
        "Overall response rate (ORR)",
    )
    nodes = {r["node"] for r in got}
    assert CERVICAL not in nodes and JS001 not in nodes  # no other trial, not the trial itself
    assert len(got) == len(by_node) == 39


def test_trial_similarity_links_the_seeds_through_pd1(seeds: ox.Store) -> None:
    got = triples(seeds, "trial-similarity-edges")
    assert (CERVICAL, DV + "sharesDrugClassWith", JS001) in got
    assert (CERVICAL, DV + "sharesPrimaryEndpointTypeWith", JS001) in got
    (pair,) = {s for s, p, o in got if p == RDF_TYPE and o == DV + "TrialSimilarity"}
    facts = {(p, o) for s, p, o in got if s == pair}
    assert facts == {
        (RDF_TYPE, DV + "TrialSimilarity"),
        (DV + "fromTrial", CERVICAL),
        (DV + "toTrial", JS001),
        (DV + "viaDrugClass", CLASS + "pd1-inhibitor"),  # not taxane: JS001 has none
        (DV + "viaPrimaryEndpointType", ENDPOINT + "orr"),
        (DV + "score", "2"),
    }


def test_drug_class_closure(seeds: ox.Store) -> None:
    got = triples(seeds, "trial-drug-class-closure")
    uses = {o.removeprefix(CLASS) for s, p, o in got if s == CERVICAL and p == DV + "usesDrugClass"}
    direct = {
        o.removeprefix(CLASS)
        for s, p, o in got
        if s == CERVICAL and p == DV + "usesDrugClassDirectly"
    }
    assert direct == {"pd1-inhibitor", "taxane"}
    assert uses == {
        "pd1-inhibitor",
        "pd1-pdl1-inhibitor",
        "immune-checkpoint-inhibitor",
        "taxane",
        "microtubule-targeting-agent",
        "cytotoxic-chemotherapy",
        "antineoplastic-agent",
    }
    js001 = {o.removeprefix(CLASS) for s, p, o in got if s == JS001 and p == DV + "usesDrugClass"}
    assert "taxane" not in js001 and "pd1-inhibitor" in js001


def test_trials_by_phase_and_status(seeds: ox.Store) -> None:
    got = [(r["phase"], r["status"], r["trials"]) for r in rows(seeds, "trials-by-phase-status")]
    assert got == [("PHASE1", "(none)", 1), ("PHASE2", "(none)", 1)]


def test_curation_unparsed_time_frames_is_empty_on_the_seeds(seeds: ox.Store) -> None:
    assert rows(seeds, "curation-unparsed-time-frames") == []


def test_curation_findings_by_kind(seeds: ox.Store) -> None:
    got = {
        r["kind"]: (r["findings"], r["trials"], r["first_example"])
        for r in rows(seeds, "curation-findings-by-kind")
    }
    assert got == {"implausible-unit": (1, 1, JS001), "interval-vs-cycle": (1, 1, JS001)}


def test_sponsors_by_drug_class_on_seeds_without_sponsors(seeds: ox.Store) -> None:
    assert rows(seeds, "sponsors-by-drug-class") == []


def test_paclitaxel_formulations(seeds: ox.Store) -> None:
    got = {
        r["product_label"]: (r["relation"], r["trials"], r["primary_endpoints"])
        for r in rows(seeds, "paclitaxel-formulations")
    }
    assert got == {
        "paclitaxel": ("active drug", 0, ""),
        "liposomal paclitaxel": ("formulation", 0, ""),
        "nab-paclitaxel": ("formulation", 1, "ORR"),
    }


# --- real records: nsclcbench (API v2 JSON) and HINT phase I test rows (eligibility text) ---


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    from kg.build import build

    out = tmp_path_factory.mktemp("query-library") / "kg"
    build(
        [CORPUS / "nsclcbench", CORPUS / "hint_top" / "phase_I_test.csv"],
        out,
        progress=False,
    )
    return open_store(out)


def source_formats(store: ox.Store) -> dict[str, str]:
    res = store.query(
        "SELECT ?s ?f WHERE { ?g <https://w3id.org/trialkg/ontology#describesStudy> ?s ; "
        "<https://w3id.org/trialkg/ontology#sourceFormat> ?f }",
        use_default_graph_as_union=True,
    )
    return {r["s"].value: r["f"].value for r in res}


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_class_closure_counts_pd1_and_pdl1_trials(corpus: ox.Store) -> None:
    fmt = source_formats(corpus)
    got = triples(corpus, "trial-drug-class-closure")

    def trials(cls: str, source: str) -> int:
        return len(
            {
                s
                for s, p, o in got
                if p == DV + "usesDrugClass" and o == CLASS + cls and fmt[s] == source
            }
        )

    assert trials("pd1-inhibitor", "ctgov-json") == 18  # nsclcbench: 18 anti-PD-1 trials
    assert trials("pdl1-inhibitor", "ctgov-json") == 8  # by intervention, not by "PD-L1" anywhere
    assert trials("pd1-inhibitor", "hint-csv") == 29
    assert trials("pd1-pdl1-inhibitor", "ctgov-json") == 25  # one trial gives both kinds


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_class_combination_and_arms(corpus: ox.Store) -> None:
    got = {
        r["nct_id"]: (r["class_a_agents"], split(r["class_b_agents"]), r["together"])
        for r in rows(corpus, "class-combination-trials")
    }
    assert got == {
        # HINT rows have no arms
        "NCT02382406": ("pembrolizumab", {"nab-paclitaxel"}, "no arm data"),
        "NCT02630823": ("pembrolizumab", {"paclitaxel"}, "no arm data"),
        # AK112 + docetaxel in Part 1 cohort 3, + paclitaxel/carboplatin in cohort 1
        "NCT04736823": ("ivonescimab", {"docetaxel", "paclitaxel"}, "same arm"),
        "NCT05816499": ("cadonilimab", {"docetaxel"}, "same arm"),
        "NCT06094296": ("nivolumab", {"paclitaxel"}, "same arm"),
        "NCT06944470": ("JS207", {"paclitaxel"}, "same arm"),
    }


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_eligibility_by_class_reads_hint_criteria(corpus: ox.Store) -> None:
    got = {r["nct_id"]: r for r in rows(corpus, "eligibility-by-drug-class")}
    # interferon-gamma + nivolumab: "ECOG performance status 0 or 1", "at least one line of
    # systemic therapy in the metastatic setting", MSI-H or PD-L1 positive tumours
    r = got["NCT02614456"]
    assert (r["ecog_max"], r["prior_lines_min"], r["prior_lines_max"]) == (1, 1, None)
    assert split(r["biomarker_requirements"]) == {"MSI-H positive", "PD-L1 positive"}
    # ibrutinib + nivolumab: "ECOG ... 0, 1, or 2", "not more than 4 lines"; cohort B-2 needs 2
    r = got["NCT02329847"]
    assert (r["ecog_max"], r["prior_lines_min"], r["prior_lines_max"]) == (2, 2, 4)
    assert got["NCT02073123"]["ecog_max"] == 2
    # an exclusion criterion's biomarker is written negated
    assert split(got["NCT05286957"]["biomarker_requirements"]) == {
        "not EGFR mutation",
        "not ALK rearrangement",
    }
    fmt = source_formats(corpus)
    hint_with_ecog = [
        r for r in got.values() if fmt[r["study"]] == "hint-csv" and r["ecog_max"] is not None
    ]
    assert len(hint_with_ecog) >= 20 and all(0 <= r["ecog_max"] <= 2 for r in hint_with_ecog)


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_sponsors_by_drug_class(corpus: ox.Store) -> None:
    got = rows(corpus, "sponsors-by-drug-class")
    top = got[0]
    assert (top["sponsor_label"], top["trials"]) == ("Shanghai Chest Hospital", 3)
    assert split(top["agents"]) == {"pembrolizumab", "cadonilimab", "camrelizumab"}
    bms = [r for r in got if r["sponsor_label"] == "Bristol-Myers Squibb"]
    assert [(r["trials"], r["agents"]) for r in bms] == [(1, "nivolumab")]


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_paclitaxel_and_nab_paclitaxel_side_by_side(corpus: ox.Store) -> None:
    got = {r["product_label"]: r for r in rows(corpus, "paclitaxel-formulations")}
    # nab-paclitaxel: 12 HINT rows, among them "(nab)-paclitaxel" (NCT02155088)
    assert got["nab-paclitaxel"]["trials"] == 12
    assert got["paclitaxel"]["trials"] == 17  # 12 HINT rows + 5 nsclcbench trials
    assert got["liposomal paclitaxel"]["trials"] == 0
    assert got["paclitaxel"]["with_other_form"] == got["nab-paclitaxel"]["with_other_form"] == 1
    assert {"ORR", "OS"} <= split(got["paclitaxel"]["primary_endpoints"])


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_similarity_and_neighbourhood_of_a_trial(corpus: ox.Store) -> None:
    focus = STUDY + "NCT05816499"  # cadonilimab + anlotinib + docetaxel
    got = triples(corpus, "trial-similarity-edges", study=f"<{focus}>")
    assert (focus, DV + "sharesDrugClassWith", STUDY + "NCT04646330") in got  # AK104 + anlotinib
    pair = next(s for s, p, o in got if p == DV + "toTrial" and o == STUDY + "NCT04646330")
    via = {o.removeprefix(CLASS) for s, p, o in got if s == pair and p == DV + "viaDrugClass"}
    assert via == {"pd1-inhibitor", "ctla4-inhibitor", "bispecific-antibody", "vegfr-tki"}
    assert (pair, DV + "score", "4") in got
    near = rows(corpus, "trial-neighbourhood", study=f"<{focus}>")
    hop1 = {(r["via"], r["label"]) for r in near if r["hop"] == 1}
    assert ("leadSponsor", "Shanghai Chest Hospital") in hop1
    assert ("hasArm", "Arm A (cadonilimab，anlotinib，docetaxel )") in hop1
    assert {r["label"] for r in near if r["via"] == "hasIntervention"} == {
        "Cadonilimab",
        "Anlotinib",
        "Docetaxel",
    }


@needs_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_curation_queues(corpus: ox.Store) -> None:
    unparsed = {
        (r["source_format"], r["time_frame"]): (r["outcomes"], r["example"])
        for r in rows(corpus, "curation-unparsed-time-frames")
    }
    assert unparsed == {
        ("ctgov-json", "2019.7-2022.7"): (4, "NCT04871997"),
        ("ctgov-json", "Up to August 1, 2022"): (4, "NCT05688046"),
        ("ctgov-json", "December 2017"): (2, "NCT03609918"),
    }
    mismatch = {
        (r["nct_id"], r["endpoint"], r["criteria"])
        for r in rows(corpus, "curation-criteria-endpoint-mismatch")
    }
    # "overall survival per RECIST1.1": survival is not judged by response criteria
    assert ("NCT04646330", "OS", "RECIST 1.1") in mismatch
    assert {e for _, e, _ in mismatch} == {"OS"}
    missing = rows(corpus, "curation-missing-primary-endpoint")
    by_reason: dict[str, set[str]] = {}
    for r in missing:
        by_reason.setdefault(r["reason"], set()).add(r["source_format"])
    assert by_reason["no outcomes"] >= {"hint-csv"}  # the HINT CSV has no outcome columns
    assert len([r for r in missing if r["source_format"] == "hint-csv"]) == 627
    findings = {r["kind"]: r["trials"] for r in rows(corpus, "curation-findings-by-kind")}
    assert findings["missing-title"] == 627  # one per HINT row
    needs = rows(corpus, "curation-outcomes-missing-criteria")
    assert ("NCT01852578", "primary", "Overall Response Rate", "ORR") in {
        (r["nct_id"], r["role"], r["measure"], r["endpoint"]) for r in needs
    }
