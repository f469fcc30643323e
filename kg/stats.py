"""Numbers that describe a built graph."""

from __future__ import annotations

import os
from typing import Any

from kg.rdf import TKG
from kg.store import open_store, select

CLASSES = (
    "Study",
    "Condition",
    "Intervention",
    "Drug",
    "DrugClass",
    "Outcome",
    "EndpointType",
    "AssessmentCriteria",
    "TimeFrame",
    "EligibilityCriterion",
    "Arm",
    "Organization",
)


def graph_stats(store_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Studies, named graphs, quads, and the number of distinct nodes per class."""
    store = open_store(store_path)
    out: dict[str, Any] = {"quads": len(store)}
    out["named graphs"] = sum(1 for _ in store.named_graphs())
    nodes: dict[str, int] = {}
    for cls in CLASSES:
        _, rows = select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{TKG}{cls}> }}")
        nodes[cls] = int(rows[0]["n"]) if rows else 0
    out["studies"] = nodes["Study"]
    out["nodes by class"] = nodes
    _, rows = select(
        store,
        f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o <{TKG}hasEndpointType> ?e }}",
    )
    out["outcomes with an endpoint type"] = int(rows[0]["n"]) if rows else 0
    _, rows = select(
        store,
        f"SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ {{ ?i <{TKG}hasAgent> ?a }} UNION "
        f"{{ ?i <{TKG}mentionsDrugClass> ?c }} }}",
    )
    out["interventions resolved to a drug or class"] = int(rows[0]["n"]) if rows else 0
    return out
