"""Issue 19: protein normalizations: per-cell depth (total_log1p) and batch alignment by landmarks."""

from __future__ import annotations

import warnings

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import pytest
import scanpy as sc

import mufuse
from conftest import assert_unchanged, snapshot
from mufuse._align import align_batches, landmarks
from mufuse._transforms import transform_protein


def test_total_log1p_is_scanpy_normalize_total_then_log1p():
    rng = np.random.default_rng(0)
    x = rng.poisson(rng.uniform(1, 60, 12), (300, 12)).astype(float)
    x[7] = 0  # a cell without signal stays zero
    ref = ad.AnnData(x.copy())
    sc.pp.normalize_total(ref)
    sc.pp.log1p(ref)
    np.testing.assert_allclose(transform_protein(x, transform="total_log1p"), ref.X, rtol=1e-12, atol=1e-12)


def test_harmonize_total_log1p_reads_every_marker_of_a_cell():
    """The per-cell total runs over all markers (isotype controls too, as scanpy would), the z-score over the used."""
    m = mufuse.datasets.simulated(600, seed=3, prescaled=False)
    m["prot"].var["isotype_control"] = m["prot"].var_names.str.contains("control", case=False)
    mufuse.pp.harmonize(m, prot_transform="total_log1p")
    assert m.uns["mufuse"]["params"]["harmonize"]["prot_transform"] == "total_log1p"
    ref = ad.AnnData(np.asarray(m["prot"].X, dtype=np.float64).copy(), var=m["prot"].var.copy())
    sc.pp.normalize_total(ref)
    sc.pp.log1p(ref)
    used = list(m.uns["mufuse"]["active"]["prot"])
    assert used == [v for v in m["prot"].var_names if not m["prot"].var.loc[v, "isotype_control"]]
    expect = ref[:, used].X
    expect = np.clip((expect - expect.mean(0)) / expect.std(0), -5, 5)
    np.testing.assert_allclose(m["prot"].obsm["mufuse_active"], expect, atol=2e-5)


def test_total_log1p_is_refused_on_already_scaled_protein():
    m = mufuse.datasets.simulated(300, seed=1, prescaled=True)
    before = snapshot(m)
    with pytest.raises(mufuse.StateError, match="total_log1p"):
        mufuse.pp.harmonize(m, prot_transform="total_log1p")
    assert_unchanged(m, before)


def _marker(rng, n, positive_share, depth):
    """arcsinh(x / 5) of one marker: a negative population at ~2 counts, a positive one at ~80, times a depth."""
    pos = rng.random(n) < positive_share
    return np.arcsinh(rng.poisson(np.where(pos, 80.0, 2.0) * depth) / 5.0)


def test_landmarks_find_both_peaks_and_ignore_the_mix():
    rng = np.random.default_rng(0)
    for share in (0.1, 0.5, 0.9):
        neg, pos = landmarks(_marker(rng, 4000, share, 1.0))
        assert pos is not None and abs(pos - np.arcsinh(80 / 5)) < 0.15 and neg < 1.0, (share, neg, pos)
    neg, pos = landmarks(np.random.default_rng(1).normal(1.0, 0.3, 3000))
    assert pos is None and abs(neg - 1.0) < 0.1  # one population: one landmark


def test_batch_align_matches_peaks_where_per_batch_zscores_move_them():
    """Two batches of one marker: 70% vs 20% positive cells, the second at half the antibody depth.

    Per-batch z-scores put the positive peak at different places in the two batches (the mix sets each batch's
    mean and sd); aligning the landmarks puts both peaks of both batches in one place.
    """
    rng = np.random.default_rng(2)
    b1, b2 = _marker(rng, 3000, 0.7, 1.0), _marker(rng, 3000, 0.2, 0.5)
    groups = np.r_[np.zeros(3000, int), np.ones(3000, int)]
    x = np.concatenate([b1, b2])[:, None]
    z = np.concatenate([(b - b.mean()) / b.std() for b in (b1, b2)])
    z_peaks = [landmarks(z[groups == g])[1] for g in (0, 1)]
    assert abs(z_peaks[0] - z_peaks[1]) > 0.5  # per-batch z-scoring shifts the positive cells between batches
    aligned, table = align_batches(x.copy(), groups, 2, ["m"])
    a = aligned[:, 0]
    a = (a - a.mean()) / a.std()
    peaks = [landmarks(a[groups == g]) for g in (0, 1)]
    assert abs(peaks[0][1] - peaks[1][1]) < 0.1 and abs(peaks[0][0] - peaks[1][0]) < 0.1, peaks
    assert list(table["mode"]) == ["two peaks", "two peaks"]


