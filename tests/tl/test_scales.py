from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse

import mufuse


def _research_notes_failure(n=2000, k=12, seed=0):
    rng = np.random.default_rng(seed)
    rna = np.clip(rng.normal(0, 0.8, (n, k)), -1.5, 5)  # z-scored RNA, std≈0.8
    prot = np.clip(rng.normal(0.4, 0.08, (n, k)), 0, 1)  # "pre-scaled" protein
    return rna, prot


def test_research_notes_failure_warns_std_ratio():
    rna, prot = _research_notes_failure()
    with pytest.warns(UserWarning, match=r"std_ratio.*differs 9\.\dx"):
        report = mufuse.tl.check_scales(rna, prot)
    overall = report.set_index(["modality", "feature"]).xs("(all)", level="feature")
    assert overall.loc["prot", "std"] == pytest.approx(0.08, abs=0.01)
    assert "std" in report.loc[report["modality"] == "prot", "flag"].iloc[1]


def test_research_notes_failure_strict_raises():
    rna, prot = _research_notes_failure()
    with pytest.raises(mufuse.ScaleMismatchError, match="std_ratio"):
        mufuse.tl.check_scales(rna, prot, strict=True)


def test_each_rule():
    rng = np.random.default_rng(1)
    good = rng.normal(0, 1, (500, 4))
    cases = {
        "mean": (good, good + 0.5),
        "std": (good, good * 0.3),
        "range": (good, np.clip(good, -0.8, 0.8)),
        "nonfinite": (good, np.where(rng.random((500, 4)) < 0.01, np.nan, good)),
        "constant": (good, np.c_[good[:, :3], np.zeros(500)]),
    }
    for rule, (a, b) in cases.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mufuse.tl.check_scales(a, b)
        assert any(f"[{rule}]" in str(w.message) for w in caught), rule


def test_good_scales_are_silent():
    rng = np.random.default_rng(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = mufuse.tl.check_scales(rng.normal(0, 1, (300, 5)), sparse.csr_matrix(rng.normal(0, 1, (300, 5))))
    assert len(report) == 2 + 2 * 5


def test_check_scales_on_mudata(sim):
    with pytest.raises(mufuse.MufuseError, match="run mufuse.pp.harmonize"):
        mufuse.tl.check_scales(sim)
    mufuse.pp.harmonize(sim)
    report = mufuse.tl.check_scales(sim)
    assert set(report["modality"]) == {"rna", "prot"}
    assert list(report.loc[report["modality"] == "prot", "feature"])[1:] == list(sim.uns["mufuse"]["shared"].index)


def test_check_scales_shape_errors():
    with pytest.raises(mufuse.MufuseError, match="same shared features"):
        mufuse.tl.check_scales(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(mufuse.MufuseError, match="two arrays"):
        mufuse.tl.check_scales(np.zeros((5, 3)))


def test_harmonize_fixes_the_prescaled_protein():
    mdata = mufuse.datasets.simulated(1500, n_genes=600, prescaled=True, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no scale warning after harmonizing
        mufuse.pp.harmonize(mdata)
    report = mdata.uns["mufuse"]["report"]
    assert report["ok"]
    assert "[std_ratio]" in report["before_issues"] or "[std]" in report["before_issues"]
    assert report["input_state"]["prot"] == "unit_scaled"


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_detect_state_on_cite_seq_forms(pbmc, fmt):
    x = np.asarray(pbmc["prot"].X, dtype=np.float64)
    lib = x.sum(axis=1, keepdims=True)
    lognorm = np.log1p(x / lib * 1e4)
    forms = {
        "counts": x,
        "log1p": lognorm,
        "zscored": (lognorm - lognorm.mean(0)) / lognorm.std(0),
        "unit_scaled": (lognorm - lognorm.min(0)) / (lognorm.max(0) - lognorm.min(0)),
        "arcsinh": np.arcsinh(x / 5),
        "normalized": x / lib * 1e4,
    }
    for expected, arr in forms.items():
        mat = sparse.csr_matrix(arr) if fmt == "csr" else arr
        state, reason = mufuse.tl.detect_state(mat, return_reason=True)
        assert state == expected, (expected, state, reason)


def test_detect_state_rna_and_edge_cases(pbmc):
    assert mufuse.tl.detect_state(pbmc["rna"]) == "counts"
    assert mufuse.tl.detect_state(np.array([[0, 1], [1, 0]])) == "binary"
    assert mufuse.tl.detect_state(np.array([[np.nan, 1.0]])) == "other"
    assert mufuse.tl.detect_state(np.zeros((0, 3))) == "other"
