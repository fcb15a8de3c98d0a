"""The kernels of ``_kernels`` over a dask array, block of rows by block of rows (out of core; any dask scheduler).

A dask-backed RNA matrix (e.g. ``anndata.experimental.read_elem_lazy`` on an ``.h5mu``, chunks of rows × all
genes, CSR or dense blocks) is read one block at a time: once for library sizes and gene moments, once for the
shared columns and the moments of the active columns. The active array (cells × 2,000 HVGs: 8 GB at a million
cells) is not kept in memory: it is returned as a lazy dask array whose blocks are computed from the counts when
they are written or used. Each block is a dask task, so a ``dask.distributed`` client (``LocalCluster`` or a real
cluster) spreads the work; only the small per-block results and the output rows travel back. The arrays equal
those of the in-memory path up to float rounding.
"""

from __future__ import annotations

import os
import time

import numpy as np

from . import _kernels, _progress


def blocks_in_flight() -> int:
    """Return how many row blocks the gather pass computes at once.

    The threads available (a distributed client's, else this machine's cores), at least 2. Memory beyond the outputs
    is about that many blocks and their output rows.
    """
    try:
        from distributed import get_client

        workers = get_client().scheduler_info()["workers"].values()
        return max(2, sum(int(w.get("nthreads", 1)) for w in workers))
    except (ImportError, ValueError, KeyError):
        return max(2, os.cpu_count() or 2)


def is_dask(x) -> bool:
    """Tell whether ``x`` is a dask array (without importing dask when it is not installed)."""
    try:
        import dask.array as da
    except ImportError:  # pragma: no cover - dask is an optional extra
        return False
    return isinstance(x, da.Array)


def _row_blocks(x):
    import dask

    if len(x.chunks[1]) > 1:
        x = x.rechunk({1: -1})
    offsets = np.concatenate([[0], np.cumsum(x.chunks[0])]).astype(np.int64)
    return x.to_delayed().ravel(), offsets, dask


def compute_batched(tasks, desc: str):
    """Compute delayed tasks :func:`blocks_in_flight` at a time, in order, with a progress bar; yield results."""
    import dask

    step = blocks_in_flight()
    t0 = time.perf_counter()
    with _progress.bar(len(tasks), desc) as pbar:
        for start in range(0, len(tasks), step):
            parts = dask.compute(*tasks[start : start + step])
            pbar.update(len(parts))
            done = start + len(parts)
            _progress.say("    %s: %d of %d blocks (%.0fs)", desc, done, len(tasks), time.perf_counter() - t0)
            yield from parts


def count_moments(x, *, target_sum: float, flag: np.ndarray, counted: np.ndarray | None = None) -> _kernels.CountStats:
    """:func:`mufuse._kernels.count_moments` over the row blocks of a dask array.

    Parameters
    ----------
    x
        Dask array, cells × genes (blocks: CSR, CSC or dense).
    target_sum
        Library size the normalized values are scaled to.
    flag
        Boolean per gene: which genes count towards ``lib_shared``.

    Returns
    -------
    The combined :class:`mufuse._kernels.CountStats`.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> x = np.array([[1.0, 3.0], [0.0, 2.0], [4.0, 0.0]])
    >>> st = count_moments(da.from_array(x, chunks=(2, 2)), target_sum=1.0, flag=np.array([True, False]))
    >>> st.lib.tolist()
    [4.0, 2.0, 4.0]
    """
    blocks, _, dask = _row_blocks(x)
    tasks = [dask.delayed(_kernels.count_moments)(b, target_sum=target_sum, flag=flag, counted=counted) for b in blocks]
    parts = list(compute_batched(tasks, "counts: library sizes, gene moments"))
    return _kernels.CountStats(
        lib=np.concatenate([p.lib for p in parts]),
        lib_shared=np.concatenate([p.lib_shared for p in parts]),
        s1=np.sum([p.s1 for p in parts], axis=0),
        s2=np.sum([p.s2 for p in parts], axis=0),
        n_negative=sum(p.n_negative for p in parts),
        n_fractional=sum(p.n_fractional for p in parts),
        n_nonfinite=sum(p.n_nonfinite for p in parts),
    )


def _gather_block(block, shared_genes, active_genes, scale, groups, n_groups):
    sh, _, mean, std = _kernels.gather(
        block, shared_genes, active_genes, active_scale=scale, groups=groups, n_groups=n_groups
    )
    cnt = np.bincount(groups, minlength=n_groups).astype(np.float64)[:, None]
    # back to sums so blocks combine exactly: s1 = n * mean, s2 = n * (std^2 + mean^2)
    return sh, cnt * mean, cnt * (std**2 + mean**2)


