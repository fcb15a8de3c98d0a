"""Every registered matcher passes the same tests (issue 32): coverage, keys, seeds, .h5mu round trip, transfer on known
truth, the sketched route, blocks on a dask LocalCluster, real data. Then what is particular to ``method="anchors"``."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import mufuse
from conftest import assert_unchanged, read_quiet, snapshot

METHODS = ["anchors", pytest.param("maxfuse", marks=pytest.mark.maxfuse)]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _agreement(m, matching, key="cell_type"):
    l1 = m["rna"].obs.loc[matching["rna"], key].astype(str).to_numpy()
    l2 = m["prot"].obs.loc[matching["prot"], key].astype(str).to_numpy()
    return float((l1 == l2).mean())


@pytest.fixture(scope="module")
def unpaired():
    """Unpaired simulated data with five RNA and four protein cells without any signal."""
    m = mufuse.datasets.simulated(700, n_genes=500, paired=False, n_prot_cells=600, seed=11)
    x = m["rna"].X.tolil()
    x[:5] = 0
    m["rna"].X = x.tocsr()
    p = np.asarray(m["prot"].X, dtype=np.float32).copy()
    p[:4] = 0
    m["prot"].X = p
    _quiet(mufuse.pp.harmonize, m)
    return m


@pytest.fixture(scope="module", params=METHODS)
def matched(request, unpaired):
    m = unpaired.copy()
    matching = _quiet(mufuse.tl.match, m, method=request.param, seed=0)
    return request.param, m, matching


def test_every_protein_cell_with_signal_is_matched_and_stored_under_the_usual_keys(matched):
    method, m, matching = matched
    assert list(matching.columns) == ["rna", "prot", "score", "stage", "confidence"]
    empty = m.uns["mufuse"]["report"]["empty_cell_names"]
    with_signal = m["prot"].obs_names.difference(pd.Index(empty["prot"]))
    assert set(matching["prot"]) == set(with_signal)  # coverage: every protein cell with signal, no empty one
    assert not matching["rna"].isin(empty["rna"]).any()
    assert set(matching["stage"].astype(str)) <= {*mufuse.tl.get_matcher(method).stages, "embedding"}
    assert matching["confidence"].between(0, 1).all() and np.isfinite(matching["score"]).all()
    assert _agreement(m, matching) > 0.85  # the simulator's types are well separated
    for name in ("rna", "prot"):
        assert m[name].obsm["X_mufuse"].shape[0] == m[name].n_obs and np.isfinite(m[name].obsm["X_mufuse"]).all()
    assert m["rna"].obsm["X_mufuse"].shape[1] == m["prot"].obsm["X_mufuse"].shape[1]
    stored = m.uns["mufuse"]["matching"]
    pd.testing.assert_frame_equal(stored.reset_index(drop=True), matching.assign(stage=matching["stage"].astype(str)))
    assert m["prot"].obs.loc[empty["prot"], "mufuse_match"].isna().all()
    assert m["prot"].obs["mufuse_match"].dropna().isin(m["rna"].obs_names).all()
    assert "route" in m.uns["mufuse"]["params"][method]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("order", "sides"), [((1, 2), ["rna"]), (None, ["rna", "prot"])])
def test_the_order_decides_whose_cells_all_get_a_partner(unpaired, method, order, sides):
    m = unpaired.copy()
    matching = _quiet(mufuse.tl.match, m, method=method, order=order, seed=1, confidence=False)
    empty = m.uns["mufuse"]["report"]["empty_cell_names"]
    for name in sides:
        assert set(matching[name]) == set(m[name].obs_names.difference(pd.Index(empty[name])))
    assert "confidence" not in matching


def test_a_seed_gives_one_matching_and_leaves_numpy_state_alone(matched, unpaired):
    method, m, first = matched
    again = unpaired.copy()
    np.random.seed(7)  # noqa: NPY002 - the caller's global state, which match must leave as it was
    want = np.random.random(3)  # noqa: NPY002
    np.random.seed(7)  # noqa: NPY002
    second = _quiet(mufuse.tl.match, again, method=method, seed=0)
    np.testing.assert_array_equal(np.random.random(3), want)  # noqa: NPY002
    pd.testing.assert_frame_equal(second, first)
    np.testing.assert_array_equal(again["prot"].obsm["X_mufuse"], m["prot"].obsm["X_mufuse"])


def test_the_matching_survives_h5mu_and_transfers_after_reading(matched, tmp_path):
    _, m, _ = matched
    path = tmp_path / "m.h5mu"
    _quiet(m.write, path)
    back = read_quiet(path)
    pd.testing.assert_frame_equal(back.uns["mufuse"]["matching"], m.uns["mufuse"]["matching"])
    np.testing.assert_array_equal(back["prot"].obsm["X_mufuse"], m["prot"].obsm["X_mufuse"])
    out = mufuse.tl.transfer_labels(back, "cell_type")  # known truth: the simulator's own types of the protein cells
    truth = back["prot"].obs["cell_type"].astype(str)
    has = back["prot"].obs["mufuse_match"].notna()
    assert (out["label"].astype(str)[has] == truth[has]).mean() > 0.9
    genes = mufuse.tl.transfer_features(back, ["CD19", "CD14"])
    b = (truth == "B").to_numpy() & has.to_numpy()
    assert genes.loc[b, "CD19"].mean() > 2 * genes.loc[~b & has.to_numpy(), "CD19"].mean()


@pytest.mark.parametrize("method", METHODS)
def test_paired_cells_are_matched_within_their_type(sim, method):
    """Paired data (RNA and protein of the same cells): the pairs agree on the cell type. (Matching each cell to
    itself is not asked: the simulator's cells of one type differ by noise alone.)"""
    _quiet(mufuse.pp.harmonize, sim)
    _quiet(mufuse.tl.match, sim, method=method, seed=2)
    ev = mufuse.tl.evaluate_matching(sim, label_key="cell_type", n_perms=50)
    assert ev["identity_accuracy"] is not None and ev["label_agreement"] > 0.85


@pytest.fixture(scope="module")
def larger():
    m = mufuse.datasets.simulated(1500, n_genes=600, paired=False, n_prot_cells=3000, seed=7)
    _quiet(mufuse.pp.harmonize, m)
    return m


@pytest.mark.parametrize("method", METHODS)
def test_the_sketched_route_matches_every_cell_on_a_local_cluster(larger, method, monkeypatch):
    from dask.distributed import Client, LocalCluster, get_task_stream

    from mufuse.tl import _joint

    monkeypatch.setattr(_joint, "BLOCK", 500)  # blocks of 500 cells: the cluster gets several tasks
    m = larger.copy()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client, get_task_stream(client) as stream:
            matching = _quiet(mufuse.tl.match, m, method=method, route="sketch", sketch_size=800, seed=3)
    assert sum(1 for t in stream.data if "best_block" in t["key"]) >= 5  # the matching ran there, block by block
    route = m.uns["mufuse"]["params"][method]["route"]
    assert route["route"] == "sketch" and route["fitted_prot_cells"] == 800
    assert matching["prot"].nunique() == 3000 and not m["prot"].obs["mufuse_match"].isna().any()
    assert _agreement(m, matching) > 0.85
    if method == "anchors":  # exact blocks: the cluster gives what the process gives
        here = _quiet(mufuse.tl.match, larger.copy(), method=method, route="sketch", sketch_size=800, seed=3)
        pd.testing.assert_frame_equal(here, matching)


@pytest.mark.realdata
def test_anchors_on_real_disjoint_halves(pbmc):
    """pbmc10k: RNA from 1,200 cells, protein from 1,200 others; SingleR's coarse labels are the truth. Anchors gave
    0.88-0.89 on halves of 3,410 (benchmarks/README.md, "Second matcher"); 0.8 leaves room for the smaller halves."""
    import mudata

    rng = np.random.default_rng(0)
    idx = rng.permutation(pbmc.n_obs)[:2400]
    m = mudata.MuData(
        {"rna": pbmc["rna"][np.sort(idx[:1200])].copy(), "prot": pbmc["prot"][np.sort(idx[1200:])].copy()}
    )
    _quiet(mufuse.pp.harmonize, m)
    matching = _quiet(mufuse.tl.match, m, method="anchors")
    assert _agreement(m, matching, "cell_type_derived_coarse") > 0.8
    ev = mufuse.tl.evaluate_matching(m, label_key="cell_type_derived_coarse", n_perms=200)
    assert ev["p_value"] < 0.01


# -- what is particular to method="anchors" ------------------------------------------------------------------------


def test_anchors_runs_without_maxfuse_installed(unpaired, monkeypatch):
    monkeypatch.setitem(sys.modules, "maxfuse", None)  # as with the core install alone
    m = unpaired.copy()
    snap = snapshot(m)
    with pytest.raises(mufuse.MufuseError, match=r'MaxFuse is not installed.*mufuse\[maxfuse\].*method="anchors"'):
        mufuse.tl.match(m, method="maxfuse")  # refused before any work
    assert_unchanged(m, snap)
    matching = _quiet(mufuse.tl.match, m, method="anchors")
    assert _agreement(m, matching) > 0.85
    assert mufuse.tl.list_matchers().loc["anchors", "install"] == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k_anchors": 5}, "no option 'k_anchors'.*k_anchor"),
        ({"k_anchor": 0}, "k_anchor must be an integer from 1 to 50, got 0"),
        ({"k_anchor": 3000}, "k_anchor must be an integer from 1 to 50, got 3000 .default 5"),
        ({"k_score": 10**5}, "k_score must be an integer from 1 to 100"),
        ({"n_components": 2.5}, "n_components must be an integer"),
        ({"ridge": -1}, "ridge must be a number of 0 or more"),
        ({"ridge": "big"}, "ridge must be a number"),
    ],
)
def test_bad_anchors_options_fail_before_any_work(unpaired, options, message):
    m = unpaired.copy()
    snap = snapshot(m)
    with pytest.raises(mufuse.MufuseError, match=message):
        mufuse.tl.match(m, method="anchors", **options)
    assert_unchanged(m, snap)


