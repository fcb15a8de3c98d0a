"""The scale report: per-modality and per-feature statistics of the shared arrays, the rules they must keep, warnings.

Used by ``pp.harmonize`` (before/after tables), ``tl.check_scales``, ``tl.diagnose`` and the CLI's ``check``.
The rules are DESIGN §2 step 3 and the research notes' "Diagnostic Checks": ``|mean|`` ≤ 0.1, std in [0.5, 1.5],
std ratio between modalities ≤ 2, ranges within 2x, no NaN/Inf, no constant feature.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ._errors import ScaleMismatchError

# thresholds of the verification rules (DESIGN §2 step 3, research notes "Diagnostic Checks")
MEAN_TOL = 0.1
STD_RANGE = (0.5, 1.5)
STD_RATIO = 2.0
RANGE_RATIO = 2.0
ALL = "(all)"
REPORT_COLUMNS = ["modality", "feature", "mean", "std", "min", "max", "frac_clipped", "n_nonfinite", "flag"]


def _stats(arr: np.ndarray, clip: float | None) -> dict[str, Any]:
    """Per-column and overall statistics of one array, from one pass (:func:`mufuse._kernels.column_stats`)."""
    from ._kernels import column_stats

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


Issue = tuple[str, str]  # (rule, message)


def _feature_rows(st: dict[str, Any], name: str, feats: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """One report row per feature with its flags; also the features without variance."""
    rows, constant = [], []
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
    return rows, constant


def _value_issues(name: str, ov: dict[str, Any], constant: list[str], harmonized: bool = False) -> list[Issue]:
    """NaN/Inf values and constant features of one modality."""
    issues = []
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
                + (
                    "they were changed after mufuse.pp.harmonize, which drops such features: run it again"
                    if harmonized
                    else "drop them from the shared features (mufuse.pp.harmonize does)"
                ),
            )
        )
    return issues


def _culprits(st: dict[str, Any], feats: Sequence[str], rule: str) -> str:
    """Name the features most to blame for a broken rule: lowest std ("std"), or most clipped ("mean", "range")."""
    ok = np.isfinite(st["col_std"]) & (st["col_std"] > 0)
    if rule == "std":
        order = [j for j in np.argsort(st["col_std"]) if ok[j]][:3]
        return ", ".join(f"{feats[j]} (std {st['col_std'][j]:.2f})" for j in order)
    order = [j for j in np.argsort(-st["col_clip"]) if ok[j] and st["col_clip"][j] > 0][:3]
    return ", ".join(f"{feats[j]} ({100 * st['col_clip'][j]:.1f}% clipped)" for j in order) or "none clipped"


_BEFORE: dict[str, Any] = {}  # the context of a report on the arrays as given: it describes, it does not advise


def _fix(rule: str, name: str, context: dict[str, Any] | None) -> str:
    """Say what to do about a broken rule: harmonize, for arrays it did not make; the cause, for arrays it made."""
    if context is _BEFORE:
        return "as given, before mufuse.pp.harmonize scaled the protein"
    if context is None:
        return {
            "mean": "z-score each feature (mufuse.pp.harmonize)",
            "std": "z-score each feature (mufuse.pp.harmonize)",
            "std_ratio": "z-score both (mufuse.pp.harmonize)",
            "range": "z-score and clip both to the same value",
        }[rule]
    st, feats = context[name]
    if rule == "std":
        return (
            f"these arrays are mufuse.pp.harmonize's own, so the cause is in the data: features with little spread "
            f"beyond their zeros or a few extreme values, lowest: {_culprits(st, feats, 'std')}; exclude such "
            "features (link_features(exclude=[...])) or filter extreme cells (report['extreme_cells'])"
        )
    return (
        f"these arrays are mufuse.pp.harmonize's own: the clip cut long tails of skewed features "
        f"({_culprits(st, feats, 'mean')}); pass a larger clip= or exclude those features"
    )


def _also(text: str, before: str, after: str = "") -> str:
    return f"{before}{text}{after}" if text else ""


def _moment_issues(
    names: Sequence[str], overall: dict[str, dict[str, Any]], context: dict[str, Any] | None
) -> list[Issue]:
    """Overall mean ≈ 0 and std in range, per modality, each message with the other modality's number."""

    def others(name: str, key: str) -> str:
        return ", ".join(f"{n} {overall[n][key]:.3f}" for n in names if n != name)

    issues = []
    for name in names:
        ov = overall[name]
        if np.isfinite(ov["mean"]) and abs(ov["mean"]) > MEAN_TOL:
            issues.append(
                (
                    "mean",
                    f"{name}: mean {ov['mean']:.3f} is not ≈0 "
                    f"(|mean| > {MEAN_TOL}{_also(others(name, 'mean'), '; ')}); " + _fix("mean", name, context),
                )
            )
        if np.isfinite(ov["std"]) and not STD_RANGE[0] <= ov["std"] <= STD_RANGE[1]:
            issues.append(
                (
                    "std",
                    f"{name}: std {ov['std']:.3f} is outside [{STD_RANGE[0]}, {STD_RANGE[1]}]"
                    f"{_also(others(name, 'std'), ' (', ')')}; " + _fix("std", name, context),
                )
            )
    return issues