def gather(
    x,
    shared_genes: list[np.ndarray],
    active_genes: np.ndarray,
    *,
    active_scale: np.ndarray,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
) -> tuple[np.ndarray, None, np.ndarray, np.ndarray]:
    """Run :func:`mufuse._kernels.gather` (with ``active_scale``) over the row blocks of a dask array.

    Only the shared columns and the moments of the active ones are kept. Blocks are computed
    :func:`blocks_in_flight` at a time; memory beyond the shared array stays at a few blocks.
    The active values themselves come from :func:`active_array`.

    Parameters
    ----------
    x
        Dask array, cells × genes.
    shared_genes
        For each shared output column, the gene indices summed into it.
    active_genes
        Gene indices of the active columns.
    active_scale
        Per-cell target sum / library size.
    groups, n_groups
        Batch code per cell.

    Returns
    -------
    ``(shared, None, active_mean, active_std)``: the raw shared sums (float32, cells × shared) and the per-batch
    mean and std of the log-normalized active columns.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> x = np.array([[1.0, 3.0], [0.0, 2.0], [4.0, 0.0]])
    >>> sh, _, m, s = gather(da.from_array(x, chunks=(2, 2)), [np.array([0, 1])], np.array([1]),
    ...                      active_scale=np.ones(3))
    >>> sh.ravel().tolist(), m.round(4).ravel().tolist()
    ([4.0, 2.0, 4.0], [0.8283])
    """
    blocks, offsets, dask = _row_blocks(x)
    n_cells = x.shape[0]
    if groups is None:
        groups, n_groups = np.zeros(n_cells, dtype=np.int64), 1
    groups = np.asarray(groups, dtype=np.int64)
    shared = _kernels.zeros_f32((n_cells, len(shared_genes)))
    s1 = np.zeros((n_groups, len(active_genes)))
    s2 = np.zeros((n_groups, len(active_genes)))
    tasks = [
        dask.delayed(_gather_block)(
            blocks[i],
            shared_genes,
            active_genes,
            active_scale[offsets[i] : offsets[i + 1]],
            groups[offsets[i] : offsets[i + 1]],
            n_groups,
        )
        for i in range(len(blocks))
    ]
    for i, (sh, b1, b2) in enumerate(compute_batched(tasks, "counts: shared columns, HVG moments")):
        shared[offsets[i] : offsets[i + 1]] = sh
        s1 += b1
        s2 += b2
    mean, std = _kernels.moments_to_mean_std(s1, s2, groups, n_groups)
    return shared, None, mean, std


def _active_block(block, active_genes, scale, groups, mean, std, clip):
    _, act, _, _ = _kernels.gather(block, [], active_genes, active_scale=scale)
    _kernels.apply_standardize(act, mean, std, clip=clip, groups=groups)
    return act


def active_array(
    x,
    active_genes: np.ndarray,
    *,
    active_scale: np.ndarray,
    mean: np.ndarray,
    std: np.ndarray,
    clip: float,
    groups: np.ndarray | None = None,
):
    """Return the RNA active array as a lazy dask array with the row blocks of ``x``.

    Each block is gathered, log-normalized, z-scored and clipped from the counts when it is computed (written to a
    file, or used), with the statistics of :func:`gather`.

    Parameters
    ----------
    x
        Dask array, cells × genes.
    active_genes
        Gene indices of the active columns.
    active_scale
        Per-cell target sum / library size.
    mean, std
        Per-batch mean and std of each active column (from :func:`gather`).
    clip
        Clip value after z-scoring.
    groups
        Batch code per cell (``None``: one batch).

    Returns
    -------
    Dask array, float32, cells × active columns, one block per row block of ``x``.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> x = da.from_array(np.array([[1.0, 3.0], [0.0, 2.0], [4.0, 0.0]]), chunks=(2, 2))
    >>> genes, scale = np.array([0, 1]), np.ones(3)
    >>> _, _, m, s = gather(x, [], genes, active_scale=scale)
    >>> a = active_array(x, genes, active_scale=scale, mean=m, std=s, clip=5.0)
    >>> a.chunks[0], np.allclose(a.compute().mean(axis=0), 0, atol=1e-6)
    ((2, 1), True)
    """
    import dask.array as da

    if len(x.chunks[1]) > 1:
        x = x.rechunk({1: -1})
    n_cells = x.shape[0]
    groups = np.zeros(n_cells, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(x.chunks[0])]).astype(np.int64)

    def block(b, block_id=None):
        lo, hi = offsets[block_id[0]], offsets[block_id[0] + 1]
        return _active_block(b, active_genes, active_scale[lo:hi], groups[lo:hi], mean, std, clip)

    return da.map_blocks(
        block,
        x,
        dtype=np.float32,
        chunks=(x.chunks[0], (len(active_genes),)),
        meta=np.empty((0, 0), dtype=np.float32),
    )


def store(arr, dataset, desc: str = "writing") -> None:
    """Write a dask array into an array-like (an ``h5py`` dataset) row block by row block, with a progress bar.

    Blocks are computed :func:`blocks_in_flight` at a time and written in order, so memory stays at a few blocks.

    Parameters
    ----------
    arr
        Dask array with one chunk along the columns.
    dataset
        Target of the same shape supporting ``dataset[lo:hi] = block``.
    desc
        Label of the progress bar.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> out = np.zeros((5, 2))
    >>> store(da.ones((5, 2), chunks=(2, 2)), out)
    >>> float(out.sum())
    10.0
    """
    if len(arr.chunks[1]) > 1:
        arr = arr.rechunk({1: -1})
    offsets = np.concatenate([[0], np.cumsum(arr.chunks[0])]).astype(np.int64)
    for i, block in enumerate(compute_batched(list(arr.to_delayed().ravel()), desc)):
        dataset[offsets[i] : offsets[i + 1]] = block
