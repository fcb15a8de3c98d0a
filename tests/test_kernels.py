from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse

from mufuse import _kernels


def _reference(x: np.ndarray, flag: np.ndarray, target: float):
    lib = x.sum(axis=1)
    lib_sh = x[:, flag].sum(axis=1)
    scale = np.where(lib > 0, target / np.where(lib > 0, lib, 1), 0)
    norm = x * scale[:, None]
    return lib, lib_sh, norm.sum(axis=0), (norm**2).sum(axis=0)


@pytest.mark.parametrize(
    ("fmt", "dtype"),
    [(f, d) for f in ("csr", "csc", "dense") for d in (np.float32, np.float64, np.int32, np.int64)]
    + [("dense", np.float16)],  # scipy.sparse has no float16
)
def test_count_moments_matches_numpy(fmt, dtype):
    rng = np.random.default_rng(0)
    x = rng.poisson(0.4, size=(300, 50)).astype(dtype)
    x[7] = 0  # an empty cell
    flag = rng.random(50) < 0.3
    mat = x if fmt == "dense" else sparse.csr_matrix(x).asformat(fmt)
    st_ = _kernels.count_moments(mat, target_sum=1e4, flag=flag)
    lib, lib_sh, s1, s2 = _reference(x.astype(np.float64), flag, 1e4)
    np.testing.assert_allclose(st_.lib, lib)
    np.testing.assert_allclose(st_.lib_shared, lib_sh)
    np.testing.assert_allclose(st_.s1, s1, rtol=1e-10)
    np.testing.assert_allclose(st_.s2, s2, rtol=1e-10)
    assert (st_.n_negative, st_.n_fractional, st_.n_nonfinite) == (0, 0, 0)


def test_count_moments_flags_bad_values():
    x = sparse.csr_matrix(np.array([[1.0, -2.0, 0.5], [np.nan, 1.0, 0.0]]))
    st_ = _kernels.count_moments(x, target_sum=1.0, flag=np.zeros(3, bool))
    assert (st_.n_negative, st_.n_fractional, st_.n_nonfinite) == (1, 1, 1)


def test_count_moments_huge_values_do_not_overflow():
    x = sparse.csr_matrix(np.array([[1e30, 1e30], [1.0, 3.0]], dtype=np.float64))
    st_ = _kernels.count_moments(x, target_sum=1e4, flag=np.array([True, False]))
    assert np.all(np.isfinite(st_.s2))
    np.testing.assert_allclose(st_.lib, [2e30, 4.0])


@pytest.mark.parametrize("fmt", ["csr", "csc", "dense"])
def test_gather_sums_shared_and_copies_active(fmt):
    rng = np.random.default_rng(1)
    x = rng.poisson(1.0, size=(100, 30)).astype(np.float32)
    mat = x if fmt == "dense" else sparse.csr_matrix(x).asformat(fmt)
    shared = [np.array([3]), np.array([4, 5, 6]), np.array([3, 9])]  # gene 3 used twice
    active = np.array([0, 3, 29])
    sh, act, mean, std = _kernels.gather(mat, shared, active)
    assert sh.flags.c_contiguous and act.flags.c_contiguous and sh.dtype == np.float32
    assert mean is None and std is None
    np.testing.assert_array_equal(sh, np.stack([x[:, g].sum(axis=1) for g in shared], axis=1))
    np.testing.assert_array_equal(act, x[:, active])


@pytest.mark.parametrize("fmt", ["csr", "csc", "dense"])
def test_gather_normalizes_active_and_returns_group_moments(fmt):
    rng = np.random.default_rng(3)
    x = rng.poisson(0.7, size=(120, 25)).astype(np.float32)
    mat = x if fmt == "dense" else sparse.csr_matrix(x).asformat(fmt)
    scale = rng.uniform(0.5, 2.0, 120)
    groups = rng.integers(0, 3, 120)
    active = np.array([2, 5, 11, 24])
    _, act, mean, std = _kernels.gather(mat, [], active, active_scale=scale, groups=groups, n_groups=3)
    expected = np.log1p(x[:, active].astype(np.float64) * scale[:, None])
    np.testing.assert_allclose(act, expected, rtol=1e-6)
    for g in range(3):
        np.testing.assert_allclose(mean[g], expected[groups == g].mean(axis=0), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(std[g], expected[groups == g].std(axis=0), rtol=1e-6, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(2, 40), st.integers(1, 6)),
        elements=st.floats(-50, 50, width=32, allow_nan=False),
    ),
    st.floats(0.5, 10),
)
def test_standardize_clip_property(arr, clip):
    ref = arr.astype(np.float64)
    mean, std = ref.mean(axis=0), ref.std(axis=0)
    expected = np.where(std > 0, (ref - mean) / np.where(std > 0, std, 1), 0.0)
    expected = np.clip(expected, -clip, clip)
    out = arr.copy()
    m, s = _kernels.standardize_clip(out, clip=clip)
    np.testing.assert_allclose(m[0], mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(s[0], std, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(out, expected, atol=1e-4)
    assert np.all(np.abs(out) <= clip + 1e-6)


def test_standardize_clip_within_groups():
    rng = np.random.default_rng(2)
    a = np.concatenate([rng.normal(0, 1, (50, 3)), rng.normal(10, 5, (70, 3))]).astype(np.float32)
    groups = np.r_[np.zeros(50, int), np.ones(70, int)]
    _kernels.standardize_clip(a, clip=100.0, groups=groups, n_groups=2)
    for g in (0, 1):
        np.testing.assert_allclose(a[groups == g].mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(a[groups == g].std(axis=0), 1, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.float16])
def test_column_stats_equal_numpy(dtype):
    from mufuse._kernels import column_stats

    rng = np.random.default_rng(7)
    x = (rng.normal(1000, 3, (3001, 6))).astype(dtype)  # large mean, small spread: no cancellation
    if np.dtype(dtype).kind == "f":
        x[5, 1], x[7, 2], x[:, 4] = np.nan, np.inf, np.nan
    st = column_stats(x, 1003.0)
    ref = np.where(np.isfinite(x.astype(np.float64)), x.astype(np.float64), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(st["mean"], np.nanmean(ref, axis=0), rtol=1e-9)
        np.testing.assert_allclose(st["std"], np.nanstd(ref, axis=0), rtol=1e-6)
        np.testing.assert_array_equal(st["min"], np.nanmin(ref, axis=0))
        np.testing.assert_array_equal(st["n_clip"], (np.abs(ref) >= 1003.0).sum(axis=0))
    np.testing.assert_array_equal(st["n_nonfinite"], (~np.isfinite(ref)).sum(axis=0))
