from __future__ import annotations

import numpy as np
import pytest

import mufuse


def test_to_maxfuse_contract(sim):
    with pytest.raises(mufuse.MufuseError, match=r"run mufuse\.pp\.harmonize"):
        mufuse.tl.to_maxfuse(sim)
    mufuse.pp.harmonize(sim)
    out = mufuse.tl.to_maxfuse(sim, labels="cell_type")
    assert list(out) == ["shared_arr1", "shared_arr2", "active_arr1", "active_arr2", "labels1", "labels2"]
    for key in ("shared_arr1", "shared_arr2", "active_arr1", "active_arr2"):
        assert out[key].dtype == np.float32 and out[key].flags.c_contiguous
    np.testing.assert_array_equal(out["shared_arr1"], sim["rna"].obsm["mufuse_shared"])
    np.testing.assert_array_equal(out["labels2"], sim["prot"].obs["cell_type"].astype(str).to_numpy())
    assert mufuse.tl.to_maxfuse(sim)["labels1"] is None
    with pytest.raises(mufuse.MufuseError, match="labels 'nope'.*'rna'"):
        mufuse.tl.to_maxfuse(sim, labels="nope")


def test_to_maxfuse_row_order_follows_obs(sim_unpaired):
    mufuse.pp.harmonize(sim_unpaired)
    out = mufuse.tl.to_maxfuse(sim_unpaired, labels=("cell_type", "cell_type"))
    assert out["shared_arr1"].shape[0] == sim_unpaired["rna"].n_obs
    assert out["shared_arr2"].shape[0] == sim_unpaired["prot"].n_obs
    assert len(out["labels2"]) == sim_unpaired["prot"].n_obs


@pytest.mark.maxfuse
def test_fusor_accepts_the_export_simulated(sim_unpaired):
    from maxfuse.model import Fusor

    mufuse.pp.harmonize(sim_unpaired)
    fusor = Fusor(**mufuse.tl.to_maxfuse(sim_unpaired, labels="cell_type"))
    assert fusor.shared_arr1.shape[1] == fusor.shared_arr2.shape[1]
    # the first MaxFuse stages run on it
    fusor.split_into_batches(max_outward_size=2000, matching_ratio=2, metacell_size=2, verbose=False)
    fusor.construct_graphs(
        n_neighbors1=15,
        n_neighbors2=15,
        svd_components1=15,
        svd_components2=None,
        resolution1=2,
        resolution2=2,
        verbose=False,
    )
    fusor.find_initial_pivots(wt1=0.3, wt2=0.3, svd_components1=10, svd_components2=10, verbose=False)
    fusor.refine_pivots(
        wt1=0.3,
        wt2=0.3,
        svd_components1=30,
        svd_components2=None,
        cca_components=10,
        n_iters=1,
        filter_prop=0.0,
        verbose=False,
    )
    fusor.filter_bad_matches(target="pivot", filter_prop=0.0, verbose=False)
    rows, cols, _ = fusor.get_matching(target="pivot")
    assert len(rows) > 0
    # pivots mostly pair cells of the same simulated type: the scales let the shared features speak
    l1 = sim_unpaired["rna"].obs["cell_type"].to_numpy()[rows]
    l2 = sim_unpaired["prot"].obs["cell_type"].to_numpy()[cols]
    assert (l1 == l2).mean() > 0.7


@pytest.mark.maxfuse
@pytest.mark.realdata
def test_fusor_accepts_the_export_real(pbmc):
    from maxfuse.model import Fusor

    mufuse.pp.harmonize(pbmc)
    inputs = mufuse.tl.to_maxfuse(pbmc, labels="cell_type_derived_coarse")
    fusor = Fusor(**inputs)
    assert fusor.active_arr1.shape == (6821, 2000)
    assert fusor.shared_arr2.shape == (6821, len(pbmc.uns["mufuse"]["shared"]))
