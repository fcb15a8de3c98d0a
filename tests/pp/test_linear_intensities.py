"""Linear intensities, raw or min-max scaled, get a variance-stabilizing arcsinh with a scale-free cofactor (issue 30).

The kind: protein values that are intensities on a linear scale (imaging means per cell, or counts made continuous),
as given or min-max scaled per marker, in any units. Against it: values already compressed (min-max of logs, of
arcsinh, of square roots), counts, centered values. On the real pbmc10k panel and on shapes built here.
"""

from __future__ import annotations

import json
import warnings

import mudata
import numpy as np
import pytest

import mufuse
from mufuse import MufuseError, StateError
from mufuse.pp._normalize import LINEAR_TAIL_RATIO, tail_ratio


def _linear(counts: np.ndarray, seed: int = 0) -> np.ndarray:
    return counts + np.random.default_rng(seed).uniform(0.0, 1.0, counts.shape)


def _min_max(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(0), x.max(0)
    return (x - lo) / np.where(hi > lo, hi - lo, 1.0)


LINEAR = {
    "min-max scaled": lambda v: _min_max(v),
    "raw, x100 (fluorescence units)": lambda v: v * 100,
    "raw, x0.01": lambda v: v * 0.01,
    "raw with a background offset": lambda v: v * 50 + 300,
    "min-max of a 99th-percentile clip": lambda v: _min_max(np.minimum(v, np.percentile(v, 99.9, axis=0))),
}
COMPRESSED = {
    "min-max of log1p": lambda v: _min_max(np.log1p(v)),
    "min-max of arcsinh(x/5)": lambda v: _min_max(np.arcsinh(v / 5)),
    "min-max of sqrt": lambda v: _min_max(np.sqrt(v)),
    "log1p, not scaled": lambda v: np.log1p(v),
}


def _harmonized(pbmc, values: np.ndarray, **kwargs) -> mudata.MuData:
    m = pbmc.copy()
    m["prot"].X = values.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m, **kwargs)
    return m


@pytest.mark.parametrize("kind", list(LINEAR))
def test_linear_intensities_get_arcsinh_with_each_markers_median(pbmc, kind):
    x = LINEAR[kind](_linear(np.asarray(pbmc["prot"].X, dtype=np.float64)))
    m = _harmonized(pbmc, x)
    chosen = m.uns["mufuse"]["report"]["prot_transform"]
    assert chosen["chosen"] == "arcsinh", chosen["reason"]
    assert "linear intensities" in chosen["reason"] and "median" in chosen["reason"]
    stored = json.loads(m.uns["mufuse"]["params"]["harmonize"]["cofactor"])
    j = m["prot"].var_names.get_loc("CD3_TotalSeqB")
    assert stored["CD3_TotalSeqB"] == pytest.approx(float(np.median(x[:, j].astype(np.float32))), rel=1e-5)
    # the transform is the same whatever the units: arcsinh(x / median) does not see a scale factor
    again = _harmonized(pbmc, x * 7.0)
    np.testing.assert_allclose(m["prot"].obsm["mufuse_active"], again["prot"].obsm["mufuse_active"], atol=1e-4)


@pytest.mark.parametrize("kind", list(COMPRESSED))
def test_compressed_values_are_only_z_scored(pbmc, kind):
    x = COMPRESSED[kind](_linear(np.asarray(pbmc["prot"].X, dtype=np.float64)))
    m = _harmonized(pbmc, x)
    chosen = m.uns["mufuse"]["report"]["prot_transform"]
    assert chosen["chosen"] == "zscore", chosen["reason"]


