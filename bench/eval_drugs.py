"""Score kg.text.drugs.resolve_intervention against the hand-labelled evaluation set.

Run from the project root::

    python bench/eval_drugs.py            # summary and every miss
    python bench/eval_drugs.py --quiet    # summary only

The set (tests/data/eval/interventions.jsonl) holds real intervention names from
../shared/corpus, each labelled by reading it: ``agents`` (drug ids), ``classes``
(class ids for generic mentions) and ``oov`` (agents it names that the vocabulary
does not hold). Precision counts every agent the resolver returns; coverage
(recall) counts the labelled agents it finds. The PD-1/PD-L1 check compares, item by
item, the PD-1/PD-L1 classes implied by the label with those implied by the output,
and must be 100%. Exits 1 when that check fails or overall precision is below 95%.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.text.drugs import class_closure, load_lexicon, resolve_intervention  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval" / "interventions.jsonl"
PD_CLASSES = frozenset({"pd1-inhibitor", "pdl1-inhibitor", "pd1-pdl1-inhibitor"})


def pd_classes(drugs: list[str], classes: list[str]) -> set[str]:
    """The PD-1/PD-L1 classes that a set of drugs and generic classes implies."""
    lex = load_lexicon()
    out: set[str] = set()
    for d in drugs:
        term = lex.drugs.get(d)
        for c in term.classes if term else ():
            out.update(class_closure(c))
    for c in classes:
        out.update(class_closure(c))
    return out & PD_CLASSES


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def evaluate(path: Path = EVAL) -> dict:
    """Resolve every item and count hits and misses; returns a summary dict."""
    items = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    counts = {"drug": Counter(), "class": Counter()}
    misses: list[dict] = []
    pd_items = pd_ok = 0
    pd_fail: list[dict] = []
    missed_ids: Counter = Counter()
    spurious_ids: Counter = Counter()
    oov = 0
    for it in items:
        agents = resolve_intervention(it["name"])
        got_d = {a.id for a in agents if a.kind == "drug" and a.id}
        got_c = {(a.id or "").removeprefix("class:") for a in agents if a.kind == "class"}
        want_d, want_c = set(it["agents"]), set(it["classes"])
        oov += len(it.get("oov", []))
        for kind, got, want in (("drug", got_d, want_d), ("class", got_c, want_c)):
            counts[kind]["tp"] += len(got & want)
            counts[kind]["fp"] += len(got - want)
            counts[kind]["fn"] += len(want - got)
            missed_ids.update(want - got)
            spurious_ids.update(got - want)
        if got_d != want_d or got_c != want_c:
            misses.append(
                {
                    "name": it["name"],
                    "nct_id": it.get("nct_id"),
                    "missing": sorted((want_d - got_d) | {"class:" + c for c in want_c - got_c}),
                    "spurious": sorted((got_d - want_d) | {"class:" + c for c in got_c - want_c}),
                }
            )
        want_pd = pd_classes(sorted(want_d), sorted(want_c))
        got_pd = pd_classes(sorted(got_d), sorted(got_c))
        if want_pd or got_pd:
            pd_items += 1
            if want_pd == got_pd:
                pd_ok += 1
            else:
                pd_fail.append({"name": it["name"], "want": sorted(want_pd), "got": sorted(got_pd)})
    total = counts["drug"] + counts["class"]
    summary = {
        "items": len(items),
        "oov_agents": oov,
        "misses": misses,
        "pd_items": pd_items,
        "pd_ok": pd_ok,
        "pd_fail": pd_fail,
        "missed_ids": missed_ids,
        "spurious_ids": spurious_ids,
    }
    for name, c in (("drug", counts["drug"]), ("class", counts["class"]), ("all", total)):
        p, r = _prf(c["tp"], c["fp"], c["fn"])
        summary[name] = {"tp": c["tp"], "fp": c["fp"], "fn": c["fn"], "precision": p, "recall": r}
    named = total["tp"] + total["fn"] + oov
    summary["coverage_of_named"] = total["tp"] / named if named else 1.0
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quiet", action="store_true", help="print the summary only")
    ap.add_argument("--eval", type=Path, default=EVAL, help="evaluation set (JSON Lines)")
    args = ap.parse_args(argv)
    s = evaluate(args.eval)
    print(
        f"evaluation set: {args.eval.relative_to(ROOT) if args.eval.is_relative_to(ROOT) else args.eval}"
        f" ({s['items']} intervention names)"
    )
    for name in ("drug", "class", "all"):
        m = s[name]
        print(
            f"  {name:5s}  precision {m['precision']:.3f}  coverage {m['recall']:.3f}"
            f"  (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})"
        )
    print(
        f"  named agents outside the vocabulary (oov): {s['oov_agents']};"
        f" coverage of all named agents {s['coverage_of_named']:.3f}"
    )
    pd_rate = s["pd_ok"] / s["pd_items"] if s["pd_items"] else 1.0
    print(f"  PD-1/PD-L1 class assignment: {s['pd_ok']}/{s['pd_items']} items ({pd_rate:.1%})")
    if not args.quiet:
        for f in s["pd_fail"]:
            print(f"  PD-1/PD-L1 FAIL  {f['name']!r}: want {f['want']} got {f['got']}")
        print(f"\nmisses ({len(s['misses'])} items):")
        for m in s["misses"]:
            print(f"  {m['nct_id'] or '-':12s} {m['name']!r}")
            if m["missing"]:
                print(f"      missing:  {', '.join(m['missing'])}")
            if m["spurious"]:
                print(f"      spurious: {', '.join(m['spurious'])}")
        if s["missed_ids"]:
            print(
                "\nmost missed ids: "
                + ", ".join(f"{k} ({v})" for k, v in s["missed_ids"].most_common(15))
            )
        if s["spurious_ids"]:
            print(
                "most spurious ids: "
                + ", ".join(f"{k} ({v})" for k, v in s["spurious_ids"].most_common(15))
            )
    ok = pd_rate == 1.0 and s["all"]["precision"] >= 0.95
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
