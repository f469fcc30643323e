"""kg.text.eligibility: splitting eligibility texts of every source format into criteria,
and reading what each criterion states.

The snippets quoted below are real ClinicalTrials.gov text from ``../shared/corpus`` (the
NCT id says where). Attributes are the eligibility consequence: an exclusion "Younger
than 18 years" is ``min_age`` 18.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.text.eligibility import Criterion, criterion_attributes, split_criteria

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"the shared corpus is not at {CORPUS}: real-data tests need ../shared/corpus",
)


def load_bench() -> ModuleType:
    """bench/eval_eligibility.py as a module (bench/ is not a package)."""
    name = "eval_eligibility"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "eval_eligibility.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def kinds_texts(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.text) for c in split_criteria(text)]


# ------------------------------------------------------------------ formats


def test_api_v2_markdown_with_nested_numbered_items() -> None:
    # NCT03634059 (nsclcbench, API v2)
    text = (
        "Inclusion Criteria:\n\n1. Age:18 to 75 years old (man or female);\n"
        "2. Pathologically diagnosed with non-squamous NSCLC;\n"
        "8. Major organ function has to meet the following criteria:\n\n"
        "   1. HB≥90g/L；\n   2. ANC≥1.5×109/L；\n   3. PLT≥80×109/L；\n"
        "   4. ALT and AST≤2.5ULN, but≤5ULN if the transferanse elevation is due to liver "
        "metastases;\n   5. TBIL≤1.5ULN;\n   6. Serum creatinine≤1.25ULN; Endogenous creatinine "
        "clearance rate\\>45 ml/min;\n"
        "9. Life expectancy greater than or equal to 3 months;\n\n"
        "Exclusion Criteria:\n\n1. Have high blood pressure that cannot be controlled;"
    )
    cs = split_criteria(text)
    assert [(c.kind, c.position) for c in cs] == [
        ("inclusion", 1), ("inclusion", 2), ("inclusion", 3), ("inclusion", 4), ("exclusion", 1)
    ]  # fmt: skip
    assert cs[0].attributes == {"min_age": 18.0, "max_age": 75.0}
    organ = cs[2]
    # sub-items are attached to their parent, joined with "; "
    assert organ.text.startswith("Major organ function has to meet the following criteria: HB≥90")
    assert "HB≥90g/L； ANC≥1.5×109/L" in organ.text  # no "; " after a separator already there
    assert "liver metastases; TBIL≤1.5ULN" in organ.text
    assert "clearance rate>45 ml/min;" in organ.text  # markdown escape removed
    assert organ.attributes["organ_function"] == ["hematologic", "hepatic", "renal"]
    assert cs[3].attributes == {"life_expectancy_min_days": 91.3125}


def test_api_v2_leadin_item_is_promoted_to_a_section() -> None:
    # NCT06945705: one top-level bullet only introduces the numbered criteria
    text = (
        "Inclusion Criteria:\n\n* Patient must meet all of the following inclusion criteria to be "
        "enrolled in this study:\n\n  1. Patients must voluntarily agree to participate in the "
        "study and sign a written informed consent form.\n  2. Patients must be ≥18 years old, "
        "regardless of gender.\n  7. Patients must have at least one measurable lesion based on "
        "RECIST 1.1 criteria.\n\nExclusion Criteria:\n\n* Prior EGFR-TKI therapy"
    )
    cs = split_criteria(text)
    assert len(cs) == 4
    lead = "Patient must meet all of the following inclusion criteria to be enrolled in this study:"
    assert [c.section for c in cs[:3]] == [lead] * 3
    assert cs[1].text == "Patients must be ≥18 years old, regardless of gender."
    assert cs[1].attributes == {"min_age": 18.0, "sex": "all"}
    assert cs[2].attributes == {"measurable_disease": True, "measurable_by": ["RECIST 1.1"]}
    assert cs[3].kind == "exclusion" and cs[3].attributes == {}


def test_legacy_xml_textblock_wrapped_and_indented() -> None:
    # NCT01187615 (HINT CSV criteria column = legacy XML textblock)
    text = """
        Inclusion Criteria:

          -  Age >= 18 years.

          -  Histological or cytological diagnosis of metastatic Stage IV or locally advanced,
             unresectable confirmed Stage IIIB nonsquamous Non-Small Cell Lung Cancer (NSCLC) not
             amenable to local therapy with curative intent.

          -  Eastern Cooperative Oncology Group (ECOG) Performance Status of 0 - 2

          -  Adequate bone marrow, liver, and renal function

        Exclusion Criteria:

          -  Sensory neuropathy with sensory alterations or paresthesia (including tingling),
             interfering with function

          -  Hearing impairment
