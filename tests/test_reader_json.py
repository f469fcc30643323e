"""API v2 JSON reader: real files from the corpus, every document shape, malformed studies."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CORPUS, needs_corpus

from kg.record import Rejection, TrialRecord
from kg.sources import ctgov_json, detect, iter_records


def _study(nct: str = "NCT00000001", **ident: object) -> dict:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": "A  trial\nof X", **ident},
            "designModule": {"phases": ["PHASE1", "PHASE2"], "enrollmentInfo": {"count": 40}},
            "outcomesModule": {
                "primaryOutcomes": [{"measure": "ORR", "timeFrame": "up to 2 years"}],
                "secondaryOutcomes": [{"measure": "OS", "description": "time to death"}],
            },
        },
        "derivedSection": {"miscInfoModule": {"versionHolder": "2024-09-24"}},
    }


def test_single_study_list_and_page(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(_study()))
    lst = tmp_path / "list.json"
    lst.write_text(json.dumps([_study("NCT00000001"), _study("NCT00000002")]))
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": [_study("NCT00000003")], "nextPageToken": "abc"}))
    for p in (one, lst, page):
        assert detect(p) is ctgov_json
    r = list(ctgov_json.read(one))
    assert [type(x) for x in r] == [TrialRecord]
    rec = r[0]
    assert rec.title == "A trial of X"  # whitespace folded
    assert rec.phases == ["PHASE1", "PHASE2"]
    assert rec.enrollment == {"count": 40, "type": None}
    assert [(o.role, o.measure, o.description, o.time_frame) for o in rec.outcomes] == [
        ("primary", "ORR", None, "up to 2 years"),
        ("secondary", "OS", "time to death", None),
    ]
    assert rec.source.record_version == "2024-09-24"
    assert [x.nct_id for x in ctgov_json.read(lst)] == ["NCT00000001", "NCT00000002"]
    assert [x.source.position for x in ctgov_json.read(page)] == ["studies[0]"]


def test_bad_study_is_rejected_and_batch_goes_on(tmp_path: Path) -> None:
    bad_type = _study("NCT00000002")
    bad_type["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = {"x": 1}
    no_title = _study("NCT00000003")
    del no_title["protocolSection"]["identificationModule"]["briefTitle"]
    p = tmp_path / "page.json"
    p.write_text(json.dumps({"studies": [_study(), bad_type, no_title, "junk", _study("NCT4")]}))
    items = list(ctgov_json.read(p))
    assert [type(i).__name__ for i in items] == [
        "TrialRecord",
        "Rejection",
        "Rejection",
        "Rejection",
        "TrialRecord",
    ]
    assert "enrollmentInfo.count" in items[1].reason
    assert "briefTitle" in items[2].reason
    assert items[3].position == "studies[3]"


def test_invalid_json_is_one_rejection(tmp_path: Path) -> None:
    p = tmp_path / "broken.json"
    p.write_text('{"protocolSection": {"identificationModule": ')
    items = list(ctgov_json.read(p))
    assert len(items) == 1 and isinstance(items[0], Rejection)
    assert items[0].position == "file" and "invalid JSON" in items[0].reason


@needs_corpus
def test_every_json_file_in_corpus_reads() -> None:
    files = sorted((CORPUS / "urology_ed_paired" / "json").glob("*.json"))
    files += [CORPUS / "nsclcbench" / "ctg-studies.json"]
    files += sorted((CORPUS / "aact_fixtures" / "v2").glob("*.json"))
    records = [x for x in iter_records(files)]
    assert all(isinstance(x, TrialRecord) for x in records), [
        x for x in records if isinstance(x, Rejection)
    ][:3]
    assert len(records) == 635 + 100 + 12
    assert all(r.nct_id and r.nct_id.startswith("NCT") for r in records)


@needs_corpus
def test_nsclcbench_record_fields() -> None:
    recs = {r.nct_id: r for r in ctgov_json.read(CORPUS / "nsclcbench" / "ctg-studies.json")}
    raw = json.loads((CORPUS / "nsclcbench" / "ctg-studies.json").read_text())
    by_id = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in raw}
    for nct, s in by_id.items():
        ps = s["protocolSection"]
        r = recs[nct]
        assert r.title == " ".join(ps["identificationModule"]["briefTitle"].split())
        assert len(r.interventions) == len(
            ps.get("armsInterventionsModule", {}).get("interventions", [])
        )
        om = ps.get("outcomesModule", {})
        assert sum(o.role == "primary" for o in r.outcomes) == len(om.get("primaryOutcomes", []))
        assert r.phases == ps.get("designModule", {}).get("phases", [])
        meshes = s.get("derivedSection", {}).get("conditionBrowseModule", {}).get("meshes", [])
        assert [m["id"] for m in r.condition_mesh] == [m["id"] for m in meshes]


def test_unknown_phase_becomes_a_note_not_a_rejection(tmp_path: Path) -> None:
    study = _study()
    study["protocolSection"]["designModule"]["phases"] = ["PHASE2", "PHASE 9 <x>"]
    p = tmp_path / "s.json"
    p.write_text(json.dumps(study))
    (rec,) = list(ctgov_json.read(p))
    assert rec.phases == ["PHASE2"]
    assert [n["kind"] for n in rec.notes] == ["unknown-phase"]
    assert rec.notes[0]["field"] == "designModule.phases"


def test_empty_file_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_bytes(b"")
    (rej,) = list(iter_records([tmp_path]))
    assert isinstance(rej, Rejection) and rej.reason == "empty file"
