"""Scale verification (``check_scales``) and input-state detection (``detect_state``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from anndata import AnnData
from mudata import MuData
from scipy import sparse

from .. import _store
from .._errors import MufuseError, ScaleMismatchError

STATES = ("counts", "normalized", "log1p", "zscored", "unit_scaled", "arcsinh", "binary", "other")

# thresholds of the verification rules (DESIGN §2 step 3, research notes "Diagnostic Checks")
MEAN_TOL = 0.1
STD_RANGE = (0.5, 1.5)
STD_RATIO = 2.0
RANGE_RATIO = 2.0
ALL = "(all)"
REPORT_COLUMNS = ["modality", "feature", "mean", "std", "min", "max", "frac_clipped", "n_nonfinite", "flag"]

_SAMPLE_ROWS = 5_000
_SAMPLE_VALUES = 200_000


def _sample_rows(x, n_max: int = _SAMPLE_ROWS):
    """Evenly spaced rows; for sparse data as many as hold about ``_SAMPLE_VALUES`` stored values (≥200 rows)."""
    n = x.shape[0]
    if sparse.issparse(x) and x.nnz:
        per_row = x.nnz / max(n, 1)
        n_max = int(min(n_max, max(200, _SAMPLE_VALUES / per_row)))
    if n <= n_max:
        return x
    idx = np.linspace(0, n - 1, n_max).astype(np.int64)
    return x[idx]


@overload
def detect_state(adata_or_array, *, layer: str | None = ..., return_reason: Literal[False] = ...) -> str: ...
@overload
def detect_state(adata_or_array, *, layer: str | None = ..., return_reason: Literal[True]) -> tuple[str, str]: ...
def detect_state(adata_or_array, *, layer: str | None = None, return_reason: bool = False) -> str | tuple[str, str]:
    """Tell what state a matrix is in, from its own statistics.

    Looks at (a sample of) the matrix: finiteness, negatives, integrality, per-feature
    mean/std/min/max and per-cell sums. The rules, in order:

    - ``"binary"``: only 0 and 1;
    - with negative values: ``"zscored"`` when the median per-feature ``|mean|`` < 0.15 and the median
      per-feature std is in [0.6, 1.3]; otherwise ``"other"``;
    - ``"counts"``: all values are integers;
    - ``"unit_scaled"``: all values in [0, 1] (min-max scaled);
    - ``"normalized"``: per-cell sums equal (coefficient of variation < 1e-3);
    - ``"log1p"``: ``expm1`` of the values gives integers (log1p of counts) or equal per-cell sums (log1p of
      normalized data);
    - ``"arcsinh"``: ``sinh(x) * c`` gives integers for the cofactor c = 5 or 150;
    - ``"log1p"`` also for other non-negative non-integer data with max ≤ 20 (log-like scales);
    - ``"other"`` otherwise (e.g. raw imaging intensities) or when there are NaN/Inf.

    Only a bounded sample is read (≤5,000 evenly spaced rows; value tests on ≤200,000 of their values), so the
    call costs milliseconds on any size of data.

    Parameters
    ----------
    adata_or_array
        An AnnData (``.X`` or ``layer``), a dense array or a sparse matrix, cells × features.
    layer
        Layer of the AnnData to look at.
    return_reason
        Also return a sentence saying why.

    Returns
    -------
    One of :data:`STATES`, or ``(state, reason)``.

    Examples
    --------
    >>> import numpy as np
    >>> import mufuse
    >>> x = np.random.default_rng(0).poisson(3, size=(100, 5)).astype(np.float32)
    >>> mufuse.tl.detect_state(x)
    'counts'
    >>> mufuse.tl.detect_state(np.log1p(x), return_reason=True)[0]
    'log1p'
    """
    if isinstance(adata_or_array, AnnData):
        x = adata_or_array.layers[layer] if layer is not None else adata_or_array.X
    else:
        x = adata_or_array
    if x is None or x.shape[0] == 0 or x.shape[1] == 0:
        return ("other", "empty matrix") if return_reason else "other"
    from .._chunked import is_dask

    if is_dask(x):  # out of core: look at the first block of rows only
        x = x.rechunk({1: -1}).blocks[0].compute() if len(x.chunks[1]) > 1 else x.blocks[0].compute()
    x = _sample_rows(x)
    if sparse.issparse(x):
        x = x.tocsr()
        vals = np.asarray(x.data, dtype=np.float64)
        dense = None
    else:
        dense = np.asarray(x, dtype=np.float64)
        vals = dense.ravel()
    with np.errstate(over="ignore", invalid="ignore"):  # raw imaging intensities (~1e4-1e5) overflow the log tests
        state, reason = _classify(x, dense, vals)
    return (state, reason) if return_reason else state


def _row_sums(x, dense):
    return dense.sum(axis=1) if dense is not None else np.asarray(x.sum(axis=1)).ravel()


def _feature_mean_std(x, dense):
    if dense is not None:
        return dense.mean(axis=0), dense.std(axis=0)
    mean = np.asarray(x.mean(axis=0)).ravel()
    sq = np.asarray(x.multiply(x).mean(axis=0)).ravel()
    return mean, np.sqrt(np.maximum(sq - mean**2, 0))


def _classify(x, dense, vals) -> tuple[str, str]:
    if vals.size == 0:
        return "counts", "all values are 0"
    if not np.all(np.isfinite(vals)):
        return "other", f"{int((~np.isfinite(vals)).sum())} NaN/Inf values"
    vmin, vmax = float(vals.min()), float(vals.max())
    if np.all((vals == 0) | (vals == 1)):
        return "binary", "only 0 and 1"
    if vmin < 0:
        mean, std = _feature_mean_std(x, dense)
        med_mean, med_std = float(np.median(np.abs(mean))), float(np.median(std))
        if med_mean < 0.15 and 0.6 <= med_std <= 1.3:
            return "zscored", f"negative values; per-feature median |mean| {med_mean:.3f}, median std {med_std:.3f}"
        return "other", (
            f"negative values but not z-scored (per-feature median |mean| {med_mean:.3f}, "
            f"median std {med_std:.3f}): centered, CLR or batch-corrected?"
        )
    nz = vals[vals != 0]
    if nz.size > _SAMPLE_VALUES:
        nz = nz[np.linspace(0, nz.size - 1, _SAMPLE_VALUES).astype(np.int64)]
    if np.all(np.abs(nz - np.round(nz)) < 1e-6):
        return "counts", f"non-negative integers (max {vmax:g})"
    if vmax <= 1.0 + 1e-9:
        return "unit_scaled", f"all values in [0, 1] (min {vmin:.3g}, max {vmax:.3g}): min-max scaled"
    sums = _row_sums(x, dense)
    pos = sums[sums > 0]
    if pos.size and pos.std() / pos.mean() < 1e-3:
        return "normalized", f"per-cell sums all equal {pos.mean():.4g}"
    sub = nz
    em = np.expm1(sub)
    if np.mean(np.abs(em - np.round(em)) < 1e-3) > 0.95:
        return "log1p", "expm1 of the values gives integers: log1p of counts"
    if dense is not None:
        esums = np.expm1(dense).sum(axis=1)
    else:
        ex = x.copy()
        ex.data = np.expm1(ex.data)
        esums = np.asarray(ex.sum(axis=1)).ravel()
    epos = esums[esums > 0]
    if epos.size and epos.std() / epos.mean() < 1e-3:
        return "log1p", f"expm1 of the values sums to {epos.mean():.4g} per cell: log1p of normalized data"
    for cof in (5.0, 150.0):
        sh = np.sinh(sub) * cof
        if np.mean(np.abs(sh - np.round(sh)) < 1e-3) > 0.95:
            return "arcsinh", f"sinh(x)*{cof:g} gives integers: arcsinh(counts/{cof:g})"
    if vmax <= 20:
        return "log1p", f"non-negative, non-integer, max {vmax:.3g}: a log-like scale (log1p or arcsinh)"
    return "other", f"non-negative, non-integer, max {vmax:.3g}, unequal per-cell sums: raw intensities?"


def _stats(arr: np.ndarray, clip: float | None) -> dict[str, Any]:
    """Per-column and overall statistics of one array, from one pass (:func:`mufuse._kernels.column_stats`)."""
    from .._kernels import column_stats

    a = np.asarray(sparse.csr_matrix(arr).toarray() if sparse.issparse(arr) else arr)
    n_rows = a.shape[0]
    st = column_stats(a, (clip if clip and clip > 0 else 5.0) * (1 - 1e-6))
    n = st["n"]
    total = float(n.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = float(np.nansum(st["mean"] * n) / total) if total else np.nan
        sq = float(np.nansum((st["std"] ** 2 + st["mean"] ** 2) * n) / total) if total else np.nan
    overall = {
        "mean": mean,
        "std": float(np.sqrt(max(sq - mean**2, 0.0))) if total else np.nan,
        "min": float(np.nanmin(st["min"])) if total else np.nan,
        "max": float(np.nanmax(st["max"])) if total else np.nan,
        "frac_clipped": float(st["n_clip"].sum() / total) if total else np.nan,
        "n_nonfinite": int(st["n_nonfinite"].sum()),
    }
    return {
        "col_mean": st["mean"],
        "col_std": st["std"],
        "col_min": st["min"],
        "col_max": st["max"],
        "col_clip": st["n_clip"] / n_rows if n_rows else np.full(a.shape[1], np.nan),
        "col_nonfinite": st["n_nonfinite"].astype(np.int64),
        "overall": overall,
    }


def scale_report(
    arrays: Sequence[np.ndarray], names: Sequence[str], features: Sequence[str] | None, clip: float | None
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Compute the report table and the list of broken rules ``(rule, message)`` without warning or raising."""
    rows: list[dict[str, Any]] = []
    overall: dict[str, dict[str, Any]] = {}
    issues: list[tuple[str, str]] = []
    for arr, name in zip(arrays, names, strict=True):
        st = _stats(arr, clip)
        ov = st["overall"]
        overall[name] = ov
        rows.append({"modality": name, "feature": ALL, **ov, "flag": ""})  # type: ignore[dict-item]
        feats = list(features) if features is not None else [f"f{j}" for j in range(arr.shape[1])]
        constant = []
        for j, feat in enumerate(feats):
            flags = []
            if st["col_nonfinite"][j]:
                flags.append("nonfinite")
            if st["col_std"][j] == 0 or not np.isfinite(st["col_std"][j]):
                flags.append("constant")
                constant.append(feat)
            else:
                if abs(st["col_mean"][j]) > MEAN_TOL:
                    flags.append("mean")
                if not STD_RANGE[0] <= st["col_std"][j] <= STD_RANGE[1]:
                    flags.append("std")
            rows.append(
                {
                    "modality": name,
                    "feature": str(feat),
                    "mean": st["col_mean"][j],
                    "std": st["col_std"][j],
                    "min": st["col_min"][j],
                    "max": st["col_max"][j],
                    "frac_clipped": st["col_clip"][j],
                    "n_nonfinite": int(st["col_nonfinite"][j]),
                    "flag": ",".join(flags),
                }
            )
        if ov["n_nonfinite"]:
            issues.append(
                (
                    "nonfinite",
                    f"{name}: {ov['n_nonfinite']} NaN/Inf values; fix the input or the transform that produced them",
                )
            )
        if constant:
            issues.append(
                (
                    "constant",
                    f"{name}: features without variance: {', '.join(map(str, constant[:10]))}; "
                    "drop them from the shared features (mufuse.pp.harmonize does)",
                )
            )

    def others(name: str, key: str) -> str:
        rest = [f"{n} {overall[n][key]:.3f}" for n in names if n != name]
        return f" ({', '.join(rest)})" if rest else ""

    for name in names:
        ov = overall[name]
        if np.isfinite(ov["mean"]) and abs(ov["mean"]) > MEAN_TOL:
            issues.append(
                (
                    "mean",
                    f"{name}: mean {ov['mean']:.3f} is not ≈0 (|mean| > {MEAN_TOL}){others(name, 'mean')}; z-score "
                    "each feature (mufuse.pp.harmonize)",
                )
            )
        if np.isfinite(ov["std"]) and not STD_RANGE[0] <= ov["std"] <= STD_RANGE[1]:
            issues.append(
                (
                    "std",
                    f"{name}: std {ov['std']:.3f} is outside [{STD_RANGE[0]}, {STD_RANGE[1]}]{others(name, 'std')}; "
                    "z-score each feature (mufuse.pp.harmonize)",
                )
            )
    if len(names) == 2:
        a, b = (overall[n] for n in names)
        if a["std"] > 0 and b["std"] > 0 and np.isfinite(a["std"]) and np.isfinite(b["std"]):
            ratio = max(a["std"], b["std"]) / min(a["std"], b["std"])
            if ratio > STD_RATIO:
                issues.append(
                    (
                        "std_ratio",
                        f"std differs {ratio:.1f}x between modalities ({names[0]} {a['std']:.3f}, "
                        f"{names[1]} {b['std']:.3f}; limit {STD_RATIO}x): the one with the larger std will "
                        "dominate the correlation distance; z-score both (mufuse.pp.harmonize)",
                    )
                )
        ra, rb = a["max"] - a["min"], b["max"] - b["min"]
        if np.isfinite(ra) and np.isfinite(rb) and min(ra, rb) > 0 and max(ra, rb) / min(ra, rb) > RANGE_RATIO:
            issues.append(
                (
                    "range",
                    f"ranges differ: {names[0]} [{a['min']:.2f}, {a['max']:.2f}] vs {names[1]} "
                    f"[{b['min']:.2f}, {b['max']:.2f}]; z-score and clip both to the same value",
                )
            )
    table = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    return table, issues


