"""Issue 19: dsb (denoised and scaled by background), with empty droplets and without, against muon and by hand."""

from __future__ import annotations

import warnings

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.mixture import GaussianMixture

import mufuse
from conftest import assert_unchanged, snapshot
from mufuse._dsb import _em_rows, cell_background, dsb, negative_population


def _counts(seed: int = 0, n: int = 1500, p: int = 16, n_empty: int = 3000):
    """Antibody counts: a background per marker, positive populations, a per-cell depth; two isotype controls last."""
    rng = np.random.default_rng(seed)
    depth = rng.lognormal(0, 0.4, n)
    rate = rng.uniform(3, 30, p)
    positive = rng.random((n, p)) < rng.uniform(0.1, 0.6, p)
    x = rng.poisson(depth[:, None] * rate * (1 + positive * rng.uniform(5, 50, p))).astype(np.float64)
    x[:, -2:] = rng.poisson(depth[:, None] * rate[-2:])
    empty = rng.poisson(rng.uniform(0.2, 1, (n_empty, 1)) * rate / 3).astype(np.float64)
    return x, empty, depth, positive


def test_step_one_equals_muon_dsb_with_empty_droplets():
    prot = pytest.importorskip("muon").prot
    x, empty, _, _ = _counts()
    cells = ad.AnnData(x.copy())
    cells.var_names = [f"m{i}" for i in range(x.shape[1])]
    raw = ad.concat([cells, ad.AnnData(empty, var=cells.var.copy())], index_unique="-")
    raw.obs_names = [f"c{i}" for i in range(x.shape[0])] + [f"e{i}" for i in range(empty.shape[0])]
    cells.obs_names = raw.obs_names[: x.shape[0]]
    with pytest.warns(UserWarning):  # muon: "empty_counts_range values are not provided"
        prot.pp.dsb(cells, raw, denoise_counts=False)
    ours, info = dsb(x, background=empty, denoise=False)
    np.testing.assert_allclose(ours, cells.X, rtol=1e-6, atol=1e-6)
    assert info["background"] == "empty droplets"


def test_denoising_regresses_the_technical_component_out_as_dsb_does():
    """Step II by hand: PCA(1, whitened) of the isotypes and the cell background, then a linear regression."""
    from sklearn.decomposition import PCA

    x, empty, _, _ = _counts(1)
    iso = np.array([14, 15])
    ours, info = dsb(x, background=empty, isotypes=iso)
    v = (np.log(x + 10) - info["background_mean"]) / info["background_sd"]
    covar = PCA(n_components=1, whiten=True).fit_transform(np.column_stack([v[:, iso], cell_background(v)]))
    reg = LinearRegression().fit(covar, v)
    np.testing.assert_allclose(ours, v - (reg.predict(covar) - reg.intercept_), atol=1e-8)
    np.testing.assert_allclose(info["technical"], covar[:, 0], atol=1e-10)


def test_cell_background_is_the_best_mixture_fit():
    """Each cell's background is the lower mean of the best two-component fit (equal or separate variances, BIC).

    Reference: scikit-learn's mixtures with k-means starts, five each. (muon's random starts land in a worse fit,
    higher BIC, for about a third of the cells of these data.)
    """
    x, empty, _, _ = _counts(2, n=300)
    v = (np.log(x + 10) - np.log(empty + 10).mean(0)) / np.log(empty + 10).std(0, ddof=1)
    ours = cell_background(v)
    bic_ours = np.minimum(_em_rows(v, tied=True)[1], _em_rows(v, tied=False)[1])
    ref, bic_ref = np.empty(len(v)), np.empty(len(v))
    for c, row in enumerate(v):
        a = row[:, None]
        fits = [GaussianMixture(2, covariance_type=t, n_init=5, random_state=0).fit(a) for t in ("tied", "full")]
        bics = [f.bic(a) for f in fits]
        ref[c], bic_ref[c] = fits[int(np.argmin(bics))].means_.min(), min(bics)
    assert np.mean(np.abs(ours - ref) < 0.01) >= 0.9
    assert np.max(bic_ours - bic_ref) < 5  # never a clearly worse fit


def test_without_empty_droplets_the_background_is_the_negative_population():
    rng = np.random.default_rng(3)
    n = 4000
    neg_mean = np.array([5.0, 20.0, 50.0])
    positive = rng.random((n, 3)) < np.array([0.2, 0.5, 0.8])
    x = rng.poisson(np.where(positive, neg_mean * 30, neg_mean)).astype(np.float64)
    mu, sd = negative_population(np.log(x + 10))
    truth = np.array([np.log(x[~positive[:, j], j] + 10).mean() for j in range(3)])
    np.testing.assert_allclose(mu, truth, atol=0.05)
    assert np.all(sd > 0) and np.all(sd < 0.5)