"""
    cs = split_criteria(text)
    assert [c.kind for c in cs] == ["inclusion"] * 4 + ["exclusion"] * 2
    assert cs[1].text == (
        "Histological or cytological diagnosis of metastatic Stage IV or locally advanced, "
        "unresectable confirmed Stage IIIB nonsquamous Non-Small Cell Lung Cancer (NSCLC) not "
        "amenable to local therapy with curative intent."
    )
    assert cs[0].attributes == {"min_age": 18.0}
    assert cs[2].attributes == {"ecog_max": 2}
    assert cs[3].attributes == {"organ_function": ["hematologic", "hepatic", "renal"]}
    assert [c.position for c in cs] == [1, 2, 3, 4, 1, 2]


def test_pdq_sub_headings_become_sections() -> None:
    # NCT00025272: old NCI PDQ layout, no Inclusion/Exclusion headings at all
    text = """
        DISEASE CHARACTERISTICS:

          -  Histologically or cytologically confirmed extensive stage small cell lung cancer

          -  Measurable or evaluable disease

               -  Pleural effusions allowed, but not considered measurable or evaluable disease

          -  Brain metastases allowed provided neurologically stable at study entry

        PATIENT CHARACTERISTICS:

        Age:

          -  18 and over

        Performance status:

          -  ECOG 0-2

        Hematopoietic:

          -  Absolute neutrophil count at least 1,500/mm^3

        Other:

          -  Not pregnant or nursing
"""
    cs = split_criteria(text)
    assert all(c.kind == "inclusion" for c in cs)
    by_text = {c.text: c for c in cs}
    assert by_text["18 and over"].section == "Age:"
    assert by_text["18 and over"].attributes == {"min_age": 18.0}
    assert by_text["ECOG 0-2"].attributes == {"ecog_max": 2}
    assert by_text["Absolute neutrophil count at least 1,500/mm^3"].attributes == {
        "organ_function": ["hematologic"]
    }
    assert by_text["Not pregnant or nursing"].attributes == {"pregnancy": "excluded"}
    stable = by_text["Brain metastases allowed provided neurologically stable at study entry"]
    assert stable.attributes == {"brain_metastases": "allowed-if-stable"}
    assert stable.section == "DISEASE CHARACTERISTICS:"
    evaluable = next(c for c in cs if c.text.startswith("Measurable or evaluable disease"))
    assert "; Pleural effusions allowed" in evaluable.text
    assert "measurable_disease" not in evaluable.attributes  # "measurable or evaluable"


def test_pdq_reflowed_on_one_line() -> None:
    # NCT00005612 (HINT): PDQ headings run together in one wrapped paragraph
    text = """
        PATIENT CHARACTERISTICS: Age: 18 to 65 Performance status: ECOG 0 or 1 Life expectancy: Not
        specified Hepatic: Bilirubin no greater than 2.0 mg/dL ALT or AST no greater than 2.5 times
        normal Renal: Creatinine no greater than 2.0 mg/dL
