"""kg.text.design: design facts (phase, masking, allocation, arms, centres, enrollment,
cycle length, dosing regimens) read from a trial's prose, and their disagreements with the
registry's structured fields.

The quoted sentences are real ClinicalTrials.gov prose from ``../shared/corpus`` (the NCT
id says where) or the two seeds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.text.design import DesignFacts, compare_with_structured, design_from_text, to_number

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"the shared corpus is not at {CORPUS}: real-data tests need ../shared/corpus",
)


def seed(prefix: str) -> str:
    """The whole seed file (all seven lines joined), as the brief asks."""
    path = next((CORPUS / "seeds").glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def only(regimens: list[dict[str, Any]], agent: str, **fields: Any) -> dict[str, Any]:
    """The one regimen of ``agent`` (case-insensitive) that has ``fields``."""
    hits = [
        r
        for r in regimens
        if r["agent_text"].lower() == agent.lower() and all(r[k] == v for k, v in fields.items())
    ]
    assert len(hits) == 1, (agent, fields, regimens)
    return hits[0]


# ------------------------------------------------------------------ seeds


@needs_corpus
def test_seed_js001_neuroendocrine() -> None:
    f = design_from_text(seed("000"))
    assert f.phase_text == "phase Ib"
    assert f.phases == ["PHASE1"]
    assert f.planned_enrollment == 40
    assert f.enrollment_text == "40 patients are enrolled"
    assert (f.masking, f.masking_text) == ("NONE", "open-label")
    assert f.multicenter is True
    assert f.allocation is None and f.intervention_model is None  # not stated
    assert f.cycle_days == 21.0  # "(each cycle is 21 days)" in an outcome description
    assert f.cycle_text == "each cycle is 21 days"
    assert len(f.regimens) == 1  # line 2 and line 7 say the same: one statement
    r = f.regimens[0]
    assert r["agent_text"] == "humanized anti-PD-1 antibody"
    assert r["agent_id"] == "class:pd1-inhibitor"
    assert (r["dose"], r["unit"], r["unit_ok"], r["dose_text"]) == (3.0, "mg/mg", False, "3mg/mg")
    assert (r["interval_days"], r["interval_text"]) == (14.0, "every 2 weeks")
    assert r["until"] == "disease progresses or unacceptable toxicity"
    assert r["route"] is None  # "injected" names no route
    assert r["max_cycles"] is None and r["max_duration_days"] is None
    assert [x["kind"] for x in f.findings] == ["implausible-unit", "interval-vs-cycle"]
    assert "3mg/mg" in f.findings[0]["message"]
    assert "14 days" in f.findings[1]["message"] and "21-day" in f.findings[1]["message"]


@needs_corpus
def test_seed_anti_pd1_nab_paclitaxel_cervical() -> None:
    f = design_from_text(seed("002"))
    assert f.phases == ["PHASE2"] and f.phase_text == "phase II"
    assert f.masking == "NONE"
    assert (f.intervention_model, f.intervention_model_text) == ("SINGLE_GROUP", "single-arm")
    assert f.allocation == "NA"  # single-arm, no randomization stated
    assert f.multicenter is True
    assert f.planned_enrollment is None  # "All enrolled patients": no number
    assert f.cycle_days is None  # never stated as a cycle length
    for agent in ("anti-PD-1", "albumin-bound paclitaxel"):
        r = only(f.regimens, agent, interval_days=21.0)
        assert r["interval_text"] == "every 3 weeks"
        assert r["until"] == (
            "progressive disease, initiation of new anti-tumour therapy, death, intolerable "
            "toxicity"
        )
    assert only(f.regimens, "Albumin-bound paclitaxel", max_cycles=6)["max_duration_days"] is None
    assert only(f.regimens, "anti-PD-1", max_duration_days=730.5)["max_cycles"] is None
    assert not [x for x in f.findings if x["kind"] == "interval-vs-cycle"]
    assert f.findings == []


def test_examples_match_the_corpus_seeds() -> None:
    """The project's own example seeds read the same (no corpus needed)."""
    examples = Path(__file__).resolve().parents[1] / "examples" / "seeds"
    f = design_from_text((examples / "js001-neuroendocrine.txt").read_text(encoding="utf-8"))
    assert (f.phases, f.planned_enrollment, f.cycle_days) == (["PHASE1"], 40, 21.0)
    assert {x["kind"] for x in f.findings} == {"implausible-unit", "interval-vs-cycle"}


