from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mufuse
from conftest import assert_unchanged, read_quiet, snapshot


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
    with pytest.raises(mufuse.MufuseError, match="'nope' is not an obs column of modality 'rna'"):
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


@pytest.mark.maxfuse
@pytest.mark.realdata
def test_maxfuse_graphs_on_batches_above_4096_cells(pbmc):
    """Regression: with pynndescent 0.7, scanpy's neighbors() fails from 4,096 cells on; the maxfuse extra pins it."""
    from maxfuse.model import Fusor

    m = pbmc[:4200].copy()
    mufuse.pp.harmonize(m)
    fusor = Fusor(**mufuse.tl.to_maxfuse(m))
    params = mufuse.tl.maxfuse_defaults(4200, 4200, 12, 2000, 14)
    fusor.split_into_batches(**params["split_into_batches"], verbose=False)
    assert max(len(idx) for idx in fusor._batch_to_indices1) > 4096  # the size that used to fail
    fusor.construct_graphs(**params["construct_graphs"], verbose=False)
    assert len(fusor._labels1) == len(fusor._batch_to_indices1)


@pytest.fixture(scope="module")
def matched():
    m = mufuse.datasets.simulated(700, n_genes=500, paired=False, n_prot_cells=600, seed=11)
    x = m["rna"].X.tolil()
    x[:5] = 0  # five RNA cells without any count, four protein cells without any signal: left out of the matching
    m["rna"].X = x.tocsr()
    p = np.asarray(m["prot"].X.toarray() if hasattr(m["prot"].X, "toarray") else m["prot"].X).copy()
    p[:4] = 0
    m["prot"].X = p
    with pytest.warns(UserWarning, match="without any signal"):
        mufuse.pp.harmonize(m)
    matching = mufuse.tl.run_maxfuse(m, seed=0)
    return m, matching


@pytest.mark.maxfuse
def test_empty_cells_are_left_out_of_the_matching(matched):
    m, matching = matched
    empty = m.uns["mufuse"]["report"]["empty_cell_names"]
    assert list(empty["rna"]) == list(m["rna"].obs_names[:5]) and list(empty["prot"]) == list(m["prot"].obs_names[:4])
    assert not matching["rna"].isin(empty["rna"]).any() and not matching["prot"].isin(empty["prot"]).any()
    assert m["prot"].obs.loc[empty["prot"], "mufuse_match"].isna().all()


@pytest.mark.maxfuse
def test_run_maxfuse_end_to_end(matched):
    m, matching = matched
    assert list(matching.columns) == ["rna", "prot", "score", "stage", "confidence"]
    assert matching["confidence"].between(0, 1).all()
    assert set(matching["stage"]) <= {"pivot", "propagated"} and (matching["stage"] == "pivot").any()
    assert matching["rna"].isin(m["rna"].obs_names).all() and matching["prot"].isin(m["prot"].obs_names).all()
    assert matching["prot"].nunique() / m["prot"].n_obs > 0.9  # order=(2, 1): (almost) every protein cell
    l1 = m["rna"].obs.loc[matching["rna"], "cell_type"].to_numpy()
    l2 = m["prot"].obs.loc[matching["prot"], "cell_type"].to_numpy()
    assert (l1 == l2).mean() > 0.85
    stored = m.uns["mufuse"]["matching"]
    pd.testing.assert_frame_equal(stored.reset_index(drop=True), matching.assign(stage=matching["stage"].astype(str)))
    best = m["prot"].obs["mufuse_match"]
    assert best.dropna().isin(m["rna"].obs_names).all() and not (best.astype(object) == "").any()
    assert m.uns["mufuse"]["params"]["maxfuse"]["refine_pivots"]["cca_components"] >= 1
    top = matching.sort_values("score", ascending=False, kind="stable").drop_duplicates("prot").set_index("prot")
    has = best.notna().to_numpy()
    np.testing.assert_array_equal(
        m["prot"].obs["mufuse_confidence"].to_numpy()[has], top["confidence"].reindex(m["prot"].obs_names[has])
    )


