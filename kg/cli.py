"""The ``trialkg`` command.

Exit codes: 0 ok, 1 validation or a check failed, 2 usage or input error.
Errors print one line, ``trialkg: error: ...``, naming the file or field.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

import click

from kg import __version__
from kg.errors import handle_errors


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trialkg")
def main() -> None:
    """trialkg: a knowledge graph of clinical trials, drugs and endpoints.

    \b
    Typical use:
      trialkg build examples/ --out build/     # records -> RDF + embedded store
      trialkg query --list                     # the saved questions
      trialkg query drug-class-trials --store build/
    """


FORMAT_CHOICE = click.Choice(
    ["flat", "ctgov-json", "ctgov-csv", "ctgov-xml", "ctgov-classic-json", "hint-csv"]
)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format", "fmt", type=FORMAT_CHOICE, help="Force one input format (default: detect)."
)
@click.option(
    "--raw", is_flag=True, help="Skip text understanding (agents, endpoints ... stay empty)."
)
@handle_errors
def parse(paths: tuple[str, ...], fmt: str | None, raw: bool) -> None:
    """Print one JSON object per trial (JSON Lines), the record contract.

    Rejected records go to stderr as JSON lines with file, position and reason;
    the accounting (read = parsed + rejected) ends the stderr output.

    \b
    Example:
      trialkg parse examples/seeds/ | head -1 | python -m json.tool
    """
    from kg.record import Rejection
    from kg.sources import iter_records

    read = ok = rejected = 0
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        # Raw text fields may hold lone surrogates from JSON escapes: never crash on them.
        out.reconfigure(errors="backslashreplace")
    for item in iter_records(paths, fmt):
        read += 1
        if isinstance(item, Rejection):
            rejected += 1
            click.echo(json.dumps({"rejected": item.to_dict()}, ensure_ascii=False), err=True)
            continue
        if not raw:
            from kg.build import enrich

            try:
                item = enrich(item)
            except Exception as exc:  # noqa: BLE001 - never stop a batch
                rejected += 1
                src = item.source
                rej = Rejection(src.path, src.position, f"text understanding failed: {exc!r}")
                click.echo(json.dumps({"rejected": rej.to_dict()}, ensure_ascii=False), err=True)
                continue
        ok += 1
        out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    click.echo(f"records read: {read} = parsed: {ok} + rejected: {rejected}", err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(), help="Output folder.")
@click.option(
    "--format", "fmt", type=FORMAT_CHOICE, help="Force one input format (default: detect)."
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar (default: on a terminal)."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the text stage and mapping (default: every core). "
    "The output is the same whatever the number.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Ignore an earlier build in --out: process every record again; the output "
    "is exactly INPUTS.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Drop the studies of an earlier build in --out that INPUTS no longer have "
    "(default: keep them).",
)
@handle_errors
def build(
    inputs: tuple[str, ...],
    out_dir: str,
    fmt: str | None,
    progress: bool | None,
    jobs: int | None,
    full: bool,
    prune: bool,
) -> None:
    """Build the graph of every record in INPUTS (files or folders) into --out.

    Writes OUT/trials.nq (one named graph per study), OUT/trials.ttl, the
    embedded store OUT/store/, OUT/rejected.jsonl, OUT/studies.jsonl and
    OUT/build.json, and prints the accounting: records read = studies built +
    records rejected.

    When --out holds an earlier build, only the records that changed (content
    hash, code included) are processed again and only their graphs replaced in
    the store; the summary says how many were added, changed, unchanged and
    removed.

    \b
    Example:
      trialkg build examples/seeds ../shared/corpus/nsclcbench --out build/
      trialkg build ../ctgov/ --out build/ --prune     # again, after a new download
    """
    from kg.build import build as run_build

    report = run_build(
        inputs, out_dir, fmt=fmt, progress=progress, jobs=jobs, full=full, prune=prune
    )
    click.echo(report.summary())


def _format_rows(cols: list[str], rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r[c] is None else r[c] for c in cols])
        return buf.getvalue()
    return format_table(cols, rows)


def format_table(cols: list[str], rows: list[dict[str, Any]], max_width: int = 60) -> str:
    """A plain-text table (cells cut to ``max_width`` with an ellipsis)."""

    def cell(v: Any) -> str:
        s = "" if v is None else str(v)
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[cell(r[c]) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, sep, *body, f"({len(rows)} rows)"]) + "\n"


@main.command()
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the saved queries and their questions.")
@click.option(
    "--all", "all_", is_flag=True, help="Run every saved query (except *-violation) with defaults."
)
@click.option(
    "--param", "-p", multiple=True, help="Bind a parameter: --param class=dclass:pd1-inhibitor"
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json", "ttl", "nt"]),
    default="table",
    show_default=True,
    help="Rows as a table, CSV, TSV or JSON; CONSTRUCT results as Turtle (table, ttl), "
    "N-Triples (nt) or JSON-LD (json).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(),
    default="build",
    show_default=True,
    help="Build folder (or its store/) to query.",
)
@click.option(
    "--endpoint",
    help="Query this SPARQL endpoint instead of the embedded store (its default graph must "
    "be the union of the study graphs, as `trialkg serve` gives).",
)
@click.option("--user", help="User name for --endpoint.")
@click.option("--password", help="Password for --endpoint.")
@handle_errors
def query(
    name: str | None,
    list_: bool,
    all_: bool,
    param: tuple[str, ...],
    fmt: str,
    store_path: str,
    endpoint: str | None,
    user: str | None,
    password: str | None,
) -> None:
    """Run a saved query (NAME, or the path of a .rq file) on the embedded store or an endpoint.

    \b
    Examples:
      trialkg query --list
      trialkg query primary-endpoint-trials --param endpoint=PFS --store build/
      trialkg query drug-class-trials --format csv
      trialkg query trial-similarity-edges --format nt
      trialkg query --all --store build/
      trialkg query drug-class-trials --endpoint http://127.0.0.1:7878/query
    """
    from kg.errors import QueryError
    from kg.queries import find_query, list_queries, run_query
    from kg.sparql import open_target

    if list_ or not (name or all_):
        if not list_:
            raise QueryError("give a query NAME or FILE, or --list or --all")
        for q in list_queries():
            ps = ", ".join(f"{p.name}={p.default}" for p in q.params)
            click.echo(f"{q.name}\n    {q.question}" + (f"\n    params: {ps}" if ps else ""))
        return
    target = open_target(store_path, endpoint, user, password)
    if all_:
        for q in list_queries():
            if not q.is_violation:
                click.echo(f"== {q.name}: {q.question}")
                click.echo(_format_answer(run_query(target, q), fmt))
        return
    params: dict[str, str] = {}
    for p in param:
        k, sep, v = p.partition("=")
        if not sep or not k.strip():
            raise QueryError(f"--param needs NAME=VALUE, got {p!r}")
        params[k.strip()] = v
    click.echo(_format_answer(run_query(target, find_query(name), params), fmt), nl=False)


def _format_answer(answer: Any, fmt: str) -> str:
    """A query's answer as text: rows in ``fmt``, triples as Turtle, N-Triples or JSON-LD."""
    import pyoxigraph as ox

    from kg.errors import QueryError

    if answer.kind == "ask":
        return f"{str(answer.boolean).lower()}\n"
    if answer.kind == "graph":
        if fmt in ("table", "ttl"):
            return answer.turtle()
        formats = {"nt": ox.RdfFormat.N_TRIPLES, "json": ox.RdfFormat.JSON_LD}
        if fmt not in formats:
            raise QueryError("a CONSTRUCT query gives triples: use --format ttl, nt or json")
        return ox.serialize(sorted(answer.triples, key=str), format=formats[fmt]).decode()
    if fmt in ("ttl", "nt"):
        raise QueryError("a SELECT query gives rows: use --format table, csv, tsv or json")
    return _format_rows(answer.columns, answer.rows, fmt)