# ------------------------------------------------------------------ phase

PHASES = [
    ("A Phase 1/2, open-label, multicenter study to determine", ["PHASE1", "PHASE2"], "Phase 1/2"),
    ("This is a prospective, open, single-center, single-arm phase I study", ["PHASE1"],
     "phase I"),
    ("An upcoming RX-10100 Phase IIb trial in subjects with erectile dysfunction", ["PHASE2"],
     "Phase IIb"),
    ("A Randomised Non-comparative, Phase II Study Investigating", ["PHASE2"], "Phase II"),
    ("a phase Ib/II study of JS001", ["PHASE1", "PHASE2"], "phase Ib/II"),
    ("a randomized phase IIb/III trial", ["PHASE2", "PHASE3"], "phase IIb/III"),
    ("This phase 2a study evaluates", ["PHASE2"], "phase 2a"),
    ("Phase I/II study of", ["PHASE1", "PHASE2"], "Phase I/II"),
    ("An exploratory phase 0 study", ["EARLY_PHASE1"], "phase 0"),
    ("Phase\n2 trial", ["PHASE2"], "Phase 2"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "phases", "phase_text"), PHASES, ids=[p[2] for p in PHASES])
def test_phase(text: str, phases: list[str], phase_text: str) -> None:
    f = design_from_text(text)
    assert (f.phases, f.phase_text) == (phases, phase_text)


@pytest.mark.parametrize(
    "text",
    [
        # NCT04811001: other trials named in the background
        "More recently, the large phase III FLAURA study, comparing osimertinib versus the "
        "first-generation EGFR-TKIs",
        "The phase III ARCHER 1050 trial compared first-line dacomitinib versus gefitinib",
        "Data from different phase III studies suggested that median PFS",
        # NCT03799601
        "a tyrosine kinase inhibitor with a favorable safety profile in phase I trial",
        "The maintenance phase lasts 12 weeks",
    ],
)
def test_phase_of_other_trials_is_not_this_trials(text: str) -> None:
    assert design_from_text(text).phases == []


def test_phase_conflict_inside_the_prose_is_flagged() -> None:
    f = design_from_text("A Phase II study of drug X. This phase III trial enrols adults.")
    assert f.phases == ["PHASE2"]
    assert [x["kind"] for x in f.findings] == ["phase-conflict"]


# ------------------------------------------------------------------ masking, allocation, model

MASKING = [
    ("A Multicenter, Randomized, Double-blind, Placebo-controlled Study", "DOUBLE"),
    ("This is a multi-center, open-label, phase Ib study", "NONE"),
    ("Phase III, Comparative, Open, Multicenter, Prospectively", "NONE"),
    ("a single-blind, sham-controlled study", "SINGLE"),
    ("a randomized, assessor blinded trial", "SINGLE"),
    ("a triple-blind trial", "TRIPLE"),
    ("a non-blinded pilot", "NONE"),
    ("The study is unblinded.", "NONE"),
    # NCT00245258: the open-label part follows the blinded one
    ("A Multicenter, Double-Blind Placebo Controlled, Fixed Dose Study With An Open-Label, "
     "Flexible Dose Phase", "DOUBLE"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "masking"), MASKING, ids=[m[1] + str(i) for i, m in enumerate(MASKING)]
)
def test_masking(text: str, masking: str) -> None:
    assert design_from_text(text).masking == masking


@pytest.mark.parametrize(
    "text",
    [
        "A randomized, placebo-controlled trial",  # placebo-controlled alone states no masking
        # NCT00512707: an unblinded person, not an unblinded trial
        "testosterone dose will be adjusted by an unblinded individual two to three weeks after",
    ],
)
def test_no_masking_stated(text: str) -> None:
    assert design_from_text(text).masking is None


