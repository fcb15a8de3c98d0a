from __future__ import annotations

import warnings

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import pytest
import scanpy as sc
from scipy import sparse
from sklearn.preprocessing import StandardScaler

import mufuse
from conftest import assert_unchanged, read_quiet, snapshot


def _as(mdata, fmt, dtype):
    x = mdata["rna"].X
    x = x.astype(dtype)
    mdata["rna"].X = x.toarray() if fmt == "dense" else x.asformat(fmt)
    mdata["prot"].X = (
        sparse.csr_matrix(mdata["prot"].X.astype(dtype)) if fmt == "csr" else np.asarray(mdata["prot"].X, dtype=dtype)
    )
    return mdata


def _scanpy_rna(mdata, genes_per_feature):
    """The research notes' recipe, per shared feature (counts summed for multi-gene proteins)."""
    x = mdata["rna"].X
    x = x.toarray() if sparse.issparse(x) else np.asarray(x)
    x = x.astype(np.float64)
    names = list(mdata["rna"].var_names)
    cols = np.stack(
        [x[:, [names.index(g) for g in genes.split(";")]].sum(axis=1) for genes in genes_per_feature], axis=1
    )
    lib = x.sum(axis=1)
    a = ad.AnnData(cols / lib[:, None] * 1e4)
    sc.pp.log1p(a)
    return np.clip(StandardScaler().fit_transform(a.X), -5, 5)


