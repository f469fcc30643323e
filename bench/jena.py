"""Apache Jena's SHACL validator as a reference for ``bench/validate_bench.py``.

Jena comes from Debian's ``libapache-jena-java`` (``bench/install-jena.sh``).
That package ships the jars (``/usr/share/java/jena-*.jar``) but no ``shacl``
script, so, unless a ``shacl`` command (Jena's binary distribution) is on the
PATH, the command is ``java -cp <Jena jars and their Debian dependencies>
shacl.shacl``. Debian's jena-core 4.5.0-2 moved Jena's shaded Xerces classes to
``xerces.*`` but left their message bundles under ``org/apache/jena/ext/xerces``,
so the JVM stops at start-up (``RuntimeException: internal error`` in
``XSSimpleTypeDecl.applyFacets1``, initialising ``XSDDatatype``); the bundles are
copied to where the classes look for them, in a folder put first on the class
path.

``shacl validate --data FILE --shapes FILE`` reads one graph: ``write_data``
writes the union of every graph of a build's ``trials.nq`` (study graphs, and the
vocabulary graph that holds the ontology and the controlled vocabularies) as one
N-Triples file, so Jena validates the union graph, as the naive pyshacl run
does; ``write_shapes`` merges ``shapes/*.ttl`` into one N-Triples file.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

JAVA_DIR = Path("/usr/share/java")
# Unversioned jars of libapache-jena-java's Depends (Debian 12), plus slf4j-simple
# so Jena's log lines go to stderr instead of a "no SLF4J binding" warning.
DEPENDENCY_JARS = (
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpcore",
    "jackson-annotations",
    "jackson-core",
    "jackson-databind",
    "jakarta.json-api",
    "jsonld-java",
    "protobuf",
    "slf4j-api",
    "slf4j-simple",
    "thrift",
    "titanium-json-ld",
)
_SH = "http://www.w3.org/ns/shacl#"
_BUNDLES = "org/apache/jena/ext/xerces/"
_VERSIONED = re.compile(r"-\d+(\.\d+)+$")  # jena-core-4.5.0.jar, a link to jena-core.jar


class JenaMissing(Exception):
    """Jena cannot be run here; the message says why."""


@dataclass
class JenaRun:
    """One ``shacl validate`` run."""

    seconds: float
    cpu: float
    conforms: bool
    results: Counter = field(default_factory=Counter)
    """Results per (shape local name, severity), each (focus node, path, value) once."""
    components: Counter = field(default_factory=Counter)
    """Results per (severity, constraint component local name), as reported."""
    reported: int = 0
    """``sh:result`` count as reported: Jena reports one result per solution of a
    SHACL-SPARQL query, so a focus node reached by two solutions with the same
    ``?value`` and ``?path`` (two ``?flagged`` types) is reported twice."""


def command(work: Path) -> list[str]:
    """The command that runs Jena's ``shacl``; raises ``JenaMissing`` saying why not."""
    found = shutil.which("shacl")
    if found:
        return [found]
    java = shutil.which("java")
    if java is None:
        raise JenaMissing("no java on the PATH (Jena needs Java 11 or later)")
    jena = sorted(p for p in JAVA_DIR.glob("jena-*.jar") if not _VERSIONED.search(p.stem))
    names = {p.stem for p in jena}
    if not {"jena-shacl", "jena-cmds", "jena-core", "jena-arq"} <= names:
        raise JenaMissing(
            "no `shacl` command and no Jena jars in /usr/share/java: "
            "run `sh bench/install-jena.sh` (Debian libapache-jena-java)"
        )
    deps = [JAVA_DIR / f"{name}.jar" for name in DEPENDENCY_JARS]
    missing = [p.name for p in deps if not p.exists() and p.stem != "slf4j-simple"]
    if missing:
        raise JenaMissing(f"Jena's dependencies are missing: {', '.join(missing)}")
    classpath = [
        *_bundles(JAVA_DIR / "jena-core.jar", work),
        *jena,
        *(p for p in deps if p.exists()),
    ]
    return [java, "-cp", ":".join(str(p) for p in classpath), "shacl.shacl"]