def _batched_mdata(seed=0):
    m = mufuse.datasets.simulated(1500, seed=seed, paired=False, prescaled=False)
    prot = m["prot"]
    rng = np.random.default_rng(seed)
    second = rng.random(prot.n_obs) < 0.5
    x = np.asarray(prot.X, dtype=np.float64)
    x[second] = rng.binomial(x[second].astype(np.int64), 0.5)  # half the antibody depth in batch b2
    prot.X = x.astype(np.float32)
    prot.obs["batch"] = np.where(second, "b2", "b1")
    return m


def test_harmonize_batch_align_end_to_end(tmp_path):
    m = _batched_mdata()
    mufuse.pp.harmonize(m, batch_key="batch", batch_align=True)
    report = m.uns["mufuse"]["report"]
    table = report["batch_align"]
    assert set(table["batch"]) == {"b1", "b2"} and set(table["mode"]) <= {"two peaks", "shift", "kept"}
    assert m.uns["mufuse"]["params"]["harmonize"]["batch_align"] is True
    active = m["prot"].obsm["mufuse_active"]
    np.testing.assert_allclose(active.mean(0), 0, atol=0.05)  # one z-score over all protein cells
    path = tmp_path / "aligned.h5mu"
    m.write(path)
    back = mudata.read_h5mu(path)
    assert len(back.uns["mufuse"]["report"]["batch_align"]) == len(table)
    # transfer carries the aligned values (before the z-score), as harmonize aligned them
    n = min(back["rna"].n_obs, back["prot"].n_obs)
    pairs = pd.DataFrame({"rna": back["rna"].obs_names[:n], "prot": back["prot"].obs_names[:n], "score": 1.0})
    mufuse.tl.add_matching(back, pairs)
    used = list(back.uns["mufuse"]["active"]["prot"])[:3]
    got = mufuse.tl.transfer_features(back, used, source="prot", target="rna", n_neighbors=1).to_numpy()
    x = np.asarray(back["prot"].X, dtype=np.float64)
    chosen = back.uns["mufuse"]["params"]["harmonize"]["prot_transform"]
    values = transform_protein(x, transform=chosen)[:, back["prot"].var_names.get_indexer(used)]
    codes = (back["prot"].obs["batch"].to_numpy() == "b2").astype(np.int64)
    aligned, _ = align_batches(values.copy(), codes, 2, used)
    rows = back["prot"].obs_names.get_indexer(pairs["prot"])
    np.testing.assert_allclose(got, aligned[rows], atol=1e-5)
    assert np.abs(aligned - values).max() > 0.1  # the alignment moved the values: transfer did not skip it


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_align": True}, "pass batch_key="),
        ({"batch_align": True, "batch_key": "one"}, "needs two or more batches"),
    ],
)
def test_batch_align_refuses_what_it_cannot_do(kwargs, match):
    m = _batched_mdata()
    m["prot"].obs["one"] = "b"
    before = snapshot(m)
    with pytest.raises(mufuse.MufuseError, match=match):
        mufuse.pp.harmonize(m, **kwargs)
    assert_unchanged(m, before)
    assert "mufuse" not in m.uns or "report" not in m.uns.get("mufuse", {})


def test_cli_batch_align(tmp_path, capsys):
    from mufuse.cli import main

    m = _batched_mdata()
    path, out = tmp_path / "in.h5mu", tmp_path / "out.h5mu"
    m.write(path)
    assert main(["harmonize", str(path), "-o", str(out), "--batch-key", "batch", "--batch-align"]) == 0
    back = mudata.read_h5mu(out)
    assert back.uns["mufuse"]["params"]["harmonize"]["batch_align"] is True


def test_batch_align_reads_a_one_peak_batch_by_where_its_peak_lies():
    """A batch where nearly every cell carries the marker has one peak, its positive one: it goes to the positive
    landmark of the other batches, not onto their negative peak."""
    rng = np.random.default_rng(4)
    b1, b2 = _marker(rng, 3000, 0.5, 1.0), _marker(rng, 3000, 0.99, 0.7)
    groups = np.r_[np.zeros(3000, int), np.ones(3000, int)]
    aligned, table = align_batches(np.concatenate([b1, b2])[:, None].copy(), groups, 2, ["m"])
    assert table["mode"].tolist() == ["shift", "shift (positive peak)"]
    pos1 = landmarks(aligned[groups == 0, 0])[1]
    pos2 = landmarks(aligned[groups == 1, 0])[0]
    assert pos1 is not None and abs(pos1 - pos2) < 0.15


