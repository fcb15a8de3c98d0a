"""The joint space of a fitted MaxFuse model: the canonical-correlation embedding of every cell, and matching in it.

MaxFuse fits a CCA on its pivot pairs (after an SVD of each active array) and scores every pair by the Pearson
correlation of the two cells in that space (Chen et al. 2024). The same space embeds any cell: each active array is
rotated by the fitted SVD, projected by the fitted CCA, block of rows by block of rows, and centred and scaled per
component over all the cells of its modality, which is what ``Fusor.get_embedding`` computes for the arrays it is
given. Cells MaxFuse leaves without a match are matched here, to the cell of the other modality whose embedding
correlates best with theirs: MaxFuse's own score, in MaxFuse's own space.
"""

from __future__ import annotations

from functools import partial

import numpy as np

BLOCK = 65_536  # rows per block: memory stays bounded whatever the number of cells


def blocks(n: int, size: int = BLOCK):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def _project(fusor, arr: np.ndarray, which: int) -> np.ndarray:
    """CCA scores of rows of active array ``which`` (1 = RNA, 2 = protein), before centring and scaling."""
    rotate = fusor._rotation_before_cca_on_active_arr1 if which == 1 else fusor._rotation_before_cca_on_active_arr2
    cca = fusor._cca_on_pivots
    out = None
    for sl in blocks(arr.shape[0]):
        block = rotate(np.asarray(arr[sl], dtype=np.float64))
        if which == 1:
            scores = cca.transform(block)
        else:  # sklearn's CCA projects Y only beside an X: a zero X of the same rows costs one small array
            scores = cca.transform(np.zeros((block.shape[0], cca.x_rotations_.shape[0])), block)[1]
        if out is None:
            out = np.empty((arr.shape[0], scores.shape[1]), dtype=np.float64)
        out[sl] = scores
    assert out is not None
    return out


def embed(fusor, active1: np.ndarray, active2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Embed every cell of both modalities in a fitted MaxFuse model's canonical-correlation space.

    Parameters
    ----------
    fusor
        A ``maxfuse.model.Fusor`` that has run ``filter_bad_matches(target="pivot")`` (the CCA on pivots is fitted).
    active1, active2
        Active arrays of all the cells to embed (cells × RNA / protein active features).

    Returns
    -------
    ``(embedding1, embedding2)``: float32, cells × CCA components, each component centred and scaled to unit
    variance over the cells of its modality, as ``Fusor.get_embedding`` gives for the same arrays.
    """
    out = []
    for arr, which in ((active1, 1), (active2, 2)):
        scores = _project(fusor, arr, which)
        scores -= scores.mean(axis=0)
        sd = scores.std(axis=0)
        scores /= np.where(sd > 0, sd, 1.0)
        out.append(scores.astype(np.float32))
    return out[0], out[1]


def unit_rows(x: np.ndarray, centre: bool = True) -> np.ndarray:
    """Return rows centred and scaled to unit norm: their dot product is the Pearson correlation of two rows.

    ``centre=False`` only scales them: the dot product is then the cosine of the two rows.
    """
    x = np.asarray(x, dtype=np.float32)
    if centre:
        x = x - x.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norm > 0, norm, 1.0)


def best_partners(
    query: np.ndarray, target: np.ndarray, block_rows: int | None = None, centre: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the target row whose values correlate best with it (Pearson), and that correlation.

    Exact search, block by block (memory: a block of queries × all targets). ``centre=False``: the cosine instead.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1.0, 0.0, -1.0], [-1.0, 0.0, 1.0]])
    >>> idx, r = best_partners(np.array([[2.0, 0.5, -2.0]]), t)
    >>> int(idx[0]), round(float(r[0]), 3)
    (0, 0.99)
    """
    tq = unit_rows(target, centre)
    size = block_rows or max(256, min(BLOCK, int(1e8 // max(tq.shape[0], 1))))  # a block × targets ≤ 400 MB
    parts = list(run_blocks(partial(_best_block, centre=centre), query, tq, size, "matching in the joint space"))
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _best_block(query: np.ndarray, tq: np.ndarray, centre: bool = True) -> tuple[np.ndarray, np.ndarray]:
    sim = unit_rows(query, centre) @ tq.T
    best = sim.argmax(axis=1)
    return best.astype(np.int64), sim[np.arange(sim.shape[0]), best].astype(np.float64)


def nearest_rows(
    query: np.ndarray, target: np.ndarray, k: int, centre: bool = True, desc: str = "neighbours in the joint space"
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``k`` target rows that correlate best with each query row (Pearson), exact, block by block.

    ``centre=False``: by cosine instead. Ties go to the lower target row.

    Returns
    -------
    ``(indices, similarities)``, each query rows × ``k``, best first.

    Examples
    --------
    >>> import numpy as np
    >>> idx, sim = nearest_rows(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.1], [1.0, 0.0]]), 2, False)
    >>> idx.tolist(), [round(float(v), 3) for v in sim[0]]
    ([[2, 1]], [1.0, 0.995])
    """
    tq = unit_rows(target, centre)
    k = max(1, min(int(k), tq.shape[0]))
    size = max(256, min(BLOCK, int(2.5e7 // max(tq.shape[0], 1))))  # a block x targets <= 100 MB (float32)
    parts = list(run_blocks(partial(_top_block, k=k, centre=centre), query, tq, size, desc))
    if not parts:
        return np.empty((0, k), dtype=np.int32), np.empty((0, k), dtype=np.float32)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _top_block(query: np.ndarray, tq: np.ndarray, k: int, centre: bool = True) -> tuple[np.ndarray, np.ndarray]:
    sim = unit_rows(query, centre) @ tq.T
    if k < sim.shape[1]:
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    else:
        top = np.broadcast_to(np.arange(sim.shape[1]), sim.shape).copy()
    vals = np.take_along_axis(sim, top, axis=1)
    order = np.lexsort((top, -vals), axis=1)  # best first; ties by target row
    index = np.int32 if tq.shape[0] < 2**31 else np.int64  # a million cells x 30 neighbours: 120 MB, not 240
    return np.take_along_axis(top, order, axis=1).astype(index), np.take_along_axis(vals, order, axis=1)


def run_blocks(fn, query: np.ndarray, tq: np.ndarray, size: int, desc: str):
    """Yield ``fn(block, tq)`` for the row blocks of ``query``, in order.

    With dask installed the blocks are tasks on the active dask scheduler (a ``dask.distributed`` client spreads them
    over its workers; the targets travel once), a few at a time, with a progress bar; else they run here.
    """
    slices = list(blocks(query.shape[0], size))
    if len(slices) <= 1:
        yield from (fn(query[sl], tq) for sl in slices)
        return
    try:
        import dask
    except ImportError:  # pragma: no cover - dask is an optional extra
        yield from (fn(query[sl], tq) for sl in slices)
        return
    from .._chunked import compute_batched

    target = dask.delayed(tq, pure=True)
    tasks = [dask.delayed(fn, pure=True)(query[sl], target) for sl in slices]
    yield from compute_batched(tasks, desc)