def test_denoising_removes_the_per_cell_depth_from_negative_cells():
    x, empty, depth, positive = _counts(4)
    for background in (empty, None):
        plain, _ = dsb(x, background=background, denoise=False)
        denoised, _ = dsb(x, background=background, isotypes=np.array([14, 15]))
        for j in range(6):
            neg = ~positive[:, j]
            r_plain = np.corrcoef(plain[neg, j], np.log(depth[neg]))[0, 1]
            r_denoised = np.corrcoef(denoised[neg, j], np.log(depth[neg]))[0, 1]
            assert abs(r_denoised) < abs(r_plain) / 2, (j, r_plain, r_denoised)


def _mudata(seed=0):
    m = mufuse.datasets.simulated(600, seed=seed, prescaled=False)
    rng = np.random.default_rng(seed)
    empty = ad.AnnData(
        rng.poisson(np.asarray(m["prot"].X, dtype=np.float64).mean(0) / 20, (800, m["prot"].n_vars)).astype(np.float32),
        var=m["prot"].var[[]].copy(),
    )
    return m, empty


@pytest.mark.parametrize("with_empty", [True, False])
def test_harmonize_dsb_end_to_end_and_transfer_reuses_the_background(tmp_path, with_empty):
    m, empty = _mudata()
    before = snapshot(m)
    mufuse.pp.harmonize(m, prot_transform="dsb", empty_droplets=empty if with_empty else None)
    assert_unchanged(m, before, obsm_too=False)
    report = m.uns["mufuse"]["report"]["dsb"]
    assert report["background"] == ("empty droplets" if with_empty else "negative population")
    isotypes = [v for v in m["prot"].var_names if "control" in v.lower()]
    assert sorted(report["isotypes"]) == sorted(isotypes) and isotypes
    x = np.asarray(m["prot"].X, dtype=np.float64)
    iso = m["prot"].var_names.get_indexer(isotypes)
    expect, _ = dsb(x, background=np.asarray(empty.X) if with_empty else None, isotypes=iso)
    used = list(m.uns["mufuse"]["active"]["prot"])
    e = expect[:, m["prot"].var_names.get_indexer(used)]
    np.testing.assert_allclose(m["prot"].obsm["mufuse_active"], np.clip((e - e.mean(0)) / e.std(0), -5, 5), atol=2e-5)
    # the stored background survives a file and gives transfer the same values
    path = tmp_path / "dsb.h5mu"
    m.write(path)
    back = mudata.read_h5mu(path)
    pairs = pd.DataFrame({"rna": back["rna"].obs_names, "prot": back["prot"].obs_names, "score": 1.0})
    mufuse.tl.add_matching(back, pairs)
    out = mufuse.tl.transfer_features(back, used[:2], source="prot", target="rna", n_neighbors=1)
    np.testing.assert_allclose(out.to_numpy(), e[:, :2], atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prot_transform": "arcsinh", "empty": True}, "prot_transform='dsb' \\(or 'auto'\\)"),
        ({"prot_transform": "dsb", "empty": "few"}, "at least 50"),
        ({"prot_transform": "dsb", "empty": "missing"}, "lacks 1 marker"),
        ({"prot_transform": "dsb", "empty": "negative"}, "non-negative"),
        ({"prot_transform": "dsb", "empty": "array"}, "must be an AnnData"),
    ],
)
def test_dsb_refuses_bad_empty_droplets_first(kwargs, match):
    m, empty = _mudata(1)
    kind = kwargs.pop("empty")
    if kind == "few":
        empty = empty[:10].copy()
    elif kind == "missing":
        empty = empty[:, 1:].copy()
    elif kind == "negative":
        empty.X[0, 0] = -1
    elif kind == "array":
        empty = np.asarray(empty.X)
    before = snapshot(m)
    with pytest.raises(mufuse.MufuseError, match=match):
        mufuse.pp.harmonize(m, empty_droplets=empty, **kwargs)
    assert_unchanged(m, before)


def test_dsb_is_refused_on_already_scaled_protein():
    m = mufuse.datasets.simulated(300, seed=1, prescaled=True)
    with pytest.raises(mufuse.StateError, match="dsb"):
        mufuse.pp.harmonize(m, prot_transform="dsb")