def test_per_marker_cofactors():
    """{marker: cofactor}: imaging channels need ~150, counts 5; markers not named keep 5; stored and reused."""
    m = mufuse.datasets.simulated(600, seed=2, prescaled=False)
    first, second = map(str, m["prot"].var_names[:2])
    mufuse.pp.harmonize(m, prot_transform="arcsinh", cofactor={first: 150.0})
    x = np.asarray(m["prot"].X, dtype=np.float64)
    used = [str(v) for v in m["prot"].var_names if "control" not in str(v).lower()]
    for name, c in ((first, 150.0), (second, 5.0)):
        j = m["prot"].var_names.get_loc(name)
        v = np.arcsinh(x[:, j] / c)
        expect = np.clip((v - v.mean()) / v.std(), -5, 5)
        np.testing.assert_allclose(m["prot"].obsm["mufuse_active"][:, used.index(name)], expect, atol=2e-5)
    assert m.uns["mufuse"]["params"]["harmonize"]["cofactor"] == f'{{"{first}": 150.0}}'
    # label/feature transfer reads the stored cofactors back
    from mufuse.tl._transfer import _source_values

    vals = _source_values(m, "prot", [first])
    np.testing.assert_allclose(vals[:, 0], np.arcsinh(x[:, m["prot"].var_names.get_loc(first)] / 150.0))


@pytest.mark.parametrize(
    ("cofactor", "match"),
    [({"NOT_A_MARKER": 150.0}, "not in modality 'prot': NOT_A_MARKER"), ({"FIRST": -1}, "positive"), (0, "positive")],
)
def test_bad_cofactors_are_refused_first(cofactor, match):
    m = mufuse.datasets.simulated(300, seed=2, prescaled=False)
    if isinstance(cofactor, dict) and "FIRST" in cofactor:  # a real marker with a bad value
        cofactor = {str(m["prot"].var_names[0]): cofactor["FIRST"]}
    before = snapshot(m)
    with pytest.raises(mufuse.MufuseError, match=match):
        mufuse.pp.harmonize(m, prot_transform="arcsinh", cofactor=cofactor)
    assert_unchanged(m, before)


def test_cli_cofactors(tmp_path, capsys):
    from mufuse.cli import main

    m = mufuse.datasets.simulated(400, seed=2, prescaled=False)
    first = str(m["prot"].var_names[0])
    path = tmp_path / "in.h5mu"
    m.write(path)
    out = tmp_path / "out.h5mu"
    args = ["harmonize", str(path), "-o", str(out), "--force", "--prot-transform", "arcsinh"]
    assert main([*args, "--cofactor", f"{first}=150"]) == 0
    assert mudata.read_h5mu(out).uns["mufuse"]["params"]["harmonize"]["cofactor"] == f'{{"{first}": 150.0}}'
    assert main([*args, "--cofactor", "150"]) == 0
    assert mudata.read_h5mu(out).uns["mufuse"]["params"]["harmonize"]["cofactor"] == 150.0
    assert main([*args, "--cofactor", "CD3:150"]) == 2
    assert "MARKER=VALUE" in capsys.readouterr().err


def _min_max(x):
    lo, hi = x.min(0), x.max(0)
    return ((x - lo) / np.where(hi > lo, hi - lo, 1)).astype(np.float32)


def test_counts_are_recovered_from_min_max_scaled_values():
    from mufuse._transforms import recover_scaled_counts

    rng = np.random.default_rng(5)
    x = rng.poisson(rng.lognormal(2, 1.5, 20), (3000, 20)).astype(np.float64)
    x[:, 0] += rng.poisson(4000, 3000)  # wide ranges: float32 blurs the smallest gap of 1 / (max - min)
    back, why = recover_scaled_counts(_min_max(x))
    np.testing.assert_array_equal(back, x - x.min(0))
    assert "recovered" in why
    off_grid = np.array([[0, 0.5], [0.5, 1], [0.5001, 0], [1, 0.2]])  # the smallest gap is not the step from 0
    for not_counts in (
        rng.random((500, 4)),
        _min_max(np.log1p(x))[:, :4],
        np.round(rng.random((500, 3)), 3) * 0.9,
        off_grid,
    ):
        got, why = recover_scaled_counts(not_counts)
        assert got is None and "marker 0" in why


