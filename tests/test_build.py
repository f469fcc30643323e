"""``trialkg build``: the accounting, the outputs, and the whole corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import CORPUS, EXAMPLES, needs_corpus

from kg.build import build
from kg.errors import StoreError
from kg.store import open_store, select


def test_seed_build_outputs(seeds_build: Path) -> None:
    for name in ("trials.nq", "trials.ttl", "rejected.jsonl", "build.json", "store"):
        assert (seeds_build / name).exists(), name
    report = json.loads((seeds_build / "build.json").read_text())
    assert (report["read"], report["built"], report["rejected"]) == (2, 2, 0)
    store = open_store(seeds_build)
    graphs = {g.value for g in store.named_graphs()}
    assert len([g for g in graphs if "/graph/T" in g]) == 2
    assert "https://w3id.org/trialkg/graph/vocab" in graphs
    _, rows = select(
        store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/trialkg/ontology#Study> }"
    )
    assert rows[0]["n"] == 2
    # No leftovers of the temporary names.
    assert not [p for p in seeds_build.iterdir() if p.name.endswith(".tmp")]


def test_accounting_with_bad_records(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "seed.txt").write_text((EXAMPLES / "js001-neuroendocrine.txt").read_text())
    (inp / "dup.txt").write_text((EXAMPLES / "js001-neuroendocrine.txt").read_text())
    (inp / "short.txt").write_text("title only\n")
    (inp / "broken.json").write_text('{"protocolSection": ')
    (inp / "binary.dat").write_bytes(b"\x00\x01\x02")
    (inp / "page.json").write_text(
        json.dumps(
            {
                "studies": [
                    {
                        "protocolSection": {
                            "identificationModule": {"nctId": "NCT00000001", "briefTitle": "Ok"}
                        }
                    },
                    {"protocolSection": {"identificationModule": {"nctId": "NCT00000002"}}},
                ]
            }
        )
    )
    report = build([inp], tmp_path / "out", progress=False)
    assert report.read == report.built + report.rejected
    assert (report.read, report.built, report.rejected) == (7, 2, 5)
    lines = [json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert len(lines) == 5
    reasons = " | ".join(r["reason"] for r in lines)
    assert "duplicate: study T" in reasons and "invalid JSON" in reasons
    assert "unrecognised format" in reasons and "briefTitle" in reasons
    assert all(r["path"] and r["position"] for r in lines)


def test_rebuild_replaces_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([EXAMPLES / "js001-neuroendocrine.txt"], out, progress=False)
    build([EXAMPLES], out, progress=False)
    _, rows = select(
        open_store(out),
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/trialkg/ontology#Study> }",
    )
    assert rows[0]["n"] == 2


def test_second_build_into_same_folder_gets_lock_error(tmp_path: Path) -> None:
    from kg.build import build_lock

    out = tmp_path / "out"
    with build_lock(out), pytest.raises(StoreError, match="lock"):
        build([EXAMPLES], out, progress=False)


@needs_corpus
def test_whole_corpus_builds_with_exact_accounting(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    report = build([CORPUS], out, progress=False)
    assert report.read == report.built + report.rejected
    assert report.read > 11000
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    assert len(rejected) == report.rejected
    # Every rejection in the real corpus is a duplicate study (the same trial in several
    # files) and says where the first copy came from.
    others = [r for r in rejected if not r["reason"].startswith("duplicate: study")]
    assert not others, others[:5]
    n_graphs = sum(1 for _ in ox.Store.read_only(str(out / "store")).named_graphs())
    assert n_graphs == report.built + 1  # plus the vocabulary graph


# ----------------------------------------------------------------------------- jobs


def _messy_inputs(folder: Path) -> Path:
    """The seeds, a duplicate, broken files and an API v2 page: every kind of outcome."""
    folder.mkdir(parents=True)
    for src in sorted(EXAMPLES.glob("*.txt")):
        (folder / src.name).write_text(src.read_text())
    (folder / "zz-dup.txt").write_text((EXAMPLES / "js001-neuroendocrine.txt").read_text())
    (folder / "broken.json").write_text('{"protocolSection": ')
    studies = [
        {
            "protocolSection": {
                "identificationModule": {"nctId": f"NCT0000{i:04d}", "briefTitle": f"Study {i}"},
                "outcomesModule": {
                    "primaryOutcomes": [
                        {"measure": "Overall survival", "timeFrame": f"{i + 1} years"}
                    ]
                },
            }
        }
        for i in range(40)
    ]
    (folder / "page.json").write_text(json.dumps({"studies": studies}))
    return folder


OUTPUTS = ("trials.nq", "trials.ttl", "rejected.jsonl", "studies.jsonl")


def _same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    qa, qb = (list(ox.Store.read_only(str(d / "store"))) for d in (a, b))
    assert len(qa) == len(qb)

    def named(qs: list[ox.Quad]) -> set[ox.Quad]:  # blank nodes get new names per store
        return {q for q in qs if not any(isinstance(t, ox.BlankNode) for t in q)}

    assert named(qa) == named(qb)


def test_output_does_not_depend_on_jobs(tmp_path: Path) -> None:
    inp = _messy_inputs(tmp_path / "in")
    one = build([inp], tmp_path / "one", progress=False, jobs=1)
    three = build([inp], tmp_path / "three", progress=False, jobs=3)
    assert (one.jobs, three.jobs) == (1, 3)
    assert (one.read, one.built, one.rejected) == (three.read, three.built, three.rejected)
    assert (one.read, one.built, one.rejected) == (44, 42, 2)
    _same_outputs(tmp_path / "one", tmp_path / "three")


@needs_corpus
def test_output_does_not_depend_on_jobs_on_real_records(tmp_path: Path) -> None:
    inputs = [CORPUS / "nsclcbench", CORPUS / "aact_fixtures" / "v2"]
    build(inputs, tmp_path / "one", progress=False, jobs=1)
    build(inputs, tmp_path / "two", progress=False, jobs=2)
    _same_outputs(tmp_path / "one", tmp_path / "two")


# ----------------------------------------------------------------------------- incremental


def _page(path: Path, studies: dict[str, str]) -> None:
    """An API v2 page of studies (NCT id -> primary outcome time frame)."""
    path.write_text(
        json.dumps(
            {
                "studies": [
                    {
                        "protocolSection": {
                            "identificationModule": {"nctId": nct, "briefTitle": f"Trial {nct}"},
                            "outcomesModule": {
                                "primaryOutcomes": [
                                    {"measure": "Progression-free survival", "timeFrame": tf}
                                ]
                            },
                        }
                    }
                    for nct, tf in studies.items()
                ]
            }
        )
    )


def test_incremental_build_processes_only_what_changed(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    _page(inp / "a.json", {"NCT00000001": "1 year", "NCT00000002": "2 years"})
    _page(inp / "b.json", {"NCT00000003": "3 years"})
    out = tmp_path / "out"
    first = build([inp], out, progress=False)
    assert (first.mode, first.added, first.store) == ("full", 3, "loaded")
    again = build([inp], out, progress=False)
    assert (again.mode, again.unchanged, again.added, again.changed) == ("incremental", 3, 0, 0)
    assert again.store == "patched"
    # one changed, one new, one gone (b.json deleted)
    _page(inp / "a.json", {"NCT00000001": "1 year", "NCT00000002": "5 years"})
    (inp / "b.json").unlink()
    _page(inp / "c.json", {"NCT00000004": "4 years"})
    r = build([inp], out, progress=False)
    assert (r.added, r.changed, r.unchanged, r.removed, r.kept) == (1, 1, 1, 0, 1)
    assert r.read == r.built + r.rejected == 3
    assert "1 added, 1 changed, 1 unchanged, 0 removed" in r.summary()
    assert "kept" in r.summary() and "--prune" in r.summary()
    store = open_store(out)
    graphs = {g.value.rsplit("/", 1)[1] for g in store.named_graphs()}
    assert graphs == {"vocab", "NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004"}
    _, rows = select(
        store, "SELECT ?tf WHERE { ?o <https://w3id.org/trialkg/ontology#timeFrameText> ?tf }"
    )
    assert sorted(row["tf"] for row in rows) == ["1 year", "3 years", "4 years", "5 years"]
    del store
    pruned = build([inp], out, progress=False, prune=True)
    assert (pruned.removed, pruned.kept, pruned.unchanged) == (1, 0, 3)
    # the same bytes and the same store as a build from scratch of the same inputs
    full = build([inp], tmp_path / "full", progress=False, full=True)
    assert full.mode == "full"
    _same_outputs(out, tmp_path / "full")


def test_new_code_processes_everything_again(tmp_path: Path, monkeypatch) -> None:
    import kg.build as kb

    inp = _messy_inputs(tmp_path / "in")
    out = tmp_path / "out"
    build([inp], out, progress=False)
    monkeypatch.setattr(kb, "_FINGERPRINT", "another version of the code")
    r = build([inp], out, progress=False)
    assert (r.mode, r.changed, r.unchanged) == ("incremental", 42, 0)
    assert r.store == "loaded"  # every graph changed: a new store, not a patch


def test_an_index_that_does_not_match_its_files_is_ignored(tmp_path: Path) -> None:
    inp = _messy_inputs(tmp_path / "in")
    out = tmp_path / "out"
    build([inp], out, progress=False)
    with open(out / "trials.nq", "ab") as fh:  # edited by hand since
        fh.write(b"<urn:x:s> <urn:x:p> <urn:x:o> <urn:x:g> .\n")
    r = build([inp], out, progress=False)
    assert r.mode == "full" and r.added == 42
    build([inp], tmp_path / "fresh", progress=False)
    _same_outputs(out, tmp_path / "fresh")


def test_a_failed_incremental_build_leaves_the_earlier_one(tmp_path: Path, monkeypatch) -> None:
    import kg.build as kb

    inp = _messy_inputs(tmp_path / "in")
    out = tmp_path / "out"
    build([inp], out, progress=False)
    before = {n: (out / n).read_bytes() for n in OUTPUTS}
    _page(inp / "page.json", {"NCT00009999": "9 years"})

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(kb, "_patch_store", broken)
    monkeypatch.setattr(kb, "_load_store", broken)
    with pytest.raises(OSError, match="disk full"):
        build([inp], out, progress=False, jobs=2)
    assert {n: (out / n).read_bytes() for n in OUTPUTS} == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_an_error_while_workers_run_stops_the_build_cleanly(tmp_path: Path, monkeypatch) -> None:
    """The reader waiting for room, workers busy: the error comes out, nothing hangs."""
    import kg.build as kb

    inp = _messy_inputs(tmp_path / "in")
    calls = []
    real = kb._Writer.write

    def failing(self, b):
        calls.append(b.key)
        if len(calls) == 5:
            raise RuntimeError("writer failed (simulated)")
        return real(self, b)

    monkeypatch.setattr(kb, "_CHUNK", 2)  # a small window, so the reader is held back
    monkeypatch.setattr(kb._Writer, "write", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        build([inp], tmp_path / "out", progress=False, jobs=2)
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_a_build_without_the_text_stage_is_never_reused_by_one_with_it(tmp_path: Path) -> None:
    inp = _messy_inputs(tmp_path / "in")
    out = tmp_path / "out"
    build([inp], out, progress=False, understand=False)
    r = build([inp], out, progress=False)
    assert (r.changed, r.unchanged) == (42, 0)
