"""Legacy ClinicalTrials.gov XML reader (kg.sources.ctgov_xml): real files and hostile ones."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from kg.record import Rejection, TrialRecord
from kg.sources import _common, ctgov_xml

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
XML_DIR = CORPUS / "aact_fixtures" / "xml"
HINT_XML = CORPUS / "hint_top" / "NCT00000378.xml"

needs_corpus = pytest.mark.skipif(
    not XML_DIR.is_dir(), reason=f"shared corpus not found at {XML_DIR} (../shared/corpus)"
)


def read_all(path: Path) -> list[TrialRecord | Rejection]:
    return list(ctgov_xml.read(path))


def read_one(path: Path) -> TrialRecord:
    items = read_all(path)
    assert len(items) == 1, items
    assert isinstance(items[0], TrialRecord), items[0]
    return items[0]


def sniffs(path: Path) -> bool:
    return ctgov_xml.sniff(path.read_bytes()[:65536], path)


MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<clinical_study>
  <id_info><nct_id>NCT00000001</nct_id></id_info>
  <brief_title>A  test
     study</brief_title>
  {extra}
</clinical_study>
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


# -- the real corpus ---------------------------------------------------------------


@needs_corpus
@pytest.mark.corpus
def test_every_corpus_xml_file_reads() -> None:
    files = sorted(XML_DIR.glob("*.xml"))
    if HINT_XML.exists():
        files.append(HINT_XML)
    items = []
    for f in files:
        assert sniffs(f), f
        got = read_all(f)
        assert len(got) == 1, f
        items.extend(got)
    assert all(isinstance(i, (TrialRecord, Rejection)) for i in items)
    rejections = [i for i in items if isinstance(i, Rejection)]
    assert rejections == []
    for r in items:
        assert r.source.format == "ctgov-xml" and r.source.position == "file"
        assert r.nct_id and r.nct_id.startswith("NCT") and r.title
        assert r.source.record_version  # from required_header/download_date
        assert "\r" not in (r.eligibility.get("criteria_text_raw") or "")


@needs_corpus
@pytest.mark.corpus
def test_aact_xml_counts() -> None:
    # 63 files hold 62 studies: NCT00980226.xml is NCT00081588 again (only its
    # download_date differs), so the file name is not the study's id.
    records = [read_one(f) for f in sorted(XML_DIR.glob("*.xml"))]
    assert len(records) == 63
    ids = Counter(r.nct_id for r in records)
    assert len(ids) == 62
    assert [k for k, v in ids.items() if v > 1] == ["NCT00081588"]
    assert read_one(XML_DIR / "NCT00980226.xml").nct_id == "NCT00081588"


@needs_corpus
@pytest.mark.corpus
def test_checkmate_017_values() -> None:
    r = read_one(XML_DIR / "NCT01642004.xml")
    assert r.nct_id == "NCT01642004"
    assert r.title == (
        "Study of BMS-936558 (Nivolumab) Compared to Docetaxel in Previously Treated Advanced "
        "or Metastatic Squamous Cell Non-small Cell Lung Cancer (NSCLC) (CheckMate 017)"
    )
    assert r.official_title.startswith("An Open-Label Randomized Phase III Trial of BMS-936558")
    assert r.status == "ACTIVE_NOT_RECRUITING"
    assert r.start_date == "2012-09-26"
    assert r.completion_date == "2018-12-29"
    assert r.phases == ["PHASE3"]
    assert r.enrollment == {"count": 352, "type": "ACTUAL"}
    assert r.design == {
        "study_type": "INTERVENTIONAL",
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "masking": "NONE",
        "primary_purpose": "TREATMENT",
    }
    assert r.conditions == ["Squamous Cell Non-small Cell Lung Cancer"]
    assert [(i.type, i.name, i.other_names, i.arm_labels) for i in r.interventions] == [
        ("BIOLOGICAL", "Nivolumab", ["BMS-936558"], ["Arm A: Nivolumab"]),
        ("DRUG", "Docetaxel", ["Taxotere®"], ["Arm B: Docetaxel"]),
    ]
    assert [(a.label, a.type, a.interventions) for a in r.arms] == [
        ("Arm A: Nivolumab", "EXPERIMENTAL", ["Biological: Nivolumab"]),
        ("Arm B: Docetaxel", "EXPERIMENTAL", ["Drug: Docetaxel"]),
    ]
    assert Counter(o.role for o in r.outcomes) == {"primary": 3, "secondary": 9, "other": 1}
    first = r.outcomes[0]
    assert first.measure == (
        "Overall Survival (OS) Time in Months for All Randomized Participants at Primary Endpoint"
    )
    assert first.time_frame == (
        "Randomization until 199 deaths, up to November 2014, approximately 25 months"
    )
    assert first.description.startswith("OS was defined as the time between the date of")
    # "&lt; 10 mm" is decoded and the line break inside the description folded.
    orr = r.outcomes[3]
    assert orr.measure.startswith("Objective Response Rate (ORR)")
    assert "whichever occurred first. CR = Disappearance" in orr.description
    assert "< 10 mm" in orr.description
    assert r.sponsor == {"name": "Bristol-Myers Squibb", "class": "INDUSTRY"}
    assert r.collaborators == []
    el = r.eligibility
    assert el["sex"] == "ALL" and el["minimum_age"] == "18 Years"
    assert "maximum_age" not in el  # "N/A" means no limit
    assert el["healthy_volunteers"] is False
    assert el["criteria_text"].startswith(
        "For more information regarding BMS clinical trial participation, please visit "
        "www.BMSStudyConnect.com Inclusion Criteria: - Men and women ≥18 years of age"
    )
    raw = el["criteria_text_raw"]
    assert "\n\n        Inclusion Criteria:\n\n          -  Men and women ≥18 years of age\n" in raw
    assert raw.endswith("study treatment")
    assert r.condition_mesh == [
        {"id": None, "term": "Lung Neoplasms"},
        {"id": None, "term": "Carcinoma, Non-Small-Cell Lung"},
    ]
    assert [m["term"] for m in r.intervention_mesh] == [
        "Docetaxel",
        "Nivolumab",
        "Antibodies, Monoclonal",
    ]
    assert r.source.record_version == "2018-05-11"
    assert r.notes == []


@pytest.mark.corpus
@pytest.mark.skipif(not HINT_XML.exists(), reason=f"{HINT_XML} not found (../shared/corpus)")
def test_hint_xml_values() -> None:
    r = read_one(HINT_XML)
    assert r.nct_id == "NCT00000378"
    assert r.title == "Antidepressant Treatment of Melancholia in Late Life"
    assert r.start_date == "1997-07" and r.completion_date == "2002-06"
    assert r.phases == ["PHASE4"]
    assert r.design["masking"] == "TRIPLE"
    assert r.design["who_masked"] == ["PARTICIPANT", "INVESTIGATOR", "OUTCOMES_ASSESSOR"]
    assert r.sponsor == {"name": "New York State Psychiatric Institute", "class": "OTHER"}
    assert r.collaborators == ["National Institute of Mental Health (NIMH)"]
    assert r.interventions[1].other_names == ["nortiptyline"]
    assert r.eligibility["minimum_age"] == "60 Years"
    assert r.eligibility["maximum_age"] == "95 Years"
    # &#xD; line ends: folded away, and normalised to \n in the raw text.
    assert r.eligibility["criteria_text_raw"].startswith("        Inclusion Criteria:\n\n")
    assert r.brief_summary.startswith("The purpose of this study is to compare the safety")
    assert r.source.record_version == "2021-03-05"


@needs_corpus
@pytest.mark.corpus
def test_corpus_enumerations_use_v2_spellings() -> None:
    withheld = read_one(XML_DIR / "NCT03182660.xml")
    assert withheld.status == "WITHHELD"
    assert "study_type" not in withheld.design  # "N/A"
    assert withheld.sponsor == {"name": "[Redacted]", "class": None}
    assert withheld.source.record_version == "2018-05-11"
    expanded = read_one(XML_DIR / "NCT03133988.xml")
    assert expanded.design["study_type"] == "EXPANDED_ACCESS"
    assert expanded.status == "AVAILABLE"
    seen: dict[str, set[str]] = {}
    for f in XML_DIR.glob("*.xml"):
        r = read_one(f)
        for key, value in r.design.items():
            values = value if isinstance(value, list) else [value]
            seen.setdefault(key, set()).update(values)
        seen.setdefault("status", set()).add(r.status)
        seen.setdefault("arm_type", set()).update(a.type for a in r.arms if a.type)
        seen.setdefault("enrollment", set()).add((r.enrollment or {}).get("type"))
    for key, values in seen.items():
        for v in values - {None}:
            assert v == v.upper() and " " not in v and "," not in v, (key, v)
    assert {"OBSERVATIONAL", "EXPANDED_ACCESS", "INTERVENTIONAL"} <= seen["study_type"]
    assert seen["observational_model"] == {"COHORT", "CASE_CONTROL", "OTHER"}
    assert "CROSS_SECTIONAL" in seen["time_perspective"]
    assert seen["enrollment"] <= {"ACTUAL", "ESTIMATED", None}
    assert "ESTIMATED" in seen["enrollment"]
    assert "UNKNOWN" in seen["status"]


# -- small files -------------------------------------------------------------------


def test_minimal_and_sniff(tmp_path: Path) -> None:
    p = write(tmp_path, "a.xml", MINIMAL.format(extra=""))
    assert sniffs(p)
    r = read_one(p)
    assert r.nct_id == "NCT00000001" and r.title == "A test study"
    assert r.outcomes == [] and r.design == {} and r.eligibility == {}
    bom = write(tmp_path, "bom.xml", b"\xef\xbb\xbf" + MINIMAL.format(extra="").encode())
    assert sniffs(bom)
    assert read_one(bom).nct_id == "NCT00000001"
    assert not ctgov_xml.sniff(b'{"FullStudiesResponse": {}}', Path("x.json"))
    assert not ctgov_xml.sniff(b"nctid,status,criteria\n", Path("x.csv"))


def test_legacy_spellings(tmp_path: Path) -> None:
    extra = """
  <overall_status>Unknown status</overall_status>
  <start_date>Sept 2004</start_date>
  <completion_date>sometime soon</completion_date>
  <phase>Early Phase 1</phase>
  <study_type>Observational [Patient Registry]</study_type>
  <study_design>Allocation: Randomized, Endpoint Classification: Safety/Efficacy Study, Intervention Model: Parallel Assignment, Masking: Double Blind (Subject, Caregiver, Investigator), Primary Purpose: Educational/Counseling/Training</study_design>
  <enrollment type="Anticipated">40</enrollment>
  <eligibility><gender>Both</gender><minimum_age>N/A</minimum_age>
    <healthy_volunteers>Accepts Healthy Volunteers</healthy_volunteers></eligibility>
  <sponsors><lead_sponsor><agency>US Gov</agency><agency_class>U.S. Fed</agency_class></lead_sponsor></sponsors>
  <intervention><intervention_type>Dietary Supplement</intervention_type>
    <intervention_name>Vitamin D</intervention_name></intervention>
  <intervention><intervention_name>Mystery</intervention_name></intervention>