def test_the_simulators_pre_scaled_protein_stays_z_scored():
    """The simulator's pre-scaled protein is min-max scaled logs, as in the research notes: compressed already."""
    m = mufuse.datasets.simulated(600, seed=1, prescaled=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
    assert m.uns["mufuse"]["report"]["prot_transform"]["chosen"] == "zscore"


def test_tail_ratio_separates_the_kinds_on_every_marker_set(pbmc):
    """The quantity the rule reads: linear above the cut, compressed below it, on random halves of the panel too."""
    lin = _linear(np.asarray(pbmc["prot"].X, dtype=np.float64))
    rng = np.random.default_rng(3)
    for _ in range(5):
        cols = rng.choice(lin.shape[1], lin.shape[1] // 2, replace=False)
        assert tail_ratio(_min_max(lin[:, cols])) >= LINEAR_TAIL_RATIO
        assert tail_ratio(_min_max(np.log1p(lin[:, cols]))) < LINEAR_TAIL_RATIO
    assert tail_ratio(lin - lin.mean(0)) == 0.0  # centered values: nothing to compress


def test_arcsinh_of_min_max_values_needs_a_cofactor_that_fits(pbmc):
    x = _min_max(_linear(np.asarray(pbmc["prot"].X, dtype=np.float64)))
    with pytest.raises(StateError, match="cofactor='median'"):
        _harmonized(pbmc, x, prot_transform="arcsinh")
    m = _harmonized(pbmc, x, prot_transform="arcsinh", cofactor="median")
    assert m.uns["mufuse"]["params"]["harmonize"]["cofactor_requested"] == "median"
    with pytest.raises(MufuseError, match="'median'"):
        _harmonized(pbmc, x, prot_transform="arcsinh", cofactor="mean")


def test_the_transfers_replay_the_median_cofactors(pbmc, tmp_path):
    x = _min_max(_linear(np.asarray(pbmc["prot"].X, dtype=np.float64)))
    m = _harmonized(pbmc, x)
    path = tmp_path / "h.h5mu"
    m.write(path)
    back = mudata.read_h5mu(path)
    from mufuse.tl._transfer import _source_values

    j = m["prot"].var_names.get_loc("CD4_TotalSeqB")
    c = json.loads(back.uns["mufuse"]["params"]["harmonize"]["cofactor"])["CD4_TotalSeqB"]
    vals = _source_values(back, "prot", ["CD4_TotalSeqB"])
    np.testing.assert_allclose(vals[:, 0], np.arcsinh(x[:, j].astype(np.float32) / c), rtol=1e-5)


def test_cli_takes_cofactor_median(pbmc, tmp_path):
    from mufuse.cli import main

    m = pbmc.copy()
    m["prot"].X = _min_max(_linear(np.asarray(m["prot"].X, dtype=np.float64))).astype(np.float32)
    path, out = tmp_path / "in.h5mu", tmp_path / "out.h5mu"
    m.write(path)
    args = ["harmonize", str(path), "-o", str(out), "--force", "--prot-transform", "arcsinh", "--cofactor", "median"]
    assert main(args) == 0
    assert mudata.read_h5mu(out).uns["mufuse"]["params"]["harmonize"]["cofactor_requested"] == "median"


@pytest.mark.parametrize("scale", [2.0, 7.0, 19.0])
def test_linear_intensities_in_small_units_are_not_read_as_logs(pbmc, scale):
    """A maximum under 20 used to be read as a log scale; the tail tells linear values apart in any units."""
    lin = _linear(np.asarray(pbmc["prot"].X, dtype=np.float64))
    state, why = mufuse.tl.detect_state(_min_max(lin) * scale, return_reason=True)
    assert state == "other" and "linear intensities" in why
    for logged in (np.log1p(lin), _min_max(np.log1p(lin)) * scale, np.arcsinh(lin / 5.0)):
        assert mufuse.tl.detect_state(logged) != "other"


def test_auto_is_the_measured_arcsinh_of_the_benchmark(pbmc):
    """The arrays auto makes equal those benchmarks/quality.py measured as arcsinh(x / median) before mufuse."""
    x = _min_max(_linear(np.asarray(pbmc["prot"].X, dtype=np.float64))).astype(np.float32)
    med = np.median(x, axis=0)
    before = np.arcsinh(x / np.where(med > 0, med, 1.0))
    auto = _harmonized(pbmc, x)
    measured = _harmonized(pbmc, before, prot_transform="zscore")
    np.testing.assert_allclose(auto["prot"].obsm["mufuse_active"], measured["prot"].obsm["mufuse_active"], atol=1e-3)