def _pair_issues(
    names: Sequence[str], overall: dict[str, dict[str, Any]], context: dict[str, Any] | None
) -> list[Issue]:
    """Between two modalities: the std ratio and the ranges."""
    if len(names) != 2:
        return []
    issues = []
    a, b = (overall[n] for n in names)
    if a["std"] > 0 and b["std"] > 0 and np.isfinite(a["std"]) and np.isfinite(b["std"]):
        ratio = max(a["std"], b["std"]) / min(a["std"], b["std"])
        if ratio > STD_RATIO:
            low = names[0] if a["std"] < b["std"] else names[1]
            issues.append(
                (
                    "std_ratio",
                    f"std differs {ratio:.1f}x between modalities ({names[0]} {a['std']:.3f}, "
                    f"{names[1]} {b['std']:.3f}; limit {STD_RATIO}x): the two were scaled differently, and the "
                    f"per-feature offsets and spreads that come with it shift each cell's correlation across the "
                    f"shared features; "
                    + _fix("std_ratio" if context is None or context is _BEFORE else "std", low, context),
                )
            )
    ra, rb = a["max"] - a["min"], b["max"] - b["min"]
    if np.isfinite(ra) and np.isfinite(rb) and min(ra, rb) > 0 and max(ra, rb) / min(ra, rb) > RANGE_RATIO:
        narrow = names[0] if ra < rb else names[1]
        issues.append(
            (
                "range",
                f"ranges differ: {names[0]} [{a['min']:.2f}, {a['max']:.2f}] vs {names[1]} "
                f"[{b['min']:.2f}, {b['max']:.2f}] (widths {ra:.2f} and {rb:.2f}: {max(ra, rb) / min(ra, rb):.1f}x, "
                f"limit {RANGE_RATIO}x); "
                + _fix("range" if context is None or context is _BEFORE else "std", narrow, context),
            )
        )
    return issues


def scale_report(
    arrays: Sequence[np.ndarray],
    names: Sequence[str],
    features: Sequence[str] | None,
    clip: float | None,
    *,
    harmonized: bool = False,
    before: bool = False,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Compute the report table and the list of broken rules ``(rule, message)`` without warning or raising.

    Parameters
    ----------
    arrays
        Cells × features arrays, one per modality, same features in the same order.
    names
        Modality names.
    features
        Feature names (default ``f0``, ``f1``, ...).
    clip
        The clip value, to count values at the clip (default 5).
    harmonized
        The arrays are ``mufuse.pp.harmonize``'s output: a broken rule then names the features (and cells) that cause
        it instead of advising to harmonize, which would give the same arrays again.
    before
        The arrays are the input as given, reported beside harmonize's result: the messages describe, without advice.

    Returns
    -------
    The table (one ``"(all)"`` row per modality, then one row per feature; columns :data:`REPORT_COLUMNS`) and the
    broken rules, in the order: per modality NaN/Inf and constant features, per modality mean and std, then the
    std ratio and the ranges between the two.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> table, issues = scale_report([rng.normal(size=(200, 3)), rng.uniform(size=(200, 3))], ["rna", "prot"], None, 5)
    >>> [rule for rule, _ in issues]
    ['mean', 'std', 'std_ratio', 'range']
    """
    rows: list[dict[str, Any]] = []
    overall: dict[str, dict[str, Any]] = {}
    context: dict[str, Any] = {}
    issues: list[Issue] = []
    for arr, name in zip(arrays, names, strict=True):
        st = _stats(arr, clip)
        overall[name] = st["overall"]
        feats = list(features) if features is not None else [f"f{j}" for j in range(arr.shape[1])]
        context[name] = (st, feats)
        feature_rows, constant = _feature_rows(st, name, feats)
        rows += [{"modality": name, "feature": ALL, **st["overall"], "flag": ""}, *feature_rows]
        issues += _value_issues(name, st["overall"], constant, harmonized)
    ctx = _BEFORE if before else context if harmonized else None
    issues += _moment_issues(names, overall, ctx) + _pair_issues(names, overall, ctx)
    return pd.DataFrame(rows, columns=REPORT_COLUMNS), issues


def format_issues(issues: Sequence[Issue], sep: str = "\n") -> str:
    r"""Join the broken rules as stored in the report: one ``[rule] message`` per line.

    Examples
    --------
    >>> format_issues([("std", "prot: std 0.080"), ("range", "ranges differ")])
    '[std] prot: std 0.080\n[range] ranges differ'
    """
    return sep.join(f"[{r}] {m}" for r, m in issues)


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


def emit(issues: list[tuple[str, str]], *, strict: bool, stacklevel: int = 3) -> None:
    """Warn about each broken rule, or raise them all at once in strict mode."""
    if not issues:
        return
    if strict:
        raise ScaleMismatchError("scale check failed: " + "; ".join(f"[{r}] {m}" for r, m in issues))
    for rule, msg in issues:
        warnings.warn(f"mufuse scale check [{rule}]: {msg}", UserWarning, stacklevel=stacklevel)


def stored_report(
    arrays: Sequence[np.ndarray],
    names: Sequence[str],
    features: Sequence[str],
    clip: float | None,
    harmonized_table: pd.DataFrame | None,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Report the scales of arrays stored by ``harmonize``, worded for what they are now.

    When their overall statistics still equal those ``harmonize`` reported (``harmonized_table``), a broken rule
    names its cause in the data; when they were changed since, it advises to harmonize again.
    """
    table, issues = scale_report(arrays, names, features, clip, harmonized=True)
    if harmonized_table is None or not issues:
        return table, issues
    cols = ["mean", "std", "min", "max"]
    now = table.loc[table["feature"] == ALL, ["modality", *cols]].set_index("modality")
    then = pd.DataFrame(harmonized_table)
    then = then.loc[then["feature"] == ALL, ["modality", *cols]].set_index("modality").reindex(now.index)
    if np.allclose(now.to_numpy(float), then.to_numpy(float), rtol=1e-5, atol=1e-6, equal_nan=True):
        return table, issues
    return scale_report(arrays, names, features, clip)
