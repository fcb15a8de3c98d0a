"""MaxFuse's joint space: every cell embedded, every cell that must be matched matched (issue 17, parts 1 and 2)."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc

import mufuse
from conftest import read_quiet
from mufuse._transforms import transform_protein
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
    mufuse.tl.transfer_labels(again, "cell_type")
    mufuse.tl.transfer_features(again, ["CD19"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(again)
    for mod in (again["rna"], again["prot"]):  # what belonged to the old arrays' matching is gone with it
        assert "X_mufuse" not in mod.obsm and "mufuse_transferred" not in mod.obsm
        assert "mufuse_match" not in mod.obs and "mufuse_score" not in mod.obs
    assert "mufuse_cell_type" in again["prot"].obs  # a carried label stays: the user's annotation


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


# -- transfer through the matching ------------------------------------------------------------------------------


def _true_pairs(m):
    n = m["rna"].n_obs
    mufuse.tl.add_matching(m, [list(range(n)), list(range(n)), [1.0] * n])


def test_labels_and_genes_through_the_true_pairs(sim, tmp_path):
    """Paired data, the true matching: each protein cell receives exactly its own RNA label and expression."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(sim)
    _true_pairs(sim)
    out = mufuse.tl.transfer_labels(sim, "cell_type")
    assert (out["label"].astype(str) == sim["prot"].obs["cell_type"].astype(str)).all()
    assert (out["confidence"] == 1.0).all()
    assert sim["prot"].obs["mufuse_cell_type"].astype(str).equals(out["label"].astype(str))
    genes = ["CD4", "CD8A", "MS4A1"]
    got = mufuse.tl.transfer_features(sim, genes)
    x = sim["rna"].X
    lib = np.asarray(x.sum(axis=1)).ravel()
    own = np.log1p(x[:, sim["rna"].var_names.get_indexer(genes)].toarray() * (1e4 / lib)[:, None])
    np.testing.assert_allclose(got.to_numpy(), own, rtol=1e-5, atol=1e-5)
    back = mufuse.tl.transfer_features(sim, ["CD4_TotalSeqB"], source="prot", target="rna")  # the reverse
    p = np.asarray(sim["prot"].X, dtype=np.float64)  # as harmonize transformed it ("auto" chose from the data)
    chosen = sim.uns["mufuse"]["params"]["harmonize"]["prot_transform"]
    expect = transform_protein(p, transform=chosen)[:, sim["prot"].var_names.get_loc("CD4_TotalSeqB")]
    np.testing.assert_allclose(back["CD4_TotalSeqB"].to_numpy(), expect, rtol=1e-5)
    mufuse.tl.transfer_features(sim, ["CD3E"])  # added beside the earlier columns
    assert list(sim["prot"].obsm["mufuse_transferred"].columns) == [*genes, "CD3E"]
    path = tmp_path / "t.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.write(path)
    back = read_quiet(path)
    np.testing.assert_allclose(back["prot"].obsm["mufuse_transferred"]["CD4"], got["CD4"])
    with pytest.raises(mufuse.MufuseError, match="NOPE.*'rna'"):
        mufuse.tl.transfer_features(sim, ["NOPE"])


@pytest.mark.maxfuse
def test_transfer_onto_unpaired_cells_after_maxfuse(matched):
    m, _ = matched
    out = mufuse.tl.transfer_labels(m, "cell_type")
    truth = m["prot"].obs["cell_type"].astype(str)
    right = out["label"].astype(str) == truth
    assert right.mean() > 0.9  # the simulator's types are well separated
    assert out["confidence"].between(0, 1).all() and out["confidence"].notna().all()
    genes = mufuse.tl.transfer_features(m, ["CD19", "CD14"])
    b = (truth == "B").to_numpy()
    assert genes.loc[b, "CD19"].mean() > 2 * genes.loc[~b, "CD19"].mean()  # B-cell genes land on B cells


# -- the sketched route -------------------------------------------------------------------------------------------


def test_blocks_on_a_local_cluster_give_the_same_partners():
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(1)
    target = rng.normal(size=(2000, 10)).astype(np.float32)
    query = rng.normal(size=(3000, 10)).astype(np.float32)
    here = best_partners(query, target, block_rows=256)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster):
            there = best_partners(query, target, block_rows=256)
    np.testing.assert_array_equal(here[0], there[0])
    np.testing.assert_allclose(here[1], there[1])


def test_the_sketch_keeps_a_rare_population():
    from mufuse.tl._sketch import sketch

    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, (19_800, 8)), rng.normal(6, 1, (200, 8))]  # a 1% population, as spread as the rest
    idx = sketch(x, 1000, seed=0)
    assert len(idx) == 1000 and len(np.unique(idx)) == 1000
    assert (idx >= 19_800).sum() >= 30  # three times its 1% share and more (uniform sampling keeps about 10)