def batch_report(
    arrays: Sequence[np.ndarray], names: Sequence[str], groups: Sequence[np.ndarray], batches: Sequence[list[str]]
) -> pd.DataFrame:
    """Per modality and batch: cells, mean, std, min and max over the shared array rows of that batch.

    Parameters
    ----------
    arrays
        Shared arrays, one per modality.
    names
        Modality names.
    groups
        Integer batch code per row, one array per modality.
    batches
        Batch names per modality (index = code).

    Returns
    -------
    DataFrame with columns ``modality``, ``batch``, ``n_cells``, ``mean``, ``std``, ``min``, ``max``.

    Examples
    --------
    >>> import numpy as np
    >>> t = batch_report([np.array([[0.0], [2.0]])], ["prot"], [np.array([0, 1])], [["a", "b"]])
    >>> t[["batch", "mean"]].values.tolist()
    [['a', 0.0], ['b', 2.0]]
    """
    rows = []
    for arr, name, grp, labels in zip(arrays, names, groups, batches, strict=True):
        for code, label in enumerate(labels):
            sub = np.asarray(arr[grp == code], dtype=np.float64)
            rows.append(
                {
                    "modality": name,
                    "batch": label,
                    "n_cells": int(sub.shape[0]),
                    "mean": float(sub.mean()) if sub.size else np.nan,
                    "std": float(sub.std()) if sub.size else np.nan,
                    "min": float(sub.min()) if sub.size else np.nan,
                    "max": float(sub.max()) if sub.size else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=["modality", "batch", "n_cells", "mean", "std", "min", "max"])


def check_scales(
    data: MuData | np.ndarray,
    other: np.ndarray | None = None,
    *,
    strict: bool = False,
    rna: str = "rna",
    prot: str = "prot",
    names: Sequence[str] | None = None,
    clip: float | None = None,
) -> pd.DataFrame:
    """Verify that the shared features of both modalities are on one scale.

    Computes, per modality and per feature, mean, std, min, max, the fraction of clipped values and the number
    of NaN/Inf, then applies the rules: ``|mean|`` > 0.1, std outside [0.5, 1.5], std ratio between modalities
    > 2 (the research notes' failure: z-scored RNA with std≈0.8 beside [0, 1] protein with std≈0.08),
    ranges differing more than 2x, NaN/Inf and constant features. Each broken rule gives a ``UserWarning``
    naming the rule, the numbers and the fix, or, with ``strict=True``, a :class:`mufuse.ScaleMismatchError`.

    Parameters
    ----------
    data
        A MuData harmonized by :func:`mufuse.pp.harmonize` (its ``obsm["mufuse_shared"]`` arrays are checked),
        or the first of two cells × features arrays.
    other
        The second array (same features, same order), when ``data`` is an array.
    strict
        Raise instead of warning.
    rna, prot
        Modality names, when ``data`` is a MuData.
    names
        Names of the two arrays in the report (default ``(rna, prot)``).
    clip
        Clip value used, to count clipped values (default: the one stored by ``harmonize``, else 5).

    Returns
    -------
    The report: one row per modality (``feature == "(all)"``) and per feature, with columns ``modality``,
    ``feature``, ``mean``, ``std``, ``min``, ``max``, ``frac_clipped``, ``n_nonfinite`` and ``flag``.

    Examples
    --------
    >>> import numpy as np
    >>> import mufuse
    >>> rng = np.random.default_rng(0)
    >>> rna_z = rng.normal(0, 0.8, size=(500, 8))
    >>> prot_01 = rng.uniform(0.2, 0.6, size=(500, 8))
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     report = mufuse.tl.check_scales(rna_z, prot_01)
    >>> any("std differs" in str(m.message) for m in w)
    True
    """
    if isinstance(data, MuData):
        _store.require_harmonized(data, rna, prot, what="check_scales")
        store = _store.uns(data)
        features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
        arrays = [data.mod[rna].obsm[_store.SHARED_KEY], data.mod[prot].obsm[_store.SHARED_KEY]]
        for name, arr in zip((rna, prot), arrays, strict=True):
            if np.ndim(arr) != 2 or np.shape(arr)[1] != len(features):
                raise MufuseError(
                    f"obsm['{_store.SHARED_KEY}'] of modality '{name}' has shape {np.shape(arr)}, but "
                    f"{len(features)} shared features are stored; it was changed after harmonize: run "
                    "mufuse.pp.harmonize again"
                )
        if clip is None:
            clip = float(dict(store.get(_store.PARAMS, {})).get("harmonize", {}).get("clip", 5.0))
        names = list(names) if names is not None else [rna, prot]
    else:
        if other is None:
            raise MufuseError("check_scales needs a harmonized MuData, or two arrays: check_scales(rna_arr, prot_arr)")
        arrays = [_as_2d(data, "first"), _as_2d(other, "second")]
        if arrays[0].shape[1] != arrays[1].shape[1]:
            raise MufuseError(
                f"the two arrays must have the same shared features (columns): {arrays[0].shape[1]} vs "
                f"{arrays[1].shape[1]}"
            )
        features = None
        names = list(names) if names is not None else [rna, prot]
    table, issues = scale_report(arrays, names, features, clip)
    emit(issues, strict=strict)
    return table


def _as_2d(x, which: str) -> np.ndarray:
    from .._validate import numeric_2d

    return numeric_2d(x, which)


def emit(issues: list[tuple[str, str]], *, strict: bool, stacklevel: int = 3) -> None:
    """Warn about each broken rule, or raise them all at once in strict mode."""
    if not issues:
        return
    if strict:
        raise ScaleMismatchError("scale check failed: " + "; ".join(f"[{r}] {m}" for r, m in issues))
    for rule, msg in issues:
        warnings.warn(f"mufuse scale check [{rule}]: {msg}", UserWarning, stacklevel=stacklevel)