ALLOCATION = [
    ("A Multi-Center, Randomized, Double-blind study", "RANDOMIZED", None),
    ("Patients will be randomly assigned to three treatment arms", "RANDOMIZED", "PARALLEL"),
    ("The patients are randomised in a 2:1 ratio", "RANDOMIZED", None),
    ("This is a open-label, non-randomized, one-sequence crossover study design", "NON_RANDOMIZED",
     "CROSSOVER"),
    ("The Single-arm, multicenter study evaluate the", "NA", "SINGLE_GROUP"),
    ("A Multicenter, Randomized, Parallel Group study", "RANDOMIZED", "PARALLEL"),
    ("a randomized, double-blind, placebo-controlled, two-cohort, three-cycle crossover",
     "RANDOMIZED", "CROSSOVER"),
    ("a four-arm crossover study", None, "CROSSOVER"),
    ("a 2x2 factorial design", None, "FACTORIAL"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "allocation", "model"), ALLOCATION, ids=[a[0][:30] for a in ALLOCATION]
)
def test_allocation_and_model(text: str, allocation: str | None, model: str | None) -> None:
    f = design_from_text(text)
    assert (f.allocation, f.intervention_model) == (allocation, model)


def test_literature_randomization_is_not_this_trials() -> None:
    f = design_from_text("Previous randomized controlled trials have shown a benefit.")
    assert f.allocation is None


def test_crossover_to_the_other_arm_is_not_a_crossover_design() -> None:
    f = design_from_text("Crossover to pembrolizumab is allowed at progression.")
    assert f.intervention_model is None


# ------------------------------------------------------------------ centres

CENTRES = [
    ("This is a multi-center, open-label, phase Ib study", True, None),
    ("A Single Centre, Open-label, Randomised study", False, 1),
    ("a monocentric study", False, 1),
    ("An Open, Multi-centre, Flexible Dose Study", True, None),
    ("This is a multi-centric study, double blind", True, None),
    ("The trial will be conducted at 12 centers in China", True, 12),
    ("conducted at two sites", True, 2),
]  # fmt: skip


@pytest.mark.parametrize(("text", "multi", "centers"), CENTRES, ids=[c[0][:30] for c in CENTRES])
def test_multicenter(text: str, multi: bool, centers: int | None) -> None:
    f = design_from_text(text)
    assert (f.multicenter, f.centers) == (multi, centers)


def test_a_medical_center_is_not_a_centre_count() -> None:
    assert design_from_text("University of Illinois Chicago Medical Center").multicenter is None


# ------------------------------------------------------------------ enrollment

ENROLLMENT = [
    ("40 patients are enrolled and injected with the antibody", 40),
    ("A total of 120 subjects will be randomized", 120),
    ("approximately 60 participants will be enrolled", 60),
    ("We plan to enroll 30 patients.", 30),
    ("This study will enroll 30 patients with stage IV disease.", 30),
    ("Sample size: N=40", 40),
    ("Planned sample size will be 40 subjects evaluable for the primary analysis", 40),
    ("Fifty patients will have to be enrolled", 50),  # NCT03955198
    ("this study will recruit 36 early-stage prostate cancer patients and their partners", 36),
]  # fmt: skip


@pytest.mark.parametrize(("text", "n"), ENROLLMENT, ids=[e[0][:30] for e in ENROLLMENT])
def test_planned_enrollment(text: str, n: int) -> None:
    assert design_from_text(text).planned_enrollment == n


@pytest.mark.parametrize(
    "text",
    [
        "Patients aged 18 to 75 years with NSCLC",
        "2 cohorts of 20 patients each",
        "35 subjects in each group will receive shock wave therapy",
        "Each centre should enroll 10 subjects.",
        # NCT00667979: a total of time points, not of people
        "A total of three time points 12, 18, and 24 hours were assessed in this pilot study",
        "30 patients have been treated with the drug in a previous study",
        "All enrolled patients will receive the treatment",
    ],
)
def test_no_enrollment_guess(text: str) -> None:
    assert design_from_text(text).planned_enrollment is None


