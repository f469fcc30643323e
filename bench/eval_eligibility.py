"""Measure the eligibility reader against hand-labelled criteria and the shared corpus.

Run from the project root::

    python bench/eval_eligibility.py            # figures and every miss
    python bench/eval_eligibility.py --quiet    # figures only
    python bench/eval_eligibility.py --big      # also time single 10 MB texts

The evaluation set is ``tests/data/eval/eligibility.jsonl``: real criteria lines from
``../shared/corpus`` (HINT CSV, legacy XML, API v2 JSON), each labelled by reading it,
before :mod:`kg.text.eligibility` was tuned, with the attributes it states (``{}`` when
it states none of them). Fields: ``nct_id``, ``source`` (corpus format), ``family`` (why
it was sampled), ``kind``, ``text`` and ``attributes``.

Figures, per attribute key (``min_age``, ``ecog_max``, ``biomarkers`` ...):

* precision: of the values the reader gave, the share equal to the label;
* recall: of the labelled values, the share the reader gave.

Numbers compare within 0.01; lists (``organ_function``, ``measurable_by``) as sets;
``biomarkers`` as the set of (marker, status) pairs, thresholds separately under
``biomarker_threshold``. A wrong value counts as a false positive and a miss.

With the corpus present it also splits every eligibility text of the corpus (API v2,
legacy XML, HINT CSV, classic API) and reports, per format, how many texts split and,
for API v2 texts with both headings, the share with at least one inclusion and one
exclusion criterion, plus the time per MB. ``--big`` times :func:`split_criteria` on
single 10 MB texts: the corpus texts joined into one, the same with every newline removed
(one giant "criterion"), and 10 MB of short bullet lines.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.text.eligibility import criterion_attributes, split_criteria  # noqa: E402

EVAL_FILE = ROOT / "tests" / "data" / "eval" / "eligibility.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus"


def load_eval(path: Path = EVAL_FILE) -> list[dict[str, Any]]:
    """The labelled criteria, one dict per line."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _facts(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes as comparable facts: key -> hashable value."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if key == "biomarkers":
            pairs = frozenset((b["marker"], b.get("status")) for b in value)
            out["biomarkers"] = pairs
            th = frozenset((b["marker"], b["threshold"]) for b in value if b.get("threshold"))
            if th:
                out["biomarker_threshold"] = th
        elif isinstance(value, list):
            out[key] = frozenset(value)
        elif isinstance(value, float):
            out[key] = round(value, 2)
        else:
            out[key] = value
    return out


