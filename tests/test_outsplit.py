"""The splitter of flat/CSV outcome fields: seeds exactly, edge cases, never raising,
and the exact-rate on the real corpus (flat text and CSV export against the JSON)."""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.text.outsplit import split_outcome, split_outcomes

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SEEDS = CORPUS / "seeds"

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"the shared corpus is not at {CORPUS}: real-data tests need ../shared/corpus",
)


def _lines(path: Path) -> list[str]:
    """Lines of a seed file, which may or may not end with a newline."""
    return re.split(r"\r\n|\r|\n", path.read_text(encoding="utf-8-sig"))


# --- the two seed examples -------------------------------------------------------------


def test_seed_example_orr() -> None:
    text = (
        "Overall response rate (ORR), CT/MRI will be performed every 2 cycles of treatment "
        "by RECIST 1.1(each cycle is 21 days)), From date of first dose until the date of "
        "first documented progression or date of death from any cause, whichever came "
        "first, assessed up to 24 months"
    )
    assert split_outcomes(text) == [
        (
            "Overall response rate (ORR)",
            "CT/MRI will be performed every 2 cycles of treatment by RECIST 1.1(each cycle is "
            "21 days))",
            "From date of first dose until the date of first documented progression or date "
            "of death from any cause, whichever came first, assessed up to 24 months",
        )
    ]


def test_seed_example_dor() -> None:
    text = (
        "Duration of response (DOR), Duration of Response by irRC and RECIST 1.1, baseline, "
        "every 8 weeks up to 1 year after last patient first treatment"
    )
    assert split_outcomes(text) == [
        (
            "Duration of response (DOR)",
            "Duration of Response by irRC and RECIST 1.1",
            "baseline, every 8 weeks up to 1 year after last patient first treatment",
        )
    ]


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed files not found at {SEEDS}")
def test_seed_files() -> None:
    first = _lines(SEEDS / "000_0aa6b4086763b789.txt")
    secondary = split_outcomes(first[5])
    assert len(secondary) == 8
    assert secondary[0] == (
        "Duration of response (DOR)",
        "Duration of Response by irRC and RECIST 1.1",
        "baseline, every 8 weeks up to 1 year after last patient first treatment",
    )
    assert secondary[5] == (
        "Biochemical response",
        "Changes from baseline in chromogranin-A",
        "baseline, 6th week, 16th week",
    )
    second = _lines(SEEDS / "002_57a4d02a542f94ef.txt")
    primary = split_outcomes(second[4])
    assert len(primary) == 1
    assert primary[0][0] == "Objective Response Rate(ORR)"
    assert primary[0][2] == "up to 2 years"
    secondary = split_outcomes(second[5])
    assert len(secondary) == 4
    assert [o[0] for o in secondary] == [
        "Progression Free Survival(PFS)",
        "Overall Survival(OS)",
        "Disease Control Rate(DCR)",
        "Duration of Response(DoR)",
    ]
    assert all(o[2] == "up to 2 years" for o in secondary)
    assert secondary[0][1] == (
        "Progression-free survival was defined as the duration of time from study entry to "
        "time of progression, death, or the date of last contact, whichever occurs first."
    )


# --- hand-made edge cases --------------------------------------------------------------


def test_empty_input() -> None:
    assert split_outcomes(None) == []
    assert split_outcomes("") == []
    assert split_outcomes(" \n\t ") == []
    assert split_outcome("   ") is None


def test_measure_only() -> None:
    assert split_outcomes("Overall survival") == [("Overall survival", None, None)]


def test_measure_and_time_frame() -> None:
    assert split_outcomes("Overall survival, up to 2 years") == [
        ("Overall survival", None, "up to 2 years")
    ]
    assert split_outcomes("Erectile function (IIEF-5), Week 12") == [
        ("Erectile function (IIEF-5)", None, "Week 12")
    ]


def test_description_with_commas() -> None:
    text = (
        "Progression-free survival (PFS), PFS is the time from randomisation to progression, "
        "death, or last contact, whichever occurs first., up to 3 years"
    )
    assert split_outcomes(text) == [
        (
            "Progression-free survival (PFS)",
            "PFS is the time from randomisation to progression, death, or last contact, "
            "whichever occurs first.",
            "up to 3 years",
        )
    ]


def test_time_frame_with_commas() -> None:
    text = (
        "Change in IIEF-5 score, The IIEF-5 has five items, each scored from 1 to 5., "
        "Baseline, week 4, week 12"
    )
    assert split_outcomes(text) == [
        (
            "Change in IIEF-5 score",
            "The IIEF-5 has five items, each scored from 1 to 5.",
            "Baseline, week 4, week 12",
        )
    ]
    text = "Plasma concentration of drug X, Pre-dose, 0.5, 1, 2, 4, 8 and 24 hours post-dose"
    assert split_outcomes(text) == [
        ("Plasma concentration of drug X", None, "Pre-dose, 0.5, 1, 2, 4, 8 and 24 hours post-dose")
    ]