def test_two_different_totals_are_ambiguous() -> None:
    f = design_from_text(
        "A total of 40 patients will be enrolled. A total of 60 patients "
        "will be enrolled in part B."
    )
    assert f.planned_enrollment is None
    assert [x["kind"] for x in f.findings] == ["enrollment-ambiguous"]


# ------------------------------------------------------------------ cycles

CYCLES = [
    ("CT/MRI will be performed every 2 cycles of treatment by RECIST 1.1(each cycle is 21 days))",
     21.0),
    ("Participants will be treated in 21-day cycles or until disease progression", 21.0),
    ("A treatment cycle is defined as 28 days", 28.0),
    ("Each treatment cycle is 28 calendar days in duration", 28.0),
    ("All patients will be treated in 28-day cycles for up to 24 months", 28.0),
    ("treated in 3-week cycles", 21.0),
    ("Lazertinib 240mg daily (1 cycle of 21 days) will be applied", 21.0),
    ("Treatment cycles will be repeated every 4 weeks until progression", 28.0),
    ("nivolumab every 3 weeks (one cycle)", 21.0),
    ("given in q3w cycles", 21.0),
    ("administrations on Day 1 and 8 of a 21-day-cycle", 21.0),
]  # fmt: skip


@pytest.mark.parametrize(("text", "days"), CYCLES, ids=[c[0][:30] for c in CYCLES])
def test_cycle_days(text: str, days: float) -> None:
    assert design_from_text(text).cycle_days == days


def test_cycles_without_length_state_none() -> None:
    f = design_from_text("Albumin-bound paclitaxel may be used for up to 6 cycles.")
    assert f.cycle_days is None


def test_two_cycle_lengths_are_flagged() -> None:
    f = design_from_text("Chemotherapy is given in 21-day cycles. Maintenance uses 28-day cycles.")
    assert f.cycle_days == 21.0
    assert [x["kind"] for x in f.findings] == ["cycle-conflict"]


# ------------------------------------------------------------------ regimens


def reg(text: str) -> dict[str, Any]:
    regs = design_from_text(text).regimens
    assert regs, text
    return regs[0]


REGIMENS = [
    ("Docetaxel 75 mg/m2 intravenously every 3 weeks for a maximum of 6 cycles.",
     {"agent_text": "Docetaxel", "dose": 75.0, "unit": "mg/m2", "route": "IV",
      "interval_days": 21.0, "max_cycles": 6}),
    ("Pembrolizumab 200 mg IV Q3W for up to 35 cycles",
     {"agent_text": "Pembrolizumab", "dose": 200.0, "unit": "mg", "route": "IV",
      "interval_days": 21.0, "interval_text": "Q3W", "max_cycles": 35}),
    ("Osimertinib 80 mg orally once daily until disease progression.",
     {"route": "oral", "interval_days": 1.0, "until": "disease progression"}),
    ("Gefitinib will be administered at 250mg QD continuously",
     {"agent_text": "Gefitinib", "dose": 250.0, "interval_days": 1.0}),
    ("patients receive 25mg Viagra twice daily", {"interval_days": 0.5}),
    ("Paclitaxel 80 mg/m2 weekly", {"interval_days": 7.0, "unit": "mg/m2"}),
    ("carboplatin AUC 5 on day 1", {"agent_text": "carboplatin", "dose": 5.0, "unit": "AUC",
                                     "interval_days": None, "interval_text": "on day 1"}),
    ("Gemcitabine 1000 mg/m² on Days 1, 8, and 15 every 4 weeks",  # a real layout
     {"unit": "mg/m2", "interval_days": 28.0,
      "interval_text": "on Days 1, 8, and 15 every 4 weeks"}),
    ("cisplatin and pemetrexed, 4-6 cycles", {"max_cycles": 6}),
    ("nivolumab 3 mg/kg every 2 weeks for up to 2 years",
     {"unit": "mg/kg", "interval_days": 14.0, "max_duration_days": 730.5}),
    ("The maximum treatment time of adebrelimab is 35 cycles or 2 years (whichever comes first)",
     {"agent_text": "adebrelimab", "max_cycles": 35, "max_duration_days": 730.5}),
    ("Randomized Phase II Trial of Three-weekly Cisplatinum and Pemetrexed",
     {"interval_days": 21.0}),
    ("Bupropion hydrochloride sustained-release (Wellbutrin SR) 150mg once a day for 7 days",
     {"agent_text": "Bupropion", "agent_id": None, "dose": 150.0, "max_duration_days": 7.0}),
    ("ARM 1 will take flibanserin 100mg orally every night",
     {"agent_text": "flibanserin", "route": "oral", "interval_days": 1.0}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), REGIMENS, ids=[r[0][:30] for r in REGIMENS])