def test_auto_treats_min_max_scaled_counts_as_their_counts(tmp_path):
    """'Pre-scaled' protein gets the counts' transform, and the same arrays when each marker's minimum is 0."""
    m = mufuse.datasets.simulated(600, seed=4, prescaled=False)
    x = np.asarray(m["prot"].X, dtype=np.float64)
    cols = np.arange(x.shape[1])
    x[cols % 2, cols] = 0  # every marker's minimum is 0 (in two cells): min-max scaling loses nothing
    m["prot"].X = x.astype(np.float32)
    scaled = m.copy()
    scaled["prot"].X = _min_max(x)
    before = snapshot(scaled)
    mufuse.pp.harmonize(m)
    mufuse.pp.harmonize(scaled)
    assert_unchanged(scaled, before, obsm_too=False)
    chosen = scaled.uns["mufuse"]["report"]["prot_transform"]
    assert chosen["chosen"] == m.uns["mufuse"]["report"]["prot_transform"]["chosen"] and "recovered" in chosen["reason"]
    assert scaled.uns["mufuse"]["report"]["input_state"]["prot"] == "unit_scaled"  # as detected, and said
    for key in ("mufuse_shared", "mufuse_active"):
        np.testing.assert_allclose(scaled["prot"].obsm[key], m["prot"].obsm[key], atol=1e-5)
    # transfer recomputes the same values from the scaled ones
    pairs = mudata.MuData({"rna": scaled["rna"], "prot": scaled["prot"]})
    pairs.uns = scaled.uns
    mufuse.tl.add_matching(
        pairs, pd.DataFrame({"rna": pairs["rna"].obs_names, "prot": pairs["prot"].obs_names, "score": 1.0})
    )
    got = mufuse.tl.transfer_features(pairs, ["CD4_TotalSeqB"], source="prot", target="rna", n_neighbors=1)
    expect = transform_protein(x, transform=chosen["chosen"])[:, m["prot"].var_names.get_loc("CD4_TotalSeqB")]
    np.testing.assert_allclose(got["CD4_TotalSeqB"].to_numpy(), expect, atol=1e-5)


def _panel(n_markers: int, dominant: int, seed: int = 0) -> mudata.MuData:
    """The simulator's RNA beside a protein panel of ``n_markers`` linked markers, ``dominant`` of them 30x brighter."""
    m = mufuse.datasets.simulated(400, seed=seed, prescaled=False)
    rng = np.random.default_rng(seed)
    names = list(m["prot"].var_names[:n_markers])
    rates = np.where(np.arange(len(names)) < dominant, 600.0, 20.0)
    depth = rng.lognormal(0, 0.4, m["prot"].n_obs)[:, None]
    x = rng.poisson(depth * rates * rng.lognormal(0, 0.5, (m["prot"].n_obs, len(names)))).astype(np.float32)
    prot = ad.AnnData(x, obs=m["prot"].obs.copy(), var=pd.DataFrame(index=names))
    return mudata.MuData({"rna": m["rna"], "prot": prot})


@pytest.mark.parametrize(
    ("dominant", "expected", "words"), [(0, "total_log1p", "many markers"), (3, "arcsinh", "a few")]
)
def test_auto_corrects_depth_only_when_cell_totals_sum_many_markers(dominant, expected, words):
    """A total made by three bright markers is the cell's biology: no per-cell division then."""
    from mufuse.pp._normalize import effective_markers

    m = _panel(16, dominant)
    eff = effective_markers(np.asarray(m["prot"].X))
    assert (eff >= 8) == (dominant == 0), eff
    mufuse.pp.harmonize(m)
    chosen = dict(m.uns["mufuse"]["report"]["prot_transform"])
    assert chosen["requested"] == "auto" and chosen["chosen"] == expected
    assert words in chosen["reason"] and f"{eff:.1f}" in chosen["reason"]
    assert m.uns["mufuse"]["params"]["harmonize"]["prot_transform"] == expected


def test_auto_takes_dsb_with_empty_droplets_and_an_explicit_transform_as_requested():
    m = _panel(16, 0)
    rng = np.random.default_rng(0)
    empty = ad.AnnData(rng.poisson(2, (100, m["prot"].n_vars)).astype(np.float32), var=m["prot"].var[[]].copy())
    m2 = _panel(16, 0)
    mufuse.pp.harmonize(m2, empty_droplets=empty)  # empty droplets given: auto takes dsb with their background
    chosen = dict(m2.uns["mufuse"]["report"]["prot_transform"])
    assert chosen["chosen"] == "dsb" and "empty droplets" in chosen["reason"]
    assert m2.uns["mufuse"]["report"]["dsb"]["background"] == "empty droplets"
    with pytest.raises(mufuse.MufuseError, match="prot_transform='dsb'"):  # empty droplets belong to dsb
        mufuse.pp.harmonize(m2, empty_droplets=empty, prot_transform="arcsinh")
    mufuse.pp.harmonize(m2, prot_transform="arcsinh")
    assert dict(m2.uns["mufuse"]["report"]["prot_transform"])["reason"] == "as requested"


