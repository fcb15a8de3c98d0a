"""Numba kernels shared by ``pp`` and ``tl``: passes over the nnz of the counts and over the small outputs.

Nothing here copies the RNA matrix. ``count_moments_*`` read every stored value once and return library sizes
and per-gene moments of the normalized values; ``gather_*`` read only the needed columns into dense float32
outputs; ``standardize_clip`` z-scores those outputs in place (moments in float64).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba import njit, prange
from scipy import sparse

__all__ = ["CountStats", "count_moments", "gather", "log_normalize_inplace", "standardize_clip"]


class CountStats(NamedTuple):
    """Result of the pass over the counts."""

    lib: np.ndarray  # per-cell sum over all genes
    lib_shared: np.ndarray  # per-cell sum over the flagged (shared) genes
    s1: np.ndarray  # per-gene sum of normalized values x * target / lib
    s2: np.ndarray  # per-gene sum of squares of the same
    n_negative: int
    n_fractional: int
    n_nonfinite: int


def _n_chunks(n: int) -> int:
    return max(1, min(n, numba.get_num_threads() * 4))


@njit(parallel=True, cache=True)
def _moments_rows(data, indices, indptr, n_genes, target, flag, n_chunks):  # pragma: no cover - numba
    n = indptr.size - 1
    lib = np.zeros(n)
    lib_sh = np.zeros(n)
    s1 = np.zeros((n_chunks, n_genes))
    s2 = np.zeros((n_chunks, n_genes))
    bad = np.zeros((n_chunks, 3), dtype=np.int64)
    for c in prange(n_chunks):
        start = c * n // n_chunks
        stop = (c + 1) * n // n_chunks
        for i in range(start, stop):
            tot = 0.0
            tsh = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                v = np.float64(data[k])
                if not np.isfinite(v):
                    bad[c, 2] += 1
                    continue
                if v < 0:
                    bad[c, 0] += 1
                if v != np.floor(v):
                    bad[c, 1] += 1
                tot += v
                if flag[indices[k]]:
                    tsh += v
            lib[i] = tot
            lib_sh[i] = tsh
            sc = target / tot if tot > 0 else 0.0
            for k in range(indptr[i], indptr[i + 1]):
                v = np.float64(data[k])
                if np.isfinite(v):
                    x = v * sc
                    g = indices[k]
                    s1[c, g] += x
                    s2[c, g] += x * x
    return lib, lib_sh, s1.sum(axis=0), s2.sum(axis=0), bad.sum(axis=0)


@njit(cache=True)
def _lib_cols(data, indices, indptr, n_cells, flag):  # pragma: no cover - numba
    lib = np.zeros(n_cells)
    lib_sh = np.zeros(n_cells)
    bad = np.zeros(3, dtype=np.int64)
    for j in range(indptr.size - 1):
        fj = flag[j]
        for k in range(indptr[j], indptr[j + 1]):
            v = np.float64(data[k])
            if not np.isfinite(v):
                bad[2] += 1
                continue
            if v < 0:
                bad[0] += 1
            if v != np.floor(v):
                bad[1] += 1
            lib[indices[k]] += v
            if fj:
                lib_sh[indices[k]] += v
    return lib, lib_sh, bad


@njit(parallel=True, cache=True)
def _moments_cols(data, indices, indptr, scale):  # pragma: no cover - numba
    n_genes = indptr.size - 1
    s1 = np.zeros(n_genes)
    s2 = np.zeros(n_genes)
    for j in prange(n_genes):
        a = 0.0
        b = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            v = np.float64(data[k])
            if np.isfinite(v):
                x = v * scale[indices[k]]
                a += x
                b += x * x
        s1[j] = a
        s2[j] = b
    return s1, s2


@njit(parallel=True, cache=True)
def _moments_dense(x, target, flag, n_chunks):  # pragma: no cover - numba
    n, n_genes = x.shape
    lib = np.zeros(n)
    lib_sh = np.zeros(n)
    s1 = np.zeros((n_chunks, n_genes))
    s2 = np.zeros((n_chunks, n_genes))
    bad = np.zeros((n_chunks, 3), dtype=np.int64)
    for c in prange(n_chunks):
        start = c * n // n_chunks
        stop = (c + 1) * n // n_chunks
        for i in range(start, stop):
            tot = 0.0
            tsh = 0.0
            for g in range(n_genes):
                v = np.float64(x[i, g])
                if v == 0:
                    continue
                if not np.isfinite(v):
                    bad[c, 2] += 1
                    continue
                if v < 0:
                    bad[c, 0] += 1
                if v != np.floor(v):
                    bad[c, 1] += 1
                tot += v
                if flag[g]:
                    tsh += v
            lib[i] = tot
            lib_sh[i] = tsh
            sc = target / tot if tot > 0 else 0.0
            for g in range(n_genes):
                v = np.float64(x[i, g])
                if v != 0 and np.isfinite(v):
                    y = v * sc
                    s1[c, g] += y
                    s2[c, g] += y * y
    return lib, lib_sh, s1.sum(axis=0), s2.sum(axis=0), bad.sum(axis=0)


def _numba_data(data: np.ndarray) -> np.ndarray:
    # numba has no float16; everything else (ints, float32/64) is read as is, without a copy
    return data.astype(np.float32) if data.dtype == np.float16 or data.dtype == np.bool_ else data


def count_moments(x, *, target_sum: float, flag: np.ndarray) -> CountStats:
    """One pass over the counts: library sizes (all genes and flagged genes) and per-gene moments.

    Parameters
    ----------
    x
        Cells × genes counts: CSR, CSC or dense.
    target_sum
        Library size the normalized values are scaled to (1e4).
    flag
        Boolean per gene: which genes count towards ``lib_shared``.

    Returns
    -------
    :class:`CountStats` with float64 arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> x = sparse.csr_matrix(np.array([[1.0, 3.0], [0.0, 2.0]]))
    >>> st = count_moments(x, target_sum=1.0, flag=np.array([True, False]))
    >>> st.lib.tolist(), st.s1.tolist()
    ([4.0, 2.0], [0.25, 1.75])
    """
    flag = np.ascontiguousarray(flag, dtype=np.bool_)
    n_cells, n_genes = x.shape
    if sparse.issparse(x) and x.format == "csr":
        lib, lib_sh, s1, s2, bad = _moments_rows(
            _numba_data(x.data), x.indices, x.indptr, n_genes, float(target_sum), flag, _n_chunks(n_cells)
        )
    elif sparse.issparse(x) and x.format == "csc":
        lib, lib_sh, bad = _lib_cols(_numba_data(x.data), x.indices, x.indptr, n_cells, flag)
        scale = np.where(lib > 0, target_sum / np.where(lib > 0, lib, 1.0), 0.0)
        s1, s2 = _moments_cols(_numba_data(x.data), x.indices, x.indptr, scale)
    elif sparse.issparse(x):
        return count_moments(x.tocsr(), target_sum=target_sum, flag=flag)
    else:
        arr = np.asarray(x)
        lib, lib_sh, s1, s2, bad = _moments_dense(_numba_data(arr), float(target_sum), flag, _n_chunks(n_cells))
    return CountStats(lib, lib_sh, s1, s2, int(bad[0]), int(bad[1]), int(bad[2]))


@njit(parallel=True, cache=True)
def _gather_rows(data, indices, indptr, sh_ptr, sh_col, act_col, out_sh, out_act):  # pragma: no cover - numba
    n = indptr.size - 1
    for i in prange(n):
        for k in range(indptr[i], indptr[i + 1]):
            g = indices[k]
            v = data[k]
            for t in range(sh_ptr[g], sh_ptr[g + 1]):
                out_sh[i, sh_col[t]] += v
            a = act_col[g]
            if a >= 0:
                out_act[i, a] = v


@njit(cache=True)
def _gather_cols(data, indices, indptr, genes, sh_ptr, sh_col, act_col, out_sh, out_act):  # pragma: no cover
    for g in genes:
        a = act_col[g]
        for k in range(indptr[g], indptr[g + 1]):
            i = indices[k]
            v = data[k]
            for t in range(sh_ptr[g], sh_ptr[g + 1]):
                out_sh[i, sh_col[t]] += v
            if a >= 0:
                out_act[i, a] = v


def gather(x, shared_genes: list[np.ndarray], active_genes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read only the needed columns of the counts into dense float32 outputs.

    Parameters
    ----------
    x
        Cells × genes counts (CSR, CSC or dense).
    shared_genes
        For each shared output column, the gene indices whose counts are summed into it.
    active_genes
        Gene indices of the active output columns, in output order.

    Returns
    -------
    ``(shared, active)``: C-contiguous float32 arrays of shape cells × len(shared_genes) and
    cells × len(active_genes).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> x = sparse.csr_matrix(np.array([[1.0, 3.0, 0.0], [0.0, 2.0, 5.0]]))
    >>> sh, act = gather(x, [np.array([0, 1])], np.array([2]))
    >>> sh.ravel().tolist(), act.ravel().tolist()
    ([4.0, 2.0], [0.0, 5.0])
    """
    n_cells, n_genes = x.shape
    out_sh = np.zeros((n_cells, len(shared_genes)), dtype=np.float32)
    out_act = np.zeros((n_cells, len(active_genes)), dtype=np.float32)
    if not sparse.issparse(x):
        arr = np.asarray(x)
        for c, genes in enumerate(shared_genes):
            out_sh[:, c] = arr[:, genes].sum(axis=1, dtype=np.float64)
        if len(active_genes):
            out_act[:] = arr[:, active_genes]
        return out_sh, out_act
    # gene -> shared output columns, as a CSR-like map
    pairs = sorted((int(g), c) for c, genes in enumerate(shared_genes) for g in genes)
    counts = np.bincount([g for g, _ in pairs], minlength=n_genes) if pairs else np.zeros(n_genes, dtype=np.int64)
    sh_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    sh_col = np.array([c for _, c in pairs], dtype=np.int64)
    act_col = np.full(n_genes, -1, dtype=np.int64)
    act_col[np.asarray(active_genes, dtype=np.int64)] = np.arange(len(active_genes))
    data = _numba_data(x.data)
    if x.format == "csr":
        _gather_rows(data, x.indices, x.indptr, sh_ptr, sh_col, act_col, out_sh, out_act)
    elif x.format == "csc":
        needed = np.flatnonzero((counts > 0) | (act_col >= 0)).astype(np.int64)
        _gather_cols(data, x.indices, x.indptr, needed, sh_ptr, sh_col, act_col, out_sh, out_act)
    else:
        return gather(x.tocsr(), shared_genes, active_genes)
    return out_sh, out_act