def test_regimen(text: str, expected: dict[str, Any]) -> None:
    r = reg(text)
    assert {k: r[k] for k in expected} == expected
    assert r["evidence"] == " ".join(text.split())


def test_dose_belongs_to_the_agent_it_precedes() -> None:
    regs = design_from_text("Tadalafil 5 mg daily plus 50 mg sildenafil on demand").regimens
    assert [(r["agent_text"], r["dose"]) for r in regs] == [
        ("Tadalafil", 5.0),
        ("sildenafil", 50.0),
    ]


def test_follow_up_time_is_not_a_treatment_duration() -> None:
    # NCT01054001
    r = reg(
        "The investigators will compare the potency rates up to 2 years after nerve-sparing "
        "RALP in men with on-demand sildenafil 100mg dosing"
    )
    assert r["max_duration_days"] is None


def test_sentence_without_dosing_gives_no_regimen() -> None:
    assert (
        design_from_text(
            "Safety and efficacy of the humanized anti-PD-1 antibody JS001, as a monotherapy"
        ).regimens
        == []
    )


def test_interval_that_fits_the_cycle_is_not_flagged() -> None:
    f = design_from_text("Pembrolizumab 200 mg every 3 weeks. Each cycle is 21 days.")
    assert f.cycle_days == 21.0 and f.findings == []
    f = design_from_text("Drug X 10 mg daily in 28-day cycles.")
    assert f.findings == []
    f = design_from_text("Drug X 10 mg every 6 weeks in 21-day cycles.")  # two cycles: fits
    assert f.findings == []


# ------------------------------------------------------------------ against the registry


def facts(text: str) -> DesignFacts:
    return design_from_text(text)


def kinds(findings: list[dict[str, Any]]) -> list[str]:
    return [f["kind"] for f in findings]


def test_agreement_gives_no_findings() -> None:
    f = facts("An open-label, single-arm, phase Ib/II trial enrolling 40 patients.")
    out = compare_with_structured(
        f, ["PHASE1", "PHASE2"], {"masking": "NONE", "allocation": "NA",
                                  "intervention_model": "SINGLE_GROUP"},
        {"count": 35, "type": "ACTUAL"}, arms=1,
    )  # fmt: skip
    assert out == []


def test_each_kind_of_conflict() -> None:
    f = facts("An open-label, single-arm phase II trial enrolling 40 patients.")
    out = compare_with_structured(
        f, ["PHASE3"], {"masking": "DOUBLE", "allocation": "RANDOMIZED"},
        {"count": 400, "type": "ESTIMATED"}, arms=2,
    )  # fmt: skip
    assert kinds(out) == [
        "phase-conflict",
        "masking-conflict",
        "allocation-conflict",
        "enrollment-conflict",
        "arms-conflict",
    ]
    assert all(x["message"] and x["evidence"] for x in out)


def test_partial_phase_and_party_count_are_not_conflicts() -> None:
    f = facts("A randomized, double-blind phase II trial")
    out = compare_with_structured(
        f, ["PHASE1", "PHASE2"], {"masking": "QUADRUPLE", "allocation": "RANDOMIZED"}, None
    )
    assert out == []
    assert compare_with_structured(f, ["NA"], {}, None) == []


@pytest.mark.parametrize(
    ("registry", "flagged"), [(80, False), (81, True), (20, False), (19, True)]
)
def test_enrollment_only_flags_a_factor_above_two(registry: int, flagged: bool) -> None:
    f = facts("A total of 40 patients will be enrolled.")
    out = compare_with_structured(f, [], {}, {"count": registry, "type": "ACTUAL"})
    assert (kinds(out) == ["enrollment-conflict"]) is flagged


