"""Measure the outcome-field splitter against ground truth from ../shared/corpus.

Two sets, both from real ClinicalTrials.gov records:

* ``flat``: the seed flat text files ``flat/*.txt`` (line 5 primary outcomes, line 6
  secondary outcomes) against ``flat/truth.jsonl``;
* ``urology_csv``: the website CSV export ``urology_ed_paired/ctg-studies.csv``
  (primary, secondary and other outcome columns) against the API v2 JSON of the same
  studies in ``urology_ed_paired/json/``.

The truth is whitespace-folded before comparing, as the flat text and the CSV export
fold it. Outcomes are aligned by position within one field (one role of one study);
when the splitter finds a different number of outcomes than the truth has, every
outcome of that field counts as a miss. Every miss is listed.

Usage::

    python bench/outcome_split.py [--corpus ../shared/corpus] [--misses FILE] [--cv]

The shipped weights were fitted on these studies (and on other records of the shared
corpus), so the figures above are in-sample. ``--cv`` also refits the weights with
:func:`kg.text.outsplit.fit_weights` on one half of the studies of both sets and
measures the other half, both ways: an estimate for studies never seen (slow: a few
minutes).

Exit code 2 when the corpus folder (or one of the two sets) is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.text.outsplit import fit_weights, split_outcomes  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

Triple = tuple[str | None, str | None, str | None]
PARTS = ("measure", "description", "time_frame")
_WS = re.compile(r"\s+")


def fold(text: str | None) -> str | None:
    """Fold whitespace as the flat text and the CSV export do; empty -> None."""
    if text is None:
        return None
    out = _WS.sub(" ", text).strip()
    return out or None


@dataclass
class Field:
    """One outcome field (one role of one study) and its truth."""

    source: str  # file name or NCT id
    nct_id: str
    role: str
    text: str
    truth: list[Triple]


@dataclass
class Tally:
    """Counts for one set (or one half of it)."""

    outcomes: int = 0
    exact: int = 0
    parts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    count_mismatch_fields: int = 0


@dataclass
class Miss:
    """One wrong outcome (index set), or a whole field whose outcome count is wrong."""

    field: Field
    index: int | None  # None: the whole field (outcome-count mismatch)
    expected: list[Triple]
    got: list[Triple]


def flat_fields(corpus: Path) -> Iterator[Field]:
    """Fields of the flat set: lines 5 and 6 of each file against truth.jsonl."""
    folder = corpus / "flat"
    with open(folder / "truth.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            raw = (folder / rec["file"]).read_bytes().decode("utf-8-sig")
            lines = re.split(r"\r\n|\r|\n", raw)
            for index, role in ((4, "primary"), (5, "secondary")):
                truth = [
                    (fold(o["measure"]), fold(o["description"]), fold(o["time_frame"]))
                    for o in rec["outcomes"]
                    if o["role"] == role
                ]
                text = lines[index] if index < len(lines) else ""
                yield Field(rec["file"], rec["nct_id"], role, text, truth)


CSV_COLUMNS = (
    ("Primary Outcome Measures", "primaryOutcomes", "primary"),
    ("Secondary Outcome Measures", "secondaryOutcomes", "secondary"),
    ("Other Outcome Measures", "otherOutcomes", "other"),
)


def csv_fields(corpus: Path) -> Iterator[Field]:
    """Fields of the urology set: CSV export columns against the API v2 JSON."""
    folder = corpus / "urology_ed_paired"
    with open(folder / "ctg-studies.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            nct = row["NCT Number"]
            path = folder / "json" / f"{nct}.json"
            if not path.is_file():
                print(f"warning: {path} absent, {nct} left out", file=sys.stderr)
                continue
            with open(path, encoding="utf-8") as jf:
                study = json.load(jf)
            module = study.get("protocolSection", {}).get("outcomesModule", {})
            for column, key, role in CSV_COLUMNS:
                truth = [
                    (fold(o.get("measure")), fold(o.get("description")), fold(o.get("timeFrame")))
                    for o in module.get(key, [])
                ]
                yield Field(nct, nct, role, row.get(column) or "", truth)


def half(nct_id: str) -> str:
    """A fixed split of studies into halves A and B (the split used while fitting)."""
    return "AB"[zlib.crc32(nct_id.encode()) % 2]


def measure(
    fields: list[Field], weights: dict[str, float] | None = None
) -> tuple[dict[str, Tally], list[Miss], float]:
    """Split every field; tally per set ("all") and per half; list every miss."""
    tallies = {"all": Tally(), "A": Tally(), "B": Tally()}
    misses: list[Miss] = []
    seconds = 0.0
    for f in fields:
        start = time.perf_counter()
        got = split_outcomes(f.text, weights)
        seconds += time.perf_counter() - start
        for tally in (tallies["all"], tallies[half(f.nct_id)]):
            tally.outcomes += len(f.truth)
        if len(got) != len(f.truth):
            for tally in (tallies["all"], tallies[half(f.nct_id)]):
                tally.count_mismatch_fields += 1
            misses.append(Miss(f, None, f.truth, list(got)))
            continue
        for k, (want, have) in enumerate(zip(f.truth, got, strict=True)):
            for tally in (tallies["all"], tallies[half(f.nct_id)]):
                tally.exact += want == have
                for p, name in enumerate(PARTS):
                    tally.parts[name] += want[p] == have[p]
            if want != have:
                misses.append(Miss(f, k, [want], [have]))
    return tallies, misses, seconds


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.2f}%" if b else "n/a"


def report(name: str, tallies: dict[str, Tally], seconds: float, out) -> None:
    t = tallies["all"]
    print(f"== {name}", file=out)
    print(
        f"outcomes {t.outcomes}  exact {t.exact}  exact% {pct(t.exact, t.outcomes)}  "
        f"(fields with a wrong outcome count: {t.count_mismatch_fields})",
        file=out,
    )
    print(
        "per part: " + "  ".join(f"{p} {pct(t.parts[p], t.outcomes)}" for p in PARTS),
        file=out,
    )
    halves = "  ".join(
        f"half {h}: {tallies[h].exact}/{tallies[h].outcomes} {pct(tallies[h].exact, tallies[h].outcomes)}"
        for h in "AB"
    )
    print(halves, file=out)
    if t.outcomes:
        print(f"speed: {1e6 * seconds / t.outcomes:.0f} us per outcome", file=out)


def calibration() -> float:
    """Seconds this machine takes for a plain Python loop of 10 million additions, to
    compare the speed figures across machines."""
    start = time.perf_counter()
    total = 0
    for k in range(10_000_000):
        total += k
    return time.perf_counter() - start


def cross_validate(sets: list[tuple[str, list[Field]]], out) -> None:
    """Fit on half A of the studies, measure half B, and the other way round."""
    print("== 2-fold cross-validation by study (weights refitted, shipped ones unused)", file=out)
    seen: set[tuple[str, str]] = set()
    by_half: dict[str, list[list[Triple]]] = {"A": [], "B": []}
    for _, fields in sets:
        for f in fields:
            if f.truth and (f.nct_id, f.role) not in seen:
                seen.add((f.nct_id, f.role))
                by_half[half(f.nct_id)].append(list(f.truth))
    weights = {h: fit_weights(by_half["B" if h == "A" else "A"]) for h in "AB"}
    for name, fields in sets:
        exact = total = 0
        for h in "AB":
            held_out = [f for f in fields if half(f.nct_id) == h]
            tally = measure(held_out, weights[h])[0]["all"]
            exact += tally.exact
            total += tally.outcomes
            print(
                f"{name}: half {h} held out: {tally.exact}/{tally.outcomes} "
                f"{pct(tally.exact, tally.outcomes)}",
                file=out,
            )
        print(f"{name}: both halves held out: {exact}/{total} {pct(exact, total)}", file=out)


def show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_misses(name: str, misses: list[Miss], out) -> None:
    print(f"== misses: {name} ({len(misses)})", file=out)
    for m in misses:
        f = m.field
        if m.index is None:
            print(
                f"{f.source} {f.role}: {len(m.expected)} outcomes expected, {len(m.got)} got",
                file=out,
            )
            for k, triple in enumerate(m.expected):
                print(f"  expected[{k + 1}] {show(triple)}", file=out)
            for k, triple in enumerate(m.got):
                print(f"  got[{k + 1}]      {show(triple)}", file=out)
            continue
        print(f"{f.source} {f.role} #{m.index + 1}:", file=out)
        for p, part in enumerate(PARTS):
            want, have = m.expected[0][p], m.got[0][p]
            mark = "  " if want == have else "XX"
            print(f"  {mark} {part:11s} expected {show(want)}", file=out)
            if want != have:
                print(f"     {'':11s} got      {show(have)}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="shared corpus folder")
    parser.add_argument("--misses", type=Path, help="write the list of misses here, not stdout")
    parser.add_argument(
        "--cv", action="store_true", help="also refit on half the studies, measure the rest"
    )
    args = parser.parse_args(argv)
    corpus: Path = args.corpus
    needed = [
        corpus / "flat" / "truth.jsonl",
        corpus / "urology_ed_paired" / "ctg-studies.csv",
        corpus / "urology_ed_paired" / "json",
    ]
    absent = [p for p in needed if not p.exists()]
    if absent:
        print(
            f"error: corpus not found: {', '.join(str(p) for p in absent)} "
            f"(pass --corpus; default {DEFAULT_CORPUS})",
            file=sys.stderr,
        )
        return 2
    sets = [
        ("flat (seed flat text vs truth.jsonl)", list(flat_fields(corpus))),
        ("urology_csv (CSV export vs API v2 JSON)", list(csv_fields(corpus))),
    ]
    all_misses: list[tuple[str, list[Miss]]] = []
    for name, fields in sets:
        tallies, misses, seconds = measure(fields)
        report(name, tallies, seconds, sys.stdout)
        all_misses.append((name, misses))
    print(f"(calibration: a 10-million-step Python loop takes {calibration():.2f} s here)")
    if args.cv:
        cross_validate(sets, sys.stdout)
    if args.misses:
        with open(args.misses, "w", encoding="utf-8") as out:
            for name, misses in all_misses:
                write_misses(name, misses, out)
        print(f"misses written to {args.misses}")
    else:
        for name, misses in all_misses:
            write_misses(name, misses, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
