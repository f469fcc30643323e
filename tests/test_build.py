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
