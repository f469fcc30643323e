"""Numbers that describe a built graph."""

from __future__ import annotations

import os
from typing import Any

from kg.rdf import BASE, TKG
from kg.store import open_store, select

VOCAB_GRAPH = BASE + "graph/vocab"

# Node classes of study content, counted in the study graphs only.
STUDY_CLASSES = (
    "Study",
    "Condition",
    "Intervention",
    "Outcome",
    "TimeFrame",
    "InclusionCriterion",
    "ExclusionCriterion",
    "Arm",
    "Organization",
    "DosingRegimen",
    "DataQualityFinding",
)
# Vocabulary in use: (label, property linking study content to the vocabulary node).
IN_USE = (
    ("drugs", "hasAgent"),
    ("drug classes named generically", "mentionsDrugClass"),
    ("endpoint types", "hasEndpointType"),
    ("assessment criteria", "assessedBy"),
    ("phases", "hasPhase"),
)
VOCAB_CLASSES = ("Drug", "DrugClass", "EndpointType", "AssessmentCriteria")


def _count(store: Any, sparql: str) -> int:
    _, rows = select(store, sparql)
    return int(rows[0]["n"]) if rows else 0


def graph_stats(store_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Studies, graphs and quads; study content by class; vocabulary in use and in all."""
    store = open_store(store_path)
    out: dict[str, Any] = {"quads": len(store)}
    out["named graphs"] = sum(1 for _ in store.named_graphs())
    nodes = {
        cls: _count(
            store,
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{TKG}{cls}> }} "
            f"FILTER (?g != <{VOCAB_GRAPH}>) }}",
        )
        for cls in STUDY_CLASSES
    }
    out["studies"] = nodes["Study"]
    out["study content by class"] = nodes
    out["vocabulary in use"] = {
        label: _count(store, f"SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE {{ ?x <{TKG}{p}> ?v }}")
        for label, p in IN_USE
    }
    out["vocabulary size"] = {
        cls: _count(
            store,
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH <{VOCAB_GRAPH}> "
            f"{{ ?x a <{TKG}{cls}> }} }}",
        )
        for cls in VOCAB_CLASSES
    }
    out["outcomes with an endpoint type"] = _count(
        store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o <{TKG}hasEndpointType> ?e }}"
    )
    out["interventions resolved to a drug or class"] = _count(
        store,
        f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ {{ ?i <{TKG}hasAgent> ?a }} UNION "
        f"{{ ?i <{TKG}mentionsDrugClass> ?c }} }}",
    )
    return out
