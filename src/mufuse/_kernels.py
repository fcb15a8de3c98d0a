"""Numba kernels shared by ``pp`` and ``tl``: passes over the nnz of the counts and over the small outputs.

Nothing here copies the RNA matrix. ``count_moments_*`` read every stored value once and return library sizes
and per-gene moments of the normalized values; ``gather_*`` read only the needed columns into dense float32
outputs; ``standardize_clip`` z-scores those outputs in place (moments in float64).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numba
import numpy as np
from numba import njit, prange
from scipy import sparse

__all__ = ["CompileWatch", "CountStats", "count_moments", "gather", "log_normalize_inplace", "standardize_clip"]


class CountStats(NamedTuple):
    """Result of the pass over the counts."""

    lib: np.ndarray  # per-cell sum over all genes
    lib_shared: np.ndarray  # per-cell sum over the flagged (shared) genes
    s1: np.ndarray  # per-gene sum of normalized values x * target / lib
    s2: np.ndarray  # per-gene sum of squares of the same
    n_negative: int
    n_fractional: int
    n_nonfinite: int


class CompileWatch:
    """Whether numba compiled any of these kernels inside a ``with`` block (instead of loading its cache), and the time.

    The kernels are compiled on their first use in an environment and cached (``cache=True``) in the package's
    ``__pycache__`` (or numba's per-user cache folder when that is not writable): the first ``harmonize`` of
    pbmc10k takes 20-30 s, later ones, in any process, ~1 s. The command line says so when it happens.

    Examples
    --------
    >>> with CompileWatch() as watch:
    ...     pass
    >>> watch.compiled, watch.seconds >= 0
    (0, True)
    """

    compiled: int = 0
    seconds: float = 0.0

    def __enter__(self) -> CompileWatch:
        self._before = _n_compiled()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._t0
        self.compiled = _n_compiled() - self._before

    @staticmethod
    def cache_dir() -> str:
        """Return the folder numba caches these kernels in."""
        return str(next(iter(_dispatchers())).stats.cache_path)


def _dispatchers() -> list:
    return [v for v in globals().values() if isinstance(v, numba.core.dispatcher.Dispatcher)]


def _n_compiled() -> int:
    """How many kernel signatures numba compiled in this process (cache misses), over all kernels here."""
    return sum(sum(d.stats.cache_misses.values()) for d in _dispatchers())


def _n_chunks(n: int) -> int:
    return max(1, min(n, numba.get_num_threads() * 4))


@njit(parallel=True, cache=True)
def _moments_rows(data, indices, indptr, n_genes, target, flag, counted, n_chunks):  # pragma: no cover - numba
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
                if counted[indices[k]]:
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
def _lib_cols(data, indices, indptr, n_cells, flag, counted):  # pragma: no cover - numba
    lib = np.zeros(n_cells)
    lib_sh = np.zeros(n_cells)
    bad = np.zeros(3, dtype=np.int64)
    for j in range(indptr.size - 1):
        fj = flag[j]
        cj = counted[j]
        for k in range(indptr[j], indptr[j + 1]):
            v = np.float64(data[k])
            if not np.isfinite(v):
                bad[2] += 1
                continue
            if v < 0:
                bad[0] += 1
            if v != np.floor(v):
                bad[1] += 1
            if cj:
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
def _moments_dense(x, target, flag, counted, n_chunks):  # pragma: no cover - numba
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
                if counted[g]:
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


def zeros_f32(shape: tuple[int, int]) -> np.ndarray:
    """Return a zeroed float32 array whose pages were touched once, sequentially (before parallel kernels write).

    With transparent huge pages, first-touch page faults taken by several numba threads at once on a fresh
    ``np.zeros`` array were measured 10x slower (57 ms vs 5 ms for 55 MB) than one sequential fill.
    """
    out = np.empty(shape, dtype=np.float32)
    out.fill(0)
    return out


def _numba_data(data: np.ndarray) -> np.ndarray:
    # numba has no float16; everything else (ints, float32/64) is read as is, without a copy
    return data.astype(np.float32) if data.dtype == np.float16 or data.dtype == np.bool_ else data


def count_moments(x, *, target_sum: float, flag: np.ndarray, counted: np.ndarray | None = None) -> CountStats:
    """One pass over the counts: library sizes (all genes and flagged genes) and per-gene moments.

    Parameters
    ----------
    x
        Cells × genes counts: CSR, CSC or dense.
    target_sum
        Library size the normalized values are scaled to (1e4).
    flag
        Boolean per gene: which genes count towards ``lib_shared``.
    counted
        Boolean per column: which columns are genes and count towards ``lib`` (``None``: all). Antibody, guide or
        hashing rows of an RNA matrix read with Cell Ranger's ``gex_only=False`` are not.

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
    counted = np.ones(n_genes, dtype=np.bool_) if counted is None else np.ascontiguousarray(counted, dtype=np.bool_)
    if sparse.issparse(x) and x.format == "csr":
        lib, lib_sh, s1, s2, bad = _moments_rows(
            _numba_data(x.data), x.indices, x.indptr, n_genes, float(target_sum), flag, counted, _n_chunks(n_cells)
        )
    elif sparse.issparse(x) and x.format == "csc":
        lib, lib_sh, bad = _lib_cols(_numba_data(x.data), x.indices, x.indptr, n_cells, flag, counted)
        scale = np.where(lib > 0, target_sum / np.where(lib > 0, lib, 1.0), 0.0)
        s1, s2 = _moments_cols(_numba_data(x.data), x.indices, x.indptr, scale)
    elif sparse.issparse(x):
        return count_moments(x.tocsr(), target_sum=target_sum, flag=flag, counted=counted)
    else:
        arr = np.asarray(x)
        lib, lib_sh, s1, s2, bad = _moments_dense(
            _numba_data(arr), float(target_sum), flag, counted, _n_chunks(n_cells)
        )
    return CountStats(lib, lib_sh, s1, s2, int(bad[0]), int(bad[1]), int(bad[2]))


@njit(parallel=True, cache=True)
def _gather_rows(
    data, indices, indptr, sh_ptr, sh_col, act_col, act_scale, do_log, groups, n_groups, n_chunks, out_sh, out_act
):  # pragma: no cover - numba
    n = indptr.size - 1
    k = out_act.shape[1]
    s1 = np.zeros((n_chunks, n_groups, k))
    s2 = np.zeros((n_chunks, n_groups, k))
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            sc = act_scale[i]
            gi = groups[i]
            for kk in range(indptr[i], indptr[i + 1]):
                g = indices[kk]
                v = data[kk]
                for t in range(sh_ptr[g], sh_ptr[g + 1]):
                    out_sh[i, sh_col[t]] += v
                a = act_col[g]
                if a >= 0:
                    y = np.log1p(np.float64(v) * sc) if do_log else np.float64(v)
                    out_act[i, a] = y
                    s1[c, gi, a] += y
                    s2[c, gi, a] += y * y
    return s1.sum(axis=0), s2.sum(axis=0)


@njit(cache=True)
def _gather_cols(
    data, indices, indptr, genes, sh_ptr, sh_col, act_col, act_scale, do_log, groups, n_groups, out_sh, out_act
):  # pragma: no cover - numba
    k = out_act.shape[1]
    s1 = np.zeros((n_groups, k))
    s2 = np.zeros((n_groups, k))
    for g in genes:
        a = act_col[g]
        for kk in range(indptr[g], indptr[g + 1]):
            i = indices[kk]
            v = data[kk]
            for t in range(sh_ptr[g], sh_ptr[g + 1]):
                out_sh[i, sh_col[t]] += v
            if a >= 0:
                y = np.log1p(np.float64(v) * act_scale[i]) if do_log else np.float64(v)
                out_act[i, a] = y
                s1[groups[i], a] += y
                s2[groups[i], a] += y * y
    return s1, s2


def moments_to_mean_std(s1, s2, groups, n_groups):
    """Per-batch mean and std (batches × columns) from per-batch sums and sums of squares."""
    cnt = np.bincount(groups, minlength=n_groups).astype(np.float64)[:, None]
    safe = np.where(cnt > 0, cnt, 1.0)
    mean = s1 / safe
    var = np.maximum(s2 / safe - mean**2, 0.0)
    std = np.sqrt(var)
    # a column whose values are all equal has var ~ 1e-17 from rounding: call it constant
    std[std < 1e-7 * np.maximum(np.abs(mean), 1.0)] = 0.0
    return mean, std


def gather(
    x,
    shared_genes: list[np.ndarray],
    active_genes: np.ndarray,
    *,
    active_scale: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Read only the needed columns of the counts into dense float32 outputs.

    Shared columns receive the summed raw counts of their genes. Active columns receive the raw counts, or, when
    ``active_scale`` is given, ``log1p(count * active_scale[cell])`` computed only where a count is stored, with the
    per-group mean and std of every active column accumulated on the way (no extra pass over the dense output).

    Parameters
    ----------
    x
        Cells × genes counts (CSR, CSC or dense).
    shared_genes
        For each shared output column, the gene indices whose counts are summed into it.
    active_genes
        Gene indices of the active output columns, in output order.
    active_scale
        Per-cell factor (target sum / library size) for the active columns, or ``None`` for raw counts.
    groups, n_groups
        Integer group code per cell (batches) for the moments.

    Returns
    -------
    ``(shared, active, active_mean, active_std)``: C-contiguous float32 arrays of shape cells × len(shared_genes)
    and cells × len(active_genes); the moments (groups × active columns) are ``None`` without ``active_scale``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> x = sparse.csr_matrix(np.array([[1.0, 3.0, 0.0], [0.0, 2.0, 5.0]]))
    >>> sh, act, _, _ = gather(x, [np.array([0, 1])], np.array([2]))
    >>> sh.ravel().tolist(), act.ravel().tolist()
    ([4.0, 2.0], [0.0, 5.0])
    """
    n_cells, n_genes = x.shape
    if groups is None:
        groups, n_groups = np.zeros(n_cells, dtype=np.int64), 1
    groups = np.ascontiguousarray(groups, dtype=np.int64)
    out_sh = zeros_f32((n_cells, len(shared_genes)))
    out_act = zeros_f32((n_cells, len(active_genes)))
    if not sparse.issparse(x):
        arr = np.asarray(x)
        for c, genes in enumerate(shared_genes):
            out_sh[:, c] = arr[:, genes].sum(axis=1, dtype=np.float64)
        if len(active_genes):
            out_act[:] = arr[:, active_genes]
        if active_scale is None:
            return out_sh, out_act, None, None
        log_normalize_inplace(out_act, np.ascontiguousarray(active_scale, dtype=np.float64))
        mean, std = _group_moments(out_act, groups, n_groups, _n_chunks(n_cells))
        return out_sh, out_act, mean, std
    if x.format not in ("csr", "csc"):
        x = x.tocsr()
    # gene -> shared output columns, as a CSR-like map
    pairs = sorted((int(g), c) for c, genes in enumerate(shared_genes) for g in genes)
    counts = np.bincount([g for g, _ in pairs], minlength=n_genes) if pairs else np.zeros(n_genes, dtype=np.int64)
    sh_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    sh_col = np.array([c for _, c in pairs], dtype=np.int64)
    act_col = np.full(n_genes, -1, dtype=np.int64)
    act_col[np.asarray(active_genes, dtype=np.int64)] = np.arange(len(active_genes))
    data = _numba_data(x.data)
    do_log = active_scale is not None
    scale = np.ascontiguousarray(active_scale, dtype=np.float64) if do_log else np.ones(n_cells)
    if x.format == "csr":
        s1, s2 = _gather_rows(
            data,
            x.indices,
            x.indptr,
            sh_ptr,
            sh_col,
            act_col,
            scale,
            do_log,
            groups,
            n_groups,
            _n_chunks(n_cells),
            out_sh,
            out_act,
        )
    else:
        needed = np.flatnonzero((counts > 0) | (act_col >= 0)).astype(np.int64)
        s1, s2 = _gather_cols(
            data, x.indices, x.indptr, needed, sh_ptr, sh_col, act_col, scale, do_log, groups, n_groups, out_sh, out_act
        )
    if not do_log:
        return out_sh, out_act, None, None
    mean, std = moments_to_mean_std(s1, s2, groups, n_groups)
    return out_sh, out_act, mean, std


@njit(parallel=True, cache=True)
def log_normalize_inplace(out, scale):  # pragma: no cover - numba
    """``out[i, :] = log1p(out[i, :] * scale[i])`` in place (float32 output, float64 scale)."""
    n, k = out.shape
    for i in prange(n):
        s = scale[i]
        for j in range(k):
            v = out[i, j]
            if v != 0:
                out[i, j] = np.float32(np.log1p(np.float64(v) * s))


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
def _winsorized_moments(out, groups, n_groups, mean, std, c, n_chunks):  # pragma: no cover - numba
    """Mean and std of each column with its values first limited to ``mean ± c * std`` (per group)."""
    n, k = out.shape
    cnt = np.zeros((n_chunks, n_groups))
    s1 = np.zeros((n_chunks, n_groups, k))
    s2 = np.zeros((n_chunks, n_groups, k))
    for ch in prange(n_chunks):
        for i in range(ch * n // n_chunks, (ch + 1) * n // n_chunks):
            gi = groups[i]
            cnt[ch, gi] += 1
            for j in range(k):
                v = np.float64(out[i, j])
                lo = mean[gi, j] - c * std[gi, j]
                hi = mean[gi, j] + c * std[gi, j]
                if v < lo:
                    v = lo
                elif v > hi:
                    v = hi
                d = v - mean[gi, j]  # shifted by the previous mean: no cancellation
                s1[ch, gi, j] += d
                s2[ch, gi, j] += d * d
    cnt_t = cnt.sum(axis=0)
    t1 = s1.sum(axis=0)
    t2 = s2.sum(axis=0)
    new_mean = mean.copy()
    new_std = std.copy()
    for g in range(n_groups):
        if cnt_t[g] > 0:
            for j in range(k):
                m = t1[g, j] / cnt_t[g]
                new_mean[g, j] = mean[g, j] + m
                new_std[g, j] = np.sqrt(max(t2[g, j] / cnt_t[g] - m * m, 0.0))
    return new_mean, new_std


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


def robust_moments(
    out: np.ndarray, *, clip: float, groups: np.ndarray | None = None, n_groups: int = 1, max_iter: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Return a mean and std per column that a few extreme values cannot set; ``out`` is not changed.

    The moments are iteratively winsorized: values beyond ``mean ± clip * std`` are limited to that bound and the
    moments recomputed, until the std changes by less than 1e-4 (relative). The idea is Huber's (Huber P. J. (1964)
    Robust estimation of a location parameter. *Ann. Math. Statist.* 35:73, doi:10.1214/aoms/1177703732): limit the
    influence of each value. ``pp.harmonize`` uses it to find cells that are extreme in most markers at once.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.r_[np.linspace(-1.0, 1.0, 999), [1000.0]].astype(np.float32)[:, None]
    >>> [round(float(v[0, 0]), 2) for v in robust_moments(a, clip=5.0)]
    [0.0, 0.59]
    """
    if groups is None:
        groups = np.zeros(out.shape[0], dtype=np.int64)
        n_groups = 1
    groups = np.ascontiguousarray(groups, dtype=np.int64)
    chunks = _n_chunks(out.shape[0])
    mean, std = _group_moments(out, groups, n_groups, chunks)
    for _ in range(max_iter):
        new_mean, new_std = _winsorized_moments(out, groups, n_groups, mean, std, float(clip), chunks)
        done = np.all(np.abs(new_std - std) <= 1e-4 * np.maximum(std, 1e-12))
        mean, std = new_mean, new_std
        if done:
            break
    return mean, np.where(std < 1e-7 * np.maximum(np.abs(mean), 1.0), 0.0, std)


@njit(parallel=True, cache=True)
def _count_far(x, groups, mean, std, limit):  # pragma: no cover - numba
    n, k = x.shape
    out = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        g = groups[i]
        c = 0
        for j in range(k):
            sd = std[g, j]
            if sd > 0 and abs((np.float64(x[i, j]) - mean[g, j]) / sd) > limit:
                c += 1
        out[i] = c
    return out


def count_far(
    x: np.ndarray, mean: np.ndarray, std: np.ndarray, limit: float, groups: np.ndarray | None = None
) -> np.ndarray:
    """Count, per cell, the columns where ``|x - mean| / std`` exceeds ``limit`` (columns with std 0 never count).

    ``mean`` and ``std`` are groups × columns (one row without groups); one parallel pass, no temporary array.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0, 9.0], [9.0, 9.0]], dtype=np.float32)
    >>> count_far(x, np.zeros((1, 2)), np.ones((1, 2)), 5.0).tolist()
    [1, 2]
    """
    codes = np.zeros(x.shape[0], dtype=np.int64) if groups is None else np.ascontiguousarray(groups, dtype=np.int64)
    return _count_far(
        np.ascontiguousarray(x), codes, np.ascontiguousarray(mean, np.float64), np.ascontiguousarray(std, np.float64),
        float(limit),
    )  # fmt: skip


def column_moments(
    out: np.ndarray, groups: np.ndarray | None = None, n_groups: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean and population std of every column (groups × columns), as :func:`standardize_clip` computes.

    Examples
    --------
    >>> import numpy as np
    >>> mean, std = column_moments(np.array([[0.0], [2.0]], dtype=np.float32))
    >>> float(mean[0, 0]), float(std[0, 0])
    (1.0, 1.0)
    """
    if groups is None:
        groups = np.zeros(out.shape[0], dtype=np.int64)
        n_groups = 1
    return _group_moments(out, np.ascontiguousarray(groups, dtype=np.int64), n_groups, _n_chunks(out.shape[0]))


def apply_standardize(
    out: np.ndarray, mean: np.ndarray, std: np.ndarray, *, clip: float, groups: np.ndarray | None = None
) -> None:
    """``out = clip((out - mean[group]) / std[group])`` in place; columns with ``std == 0`` become 0.

    Parameters
    ----------
    out
        C-contiguous float32 array, changed in place.
    mean, std
        Groups × columns moments.
    clip
        Clip value; ``0`` or less means no clipping.
    groups
        Integer group code per row, or ``None`` for one group.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[1.0], [3.0]], dtype=np.float32)
    >>> apply_standardize(a, np.array([[2.0]]), np.array([[1.0]]), clip=5.0)
    >>> a.ravel().tolist()
    [-1.0, 1.0]
    """
    if groups is None:
        groups = np.zeros(out.shape[0], dtype=np.int64)
    _apply_standardize(out, np.ascontiguousarray(groups, dtype=np.int64), mean, std, float(clip))


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


@njit(parallel=True, cache=True)
def _column_stats(x, lim, shift, n_chunks):  # pragma: no cover - numba
    n, k = x.shape
    cnt = np.zeros((n_chunks, k))
    s1 = np.zeros((n_chunks, k))
    s2 = np.zeros((n_chunks, k))
    lo = np.full((n_chunks, k), np.inf)
    hi = np.full((n_chunks, k), -np.inf)
    n_clip = np.zeros((n_chunks, k))
    n_bad = np.zeros((n_chunks, k))
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            for j in range(k):
                v = np.float64(x[i, j])
                if not np.isfinite(v):
                    n_bad[c, j] += 1
                    continue
                d = v - shift[j]
                cnt[c, j] += 1
                s1[c, j] += d
                s2[c, j] += d * d
                lo[c, j] = min(lo[c, j], v)
                hi[c, j] = max(hi[c, j], v)
                if abs(v) >= lim:
                    n_clip[c, j] += 1
    return cnt, s1, s2, lo, hi, n_clip, n_bad


def column_stats(x: np.ndarray, lim: float) -> dict[str, np.ndarray]:
    """Per-column count of finite values, mean, std, min, max, values with ``|x| >= lim`` and non-finite values.

    One parallel pass over a dense array of any float or integer dtype (no float64 copy); sums in float64,
    shifted by the first row so that a large mean does not swamp a small spread. Non-finite values are counted
    and left out of the other statistics.

    Parameters
    ----------
    x
        Dense cells × features array.
    lim
        Threshold for the clipped count.

    Returns
    -------
    Dict of per-column arrays: ``n``, ``mean``, ``std`` (ddof 0), ``min``, ``max``, ``n_clip``, ``n_nonfinite``;
    statistics of a column without finite values are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> st = column_stats(np.array([[1.0, np.nan], [3.0, 5.0]], dtype=np.float32), 4.0)
    >>> st["mean"].tolist(), st["n_clip"].tolist(), st["n_nonfinite"].tolist()
    ([2.0, 5.0], [0.0, 1.0], [0.0, 1.0])
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu" or arr.dtype == np.float16:
        arr = arr.astype(np.float32 if arr.dtype == np.float16 else np.float64)
    arr = np.ascontiguousarray(arr)
    n, k = arr.shape
    first = arr[0].astype(np.float64) if n else np.zeros(k)
    shift = np.where(np.isfinite(first), first, 0.0)
    parts = _column_stats(arr, float(lim), shift, _n_chunks(max(n, 1)))
    cnt, s1, s2, n_clip, n_bad = (parts[i].sum(axis=0) for i in (0, 1, 2, 5, 6))
    lo, hi = parts[3].min(axis=0), parts[4].max(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = s1 / cnt
        var = np.maximum(s2 / cnt - m * m, 0.0)
    empty = cnt == 0
    return {
        "n": cnt,
        "mean": np.where(empty, np.nan, m + shift),
        "std": np.where(empty, np.nan, np.sqrt(var)),
        "min": np.where(empty, np.nan, lo),
        "max": np.where(empty, np.nan, hi),
        "n_clip": n_clip,
        "n_nonfinite": n_bad,
    }
