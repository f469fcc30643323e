"""Look-ups from the codes in the record contract to vocabulary ids (for IRIs).

The record contract carries endpoint codes (``"ORR"``) and criteria notations
(``"RECIST 1.1"``); the RDF mapping needs the vocabulary node each one names.
Both come from the ``skos:notation`` of the terms in ``ontology/vocab/*.ttl``,
the one source of truth.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pyoxigraph import RdfFormat, parse

VOCAB_DIR = Path(__file__).resolve().parents[2] / "ontology" / "vocab"
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
BASE = "https://w3id.org/trialkg/vocab/"


@lru_cache(maxsize=8)
def notations(kind: str) -> dict[str, str]:
    """``{notation: id}`` for the vocabulary terms under ``vocab/<kind>/`` (e.g. ``endpoint``)."""
    prefix = BASE + kind + "/"
    out: dict[str, str] = {}
    for f in sorted(VOCAB_DIR.glob("*.ttl")):
        with open(f, "rb") as fh:
            for t in parse(fh, format=RdfFormat.TURTLE):
                if t.predicate.value == NOTATION and t.subject.value.startswith(prefix):
                    out.setdefault(t.object.value, t.subject.value[len(prefix) :])
    return out


def endpoint_id_for_code(code: str) -> str | None:
    """The endpoint-type id whose notation is ``code`` (``"ORR"`` -> its id), or None."""
    return notations("endpoint").get(code)


def criteria_id_for_notation(notation: str) -> str | None:
    """The assessment-criteria id whose notation is ``notation``, or None."""
    return notations("criteria").get(notation)
