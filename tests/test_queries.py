"""Saved queries: headers, parameters bound as values, and the seeds' answers."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import QueryError
from kg.queries import QUERY_DIR, bindings_for, find_query, list_queries, parse_term, run_on_store
from kg.store import open_store, select, with_values


@pytest.mark.parametrize("path", sorted(QUERY_DIR.glob("*.rq")), ids=lambda p: p.stem)
def test_every_saved_query_has_a_header_and_parses(path: Path) -> None:
    q = find_query(str(path))
    assert q.title and q.question and q.returns, f"{path.name}: header needs title/question/returns"
    first = path.read_text().splitlines()[0]
    assert first.startswith("# title: "), f"{path.name}: line 1 must be '# title: ...'"
    # It runs (on an empty store) with its default parameters.
    run_on_store(ox.Store(), q)


def test_parse_term() -> None:
    assert parse_term("dclass:pd1-inhibitor") == ox.NamedNode(
        "https://w3id.org/trialkg/vocab/class/pd1-inhibitor"
    )
    assert parse_term("<http://x/y>") == ox.NamedNode("http://x/y")
    assert parse_term("ORR") == ox.Literal("ORR")
    assert parse_term('"a \\"b\\""') == ox.Literal('a "b"')


@pytest.mark.parametrize(
    "value",
    ['x" } ?s ?p ?o { "', "a}\nb", "#", "} UNION { ?study ?p ?o", "\\", "'''", "<x>y"],
)
def test_hostile_parameter_values_cannot_change_the_query(value: str, seeds_build: Path) -> None:
    """A value is one literal: it matches nothing, and the query still means the same."""
    store = open_store(seeds_build)
    q = find_query("primary-endpoint-trials")
    cols, rows = run_on_store(store, q, {"endpoint": value})
    assert rows == []
    assert cols == ["study", "nct_id", "title", "measure", "criteria"]
    bound = with_values(q.text, bindings_for(q, {"endpoint": value}))
    assert bound.count("VALUES") == 1


def test_invalid_iri_parameter_is_an_error() -> None:
    with pytest.raises(QueryError, match="not a valid absolute IRI"):
        parse_term("<not an iri>")


def test_unknown_parameter_is_an_error() -> None:
    with pytest.raises(QueryError, match="has no parameter"):
        bindings_for(find_query("primary-endpoint-trials"), {"nope": "1"})


def test_seed_answers(seeds_build: Path) -> None:
    """The demo's questions: ORR as primary endpoint, and anti-PD-1 use, in both seeds."""
    store = open_store(seeds_build)
    _, orr = run_on_store(store, find_query("primary-endpoint-trials"))
    assert sorted(r["measure"] for r in orr) == [
        "Objective Response Rate(ORR)",
        "Overall response rate (ORR)",
    ]
    by_measure = {r["measure"]: r["criteria"] for r in orr}
    assert by_measure["Overall response rate (ORR)"] == "RECIST 1.1"
    _, pd1 = run_on_store(store, find_query("drug-class-trials"))
    assert len(pd1) == 2
    assert {r["intervention"] for r in pd1} == {
        "humanized anti-PD-1 monoclonal antibody",
        "anti-PD-1+Albumin-Bound Paclitaxel",
    }
    # nab-paclitaxel is a taxane, not paclitaxel, and not a PD-1 inhibitor.
    _, taxane = run_on_store(store, find_query("drug-class-trials"), {"class": "dclass:taxane"})
    assert [r["agents"] for r in taxane] == ["nab-paclitaxel"]
    _, n = select(
        store,
        "SELECT (COUNT(*) AS ?n) WHERE { ?iv <https://w3id.org/trialkg/ontology#hasAgent> "
        "<https://w3id.org/trialkg/vocab/drug/paclitaxel> }",
    )
    assert n[0]["n"] == 0


def test_list_queries_sorted() -> None:
    names = [q.name for q in list_queries()]
    assert names == sorted(names) and len(names) >= 3


def _is_select(path: Path) -> bool:
    body = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#"))
    return re.search(r"\bCONSTRUCT\b", body, re.IGNORECASE) is None


SELECT_QUERIES = [p for p in sorted(QUERY_DIR.glob("*.rq")) if _is_select(p)]


@pytest.mark.parametrize("path", SELECT_QUERIES, ids=lambda p: p.stem)
def test_select_output_is_deterministic(path: Path, seeds_build: Path) -> None:
    """Three runs give the same rows in the same order, GROUP_CONCAT strings included."""
    store = open_store(seeds_build)
    q = find_query(str(path))
    first = run_on_store(store, q)
    for _ in range(2):
        assert run_on_store(store, q) == first


def test_group_concat_lists_are_sorted(seeds_build: Path) -> None:
    """The lists the queries build are sorted, so an answer does not depend on row order."""
    store = open_store(seeds_build)

    def is_sorted(value: str | None, sep: str) -> bool:
        parts = value.split(sep) if value else []
        return parts == sorted(parts)

    _, agents = run_on_store(
        store, find_query("drug-class-trials"), {"class": "dclass:antineoplastic-agent"}
    )
    assert any(r["agents"] and "; " in r["agents"] for r in agents)
    for r in agents:
        assert is_sorted(r["agents"], "; ") and is_sorted(r["primary_endpoints"], "; ")
    _, overview = run_on_store(store, find_query("study-overview"))
    assert len(overview) == 2
    assert all(is_sorted(r["phases"], "|") for r in overview)
    _, orr = run_on_store(store, find_query("primary-endpoint-trials"))
    assert all(is_sorted(r["criteria"], "; ") for r in orr)
