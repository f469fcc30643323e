"""Classic ClinicalTrials.gov API JSON reader (kg.sources.ctgov_classic)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kg.record import Rejection, TrialRecord
from kg.sources import ctgov_classic, ctgov_xml

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CLASSIC_DIR = CORPUS / "aact_fixtures" / "v1classic"
XML_DIR = CORPUS / "aact_fixtures" / "xml"

needs_corpus = pytest.mark.skipif(
    not CLASSIC_DIR.is_dir(), reason=f"shared corpus not found at {CLASSIC_DIR} (../shared/corpus)"
)


def read_all(path: Path) -> list[TrialRecord | Rejection]:
    return list(ctgov_classic.read(path))


def sniffs(path: Path) -> bool:
    return ctgov_classic.sniff(path.read_bytes()[:65536], path)


def study(nct: str, title: str = "A study") -> dict[str, Any]:
    """A small but complete classic ``FullStudies`` item."""
    return {
        "Rank": 1,
        "Study": {
            "ProtocolSection": {
                "IdentificationModule": {"NCTId": nct, "BriefTitle": title},
                "StatusModule": {
                    "OverallStatus": "Active, not recruiting",
                    "StartDateStruct": {"StartDate": "March 4, 2021"},
                    "CompletionDateStruct": {"CompletionDate": "July 2022"},
                },
                "ConditionsModule": {"ConditionList": {"Condition": ["Cervical Cancer"]}},
                "DesignModule": {
                    "StudyType": "Interventional",
                    "PhaseList": {"Phase": ["Phase 2"]},
                    "DesignInfo": {
                        "DesignAllocation": "N/A",
                        "DesignInterventionModel": "Single Group Assignment",
                        "DesignPrimaryPurpose": "Treatment",
                        "DesignMaskingInfo": {"DesignMasking": "None (Open Label)"},
                    },
                    "EnrollmentInfo": {"EnrollmentCount": "45", "EnrollmentType": "Anticipated"},
                },
                "ArmsInterventionsModule": {
                    "InterventionList": {
                        "Intervention": [
                            {"InterventionType": "Drug", "InterventionName": "Camrelizumab"}
                        ]
                    }
                },
                "OutcomesModule": {
                    "PrimaryOutcomeList": {
                        "PrimaryOutcome": [
                            {
                                "PrimaryOutcomeMeasure": "Objective response rate",
                                "PrimaryOutcomeTimeFrame": "up to  2 years",
                            }
                        ]
                    }
                },
                "EligibilityModule": {
                    "EligibilityCriteria": "Inclusion Criteria:\n\nAge 18 or over\nECOG 0-1",
                    "Gender": "Female",
                    "MinimumAge": "18 Years",
                    "HealthyVolunteers": "No",
                    "StdAgeList": {"StdAge": ["Adult", "Older Adult"]},
                },
                "SponsorCollaboratorsModule": {
                    "LeadSponsor": {"LeadSponsorName": "Some Hospital", "LeadSponsorClass": "OTHER"}
                },
            },
            "DerivedSection": {
                "MiscInfoModule": {"VersionHolder": "March 03, 2021"},
                "ConditionBrowseModule": {
                    "ConditionMeshList": {
                        "ConditionMesh": [
                            {
                                "ConditionMeshId": "D002583",
                                "ConditionMeshTerm": "Uterine Cervical Neoplasms",
                            }
                        ]
                    }
                },
            },
        },
    }


def response(items: list[Any]) -> dict[str, Any]:
    return {
        "FullStudiesResponse": {
            "APIVrs": "1.01.05",
            "NStudiesFound": len(items),
            "NStudiesReturned": len(items),
            "FullStudies": items,
        }
    }


def write_json(tmp_path: Path, name: str, doc: Any) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return p


# -- the real corpus ---------------------------------------------------------------


@needs_corpus
@pytest.mark.corpus
def test_every_corpus_classic_file_reads() -> None:
    per_file: dict[str, int] = {}
    items: list[Any] = []
    for f in sorted(CLASSIC_DIR.glob("*.json")):
        assert sniffs(f), f
        got = read_all(f)
        per_file[f.name] = len(got)
        items.extend(got)
    assert all(isinstance(i, (TrialRecord, Rejection)) for i in items)
    assert [i for i in items if isinstance(i, Rejection)] == []
    assert per_file == {
        "NCT00023673.json": 1,
        "NCT02028676.json": 1,
        "NCT04780763.json": 1,
        "covid-19-search.json": 100,
        "results_1.json": 100,
        "results_2.json": 3,
    }
    # 206 items, 205 studies: NCT04780763 is both its own file and results_1's rank 1.
    ids = Counter(r.nct_id for r in items)
    assert len(items) == 206 and len(ids) == 205
    assert [k for k, v in ids.items() if v > 1] == ["NCT04780763"]
    for r in items:
        assert r.source.format == "ctgov-classic-json"
        assert r.source.position.startswith("FullStudies[")
        assert r.title and r.nct_id.startswith("NCT")
        assert r.source.record_version and r.source.record_version[:2] == "20"
        assert r.outcomes and r.outcomes[0].role == "primary"
        assert all(m["id"] for m in r.condition_mesh)
    search = read_all(CLASSIC_DIR / "covid-19-search.json")
    assert [r.source.position for r in search[:2]] == ["FullStudies[0]", "FullStudies[1]"]


@needs_corpus
@pytest.mark.corpus
def test_nct04780763_values() -> None:
    (r,) = read_all(CLASSIC_DIR / "NCT04780763.json")
    assert r.nct_id == "NCT04780763"
    assert r.title.startswith("Effect of 4-week Oral Administration of a Fermented Dairy Product")
    assert r.acronym == "Tara"
    assert r.status == "NOT_YET_RECRUITING"
    assert r.start_date == "2021-03-04" and r.completion_date == "2021-07-31"
    assert r.phases == ["NA"]  # "Not Applicable"
    assert r.enrollment == {"count": 168, "type": "ESTIMATED"}
    assert r.design == {
        "study_type": "INTERVENTIONAL",
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "masking": "QUADRUPLE",
        "who_masked": ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"],
        "primary_purpose": "SUPPORTIVE_CARE",
    }
    assert [(a.type, a.interventions) for a in r.arms] == [
        (
            "ACTIVE_COMPARATOR",
            ["Other: Milk product fermented by lactic bacteria or not fermented"],
        ),
        (
            "PLACEBO_COMPARATOR",
            ["Other: Milk product fermented by lactic bacteria or not fermented"],
        ),
    ]
    assert [(i.type, i.name) for i in r.interventions] == [
        ("OTHER", "Milk product fermented by lactic bacteria or not fermented")
    ]
    assert Counter(o.role for o in r.outcomes) == {"primary": 1, "secondary": 4}
    assert r.outcomes[0].time_frame == (
        "At Baseline and after stress challenge (4 weeks after baseline)."
    )
    el = r.eligibility
    assert (el["sex"], el["minimum_age"], el["maximum_age"]) == ("FEMALE", "20 Years", "30 Years")
    assert el["healthy_volunteers"] is True and el["std_ages"] == ["ADULT"]
    assert el["criteria_text_raw"].startswith("Inclusion Criteria:\n\nSI01: Free-living")
    assert el["criteria_text"].startswith("Inclusion Criteria: SI01: Free-living")
    assert r.sponsor == {"name": "Danone Research", "class": "INDUSTRY"}
    assert r.condition_mesh == [{"id": "D000001008", "term": "Anxiety Disorders"}]
    assert r.source.record_version == "2021-03-03"


@needs_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("nct", ["NCT00023673", "NCT02028676"])
def test_same_study_reads_the_same_from_xml_and_classic(nct: str) -> None:
    """Fields the registry did not change between the 2018 XML and the 2023 classic answer."""
    xml_path = XML_DIR / f"{nct}.xml"
    if not xml_path.exists():
        pytest.skip(f"{xml_path} not found")
    (x,) = list(ctgov_xml.read(xml_path))
    (c,) = read_all(CLASSIC_DIR / f"{nct}.json")
    for field in (
        "nct_id",
        "title",
        "official_title",
        "acronym",
        "conditions",
        "keywords",
        "outcomes",
        "phases",
        "enrollment",
        "design",
        "arms",
        "status",
        "start_date",
        "completion_date",
        "collaborators",
    ):
        assert getattr(x, field) == getattr(c, field), field
    assert [(i.type, i.name) for i in x.interventions] == [
        (i.type, i.name) for i in c.interventions
    ]
    assert x.sponsor["name"] == c.sponsor["name"]
    for key in ("sex", "minimum_age", "maximum_age", "healthy_volunteers"):
        assert x.eligibility.get(key) == c.eligibility.get(key), key
    # Same MeSH terms where both have them; only the classic answer has the ids.
    assert {m["term"] for m in c.condition_mesh} <= {m["term"] for m in x.condition_mesh}


# -- small files -------------------------------------------------------------------


def test_synthetic_study_maps_to_v2_values(tmp_path: Path) -> None:
    p = write_json(tmp_path, "one.json", response([study("NCT00000001")]))
    assert sniffs(p)
    (r,) = read_all(p)
    assert r.status == "ACTIVE_NOT_RECRUITING"
    assert (r.start_date, r.completion_date) == ("2021-03-04", "2022-07")
    assert r.phases == ["PHASE2"]
    assert r.design == {
        "study_type": "INTERVENTIONAL",
        "allocation": "NA",
        "intervention_model": "SINGLE_GROUP",
        "masking": "NONE",
        "primary_purpose": "TREATMENT",
    }
    assert r.enrollment == {"count": 45, "type": "ESTIMATED"}
    assert r.outcomes[0].time_frame == "up to 2 years"
    assert r.eligibility == {
        "criteria_text": "Inclusion Criteria: Age 18 or over ECOG 0-1",
        "criteria_text_raw": "Inclusion Criteria:\n\nAge 18 or over\nECOG 0-1",
        "sex": "FEMALE",
        "minimum_age": "18 Years",
        "healthy_volunteers": False,
        "std_ages": ["ADULT", "OLDER_ADULT"],
    }
    assert r.condition_mesh == [{"id": "D002583", "term": "Uterine Cervical Neoplasms"}]
    assert r.intervention_mesh == []
    assert r.source.record_version == "2021-03-03"


def test_one_broken_study_does_not_stop_the_file(tmp_path: Path) -> None:
    bad_module = study("NCT00000002")
    bad_module["Study"]["ProtocolSection"]["DesignModule"]["PhaseList"] = "Phase 2"
    no_measure = study("NCT00000004")
    outcomes = no_measure["Study"]["ProtocolSection"]["OutcomesModule"]
    del outcomes["PrimaryOutcomeList"]["PrimaryOutcome"][0]["PrimaryOutcomeMeasure"]
    bad_count = copy.deepcopy(study("NCT00000006"))
    bad_count["Study"]["ProtocolSection"]["DesignModule"]["EnrollmentInfo"]["EnrollmentCount"] = (
        "lots"
    )
    items = [
        study("NCT00000001"),
        bad_module,
        "not a study",
        no_measure,
        {"Rank": 5},
        bad_count,
        study("NCT00000007"),
    ]
    got = read_all(write_json(tmp_path, "mixed.json", response(items)))
    assert len(got) == 7
    kinds = [(type(g).__name__, getattr(g, "nct_id", None) or g.position) for g in got]
    assert kinds == [
        ("TrialRecord", "NCT00000001"),
        ("Rejection", "FullStudies[1]"),
        ("Rejection", "FullStudies[2]"),
        ("Rejection", "FullStudies[3]"),
        ("Rejection", "FullStudies[4]"),
        ("Rejection", "FullStudies[5]"),
        ("TrialRecord", "NCT00000007"),
    ]
    reasons = [g.reason for g in got if isinstance(g, Rejection)]
    assert reasons[0].startswith("DesignModule.PhaseList: expected an object")
    assert "FullStudies[]" in reasons[1]
    assert "PrimaryOutcomeMeasure: outcome without a measure" in reasons[2]
    assert "Study.ProtocolSection" in reasons[3]
    assert "EnrollmentCount: not a number" in reasons[4]
    assert all(g.format == "ctgov-classic-json" for g in got if isinstance(g, Rejection))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"FullStudiesResponse": {"FullStudies": [', "invalid JSON"),
        ('{"FullStudiesResponse": []}', "no FullStudiesResponse object"),
        (
            '{"FullStudiesResponse": {"NStudiesFound": 3}}',
            "FullStudiesResponse.FullStudies: missing",
        ),
        ('{"FullStudiesResponse": {"FullStudies": {}}}', "expected a list"),
        ("[" * 100000 + "]" * 100000, "invalid JSON"),
    ],
)
def test_unreadable_files_give_one_rejection(tmp_path: Path, content: str, reason: str) -> None:
    p = tmp_path / "bad.json"
    p.write_text(content, encoding="utf-8")
    got = read_all(p)
    assert len(got) == 1 and isinstance(got[0], Rejection), got
    assert got[0].position == "file" and reason in got[0].reason


def test_empty_search_and_bom(tmp_path: Path) -> None:
    empty = write_json(
        tmp_path, "empty.json", {"FullStudiesResponse": {"NStudiesFound": 0, "NStudiesReturned": 0}}
    )
    assert read_all(empty) == []
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(response([study("NCT00000009")])).encode())
    assert sniffs(bom)
    assert [r.nct_id for r in read_all(bom)] == ["NCT00000009"]


def test_sniff_rejects_other_json() -> None:
    assert not ctgov_classic.sniff(b'{"studies": [{"protocolSection": {}}]}', Path("a.json"))
    assert not ctgov_classic.sniff(b'[{"FullStudiesResponse": 1}]', Path("a.json"))
    assert not ctgov_classic.sniff(b"<clinical_study/>", Path("a.xml"))
    assert ctgov_classic.sniff(b'\n  {\n "FullStudiesResponse":{', Path("a.json"))
