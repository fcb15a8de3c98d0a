"""MaxFuse's joint space: every cell embedded, every cell that must be matched matched (issue 17, parts 1 and 2)."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pytest
import scanpy as sc

import mufuse
from conftest import read_quiet
from mufuse.tl._joint import best_partners


def test_best_partners_is_the_exact_best_correlation():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(300, 12))
    query = target[rng.integers(0, 300, 500)] + rng.normal(scale=0.5, size=(500, 12))
    idx, corr = best_partners(query, target)
    full = np.corrcoef(query, target)[:500, 500:]
    np.testing.assert_array_equal(idx, full.argmax(axis=1))
    np.testing.assert_allclose(corr, full.max(axis=1), atol=1e-5)


@pytest.fixture(scope="module")
def matched():
    """Unpaired simulated data, MaxFuse's last filter set to drop 30% of the propagated matches."""
    m = mufuse.datasets.simulated(1200, n_genes=600, paired=False, n_prot_cells=2000, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
        matching = mufuse.tl.run_maxfuse(m, filter_bad_matches_propagated={"filter_prop": 0.3})
    return m, matching


@pytest.mark.maxfuse
def test_every_protein_cell_is_matched_and_the_stage_says_how(matched):
    m, matching = matched
    assert matching["prot"].nunique() == m["prot"].n_obs  # all 2,000, though MaxFuse's filter dropped 30%
    assert m["prot"].obs["mufuse_match"].notna().all()
    emb = matching[matching["stage"] == "embedding"]
    assert len(emb) >= 0.05 * m["prot"].n_obs  # the cells the filter dropped (300 of 2,000 in a typical run)
    l1 = m["rna"].obs.loc[emb["rna"], "cell_type"].to_numpy()
    l2 = m["prot"].obs.loc[emb["prot"], "cell_type"].to_numpy()
    assert (l1 == l2).mean() > 0.85  # the worst-scoring 30%, matched in the joint space, still agree
    e1, e2 = m["rna"].obsm["X_mufuse"], m["prot"].obsm["X_mufuse"]
    i1, i2 = m["rna"].obs_names.get_indexer(emb["rna"]), m["prot"].obs_names.get_indexer(emb["prot"])
    np.testing.assert_allclose(
        emb["score"], [np.corrcoef(e1[a], e2[b])[0, 1] for a, b in zip(i1, i2, strict=True)], atol=1e-4
    )


@pytest.mark.maxfuse
def test_the_joint_embedding_is_stored_and_usable_by_scanpy(matched, tmp_path):
    m, _ = matched
    e1, e2 = m["rna"].obsm["X_mufuse"], m["prot"].obsm["X_mufuse"]
    assert e1.shape == (1200, e2.shape[1]) and e2.shape[0] == 2000 and e1.dtype == np.float32
    np.testing.assert_allclose(e2.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(e2.std(axis=0), 1, atol=1e-4)
    path = tmp_path / "m.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    back = read_quiet(path)
    np.testing.assert_array_equal(back["prot"].obsm["X_mufuse"], e2)
    both = ad.concat({"rna": back["rna"], "prot": back["prot"]}, label="modality", join="inner")
    sc.pp.neighbors(both, use_rep="X_mufuse", n_neighbors=15)
    sc.tl.umap(both, random_state=0)
    assert both.obsm["X_umap"].shape == (3200, 2)
    again = back.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(again)
    assert "X_mufuse" not in again["prot"].obsm  # the embedding of the old arrays is gone with their matching


@pytest.mark.maxfuse
def test_embedding_equals_maxfuse_get_embedding(sim):
    from maxfuse.model import Fusor

    from mufuse.tl._joint import embed
    from mufuse.tl._maxfuse import _run_stages, maxfuse_defaults

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(sim)
        inputs = mufuse.tl.to_maxfuse(sim)
        fusor = Fusor(**inputs)
        n = sim["rna"].n_obs
        params = maxfuse_defaults(
            n, n, inputs["shared_arr1"].shape[1], *(inputs[k].shape[1] for k in ("active_arr1", "active_arr2"))
        )
        _run_stages(fusor, params, verbose=False)
    want1, want2 = fusor.get_embedding(inputs["active_arr1"], inputs["active_arr2"])
    got1, got2 = embed(fusor, inputs["active_arr1"], inputs["active_arr2"])
    np.testing.assert_allclose(got1, want1, atol=1e-4)
    np.testing.assert_allclose(got2, want2, atol=1e-4)