@pytest.mark.parametrize("fmt", ["csr", "csc", "dense"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_harmonize_matches_the_verified_recipe(sim, fmt, dtype):
    mdata = _as(sim, fmt, dtype)
    snap = snapshot(mdata)
    mufuse.pp.harmonize(mdata, prot_transform="zscore")
    assert_unchanged(mdata, snap, obsm_too=False)
    store = mdata.uns["mufuse"]
    shared = store["shared"]
    rna_sh = mdata["rna"].obsm["mufuse_shared"]
    prot_sh = mdata["prot"].obsm["mufuse_shared"]
    assert rna_sh.dtype == np.float32 and rna_sh.flags.c_contiguous
    assert rna_sh.shape == prot_sh.shape == (mdata["rna"].n_obs, len(shared))
    np.testing.assert_allclose(rna_sh, _scanpy_rna(mdata, shared["genes"]), atol=2e-4)
    p = mdata["prot"].X
    p = p.toarray() if sparse.issparse(p) else p
    pcols = mdata["prot"].var_names.get_indexer(shared["prot"])
    expected = np.clip(StandardScaler().fit_transform(np.asarray(p, dtype=np.float64)[:, pcols]), -5, 5)
    np.testing.assert_allclose(prot_sh, expected, atol=2e-4)


def test_hvgs_are_scanpys_seurat_genes(sim):
    mufuse.pp.harmonize(sim, n_top_genes=300)
    a = ad.AnnData(sim["rna"].X.copy(), var=pd.DataFrame(index=sim["rna"].var_names))
    sc.pp.normalize_total(a, target_sum=1e4)
    sc.pp.log1p(a)
    sc.pp.highly_variable_genes(a, n_top_genes=300, flavor="seurat")
    ours = set(sim.uns["mufuse"]["active"]["rna"])
    theirs = set(a.var_names[a.var["highly_variable"]])
    assert len(ours ^ theirs) <= 2, sorted(ours ^ theirs)
    assert sim["rna"].obsm["mufuse_active"].shape == (sim["rna"].n_obs, len(ours))


def test_multi_gene_sum_first_all(sim):
    mufuse.pp.link_features(sim, multi_gene="all")
    mufuse.pp.harmonize(sim)
    shared = sim.uns["mufuse"]["shared"]
    assert {"CD3_TotalSeqB:CD3D", "CD3_TotalSeqB:CD3E", "CD3_TotalSeqB:CD3G"} <= set(shared.index)
    mufuse.pp.link_features(sim, multi_gene="first")
    mufuse.pp.harmonize(sim)
    assert sim.uns["mufuse"]["shared"].loc["CD3_TotalSeqB", "genes"] == "CD3D"
    mufuse.pp.link_features(sim, multi_gene="sum")
    mufuse.pp.harmonize(sim)
    assert sim.uns["mufuse"]["shared"].loc["CD3_TotalSeqB", "genes"] == "CD3D;CD3E;CD3G"


def test_library_size_shared_uses_shared_genes_only(sim):
    mufuse.pp.harmonize(sim, library_size="shared")
    shared = sim.uns["mufuse"]["shared"]
    x = sim["rna"].X.toarray().astype(np.float64)
    names = list(sim["rna"].var_names)
    gene_sets = [g.split(";") for g in shared["genes"]]
    uniq = sorted({names.index(g) for gs in gene_sets for g in gs})
    lib = x[:, uniq].sum(axis=1)
    cols = np.stack([x[:, [names.index(g) for g in gs]].sum(axis=1) for gs in gene_sets], axis=1)
    expected = np.clip(StandardScaler().fit_transform(np.log1p(cols / lib[:, None] * 1e4)), -5, 5)
    np.testing.assert_allclose(sim["rna"].obsm["mufuse_shared"], expected, atol=2e-4)


def test_idempotent_and_copy(sim):
    snap = snapshot(sim)
    out = mufuse.pp.harmonize(sim, copy=True)
    assert isinstance(out, mudata.MuData) and out is not sim
    assert_unchanged(sim, snap)  # copy=True leaves the input alone, obsm and uns included
    assert "mufuse" not in sim.uns
    first = out["rna"].obsm["mufuse_shared"].copy()
    assert mufuse.pp.harmonize(out) is None
    np.testing.assert_array_equal(out["rna"].obsm["mufuse_shared"], first)


def test_counts_layer_is_used_when_x_is_lognormalized(sim):
    sim["rna"].layers["counts"] = sim["rna"].X.copy()
    expected = mufuse.pp.harmonize(sim, copy=True)["rna"].obsm["mufuse_shared"]
    x = sim["rna"].X.copy()
    x.data = np.log1p(x.data)
    sim["rna"].X = x
    mufuse.pp.harmonize(sim)
    np.testing.assert_array_equal(sim["rna"].obsm["mufuse_shared"], expected)
    assert sim.uns["mufuse"]["report"]["counts_source"] == "layers['counts']"
    assert sim.uns["mufuse"]["report"]["rna_fractional_values"] == 0  # integer counts


def test_scaled_rna_without_counts_is_refused_and_nothing_changes(sim):
    """Log-normalized RNA is used (tests/test_real_inputs.py); z-scores cannot give expression levels back."""
    x = sim["rna"].X.toarray()
    sim["rna"].X = ((np.log1p(x) - np.log1p(x).mean(0)) / (np.log1p(x).std(0) + 1e-9)).astype(np.float32)
    snap = snapshot(sim)
    with pytest.raises(mufuse.StateError, match=r"'rna' holds neither raw counts nor log-normalized.*counts"):
        mufuse.pp.harmonize(sim)
    assert_unchanged(sim, snap)


def test_unpaired(sim_unpaired):
    mufuse.pp.harmonize(sim_unpaired)
    assert sim_unpaired["rna"].obsm["mufuse_shared"].shape[0] == 1200
    assert sim_unpaired["prot"].obsm["mufuse_shared"].shape[0] == 900


def test_zero_variance_feature_dropped_from_both(sim):
    sim["prot"].X[:, list(sim["prot"].var_names).index("CD19_TotalSeqB")] = 7.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(sim)
    store = sim.uns["mufuse"]
    assert "CD19_TotalSeqB" not in store["shared"].index
    assert "CD19_TotalSeqB" in store["report"]["dropped"]
    assert "CD19_TotalSeqB" not in set(store["active"]["prot"])
    assert sim["prot"].obsm["mufuse_shared"].shape[1] == len(store["shared"])


def test_batch_key_zscores_within_batches(sim):
    sim["rna"].obs["batch"] = sim["prot"].obs["batch"] = np.where(np.arange(sim.n_obs) % 2, "a", "b")
    mufuse.pp.harmonize(sim, batch_key="batch", clip=50.0)
    b = (sim["prot"].obs["batch"] == "a").to_numpy()
    for mod in ("rna", "prot"):
        arr = sim[mod].obsm["mufuse_shared"]
        np.testing.assert_allclose(arr[b].mean(axis=0), 0, atol=1e-4)
        np.testing.assert_allclose(arr[~b].mean(axis=0), 0, atol=1e-4)


def test_clr_matches_muon(sim):
    import muon as mu

    ref = sim["prot"].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mu.prot.pp.clr(ref)
    mufuse.pp.harmonize(sim, prot_transform="clr")
    shared = sim.uns["mufuse"]["shared"]
    cols = ref.var_names.get_indexer(shared["prot"])
    expected = np.clip(StandardScaler().fit_transform(np.asarray(ref.X, dtype=np.float64)[:, cols]), -5, 5)
    np.testing.assert_allclose(sim["prot"].obsm["mufuse_shared"], expected, atol=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prot_transform": "quantile"}, "prot_transform"),
        ({"clip": 0}, "clip"),
        ({"clip": -1.0}, "clip"),
        ({"library_size": "median"}, "library_size"),
        ({"n_top_genes": 10**6}, "n_top_genes"),
        ({"batch_key": "nope"}, "batch_key 'nope'"),
        ({"rna": "gex"}, "'gex'.*modalities: 'rna', 'prot'"),
        ({"layer": "counts"}, "layer 'counts'"),
    ],
)
def test_bad_parameters_raise_and_change_nothing(sim, kwargs, match):
    snap = snapshot(sim)
    with pytest.raises(mufuse.MufuseError, match=match):
        mufuse.pp.harmonize(sim, **kwargs)
    assert_unchanged(sim, snap)


def test_no_shared_feature_is_a_link_error(sim):
    sim.mod["prot"] = sim["prot"][:, ["IgG1_control_TotalSeqB", "IgG2a_control_TotalSeqB"]].copy()
    with pytest.raises(mufuse.LinkError, match="only 0 feature.*modality 'prot'.*isotype"):
        mufuse.pp.harmonize(sim)


def test_strict_refuses_without_writing(sim):
    # constant feature in RNA after its only expressing cells are removed -> dropped, fine; use a scale problem:
    # a protein with one huge outlier per feature keeps std far below 1 after clipping -> strict raises
    p = np.zeros_like(sim["prot"].X)
    p[0, :] = 1e6
    sim["prot"].X = p
    snap = snapshot(sim)
    with pytest.raises(mufuse.ScaleMismatchError, match="std"):
        mufuse.pp.harmonize(sim, strict=True)
    assert_unchanged(sim, snap)


def test_h5mu_round_trip_of_every_key(sim, tmp_path):
    sim["rna"].obs["cell_type"] = sim["rna"].obs["cell_type"].astype(str)
    mufuse.pp.harmonize(sim)
    path = tmp_path / "h.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.write(path)
    back = read_quiet(path)
    for mod in ("rna", "prot"):
        for key in ("mufuse_shared", "mufuse_active"):
            np.testing.assert_array_equal(back[mod].obsm[key], sim[mod].obsm[key])
    a, b = sim.uns["mufuse"], back.uns["mufuse"]
    pd.testing.assert_frame_equal(a["links"], b["links"])
    pd.testing.assert_frame_equal(a["shared"], b["shared"])
    pd.testing.assert_frame_equal(a["report"]["table"], b["report"]["table"])
    assert list(a["active"]["rna"]) == list(b["active"]["rna"])
    assert a["params"]["harmonize"] == b["params"]["harmonize"]
    # the read-back object works with every downstream call
    inputs = mufuse.tl.to_maxfuse(back, labels="cell_type")
    np.testing.assert_array_equal(inputs["shared_arr2"], sim["prot"].obsm["mufuse_shared"])
    mufuse.pp.harmonize(back)
    np.testing.assert_array_equal(back["rna"].obsm["mufuse_shared"], sim["rna"].obsm["mufuse_shared"])


def _check_real_scales(mdata):
    for mod in ("rna", "prot"):
        arr = mdata[mod].obsm["mufuse_shared"]
        assert np.all(np.isfinite(arr))
        assert abs(arr.mean()) <= 0.05, (mod, arr.mean())
        assert 0.8 <= arr.std() <= 1.05, (mod, arr.std())
        assert arr.min() >= -5 and arr.max() <= 5


@pytest.mark.realdata
def test_real_pbmc10k_meets_the_scale_criteria(pbmc):
    snap = snapshot(pbmc)
    mufuse.pp.harmonize(pbmc)
    assert_unchanged(pbmc, snap, obsm_too=False)
    store = pbmc.uns["mufuse"]
    assert len(store["shared"]) >= 5
    _check_real_scales(pbmc)
    assert store["report"]["ok"]
    links = store["links"]
    assert links.loc["CD45RA_TotalSeqB", "status"] == "gene_absent"  # PTPRC is not among the 4000 genes
    assert (links.loc[["IgG2a_control_TotalSeqB", "IgG1_control_TotalSeqB"], "status"] == "excluded").all()


@pytest.mark.realdata
def test_real_pbmc10k_with_other_spellings(pbmc):
    """Another panel's spelling of the same antibodies (parenthetical aliases, prefixes, suffixes)."""
    spell = {
        "CD3_TotalSeqB": "CD3 (UCHT1)",
        "CD4_TotalSeqB": "ADT_CD4",
        "CD8a_TotalSeqB": "CD8a-TotalSeqC",
        "CD127_TotalSeqB": "IL7Ralpha (CD127)",
        "PD-1_TotalSeqB": "Programmed death 1 (PD-1)",
        "CD56_TotalSeqB": "anti-human_CD56",
        "CD16_TotalSeqB": "CD16_PROT",
        "CD14_TotalSeqB": "CD14-1",
    }
    pbmc.mod["prot"].var_names = [spell.get(v, v) for v in pbmc["prot"].var_names]
    links = mufuse.pp.link_features(pbmc)
    expect = {
        "CD3 (UCHT1)": "CD3D;CD3G",
        "ADT_CD4": "CD4",
        "CD8a-TotalSeqC": "CD8A",
        "IL7Ralpha (CD127)": "IL7R",
        "Programmed death 1 (PD-1)": "PDCD1",
        "anti-human_CD56": "NCAM1",
        "CD16_PROT": "FCGR3A",
        "CD14-1": "CD14",
    }
    for name, genes in expect.items():
        assert links.loc[name, "genes"] == genes, (name, links.loc[name].to_dict())
    mufuse.pp.harmonize(pbmc)
    assert len(pbmc.uns["mufuse"]["shared"]) >= 5
    _check_real_scales(pbmc)


@pytest.mark.parametrize(
    ("transform", "fn"),
    [
        ("zscore", lambda p: p),
        ("none", lambda p: p),
        ("log1p", np.log1p),
        ("arcsinh", lambda p: np.arcsinh(p / 5.0)),
    ],
)
def test_each_protein_transform_then_zscore_and_clip(sim, transform, fn):
    mufuse.pp.harmonize(sim, prot_transform=transform)
    shared = sim.uns["mufuse"]["shared"]
    cols = sim["prot"].var_names.get_indexer(shared["prot"])
    raw = np.asarray(sim["prot"].X, dtype=np.float64)[:, cols]
    expected = np.clip(StandardScaler().fit_transform(fn(raw)), -5, 5)
    np.testing.assert_allclose(sim["prot"].obsm["mufuse_shared"], expected, atol=2e-4)
    assert sim.uns["mufuse"]["params"]["harmonize"]["prot_transform"] == transform


def test_arcsinh_cofactor_is_used(sim):
    mufuse.pp.harmonize(sim, prot_transform="arcsinh", cofactor=150.0)
    shared = sim.uns["mufuse"]["shared"]
    raw = np.asarray(sim["prot"].X, dtype=np.float64)[:, sim["prot"].var_names.get_indexer(shared["prot"])]
    expected = np.clip(StandardScaler().fit_transform(np.arcsinh(raw / 150.0)), -5, 5)
    np.testing.assert_allclose(sim["prot"].obsm["mufuse_shared"], expected, atol=2e-4)


def _prot_as(sim, state):
    p = np.asarray(sim["prot"].X, dtype=np.float64)
    lp = np.log1p(p)
    forms = {
        "zscored": (lp - lp.mean(0)) / lp.std(0),
        "unit_scaled": (lp - lp.min(0)) / (lp.max(0) - lp.min(0)),
        "log1p": lp,
        "arcsinh": np.arcsinh(p / 5),
    }
    sim["prot"].X = forms[state].astype(np.float32)
    return sim


@pytest.mark.parametrize(
    ("state", "transform"),
    [
        ("zscored", "log1p"),
        ("zscored", "clr"),
        ("zscored", "arcsinh"),
        ("unit_scaled", "arcsinh"),
        ("unit_scaled", "log1p"),
        ("log1p", "log1p"),
        ("log1p", "clr"),
        ("arcsinh", "arcsinh"),
    ],
)
def test_transform_that_does_not_fit_the_state_is_refused(sim, state, transform):
    _prot_as(sim, state)
    snap = snapshot(sim)
    with pytest.raises(mufuse.StateError, match=rf"prot_transform='{transform}'.*'prot'.*{state}.*zscore"):
        mufuse.pp.harmonize(sim, prot_transform=transform)
    assert_unchanged(sim, snap)


@pytest.mark.parametrize("state", ["zscored", "unit_scaled", "log1p", "arcsinh"])
def test_zscore_works_on_every_state(sim, state):
    _prot_as(sim, state)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mufuse.pp.harmonize(sim)
    assert sim.uns["mufuse"]["report"]["input_state"]["prot"] == state
    assert sim.uns["mufuse"]["report"]["ok"]


def test_batch_report_per_batch(sim):
    sim["rna"].obs["batch"] = sim["prot"].obs["batch"] = np.where(np.arange(sim.n_obs) < 500, "a", "b")
    mufuse.pp.harmonize(sim, batch_key="batch")
    table = sim.uns["mufuse"]["report"]["batches"]
    assert set(zip(table["modality"], table["batch"], strict=True)) == {
        ("rna", "a"),
        ("rna", "b"),
        ("prot", "a"),
        ("prot", "b"),
    }
    assert table.loc[(table["modality"] == "rna") & (table["batch"] == "a"), "n_cells"].item() == 500
    assert (table["mean"].abs() < 0.1).all()


@pytest.mark.parametrize(
    ("state", "expected"),
    [("counts", "arcsinh"), ("unit_scaled", "zscore"), ("log1p", "zscore"), ("zscored", "zscore")],
)
def test_auto_transform_follows_the_detected_state(sim, state, expected):
    if state != "counts":
        _prot_as(sim, state)
    mufuse.pp.harmonize(sim)
    params = sim.uns["mufuse"]["params"]["harmonize"]
    assert params["prot_transform_requested"] == "auto"
    assert params["prot_transform"] == expected
    explicit = mufuse.pp.harmonize(sim, prot_transform=expected, copy=True)
    np.testing.assert_array_equal(sim["prot"].obsm["mufuse_shared"], explicit["prot"].obsm["mufuse_shared"])


def test_batch_key_in_one_modality_only(sim_unpaired):
    batch = np.where(np.arange(sim_unpaired["prot"].n_obs) % 2, "slide1", "slide2")
    sim_unpaired["prot"].obs["slide"] = batch
    mufuse.pp.harmonize(sim_unpaired, batch_key="slide")
    table = sim_unpaired.uns["mufuse"]["report"]["batches"]
    assert set(table.loc[table["modality"] == "rna", "batch"]) == {"(one batch)"}
    assert set(table.loc[table["modality"] == "prot", "batch"]) == {"slide1", "slide2"}