def test_parentheses_with_commas() -> None:
    text = (
        "Pain intensity (visual analogue scale, 0 to 10), Patients rate their pain on a "
        "scale (0 = no pain, 10 = worst pain)., Day 1, Day 7"
    )
    assert split_outcomes(text) == [
        (
            "Pain intensity (visual analogue scale, 0 to 10)",
            "Patients rate their pain on a scale (0 = no pain, 10 = worst pain).",
            "Day 1, Day 7",
        )
    ]


def test_several_outcomes() -> None:
    text = (
        "Overall survival (OS), OS is defined as the time from randomisation to death from "
        "any cause., up to 5 years|Adverse events, Number of participants with adverse "
        "events graded by CTCAE v5.0., Through study completion, an average of 1 year|"
        "Quality of life, 12 weeks"
    )
    assert split_outcomes(text) == [
        (
            "Overall survival (OS)",
            "OS is defined as the time from randomisation to death from any cause.",
            "up to 5 years",
        ),
        (
            "Adverse events",
            "Number of participants with adverse events graded by CTCAE v5.0.",
            "Through study completion, an average of 1 year",
        ),
        ("Quality of life", None, "12 weeks"),
    ]


def test_whitespace_is_folded() -> None:
    text = "Overall\n  survival, Time\tto  death.,\n\n up to 2\r\nyears "
    assert split_outcomes(text) == [("Overall survival", "Time to death.", "up to 2 years")]


def test_bar_inside_a_part() -> None:
    # Parts are stripped before they are joined with "|", so a bar next to a space, and a
    # bar inside brackets that close after it, cannot be a join point.
    assert split_outcomes("Ratio (A|B), Week 4") == [("Ratio (A|B)", None, "Week 4")]
    assert split_outcomes("Score | subscore, Week 4|Pain, Day 1") == [
        ("Score | subscore", None, "Week 4"),
        ("Pain", None, "Day 1"),
    ]
    assert split_outcomes("|x|, Week 2") == [("|x|", None, "Week 2")]


def test_long_input_is_fast() -> None:
    start = time.perf_counter()
    split_outcomes(", ".join(["word"] * 5000))
    split_outcomes("|".join(["Measure, Description of it., 12 weeks"] * 2000))
    assert time.perf_counter() - start < 20  # linear, not exponential


# --- never raises ----------------------------------------------------------------------

_PIECES = st.sampled_from(
    [", ", "|", " ", ",", "(", ")", "[", "]", ".", "\n", "week", "12", "baseline", "and", "A"]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(_PIECES, st.text(max_size=5))).map("".join)))
def test_never_raises_and_keeps_the_text(text: str) -> None:
    out = split_outcomes(text)
    folded = " ".join(text.split())
    if not folded:
        assert out == []
        return
    for measure, description, time_frame in out:
        assert measure
        assert description is None or description
        assert time_frame is None or time_frame
    # Nothing is lost or invented: the parts put back together give the folded text.
    assert "|".join(", ".join(p for p in o if p) for o in out) == folded


# Parts without "|", without brackets (a bar inside brackets stays inside a part) and
# not opening with "," (a bar before a comma stays inside a part too).
_PART = st.text(st.characters(blacklist_characters="|()[]{}（）［］【】"), min_size=1).filter(
    lambda p: not p.lstrip().startswith(",")
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(_PART, st.one_of(st.none(), _PART), st.one_of(st.none(), _PART)),
        min_size=1,
        max_size=5,
    )
)
def test_outcome_count_follows_the_bars(outcomes: list[tuple[str, str | None, str | None]]) -> None:
    parts = [[" ".join(p.split()) for p in o if p and p.split()] for o in outcomes]
    parts = [p for p in parts if p]
    if not parts:
        return
    text = "|".join(", ".join(p) for p in parts)
    assert len(split_outcomes(text)) == len(parts)


# --- the real corpus -------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location(
        "outcome_split_bench", ROOT / "bench" / "outcome_split.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.corpus
@needs_corpus
@pytest.mark.parametrize("name", ["flat", "urology_csv"])
def test_corpus_exact_rate(name: str) -> None:
    bench = _bench()
    fields = list(bench.flat_fields(CORPUS) if name == "flat" else bench.csv_fields(CORPUS))
    tallies, misses, _ = bench.measure(fields)
    total = tallies["all"]
    assert total.outcomes > 3000
    rate = total.exact / total.outcomes
    assert rate >= 0.97, f"{name}: exact {total.exact}/{total.outcomes} = {rate:.4f}"