@njit(parallel=True, cache=True)
def log_normalize_inplace(out, scale):  # pragma: no cover - numba
    """``out[i, :] = log1p(out[i, :] * scale[i])`` in place (float32 output, float64 scale)."""
    n, k = out.shape
    for i in prange(n):
        s = scale[i]
        for j in range(k):
            out[i, j] = np.float32(np.log1p(np.float64(out[i, j]) * s))


@njit(parallel=True, cache=True)
def _group_moments(out, groups, n_groups, n_chunks):  # pragma: no cover - numba
    n, k = out.shape
    cnt = np.zeros((n_chunks, n_groups))
    s1 = np.zeros((n_chunks, n_groups, k))
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            gi = groups[i]
            cnt[c, gi] += 1
            for j in range(k):
                s1[c, gi, j] += out[i, j]
    cnt_t = cnt.sum(axis=0)
    mean = s1.sum(axis=0)
    for g in range(n_groups):
        if cnt_t[g] > 0:
            mean[g] /= cnt_t[g]
    m2 = np.zeros((n_chunks, n_groups, k))
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            gi = groups[i]
            for j in range(k):
                d = out[i, j] - mean[gi, j]
                m2[c, gi, j] += d * d
    var = m2.sum(axis=0)
    for g in range(n_groups):
        if cnt_t[g] > 0:
            var[g] /= cnt_t[g]
    return mean, np.sqrt(var)


