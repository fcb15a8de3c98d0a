"""The RNA batches hold one mix of cells, as per-batch z-scores assume, or harmonize says so (issue 29).

The kind: ``batch_key`` on RNA batches of different mixes (one sample of sorted T cells beside whole blood, one
sample without its monocytes), which per-batch z-scores move apart; against it, what must stay quiet: batches of one
mix, also at a half or a quarter of the depth. On the real pbmc10k cells, and on the simulator.
"""

from __future__ import annotations

import warnings

import mudata
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import mufuse
from mufuse import MufuseError

MIX = "modality 'rna': the batches of obs\\['batch'\\] hold different mixes of cells"


def _two_batches(m, first: np.ndarray) -> mudata.MuData:
    """RNA batches 'a' (the cells ``first``) and 'b'; the protein (other cells in a study) has no batch column."""
    rna = m["rna"].copy()
    rna.obs["batch"] = np.where(first, "a", "b")
    return mudata.MuData({"rna": rna, "prot": m["prot"].copy()})


def _harmonize(m, **kwargs) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        mufuse.pp.harmonize(m, batch_key="batch", **kwargs)
    return [str(w.message) for w in seen]


def _thinned(m, rows: np.ndarray, share: float, seed: int) -> mudata.MuData:
    x = sp.csr_matrix(m["rna"].X, dtype=np.float32, copy=True)
    mask = rows[np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))]
    x.data[mask] = np.random.default_rng(seed).binomial(x.data[mask].astype(np.int64), share)
    x.eliminate_zeros()
    m["rna"].X = x
    return m


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("depth", [1.0, 0.5, 0.25])
def test_batches_of_one_mix_stay_quiet_at_any_depth(pbmc, seed, depth):
    half = np.random.default_rng(seed).random(pbmc.n_obs) < 0.5
    m = _thinned(_two_batches(pbmc, half), half, depth, seed)
    said = _harmonize(m)
    assert not [w for w in said if "different mixes" in w], said
    assert "rna_batch_composition" not in m.uns["mufuse"]["report"]


LABEL = "cell_type_derived_coarse"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("kind", "words"), [("sorted T cells", "T-cells"), ("no monocytes", "Monocytes")])
def test_batches_of_different_mixes_are_said_and_batch_align_pools_the_rna(pbmc, seed, kind, words):
    half = np.random.default_rng(seed).random(pbmc.n_obs) < 0.5
    group = pbmc["rna"].obs[LABEL].astype(str).str.contains(words).to_numpy()
    keep = (half & group) | ~half if kind == "sorted T cells" else ~(half & group)
    m = _two_batches(pbmc, half)
    m = mudata.MuData({"rna": m["rna"][keep].copy(), "prot": m["prot"].copy()})
    said = _harmonize(m)
    found = [w for w in said if "different mixes" in w]
    assert len(found) == 1 and "pass batch_align=True" in found[0], said
    table = pd.DataFrame(m.uns["mufuse"]["report"]["rna_batch_composition"])
    assert len(table) >= 2 and (table["shift"] >= 0.5).all() and set(table["batch_a"]) <= {"a", "b"}
    assert set(table["marker"]) <= set(m["prot"].var_names)
    # the advice applies although the protein has no batches: the RNA is z-scored over all cells, nothing is said
    said = _harmonize(m, batch_align=True)
    assert not [w for w in said if "different mixes" in w], said
    x = np.asarray(m["rna"].obsm["mufuse_shared"])
    np.testing.assert_allclose(x.mean(axis=0)[x.std(axis=0) > 0], 0.0, atol=0.05)  # one z-score for all cells


def test_the_sorted_batch_is_said_on_the_simulator_and_the_message_names_genes():
    m = mufuse.datasets.simulated(1200, seed=8)
    t = m["rna"].obs["cell_type"].astype(str).str.contains("T").to_numpy()
    half = np.random.default_rng(0).random(m.n_obs) < 0.5
    m = _two_batches(m, half)
    m = mudata.MuData({"rna": m["rna"][(half & t) | ~half].copy(), "prot": m["prot"].copy()})
    said = [w for w in _harmonize(m) if "different mixes" in w]
    assert len(said) == 1
    table = pd.DataFrame(m.uns["mufuse"]["report"]["rna_batch_composition"])
    assert table["gene"].iloc[0] in said[0]
    assert "% of 'a' vs " in said[0] or "% of 'b' vs " in said[0]


def test_batch_align_without_batches_in_either_modality_is_refused(pbmc):
    m = pbmc.copy()
    m["rna"].obs["batch"] = "one"
    with pytest.raises(MufuseError, match="batch_align=True needs two or more batches in obs\\['batch'\\] of modality"):
        mufuse.pp.harmonize(m, batch_key="batch", batch_align=True)
