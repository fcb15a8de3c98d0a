from __future__ import annotations

import os
import warnings
from pathlib import Path

import mudata
import numpy as np
import pytest
from scipy import sparse

import mufuse

# the real datasets: ../shared/data beside the clone, or wherever MUFUSE_SHARED_DATA points
SHARED_DATA = Path(
    os.environ.get("MUFUSE_SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
PBMC = SHARED_DATA / "pbmc10k_protein_v3.h5mu"
REAL_DATA_FIXTURES = {"pbmc_path", "pbmc"}


def pytest_collection_modifyitems(config, items):
    """Mark every test that reads the real data ``realdata``, so that ``-m "not realdata"`` (make quick) leaves
    all of them out, whether or not its author marked it."""
    for item in items:
        if REAL_DATA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.realdata)


def pytest_collection_finish(session):
    """Keep how many tests a whole run collects (no -k, no -m, the default paths), for the docs' claims."""
    opt = session.config.option
    default = {str(Path(p)) for p in session.config.getini("testpaths")}
    whole = not opt.keyword and not opt.markexpr and {str(Path(a)) for a in session.config.args} == default
    # on the options namespace: with --import-mode=importlib a test's `import conftest` is another module object
    opt.mufuse_collected = len(session.items) if whole else None


def read_quiet(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.read_h5mu(str(path))


@pytest.fixture(scope="session")
def pbmc_path() -> Path:
    if not PBMC.exists():  # a failure, not a skip: a suite that passes without its real-data tests proves less
        pytest.fail(
            f"real data not found at {PBMC}: clone mufuse beside the shared/ folder, or set MUFUSE_SHARED_DATA to the "
            'folder holding pbmc10k_protein_v3.h5mu; to leave the real-data tests out, run make quick (-m "not '
            'realdata")',
            pytrace=False,
        )
    return PBMC


@pytest.fixture
def pbmc(pbmc_path):
    return read_quiet(pbmc_path)


@pytest.fixture(scope="session")
def _sim_cached():
    return mufuse.datasets.simulated(1500, n_genes=800, seed=3)


@pytest.fixture
def sim(_sim_cached):
    return _sim_cached.copy()


@pytest.fixture
def sim_unpaired():
    return mufuse.datasets.simulated(1200, n_genes=600, paired=False, n_prot_cells=900, seed=5)


def snapshot(mdata) -> dict:
    """Deep copy of everything a user owns, to check that nothing changed."""
    out = {}
    for name, ad in mdata.mod.items():
        x = ad.X
        out[name] = {
            "X": x.copy() if x is not None else None,
            "layers": {k: v.copy() for k, v in ad.layers.items()},
            "obs": ad.obs.copy(),
            "var": ad.var.copy(),
            "raw": None if ad.raw is None else ad.raw.X.copy(),
            "obsm": sorted(ad.obsm.keys()),
        }
    out["uns"] = sorted(mdata.uns.keys())
    return out


def _same(a, b) -> bool:
    if sparse.issparse(a) or sparse.issparse(b):
        return (
            sparse.issparse(a)
            and sparse.issparse(b)
            and a.format == b.format
            and (a != b).nnz == 0
            and a.dtype == b.dtype
        )
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True) and np.asarray(a).dtype == np.asarray(b).dtype


def assert_unchanged(mdata, snap, *, obsm_too: bool = True) -> None:
    for name, ad in mdata.mod.items():
        s = snap[name]
        assert _same(ad.X, s["X"]), f"{name}.X changed"
        assert sorted(ad.layers.keys()) == sorted(s["layers"]), f"{name}.layers changed"
        for k, v in s["layers"].items():
            assert _same(ad.layers[k], v), f"{name}.layers[{k}] changed"
        assert ad.obs.equals(s["obs"]), f"{name}.obs changed"
        assert ad.var.equals(s["var"]), f"{name}.var changed"
        if s["raw"] is not None:
            assert _same(ad.raw.X, s["raw"]), f"{name}.raw changed"
        if obsm_too:
            assert sorted(ad.obsm.keys()) == s["obsm"], f"{name}.obsm changed"
    if obsm_too:
        assert sorted(mdata.uns.keys()) == snap["uns"]