def test_multi_arm_prose_against_single_group_registry() -> None:
    f = facts("A randomized, two-arm study")
    out = compare_with_structured(f, [], {"intervention_model": "SINGLE_GROUP"}, None)
    assert kinds(out) == ["arms-conflict"]


def test_compare_tolerates_missing_fields() -> None:
    assert compare_with_structured(DesignFacts(), [], {}, None) == []
    assert compare_with_structured(facts("phase II"), None, None, {"count": None}) == []  # type: ignore[arg-type]


# ------------------------------------------------------------------ helpers and properties


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("40", 40.0),
        ("forty", 40.0),
        ("thirty-five", 35.0),
        ("1,200", 1200.0),
        ("one hundred", 100.0),
        ("banana", None),
    ],
)
def test_to_number(text: str, value: float | None) -> None:
    assert to_number(text) == value


def test_empty_and_none() -> None:
    assert design_from_text(None) == DesignFacts()
    assert design_from_text("   ") == DesignFacts()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_never_raises_and_is_json(text: str) -> None:
    f = design_from_text(text)
    json.dumps(f.to_dict())
    assert set(f.phases) <= {"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"}
    compare_with_structured(f, ["PHASE2"], {"masking": "NONE"}, {"count": 10})


_PROSE = st.lists(
    st.sampled_from(
        [
            "phase",
            "II",
            "1/2",
            "Ib",
            "every",
            "3",
            "weeks",
            "q3w",
            "cycles",
            "cycle",
            "of",
            "21",
            "days",
            "mg/kg",
            "mg/mg",
            "5",
            "mg",
            "patients",
            "will",
            "be",
            "enrolled",
            "a",
            "total",
            "until",
            "progression",
            ".",
            ",",
            "up",
            "to",
            "2",
            "years",
            "open-label",
            "double-blind",
            "randomized",
            "single-arm",
            "multicenter",
            "pembrolizumab",
            "paclitaxel",
            "and",
            "each",
            "is",
            "for",
            "N=",
            "AUC",
            "daily",
            "twice",
            "on",
            "day",
            "1",
            "8",
            "\n",
            "|",
        ]
    ),
    max_size=80,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_PROSE)
def test_design_like_noise_never_raises(text: str) -> None:
    f = design_from_text(text)
    json.dumps(f.to_dict())
    for r in f.regimens:
        assert r["evidence"] and r["agent_text"]
        assert r["interval_days"] is None or r["interval_days"] > 0


# ------------------------------------------------------------------ corpus


@needs_corpus
def test_corpus_prose_reads_and_agrees_with_the_registry() -> None:
    """Every API v2 study's title, summary and description read without error, and where
    the prose states a phase or masking it agrees with the registry in >= 95% of studies."""
    files = [CORPUS / "nsclcbench" / "ctg-studies.json"]
    files += sorted((CORPUS / "urology_ed_paired" / "json").glob("*.json"))
    stated = {"phase": 0, "masking": 0}
    conflicts = {"phase": 0, "masking": 0}
    n = 0
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for study in data if isinstance(data, list) else [data]:
            ps = study["protocolSection"]
            desc = ps.get("descriptionModule", {})
            ident = ps.get("identificationModule", {})
            text = "\n".join(
                x for x in (ident.get("briefTitle"), ident.get("officialTitle"),
                            desc.get("briefSummary"), desc.get("detailedDescription")) if x
            )  # fmt: skip
            f = design_from_text(text)
            json.dumps(f.to_dict())
            n += 1
            dm = ps.get("designModule", {})
            info = dm.get("designInfo", {})
            out = kinds(compare_with_structured(
                f, dm.get("phases", []),
                {"masking": (info.get("maskingInfo") or {}).get("masking")}, None,
            ))  # fmt: skip
            for key in stated:
                if getattr(f, "phases" if key == "phase" else key):
                    stated[key] += 1
                    conflicts[key] += f"{key}-conflict" in out
    assert n >= 700
    for key in stated:
        assert stated[key] >= 100
        assert conflicts[key] / stated[key] <= 0.05, (key, conflicts[key], stated[key])