def evaluate(rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run :func:`criterion_attributes` over the labelled rows; figures and misses."""
    rows = load_eval() if rows is None else rows
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    misses: list[str] = []
    for row in rows:
        got = _facts(criterion_attributes(row["text"], row["kind"]))
        want = _facts(row["attributes"])
        for key in sorted(set(got) | set(want)):
            g, w = got.get(key), want.get(key)
            if g is not None and w is not None and g == w:
                tp[key] += 1
                continue
            if g is not None:
                fp[key] += 1
            if w is not None:
                fn[key] += 1
            misses.append(
                f"{key}: got {_show(g)} want {_show(w)} | {row['kind']} | {row['text'][:140]}"
            )
    keys = sorted(set(tp) | set(fp) | set(fn))
    per_key = {
        k: {
            "labelled": tp[k] + fn[k],
            "precision": _ratio(tp[k], tp[k] + fp[k]),
            "recall": _ratio(tp[k], tp[k] + fn[k]),
        }
        for k in keys
    }
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {
        "rows": len(rows),
        "per_key": per_key,
        "precision": _ratio(total_tp, total_tp + total_fp),
        "recall": _ratio(total_tp, total_tp + total_fn),
        "misses": misses,
    }


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _show(v: Any) -> str:
    if isinstance(v, frozenset):
        return "{" + ", ".join(sorted(map(str, v))) + "}"
    return "-" if v is None else str(v)


# ------------------------------------------------------------------ corpus


def corpus_texts(corpus: Path = CORPUS) -> Iterator[tuple[str, str, str]]:
    """(format, id, eligibility text) for every eligibility text of the shared corpus."""
    csv.field_size_limit(1 << 30)
    v2_files = [corpus / "nsclcbench" / "ctg-studies.json"]
    v2_files += sorted((corpus / "urology_ed_paired" / "json").glob("*.json"))
    v2_files += sorted((corpus / "aact_fixtures" / "v2").glob("*.json"))
    for path in v2_files:
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for study in data if isinstance(data, list) else [data]:
            ps = study.get("protocolSection", {})
            text = ps.get("eligibilityModule", {}).get("eligibilityCriteria")
            ident = ps.get("identificationModule", {}).get("nctId", path.stem)
            if text:
                yield "ctgov-json", ident, text
    xml_files = sorted((corpus / "aact_fixtures" / "xml").glob("*.xml"))
    xml_files += sorted((corpus / "hint_top").glob("*.xml"))
    for path in xml_files:
        node = ElementTree.parse(path).getroot().find("eligibility/criteria/textblock")
        if node is not None and node.text:
            yield "ctgov-xml", path.stem, node.text
    for path in sorted((corpus / "hint_top").glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("criteria"):
                    yield "hint-csv", row.get("nctid", ""), row["criteria"]
    for path in sorted((corpus / "aact_fixtures" / "v1classic").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for full in data.get("FullStudiesResponse", {}).get("FullStudies", []):
            ps = full.get("Study", {}).get("ProtocolSection", {})
            text = ps.get("EligibilityModule", {}).get("EligibilityCriteria")
            ident = ps.get("IdentificationModule", {}).get("NCTId", path.stem)
            if text:
                yield "ctgov-classic-json", ident, text


def has_both_headings(text: str) -> bool:
    """The text names both an inclusion and an exclusion heading."""
    low = text.lower()
    return "inclusion criteria" in low and "exclusion criteria" in low


def corpus_coverage(corpus: Path = CORPUS) -> dict[str, Any]:
    """Split every corpus text; counts per format, both-kinds share, time per MB."""
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    failures: list[str] = []
    one_kind: list[str] = []
    size = 0
    start = time.perf_counter()
    for fmt, ident, text in corpus_texts(corpus):
        c = stats[fmt]
        c["texts"] += 1
        size += len(text.encode("utf-8"))
        try:
            crits = split_criteria(text)
        except Exception as exc:  # noqa: BLE001 - counted and shown
            c["raised"] += 1
            failures.append(f"{fmt} {ident}: {exc!r}")
            continue
        c["criteria"] += len(crits)
        c["with_attributes"] += sum(1 for x in crits if x.attributes)
        kinds = {x.kind for x in crits}
        if crits:
            c["split"] += 1
        if has_both_headings(text):
            c["both_headings"] += 1
            if kinds == {"inclusion", "exclusion"}:
                c["both_kinds"] += 1
            else:
                one_kind.append(f"{fmt} {ident}")
    seconds = time.perf_counter() - start
    return {
        "formats": {k: dict(v) for k, v in sorted(stats.items())},
        "failures": failures,
        "one_kind": one_kind,
        "megabytes": size / 1e6,
        "seconds": seconds,
    }


def big_texts(corpus: Path = CORPUS, size: int = 10_000_000) -> dict[str, str]:
    """Single texts of ``size`` characters for the timing run."""
    parts: list[str] = []
    total = 0
    for _, _, text in corpus_texts(corpus):
        parts.append(text)
        total += len(text) + 1
        if total >= size:
            break
    joined = "\n".join(parts)
    while len(joined) < size:
        joined += "\n" + joined
    joined = joined[:size]
    bullets = ("Inclusion Criteria:\n\n" + "* Age >= 18 years; ECOG 0-1\n" * (size // 28))[:size]
    return {
        "corpus texts joined": joined,
        "one line, no newlines": " ".join(joined.split()),
        "short bullet lines": bullets,
    }


def time_big(corpus: Path = CORPUS) -> list[tuple[str, float, int, float]]:
    """(name, MB, criteria, seconds) for each big text."""
    out = []
    for name, text in big_texts(corpus).items():
        start = time.perf_counter()
        n = len(split_criteria(text))
        out.append((name, len(text) / 1e6, n, time.perf_counter() - start))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    parser.add_argument("--big", action="store_true", help="also time single 10 MB texts")
    args = parser.parse_args(argv)
    res = evaluate()
    print(f"eligibility attributes: {res['rows']} labelled criteria ({EVAL_FILE.name})")
    print(f"  {'attribute':<26} {'labelled':>8} {'precision':>9} {'recall':>7}")
    for key, f in res["per_key"].items():
        print(f"  {key:<26} {f['labelled']:>8} {f['precision']:>9.3f} {f['recall']:>7.3f}")
    print(f"  {'all':<26} {'':>8} {res['precision']:>9.3f} {res['recall']:>7.3f}")
    if not args.quiet and res["misses"]:
        print("misses:")
        for m in res["misses"]:
            print("  " + m)
    if CORPUS.is_dir():
        cov = corpus_coverage()
        print(
            f"corpus: {cov['megabytes']:.1f} MB split in {cov['seconds']:.1f} s "
            f"({cov['seconds'] / max(cov['megabytes'], 1e-9):.2f} s/MB)"
        )
        for fmt, c in cov["formats"].items():
            both = c.get("both_headings", 0)
            share = c.get("both_kinds", 0) / both if both else 1.0
            print(
                f"  {fmt:<20} texts {c['texts']:>5}  split {c.get('split', 0):>5}  "
                f"raised {c.get('raised', 0)}  criteria {c.get('criteria', 0):>6}  "
                f"with attributes {c.get('with_attributes', 0):>6}  "
                f"both headings {both:>5} -> both kinds {share:.3f}"
            )
        if not args.quiet:
            for line in cov["failures"] + [f"one kind only: {x}" for x in cov["one_kind"]]:
                print("  " + line)
        if args.big:
            for name, mb, n, seconds in time_big():
                print(
                    f"  one {mb:.1f} MB text ({name}): {n} criteria in {seconds:.1f} s "
                    f"({seconds / mb:.2f} s/MB)"
                )
    else:
        print(f"corpus: not found at {CORPUS}, skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
