"""Readers, one per input format, auto-detected by content.

Every reader module exposes:

* ``FORMAT``: the format name written in ``record.source.format``;
* ``sniff(head: bytes, path: Path) -> bool``: True when the first bytes of a
  file look like this format (content first, file name only as a tie-break);
* ``read(path: Path) -> Iterator[TrialRecord | Rejection]``: streams the file,
  one item per record. A malformed record becomes a :class:`Rejection` with its
  position and reason; the reader then goes on with the next record. A file that
  cannot be read at all yields one Rejection at position ``"file"``.

:func:`iter_records` walks files and folders and dispatches to the readers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

from kg.errors import InputError
from kg.record import Rejection, TrialRecord

HEAD_BYTES = 64 * 1024


def _readers() -> list[ModuleType]:
    # Order matters: the most specific sniffers first, the flat text last
    # (it accepts any seven-line text file).
    from kg.sources import ctgov_classic, ctgov_csv, ctgov_json, ctgov_xml, flat, hint_csv

    return [ctgov_classic, ctgov_json, ctgov_xml, hint_csv, ctgov_csv, flat]


def reader_for_format(fmt: str) -> ModuleType:
    """The reader module for a format name (``ctgov-json``, ``flat``, ...)."""
    for mod in _readers():
        if mod.FORMAT == fmt:
            return mod
    names = ", ".join(m.FORMAT for m in _readers())
    raise InputError(f"unknown format {fmt!r}; known formats: {names}")


def detect(path: Path) -> ModuleType | None:
    """The reader module whose sniffer accepts this file, or None."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    for mod in _readers():
        if mod.sniff(head, path):
            return mod
    return None


# Files that are never trial records, skipped silently inside folders.
_SKIP_NAMES = {"truth.jsonl", "README.md", "readme.md", "LICENSE", ".DS_Store"}


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Files named, and files under folders named, in sorted (stable) order.

    Raises :class:`InputError` for a path that does not exist.
    """
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in sorted(files):
                    if name.startswith(".") or name in _SKIP_NAMES:
                        continue
                    yield Path(root) / name
        else:
            yield path


def iter_records(
    paths: Iterable[str | os.PathLike[str]], fmt: str | None = None
) -> Iterator[TrialRecord | Rejection]:
    """Stream records (and rejections) from files and folders.

    ``fmt`` forces one format; by default each file's format is detected from its
    content. A file no reader recognises yields one Rejection, never a crash.
    """
    forced = reader_for_format(fmt) if fmt else None
    for path in expand_paths(paths):
        try:
            mod = forced or detect(path)
        except OSError as exc:
            yield Rejection(str(path), "file", f"cannot read file: {exc.strerror or exc}")
            continue
        if mod is None and path.stat().st_size == 0:
            yield Rejection(str(path), "file", "empty file")
            continue
        if mod is None:
            yield Rejection(
                str(path),
                "file",
                "unrecognised format (not ClinicalTrials.gov JSON/CSV/XML, nor 7-line flat text)",
            )
            continue
        try:
            yield from mod.read(path)
        except OSError as exc:
            yield Rejection(
                str(path), "file", f"cannot read file: {exc.strerror or exc}", mod.FORMAT
            )
