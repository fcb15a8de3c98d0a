"""What users actually bring (issue 16): each case rebuilt from a public bug report or question, with the right value
or message asserted, and the rest of each kind beside it."""

from __future__ import annotations

import inspect
import os
import re
import stat
import warnings

import anndata as ad
import mudata
import muon as mu
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import mufuse
from conftest import assert_unchanged, read_quiet, snapshot
from mufuse import LinkError, MufuseError, StateError
from mufuse.cli import build_parser, main


def _mdata(**mods) -> mudata.MuData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.MuData(mods)


def _harmonize_quiet(m, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mufuse.pp.harmonize(m, **kw)


def _warnings_of(fn, *args, **kw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args, **kw)
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


# -- 1. gene lists in overrides: MaxFuse's "/" and any gene a user names that the RNA lacks --------------------------


@pytest.fixture
def with_panck(sim):
    """The simulator with three unrelated genes renamed KRT8/KRT18/KRT19 and a PanCK marker."""
    rna = sim["rna"].copy()
    names = list(rna.var_names)
    spare = [i for i, g in enumerate(names) if g.startswith("GENE")][:3] or [len(names) - 3, len(names) - 2, -1]
    for i, g in zip(spare, ("KRT8", "KRT18", "KRT19"), strict=True):
        names[i] = g
    rna.var_names = names
    prot = sim["prot"].copy()
    x = np.asarray(prot.X.toarray() if sparse.issparse(prot.X) else prot.X)
    prot = ad.AnnData(np.c_[x, x[:, :1]], obs=prot.obs, var=pd.DataFrame(index=[*prot.var_names, "PanCK"]))
    return _mdata(rna=rna, prot=prot)


@pytest.mark.parametrize(
    "spec", ["KRT8/KRT18/KRT19", "KRT8;KRT18;KRT19", "KRT8, KRT18, KRT19", ["KRT8", "KRT18/KRT19"]]
)
def test_override_gene_lists_in_every_spelling(with_panck, spec):
    links = mufuse.pp.link_features(with_panck, overrides={"PanCK": spec})
    assert links.loc["PanCK", "status"] == "linked"
    assert links.loc["PanCK", "genes"] == "KRT8;KRT18;KRT19"


def test_panck_links_by_default_and_an_override_never_fails_silently(with_panck):
    assert mufuse.pp.link_features(with_panck).loc["PanCK", "genes"] == "KRT8;KRT18;KRT19"
    before = with_panck.uns["mufuse"]["links"].copy()
    with pytest.raises(LinkError, match=r"not in the var_names of modality 'rna' \('PanCK' → KRT7;KRT20\)"):
        mufuse.pp.link_features(with_panck, overrides={"PanCK": "KRT7/KRT20"})
    assert with_panck.uns["mufuse"]["links"].equals(before)  # nothing stored by the failed call
    msgs = _warnings_of(mufuse.pp.link_features, with_panck, overrides={"PanCK": "KRT8/KRT7"})
    assert any("KRT7" in m and "'PanCK'" in m and "left out" in m for m in msgs)


# -- 2. labels that do not compare: never a perfect matching read as a failed one ------------------------------------

COARSE = {"CD4 T": "T cells", "CD8 T": "T cells", "NK": "NK cells", "B": "B cells"}


def _true_pairs(m):
    n = m["rna"].n_obs
    mufuse.tl.add_matching(m, [list(range(n)), list(range(n)), [1.0] * n])


@pytest.fixture
def matched_sim(sim):
    _harmonize_quiet(sim)
    _true_pairs(sim)
    return sim


def test_disjoint_label_sets_are_not_comparable(matched_sim):
    m = matched_sim
    m["prot"].obs["coarse"] = m["prot"].obs["cell_type"].astype(str).map(lambda x: COARSE.get(x, "Myeloid"))
    m["rna"].obs["coarse"] = m["rna"].obs["cell_type"].astype(str)
    ev = mufuse.tl.evaluate_matching(m, label_key="coarse", n_perms=50)
    assert ev["label_agreement"] is None  # the true pairing: not 0.0
    assert any("no label occurs in both" in w for w in ev["warnings"])
    causes = mufuse.tl.diagnose(m)
    assert "labels not comparable" in set(causes["cause"])
    fine_to_coarse = {k: COARSE.get(k, "Myeloid") for k in m["rna"].obs["cell_type"].astype(str).unique()}
    ev = mufuse.tl.evaluate_matching(m, label_key="coarse", label_map=fine_to_coarse, n_perms=50)
    assert ev["label_agreement"] == 1.0 and ev["label_overlap"]["pairs_compared"] == 1.0


def test_partly_overlapping_labels_count_only_what_compares(matched_sim):
    m = matched_sim
    rna_lab = m["rna"].obs["cell_type"].astype(str)
    m["prot"].obs["lab"] = rna_lab.map(lambda x: "T cells" if x in ("CD4 T", "CD8 T") else x).to_numpy()
    m["rna"].obs["lab"] = rna_lab.to_numpy()
    ev = mufuse.tl.evaluate_matching(m, label_key="lab", n_perms=50)
    t_share = rna_lab.isin(["CD4 T", "CD8 T"]).mean()
    assert ev["label_agreement"] == 1.0
    assert ev["label_overlap"]["pairs_compared"] == pytest.approx(1 - t_share)
    assert any("label_agreement counts" in w for w in ev["warnings"])
    rng = np.random.default_rng(0)
    n = m["rna"].n_obs
    mufuse.tl.add_matching(m, [list(range(n)), list(rng.permutation(n)), [1.0] * n])  # a random matching
    assert mufuse.tl.evaluate_matching(m, label_key="lab", n_perms=50)["label_agreement"] < 0.5


def test_a_label_no_pair_has_is_said_so(matched_sim):
    """A protein-only label on a cell without a pair: every pair is counted, and the warning says so."""
    m = matched_sim
    lab = m["rna"].obs["cell_type"].astype(str).to_numpy()
    m["rna"].obs["lab"] = lab
    m["prot"].obs["lab"] = np.where(np.arange(m["prot"].n_obs) == 0, "HSC", lab)
    n = m["rna"].n_obs
    mufuse.tl.add_matching(m, [list(range(1, n)), list(range(1, n)), [1.0] * (n - 1)])  # cell 0 has no pair
    ev = mufuse.tl.evaluate_matching(m, label_key="lab", n_perms=20)
    assert ev["label_overlap"]["pairs_compared"] == 1.0
    warning = next(w for w in ev["warnings"] if "occur in both" in w)
    assert "prot only: HSC" in warning and "no matched pair has one of the others" in warning
    assert "counts the 100" not in warning


def test_cluster_names_of_two_clusterings_need_not_match(matched_sim):
    m = matched_sim
    codes = m["rna"].obs["cell_type"].cat.codes.to_numpy()
    m["rna"].obs["leiden"] = codes.astype(str)
    m["prot"].obs["leiden"] = ((codes + 3) % (codes.max() + 1)).astype(str)  # same partition, other names
    ev = mufuse.tl.evaluate_matching(m, cluster_key="leiden", n_perms=50)
    assert ev["within_cluster"] == 1.0 and ev["cluster_ami"] == pytest.approx(1.0)


def test_identity_accuracy_counts_only_cells_present_in_both(matched_sim):
    m = matched_sim
    n = m["rna"].n_obs
    prot = m["prot"][: n // 2].copy()
    prot.obs_names = [f"{c}-x" if i % 2 else c for i, c in enumerate(prot.obs_names)]  # half renamed: unpaired
    m2 = _mdata(rna=m["rna"].copy(), prot=prot)
    _harmonize_quiet(m2)
    idx = np.arange(n // 2)
    mufuse.tl.add_matching(m2, [idx, idx, np.ones(n // 2)])
    ev = mufuse.tl.evaluate_matching(m2, n_perms=50)
    assert ev["identity_accuracy"] == 1.0  # the renamed cells could not be matched to themselves: not counted


# -- 3. decorated gene names: genome and species prefixes, joined Ensembl IDs ----------------------------------------


def _decorated(sim, human: str, mouse: str | None):
    rna = sim["rna"]
    x = rna.X
    names = [f"{human}{g}" for g in rna.var_names]
    if mouse is not None:  # a barnyard: mouse genes beside (mouse-cased symbols of the same genes)
        x = sparse.hstack([x, x]).tocsr()
        names += [f"{mouse}{g.capitalize()}" for g in rna.var_names]
    return _mdata(rna=ad.AnnData(x, obs=rna.obs, var=pd.DataFrame(index=names)), prot=sim["prot"].copy())


@pytest.mark.parametrize(
    ("human", "mouse"),
    [("GRCh38_", "mm10___"), ("HUMAN_", "MOUSE_"), ("hg19_", "mm10_"), ("GRCh38-", None), ("human_", None)],
)
def test_genome_prefixes_are_read_through(sim, human, mouse):
    reference = mufuse.pp.link_features(sim)
    m = _decorated(sim, human, mouse)
    links = mufuse.pp.link_features(m)
    linked = links["status"] == "linked"
    assert (linked == (reference["status"] == "linked")).all()
    for marker in links.index[linked]:  # the human genes, with their prefix, and no mouse gene
        assert links.loc[marker, "genes"] == ";".join(f"{human}{g}" for g in reference.loc[marker, "genes"].split(";"))
    note = m.uns["mufuse"]["params"]["link"]["rna_names"]
    assert human in note and (mouse is None or (mouse in note and "human genes" in note))
    _harmonize_quiet(m)
    assert m["rna"].obsm["mufuse_shared"].shape[1] == len(m.uns["mufuse"]["shared"]) >= 10
    assert human in m.uns["mufuse"]["report"]["rna_names"]


def test_ensembl_ids_joined_to_symbols(sim):
    reference = mufuse.pp.link_features(sim)
    rna = sim["rna"].copy()
    rna.var_names = [f"ENSG{i:011d}_{g}" for i, g in enumerate(rna.var_names)]
    links = mufuse.pp.link_features(_mdata(rna=rna, prot=sim["prot"].copy()))
    assert ((links["status"] == "linked") == (reference["status"] == "linked")).all()


def test_an_unknown_prefix_is_named_in_the_error(sim):
    m = _decorated(sim, "XYZ_", None)
    with pytest.raises(LinkError, match=r"look like: XYZ_.*start with 'XYZ_'.*removeprefix"):
        mufuse.pp.harmonize(m)


def test_symbol_columns_under_other_names(sim):
    rna = sim["rna"].copy()
    rna.var["gene_short_name"] = list(rna.var_names)  # monocle's column, names as plain row numbers
    rna.var_names = [str(i) for i in range(rna.n_vars)]
    links = mufuse.pp.link_features(_mdata(rna=rna, prot=sim["prot"].copy()))
    assert (links["status"] == "linked").sum() == (mufuse.pp.link_features(sim)["status"] == "linked").sum()


# -- 4. counts somewhere else: layers under other names, .raw --------------------------------------------------------


def _lognorm(x):
    x = sparse.csr_matrix(x, dtype=np.float32)
    lib = np.asarray(x.sum(axis=1)).ravel()
    y = sparse.diags(1e4 / np.maximum(lib, 1)) @ x
    y.data = np.log1p(y.data)
    return y.tocsr().astype(np.float32)


@pytest.mark.parametrize("layer", ["raw_counts", "counts", "UMI", "spliced_counts_elsewhere"])
def test_counts_in_a_layer_are_found(sim, layer):
    reference = _harmonize_quiet(sim, copy=True)
    rna = sim["rna"].copy()
    rna.layers[layer] = rna.X.copy()
    rna.X = _lognorm(rna.X)
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    _harmonize_quiet(m)
    np.testing.assert_array_equal(m["rna"].obsm["mufuse_shared"], reference["rna"].obsm["mufuse_shared"])
    assert m.uns["mufuse"]["report"]["counts_source"] == f"layers['{layer}']"


def test_counts_only_in_raw_with_more_genes_than_x(sim):
    reference = _harmonize_quiet(sim, copy=True)
    full = sim["rna"].copy()
    rna = full.copy()
    rna.raw = full  # counts of every gene in .raw, as scanpy keeps them
    keep = np.r_[np.arange(0, full.n_vars, 2)]
    rna = rna[:, keep].copy()  # .X: a normalized subset of the genes (markers' genes partly gone)
    rna.X = _lognorm(rna.X)
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    links = mufuse.pp.link_features(m)
    assert (links["status"] == "linked").sum() == (mufuse.pp.link_features(sim)["status"] == "linked").sum()
    _harmonize_quiet(m)
    assert m.uns["mufuse"]["report"]["counts_source"] == ".raw.X"
    np.testing.assert_allclose(m["rna"].obsm["mufuse_shared"], reference["rna"].obsm["mufuse_shared"], atol=1e-6)


def _scaled(x) -> np.ndarray:
    d = x.toarray() if sparse.issparse(x) else np.asarray(x)
    return np.asarray((d - d.mean(0)) / (d.std(0) + 1e-9), dtype=np.float32)


def test_no_counts_and_no_log_normalized_values_lists_every_place(sim):
    rna = sim["rna"].copy()
    rna.layers["scaled"] = _scaled(rna.X)
    rna.X = _scaled(_lognormalized(rna.X, "scanpy_1e4"))  # sc.pp.scale after log1p, the log values not kept
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    before = snapshot(m)
    with pytest.raises(
        StateError, match=r"'rna' holds neither raw counts nor log-normalized.*layers\['scaled'\] looks"
    ):
        mufuse.pp.harmonize(m)
    assert_unchanged(m, before)
    assert mufuse.pp.link_features(m)["status"].eq("linked").sum() >= 10  # linking needs no counts


def _lognormalized(x, how: str):
    """Log-normalized RNA as processed public objects ship it (no counts kept)."""
    x = sparse.csr_matrix(x, dtype=np.float32)
    totals = np.asarray(x.sum(1)).ravel()
    if how == "log1p_counts":
        scaled = x
    else:
        target = {"scanpy_1e4": 1e4, "seurat_1e4": 1e4, "cpm": 1e6, "median": float(np.median(totals))}[how]
        scaled = sparse.diags((target / totals).astype(np.float32)) @ x
    out = sparse.csr_matrix(scaled)
    out.data = np.log1p(out.data)
    return out


@pytest.mark.parametrize("how", ["scanpy_1e4", "cpm", "median", "log1p_counts"])
@pytest.mark.parametrize("where", ["X", "dense_X", "layer_data", "raw"])
def test_log_normalized_rna_without_counts_gives_what_the_counts_give(sim, how, where):
    reference = _harmonize_quiet(sim, copy=True)
    rna = sim["rna"].copy()
    logged = _lognormalized(rna.X, how)
    if where == "X":
        rna.X = logged
    elif where == "dense_X":
        rna.X = logged.toarray()
    elif where == "layer_data":  # Seurat's "data" slot; .X then holds scaled values
        rna.layers["data"] = logged
        rna.X = _scaled(logged)
    else:  # scanpy's habit: .raw = the log-normalized object, .X scaled
        rna.X = logged
        rna.raw = rna.copy()
        rna.X = _scaled(logged)
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    before = snapshot(m)
    msgs = _warnings_of(mufuse.pp.harmonize, m)
    assert any("looks log-normalized" in w and "assuming log1p of counts scaled per cell" in w for w in msgs), msgs
    assert "log-normalized; no counts found" in m.uns["mufuse"]["report"]["counts_source"]
    for key in ("mufuse_shared", "mufuse_active"):
        np.testing.assert_allclose(m["rna"].obsm[key], reference["rna"].obsm[key], atol=1e-4)
    assert_unchanged(m, before, obsm_too=False)


def test_log_values_named_while_counts_exist_point_to_the_counts(sim):
    rna = sim["rna"].copy()
    rna.layers["counts"] = rna.X.copy()
    rna.X = _lognormalized(rna.X, "scanpy_1e4")
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    with pytest.raises(StateError, match=r"\.X looks log1p.*pass layer=None to let it find them"):
        mufuse.pp.harmonize(m, layer="X")
    _harmonize_quiet(m)  # found by itself: the counts, no assumption
    assert m.uns["mufuse"]["report"]["counts_source"] == "layers['counts']"


# -- 5. a few extreme cells: they never set everyone's scale, and no advice is circular ------------------------------


def _dsb_like(sim, n_bad=8, seed=0):
    x = np.asarray(sim["prot"].X, dtype=np.float64)
    y = np.arcsinh(x / 5)
    dsb = (y - y.mean(0)) / y.std(0) * 2 + 1  # dsb-like: centred on the background, std ~2
    bad = np.random.default_rng(seed).choice(x.shape[0], n_bad, replace=False)
    dsb[bad[: n_bad // 2]] = -50.0
    dsb[bad[n_bad // 2 :]] = 100.0
    prot = sim["prot"].copy()
    prot.X = dsb.astype(np.float32)
    return _mdata(rna=sim["rna"].copy(), prot=prot), bad


def test_extreme_cells_do_not_set_the_scale(sim):
    m, bad = _dsb_like(sim)
    msgs = _warnings_of(mufuse.pp.harmonize, m)
    rest = np.setdiff1d(np.arange(m["prot"].n_obs), bad)
    std = m["prot"].obsm["mufuse_shared"][rest].std(axis=0)
    assert np.all(np.abs(std - 1) < 0.02), std  # was ~0.13
    names = set(m["prot"].obs_names[bad])
    assert set(m.uns["mufuse"]["report"]["extreme_cells"].index) == names
    assert m.uns["mufuse"]["report"]["ok"]
    assert any(f"{len(bad)} cell(s) more than 10 std" in w for w in msgs)
    assert not any("(mufuse.pp.harmonize)" in w for w in msgs)


def test_a_rare_population_is_not_an_outlier(sim):
    """A marker high in 0.5% of the cells only (pDCs in CD123) keeps the plain z-score: no cell is called extreme."""
    prot = sim["prot"].copy()
    x = np.asarray(prot.X, dtype=np.float32).copy()
    x[:8, 0] = x[:, 0].max() * 40
    prot.X = x
    m = _mdata(rna=sim["rna"].copy(), prot=prot)
    _harmonize_quiet(m, prot_transform="zscore")
    assert m.uns["mufuse"]["report"]["extreme_cells"].empty
    col = (x[:, 0] - x[:, 0].mean()) / x[:, 0].std()
    np.testing.assert_allclose(m["prot"].obsm["mufuse_active"][:, 0], np.clip(col, -5, 5), atol=1e-4)


def test_checks_of_harmonized_arrays_never_advise_harmonize(sim):
    """A broken rule on arrays harmonize made names the features; on arrays changed since, it advises harmonize."""
    rna = sim["rna"].copy()
    x = rna.X.toarray()
    sparse_gene = list(rna.var_names).index("CD4")
    x[:, sparse_gene] = 0
    x[:3, sparse_gene] = 1  # CD4 RNA in 3 cells: z-scores of a near-constant column
    rna.X = sparse.csr_matrix(x)
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    msgs = _warnings_of(mufuse.pp.harmonize, m, clip=50.0)
    msgs += _warnings_of(mufuse.tl.check_scales, m)
    assert not any("(mufuse.pp.harmonize)" in w for w in msgs)
    m["prot"].obsm["mufuse_shared"] = m["prot"].obsm["mufuse_shared"] * 0.1  # rescaled after harmonize
    with pytest.raises(MufuseError, match=r"changed since harmonize.*Run mufuse.pp.harmonize\(mdata\) again"):
        mufuse.tl.check_scales(m)
    del m.uns["mufuse"]["cells"]  # a file of a mufuse that recorded nothing: the rules find it, and advise harmonize
    msgs = _warnings_of(mufuse.tl.check_scales, m)
    assert any("mufuse.pp.harmonize" in w for w in msgs)


# -- 6. the command line has every option of the API -----------------------------------------------------------------


def _flags(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {o for a in sub._actions for o in a.option_strings}


@pytest.mark.parametrize("command", ["harmonize", "check", "match"])
def test_every_harmonize_and_link_parameter_has_a_flag(command):
    flags = _flags(command)
    for fn, skip in ((mufuse.pp.harmonize, {"mdata", "copy"}), (mufuse.pp.link_features, {"mdata"})):
        for name in inspect.signature(fn).parameters:
            if name in skip:
                continue
            flag = "--" + {"overrides": "override"}.get(name, name).replace("_", "-")
            assert flag in flags, f"mufuse {command}: no {flag} for {fn.__name__}({name}=...)"


def test_every_run_maxfuse_parameter_has_a_flag():
    flags = _flags("match")
    options = {
        "labels": "--cluster-labels",
        "order": "--every",
        "maxfuse_params": "--maxfuse",
        "verbose": "-v",
        "confidence": "--no-confidence",
    }
    for name in inspect.signature(mufuse.tl.run_maxfuse).parameters:
        if name == "mdata":
            continue
        flag = options.get(name, "--" + name.replace("_", "-"))
        assert flag in flags or flag == "-v", f"mufuse match: no {flag} for run_maxfuse({name}=...)"


@pytest.fixture
def seurat_file(sim, tmp_path):
    """A Seurat export: modalities RNA/ADT, .X normalized ("data"), counts in layers['counts'] of both."""
    rna, prot = sim["rna"].copy(), sim["prot"].copy()
    rna.layers["counts"] = rna.X.copy()
    rna.X = _lognorm(rna.X)
    prot.layers["counts"] = np.asarray(prot.X).copy()
    prot_clr = mu.prot.pp.clr(ad.AnnData(np.asarray(prot.X, dtype=np.float32).copy()), inplace=False)
    prot.X = prot_clr.X
    path = tmp_path / "seurat.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mudata.MuData({"RNA": rna, "ADT": prot}).write(path)
    return path


def test_seurat_export_uses_the_adt_counts_layer(seurat_file, sim, tmp_path):
    out = tmp_path / "out.h5mu"
    assert main(["harmonize", str(seurat_file), "-o", str(out), "--rna", "RNA", "--prot", "ADT"]) == 0
    back = read_quiet(out)
    report = back.uns["mufuse"]["report"]
    assert report["prot_source"] == "layers['counts']" and report["counts_source"] == "layers['counts']"
    reference = _harmonize_quiet(sim, copy=True)  # the counts themselves: the same arrays
    np.testing.assert_allclose(back["ADT"].obsm["mufuse_shared"], reference["prot"].obsm["mufuse_shared"], atol=1e-5)
    out2 = tmp_path / "out2.h5mu"
    args = ["harmonize", str(seurat_file), "-o", str(out2), "--rna", "RNA", "--prot", "ADT", "--prot-layer", "X"]
    assert main([*args, "--override", "CD4_TotalSeqB=CD4/CD8A", "--exclude", "CD33"]) == 0
    back2 = read_quiet(out2)
    assert back2.uns["mufuse"]["report"]["prot_source"] == ".X"
    links = back2.uns["mufuse"]["links"]
    assert links.loc["CD4_TotalSeqB", "genes"] == "CD4;CD8A" and links.loc["CD33", "status"] == "excluded"


# -- 7. clr_axis=1 is muon's -----------------------------------------------------------------------------------------


def test_clr_per_cell_equals_muon(sim):
    _harmonize_quiet(sim, prot_transform="clr", clr_axis=1, clip=100.0)
    x = ad.AnnData(np.asarray(sim["prot"].X, dtype=np.float64).copy())
    mu.prot.pp.clr(x, axis=1)  # over every marker, isotype controls included
    active = sim.uns["mufuse"]["active"]["prot"]
    cols = sim["prot"].var_names.get_indexer(active)
    want = x.X[:, cols]
    want = (want - want.mean(0)) / want.std(0)
    np.testing.assert_allclose(sim["prot"].obsm["mufuse_active"], want, atol=2e-5)


# -- 8. obs columns only in mdata.obs --------------------------------------------------------------------------------


def test_columns_of_mdata_obs_are_found_everywhere(sim):
    batch = np.where(np.arange(sim.n_obs) % 2, "a", "b")
    sim["prot"].X[batch == "a"] += 300.0
    sim.obs["sample"] = batch  # MuDataSeurat writes meta.data here, not into the modalities
    sim.obs["celltype_global"] = sim["rna"].obs["cell_type"].astype(str).to_numpy()
    _harmonize_quiet(sim)
    _true_pairs(sim)
    assert "batch effect" in set(mufuse.tl.diagnose(sim)["cause"])
    ev = mufuse.tl.evaluate_matching(sim, label_key="celltype_global", n_perms=50)
    assert ev["label_agreement"] == 1.0
    _harmonize_quiet(sim, batch_key="sample")
    assert "batch effect" not in set(mufuse.tl.diagnose(sim)["cause"])


# -- 9. cells without a match hold a missing value, and round-trip ---------------------------------------------------


def test_unmatched_cells_hold_a_missing_value(matched_sim, tmp_path):
    m = matched_sim
    n = m["rna"].n_obs
    half = np.arange(n // 2)
    mufuse.tl.add_matching(m, [half, half, np.ones(len(half))])
    match = m["prot"].obs["mufuse_match"]
    assert match.isna().sum() == n - len(half) and not (match.astype(object) == "").any()
    path = tmp_path / "m.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    back = read_quiet(path)["prot"].obs["mufuse_match"]
    assert back.isna().sum() == n - len(half)
    assert back.dropna().astype(str).tolist() == match.dropna().astype(str).tolist()


@pytest.mark.maxfuse
def test_run_maxfuse_says_how_many_cells_got_no_match():
    m = mufuse.datasets.simulated(700, n_genes=500, paired=False, n_prot_cells=900, seed=4)
    prot = m["prot"].copy()
    x = np.asarray(prot.X).copy()
    x[:6] = 0  # six protein cells without any signal
    prot.X = x
    m = _mdata(rna=m["rna"].copy(), prot=prot)
    _harmonize_quiet(m)
    msgs = _warnings_of(mufuse.tl.run_maxfuse, m)
    match = m["prot"].obs["mufuse_match"]
    assert match.isna().sum() == 6 and match.iloc[:6].isna().all()  # every other cell is matched
    said = [w for w in msgs if "got no match" in w]
    assert len(said) == 1 and said[0].startswith("6 of 900 'prot' cells") and "no signal" in said[0]
    assert not (match.astype(object) == "").any()


# -- 10. the command line checks every argument before any work ------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--labels", "no_such_column"], ["no_such_column", "obs column"]),
        (["--cluster-labels", "nope"], ["nope"]),
        (["--maxfuse", "refine_pivots.cca_components"], ["STAGE.PARAM=VALUE"]),
        (["--maxfuse", "no_stage.x=1"], ["unknown MaxFuse stage", "no_stage"]),
        (["--override", "CD4"], ["MARKER=GENE"]),
    ],
)
def test_match_refuses_bad_arguments_before_any_work(sim, tmp_path, capsys, extra, words):
    path, out = tmp_path / "in.h5mu", tmp_path / "out.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.write(path)
    assert main(["match", str(path), "-o", str(out), *extra]) == 2
    captured = capsys.readouterr()
    assert "not harmonized yet" not in captured.out  # refused before harmonizing, let alone MaxFuse
    assert all(w in captured.err for w in words), captured.err
    assert not out.exists() and len(captured.err.strip().splitlines()) == 1


# -- 11. written files get the mode a normal write gives -------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_output_files_have_the_normal_mode(sim, tmp_path, umask):
    path = tmp_path / "in.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.write(path)
    old = os.umask(umask)
    try:
        for extra in ([], ["--chunks", "500"]):
            out = tmp_path / f"out{len(extra)}.h5mu"
            assert main(["harmonize", str(path), "-o", str(out), *extra]) == 0
            assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    finally:
        os.umask(old)
    os.chmod(out, 0o640)  # an existing file keeps its mode when rewritten
    assert main(["harmonize", str(path), "-o", str(out), "--force"]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


# -- the rest of the kinds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "unmapped",
        "NegControlProbe_00042",
        "NegControlCodeword_0500",
        "UnassignedCodeword_0001",
        "NegPrb3",
        "SystemControl12",
        "Intergenic_Region_1",
        "antisense_PROM1",
        "DeprecatedCodeword_0001",
    ],
)
def test_technical_rows_link_to_nothing(sim, name):
    prot = sim["prot"].copy()
    x = np.asarray(prot.X)
    prot = ad.AnnData(np.c_[x, x[:, :1]], obs=prot.obs, var=pd.DataFrame(index=[*prot.var_names, name]))
    links = mufuse.pp.link_features(_mdata(rna=sim["rna"].copy(), prot=prot))
    assert links.loc[name, "status"] == "excluded" and "technical" in links.loc[name, "reason"]


def test_nan_in_a_few_protein_cells_names_the_cells(sim):
    prot = sim["prot"].copy()
    x = np.asarray(prot.X, dtype=np.float32).copy()
    x[[5, 9], :] = np.nan
    prot.X = x
    m = _mdata(rna=sim["rna"].copy(), prot=prot)
    names = re.escape(f"({prot.obs_names[5]}, {prot.obs_names[9]})")
    with pytest.raises(MufuseError, match=rf"2 cell\(s\) {names}.*filter them out"):
        mufuse.pp.harmonize(m)


# -- found by a new user's trial ---------------------------------------------------------------------------------------


def test_barnyard_never_links_a_human_marker_to_a_mouse_gene(sim):
    rna = sim["rna"]
    human = [g for g in rna.var_names if g != "CD4"]  # the human CD4 gene is missing, its mouse gene is there
    x = sparse.hstack([rna[:, human].X, rna.X]).tocsr()
    names = [f"GRCh38_{g}" for g in human] + [f"mm10___{g.capitalize()}" for g in rna.var_names]
    m = _mdata(rna=ad.AnnData(x, obs=rna.obs, var=pd.DataFrame(index=names)), prot=sim["prot"].copy())
    links = mufuse.pp.link_features(m)
    assert links.loc["CD4_TotalSeqB", "status"] == "gene_absent"
    assert not links["genes"].str.contains("mm10___").any()


def test_labels_at_two_granularities_sharing_some_names(matched_sim):
    """Fine RNA labels and coarse protein labels that share a few names: the true pairing still reads 1.0."""
    m = matched_sim
    fine = m["rna"].obs["cell_type"].astype(str)
    m["rna"].obs["lab"] = fine.to_numpy()
    m["prot"].obs["lab"] = fine.map(lambda x: "CD4 T" if x in ("CD4 T", "CD8 T") else x).to_numpy()  # CD4 T in both
    ev = mufuse.tl.evaluate_matching(m, label_key="lab", n_perms=50)
    assert ev["label_agreement"] == 1.0
    assert ev["label_overlap"]["pairs_compared"] == pytest.approx(1 - (fine == "CD8 T").mean())


def test_a_perfect_matching_is_not_called_random_with_few_permutations(matched_sim):
    ev = mufuse.tl.evaluate_matching(matched_sim, n_perms=50)
    assert ev["p_value"] == pytest.approx(1 / 51)  # the smallest 50 permutations can give
    assert "matching not better than random" not in set(mufuse.tl.diagnose(matched_sim)["cause"])


@pytest.mark.parametrize(
    ("params", "seed", "words"),
    [
        ({"refine_pivots": {"nope": 3}}, 0, ["no parameter 'nope'", "cca_components"]),
        ({"refine_pivots": {"cca_components": "abc"}}, 0, ["takes a number"]),
        ({}, -1, ["seed", "2**32"]),
    ],
)
def test_maxfuse_arguments_fail_before_maxfuse(matched_sim, params, seed, words):
    with pytest.raises(MufuseError) as err:
        mufuse.tl.run_maxfuse(matched_sim, seed=seed, **params)
    assert all(w in str(err.value) for w in words)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"route": "Sketch"}, ["'auto', 'direct' or 'sketch'", "'Sketch'"]),
        ({"sketch_size": 10}, ["at least 500 cells, got 10", "sketch_size=10000"]),
        ({"sketch_size": 5000.0}, ["at least 500 cells, got 5000.0"]),
    ],
)
def test_route_arguments_fail_before_maxfuse(matched_sim, kwargs, words):
    with pytest.raises(MufuseError) as err:
        mufuse.tl.run_maxfuse(matched_sim, **kwargs)
    assert all(w in str(err.value) for w in words)


def test_links_warn_when_too_few_markers_link(sim):
    m = _decorated(sim, "XYZ_", None)
    msgs = _warnings_of(mufuse.pp.link_features, m)
    assert any("only 0 of the 19 markers" in w and "start with 'XYZ_'" in w and "and 796 more" in w for w in msgs)


def test_cli_says_flags_where_the_api_says_parameters(seurat_file, tmp_path, capsys):
    assert main(["harmonize", str(seurat_file), "-o", str(tmp_path / "o.h5mu")]) == 2  # modalities are RNA/ADT
    err = capsys.readouterr().err
    assert "--rna" in err and "rna=" not in err
    assert (
        main(
            [
                "harmonize",
                str(seurat_file),
                "-o",
                str(tmp_path / "o.h5mu"),
                "--rna",
                "RNA",
                "--prot",
                "ADT",
                "--layer",
                "nope",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "leave out --layer" in err and "layer=None" not in err


def test_a_closed_pipe_is_not_an_error(sim, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "in.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.write(path)
    exe = Path(sys.executable).parent / "mufuse"
    res = subprocess.run(f"'{exe}' links '{path}' | head -1", shell=True, capture_output=True, text=True, timeout=300)
    assert res.stdout.startswith("column") and "Error" not in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("other_layers", [[], ["spliced", "unspliced"]])
def test_negative_rna_values_get_advice_that_applies(sim, other_layers):
    rna = sim["rna"].copy()
    x = rna.X.copy().astype(np.float32)
    x.data[::50] = -1.0  # a few negative entries: no counts, no log-normalized values either
    for name in other_layers:
        rna.layers[name] = x.copy()
    rna.X = x
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    with pytest.raises(MufuseError, match="does not hold counts") as err:
        mufuse.pp.harmonize(m)
    said = str(err.value)
    if other_layers:
        assert "layers: spliced, unspliced" in said and "layer='<name>'" in said
    else:
        assert "no other layer is there" in said and "layers['counts']" in said and "layer='counts'" not in said


def test_advice_of_the_audit_applies(sim):
    """Messages whose advice could not be followed (issue 29): each one now names a fix that works."""
    # a z-scored layer named while nothing else holds counts: no "layer=None" that leads nowhere
    rna = sim["rna"].copy()
    rna.layers["scaled"] = _scaled(rna.X)
    rna.X = _scaled(rna.X)
    m = _mdata(rna=rna, prot=sim["prot"].copy())
    with pytest.raises(StateError, match="no other place holds counts") as err:
        mufuse.pp.harmonize(m, layer="scaled")
    assert "layer=None" not in str(err.value)
    # counts elsewhere: layer=None is offered, naming where
    rna.layers["counts"] = sim["rna"].X.copy()
    with pytest.raises(StateError, match=r"pass layer=None to let it find them \(layers\['counts'\]"):
        mufuse.pp.harmonize(_mdata(rna=rna, prot=sim["prot"].copy()), layer="scaled")
    # a marker dropped after harmonize: exclude= is named where it exists
    h = _harmonize_quiet(sim, copy=True)
    h.mod["prot"] = h["prot"][:, 1:].copy()
    with pytest.raises(MufuseError, match="exclude=.*mufuse.pp.link_features"):
        mufuse.tl.to_maxfuse(h)
    # transfer with a modality that is not there: named, not a KeyError
    with pytest.raises(MufuseError, match="'gex'"):
        mufuse.tl.transfer_labels(h, "cell_type", source="gex")


def test_the_empty_cell_filter_suggested_runs(sim):
    prot = sim["prot"].copy()
    x = np.asarray(prot.X).copy()
    x[:3] = 0
    prot.X = x
    m = _mdata(rna=sim["rna"].copy(), prot=prot)
    n = m["prot"].n_obs
    msgs = _warnings_of(mufuse.pp.harmonize, m)
    said = next(w for w in msgs if "without any signal" in w)
    code = said.split("(e.g. ")[1].rsplit(")", 1)[0]
    exec(code, {"mu": mu, "np": np, "mdata": m})  # the suggestion, as printed
    assert m["prot"].n_obs == n - 3
