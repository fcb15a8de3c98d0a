"""RNA metacells of two cells for MaxFuse's direct route: pairs of correlation nearest neighbours.

MaxFuse matches protein cells to RNA *metacells* (its ``metacell_size``, 2 by default), which it finds by searching
Leiden's resolution until the graph splits into ``n / 2`` communities, each run to convergence: 57 of the 73 s a
3,410 × 3,410-cell matching takes on two cores, and its graph costs a ~40 s numba compile in each new process.
mufuse aggregates the RNA cells itself instead (pairs, below) and hands MaxFuse the metacells with
``metacell_size=1``, with its own Leiden clusters for MaxFuse's smoothing (``_sketch.clusters``): 9 s for the same
matching and the same label agreement (``benchmarks/paths.py``, ``benchmarks/README.md``).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

PAIR_NEIGHBOURS = 10  # a cell pairs with the nearest of its 10 nearest neighbours that is still free
PAIR_COMPONENTS = 40  # principal components the neighbours are found in (as MaxFuse's RNA graph)


def pair_cells(arr: np.ndarray, labels: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Group the rows of ``arr`` into metacells of two: each cell with its nearest free neighbour.

    Cells are visited in a random order (``seed``); a cell not yet grouped takes the nearest of its
    :data:`PAIR_NEIGHBOURS` correlation nearest neighbours (on at most :data:`PAIR_COMPONENTS` principal components)
    that is not yet grouped, or stays alone when all are taken. With ``labels``, cells pair only within their label.

    Parameters
    ----------
    arr
        Cells × features (an active array), float.
    labels
        One label per row, or ``None``.
    seed
        Seed of the visiting order and of the randomized PCA.

    Returns
    -------
    int64 array of length ``n_rows``: the metacell of each row, numbered ``0 .. n_metacells - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(9, 5))
    >>> groups = pair_cells(x, seed=0)
    >>> int(groups.max()) + 1, int(np.bincount(groups).max())
    (5, 2)
    """
    x = np.asarray(arr, dtype=np.float32)
    n = x.shape[0]
    groups = np.full(n, -1, dtype=np.int64)
    parts = [np.arange(n)] if labels is None else [np.flatnonzero(labels == v) for v in np.unique(labels)]
    near = np.full((n, PAIR_NEIGHBOURS), -1, dtype=np.int64)
    for rows in parts:
        if len(rows) > 1:
            near[rows, : min(PAIR_NEIGHBOURS, len(rows) - 1)] = rows[_neighbours(x[rows], seed)]
    count = 0
    for i in np.random.default_rng(seed).permutation(n):
        if groups[i] >= 0:
            continue
        groups[i] = count
        for j in near[i]:
            if j >= 0 and groups[j] < 0:
                groups[j] = count
                break
        count += 1
    return groups


def _neighbours(x: np.ndarray, seed: int) -> np.ndarray:
    """Positions of each row's nearest rows by correlation (itself excluded), nearest first."""
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    from ._joint import unit_rows

    k = min(PAIR_NEIGHBOURS, x.shape[0] - 1)
    dims = min(PAIR_COMPONENTS, x.shape[1], x.shape[0]) - 1
    if dims >= 2 and x.shape[1] > PAIR_COMPONENTS:
        x = PCA(n_components=dims, svd_solver="randomized", random_state=seed).fit_transform(x)
    found = NearestNeighbors(n_neighbors=k + 1).fit(unit_rows(x)).kneighbors(unit_rows(x), return_distance=False)
    return np.stack([row[row != i][:k] for i, row in enumerate(found)])


def metacell_means(arr: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Mean of the rows of each metacell (float32, ``n_metacells`` × features)."""
    n = int(groups.max()) + 1 if len(groups) else 0
    size = np.bincount(groups, minlength=n).astype(np.float64)
    mean = sparse.csr_matrix((1.0 / size[groups], (groups, np.arange(len(groups)))), shape=(n, len(groups)))
    return np.ascontiguousarray(mean @ np.asarray(arr, dtype=np.float64), dtype=np.float32)
