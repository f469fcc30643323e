"""Website CSV export reader: checked field by field against the JSON of the same studies."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, needs_corpus

from kg.record import Rejection, TrialRecord
from kg.sources import ctgov_csv, ctgov_json, detect

HEADER = "NCT Number,Study Title,Conditions,Interventions,Enrollment,Study Design\n"


def test_bom_and_subset_of_columns(tmp_path: Path) -> None:
    p = tmp_path / "export.csv"
    p.write_bytes(
        b"\xef\xbb\xbf"
        + (
            HEADER
            + 'NCT00000001,"A trial, with a comma",Cancer|Lung Cancer,"DRUG: A|OTHER: Placebo",40,'
            '"Allocation: RANDOMIZED|Intervention Model: PARALLEL|Masking: DOUBLE (PARTICIPANT, '
            'INVESTIGATOR)|Primary Purpose: TREATMENT"\n'
        ).encode()
    )
    assert detect(p) is ctgov_csv
    (rec,) = list(ctgov_csv.read(p))
    assert isinstance(rec, TrialRecord)
    assert rec.nct_id == "NCT00000001" and rec.title == "A trial, with a comma"
    assert rec.conditions == ["Cancer", "Lung Cancer"]
    assert [(i.type, i.name) for i in rec.interventions] == [("DRUG", "A"), ("OTHER", "Placebo")]
    assert rec.enrollment == {"count": 40, "type": None}
    assert rec.design == {
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "masking": "DOUBLE",
        "who_masked": ["PARTICIPANT", "INVESTIGATOR"],
        "primary_purpose": "TREATMENT",
    }


def test_bad_rows_rejected_others_kept(tmp_path: Path) -> None:
    p = tmp_path / "export.csv"
    p.write_text(
        HEADER
        + "NCT00000001,Good one,,,,\n"
        + "NCT00000002,Too many,,,,,extra\n"
        + "NCT00000003,Too few\n"
        + "NCT00000004,Bad enrollment,,,forty,\n"
        + "XYZ,Bad id,,,,\n"
        + "NCT00000006,,,,,\n"
        + "NCT00000007,Good two,,,,\n",
        encoding="utf-8",
    )
    items = list(ctgov_csv.read(p))
    kinds = [
        (type(i).__name__, i.position if isinstance(i, Rejection) else i.nct_id) for i in items
    ]
    assert kinds == [
        ("TrialRecord", "NCT00000001"),
        ("Rejection", "row 2"),
        ("Rejection", "row 3"),
        ("Rejection", "row 4"),
        ("Rejection", "row 5"),
        ("Rejection", "row 6"),
        ("TrialRecord", "NCT00000007"),
    ]
    reasons = [i.reason for i in items if isinstance(i, Rejection)]
    assert "7 fields where the header has 6" in reasons[0]
    assert reasons[2].startswith("Enrollment:")
    assert reasons[3].startswith("NCT Number:")
    assert reasons[4].startswith("Study Title:")


@needs_corpus
@pytest.mark.parametrize(
    "folder,count",
    [
        ("urology_ed_paired", 635),
        ("recent2025_csv", 1000),
        ("mrd_hemeonc_csv", 245),
        ("alzheimers_csv_min", 4145),
    ],
)
def test_corpus_exports_read(folder: str, count: int) -> None:
    items = list(ctgov_csv.read(CORPUS / folder / "ctg-studies.csv"))
    rejected = [i for i in items if isinstance(i, Rejection)]
    assert not rejected, rejected[:3]
    assert len(items) == count


@needs_corpus
def test_urology_csv_matches_its_json() -> None:
    """The CSV rows are rendered from the JSON: every field both carry must agree."""
    csv_recs = {
        r.nct_id: r for r in ctgov_csv.read(CORPUS / "urology_ed_paired" / "ctg-studies.csv")
    }
    json_dir = CORPUS / "urology_ed_paired" / "json"
    mismatches = []
    for nct, c in sorted(csv_recs.items()):
        (j,) = list(ctgov_json.read(json_dir / f"{nct}.json"))
        for name, a, b in (
            ("title", c.title, j.title),
            ("conditions", c.conditions, j.conditions),
            (
                "interventions",
                [(i.type, i.name) for i in c.interventions],
                [(i.type, i.name) for i in j.interventions],
            ),
            ("phases", c.phases, j.phases),
            ("enrollment", (c.enrollment or {}).get("count"), (j.enrollment or {}).get("count")),
            ("allocation", c.design.get("allocation"), j.design.get("allocation")),
            ("masking", c.design.get("masking"), j.design.get("masking")),
            ("status", c.status, j.status),
            ("sponsor", (c.sponsor or {}).get("name"), (j.sponsor or {}).get("name")),
            ("outcome roles", [o.role for o in c.outcomes], [o.role for o in j.outcomes]),
        ):
            if a != b:
                mismatches.append((nct, name, a, b))
    assert not mismatches, mismatches[:5]