@pytest.mark.maxfuse
def test_confidence_ranks_planted_wrong_pairs_below_right_ones(matched):
    """In the fitted joint space, pairs of cells of the same type get a higher confidence than pairs of cells of
    different types (the confidence uses no label)."""
    from mufuse.tl._confidence import pair_confidence

    m, _ = matched
    rna, prot = m["rna"], m["prot"]
    t1, t2 = rna.obs["cell_type"].to_numpy(), prot.obs["cell_type"].to_numpy()
    rng = np.random.default_rng(1)
    p = rng.choice(prot.n_obs, 300, replace=False)
    same = np.array([rng.choice(np.flatnonzero(t1 == t2[i])) for i in p])
    other = np.array([rng.choice(np.flatnonzero(t1 != t2[i])) for i in p])
    args = (rna.obsm["X_mufuse"], prot.obsm["X_mufuse"], rna.obsm["mufuse_active"], prot.obsm["mufuse_active"])
    right = pair_confidence(*args, same, p)
    wrong = pair_confidence(*args, other, p)
    assert right.mean() > wrong.mean() + 0.3
    assert (right > np.median(wrong)).mean() > 0.8


@pytest.mark.maxfuse
def test_confidence_false_leaves_it_out_and_keeps_the_pairs(matched):
    m, first = matched
    again = m.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        second = mufuse.tl.run_maxfuse(again, seed=0, confidence=False)
    assert "confidence" not in second and "mufuse_confidence" not in again["prot"].obs
    pd.testing.assert_frame_equal(second, first.drop(columns="confidence"))
    with pytest.raises(mufuse.MufuseError, match="confidence must be True or False"):
        mufuse.tl.run_maxfuse(again, confidence="no")


@pytest.mark.maxfuse
def test_a_seed_gives_one_matching_and_leaves_numpy_state_alone(matched):
    """MaxFuse's SVDs are its randomized ones, seeded: the same seed repeats the matching (ARPACK's unseeded start
    made runs of one seed differ), and the caller's global NumPy random state is what it was."""
    m, first = matched
    again = m.copy()
    np.random.seed(7)  # noqa: NPY002 - the caller's global state, which run_maxfuse must leave as it was
    want = np.random.random(3)  # noqa: NPY002
    np.random.seed(7)  # noqa: NPY002
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        second = mufuse.tl.run_maxfuse(again, seed=0)
    np.testing.assert_array_equal(np.random.random(3), want)  # noqa: NPY002
    pd.testing.assert_frame_equal(second, first)
    np.testing.assert_array_equal(again["prot"].obsm["X_mufuse"], m["prot"].obsm["X_mufuse"])
    assert all(m.uns["mufuse"]["params"]["maxfuse"][s]["randomized_svd"] for s in ("construct_graphs", "propagate"))


@pytest.mark.maxfuse
def test_matching_is_by_name_and_survives_h5mu(matched, tmp_path):
    m, _ = matched
    path = tmp_path / "m.h5mu"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    back = read_quiet(path)
    pd.testing.assert_frame_equal(back.uns["mufuse"]["matching"], m.uns["mufuse"]["matching"])
    # reorder the protein modality: the stored names still point at the same cells
    order = np.random.default_rng(0).permutation(back["prot"].n_obs)
    back.mod["prot"] = back["prot"][order].copy()
    row = back.uns["mufuse"]["matching"].iloc[0]
    assert back["prot"].obs.loc[row["prot"], "cell_type"] == m["prot"].obs.loc[row["prot"], "cell_type"]


def test_add_matching_from_positions_and_errors(sim):
    mufuse.tl.add_matching(sim, [[0, 2], [1, 1], [0.5, 0.9]])
    table = sim.uns["mufuse"]["matching"]
    assert table["rna"].tolist() == [sim["rna"].obs_names[0], sim["rna"].obs_names[2]]
    assert sim["prot"].obs["mufuse_match"].iloc[1] == sim["rna"].obs_names[2]  # best score wins
    assert sim["prot"].obs["mufuse_score"].iloc[1] == pytest.approx(0.9)
    assert pd.isna(sim["rna"].obs["mufuse_match"].iloc[5]) and np.isnan(sim["rna"].obs["mufuse_score"].iloc[5])
    snap = snapshot(sim)
    with pytest.raises(mufuse.MufuseError, match="outside"):
        mufuse.tl.add_matching(sim, [[0, 10**6], [1, 1], [0.5, 0.9]])
    with pytest.raises(mufuse.MufuseError, match="not obs names of modality 'prot'"):
        mufuse.tl.add_matching(sim, pd.DataFrame({"rna": [sim["rna"].obs_names[0]], "prot": ["nope"], "score": [1.0]}))
    with pytest.raises(mufuse.MufuseError, match="lacks column"):
        mufuse.tl.add_matching(sim, pd.DataFrame({"rna": [sim["rna"].obs_names[0]]}))
    assert_unchanged(sim, snap)


