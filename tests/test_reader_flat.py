"""The seed flat text reader: the seeds exactly, the rendered corpus against its truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, EXAMPLES, needs_corpus

from kg.record import Rejection, TrialRecord
from kg.sources import detect, flat

FIRST = EXAMPLES / "js001-neuroendocrine.txt"
SECOND = EXAMPLES / "anti-pd1-nab-paclitaxel-cervical.txt"


def _one(path: Path) -> TrialRecord:
    (rec,) = list(flat.read(path))
    assert isinstance(rec, TrialRecord), rec
    return rec


def test_first_seed_exactly() -> None:
    assert detect(FIRST) is flat
    rec = _one(FIRST)
    assert rec.nct_id is None
    assert rec.title == "Study of JS001 in Patients With Advanced Neuroendocrine Tumors"
    assert rec.conditions == ["Neuroendocrine Tumors"]
    assert [(i.type, i.name) for i in rec.interventions] == [
        ("BIOLOGICAL", "humanized anti-PD-1 monoclonal antibody")
    ]
    roles = [o.role for o in rec.outcomes]
    assert roles.count("primary") == 1 and roles.count("secondary") == 8
    first = rec.outcomes[0]
    assert first.measure == "Overall response rate (ORR)"
    assert first.description == (
        "CT/MRI will be performed every 2 cycles of treatment by RECIST 1.1(each cycle is 21 days))"
    )
    assert first.time_frame == (
        "From date of first dose until the date of first documented progression or date of "
        "death from any cause, whichever came first, assessed up to 24 months"
    )
    dor = rec.outcomes[1]
    assert (dor.measure, dor.description, dor.time_frame) == (
        "Duration of response (DOR)",
        "Duration of Response by irRC and RECIST 1.1",
        "baseline, every 8 weeks up to 1 year after last patient first treatment",
    )
    assert rec.brief_summary and rec.brief_summary.startswith("This is a multi-center")


def test_second_seed_exactly() -> None:
    rec = _one(SECOND)
    assert rec.title.startswith("Study of Anti-PD-1 Combined With Albumin-Bound Paclitaxel")
    assert [(i.type, i.name) for i in rec.interventions] == [
        ("DRUG", "anti-PD-1+Albumin-Bound Paclitaxel")
    ]
    roles = [o.role for o in rec.outcomes]
    assert roles.count("primary") == 1 and roles.count("secondary") == 4
    assert [o.measure for o in rec.outcomes] == [
        "Objective Response Rate(ORR)",
        "Progression Free Survival(PFS)",
        "Overall Survival(OS)",
        "Disease Control Rate(DCR)",
        "Duration of Response(DoR)",
    ]
    assert all(o.time_frame == "up to 2 years" for o in rec.outcomes)


def test_line_count_errors_and_multi_trial_files(tmp_path: Path) -> None:
    few = tmp_path / "few.txt"
    few.write_text("A title\nA summary\n")
    (rej,) = list(flat.read(few))
    assert (
        isinstance(rej, Rejection) and "2 lines" in rej.reason and "7 lines per trial" in rej.reason
    )
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    (rej,) = list(flat.read(empty))
    assert isinstance(rej, Rejection)
    two = tmp_path / "two.txt"
    block = SECOND.read_text(encoding="utf-8").rstrip("\n")
    two.write_text(block + "\r\n" + block.replace("Cervical", "Ovarian") + "\r\n", encoding="utf-8")
    recs = list(flat.read(two))
    assert [r.source.position for r in recs] == ["lines 1-7", "lines 8-14"]
    assert "Ovarian" in recs[1].title
    # Blank fields are legitimate: a title with six empty lines is a trial.
    blank = tmp_path / "blank.txt"
    blank.write_text("Only a title\n\n\n\n\n\n\n")
    rec = _one(blank)
    assert rec.title == "Only a title" and rec.conditions == [] and rec.outcomes == []


def test_split_interventions() -> None:
    assert flat.split_interventions("DRUG: A|B|OTHER: Placebo") == [
        ("DRUG", "A|B"),
        ("OTHER", "Placebo"),
    ]
    assert flat.split_interventions("") == []
    assert flat.split_interventions("just text") == [("OTHER", "just text")]


@needs_corpus
def test_rendered_corpus_matches_truth() -> None:
    """Titles, conditions and interventions of every flat file equal the JSON's."""
    truth = [json.loads(line) for line in (CORPUS / "flat" / "truth.jsonl").open()]
    bad = []
    for t in truth:
        items = list(flat.read(CORPUS / "flat" / t["file"]))
        if len(items) != 1 or not isinstance(items[0], TrialRecord):
            bad.append((t["file"], items))
            continue
        rec = items[0]
        fold = lambda s: " ".join(s.split())  # noqa: E731
        if rec.title != fold(t["title"]):
            bad.append((t["file"], "title"))
        if rec.conditions != [fold(c) for c in t["conditions"]]:
            bad.append((t["file"], "conditions"))
        if [(i.type, i.name) for i in rec.interventions] != [
            (i["type"], fold(i["name"])) for i in t["interventions"]
        ]:
            bad.append((t["file"], "interventions"))
    assert len(truth) == 747
    assert not bad, bad[:5]


@pytest.mark.parametrize("data", [b"\x00\x01binary", b"\xff\xfe\xfa not utf8 \x80"])
def test_binary_is_not_flat(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "x.bin"
    p.write_bytes(data)
    assert detect(p) is None