@njit(parallel=True, cache=True)
def _apply_standardize(out, groups, mean, std, clip):  # pragma: no cover - numba
    n, k = out.shape
    for i in prange(n):
        gi = groups[i]
        for j in range(k):
            sd = std[gi, j]
            if sd > 0:
                z = (out[i, j] - mean[gi, j]) / sd
            else:
                z = 0.0
            if clip > 0:
                if z > clip:
                    z = clip
                elif z < -clip:
                    z = -clip
            out[i, j] = np.float32(z)


def standardize_clip(
    out: np.ndarray, *, clip: float, groups: np.ndarray | None = None, n_groups: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Z-score every column of ``out`` in place (within groups when given), then clip to ``[-clip, clip]``.

    Moments are computed in float64 with two passes (mean, then squared deviations); the population standard
    deviation (``ddof=0``, like :class:`sklearn.preprocessing.StandardScaler`) is used. Columns without
    variance become 0.

    Parameters
    ----------
    out
        C-contiguous float32 array, changed in place.
    clip
        Clip value; ``0`` or less means no clipping.
    groups
        Integer group code per row (e.g. batches) or ``None``.
    n_groups
        Number of groups.

    Returns
    -------
    ``(mean, std)`` of shape groups × columns, before standardization.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[0.0], [2.0], [4.0]], dtype=np.float32)
    >>> mean, std = standardize_clip(a, clip=1.0)
    >>> a.ravel().round(3).tolist(), float(mean[0, 0])
    ([-1.0, 0.0, 1.0], 2.0)
    """
    if groups is None:
        groups = np.zeros(out.shape[0], dtype=np.int64)
        n_groups = 1
    groups = np.ascontiguousarray(groups, dtype=np.int64)
    mean, std = _group_moments(out, groups, n_groups, _n_chunks(out.shape[0]))
    _apply_standardize(out, groups, mean, std, float(clip))
    return mean, std