def test_run_maxfuse_bad_parameters(sim):
    mufuse.pp.harmonize(sim)
    with pytest.raises(mufuse.MufuseError, match="unknown MaxFuse stage"):
        mufuse.tl.run_maxfuse(sim, refine={"cca_components": 3})
    with pytest.raises(mufuse.MufuseError, match="order"):
        mufuse.tl.run_maxfuse(sim, order=(1, 1))


def test_maxfuse_defaults_respect_array_sizes():
    p = mufuse.tl.maxfuse_defaults(3000, 3000, 12, 2000, 14)
    assert p["find_initial_pivots"]["svd_components1"] is None  # 12 shared features: no SVD
    assert p["refine_pivots"]["svd_components2"] is None and p["refine_pivots"]["cca_components"] == 13
    big = mufuse.tl.maxfuse_defaults(200_000, 1_000_000, 60, 2000, 50)
    assert big["split_into_batches"]["max_outward_size"] == 8000
    assert big["split_into_batches"]["matching_ratio"] == 10
    assert big["find_initial_pivots"]["svd_components1"] == 25
    tiny = mufuse.tl.maxfuse_defaults(60, 50, 5, 50, 5)
    assert tiny["construct_graphs"]["n_neighbors1"] == 3
    assert tiny["refine_pivots"]["cca_components"] == 4


@pytest.mark.maxfuse
@pytest.mark.realdata
def test_run_maxfuse_on_real_disjoint_halves(pbmc):
    """pbmc10k: RNA from 1,200 cells, protein from 1,200 others; SingleR labels are the truth."""
    import mudata

    rng = np.random.default_rng(0)
    idx = rng.permutation(pbmc.n_obs)[:2400]
    m = mudata.MuData(
        {"rna": pbmc["rna"][np.sort(idx[:1200])].copy(), "prot": pbmc["prot"][np.sort(idx[1200:])].copy()}
    )
    mufuse.pp.harmonize(m)
    matching = mufuse.tl.run_maxfuse(m)
    l1 = m["rna"].obs.loc[matching["rna"], "cell_type_derived_coarse"].to_numpy()
    l2 = m["prot"].obs.loc[matching["prot"], "cell_type_derived_coarse"].to_numpy()
    assert (l1 == l2).mean() > 0.8
    assert matching["prot"].nunique() / m["prot"].n_obs > 0.95
    ev = mufuse.tl.evaluate_matching(m, label_key="cell_type_derived_coarse", n_perms=200)
    assert ev["p_value"] < 0.01 and ev["foscttm"] is None


@pytest.mark.maxfuse
@pytest.mark.realdata
def test_sketched_route_on_real_disjoint_halves(pbmc):
    """pbmc10k halves matched through a sketch of 3,000 protein and 1,500 RNA cells: every protein cell with signal
    gets a partner. The bound holds for any MaxFuse run: at 1,700 × 3,400 cells five splits gave 0.868 ± 0.013
    (benchmarks/README.md), 0.8 is five deviations below."""
    import mudata

    rng = np.random.default_rng(1)
    idx = rng.permutation(pbmc.n_obs)
    half = pbmc.n_obs // 2
    m = mudata.MuData(
        {"rna": pbmc["rna"][np.sort(idx[:half])].copy(), "prot": pbmc["prot"][np.sort(idx[half:])].copy()}
    )
    mufuse.pp.harmonize(m)
    matching = mufuse.tl.run_maxfuse(m, route="sketch", sketch_size=3000)
    route = m.uns["mufuse"]["params"]["maxfuse"]["route"]
    assert (route["fitted_rna_cells"], route["fitted_prot_cells"]) == (1500, 3000)
    assert matching["prot"].nunique() == m["prot"].n_obs - len(m.uns["mufuse"]["report"]["empty_cell_names"]["prot"])
    ev = mufuse.tl.evaluate_matching(m, label_key="cell_type_derived_coarse", n_perms=200)
    assert ev["label_agreement"] > 0.8 and ev["p_value"] < 0.01