"""
    cs = split_criteria(text)
    assert [c.text for c in cs] == [
        "Age: 18 to 65",
        "Performance status: ECOG 0 or 1",
        "Life expectancy: Not specified",
        "Hepatic: Bilirubin no greater than 2.0 mg/dL ALT or AST no greater than 2.5 times normal",
        "Renal: Creatinine no greater than 2.0 mg/dL",
    ]
    assert cs[0].attributes == {"min_age": 18.0, "max_age": 65.0}
    assert cs[1].attributes == {"ecog_max": 1}
    assert cs[3].attributes == {"organ_function": ["hepatic"]}


def test_classic_api_one_item_per_line() -> None:
    # NCT04779580 (classic API): no bullets, a lead-in line ending in ":"
    text = (
        "Inclusion Criteria:\n\nParticipant is willing and able to give informed consent for "
        "participation in the study.\nMale or Female, aged 18 years or above.\n\n"
        "Exclusion Criteria:\n\nThe participant may not enter the study if ANY of the following "
        "apply:\n\nPeripheral neuropathy of any aetiology\nDiabetes mellitus\nSciatica"
    )
    cs = split_criteria(text)
    assert kinds_texts(text) == [
        ("inclusion", "Participant is willing and able to give informed consent for "
         "participation in the study."),
        ("inclusion", "Male or Female, aged 18 years or above."),
        ("exclusion", "Peripheral neuropathy of any aetiology"),
        ("exclusion", "Diabetes mellitus"),
        ("exclusion", "Sciatica"),
    ]  # fmt: skip
    assert cs[1].attributes == {"min_age": 18.0, "sex": "all"}
    lead = "The participant may not enter the study if ANY of the following apply:"
    assert {c.section for c in cs[2:]} == {lead}


def test_classic_bullets_mixed_with_plain_lines() -> None:
    # NCT05384886 (classic API)
    text = (
        "Inclusion Criteria:\n\n- All patients with a confirmed diagnosis of COVID-19 by PCR "
        "testing\n\nExclusion Criteria:\n\nUnder 18 years old\nClinical outcome cannot be "
        "followed\nPatients with severe trauma"
    )
    cs = split_criteria(text)
    assert [c.kind for c in cs] == ["inclusion", "exclusion", "exclusion", "exclusion"]
    assert cs[1].text == "Under 18 years old"
    assert cs[1].attributes == {"min_age": 18.0}


def test_key_and_non_inclusion_headings() -> None:
    text = (
        "Key Inclusion Criteria:\n\n* Signed informed consent\n\n"
        "Key Exclusion Criteria:\n\n* Known HIV infection\n\n"
        "Non-inclusion criteria:\n\n* Pregnant women\n"
    )
    assert kinds_texts(text) == [
        ("inclusion", "Signed informed consent"),
        ("exclusion", "Known HIV infection"),
        ("exclusion", "Pregnant women"),
    ]


def test_headings_run_into_the_text() -> None:
    # NCT00663728 (API v2): everything on one line, items glued with "-"
    text = (
        "Inclusion Criteria:- Males with erectile dysfunction- Stable heterosexual relationship "
        "Exclusion Criteria:- Primary hypoactive sexual desire- History of myocardial "
        "infarction, stroke or life-threatening arrhythmia within the prior 6 months nitrate use"
    )
    assert kinds_texts(text) == [
        ("inclusion", "Males with erectile dysfunction"),
        ("inclusion", "Stable heterosexual relationship"),
        ("exclusion", "Primary hypoactive sexual desire"),
        ("exclusion", "History of myocardial infarction, stroke or life-threatening arrhythmia "
         "within the prior 6 months nitrate use"),
    ]  # fmt: skip


def test_heading_wrapped_inside_an_item() -> None:
    # NCT00239785 (HINT): "Exclusion Criteria" wrapped into the last inclusion item
    text = """
        Inclusion Criteria

          -  Patients who gave written informed consent to participate in the study Exclusion
             Criteria

          -  Graft cold ischemia time greater than 40 hours.
