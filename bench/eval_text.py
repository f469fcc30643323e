"""Measure the text matchers against the hand-labelled evaluation set, and the time-frame
parser against every API v2 time frame of the shared corpus.

Run from the project root::

    python bench/eval_text.py            # figures and every miss
    python bench/eval_text.py --quiet    # figures only

The evaluation set is ``tests/data/eval/outcomes.jsonl``: real outcomes (oncology from
``nsclcbench`` and the two seeds, non-oncology from ``urology_ed_paired``), each labelled
by reading it, before the matchers were tuned. Fields: ``endpoint`` (code or null),
``criteria`` (notations named in measure, description or time frame), ``horizon_days``
(null when the frame states no horizon) and ``efficacy_or_safety``.

Figures:

* endpoint precision: of the outcomes the matcher typed, the share typed as labelled
  (oncology, non-oncology, all);
* endpoint coverage: of the oncology efficacy/safety outcomes, the share typed as
  labelled (an unlabelled or missed one counts against it);
* criteria recall: of the labelled notations, the share found (and the precision of
  what was found);
* horizon: of the frames that state one, the share parsed, and the share within 1 day;
* corpus: every time frame in the API v2 JSON files of ``../shared/corpus``, parsed vs
  flagged unparsed, with the most frequent unparsed ones.

The same :func:`evaluate` backs ``tests/test_endpoints.py`` and friends, which assert
the targets (endpoint precision >= 0.97 and coverage >= 0.90, horizon parsed >= 0.95).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.text.criteria import find_criteria  # noqa: E402
from kg.text.endpoints import classify_endpoint  # noqa: E402
from kg.text.timeframe import parse_time_frame  # noqa: E402

EVAL_FILE = ROOT / "tests" / "data" / "eval" / "outcomes.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus"
TARGETS = {"endpoint_precision": 0.97, "endpoint_coverage": 0.90, "horizon_parsed": 0.95}


def load_eval(path: Path = EVAL_FILE) -> list[dict[str, Any]]:
    """The labelled outcomes, one dict per line."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _criteria_of(row: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for text in (row.get("measure"), row.get("description"), row.get("time_frame")):
        for c in find_criteria(text or ""):
            if c.notation not in seen:
                seen.append(c.notation)
    return seen