"""
    r = read_one(write(tmp_path, "old.xml", MINIMAL.format(extra=extra)))
    assert r.status == "UNKNOWN"
    assert r.start_date == "2004-09"
    assert r.completion_date is None
    assert {"kind": "bad-date", "field": "completion_date"}.items() <= r.notes[-1].items()
    assert r.phases == ["EARLY_PHASE1"]
    assert r.design == {
        "study_type": "OBSERVATIONAL",
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "masking": "DOUBLE",
        "who_masked": ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR"],
        "primary_purpose": "ECT",
    }
    assert r.enrollment == {"count": 40, "type": "ESTIMATED"}
    assert r.eligibility == {"sex": "ALL", "healthy_volunteers": True}
    assert r.sponsor == {"name": "US Gov", "class": "FED"}
    assert [(i.type, i.name) for i in r.interventions] == [
        ("DIETARY_SUPPLEMENT", "Vitamin D"),
        ("OTHER", "Mystery"),
    ]
    assert any(n["kind"] == "missing-type" for n in r.notes)


def test_wrapper_with_several_studies(tmp_path: Path) -> None:
    one = MINIMAL.format(extra="").split("\n", 1)[1]
    two = one.replace("NCT00000001", "NCT00000002")
    p = write(tmp_path, "many.xml", f"<clinical_studies>{one}{two}</clinical_studies>")
    items = read_all(p)
    assert [(i.nct_id, i.source.position) for i in items] == [
        ("NCT00000001", "clinical_study[0]"),
        ("NCT00000002", "clinical_study[1]"),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (MINIMAL.format(extra="")[:150], "not well-formed XML"),  # truncated
        ("", "not well-formed XML"),  # empty file
        ("<other><x/></other>", "root element is <other>, not <clinical_study>"),
        (
            "<clinical_study><primary_outcome><time_frame>1 y</time_frame></primary_outcome>"
            "<brief_title>t</brief_title></clinical_study>",
            "primary_outcome[0]/measure: outcome without a measure",
        ),
        (
            "<clinical_study><id_info><nct_id>NCT1</nct_id></id_info></clinical_study>",
            "brief_title",
        ),
        (
            MINIMAL.format(extra="<enrollment type='Actual'>many</enrollment>"),
            "enrollment: not a number",
        ),
    ],
)
def test_bad_files_become_rejections(tmp_path: Path, text: str, reason: str) -> None:
    items = read_all(write(tmp_path, "bad.xml", text))
    assert len(items) == 1 and isinstance(items[0], Rejection), items
    assert reason in items[0].reason
    assert items[0].position == "file" and items[0].format == "ctgov-xml"


def test_missing_file_is_a_rejection(tmp_path: Path) -> None:
    items = read_all(tmp_path / "nope.xml")
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert "cannot read file" in items[0].reason


# -- hostile XML -------------------------------------------------------------------


def test_external_entity_is_refused_not_fetched(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "xxe.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        "<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>"
        "<brief_title>&e;</brief_title></clinical_study>",
    )
    assert sniffs(p)
    items = read_all(p)
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert "refused" in items[0].reason and "entity" in items[0].reason
    assert "root:" not in items[0].reason


def test_parameter_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.dtd"
    secret.write_text('<!ENTITY leak "SECRET-CONTENT">', encoding="utf-8")
    p = write(
        tmp_path,
        "pe.xml",
        f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{secret.as_uri()}"> %p;]>\n'
        "<clinical_study><brief_title>&leak;</brief_title></clinical_study>",
    )
    items = read_all(p)
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert "SECRET-CONTENT" not in items[0].reason
    # An external DTD is never loaded: its entities stay undefined.
    p = write(
        tmp_path,
        "dtd.xml",
        f'<!DOCTYPE x SYSTEM "{secret.as_uri()}">\n'
        "<clinical_study><brief_title>&leak;</brief_title></clinical_study>",
    )
    items = read_all(p)
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert "undefined entity" in items[0].reason


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", '  <!ENTITY lol0 "lol">']
    for i in range(1, 12):
        lines.append(f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    lines += ["]>", "<clinical_study><brief_title>&lol11;</brief_title></clinical_study>"]
    p = write(tmp_path, "lol.xml", "\n".join(lines))
    start = time.monotonic()
    items = read_all(p)
    assert time.monotonic() - start < 5
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert "entity" in items[0].reason and "lol" in items[0].reason
    assert len(items[0].reason) < 500  # nothing expanded into the message


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctgov_xml, "MAX_BYTES", 100)
    items = read_all(write(tmp_path, "big.xml", MINIMAL.format(extra="")))
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert "over the 100-byte limit" in items[0].reason


# -- shared helpers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("April 2019", "2019-04"),
        ("April 15, 2019", "2019-04-15"),
        ("March 05, 2021", "2021-03-05"),
        ("2019-04-15", "2019-04-15"),
        ("Foo 2019", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_date(text: str | None, iso: str | None) -> None:
    assert _common.iso_date(text) == iso


@pytest.mark.parametrize(
    ("text", "level", "who"),
    [
        ("None (Open Label)", "NONE", []),
        ("Double (Participant, Investigator)", "DOUBLE", ["PARTICIPANT", "INVESTIGATOR"]),
        (
            "Quadruple (Participant, Care Provider, Investigator, Outcomes Assessor)",
            "QUADRUPLE",
            ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"],
        ),
        ("Single Blind (Outcomes Assessor)", "SINGLE", ["OUTCOMES_ASSESSOR"]),
        ("Open Label", "NONE", []),
        ("Triple", "TRIPLE", []),
        (None, None, []),
    ],
)
def test_masking_value(text: str | None, level: str | None, who: list[str]) -> None:
    assert _common.masking_value(text) == (level, who)


def test_enum_helpers() -> None:
    assert _common.status_value("Active, not recruiting") == "ACTIVE_NOT_RECRUITING"
    assert _common.status_value("Unknown status") == "UNKNOWN"
    assert _common.enum_value("N/A") == "NA"
    assert _common.enum_value("Case-Control") == _common.enum_value("Case Control")
    assert _common.intervention_model_value("Single Group Assignment") == "SINGLE_GROUP"
    assert _common.sponsor_class_value("U.S. Fed") == "FED"
    assert _common.healthy_volunteers_value("No") is False
    assert _common.age_value("N/A") is None
    assert _common.raw_text("\r\n\r\n  a\r\n  - b  \r\n") == "  a\n  - b"