@main.command()
@click.option("--store", "store_path", type=click.Path(), default="build", show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld"]),
    default="nq",
    show_default=True,
)
@click.option(
    "--output", "-o", type=click.Path(), required=True, help="File to write ('-' for stdout)."
)
@handle_errors
def export(store_path: str, fmt: str, output: str) -> None:
    """Export the built graph as Turtle, N-Triples, N-Quads, TriG or JSON-LD.

    N-Quads, TriG and JSON-LD keep one named graph per study; Turtle and
    N-Triples hold the union of all graphs. Output is sorted, so it is the same
    bytes for the same graph.

    \b
    Example:
      trialkg export --store build/ --format trig -o trials.trig
    """
    from kg.export import export_store

    n = export_store(store_path, fmt, output)
    if output != "-":
        click.echo(f"wrote {n} statements to {output}", err=True)


@main.command()
@click.option("--store", "store_path", type=click.Path(), default="build", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@handle_errors
def stats(store_path: str, as_json: bool) -> None:
    """Summarise a built graph: studies, triples, and nodes of each class.

    \b
    Example:
      trialkg stats --store build/
    """
    from kg.stats import graph_stats

    s = graph_stats(store_path)
    if as_json:
        click.echo(json.dumps(s, indent=2))
        return
    for k, v in s.items():
        if isinstance(v, dict):
            click.echo(f"{k}:")
            for kk, vv in v.items():
                click.echo(f"  {kk:<34} {vv}")
        else:
            click.echo(f"{k:<36} {v}")


def _register_commands() -> None:
    from kg.check import check_command
    from kg.load import load_command
    from kg.serve import serve_command
    from kg.validate import validate_command

    main.add_command(validate_command)
    main.add_command(check_command)
    main.add_command(serve_command)
    main.add_command(load_command)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