def test_the_sketch_of_many_rows_presamples_and_keeps_the_callers_random_state(monkeypatch):
    from mufuse.tl import _sketch

    monkeypatch.setattr(_sketch, "PRESAMPLE", 4000)
    rng = np.random.default_rng(2)
    x = np.r_[rng.normal(0, 1, (29_700, 20)), rng.normal(5, 1, (300, 20))]  # 1% rare, 20 columns: PCA first
    np.random.seed(123)  # noqa: NPY002 - the global state geosketch would change
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    idx = _sketch.sketch(x, 1000, seed=3)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002 - geosketch seeding undone
    assert len(idx) == 1000 and len(np.unique(idx)) == 1000 and idx.max() < 30_000
    assert (idx >= 29_700).sum() >= 25  # well above its 1% share of 1,000 through the presample


def test_sketch_clusters_find_separate_groups():
    from mufuse.tl._sketch import clusters

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 4, (4, 30))
    truth = np.repeat(np.arange(4), 300)
    x = centres[truth] + rng.normal(size=(1200, 30))
    labels = clusters(x, n_neighbors=15, svd_components=10, resolution=1, seed=0)
    table = pd.crosstab(truth, labels)
    assert ((table > 0).sum(axis=0) == 1).all()  # no cluster mixes two groups
    assert len(np.unique(labels)) >= 4


