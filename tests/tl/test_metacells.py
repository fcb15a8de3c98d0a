"""RNA metacells of two cells for MaxFuse's direct route (run_maxfuse(metacells="pairs"))."""

import warnings

import numpy as np
import pandas as pd
import pytest

import mufuse
from mufuse.tl._metacells import PAIR_NEIGHBOURS, metacell_means, pair_cells


def _clusters(n_per: int, n_clusters: int, dims: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(n_clusters, dims))
    labels = np.repeat(np.arange(n_clusters), n_per)
    return centres[labels] + rng.normal(size=(len(labels), dims)), labels


def test_pairs_cover_every_cell_once_in_groups_of_one_or_two():
    x, _ = _clusters(101, 3)
    groups = pair_cells(x, seed=1)
    assert groups.shape == (len(x),) and groups.min() == 0
    sizes = np.bincount(groups)
    assert set(np.unique(sizes)) <= {1, 2} and sizes.sum() == len(x)
    assert np.array_equal(np.unique(groups), np.arange(groups.max() + 1))  # numbered without gaps
    assert 2 * (sizes == 2).sum() / len(x) > 0.85  # most cells find a free neighbour among their 10 nearest


def test_pairs_join_near_cells():
    """In well-separated clusters a pair never spans two clusters; one of the two is among the other's 10 nearest by
    correlation (30 features: no PCA)."""
    from mufuse.tl._joint import unit_rows

    x, labels = _clusters(80, 5, dims=30, seed=2)
    groups = pair_cells(x, seed=0)
    u = unit_rows(x)
    for g in np.flatnonzero(np.bincount(groups) == 2):
        a, b = np.flatnonzero(groups == g)
        assert labels[a] == labels[b]
        rank = []  # the cell that chose: its partner is among its nearest
        for i, j in ((a, b), (b, a)):
            corr = u @ u[i]
            corr[i] = -np.inf
            rank.append(np.sum(corr > corr[j]))
        assert min(rank) < PAIR_NEIGHBOURS


def test_pairs_stay_within_labels():
    """With labels, no pair crosses them, even when the labels cut across the data's own structure."""
    x, _ = _clusters(60, 2, seed=3)
    labels = np.random.default_rng(0).choice(np.array(["a", "b", "c"]), size=len(x))
    groups = pair_cells(x, labels, seed=0)
    frame = pd.DataFrame({"g": groups, "label": labels})
    assert (frame.groupby("g")["label"].nunique() == 1).all()
    assert np.bincount(groups).max() == 2


def test_pairs_depend_on_the_seed_only():
    x, _ = _clusters(50, 4, seed=4)
    assert np.array_equal(pair_cells(x, seed=7), pair_cells(x, seed=7))
    assert not np.array_equal(pair_cells(x, seed=7), pair_cells(x, seed=8))


def test_tiny_inputs():
    assert pair_cells(np.ones((1, 5))).tolist() == [0]
    assert sorted(np.bincount(pair_cells(np.arange(6.0).reshape(2, 3)))) == [2]
    x, _ = _clusters(5, 2, dims=3)  # fewer features than principal components: no PCA
    assert np.bincount(pair_cells(x)).sum() == 10


def test_auto_takes_pairs_above_2000_rna_cells():
    from mufuse.tl._maxfuse import PAIRS_ABOVE, choose_metacells

    assert PAIRS_ABOVE == 2000
    assert [choose_metacells("auto", n) for n in (20, 2000, 2001, 20_000)] == ["maxfuse", "maxfuse", "pairs", "pairs"]
    assert choose_metacells("pairs", 20) == "pairs" and choose_metacells("maxfuse", 20_000) == "maxfuse"
    # a metacell size asked of MaxFuse means its own metacells; a size of 1 does not
    own = {"split_into_batches": {"metacell_size": 2}}
    assert choose_metacells("auto", 20_000, own) == "maxfuse"
    assert choose_metacells("auto", 20_000, {"split_into_batches": {"metacell_size": 1}}) == "pairs"


def test_metacell_means():
    arr = np.array([[1.0, 2.0], [3.0, 4.0], [10.0, 0.0]])
    got = metacell_means(arr, np.array([1, 0, 1]))
    np.testing.assert_allclose(got, [[3.0, 4.0], [5.5, 1.0]])
    assert got.dtype == np.float32 and got.flags.c_contiguous


