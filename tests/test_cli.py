"""The ``trialkg`` command: help everywhere, the contract on stdout, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES

from kg.cli import main

CONTRACT_KEYS = {
    "nct_id",
    "title",
    "source",
    "conditions",
    "interventions",
    "outcomes",
    "phases",
    "enrollment",
    "design",
    "eligibility",
    "arms",
    "sponsor",
}
OUTCOME_KEYS = {
    "role",
    "measure",
    "description",
    "time_frame",
    "endpoint",
    "criteria",
    "horizon_days",
}


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"`trialkg {command} --help` shows no example"


def test_parse_prints_the_contract() -> None:
    result = CliRunner().invoke(main, ["parse", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 2
    for d in lines:
        assert CONTRACT_KEYS <= set(d)
        assert {"path", "format", "position"} <= set(d["source"])
        for iv in d["interventions"]:
            assert {"type", "name", "agents"} <= set(iv)
        for o in d["outcomes"]:
            assert OUTCOME_KEYS <= set(o)
    assert "records read: 2 = parsed: 2 + rejected: 0" in result.stderr


def test_missing_path_exits_2() -> None:
    result = CliRunner().invoke(main, ["parse", "/no/such/file"])
    assert result.exit_code == 2
    assert "trialkg: error: /no/such/file: no such file or folder" in result.output


def test_query_list_and_run(seeds_build: Path) -> None:
    r = CliRunner().invoke(main, ["query", "--list"])
    assert r.exit_code == 0 and "primary-endpoint-trials" in r.output
    r = CliRunner().invoke(
        main, ["query", "study-overview", "--store", str(seeds_build), "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert sorted(row["primary_outcomes"] for row in rows) == [1, 1]
    assert sorted(row["secondary_outcomes"] for row in rows) == [4, 8]
    r = CliRunner().invoke(main, ["query", "no-such-query", "--store", str(seeds_build)])
    assert r.exit_code == 2 and "no saved query" in r.output
    r = CliRunner().invoke(
        main, ["query", "study-overview", "--param", "x=1", "--store", str(seeds_build)]
    )
    assert r.exit_code == 2 and "has no parameter x" in r.output


def test_export_formats(seeds_build: Path, tmp_path: Path) -> None:
    import rdflib

    sizes = {}
    for fmt in ("ttl", "nt", "nq", "trig", "jsonld"):
        out = tmp_path / f"x.{fmt}"
        r = CliRunner().invoke(
            main, ["export", "--store", str(seeds_build), "--format", fmt, "-o", str(out)]
        )
        assert r.exit_code == 0, r.output
        rdf_format = {
            "ttl": "turtle",
            "nt": "nt",
            "nq": "nquads",
            "trig": "trig",
            "jsonld": "json-ld",
        }[fmt]
        if fmt in ("nq", "trig", "jsonld"):
            g = rdflib.Dataset()
            g.parse(out, format=rdf_format)
            sizes[fmt] = len(list(g.quads((None, None, None, None))))
        else:
            sizes[fmt] = len(rdflib.Graph().parse(out, format=rdf_format))
    assert sizes["ttl"] == sizes["nt"] > 0
    assert sizes["nq"] == sizes["trig"] == sizes["jsonld"] >= sizes["ttl"]


def test_stats(seeds_build: Path) -> None:
    r = CliRunner().invoke(main, ["stats", "--store", str(seeds_build), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["studies"] == 2