def version(cmd: list[str]) -> str:
    """Jena's version (``shacl version``), or "" when it does not say."""
    try:
        out = subprocess.run(
            [*cmd, "version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    found = re.search(r"VERSION:\s*(\S+)", out)
    return found.group(1) if found else ""


def _bundles(core: Path, work: Path) -> list[Path]:
    """A folder with the relocated Xerces message bundles, when the jar needs one."""
    with zipfile.ZipFile(core) as jar:
        names = set(jar.namelist())
        if "xerces/impl/dv/xs/XSSimpleTypeDecl.class" not in names:
            return []  # upstream layout: classes and bundles both under org/apache/jena/ext
        if "xerces/impl/msg/XMLSchemaMessages.properties" in names:
            return []  # a fixed Debian package
        out = work / "jena-xerces-bundles"
        for name in names:
            if name.startswith(_BUNDLES) and name.endswith(".properties"):
                target = out / "xerces" / name[len(_BUNDLES) :]
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    return [out]


def write_data(nquads: Path, out: Path) -> None:
    """Every triple of every graph of ``nquads``, graph names dropped, as N-Triples."""
    triples = (
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    )
    ox.serialize(triples, str(out), ox.RdfFormat.N_TRIPLES)


def write_shapes(files: list[Path], out: Path) -> None:
    """The shapes files merged into one N-Triples file (blank nodes kept apart)."""
    triples: list[ox.Triple] = []
    for path in files:
        triples.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    ox.serialize(triples, str(out), ox.RdfFormat.N_TRIPLES)


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def validate(cmd: list[str], data: Path, shapes: Path, report: Path) -> JenaRun:
    """Run ``shacl validate``; time only that command (wall and CPU, all JVM threads)."""
    err = report.with_suffix(".stderr")
    with report.open("wb") as out, err.open("wb") as errors:
        t0, c0 = time.perf_counter(), _children_cpu()
        try:
            proc = subprocess.run(
                [*cmd, "validate", "--data", str(data), "--shapes", str(shapes)],
                stdout=out,
                stderr=errors,
                check=False,
            )
        except OSError as exc:
            raise JenaMissing(f"cannot run {cmd[0]}: {exc}") from exc
        seconds, cpu = time.perf_counter() - t0, _children_cpu() - c0
    text = err.read_text(errors="replace").strip().splitlines()
    said = f"{text[-1] if text else 'no message'} (see {err})"
    if proc.returncode != 0:
        raise JenaMissing(f"`shacl validate` exited with {proc.returncode}: {said}")
    try:
        run = _read_report(report)
    except (SyntaxError, OSError, ValueError) as exc:
        raise JenaMissing(f"cannot read Jena's report {report} ({exc}); Jena said: {said}") from exc
    run.seconds, run.cpu = seconds, cpu
    return run


def _read_report(report: Path) -> JenaRun:
    nodes: dict = {}
    for t in ox.parse(path=str(report), format=ox.RdfFormat.TURTLE):
        nodes.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    reports = [p for p in nodes.values() if _SH + "conforms" in p]
    if len(reports) != 1:
        raise ValueError(f"{len(reports)} sh:ValidationReport nodes")
    run = JenaRun(0.0, 0.0, reports[0][_SH + "conforms"][0].value == "true")
    seen = set()
    for r in reports[0].get(_SH + "result", []):
        props = nodes.get(r, {})

        def local(key: str, props: dict = props) -> str:
            values = props.get(_SH + key)
            return values[0].value.rsplit("#", 1)[-1] if values else "?"

        def term(key: str, props: dict = props) -> str | None:
            values = props.get(_SH + key)
            return str(values[0]) if values else None

        shape, severity = local("sourceShape"), local("resultSeverity")
        run.reported += 1
        run.components[(severity, local("sourceConstraintComponent"))] += 1
        key = (shape, severity, term("focusNode"), term("resultPath"), term("value"))
        if key not in seen:
            seen.add(key)
            run.results[(shape, severity)] += 1
    return run


def startup(cmd: list[str], shapes: Path, work: Path) -> float:
    """Seconds for a validation of an empty graph: JVM and Jena start, shapes parsed."""
    empty = work / "jena-empty.nt"
    empty.write_bytes(b"")
    return validate(cmd, empty, shapes, work / "jena-empty-report.ttl").seconds
