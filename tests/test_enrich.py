"""The text stage on the seeds, end to end through ``trialkg parse`` (issue acceptance)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES

from kg.cli import main


@pytest.fixture(scope="module")
def seeds() -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(main, ["parse", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    recs = [json.loads(line) for line in result.stdout.splitlines()]
    return {("first" if "JS001" in r["title"] else "second"): r for r in recs}


def _agents(rec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["kind"], a["name"]) for iv in rec["interventions"] for a in iv["agents"]]


def test_first_seed_agents_and_design(seeds: dict[str, dict[str, Any]]) -> None:
    r = seeds["first"]
    # The generic mention stays a class mention; JS001 in the title names toripalimab.
    assert _agents(r) == [("class", "PD-1 inhibitor"), ("drug", "toripalimab")]
    tori = r["interventions"][0]["agents"][1]
    assert tori["classes"] == ["PD-1 inhibitor"] and tori["codes"]["source"] == "study text"
    assert r["phases"] == ["PHASE1"]
    facts = r["design"]["from_text"]
    assert facts["phase_text"] == "phase Ib"
    assert facts["planned_enrollment"] == 40
    assert r["design"]["masking"] == "NONE" and facts["multicenter"] is True
    assert facts["cycle_days"] == 21
    kinds = {n["kind"] for n in r["notes"]}
    assert {"implausible-unit", "interval-vs-cycle"} <= kinds


def test_first_seed_outcomes(seeds: dict[str, dict[str, Any]]) -> None:
    oc = seeds["first"]["outcomes"]
    assert (oc[0]["role"], oc[0]["endpoint"], oc[0]["criteria"]) == (
        "primary",
        "ORR",
        ["RECIST 1.1"],
    )
    assert oc[0]["horizon_days"] == pytest.approx(730.5)
    assert oc[0]["timing"]["anchor"] == "first dose" and oc[0]["timing"]["event_driven"]
    assert oc[1]["endpoint"] == "DoR" and oc[1]["criteria"] == ["irRC", "RECIST 1.1"]
    assert oc[1]["timing"]["interval_days"] == 56
    irr = [o for o in oc if "irRECIST" in o["criteria"]]
    assert irr and all(o["assessor"] == "BICR" for o in irr)
    cga = next(o for o in oc if o["measure"] == "Biochemical response")
    assert [p["label"] for p in cga["timing"]["time_points"]] == ["baseline", "week 6", "week 16"]
    assert cga["horizon_days"] == 112


def test_second_seed(seeds: dict[str, dict[str, Any]]) -> None:
    r = seeds["second"]
    assert _agents(r) == [("class", "PD-1 inhibitor"), ("drug", "nab-paclitaxel")]
    assert "paclitaxel" not in [a["id"] for iv in r["interventions"] for a in iv["agents"]]
    assert [o["endpoint"] for o in r["outcomes"]] == ["ORR", "PFS", "OS", "DCR", "DoR"]
    assert r["outcomes"][0]["role"] == "primary"
    assert r["outcomes"][3]["criteria"] == ["RECIST 1.1"]
    assert r["phases"] == ["PHASE2"]
    d = r["design"]
    assert (d["masking"], d["intervention_model"]) == ("NONE", "SINGLE_GROUP")
    facts = d["from_text"]
    assert facts["multicenter"] is True
    regs = facts["regimens"]
    assert any(x["interval_days"] == 21 for x in regs)
    assert any("paclitaxel" in x["agent_text"].lower() and x["max_cycles"] == 6 for x in regs)
    assert any("PD-1" in x["agent_text"] and x["max_duration_days"] == 730.5 for x in regs)
    assert not [n for n in r["notes"] if n["kind"] == "interval-vs-cycle"]