def test_options_reach_the_fit_and_are_recorded(unpaired):
    m = unpaired.copy()
    _quiet(mufuse.tl.match, m, method="anchors", n_components=3, active_components=2, confidence=False)
    params = m.uns["mufuse"]["params"]["anchors"]
    assert params["options"]["n_components"] == 3 and params["fit"]["shared_components"] == 3
    assert params["fit"]["active_components"] == 2 and params["fit"]["anchors"] >= 10


def test_too_few_anchors_is_a_clear_error():
    from mufuse.tl._anchors import DEFAULTS, fit_model

    rng = np.random.default_rng(0)
    active = (rng.normal(size=(8, 30)).astype(np.float32), rng.normal(size=(8, 12)).astype(np.float32))
    shared = (rng.normal(size=(8, 5)).astype(np.float32), rng.normal(size=(8, 5)).astype(np.float32))
    refs = {1: np.arange(8), 2: np.arange(8)}
    with pytest.raises(mufuse.MufuseError, match="only .* anchors between the modalities.*k_anchor"):
        fit_model(active, shared, refs, {**DEFAULTS, "k_anchor": 1}, 0)  # at most 8 mutual pairs


def test_the_shared_cca_is_seurats_singular_vectors():
    """The projections give exactly the leading singular vectors of X1 · X2ᵀ (Stuart et al. 2019), up to sign."""
    from mufuse.tl._anchors import _shared_cca

    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(60, 6)), rng.normal(size=(45, 6))
    p1, p2 = _shared_cca([x1, x2], 3)
    u, _, vt = np.linalg.svd(x1 @ x2.T)
    for got, want in ((x1 @ p1, u[:, :3]), (x2 @ p2, vt.T[:, :3])):
        np.testing.assert_allclose(np.abs(np.sum(got * want, axis=0)), 1.0, atol=1e-4)


