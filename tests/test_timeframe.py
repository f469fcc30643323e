"""kg.text.timeframe: horizons, time points, intervals and anchors of outcome time frames.

Conventions under test (see the module docstring): week = 7 days, month = 30.4375 days,
year = 365.25 days; ``horizon_iso`` keeps the stated unit except weeks (written in days).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.text.timeframe import TimeFrame, parse_time_frame

ROOT = Path(__file__).resolve().parents[1]


def load_bench() -> ModuleType:
    """bench/eval_text.py as a module (bench/ is not a package)."""
    name = "eval_text"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "eval_text.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def labels(tf: TimeFrame) -> list[str]:
    return [p["label"] for p in tf.time_points]


# ------------------------------------------------------------------ seeds


def test_seed_biochemical_response_points() -> None:
    tf = parse_time_frame("baseline, 6th week, 16th week")
    assert tf.time_points == [
        {"label": "baseline", "days": 0.0},
        {"label": "week 6", "days": 42.0},
        {"label": "week 16", "days": 112.0},
    ]
    assert tf.horizon_days == 112.0
    assert tf.horizon_iso == "P112D"
    assert not tf.unparsed


def test_seed_every_8_weeks_after_last_patient_first_treatment() -> None:
    tf = parse_time_frame("baseline, every 8 weeks up to 1 year after last patient first treatment")
    assert tf.interval_days == 56.0
    assert tf.interval_text == "every 8 weeks"
    assert tf.horizon_days == 365.25
    assert tf.horizon_iso == "P1Y"
    assert tf.anchor == "last patient first treatment"
    assert "baseline" in labels(tf)


def test_seed_first_dose_whichever_came_first() -> None:
    tf = parse_time_frame(
        "From date of first dose until the date of first documented progression or date of "
        "death from any cause, whichever came first, assessed up to 24 months"
    )
    assert tf.horizon_days == 730.5
    assert tf.horizon_iso == "P24M"
    assert tf.anchor == "first dose"
    assert tf.event_driven is True


def test_seed_up_to_2_years() -> None:
    tf = parse_time_frame("up to 2 years")
    assert (tf.horizon_days, tf.horizon_iso, tf.event_driven) == (730.5, "P2Y", False)


def test_seed_overall_survival_frame() -> None:
    tf = parse_time_frame(
        "Every 3 months after last visit up to 2 year after last patient first treatment"
    )
    assert tf.interval_days == 91.3125
    assert tf.horizon_days == 730.5
    assert tf.anchor == "last patient first treatment"


def test_seed_three_years() -> None:
    tf = parse_time_frame("3 years")
    assert (tf.horizon_days, tf.horizon_iso) == (1095.75, "P3Y")


def test_seed_baseline_8th_week() -> None:
    tf = parse_time_frame("baseline, 8th week")
    assert labels(tf) == ["baseline", "week 8"] and tf.horizon_days == 56.0


# ------------------------------------------------------------------ horizons

HORIZONS = [
    ("six months", 182.625, "P6M"),
    ("one year", 365.25, "P1Y"),
    ("Two years of observation after enrollment", 730.5, "P2Y"),
    ("12 to 24 weeks", 168.0, "P168D"),
    ("6-18 months", 547.875, "P18M"),
    ("Day 1 to Day 28", 28.0, "P28D"),
    ("approximately 5 years", 1826.25, "P5Y"),
    ("through study completion, an average of 1 year", 365.25, "P1Y"),
    ("Through study completion, an average of 18.0 month", 547.875, "P18M"),
    ("at 3, 6 and 12 months", 365.25, "P12M"),
    ("Week 52", 364.0, "P364D"),
    ("2 years post-treatment", 730.5, "P2Y"),
    ("Up to 461 days", 461.0, "P461D"),
    ("10.1 months", 307.41875, "P307D"),
    ("Within 15 days after surgery", 15.0, "P15D"),
    ("up to 3years", 1095.75, "P3Y"),
    ("1year", 365.25, "P1Y"),
    ("Up to 40 days after the last dose of the study drug (Up to 461 days)", 461.0, "P461D"),
    ("PK samples at pre-dose, 0.5, 1, 2, 4, 8, 24, 48, 72, 96 and 192 hours post-dose", 8.0,
     "PT192H"),
    ("10 minutes", 10 / 1440, "PT10M"),
    ("At the end of Cycle 1 (each cycle is 28 days)", 28.0, "P28D"),
    ("First 6 cycles of treatment (28 day treatment cycle)", 168.0, "P168D"),
    ("At the end of Cycle 8(each cycle is 21 days), Cycle 16 (each cycle is 21 days)", 336.0,
     "P336D"),
    ("Cycle 1 Day 1, Cycle 2 Day 1, Cycle 5 Day 1 (Each Cycle is of 21 Days)", 85.0, "P85D"),
    ("Randomization until disease progression, death, or 12 months after randomized "
     "enrollment, whichever occurs first.", 365.25, "P12M"),
    ("Half annually for three years", 1095.75, "P3Y"),
    ("week -1 (baseline) until week 11", 77.0, "P77D"),
    ("From first dose through 100 days following last dose of study treatment (assessed for "
     "approximately 7 months)", 213.0625, "P7M"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "days", "iso"), HORIZONS, ids=[h[0][:40] for h in HORIZONS])
def test_horizon(text: str, days: float, iso: str) -> None:
    tf = parse_time_frame(text)
    assert tf.horizon_days == pytest.approx(days)
    assert tf.horizon_iso == iso
    assert tf.text == text
    assert not tf.unparsed


def test_time_points_at_months() -> None:
    tf = parse_time_frame("at 3, 6 and 12 months")
    assert tf.time_points == [
        {"label": "month 3", "days": 91.3125},
        {"label": "month 6", "days": 182.625},
        {"label": "month 12", "days": 365.25},
    ]


def test_cycle_relative_points_without_length() -> None:
    tf = parse_time_frame("Cycle 1 Day 1")
    assert tf.time_points == [{"label": "cycle 1 day 1", "days": None}]
    assert tf.horizon_days is None
    assert not tf.unparsed
    tf = parse_time_frame("Cycle 1 Day 1, Cycle 2 Day 1 (each cycle is 21 days)")
    assert tf.cycle_days == 21.0 and tf.horizon_days == 22.0


def test_unknown_cycle_day_leaves_horizon_to_other_times() -> None:
    tf = parse_time_frame("day1, day2 of cycle1; day2, day15 of cycle3; up to 9 weeks")
    assert tf.horizon_days == 63.0


@pytest.mark.parametrize(
    ("text", "interval", "interval_text"),
    [
        ("every 8 weeks", 56.0, "every 8 weeks"),
        ("every 3 months", 91.3125, "every 3 months"),
        ("q3w", 21.0, "q3w"),
        ("Q4W until progression", 28.0, "q4w"),
        ("every three weeks up to 18 weeks", 21.0, "every 3 weeks"),
        ("every 6-8 weeks", 42.0, "every 6-8 weeks"),
        ("every other week", 14.0, "every other week"),
        ("monthly for the duration of the trial", 30.4375, "monthly"),
        ("every 2 cycles (each cycle is 21 days)", 42.0, "every 2 cycles"),
    ],
)
def test_interval(text: str, interval: float, interval_text: str) -> None:
    tf = parse_time_frame(text)
    assert tf.interval_days == pytest.approx(interval)
    assert tf.interval_text == interval_text


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("From date of randomization until death, assessed up to 5 years", "randomization"),
        ("From enrollment to the end of treatment at 1 year", "enrollment"),
        ("time from the start of treatment to 2 years", "start of treatment"),
        (
            "Day 1 of treatment through study completion, an average of 2 years",
            "start of treatment",
        ),
        ("Up to 2 years since last patient enrolled", "last patient enrolled"),
        ("From study entry up to 2 years", "study entry"),
        ("From date of diagnosis until death, assessed up to 60 months", "diagnosis"),
        ("1 to 24 months post procedure", "surgery"),
        ("Until 28 days from the last dose of study drugs", "last dose"),
        ("Approximately 7.5 months following the last patient enrolled", "last patient enrolled"),
        ("4 weeks after Radiotherapy.", "radiotherapy"),
    ],
)
def test_anchor(text: str, anchor: str) -> None:
    assert parse_time_frame(text).anchor == anchor


def test_open_ended_frame_has_no_horizon() -> None:
    tf = parse_time_frame("every 8 weeks until disease progression")
    assert tf.horizon_days is None
    assert tf.interval_days == 56.0
    assert tf.event_driven is True
    assert not tf.unparsed
    tf = parse_time_frame(
        "At baseline and every 8 weeks for the first 6 cycles and every 16 "
        "weeks from cycle 13 onwards (each cycle is 28 days)"
    )
    assert tf.horizon_days is None


@pytest.mark.parametrize(
    "text", ["None", "December 2017", "2019.7-2022.7", "Up to August 1, 2022", "", "   "]
)
def test_unparsed_keeps_text(text: str) -> None:
    tf = parse_time_frame(text)
    assert tf.unparsed is True
    assert tf.horizon_days is None
    assert tf.text == text


def test_none_input() -> None:
    tf = parse_time_frame(None)
    assert tf.unparsed and tf.text == ""


# ------------------------------------------------------------------ robustness


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_never_raises(text: str) -> None:
    tf = parse_time_frame(text)
    assert tf.text == text
    assert tf.horizon_days is None or tf.horizon_days >= 0
    assert tf.interval_days is None or tf.interval_days >= 0


# Pieces of real time frames, shuffled into hostile text.
FRAGMENTS = (
    "every 8 weeks up to 1 year after cycle day ( ) each is 21 days - , and until progression "
    "onwards 0 1.5 month q3w c1d1 \u00b1 hours week -1 ."
).split()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_never_raises_on_hostile_fragments(words: list[str]) -> None:
    for text in (" ".join(words), "".join(words)):
        tf = parse_time_frame(text)
        assert tf.horizon_days is None or tf.horizon_days >= 0


# ------------------------------------------------------------------ evaluation set


def test_horizon_targets_on_eval_set() -> None:
    figures = load_bench().evaluate()
    assert figures["horizon_stating"] >= 300
    assert figures["horizon_parsed"] >= 0.95, figures["misses"]["horizon"]
    assert figures["horizon_within_1_day"] >= 0.95, figures["misses"]["horizon"]