def test_sketch_sizes_and_parameters_give_one_batch_each():
    from mufuse.tl._maxfuse import maxfuse_defaults
    from mufuse.tl._sketch import sketch_params, sketch_sizes

    for n1, n2, size in (
        (20_000, 100_000, 10_000),
        (3_000, 100_000, 10_000),
        (60_000, 9_000, 10_000),
        (450, 7_000, 900),
    ):
        s1, s2 = sketch_sizes(n1, n2, size)
        assert s1 == min(n1, size // 2) and s2 == min(n2, size)
        split = sketch_params(maxfuse_defaults(s1, s2, 20, 2000, 40), s1, s2)["split_into_batches"]
        assert split["metacell_size"] == 1
        n_batches2 = max(1, s2 // int(split["max_outward_size"] * split["matching_ratio"]))  # MaxFuse's arithmetic
        batch1 = int((s2 // n_batches2) // (split["matching_ratio"] / split["metacell_size"]))
        assert n_batches2 == 1 and max(1, s1 // batch1) == 1


@pytest.fixture(scope="module")
def sketched():
    m = mufuse.datasets.simulated(1500, n_genes=600, paired=False, n_prot_cells=3000, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
    return m


@pytest.mark.maxfuse
def test_the_sketched_route_matches_every_cell(sketched):
    m = sketched.copy()
    matching = mufuse.tl.run_maxfuse(m, route="sketch", sketch_size=800)
    params = m.uns["mufuse"]["params"]["maxfuse"]
    route = params["route"]
    assert route["route"] == "sketch" and route["fitted_prot_cells"] == 800 and route["fitted_rna_cells"] == 400
    assert "propagate" not in params and params["split_into_batches"]["metacell_size"] == 1
    assert matching["prot"].nunique() == 3000 and not m["prot"].obs["mufuse_match"].isna().any()
    stages = matching["stage"].value_counts()
    assert stages["pivot"] > 0 and stages["embedding"] >= 2600 and stages.get("propagated", 0) == 0
    l1 = m["rna"].obs.loc[matching["rna"], "cell_type"].to_numpy()
    l2 = m["prot"].obs.loc[matching["prot"], "cell_type"].to_numpy()
    assert (l1 == l2).mean() > 0.85
    assert m["rna"].obsm["X_mufuse"].shape[0] == 1500 and m["prot"].obsm["X_mufuse"].shape[0] == 3000


@pytest.mark.maxfuse
def test_the_sketched_route_says_which_overrides_it_does_not_use(sketched):
    m = sketched.copy()
    with pytest.warns(UserWarning, match="propagate is not used") as record:
        mufuse.tl.run_maxfuse(m, route="sketch", sketch_size=600, propagate={"wt1": 0.5})
    assert any(w.filename == __file__ for w in record)  # points at the caller's line, not inside mufuse
    assert "propagate" not in m.uns["mufuse"]["params"]["maxfuse"]
    mufuse.tl.run_maxfuse(m, route="sketch", sketch_size=600, construct_graphs={"resolution2": 0.5})
    assert m.uns["mufuse"]["params"]["maxfuse"]["construct_graphs"]["resolution2"] == 0.5


@pytest.mark.maxfuse
def test_the_sketched_route_runs_on_a_local_cluster(sketched, monkeypatch):
    from dask.distributed import Client, LocalCluster, get_task_stream

    from mufuse.tl import _joint

    monkeypatch.setattr(_joint, "BLOCK", 500)  # blocks of 500 cells: the cluster gets several tasks
    m = sketched.copy()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client, get_task_stream(client) as stream:
            matching = mufuse.tl.run_maxfuse(m, route="sketch", sketch_size=600, labels="cell_type")
    assert sum(1 for t in stream.data if "best_block" in t["key"]) >= 5  # the joint-space matching ran there
    assert matching["prot"].nunique() == 3000
    l1 = m["rna"].obs.loc[matching["rna"], "cell_type"].to_numpy()
    l2 = m["prot"].obs.loc[matching["prot"], "cell_type"].to_numpy()
    assert (l1 == l2).mean() > 0.85


@pytest.mark.maxfuse
def test_joint_umap_draws_both_modalities(matched):
    import matplotlib

    matplotlib.use("Agg")
    m, _ = matched
    fig = mufuse.pl.joint_umap(m, color="cell_type", max_cells=800)
    assert len(fig.axes) == 2 and "modality" in fig.axes[0].get_title()
    with pytest.raises(mufuse.MufuseError, match=r"run mufuse.tl.match\(mdata\) first"):
        mufuse.pl.joint_umap(mufuse.datasets.simulated(100, seed=0))


def test_transfer_reads_lazy_counts_without_loading_them(sim):
    import dask.array as da

    _true_pairs(sim)
    want = mufuse.tl.transfer_features(sim, ["CD4", "MS4A1"])
    lazy = sim.copy()
    lazy["rna"].X = da.from_array(sim["rna"].X.toarray(), chunks=(400, -1))
    got = mufuse.tl.transfer_features(lazy, ["CD4", "MS4A1"])
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-6)


EMBEDDING_EDITS = [
    ("rows reversed", lambda e: e[::-1].copy()),
    ("scaled", lambda e: e * 2),
    ("a component dropped", lambda e: e[:, :-1].copy()),
]
EMBEDDING_READERS = [
    ("transfer_labels", lambda m: mufuse.tl.transfer_labels(m, "cell_type")),
    ("joint_umap", lambda m: mufuse.pl.joint_umap(m, show=False)),
    ("evaluate_matching", lambda m: mufuse.tl.evaluate_matching(m, n_perms=10)),
]


@pytest.mark.maxfuse
@pytest.mark.parametrize(("edit", "how"), EMBEDDING_EDITS, ids=[e[0] for e in EMBEDDING_EDITS])
@pytest.mark.parametrize(("reader", "call"), EMBEDDING_READERS, ids=[r[0] for r in EMBEDDING_READERS])
def test_an_edited_joint_embedding_is_refused(matched, edit, how, reader, call):
    """The embedding the matching wrote is checked by its readers: new values under the same key are refused."""
    m = matched[0].copy()
    m["prot"].obsm["X_mufuse"] = how(np.asarray(m["prot"].obsm["X_mufuse"]))
    with pytest.raises(mufuse.MufuseError, match=r"obsm\['X_mufuse'\] of modality 'prot' changed since matching"):
        call(m)


@pytest.mark.maxfuse
def test_a_matching_added_after_maxfuse_drops_its_embedding(matched):
    """Pairs of the user's own replace MaxFuse's: its joint space belonged to MaxFuse's pairs and goes, said."""
    m = matched[0].copy()
    n = m["rna"].n_obs
    order = np.random.default_rng(0).permutation(m["prot"].n_obs)[:n]
    with pytest.warns(UserWarning, match=r"joint embedding obsm\['X_mufuse'\] belonged to the earlier matching"):
        mufuse.tl.add_matching(m, [np.arange(n), order, np.full(n, 0.5)])
    assert "X_mufuse" not in m["rna"].obsm and "X_mufuse" not in m["prot"].obsm
    with pytest.raises(mufuse.MufuseError, match=r"has no obsm\['X_mufuse'\]"):
        mufuse.pl.joint_umap(m, show=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = mufuse.tl.evaluate_matching(m, label_key="cell_type", n_perms=20)
        out = mufuse.tl.transfer_labels(m, "cell_type", source="rna", target="prot")
    assert ev["n_matched"] == n  # the evaluation is of the pairs added, not of MaxFuse's
    voted = out["label"].dropna().astype(str)
    truth = m["prot"].obs.loc[voted.index, "cell_type"].astype(str)
    assert (voted == truth).mean() < 0.6  # the random pairs' labels, not MaxFuse's (about 0.9 through its space)


@pytest.mark.maxfuse
def test_pairs_kept_by_confidence_keep_the_embedding(matched):
    """The README's filter: the most confident pairs of the same run, stored again, keep MaxFuse's joint space."""
    m = matched[0].copy()
    table = pd.DataFrame(m.uns["mufuse"]["matching"])
    sure = table[table["confidence"] >= table["confidence"].quantile(0.5)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing dropped, nothing to say
        mufuse.tl.add_matching(m, sure)
    assert "X_mufuse" in m["rna"].obsm and len(m.uns["mufuse"]["matching"]) == len(sure)
    mufuse.tl.transfer_labels(m, "cell_type")  # the embedding is read, and its record holds