def test_cli_empty_droplets(tmp_path, capsys):
    from mufuse.cli import main

    m, empty = _mudata(2)
    path, out, drops = tmp_path / "in.h5mu", tmp_path / "out.h5mu", tmp_path / "empty.h5ad"
    m.write(path)
    empty.write_h5ad(drops)
    assert main(["harmonize", str(path), "-o", str(out), "--empty-droplets", str(drops)]) == 0
    printed = capsys.readouterr().out
    assert "prot transform: dsb (raw counts with empty droplets given" in printed
    back = mudata.read_h5mu(out)
    assert back.uns["mufuse"]["report"]["dsb"]["background"] == "empty droplets"
    assert main(["harmonize", str(path), "-o", str(tmp_path / "x.h5mu"), "--empty-droplets", "nope.h5ad"]) != 0
    assert "input file 'nope.h5ad' does not exist" in capsys.readouterr().err
    broken = tmp_path / "broken.h5ad"
    broken.write_text("not hdf5")
    assert main(["harmonize", str(path), "-o", str(tmp_path / "y.h5mu"), "--empty-droplets", str(broken)]) != 0
    assert "as an .h5ad file" in capsys.readouterr().err
    # droplets in an .h5mu under another modality name: FILE.h5mu:MODALITY, or the file's only modality
    two = tmp_path / "drops2.h5mu"
    mudata.MuData({"adt": empty, "other": empty.copy()}).write(two)
    assert main(["harmonize", str(path), "-o", str(tmp_path / "z.h5mu"), "--empty-droplets", str(two)]) == 2
    assert f"--empty-droplets {two}:adt" in capsys.readouterr().err
    assert main(["harmonize", str(path), "-o", str(tmp_path / "z.h5mu"), "--empty-droplets", f"{two}:adt"]) == 0
    one = tmp_path / "drops1.h5mu"
    mudata.MuData({"adt": empty}).write(one)
    assert main(["harmonize", str(path), "-o", str(tmp_path / "w.h5mu"), "--empty-droplets", str(one)]) == 0


def test_a_marker_at_zero_in_nearly_every_cell_keeps_a_sane_scale():
    """The background of a marker (or isotype) at zero in 95% of the cells collapses onto the zeros: its spread is
    floored at the log step of one count, so its few positive cells do not reach thousands of SDs or take over the
    technical component."""
    rng = np.random.default_rng(7)
    n = 2000
    sparse_marker = np.zeros(n)
    sparse_marker[:100] = rng.poisson(30, 100)
    isotype = np.where(rng.random(n) < 0.05, rng.poisson(2, n), 0)
    x = np.column_stack([sparse_marker, rng.poisson(rng.choice([2, 50], (n, 10))), isotype]).astype(float)
    out, info = dsb(x, isotypes=np.array([11]))
    assert info["background_sd"].min() >= np.log1p(1 / 10) - 1e-12
    assert np.abs(out).max() < 100
    plain, _ = dsb(x, denoise=False)
    assert abs(np.corrcoef(info["technical"], cell_background(plain))[0, 1]) > 0.3  # not the isotype alone


def test_nan_protein_is_refused_with_names_before_dsb():
    m, _ = _mudata(3)
    x = np.asarray(m["prot"].X, dtype=np.float32).copy()
    x[5, 2] = np.nan
    m["prot"].X = x
    before = snapshot(m)
    with pytest.raises(mufuse.MufuseError, match=r"NaN/Inf values \(which the protein transform 'dsb' cannot take\)"):
        mufuse.pp.harmonize(m, prot_transform="dsb")
    assert_unchanged(m, before)


def test_nan_in_a_column_dsb_reads_but_does_not_match_gets_advice_that_applies():
    """An isotype control (never matched) with NaN in many cells: excluding it again would not help dsb."""
    m, _ = _mudata(3)
    x = np.asarray(m["prot"].X, dtype=np.float32).copy()
    iso = list(m["prot"].var_names).index("IgG1_control_TotalSeqB")
    x[::5, iso] = np.nan
    m["prot"].X = x
    with pytest.raises(mufuse.MufuseError) as err:
        mufuse.pp.harmonize(m, prot_transform="dsb")
    text = str(err.value)
    assert "IgG1_control_TotalSeqB is not matched, but dsb reads every antibody column" in text
    assert "exclude=" not in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m, prot_transform="arcsinh")  # the advice works: arcsinh never reads the isotype


def test_auto_says_when_the_cofactor_or_the_empty_droplets_are_not_used():
    m, empty = _mudata(4)
    prescaled = m.copy()
    x = np.asarray(m["prot"].X, dtype=np.float64)
    prescaled["prot"].X = ((x - x.mean(0)) / x.std(0)).astype(np.float32)  # z-scored: not counts
    with pytest.warns(UserWarning, match="empty_droplets .* is not used"):
        mufuse.pp.harmonize(prescaled, empty_droplets=empty)
    assert "empty_droplets not used" in prescaled.uns["mufuse"]["report"]["prot_transform"]["reason"]
    with pytest.warns(UserWarning, match="cofactor .* is not used") as seen:
        mufuse.pp.harmonize(prescaled, cofactor=150.0)
    said = " ".join(str(w.message) for w in seen)  # arcsinh would be refused on z-scores: it is never suggested
    assert "already transformed" in said and "prot_transform='arcsinh'" not in said
    with pytest.raises(mufuse.MufuseError):
        mufuse.pp.harmonize(prescaled, cofactor=150.0, prot_transform="arcsinh")
