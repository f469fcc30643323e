"""The trialkg ontology and vocabularies on disk, and their canonical Turtle form.

``ontology/trialkg.ttl`` holds the OWL classes, properties and controlled
individuals; ``ontology/vocab/*.ttl`` hold the controlled vocabularies (drugs,
drug classes, endpoint types, assessment criteria...). Committed Turtle is kept
in one canonical, sorted form so that diffs stay small and reviewable.

Command line (used by ``make fmt-ttl``)::

    python -m kg.ontology canonicalize [FILES]   # rewrite files in canonical form
    python -m kg.ontology check [FILES]          # exit 1, listing files that are not

Without FILES both commands act on ``trialkg.ttl`` and every ``vocab/*.ttl``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

__all__ = [
    "ONTOLOGY_DIR",
    "ONTOLOGY_FILE",
    "VOCAB_DIR",
    "canonical_turtle",
    "is_canonical",
    "load_ontology",
    "main",
    "ontology_files",
]

ONTOLOGY_DIR: Path = Path(__file__).resolve().parents[1] / "ontology"
"""The ``ontology/`` folder of the project (next to the ``kg`` package)."""

ONTOLOGY_FILE: Path = ONTOLOGY_DIR / "trialkg.ttl"
"""The OWL ontology: classes, properties, individuals and alignments."""

VOCAB_DIR: Path = ONTOLOGY_DIR / "vocab"
"""Controlled vocabularies, one Turtle file per vocabulary."""


def ontology_files() -> list[Path]:
    """Return ``trialkg.ttl`` followed by every ``vocab/*.ttl`` that exists, sorted.

    >>> ontology_files()[0].name
    'trialkg.ttl'
    """
    return [ONTOLOGY_FILE, *sorted(VOCAB_DIR.glob("*.ttl"))]


def load_ontology() -> Graph:
    """Parse ``trialkg.ttl`` and every ``vocab/*.ttl`` into one rdflib graph.

    The graph keeps the prefixes the files declare, so it serializes readably.

    >>> from kg.namespace import TKG
    >>> (TKG.Study, None, None) in load_ontology()
    True
    """
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    return graph


def _as_graph(graph_or_path: Graph | str | Path) -> Graph:
    if isinstance(graph_or_path, Graph):
        return graph_or_path
    graph = Graph()
    graph.parse(Path(graph_or_path), format="turtle")
    return graph


def canonical_turtle(graph_or_path: Graph | str | Path) -> str:
    """Serialize a graph (or a Turtle file) in the canonical form committed to git.

    The form is rdflib's ``longturtle`` with blank nodes canonicalized
    (``canon=True``), so the same triples always give the same text, whatever the
    order they were added in, the blank node ids the parser chose, or the
    ``PYTHONHASHSEED``. Trailing spaces are removed from every line and the text
    ends with exactly one newline, so editors that strip whitespace cause no drift.

    >>> ttl = "@prefix ex: <http://example.org/> . ex:b ex:p ex:c . ex:a ex:p ex:c ."
    >>> print(canonical_turtle(Graph().parse(data=ttl, format="turtle")), end="")
    PREFIX ex: <http://example.org/>
    <BLANKLINE>
    ex:a
        ex:p ex:c ;
    .
    <BLANKLINE>
    ex:b
        ex:p ex:c ;
    .
    """
    graph = _as_graph(graph_or_path)
    text = graph.serialize(format="longturtle", canon=True)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def is_canonical(path: str | Path) -> bool:
    """Return True when the Turtle file at ``path`` is already in canonical form."""
    path = Path(path)
    return path.read_text(encoding="utf-8") == canonical_turtle(path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kg.ontology",
        description="Keep the ontology and vocabulary Turtle files in canonical form.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("canonicalize", "rewrite Turtle files in canonical form, in place"),
        ("check", "exit 1 and list the Turtle files that are not in canonical form"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument(
            "files",
            nargs="*",
            type=Path,
            help="Turtle files (default: ontology/trialkg.ttl and ontology/vocab/*.ttl)",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``canonicalize`` or ``check`` command; return the exit code.

    Exit codes: 0 ok, 1 some file is not canonical (``check``), 2 a file cannot be
    read or parsed.
    """
    args = _parser().parse_args(argv)
    files: list[Path] = list(args.files) or ontology_files()
    stale: list[Path] = []
    for path in files:
        try:
            current = path.read_text(encoding="utf-8")
            canonical = canonical_turtle(path)
        except Exception as exc:  # a parse error names the file, line and cause
            print(f"{path}: cannot read as Turtle: {exc}", file=sys.stderr)
            return 2
        if current == canonical:
            continue
        if args.command == "canonicalize":
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(canonical, encoding="utf-8")
            tmp.replace(path)
            print(f"rewrote {path}")
        else:
            stale.append(path)
    if stale:
        for path in stale:
            print(f"not canonical: {path}")
        print("run `make fmt-ttl` (python -m kg.ontology canonicalize) to fix", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
