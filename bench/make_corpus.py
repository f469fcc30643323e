"""Write a large synthetic ClinicalTrials.gov API v2 corpus, for scale benchmarks.

    python bench/make_corpus.py --n N --out DIR [--seed S] [--corpus ../shared/corpus]
    python bench/make_corpus.py --changed-from DIR --out DIR2 [--change-fraction 0.01]
                                [--seed S] [--corpus ../shared/corpus]

**Generating** (``--n``): writes N studies as API v2 ``/studies`` pages,
``DIR/studies-00001.json``, ``studies-00002.json``, ... of at most 1,000
studies each, each exactly the shape ``GET /api/v2/studies`` returns:
``{"studies": [...], "nextPageToken": "..."}`` (compact JSON, UTF-8), with
``nextPageToken`` on every page but the last. Pages are written one study at a
time, so memory stays flat whatever N (up to 500,000 and beyond); progress goes
to stderr, a summary line to stdout. Earlier ``studies-*.json`` pages in DIR are
removed first; other files there are left alone.

The studies are real ones recombined. The pool is every API v2 study under
``--corpus`` (``urology_ed_paired/json/``, ``nsclcbench/``,
``aact_fixtures/v2/``, in sorted file order) that has an NCT id, a brief title,
a status module and a study type. Study i (1-based) takes a base study from the
pool (the pool in a fresh seeded shuffle on every pass, so each real study is a
base equally often) and then:

* with probability 5 % it is an exact copy of the base, every section kept
  (``resultsSection``, ``documentSection``, ``annotationSection`` and
  ``derivedSection`` included, as the base has them);
* otherwise each of ``conditionsModule``, ``armsInterventionsModule``,
  ``outcomesModule`` and ``eligibilityModule`` is, with probability 80 %, the
  whole module of another pool study of the same study type (for the arms and
  interventions, of the same intervention or observational model when the pool
  has another one), else the base's own; a module the donor lacks is left out,
  as the donor leaves it out. Whole modules are moved, so arm group labels and
  the interventions naming them always come together. Such a recombined study
  drops ``resultsSection``, ``documentSection`` and ``annotationSection`` (they
  describe the base's arms and outcomes), says ``"hasResults": false`` and has
  no ``resultsFirst*`` dates in its status module; its ``derivedSection`` keeps
  the base's ``miscInfoModule``, the ``conditionBrowseModule`` (MeSH terms) of
  the study its conditions come from and the ``interventionBrowseModule`` of the
  study its interventions come from.

No text is invented. Every generated study has its own NCT id, ``NCT9`` plus
seven digits (``NCT90000001`` for study 1: no real id is that high), and its
brief title and official title (when it has one) are the real ones followed by
`` (synthetic i)``, so ids and titles are unique across the corpus.

**Changing** (``--changed-from``): copies a corpus written by the generator to
``--out`` with ``round(F * N)`` studies (a seeded sample) modified, for
benchmarking incremental rebuilds: in each, either the brief summary is
replaced by another pool study's brief summary, or one primary outcome's time
frame by another real time frame of the pool (each changed value differs from
the old one), and ``lastUpdateSubmitDate`` and ``lastUpdatePostDateStruct``
move one day later. Changed studies keep their NCT ids and titles; pages with
no changed study are copied byte for byte, and the others differ only in the
changed studies. N is read from the pages (1,000 a page but the last).
(``trialkg build``'s incremental mode counts the source path in a record's
content hash, so to time an incremental rebuild, build the changed pages from
the folder the original build read, e.g. copy them over the original pages.)

The output is a function of N (or the source corpus), ``--seed`` and the pool:
the same arguments always give the same bytes (no clock, no hash seeds).
Bad arguments or an unreadable corpus exit with status 2 and a message.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
PAGE_SIZE = 1000
MAX_N = 9_999_999  # NCT9 + 7 digits
DUPLICATE_RATE = 0.05
SWAP_RATE = 0.8

# Folders of the corpus holding API v2 JSON (one study, a list, or a /studies page per file).
POOL_SOURCES = ("urology_ed_paired/json", "nsclcbench", "aact_fixtures/v2")

# The order in which API v2 writes the protocol modules.
MODULE_ORDER = (
    "identificationModule",
    "statusModule",
    "sponsorCollaboratorsModule",
    "oversightModule",
    "descriptionModule",
    "conditionsModule",
    "designModule",
    "armsInterventionsModule",
    "outcomesModule",
    "eligibilityModule",
    "contactsLocationsModule",
    "referencesModule",
    "ipdSharingStatementModule",
)
SWAPPED = ("conditionsModule", "armsInterventionsModule", "outcomesModule", "eligibilityModule")
RESULT_DATES = ("resultsFirstSubmitDate", "resultsFirstSubmitQcDate", "resultsFirstPostDateStruct")
PAGE_NAME = re.compile(r"studies-(\d{5})\.json")


class CorpusError(Exception):
    """The corpus (the pool, or a corpus to change) cannot be used; exit status 2."""


# --------------------------------------------------------------------------- pool


@dataclass(slots=True)
class PoolStudy:
    """One real study, with what recombination needs precomputed."""

    study: dict[str, Any]
    ps: dict[str, Any]
    study_type: str
    model: str | None
    status_no_results: dict[str, Any]
    derived: dict[str, Any]


@dataclass
class Pool:
    """The real studies, grouped for choosing donors, and the real values used for changes."""

    studies: list[PoolStudy]
    by_type: dict[str, list[PoolStudy]] = field(default_factory=dict)
    by_model: dict[tuple[str, str | None], list[PoolStudy]] = field(default_factory=dict)
    summaries: list[str] = field(default_factory=list)
    time_frames: list[str] = field(default_factory=list)


def _studies_in(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("studies"), list):
        return doc["studies"]
    if isinstance(doc, dict) and "protocolSection" in doc:
        return [doc]
    return []


def _pool_entry(study: Any) -> PoolStudy | None:
    if not isinstance(study, dict) or not isinstance(study.get("protocolSection"), dict):
        return None
    ps = study["protocolSection"]
    ident = ps.get("identificationModule")
    status = ps.get("statusModule")
    design = ps.get("designModule")
    if not (isinstance(ident, dict) and isinstance(status, dict) and isinstance(design, dict)):
        return None
    if not (isinstance(ident.get("nctId"), str) and isinstance(ident.get("briefTitle"), str)):
        return None
    study_type = design.get("studyType")
    if not isinstance(study_type, str):
        return None
    info = design.get("designInfo") if isinstance(design.get("designInfo"), dict) else {}
    model = info.get("interventionModel") or info.get("observationalModel")
    if any(k in status for k in RESULT_DATES):
        status = {k: v for k, v in status.items() if k not in RESULT_DATES}
    derived = study.get("derivedSection")
    return PoolStudy(
        study=study,
        ps=ps,
        study_type=study_type,
        model=model if isinstance(model, str) else None,
        status_no_results=status,
        derived=derived if isinstance(derived, dict) else {},
    )


@lru_cache(maxsize=4)
def load_pool(corpus: Path) -> Pool:
    """Every usable API v2 study under the corpus, in a fixed order (sorted files, then ids once)."""
    if not corpus.is_dir():
        raise CorpusError(f"{corpus}: no such folder (the shared corpus; see --corpus)")
    entries: list[PoolStudy] = []
    seen: set[str] = set()
    for sub in POOL_SOURCES:
        folder = corpus / sub
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                doc = json.loads(path.read_bytes().decode("utf-8-sig"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CorpusError(f"{path}: cannot read: {exc}") from exc
            for study in _studies_in(doc):
                entry = _pool_entry(study)
                if entry is None:
                    continue
                nct = entry.ps["identificationModule"]["nctId"]
                if nct not in seen:
                    seen.add(nct)
                    entries.append(entry)
    if len(entries) < 2:
        folders = ", ".join(POOL_SOURCES)
        raise CorpusError(f"{corpus}: fewer than 2 API v2 studies under {folders}")
    pool = Pool(entries)
    summaries: dict[str, None] = {}
    time_frames: dict[str, None] = {}
    for e in entries:
        pool.by_type.setdefault(e.study_type, []).append(e)
        pool.by_model.setdefault((e.study_type, e.model), []).append(e)
        desc = e.ps.get("descriptionModule") or {}
        if isinstance(desc.get("briefSummary"), str):
            summaries[desc["briefSummary"]] = None
        outcomes = e.ps.get("outcomesModule") or {}
        for key in ("primaryOutcomes", "secondaryOutcomes"):
            for oc in outcomes.get(key) or []:
                if isinstance(oc, dict) and isinstance(oc.get("timeFrame"), str):
                    time_frames[oc["timeFrame"]] = None
    pool.summaries = list(summaries)
    pool.time_frames = list(time_frames)
    return pool


# --------------------------------------------------------------------------- generating


def nct_id(serial: int) -> str:
    """The synthetic NCT id of study ``serial`` (1-based): ``NCT9`` + 7 digits."""
    return f"NCT9{serial:07d}"


def page_token(seed: int, total: int, page: int) -> str:
    """An opaque, deterministic nextPageToken, looking like the API's."""
    digest = hashlib.sha256(f"trialkg-synthetic:{seed}:{total}:{page}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


def _identification(ident: dict[str, Any], serial: int) -> dict[str, Any]:
    suffix = f" (synthetic {serial})"
    out = {}
    for key, value in ident.items():
        if key == "nctId":
            value = nct_id(serial)
        elif key in ("briefTitle", "officialTitle") and isinstance(value, str):
            value = value + suffix
        out[key] = value
    return out


def compose(
    serial: int,
    base: PoolStudy,
    conditions: PoolStudy,
    arms: PoolStudy,
    outcomes: PoolStudy,
    eligibility: PoolStudy,
) -> dict[str, Any]:
    """Generated study ``serial``: the base with the four modules taken from the given studies."""
    source = dict(zip(SWAPPED, (conditions, arms, outcomes, eligibility), strict=True))
    exact = all(s is base for s in source.values())
    ps: dict[str, Any] = {}
    for key in (*MODULE_ORDER, *(k for k in base.ps if k not in MODULE_ORDER)):
        if key == "identificationModule":
            ps[key] = _identification(base.ps[key], serial)
        elif key == "statusModule" and not exact:
            ps[key] = base.status_no_results
        else:
            value = source.get(key, base).ps.get(key)
            if value is not None:
                ps[key] = value
    if exact:
        return {k: (ps if k == "protocolSection" else v) for k, v in base.study.items()}
    derived = {}
    for key, src in (
        ("miscInfoModule", base),
        ("conditionBrowseModule", conditions),
        ("interventionBrowseModule", arms),
    ):
        if key in src.derived:
            derived[key] = src.derived[key]
    study: dict[str, Any] = {"protocolSection": ps}
    if derived:
        study["derivedSection"] = derived
    study["hasResults"] = False
    return study


def _donor(rng: random.Random, group: list[PoolStudy], base: PoolStudy) -> PoolStudy:
    """Another study of the group than the base (the base itself if it is alone)."""
    if len(group) < 2:
        return base
    while True:
        donor = group[rng.randrange(len(group))]
        if donor is not base:
            return donor


def iter_studies(n: int, seed: int, pool: Pool) -> Iterator[dict[str, Any]]:
    """The n generated studies, one at a time (see the module docstring)."""
    rng = random.Random(seed)
    order: list[PoolStudy] = []
    for i in range(n):
        if i % len(pool.studies) == 0:
            order = list(pool.studies)
            rng.shuffle(order)
        base = order[i % len(order)]
        parts = [base] * 4
        if rng.random() >= DUPLICATE_RATE:
            by_type = pool.by_type[base.study_type]
            by_model = pool.by_model[(base.study_type, base.model)]
            arms_group = by_model if len(by_model) >= 2 else by_type
            for j, group in enumerate((by_type, arms_group, by_type, by_type)):
                if rng.random() < SWAP_RATE:
                    parts[j] = _donor(rng, group, base)
        yield compose(i + 1, base, *parts)


def dumps(obj: Any) -> str:
    """The one serialization: compact, UTF-8 text, insertion order, as the API writes."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def page_name(page: int) -> str:
    return f"studies-{page:05d}.json"


def write_page(path: Path, studies: Iterable[dict[str, Any] | str], token: str | None) -> int:
    """Write one /studies page (studies as objects or already serialized); the study count.

    The bytes equal ``dumps({"studies": [...], "nextPageToken": token})`` (no token
    key when ``token`` is None). Written under a hidden name, then renamed.
    """
    tmp = path.with_name("." + path.name + ".tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write('{"studies":[')
        for study in studies:
            if count:
                fh.write(",")
            fh.write(study if isinstance(study, str) else dumps(study))
            count += 1
        fh.write("]")
        if token is not None:
            fh.write(',"nextPageToken":' + dumps(token))
        fh.write("}")
    os.replace(tmp, path)
    return count


def prepare_out(out: Path) -> None:
    """Create the output folder and remove pages (and temporary pages) of an earlier run."""
    if out.exists() and not out.is_dir():
        raise CorpusError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for p in out.iterdir():
        if PAGE_NAME.fullmatch(p.name) or (p.name.startswith(".studies-") and p.suffix == ".tmp"):
            p.unlink()


class Progress:
    """Progress lines on stderr, at most one a second, and one at the end."""

    def __init__(self, total: int, what: str, stream: TextIO | None) -> None:
        self.total, self.what, self.stream = total, what, stream
        self.t0 = self.last = time.perf_counter()

    def update(self, done: int, pages: int, final: bool = False) -> None:
        now = time.perf_counter()
        if self.stream is not None and (final or now - self.last >= 1.0):
            self.last = now
            pct = 100.0 * done / self.total if self.total else 100.0
            print(
                f"{self.what}: {done}/{self.total} studies ({pct:.0f} %), {pages} pages, "
                f"{now - self.t0:.1f} s",
                file=self.stream,
                flush=True,
            )


def generate(
    n: int, out: Path, seed: int = 0, corpus: Path = DEFAULT_CORPUS, quiet: bool = False
) -> int:
    """Write n generated studies as /studies pages under ``out``; the number of pages."""
    pool = load_pool(corpus)
    prepare_out(out)
    pages = (n + PAGE_SIZE - 1) // PAGE_SIZE
    studies = iter_studies(n, seed, pool)
    progress = Progress(n, "generating", None if quiet else sys.stderr)
    done = 0
    for page in range(1, pages + 1):
        size = min(PAGE_SIZE, n - done)
        chunk = (next(studies) for _ in range(size))
        token = page_token(seed, n, page) if page < pages else None
        done += write_page(out / page_name(page), chunk, token)
        progress.update(done, page, final=page == pages)
    return pages


# --------------------------------------------------------------------------- changing


def corpus_pages(src: Path) -> list[Path]:
    """The pages of a generated corpus, checked to be studies-00001.json ... without gaps."""
    if not src.is_dir():
        raise CorpusError(f"{src}: no such folder (--changed-from)")
    pages = sorted(p for p in src.iterdir() if PAGE_NAME.fullmatch(p.name))
    if not pages:
        raise CorpusError(f"{src}: no studies-NNNNN.json pages (--changed-from)")
    for i, p in enumerate(pages, 1):
        if p.name != page_name(i):
            raise CorpusError(f"{src}: pages are not numbered 1, 2, ...: {p.name} is page {i}")
    return pages


PAGE_HEAD = '{"studies":['
_DECODER = json.JSONDecoder()


@dataclass
class PageText:
    """A page as written by :func:`write_page`: its text, the spans of its studies, its token."""

    text: str
    spans: list[tuple[int, int]]
    token: str | None

    def raw(self, j: int) -> str:
        a, b = self.spans[j]
        return self.text[a:b]


def read_page(path: Path) -> PageText:
    """Split a page into the exact text of each study (decoding each once, to find its end)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from exc
    if not text.startswith(PAGE_HEAD):
        raise CorpusError(f"{path}: not a page written by make_corpus.py (compact /studies JSON)")
    spans: list[tuple[int, int]] = []
    pos = len(PAGE_HEAD)
    try:
        while text[pos] != "]":
            _, end = _DECODER.raw_decode(text, pos)
            spans.append((pos, end))
            pos = end + 1 if text[end] == "," else end
        tail = text[pos + 1 :]  # after the "]": "}" or ',"nextPageToken":"..."}'
        rest = json.loads("{" + tail[1:]) if tail.startswith(",") else json.loads("{" + tail)
    except (IndexError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not a page written by make_corpus.py: {exc}") from exc
    token = rest.get("nextPageToken")
    return PageText(text, spans, token if isinstance(token, str) else None)


def _other(rng: random.Random, values: list[str], current: Any) -> str:
    """A value of the list other than the current one."""
    if not values or (len(values) == 1 and values[0] == current):
        raise CorpusError("the pool has too few distinct values to change from")
    while True:
        value = values[rng.randrange(len(values))]
        if value != current:
            return value


def _day_later(text: Any) -> Any:
    try:
        return (dt.date.fromisoformat(text) + dt.timedelta(days=1)).isoformat()
    except (TypeError, ValueError):
        return text


def change_study(study: dict[str, Any], rng: random.Random, pool: Pool) -> str:
    """Modify one study in place (see the module docstring); what was changed."""
    ps = study.setdefault("protocolSection", {})
    outcomes = ps.get("outcomesModule") or {}
    primary = [oc for oc in outcomes.get("primaryOutcomes") or [] if isinstance(oc, dict)]
    if primary and rng.random() < 0.5:
        oc = primary[rng.randrange(len(primary))]
        oc["timeFrame"] = _other(rng, pool.time_frames, oc.get("timeFrame"))
        kind = "timeFrame"
    else:
        desc = ps.setdefault("descriptionModule", {})
        desc["briefSummary"] = _other(rng, pool.summaries, desc.get("briefSummary"))
        kind = "briefSummary"
    status = ps.get("statusModule")
    if isinstance(status, dict):
        if "lastUpdateSubmitDate" in status:
            status["lastUpdateSubmitDate"] = _day_later(status["lastUpdateSubmitDate"])
        posted = status.get("lastUpdatePostDateStruct")
        if isinstance(posted, dict) and "date" in posted:
            posted["date"] = _day_later(posted["date"])
    return kind


def change(
    src: Path,
    out: Path,
    fraction: float,
    seed: int = 0,
    corpus: Path = DEFAULT_CORPUS,
    quiet: bool = False,
) -> dict[str, int]:
    """Copy the generated corpus ``src`` to ``out`` with round(fraction * N) studies changed.

    Returns the counts: ``studies``, ``changed``, and per kind of change.
    """
    if out.resolve() == src.resolve():
        raise CorpusError(f"{out}: --out must differ from --changed-from")
    pages = corpus_pages(src)
    n = PAGE_SIZE * (len(pages) - 1) + len(read_page(pages[-1]).spans)
    pool = load_pool(corpus)
    rng = random.Random(seed)
    k = round(fraction * n)
    chosen = sorted(rng.sample(range(n), k), reverse=True)  # popped from the end, in order
    counts = {"studies": n, "changed": 0, "briefSummary": 0, "timeFrame": 0}
    prepare_out(out)
    progress = Progress(n, "changing", None if quiet else sys.stderr)
    start = 0
    for number, path in enumerate(pages, 1):
        size = PAGE_SIZE if number < len(pages) else n - start
        here = []
        while chosen and chosen[-1] < start + size:
            here.append(chosen.pop() - start)
        if not here:
            shutil.copyfile(path, out / path.name)
            count = size
        else:
            page = read_page(path)
            if len(page.spans) != size:
                raise CorpusError(
                    f"{path}: {len(page.spans)} studies, expected {size}: not a corpus written "
                    "by make_corpus.py (1,000 studies a page but the last)"
                )
            changed: dict[int, str] = {}
            for j in here:
                study = json.loads(page.raw(j))
                counts[change_study(study, rng, pool)] += 1
                counts["changed"] += 1
                changed[j] = dumps(study)
            parts = (changed.get(j) or page.raw(j) for j in range(size))
            count = write_page(out / path.name, parts, page.token)
            del page, changed
        start += count
        progress.update(start, number, final=number == len(pages))
    return counts


# --------------------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make_corpus.py",
        description="Write a synthetic ClinicalTrials.gov API v2 corpus (/studies pages) "
        "recombined from the real studies of the shared corpus, or a copy of one with a "
        "fraction of its studies changed.",
        epilog="examples: python bench/make_corpus.py --n 100000 --out /tmp/c100k; "
        "python bench/make_corpus.py --changed-from /tmp/c100k --out /tmp/c100k-1pc "
        "--change-fraction 0.01",
    )
    parser.add_argument("--n", type=int, help=f"number of studies to generate (1..{MAX_N})")
    parser.add_argument("--out", type=Path, required=True, help="output folder for the pages")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="the shared corpus of real studies (default: ../shared/corpus beside the project)",
    )
    parser.add_argument(
        "--changed-from",
        type=Path,
        metavar="DIR",
        help="copy this generated corpus to --out with a fraction of its studies changed",
    )
    parser.add_argument(
        "--change-fraction",
        type=float,
        metavar="F",
        help="with --changed-from: the fraction of studies to change, 0..1 (default 0.01)",
    )
    args = parser.parse_args(argv)
    if args.changed_from is None:
        if args.n is None:
            parser.error("--n is required (or --changed-from DIR)")
        if not 1 <= args.n <= MAX_N:
            parser.error(f"--n must be between 1 and {MAX_N}, got {args.n}")
        if args.change_fraction is not None:
            parser.error("--change-fraction needs --changed-from DIR")
    else:
        if args.n is not None:
            parser.error("--n cannot be given with --changed-from (N is that corpus's)")
        if args.change_fraction is None:
            args.change_fraction = 0.01
        if not 0.0 <= args.change_fraction <= 1.0:
            parser.error(f"--change-fraction must be between 0 and 1, got {args.change_fraction}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    try:
        if args.changed_from is None:
            pages = generate(args.n, args.out, args.seed, args.corpus)
            print(
                f"wrote {args.n} studies in {pages} pages to {args.out} "
                f"(seed {args.seed}, {time.perf_counter() - t0:.1f} s)"
            )
        else:
            c = change(args.changed_from, args.out, args.change_fraction, args.seed, args.corpus)
            print(
                f"changed {c['changed']} of {c['studies']} studies ({c['briefSummary']} brief "
                f"summaries, {c['timeFrame']} primary outcome time frames) copying "
                f"{args.changed_from} to {args.out} (seed {args.seed}, "
                f"{time.perf_counter() - t0:.1f} s)"
            )
    except CorpusError as exc:
        print(f"make_corpus.py: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"make_corpus.py: error: cannot write {args.out}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