def test_batch_align_reads_a_zero_spike_as_a_spike():
    """Low counts: a batch that lost its positive cells shows the zero spike and its negative population. The spike
    must not pass for the negative peak (and the negative population for the positive one)."""
    rng = np.random.default_rng(11)
    n = 1500
    pos1 = rng.random(n) < 0.4
    b1 = np.log1p(rng.poisson(np.where(pos1, 60.0, 6.0)))
    pos2 = rng.random(n) < 0.02  # a 20:1 mix, and half the depth: many negative cells at zero counts
    b2 = np.log1p(rng.poisson(np.where(pos2, 30.0, 3.0)))
    assert (b2 == 0).mean() > 0.04
    x = np.concatenate([b1, b2])[:, None].copy()
    groups = np.repeat([0, 1], n)
    neg1 = landmarks(b1)[0]
    aligned, table = align_batches(x, groups, 2, ["m"])
    assert table.loc[table["batch"] == 1, "mode"].item() == "shift"
    # batch 2's negative population (not its zero spike) lands on batch 1's negative peak
    moved = aligned[n:, 0][~pos2 & (b2 > 0)]
    assert abs(np.median(moved) - neg1) < 0.35, (np.median(moved), neg1)


def _sorted_beside_blood(seed=0):
    """One sample of sorted T cells (at half the antibody depth) beside a whole-blood sample, unpaired."""
    m = mufuse.datasets.simulated(3000, seed=seed, paired=False, prescaled=False)
    prot = m["prot"]
    rng = np.random.default_rng(seed)
    t_cell = prot.obs["cell_type"].astype(str).isin(["CD4 T", "CD8 T"]).to_numpy()
    sorted_ = t_cell & (rng.random(prot.n_obs) < 0.8)
    x = np.asarray(prot.X, dtype=np.float64)
    x[sorted_] = rng.binomial(x[sorted_].astype(np.int64), 0.5)
    prot.X = x.astype(np.float32)
    prot.obs["sample"] = np.where(sorted_, "sorted_T", "blood")
    return m, sorted_


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batches_of_different_mixes_are_said_and_batch_align_brings_their_cells_together(seed):
    m, sorted_ = _sorted_beside_blood(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mufuse.pp.harmonize(m, batch_key="sample")
    said = [str(w.message) for w in caught if "hold different mixes of cells" in str(w.message)]
    assert len(said) == 1 and "batch_align=True" in said[0] and "'sorted_T'" in said[0], said
    table = m.uns["mufuse"]["report"]["batch_composition"]
    assert len(table) >= 3 and set(table["batch_low"]) | set(table["batch_high"]) == {"sorted_T", "blood"}
    t_cells = m["prot"].obs["cell_type"].astype(str).isin(["CD4 T", "CD8 T"]).to_numpy()
    col = list(m.uns["mufuse"]["active"]["prot"]).index(table["marker"][0])

    def apart(mm) -> float:  # the same T cells, in the two samples: how far apart on the worst marker
        a = mm["prot"].obsm["mufuse_active"][:, col]
        return abs(a[t_cells & sorted_].mean() - a[t_cells & ~sorted_].mean())

    per_batch = apart(m)
    m2, _ = _sorted_beside_blood(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mufuse.pp.harmonize(m2, batch_key="sample", batch_align=True)
    assert not any("hold different mixes" in str(w.message) for w in caught)
    assert "batch_composition" not in m2.uns["mufuse"]["report"]
    assert per_batch > 0.5 and apart(m2) < per_batch / 2, (per_batch, apart(m2))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_batches_of_one_mix_at_different_depths_raise_no_composition_warning(seed):
    m = _batched_mdata(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mufuse.pp.harmonize(m, batch_key="batch")
    assert not any("hold different mixes" in str(w.message) for w in caught)
    assert "batch_composition" not in m.uns["mufuse"]["report"]


def test_auto_names_the_marker_that_shows_values_are_no_scaled_counts():
    """Min-max scaled intensities beside an excluded DAPI: the reason names a marker of the panel, not 'marker 0'."""
    m = mufuse.datasets.simulated(400, seed=0, prescaled=False)
    prot = m["prot"]
    rng = np.random.default_rng(0)
    x = rng.lognormal(5, 1, size=prot.shape)
    prot.X = ((x - x.min(0)) / (x.max(0) - x.min(0))).astype(np.float32)  # scaled intensities, no count grid
    mufuse.pp.harmonize(m)
    reason = m.uns["mufuse"]["report"]["prot_transform"]
    assert "marker 0" not in str(reason) and any(f"'{n}'" in str(reason) for n in prot.var_names), reason