def evaluate(rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run the matchers over the evaluation set; return figures and misses."""
    rows = load_eval() if rows is None else rows
    ep_pred = {"oncology": [0, 0], "non-oncology": [0, 0]}  # [typed, correct]
    cov = [0, 0]  # [efficacy/safety oncology outcomes, correctly typed]
    crit = [0, 0, 0, 0]  # [labelled, found of labelled, found, found and labelled]
    hz = [0, 0, 0, 0]  # [stating, parsed, within 1 day, spurious on non-stating]
    misses: dict[str, list[str]] = {"endpoint": [], "coverage": [], "criteria": [], "horizon": []}
    for row in rows:
        rid = f"{row.get('nct_id') or row.get('source')} {row.get('position')}"
        match = classify_endpoint(row.get("measure"), row.get("description"))
        got = match.code if match else None
        want = row.get("endpoint")
        group = "oncology" if row.get("oncology") else "non-oncology"
        if got is not None:
            ep_pred[group][0] += 1
            if got == want:
                ep_pred[group][1] += 1
            else:
                misses["endpoint"].append(
                    f"{rid}: got {got} want {want} | {row.get('measure')!r}"
                    f" [{match.source}: {match.evidence!r}]"
                )
        if row.get("oncology") and row.get("efficacy_or_safety"):
            cov[0] += 1
            if got is not None and got == want:
                cov[1] += 1
            elif got is None:
                misses["coverage"].append(f"{rid}: untyped, want {want} | {row.get('measure')!r}")
        labelled = row.get("criteria") or []
        found = _criteria_of(row)
        crit[0] += len(labelled)
        crit[1] += sum(1 for c in labelled if c in found)
        crit[2] += len(found)
        crit[3] += sum(1 for c in found if c in labelled)
        if set(labelled) != set(found):
            misses["criteria"].append(f"{rid}: got {found} want {labelled}")
        want_h = row.get("horizon_days")
        tf = parse_time_frame(row.get("time_frame") or "")
        if want_h is not None:
            hz[0] += 1
            if tf.horizon_days is not None:
                hz[1] += 1
                if abs(tf.horizon_days - want_h) <= 1.0:
                    hz[2] += 1
                else:
                    misses["horizon"].append(
                        f"{rid}: got {tf.horizon_days} want {want_h} | {row.get('time_frame')!r}"
                    )
            else:
                misses["horizon"].append(
                    f"{rid}: unparsed, want {want_h} | {row.get('time_frame')!r}"
                )
        elif tf.horizon_days is not None:
            hz[3] += 1
            misses["horizon"].append(
                f"{rid}: got {tf.horizon_days}, frame states none | {row.get('time_frame')!r}"
            )
    all_typed = ep_pred["oncology"][0] + ep_pred["non-oncology"][0]
    all_correct = ep_pred["oncology"][1] + ep_pred["non-oncology"][1]
    return {
        "rows": len(rows),
        "oncology_rows": sum(1 for r in rows if r.get("oncology")),
        "endpoint_precision": _ratio(all_correct, all_typed),
        "endpoint_precision_oncology": _ratio(ep_pred["oncology"][1], ep_pred["oncology"][0]),
        "endpoint_precision_non_oncology": _ratio(
            ep_pred["non-oncology"][1], ep_pred["non-oncology"][0]
        ),
        "endpoint_typed": all_typed,
        "endpoint_coverage": _ratio(cov[1], cov[0]),
        "efficacy_safety_oncology": cov[0],
        "criteria_recall": _ratio(crit[1], crit[0]),
        "criteria_precision": _ratio(crit[3], crit[2]),
        "criteria_labelled": crit[0],
        "horizon_stating": hz[0],
        "horizon_parsed": _ratio(hz[1], hz[0]),
        "horizon_within_1_day": _ratio(hz[2], hz[0]),
        "horizon_spurious": hz[3],
        "misses": misses,
    }


def corpus_time_frames(corpus: Path = CORPUS) -> Iterator[str]:
    """Every outcome time frame in the API v2 JSON files of the corpus."""
    files = sorted(corpus.rglob("*.json")) if corpus.is_dir() else []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        studies = data.get("studies", [data]) if isinstance(data, dict) else data
        for study in studies if isinstance(studies, list) else []:
            if not isinstance(study, dict) or "protocolSection" not in study:
                continue  # not API v2 (the retired classic API, for instance)
            om = study["protocolSection"].get("outcomesModule", {})
            for key in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
                for o in om.get(key, []):
                    if o.get("timeFrame"):
                        yield " ".join(str(o["timeFrame"]).split())


def corpus_figures(corpus: Path = CORPUS, top: int = 25) -> dict[str, Any]:
    """Share of corpus time frames parsed, with a horizon, and the commonest unparsed."""
    total = parsed = horizon = 0
    unparsed: Counter[str] = Counter()
    for text in corpus_time_frames(corpus):
        total += 1
        tf = parse_time_frame(text)
        if tf.unparsed:
            unparsed[text] += 1
        else:
            parsed += 1
        if tf.horizon_days is not None:
            horizon += 1
    return {
        "time_frames": total,
        "parsed": _ratio(parsed, total),
        "with_horizon": _ratio(horizon, total),
        "unparsed": total - parsed,
        "top_unparsed": unparsed.most_common(top),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the figures (and, unless --quiet, every miss); exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args(argv)
    r = evaluate()
    print(f"evaluation set: {r['rows']} outcomes ({r['oncology_rows']} oncology)")
    print(
        f"endpoint type  precision {r['endpoint_precision']:.3f} over {r['endpoint_typed']} typed"
        f" (oncology {r['endpoint_precision_oncology']:.3f},"
        f" non-oncology {r['endpoint_precision_non_oncology']:.3f});"
        f" target >= {TARGETS['endpoint_precision']}"
    )
    print(
        f"               coverage {r['endpoint_coverage']:.3f} of {r['efficacy_safety_oncology']}"
        f" oncology efficacy/safety outcomes; target >= {TARGETS['endpoint_coverage']}"
    )
    print(
        f"criteria       recall {r['criteria_recall']:.3f} of {r['criteria_labelled']} named,"
        f" precision {r['criteria_precision']:.3f}"
    )
    print(
        f"horizon        parsed {r['horizon_parsed']:.3f} of {r['horizon_stating']} frames that"
        f" state one, within 1 day {r['horizon_within_1_day']:.3f};"
        f" {r['horizon_spurious']} spurious; target parsed >= {TARGETS['horizon_parsed']}"
    )
    c = corpus_figures()
    if c["time_frames"]:
        print(
            f"corpus         {c['time_frames']} API v2 time frames: parsed {c['parsed']:.3f},"
            f" with a horizon {c['with_horizon']:.3f}, flagged unparsed {c['unparsed']}"
        )
        print("  most frequent unparsed:")
        for text, n in c["top_unparsed"]:
            print(f"    {n:4d}  {text[:100]!r}")
    else:
        print(f"corpus         not found at {CORPUS}")
    if not args.quiet:
        for kind, items in r["misses"].items():
            print(f"\n{kind} misses ({len(items)}):")
            for item in items:
                print("  " + item)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