"""
    assert kinds_texts(text) == [
        ("inclusion", "Patients who gave written informed consent to participate in the study"),
        ("exclusion", "Graft cold ischemia time greater than 40 hours."),
    ]


def test_no_headings_is_all_inclusion_until_a_line_says_exclusion() -> None:
    assert [c.kind for c in split_criteria("Age 18 or older\nSigned consent")] == [
        "inclusion",
        "inclusion",
    ]
    text = (
        "Adults with asthma\n\nPatients with any of the following will be excluded:\n\n"
        "* Current smokers\n* Pregnancy"
    )
    cs = split_criteria(text)
    assert [(c.kind, c.position) for c in cs] == [
        ("inclusion", 1), ("exclusion", 1), ("exclusion", 2)
    ]  # fmt: skip
    assert cs[1].section == "Patients with any of the following will be excluded:"


def test_leadin_under_exclusion_heading_needs_an_explicit_word() -> None:
    # NCT01092325: "MUST NOT" under the Exclusion heading keeps the exclusion kind
    text = (
        "Exclusion Criteria:\n\nIn order to be eligible for randomization, a patient MUST NOT:\n\n"
        "* Have participated in any investigational drug study within 30 days"
    )
    assert [c.kind for c in split_criteria(text)] == ["exclusion"]


def test_chinese_inline_numbering() -> None:
    # NCT04780607 (classic API)
    text = (
        "Inclusion Criteria:\n\n1、rheumatic heart disease 2、mitral valve disease "
        "3、combined with other heart valve disease(aortic valve, tricuspid valve, pulmonary "
        "valve) 4、patients underwent initial mitral valve surgery or intervention\n\n"
        "Exclusion Criteria:\n\n1、congenital heart disease degenerative heart valve disease "
        "2、patients received more than 1 time mitral valve operation"
    )
    got = kinds_texts(text)
    assert got[:2] == [("inclusion", "rheumatic heart disease"),
                       ("inclusion", "mitral valve disease")]  # fmt: skip
    assert [k for k, _ in got] == ["inclusion"] * 4 + ["exclusion"] * 2


def test_group_labels_before_their_own_headings() -> None:
    # NCT04779736 (classic API): two participant groups, each with its own criteria
    text = (
        "MSM Participants\n\nInclusion Criteria:\n\nbe aged 18 or older\nreside in the United "
        "States Exclusion Criteria: Not applicable\n\nHealthcare Worker Participants\n\n"
        "Inclusion Criteria:\n\nbe aged 18 or older"
    )
    cs = split_criteria(text)
    assert [(c.kind, c.text, c.section) for c in cs] == [
        ("inclusion", "be aged 18 or older", "MSM Participants"),
        ("inclusion", "reside in the United States", "MSM Participants"),
        ("exclusion", "Not applicable", "MSM Participants"),
        ("inclusion", "be aged 18 or older", "Healthcare Worker Participants"),
    ]
    assert cs[0].attributes == {"min_age": 18.0}


def test_lettered_sub_items_at_the_same_indentation() -> None:
    text = (
        "Inclusion Criteria:\n\n1. Adequate organ function:\na. ANC >= 1.5 x 10^9/L\n"
        "b. Bilirubin <= 1.5 x ULN\n2. Signed consent"
    )
    cs = split_criteria(text)
    assert [c.text for c in cs] == [
        "Adequate organ function: ANC >= 1.5 x 10^9/L; Bilirubin <= 1.5 x ULN",
        "Signed consent",
    ]
    assert cs[0].attributes == {"organ_function": ["hematologic", "hepatic"]}


def test_a_section_with_nothing_under_it_is_kept() -> None:
    cs = split_criteria("Inclusion Criteria for Part A:\n\nExclusion Criteria:\n\n* Smokers")
    assert [(c.kind, c.text) for c in cs] == [
        ("inclusion", "Inclusion Criteria for Part A:"),
        ("exclusion", "Smokers"),
    ]


@pytest.mark.parametrize("text", [None, "", "   \n\n  ", "Inclusion Criteria:\n\n", "-\n*\n"])
def test_empty_inputs(text: str | None) -> None:
    assert split_criteria(text) == []


def test_to_dict_is_json() -> None:
    c = split_criteria("Inclusion Criteria:\n\n* ECOG 0-1")[0]
    assert json.loads(json.dumps(c.to_dict())) == {
        "kind": "inclusion",
        "text": "ECOG 0-1",
        "position": 1,
        "attributes": {"ecog_max": 1},
        "section": None,
    }


# ------------------------------------------------------------------ attributes

ATTRIBUTE_CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (id, kind, text, expected attributes): all real criteria from the corpus
    ("age-ge", "inclusion", "Age >/= 18 years", {"min_age": 18.0}),
    ("age-range-aged", "inclusion", "Male or female aged 50-85 years inclusive.",
     {"min_age": 50.0, "max_age": 85.0, "sex": "all"}),
    ("age-between", "inclusion", "Between the ages of 18 and 50 years of age.",
     {"min_age": 18.0, "max_age": 50.0}),
    ("age-two-bounds", "inclusion", "Females ≥ 18 years of age and < 75 years of age.",
     {"min_age": 18.0, "max_age": 75.0, "sex": "female"}),
    ("age-or-older", "inclusion", "18 years or older,", {"min_age": 18.0}),
    ("age-months", "inclusion", "Age 3 months to 17 years (13-17 years to be capped at 10%)",
     {"min_age": 0.25, "max_age": 17.0}),
    ("age-bounds-no-age-word", "inclusion", "Male or female, above or equal to 10 years and "
     "below or equal to 17 years at the time of signing informed consent/assent",
     {"min_age": 10.0, "max_age": 17.0, "sex": "all"}),
    ("age-exclusion-flips", "exclusion", "Younger than 18 years old,", {"min_age": 18.0}),
    ("sex-male", "inclusion", "Men \\>/= 18 years of age", {"sex": "male", "min_age": 18.0}),
    ("sex-regardless", "inclusion", "Patients must be ≥18 years old, regardless of gender.",
     {"sex": "all", "min_age": 18.0}),
    ("ecog-0-1", "inclusion", "Eastern Cooperative Oncology Group (ECOG) performance status of "
     "0 or 1.", {"ecog_max": 1}),
    ("ecog-le", "inclusion", "Patient has an Eastern Cooperative Oncology Group (ECOG) "
     "performance status ≤ 2.", {"ecog_max": 2}),
    ("ecog-equals-range", "inclusion", "Eastern Cooperative Oncology Group Performance Status "
     "= 0-2", {"ecog_max": 2}),
    ("who-ps", "inclusion", "WHO Performance Status 0-2, with no clinically significant "
     "deterioration over the previous 2 weeks and a minimum life expectancy of 12 weeks;",
     {"ecog_max": 2, "life_expectancy_min_days": 84.0}),
    ("kps-or-greater", "inclusion", "Patients must have a performance status (Karnofsky scale) "
     "of 70% or greater", {"karnofsky_min": 70}),
    ("kps-and-ecog", "inclusion", "Karnofsky Performance Status (KPS) \\>= 70, or Eastern "
     "Cooperative Oncology Group (ECOG) 0-2", {"karnofsky_min": 70, "ecog_max": 2}),
    ("kps-exclusion", "exclusion", "Patients with a Karnofsky performance status (KPS) < 60%.",
     {"karnofsky_min": 60}),
    ("measurable-recist", "inclusion", "Subjects enrolled must have measurable lesion(s) "
     "according to response evaluation criteria in solid (RECIST) v1.1.",
     {"measurable_disease": True, "measurable_by": ["RECIST 1.1"]}),
    ("measurable-plain", "inclusion", "Have measurable disease.", {"measurable_disease": True}),
    ("lines-up-to", "inclusion", "Up to two prior lines of chemotherapy in the recurrent "
     "setting are allowed", {"prior_lines_max": 2}),
    ("lines-min-max", "inclusion", "Patient has had at least one prior systemic treatment for "
     "NSCLC, but no more than three prior systemic therapy",
     {"prior_lines_min": 1, "prior_lines_max": 3}),
    ("lines-first-line", "inclusion", "Progression after at least first-line systemic therapy "
     "for metastatic disease", {"prior_lines_min": 1}),
    ("lines-untreated", "inclusion", "Patients with previously untreated aggressive "
     "non-Hodgkin's Lymphoma.", {"prior_lines_max": 0}),
    ("lines-exclusion-prior-systemic", "exclusion", "Any prior systemic treatment for CLL.",
     {"prior_lines_max": 0}),
    ("biomarker-pdl1-tps", "inclusion", "Tumor tissue that demonstrates PD-L1 expression in "
     "≥1% of tumor cells (TPS ≥1%) as assessed by IHC 22C3 pharmDx.",
     {"biomarkers": [{"marker": "PD-L1", "status": "positive", "threshold": "TPS ≥ 1%",
                      "required": True}]}),
    ("biomarker-her2-ihc", "inclusion", "Human epidermal growth factor receptor 2 "
     "(HER2)-positive patients, defined as immunohistochemistry (IHC) 3+",
     {"biomarkers": [{"marker": "HER2", "status": "positive", "threshold": "IHC 3+",
                      "required": True}]}),
    ("biomarker-egfr-alk-excluded", "exclusion", "Tumors with known EGFR mutations or ALK "
     "fusion positive/mutations.",
     {"biomarkers": [{"marker": "EGFR", "status": "mutation", "required": False},
                     {"marker": "ALK", "status": "rearrangement", "required": False}]}),
    ("biomarker-variant", "inclusion", "Confirmed EGFR mutations (exon 19 deletion, L858R)",
     {"biomarkers": [{"marker": "EGFR", "status": "mutation", "variant": "exon 19 deletion",
                      "required": True}]}),
    ("organ-adequate-named", "inclusion", "Adequate hematologic, renal, and liver function",
     {"organ_function": ["hematologic", "hepatic", "renal"]}),
    ("organ-general", "inclusion", "Adequate organ function", {"organ_function": ["general"]}),
    ("organ-lab", "inclusion", "ALT and AST ≤ 2.5x ULN (≤ 5x ULN in patients with liver "
     "metastases)", {"organ_function": ["hepatic"]}),
    ("brain-active-excluded", "exclusion", "Active central nervous system metastases",
     {"brain_metastases": "allowed-if-stable"}),
    ("brain-known-excluded", "exclusion", "Known brain metastases",
     {"brain_metastases": "excluded"}),
    ("brain-no-unless", "inclusion", "No history of brain metastases unless controlled with "
     "radiotherapy or surgical resection for ≥ 6 months before study entry",
     {"brain_metastases": "allowed-if-stable"}),
    ("brain-aside-ignored", "inclusion", "No known or suspected brain metastases (NOTE: patients "
     "with treated epidural disease are allowed)", {"brain_metastases": "excluded"}),
    ("pregnancy-not", "inclusion", "Not pregnant or nursing", {"pregnancy": "excluded"}),
    ("pregnancy-contraception", "exclusion", "Women of childbearing potential without adequate "
     "contraception, pregnant or breastfeeding women.",
     {"pregnancy": "excluded", "contraception": True}),
    ("life-expectancy", "inclusion", "Life expectancy of at least 12 weeks.",
     {"life_expectancy_min_days": 84.0}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [c[1:] for c in ATTRIBUTE_CASES],
    ids=[c[0] for c in ATTRIBUTE_CASES],
)
def test_attributes_of_real_criteria(kind: str, text: str, expected: dict[str, Any]) -> None:
    assert criterion_attributes(text, kind) == expected


def test_section_gives_context_to_bare_items() -> None:
    assert criterion_attributes("Over 18", section="Age") == {"min_age": 18.0}
    assert criterion_attributes("Female", section="Sex") == {"sex": "female"}
    assert criterion_attributes("Bilirubin normal", section="Hepatic") == {
        "organ_function": ["hepatic"]
    }


NULL_CASES = [
    # stated nothing of the attributes: no guess
    ("Women of child bearing potential must have a negative pregnancy test",
     {"pregnancy": "excluded"}),  # not a sex restriction
    ("Radiotherapy completed within the past 6 months to 5 years", {}),  # not an age
    ("BMI ≥18.5 and <30 kg/m2 (Body Mass Index)", {}),
    ("Prior exposure to PD-1 or PD-L1 inhibitors", {}),  # a drug class, not a biomarker
    ("Prior vascular endothelial growth factor (VEGF) or epidermal growth factor receptor "
     "(EGFR)-directed therapy", {}),
    ("Measurable or evaluable disease", {}),
    ("Classification as treatment naive or treatment experienced", {}),
    ("EGFR TKI treatment-naïve", {}),  # naive to one drug class is not lines of therapy
    ("HbA1c (glycosylated haemoglobin) below or equal to 9.5 %", {}),
    ("receive more than 1 prior cycle of HMA", {}),
    ("History of seizures", {}),
    ("Signed informed consent", {}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), NULL_CASES, ids=[t[:40] for t, _ in NULL_CASES])
def test_no_guessing(text: str, expected: dict[str, Any]) -> None:
    assert criterion_attributes(text, "inclusion") == expected


def test_exclusion_ecog_flips() -> None:
    assert criterion_attributes("ECOG performance status ≥ 2", "exclusion") == {"ecog_max": 1}
    assert criterion_attributes("ECOG 3-4", "exclusion") == {"ecog_max": 2}


def test_unknown_kind_reads_as_inclusion() -> None:
    assert criterion_attributes("ECOG 0-1", "whatever") == {"ecog_max": 1}


# ------------------------------------------------------------------ evaluation set


def test_eval_set_is_large_enough_and_well_formed() -> None:
    rows = load_bench().load_eval()
    assert len(rows) >= 60
    for row in rows:
        assert row["kind"] in ("inclusion", "exclusion")
        assert row["text"] and isinstance(row["attributes"], dict)


def test_eval_precision_and_recall() -> None:
    res = load_bench().evaluate()
    assert res["precision"] >= 0.90, res["misses"]
    assert res["recall"] >= 0.90, res["misses"]


# ------------------------------------------------------------------ properties

_WORD = re.compile(r"[^\W\d_]{5,}")
_HEADING_WORDS = frozenset(
    "inclusion exclusion criteria criterion exclusions inclusions exclusionary major other "
    "primary principal general additional specific subject patient participant partner study "
    "selection eligibility include includes".split()
)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if w.lower() not in _HEADING_WORDS]


def _in_order(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(n in it for n in needles)


def _output_words(cs: list[Criterion]) -> list[str]:
    return _words(" ".join(f"{c.section or ''} {c.text}" for c in cs))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_never_raises_and_loses_no_words(text: str) -> None:
    cs = split_criteria(text)
    assert all(c.kind in ("inclusion", "exclusion") for c in cs)
    for kind in ("inclusion", "exclusion"):
        assert [c.position for c in cs if c.kind == kind] == list(
            range(1, sum(c.kind == kind for c in cs) + 1)
        )
    assert _in_order(_words(text), _output_words(cs))
    json.dumps([c.to_dict() for c in cs])


_LISTY = st.lists(
    st.sampled_from(
        [
            *"abcdeXYZ  -*•\n\n\t:.;0123456789()、\\>≥/",
            "\n  ",
            "\n   - ",
            "\n* ",
            "1. ",
            "words ",
            "Inclusion Criteria:",
            "\nExclusion Criteria:\n",
            "longer ",
        ]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_LISTY)
def test_list_like_noise_loses_no_words(text: str) -> None:
    assert _in_order(_words(text), _output_words(split_criteria(text)))


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["inclusion", "exclusion", "other"]),
    st.one_of(st.none(), st.text(max_size=30)),
)
def test_attributes_never_raise(text: str, kind: str, section: str | None) -> None:
    out = criterion_attributes(text, kind, section)
    assert isinstance(out, dict)
    json.dumps(out)


_VOCAB = ["patients", "adequate", "history", "known", "disease", "signed", "therapy", "stable",
          "tumour", "screening", "written", "consent", "previous", "surgery", "normal"]  # fmt: skip
_ITEM = st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=14).map(" ".join)


def _render(fmt: str, inc: list[str], exc: list[str]) -> str:
    """An eligibility text in one of the real layouts."""

    def block(items: list[str]) -> str:
        if fmt == "v2":
            return "\n".join(f"* {t}" for t in items)
        if fmt == "numbered":
            return "\n".join(f"{i}. {t}" for i, t in enumerate(items, 1))
        if fmt == "classic":
            return "\n".join(items)
        out = []  # legacy XML: wrapped at ~60 columns, continuation under the item text
        for t in items:
            words, lines, line = t.split(), [], ""
            for w in words:
                if line and len(line) + len(w) > 60:
                    lines.append(line)
                    line = w
                else:
                    line = f"{line} {w}".strip()
            lines.append(line)
            out.append("          -  " + "\n             ".join(lines))
        return "\n\n".join(out)

    indent = "        " if fmt == "xml" else ""
    return (
        f"{indent}Inclusion Criteria:\n\n{block(inc)}\n\n{indent}Exclusion Criteria:\n\n"
        f"{block(exc)}\n"
    )


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["v2", "numbered", "classic", "xml"]),
    st.lists(_ITEM, min_size=1, max_size=6),
    st.lists(_ITEM, min_size=1, max_size=6),
)
def test_layouts_round_trip(fmt: str, inc: list[str], exc: list[str]) -> None:
    cs = split_criteria(_render(fmt, inc, exc))
    assert [(c.kind, c.text) for c in cs] == [("inclusion", t) for t in inc] + [
        ("exclusion", t) for t in exc
    ]


# ------------------------------------------------------------------ corpus


@pytest.fixture(scope="module")
def corpus_texts() -> list[tuple[str, str, str]]:
    return list(load_bench().corpus_texts(CORPUS))


@needs_corpus
def test_every_corpus_text_splits(corpus_texts: list[tuple[str, str, str]]) -> None:
    formats = {fmt for fmt, _, _ in corpus_texts}
    assert {"ctgov-json", "ctgov-xml", "hint-csv", "ctgov-classic-json"} <= formats
    empty = []
    for fmt, ident, text in corpus_texts:
        cs = split_criteria(text)
        if not cs:
            empty.append(f"{fmt} {ident}")
    assert not empty, empty[:20]


@needs_corpus
def test_api_v2_texts_with_both_headings_give_both_kinds(
    corpus_texts: list[tuple[str, str, str]],
) -> None:
    bench = load_bench()
    both = [t for fmt, _, t in corpus_texts if fmt == "ctgov-json" and bench.has_both_headings(t)]
    assert len(both) >= 500
    ok = sum({c.kind for c in split_criteria(t)} == {"inclusion", "exclusion"} for t in both)
    assert ok / len(both) >= 0.95


@needs_corpus
def test_corpus_texts_lose_no_words(corpus_texts: list[tuple[str, str, str]]) -> None:
    lost = [
        f"{fmt} {ident}"
        for fmt, ident, text in corpus_texts
        if not _in_order(_words(text), _output_words(split_criteria(text)))
    ]
    assert not lost, lost[:20]
