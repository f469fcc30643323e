"""``bench/make_corpus.py``: synthetic API v2 /studies pages recombined from the real corpus."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import CORPUS, needs_corpus

from kg.build import build
from kg.rdf import normalize_title

ROOT = Path(__file__).resolve().parents[1]


def load_make_corpus() -> ModuleType:
    """bench/make_corpus.py as a module (bench/ is not a package)."""
    name = "make_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "make_corpus.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


mc = load_make_corpus()


def pages_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("studies-*.json"))


def read_pages(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in pages_of(folder)]


def all_studies(folder: Path) -> list[dict[str, Any]]:
    return [s for page in read_pages(folder) for s in page["studies"]]


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def corpus2500(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mc") / "c2500"
    mc.generate(2500, out, seed=7, corpus=CORPUS, quiet=True)
    return out


@pytest.fixture(scope="module")
def pages2500(corpus2500: Path) -> list[dict[str, Any]]:
    """The decoded pages of ``corpus2500``, read once."""
    return read_pages(corpus2500)


@needs_corpus
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        mc.generate(1200, tmp_path / name, seed=seed, corpus=CORPUS, quiet=True)
    a, b, c = (folder_bytes(tmp_path / n) for n in "abc")
    assert list(a) == ["studies-00001.json", "studies-00002.json"]
    assert a == b
    assert a.keys() == c.keys() and a != c


@needs_corpus
def test_page_sizes_and_tokens(corpus2500: Path, pages2500: list[dict[str, Any]]) -> None:
    names = [p.name for p in pages_of(corpus2500)]
    assert names == ["studies-00001.json", "studies-00002.json", "studies-00003.json"]
    pages = pages2500
    assert [len(p["studies"]) for p in pages] == [1000, 1000, 500]
    for page in pages[:-1]:
        assert list(page) == ["studies", "nextPageToken"]
        assert isinstance(page["nextPageToken"], str) and page["nextPageToken"]
    assert list(pages[-1]) == ["studies"]
    assert len({p["nextPageToken"] for p in pages[:-1]}) == 2
    # Compact JSON, as the API writes it; the reader's sniffer needs protocolSection up front.
    head = pages_of(corpus2500)[0].read_bytes()[:64]
    assert head.startswith(b'{"studies":[{"protocolSection":{"identificationModule":')


@needs_corpus
def test_ids_and_titles_unique(pages2500: list[dict[str, Any]]) -> None:
    studies = [s for page in pages2500 for s in page["studies"]]
    idents = [s["protocolSection"]["identificationModule"] for s in studies]
    ids = [i["nctId"] for i in idents]
    assert ids == [f"NCT9{k:07d}" for k in range(1, 2501)]
    titles = [i["briefTitle"] for i in idents]
    assert len(set(titles)) == len(titles)
    assert len({normalize_title(t) for t in titles}) == len(titles)
    for k, ident in enumerate(idents, 1):
        assert ident["briefTitle"].endswith(f" (synthetic {k})")
        if "officialTitle" in ident:
            assert ident["officialTitle"].endswith(f" (synthetic {k})")


@needs_corpus
def test_modules_are_real_and_recombined(pages2500: list[dict[str, Any]]) -> None:
    pool = mc.load_pool(CORPUS)
    real: dict[str, set[str]] = {key: set() for key in mc.SWAPPED}
    for e in pool.studies:
        for key in mc.SWAPPED:
            if key in e.ps:
                real[key].add(mc.dumps(e.ps[key]))
    studies = [s for page in pages2500 for s in page["studies"]]
    for s in studies:
        ps = s["protocolSection"]
        for key in mc.SWAPPED:
            if key in ps:
                assert mc.dumps(ps[key]) in real[key], key  # whole real modules, never invented
        arms = ps.get("armsInterventionsModule") or {}
        labels = {g.get("label") for g in arms.get("armGroups") or []}
        for iv in arms.get("interventions") or []:
            assert set(iv.get("armGroupLabels") or []) <= labels or not labels
        if s["hasResults"] is False:
            assert "resultsSection" not in s
            assert not any(k in ps["statusModule"] for k in mc.RESULT_DATES)
    # Recombination happened: far more distinct (outcomes, arms) pairs than real studies.
    pairs = {
        (
            mc.dumps(s["protocolSection"].get("outcomesModule")),
            mc.dumps(s["protocolSection"].get("armsInterventionsModule")),
        )
        for s in studies
    }
    assert len(pairs) > len(pool.studies) * 2
    # A few are exact copies (apart from id and title), results and all.
    exact = sum(s["hasResults"] is True and "resultsSection" in s for s in studies)
    assert 0 < exact < len(studies) * 0.05


@needs_corpus
def test_every_study_is_read_and_built(tmp_path: Path) -> None:
    mc.generate(300, tmp_path / "c300", seed=1, corpus=CORPUS, quiet=True)
    report = build([tmp_path / "c300"], tmp_path / "kg", progress=False)
    assert report.read == report.built == 300, report.first_rejections[:3]
    assert report.rejected == 0
    assert report.by_format == {"ctgov-json": 300}


@needs_corpus
def test_changed_from_changes_exactly_round_f_n(
    corpus2500: Path, pages2500: list[dict[str, Any]], tmp_path: Path
) -> None:
    counts = mc.change(corpus2500, tmp_path / "ch", 0.01, seed=5, corpus=CORPUS, quiet=True)
    assert counts["studies"] == 2500 and counts["changed"] == round(0.01 * 2500) == 25
    assert counts["briefSummary"] + counts["timeFrame"] == 25
    src_pages, new_pages = pages2500, read_pages(tmp_path / "ch")
    before = [s for page in src_pages for s in page["studies"]]
    after = [s for page in new_pages for s in page["studies"]]
    assert [s["protocolSection"]["identificationModule"] for s in before] == [
        s["protocolSection"]["identificationModule"] for s in after
    ]
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert len(changed) == 25
    for b, a in changed:
        bp, ap = b["protocolSection"], a["protocolSection"]
        summary = bp["descriptionModule"].get("briefSummary") != ap["descriptionModule"].get(
            "briefSummary"
        )
        frames = bp.get("outcomesModule") != ap.get("outcomesModule")
        assert summary != frames  # exactly one kind of change
        old, new = bp["statusModule"], ap["statusModule"]
        assert new["lastUpdatePostDateStruct"]["date"] > old["lastUpdatePostDateStruct"]["date"]
    # Page structure and tokens are kept; the same seed gives the same bytes.
    assert [len(p["studies"]) for p in new_pages] == [1000, 1000, 500]
    assert [p.get("nextPageToken") for p in src_pages] == [
        p.get("nextPageToken") for p in new_pages
    ]
    mc.change(corpus2500, tmp_path / "ch2", 0.01, seed=5, corpus=CORPUS, quiet=True)
    assert folder_bytes(tmp_path / "ch") == folder_bytes(tmp_path / "ch2")


@needs_corpus
def test_changed_from_zero_fraction_is_a_byte_copy(corpus2500: Path, tmp_path: Path) -> None:
    counts = mc.change(corpus2500, tmp_path / "same", 0.0, corpus=CORPUS, quiet=True)
    assert counts["changed"] == 0
    assert folder_bytes(tmp_path / "same") == folder_bytes(corpus2500)
    # Re-serializing a page gives its bytes back: unchanged studies stay byte-identical.
    page = pages_of(corpus2500)[0]
    doc = json.loads(page.read_text(encoding="utf-8"))
    mc.write_page(tmp_path / page.name, doc["studies"], doc["nextPageToken"])
    assert (tmp_path / page.name).read_bytes() == page.read_bytes()


@needs_corpus
def test_rerun_replaces_old_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c"
    assert mc.main(["--n", "1500", "--out", str(out), "--corpus", str(CORPUS)]) == 0
    assert mc.main(["--n", "20", "--out", str(out), "--corpus", str(CORPUS)]) == 0
    assert [p.name for p in pages_of(out)] == ["studies-00001.json"]
    assert len(all_studies(out)) == 20
    captured = capsys.readouterr()
    assert "wrote 20 studies in 1 pages" in captured.out
    assert "generating: 20/20 studies" in captured.err


def test_missing_corpus_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-corpus"
    assert mc.main(["--n", "5", "--out", str(tmp_path / "o"), "--corpus", str(missing)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"error: .*no-corpus: no such folder", err)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--n", "0"],
        ["--n", "ten"],
        ["--n", "5", "--change-fraction", "0.1"],
        ["--changed-from", "x", "--n", "5"],
        ["--changed-from", "x", "--change-fraction", "1.5"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        mc.main([*argv, "--out", str(tmp_path / "o")])
    assert exc.value.code == 2


def test_changed_from_missing_folder_exits_2(tmp_path: Path) -> None:
    rc = mc.main(["--changed-from", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert rc == 2


def test_changed_from_foreign_pages_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "studies-00001.json").write_text('{\n  "studies": []\n}\n', encoding="utf-8")
    assert mc.main(["--changed-from", str(src), "--out", str(tmp_path / "o")]) == 2
    assert "not a page written by make_corpus.py" in capsys.readouterr().err
    (src / "studies-00003.json").write_text('{"studies":[]}', encoding="utf-8")
    assert mc.main(["--changed-from", str(src), "--out", str(tmp_path / "o")]) == 2
    assert "not numbered" in capsys.readouterr().err