def test_defaults_for_metacells_given_by_mufuse():
    """RNA rows are metacells: MaxFuse makes none, the ratio is protein cells per row, batches hold the same cells."""
    own = mufuse.tl.maxfuse_defaults(3000, 3000, 12, 2000, 14)
    pairs = mufuse.tl.maxfuse_defaults(3000, 3000, 12, 2000, 14, rna_rows=1550)
    assert own["split_into_batches"]["metacell_size"] == 2 and pairs["split_into_batches"]["metacell_size"] == 1
    assert own["split_into_batches"]["matching_ratio"] == pairs["split_into_batches"]["matching_ratio"] == 2
    assert pairs["split_into_batches"]["max_outward_size"] == 1550
    big = mufuse.tl.maxfuse_defaults(20_000, 20_000, 12, 2000, 14, rna_rows=10_400)
    assert big["split_into_batches"]["max_outward_size"] == 4160  # 8,000 cells' worth of rows
    tiny = mufuse.tl.maxfuse_defaults(60, 60, 5, 50, 5, rna_rows=31)
    assert tiny["refine_pivots"]["svd_components1"] is None or tiny["refine_pivots"]["svd_components1"] < 31
    # the smoothing weight follows the cells behind the rows (800 > 500), as it was measured, not the 420 rows
    assert mufuse.tl.maxfuse_defaults(800, 800, 12, 2000, 14, rna_rows=420)["refine_pivots"]["wt1"] == 0.3


def test_members_keep_the_best_correlated_cell():
    from mufuse.tl._maxfuse import _members

    m = (pd.Index(["r0", "r1", "r2", "r3"]), pd.Index(["p0", "p1"]))  # the obs names of the two modalities
    groups = np.array([0, 1, 0, 1])  # metacell 0 = r0, r2; metacell 1 = r1, r3
    e_rna = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]])
    e_prot = np.array([[0, 0.1, 1.0], [1, 0.9, 0]])
    table = pd.DataFrame(
        {"rna": ["0", "1"], "prot": ["p0", "p1"], "score": [0.5, 0.6], "stage": ["pivot", "propagated"]}
    )
    cells = np.array(["r0", "r1", "r2", "r3"])
    one = _members(m, table, groups, cells, (e_rna, e_prot), "rna", "prot", (2, 1))
    assert one[["rna", "prot"]].values.tolist() == [["r2", "p0"], ["r3", "p1"]]
    assert one["score"].tolist() == [0.5, 0.6] and one["stage"].tolist() == ["pivot", "propagated"]
    every = _members(m, table, groups, cells, (e_rna, e_prot), "rna", "prot", None)
    assert sorted(every["rna"]) == ["r0", "r1", "r2", "r3"] and len(every) == 4


def test_bad_metacells_arguments(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(sim)
    with pytest.raises(mufuse.MufuseError, match="metacells must be one of"):
        mufuse.tl.run_maxfuse(sim, metacells="leiden")
    with pytest.raises(mufuse.MufuseError, match="metacells='maxfuse'"):
        mufuse.tl.run_maxfuse(sim, metacells="pairs", split_into_batches={"metacell_size": 3})
    assert "mufuse_match" not in sim["prot"].obs  # nothing stored


@pytest.mark.maxfuse
def test_direct_route_with_pairs_and_with_maxfuse_metacells(sim_unpaired):
    """Both ways give every protein cell one partner; pairs are recorded with their number; a seed repeats."""
    m = sim_unpaired
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
        got = {}
        mufuse.tl.run_maxfuse(m, seed=3, route="direct")  # 1,200 RNA cells: MaxFuse's own metacells
        assert m.uns["mufuse"]["params"]["maxfuse"]["route"]["metacells"] == "maxfuse"
        for how in ("pairs", "maxfuse", "pairs"):
            matching = mufuse.tl.run_maxfuse(m, seed=3, metacells=how, route="direct")
            route = m.uns["mufuse"]["params"]["maxfuse"]["route"]
            assert route["metacells"] == how
            assert matching["prot"].is_unique and matching["prot"].nunique() == m["prot"].n_obs
            ct = m["rna"].obs["cell_type"].reindex(m["prot"].obs["mufuse_match"].astype(str)).to_numpy()
            agreement = (ct == m["prot"].obs["cell_type"].to_numpy()).mean()
            assert agreement > 0.8, (how, agreement)
            got.setdefault(how, []).append(matching)
        route = m.uns["mufuse"]["params"]["maxfuse"]["route"]
        assert m["rna"].n_obs / 2 <= route["rna_metacells"] < m["rna"].n_obs * 0.6
        assert route["metacells_requested"] == "pairs"
        with pytest.warns(UserWarning, match="metacells='pairs' is not used: the sketched route"):
            mufuse.tl.run_maxfuse(m, metacells="pairs", route="sketch", sketch_size=600)
        assert m.uns["mufuse"]["params"]["maxfuse"]["split_into_batches"]["metacell_size"] == 1
    pd.testing.assert_frame_equal(got["pairs"][0], got["pairs"][1])


@pytest.mark.maxfuse
def test_pairs_match_every_rna_cell_when_asked(sim_unpaired):
    m = sim_unpaired
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
        matching = mufuse.tl.run_maxfuse(m, order=(1, 2), route="direct", labels="cell_type")
    assert matching["rna"].nunique() == m["rna"].n_obs
