"""The kernels of ``_kernels`` over a dask array, block of rows by block of rows (out of core; any dask scheduler).

A dask-backed RNA matrix (e.g. ``anndata.experimental.read_elem_lazy`` on an ``.h5mu``, chunks of rows × all
genes, CSR or dense blocks) is read twice, one block at a time: once for library sizes and gene moments, once for
the needed columns. Each block is a dask task, so a ``dask.distributed`` client (``LocalCluster`` or a real cluster)
spreads the work; only the small per-block results and the output rows travel back. The outputs are the same arrays
as the in-memory path, up to float rounding.
"""

from __future__ import annotations

import os

import numpy as np

from . import _kernels


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


def count_moments(x, *, target_sum: float, flag: np.ndarray) -> _kernels.CountStats:
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
    tasks = [dask.delayed(_kernels.count_moments)(b, target_sum=target_sum, flag=flag) for b in blocks]
    parts = dask.compute(*tasks)
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
    sh, act, mean, std = _kernels.gather(
        block, shared_genes, active_genes, active_scale=scale, groups=groups, n_groups=n_groups
    )
    cnt = np.bincount(groups, minlength=n_groups).astype(np.float64)[:, None]
    # back to sums so blocks combine exactly: s1 = n * mean, s2 = n * (std^2 + mean^2)
    return sh, act, cnt * mean, cnt * (std**2 + mean**2)


def gather(
    x,
    shared_genes: list[np.ndarray],
    active_genes: np.ndarray,
    *,
    active_scale: np.ndarray,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`mufuse._kernels.gather` (with ``active_scale``) over the row blocks of a dask array.

    Blocks are computed :func:`blocks_in_flight` at a time and copied into preallocated outputs, so the memory
    beyond the outputs stays at a few blocks.

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
    ``(shared, active, active_mean, active_std)`` as :func:`mufuse._kernels.gather`.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> x = np.array([[1.0, 3.0], [0.0, 2.0], [4.0, 0.0]])
    >>> sh, act, m, s = gather(da.from_array(x, chunks=(2, 2)), [np.array([0, 1])], np.array([1]),
    ...                        active_scale=np.ones(3))
    >>> sh.ravel().tolist()
    [4.0, 2.0, 4.0]
    """
    blocks, offsets, dask = _row_blocks(x)
    n_cells = x.shape[0]
    if groups is None:
        groups, n_groups = np.zeros(n_cells, dtype=np.int64), 1
    groups = np.asarray(groups, dtype=np.int64)
    shared = _kernels.zeros_f32((n_cells, len(shared_genes)))
    active = _kernels.zeros_f32((n_cells, len(active_genes)))
    s1 = np.zeros((n_groups, len(active_genes)))
    s2 = np.zeros((n_groups, len(active_genes)))
    batch = blocks_in_flight()
    for start in range(0, len(blocks), batch):
        idx = range(start, min(start + batch, len(blocks)))
        tasks = [
            dask.delayed(_gather_block)(
                blocks[i],
                shared_genes,
                active_genes,
                active_scale[offsets[i] : offsets[i + 1]],
                groups[offsets[i] : offsets[i + 1]],
                n_groups,
            )
            for i in idx
        ]
        for i, (sh, act, b1, b2) in zip(idx, dask.compute(*tasks), strict=True):
            shared[offsets[i] : offsets[i + 1]] = sh
            active[offsets[i] : offsets[i + 1]] = act
            s1 += b1
            s2 += b2
    mean, std = _kernels._moments_to_mean_std(s1, s2, groups, n_groups)
    return shared, active, mean, std
