"""HINT benchmark CSV reader (kg.sources.hint_csv)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from kg.record import Rejection, TrialRecord
from kg.sources import ctgov_classic, ctgov_xml, hint_csv

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
HINT_DIR = CORPUS / "hint_top"

needs_corpus = pytest.mark.skipif(
    not HINT_DIR.is_dir(), reason=f"shared corpus not found at {HINT_DIR} (../shared/corpus)"
)

HEADER = [
    "nctid",
    "status",
    "why_stop",
    "label",
    "phase",
    "diseases",
    "icdcodes",
    "drugs",
    "smiless",
    "criteria",
]
CRITERIA = "\n        Inclusion Criteria:\n\n          -  Age >= 18\n\n        Exclusion Criteria:\n\n          -  Pregnancy\n      "


def read_all(path: Path) -> list[TrialRecord | Rejection]:
    return list(hint_csv.read(path))


def sniffs(path: Path) -> bool:
    return hint_csv.sniff(path.read_bytes()[:65536], path)


def row(
    nct: str, drugs: str = "['drug a', 'drug b', 'drug a']", diseases: str = "['asthma']"
) -> list[str]:
    return [
        nct,
        "completed",
        "",
        "1",
        "phase 2/phase 3",
        diseases,
        "[\"['J45']\"]",
        drugs,
        "['C']",
        CRITERIA,
    ]


def write_csv(
    tmp_path: Path, rows: list[list[str]], name: str = "t.csv", bom: bool = False
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return p


# -- the real corpus ---------------------------------------------------------------


@needs_corpus
@pytest.mark.corpus
def test_every_corpus_hint_file_reads() -> None:
    per_file: dict[str, int] = {}
    records: list[TrialRecord] = []
    for f in sorted(HINT_DIR.glob("*.csv")):
        assert sniffs(f), f
        assert not ctgov_xml.sniff(f.read_bytes()[:65536], f)
        assert not ctgov_classic.sniff(f.read_bytes()[:65536], f)
        got = read_all(f)
        assert all(isinstance(i, (TrialRecord, Rejection)) for i in got)
        assert [i for i in got if isinstance(i, Rejection)] == []
        assert [r.source.position for r in got] == [f"row {n}" for n in range(1, len(got) + 1)]
        per_file[f.name] = len(got)
        records.extend(got)  # type: ignore[arg-type]
    assert per_file == {
        "phase_III_test.csv": 1146,
        "phase_III_valid.csv": 344,
        "phase_II_valid.csv": 446,
        "phase_I_test.csv": 627,
        "phase_I_train.csv": 1044,
        "phase_I_valid.csv": 117,
    }
    # 3724 rows, 3686 trials: 38 trials appear, identically, in two of the splits.
    assert len(records) == 3724
    assert len({r.nct_id for r in records}) == 3686
    for r in records:
        assert r.title == ""
        assert {"kind": "missing-title", "message": "HINT CSV has no title column"} in r.notes
        assert r.source.format == "hint-csv"
        assert r.phases and r.status and r.conditions and r.interventions
        assert all(i.type == "DRUG" for i in r.interventions)
        names = [i.name for i in r.interventions]
        assert len(names) == len(set(names))
        assert r.eligibility["criteria_text"] and "\n" not in r.eligibility["criteria_text"]
    assert Counter(p for r in records for p in r.phases)["EARLY_PHASE1"] == 47
    assert {r.status for r in records} == {
        "COMPLETED",
        "TERMINATED",
        "ACTIVE_NOT_RECRUITING",
        "UNKNOWN",
        "WITHDRAWN",
        "RECRUITING",
        "SUSPENDED",
    }


@needs_corpus
@pytest.mark.corpus
def test_the_xml_in_hint_top_reads_with_the_xml_reader() -> None:
    xml = HINT_DIR / "NCT00000378.xml"
    if not xml.exists():
        pytest.skip(f"{xml} not found")
    assert not sniffs(xml) and ctgov_xml.sniff(xml.read_bytes()[:65536], xml)
    (r,) = list(ctgov_xml.read(xml))
    assert r.nct_id == "NCT00000378"


@needs_corpus
@pytest.mark.corpus
def test_first_row_values() -> None:
    r = read_all(HINT_DIR / "phase_I_test.csv")[0]
    assert r.nct_id == "NCT01288573"
    assert r.status == "COMPLETED"
    assert r.phases == ["PHASE1", "PHASE2"]
    assert r.conditions == ["ewing's sarcoma/soft tissue sarcoma", "neuroblastoma", "brain tumors"]
    # ['plerixafor', 'plerixafor', 'plerixafor'] -> one intervention
    assert [(i.type, i.name) for i in r.interventions] == [("DRUG", "plerixafor")]
    el = r.eligibility
    assert el["criteria_text"].startswith(
        "Inclusion Criteria: - Age 2 to < 18 years during stage 1 and 1 to < 18 years during stage 2 "
        "- Ewing's sarcoma, soft tissue sarcoma"
    )
    assert el["criteria_text_raw"].startswith(
        "        Inclusion Criteria:\n\n          -  Age 2 to < 18 years during stage 1"
    )
    assert el["criteria_text_raw"].endswith("is unable to adhere to the requirements of the study")
    assert r.source.position == "row 1"


@needs_corpus
@pytest.mark.corpus
def test_drug_order_is_kept() -> None:
    rows = read_all(HINT_DIR / "phase_I_train.csv")
    r = rows[0]
    assert r.nct_id == "NCT01187615" and r.status == "TERMINATED"
    assert [i.name for i in r.interventions] == [
        "regorafenib (bay73-4506) - sequential / cisplatin / pemetrexed",
        "regorafenib (bay73-4506) - continuous / cisplatin / pemetrexed",
    ]


# -- small files -------------------------------------------------------------------


def test_synthetic_rows(tmp_path: Path) -> None:
    p = write_csv(tmp_path, [row("NCT00000001")], bom=True)
    assert sniffs(p)
    (r,) = read_all(p)
    assert r.nct_id == "NCT00000001"
    assert r.phases == ["PHASE2", "PHASE3"]
    assert [i.name for i in r.interventions] == ["drug a", "drug b"]
    assert r.conditions == ["asthma"]
    assert r.eligibility == {
        "criteria_text": "Inclusion Criteria: - Age >= 18 Exclusion Criteria: - Pregnancy",
        "criteria_text_raw": (
            "        Inclusion Criteria:\n\n          -  Age >= 18\n\n"
            "        Exclusion Criteria:\n\n          -  Pregnancy"
        ),
    }
    assert r.title == "" and r.notes[0]["kind"] == "missing-title"


def test_broken_literal_is_a_rejection_naming_the_field(tmp_path: Path) -> None:
    rows = [
        row("NCT00000001"),
        row("NCT00000002", drugs="['drug a', 'drug b'"),  # unclosed list
        row("NCT00000003", diseases="__import__('os').system('touch PWNED')"),
        row("NCT00000004", drugs="'just a string'"),
        row("NCT00000005", diseases="[['nested']]"),
        row("not-an-id"),
        row("NCT00000007"),
    ]
    got = read_all(write_csv(tmp_path, rows))
    assert len(got) == 7
    assert [type(g).__name__ for g in got] == ["TrialRecord"] + ["Rejection"] * 5 + ["TrialRecord"]
    rej = [g for g in got if isinstance(g, Rejection)]
    assert [g.position for g in rej] == ["row 2", "row 3", "row 4", "row 5", "row 6"]
    assert rej[0].reason.startswith("drugs: not a Python list literal")
    assert rej[1].reason.startswith("diseases: not a Python list literal")
    assert rej[2].reason.startswith("drugs: expected a list")
    assert rej[3].reason.startswith("diseases: expected a list of text")
    assert rej[4].reason.startswith("nctid: not an NCT id")
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()
    assert got[-1].nct_id == "NCT00000007" and got[-1].source.position == "row 7"


def test_deeply_nested_literal_is_a_rejection(tmp_path: Path) -> None:
    got = read_all(write_csv(tmp_path, [row("NCT00000001", drugs="[" * 50000 + "]" * 50000)]))
    assert len(got) == 1 and isinstance(got[0], Rejection)
    assert got[0].reason.startswith("drugs:")


def test_field_over_the_limit_stops_with_a_rejection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(1000)
        monkeypatch.setattr(hint_csv, "FIELD_LIMIT", 1000)
        big = row("NCT00000002")
        big[-1] = "x" * 5000
        got = read_all(write_csv(tmp_path, [row("NCT00000001"), big]))
    finally:
        csv.field_size_limit(limit)
    assert isinstance(got[0], TrialRecord)
    assert isinstance(got[1], Rejection) and got[1].position == "row 2"
    assert "CSV error" in got[1].reason


def test_not_a_hint_file(tmp_path: Path) -> None:
    p = tmp_path / "other.csv"
    p.write_text("nctid,title\nNCT00000001,x\n", encoding="utf-8")
    assert not sniffs(p)
    got = read_all(p)
    assert len(got) == 1 and isinstance(got[0], Rejection)
    assert got[0].position == "file" and "criteria" in got[0].reason
    assert not hint_csv.sniff(b"NCT Number,Study Title,criteria\n", Path("x.csv"))
    assert hint_csv.sniff(b"\xef\xbb\xbfnctid,status,criteria\r\n", Path("x.csv"))


def test_ragged_rows_are_rejections(tmp_path: Path) -> None:
    short = row("NCT00000002")[:2]
    long = row("NCT00000003") + ["surplus"]
    got = read_all(write_csv(tmp_path, [row("NCT00000001"), short, long, row("NCT00000004")]))
    assert [type(g).__name__ for g in got] == [
        "TrialRecord",
        "Rejection",
        "Rejection",
        "TrialRecord",
    ]
    assert got[1].reason == "row has 2 fields, the header has 10"
    assert got[2].reason == "row has 11 fields, the header has 10"