def test_anchors_are_mutual_and_scores_rank_consistent_neighbourhoods():
    from mufuse.tl._anchors import mutual_neighbours, score_anchors

    rng = np.random.default_rng(1)
    centres = rng.normal(0, 4, (3, 5))
    t1, t2 = np.repeat([0, 1, 2], 40), np.repeat([0, 1, 2], 50)
    e1 = centres[t1] + rng.normal(size=(120, 5))
    e2 = centres[t2] + rng.normal(size=(150, 5))
    pairs = mutual_neighbours(e1, e2, 5)
    assert len(pairs) and (t1[pairs[:, 0]] == t2[pairs[:, 1]]).mean() > 0.95
    wrong = np.column_stack([pairs[:, 0], (pairs[:, 1] + 50) % 150])  # each protein cell moved to another type
    both = np.r_[pairs, wrong]
    unit = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in (e1, e2)]
    score = score_anchors(both, unit, [e1, e2], 10)
    assert score[: len(pairs)].mean() > score[len(pairs) :].mean() + 0.5


def test_the_matching_plot_draws_every_stage_of_any_matcher(matched):
    import matplotlib

    matplotlib.use("Agg")
    _, m, matching = matched
    fig = mufuse.pl.matching(m, label_key="cell_type")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    stages = matching["stage"].astype(str).value_counts()
    assert sorted(legend) == sorted(f"{s} ({n})" for s, n in stages.items())  # method's stages, with their counts
    assert sum(len(c.patches) for c in fig.axes[0].containers) > 0
