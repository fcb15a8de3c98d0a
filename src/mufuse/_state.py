"""Input-state detection: what a matrix holds (counts, log1p, z-scores, [0, 1], arcsinh, ...), from its statistics.

Used by ``pp.harmonize`` (to refuse a transform that does not fit), by ``tl.detect_state`` and by the CLI's ``check``.
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
from anndata import AnnData
from scipy import sparse

from . import _validate
from ._errors import MufuseError

STATES = ("counts", "normalized", "log1p", "zscored", "unit_scaled", "arcsinh", "binary", "other")

_SAMPLE_ROWS = 5_000
_SAMPLE_VALUES = 200_000
# linear intensities (raw, or min-max scaled) have a long upper tail: (p99 - median) / (median - p1), the median over
# markers, is 10-24 for counts made continuous (pbmc10k, TEA-seq, BMMC) and 1.8-4.1 once logged (log1p, arcsinh(x/5))
# or square-rooted; the cut lies between (chosen on pbmc10k and TEA-seq, confirmed on BMMC: benchmarks/README.md,
# "Linear intensities")
LINEAR_TAIL_RATIO = 6.0


def tail_ratio(values) -> float:
    """Return the median over markers of ``(p99 - median) / (median - p1)``: how much longer the upper tail is.

    Linear intensities (and counts) have a long upper tail, logged values a short one. Non-finite or negative values
    (centered, batch-corrected data) give 0: nothing to compress. Measured on at most 20,000 cells (evenly spaced).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).lognormal(0, 1.2, (2000, 3))
    >>> bool(tail_ratio(x) > 6 > tail_ratio(np.log(x) - np.log(x).min()))
    True
    """
    x = np.asarray(values.toarray() if sparse.issparse(values) else values, dtype=np.float64)
    if x.shape[0] > 20_000:
        x = x[np.linspace(0, x.shape[0] - 1, 20_000).astype(np.int64)]
    if x.size == 0 or not np.isfinite(x).all() or x.min() < 0:
        return 0.0
    p1, p50, p99 = np.percentile(x, [1, 50, 99], axis=0)
    upper, lower = p99 - p50, p50 - p1
    ratio = np.where(lower > 0, upper / np.where(lower > 0, lower, 1.0), np.where(upper > 0, np.inf, 0.0))
    return float(np.median(ratio))


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

    References
    ----------
    - Bendall S. C. et al. (2011) *Science* 332:687. doi:10.1126/science.1198704 (arcsinh, cofactor 5 for mass
      cytometry); Nowicka M. et al. (2017) CyTOF workflow. *F1000Research* 6:748.
      doi:10.12688/f1000research.11622.1 (cofactor 5 for mass, 150 for fluorescence cytometry).
    - Mulè M. P., Martins A. J., Tsang J. S. (2022) Normalizing and denoising protein expression data from droplet-
      based single cell profiling. *Nat. Commun.* 13:2099. doi:10.1038/s41467-022-29356-8 (dsb). dsb values are
      centred on the background, so they are negative and not z-scored: ``"other"``.

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
    _validate.require(
        adata_or_array, "tl.detect_state", "an AnnData, a numpy array or a sparse matrix", _validate.is_matrix
    )
    if isinstance(adata_or_array, AnnData):
        if layer is not None and layer not in adata_or_array.layers:
            have = ", ".join(adata_or_array.layers.keys()) or "none"
            raise MufuseError(f"mufuse.tl.detect_state: layer '{layer}' is not in the AnnData (layers: {have})")
        x = adata_or_array.layers[layer] if layer is not None else adata_or_array.X
    else:
        x = adata_or_array
    if x is None or x.shape[0] == 0 or x.shape[1] == 0:
        return ("other", "empty matrix") if return_reason else "other"
    from ._chunked import is_dask

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
    if vmax <= 20 and dense is not None and (ratio := tail_ratio(dense)) >= LINEAR_TAIL_RATIO:
        return "other", (
            f"non-negative, non-integer, max {vmax:.3g}, upper tail {ratio:.0f}x the lower (median over features): "
            "linear intensities in small units"
        )
    if vmax <= 20:
        return "log1p", f"non-negative, non-integer, max {vmax:.3g}: a log-like scale (log1p or arcsinh)"
    return "other", f"non-negative, non-integer, max {vmax:.3g}, unequal per-cell sums: raw intensities?"
