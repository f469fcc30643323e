"""Shared test helpers: where the real corpus is, and a skip marker when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
EXAMPLES = ROOT / "examples" / "seeds"

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"the shared corpus is not at {CORPUS}: real-data tests need ../shared/corpus",
)


@pytest.fixture(scope="session")
def seeds_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example seeds built once into a temporary folder."""
    from kg.build import build

    out = tmp_path_factory.mktemp("seeds") / "kg"
    build([EXAMPLES], out, progress=False)
    return out
