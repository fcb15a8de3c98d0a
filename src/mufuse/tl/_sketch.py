"""The sketched route of :func:`mufuse.tl.run_maxfuse`: MaxFuse fitted on a sketch, the rest matched in its space.

MaxFuse matches every batch of one modality against every batch of the other, so its time grows with the product of
the cell numbers, and its pivots come from a min-cost assignment whose time grows faster still. A geometric sketch
(Hie et al. 2019, *Cell Systems* 8:483, doi:10.1016/j.cels.2019.05.003; the ``geosketch`` package) samples cells
evenly over the space they cover, so rare populations keep their place in the sample. MaxFuse finds its pivots on
the two sketches and fits its canonical-correlation space on them; then every cell is embedded with the fitted
projection and each cell that must be matched gets the cell of the other modality whose embedding correlates best
with its own, block by block on the active dask scheduler. Time and memory grow linearly with the cells.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.decomposition import PCA

log = logging.getLogger("mufuse")

SKETCH_SIZE = 10_000  # protein cells MaxFuse is fitted on in the sketched route (RNA: half as many)
DIRECT_MAX = 20_000  # route="auto": direct when neither modality has more cells (with signal) than this
ROUTES = ("auto", "direct", "sketch")
SKETCH_DIMS = 10  # principal components the sketch is drawn on: geosketch's grid costs time per dimension
PRESAMPLE = 200_000  # rows geosketch sees at most: a uniform presample first (a 0.1% population keeps ~200 cells)
# MaxFuse stages the sketched route runs: its pivots and their CCA; the remaining cells are matched in that space
SKETCH_STAGES = (
    "split_into_batches",
    "construct_graphs",
    "find_initial_pivots",
    "refine_pivots",
    "filter_bad_matches_pivot",
)


def choose_route(route: str, n1: int, n2: int, sketch_size: int) -> str:
    """Return ``"direct"`` or ``"sketch"`` for ``route`` (``"auto"``: sketch when a modality has > DIRECT_MAX cells).

    Examples
    --------
    >>> choose_route("auto", 5_000, 20_000, 10_000), choose_route("auto", 5_000, 100_000, 10_000)
    ('direct', 'sketch')
    """
    if route == "auto":
        return "sketch" if max(n1, n2) > max(DIRECT_MAX, sketch_size) else "direct"
    return route


def sketch_sizes(n1: int, n2: int, sketch_size: int) -> tuple[int, int]:
    """Cells of the RNA and the protein sketch: ``sketch_size`` protein cells and half as many RNA cells at most.

    MaxFuse's pivots are a min-cost assignment between the two sketches; measured on this 2-core machine it takes
    13 s for 5,000 × 10,000 cells and 216 s for 10,000 × 10,000, so the RNA side is kept at half.

    Examples
    --------
    >>> sketch_sizes(20_000, 100_000, 10_000), sketch_sizes(3_000, 100_000, 10_000)
    ((5000, 10000), (3000, 10000))
    """
    return min(n1, sketch_size // 2), min(n2, sketch_size)


def sketch(arr: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Return the sorted row indices of a geometric sketch of ``n`` rows (all rows when there are not more).

    Rows are sketched on their top :data:`SKETCH_DIMS` principal components; above :data:`PRESAMPLE` rows a uniform
    presample of that many rows is sketched (geosketch's time grows with rows × dimensions: 48 s for 10⁶ rows in
    10 dimensions, 207 s in 30, here).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(0, 1, (9_900, 5)), rng.normal(8, 1, (100, 5))]  # a 1% population far away
    >>> idx = sketch(x, 500)
    >>> len(idx), int((idx >= 9_900).sum()) > 5  # uniform sampling would keep about 5 of the rare cells
    (500, True)
    """
    if arr.shape[0] <= n:
        return np.arange(arr.shape[0])
    from geosketch import gs

    rows = np.arange(arr.shape[0])
    if len(rows) > max(PRESAMPLE, n):
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), PRESAMPLE, replace=False))
    x = np.asarray(arr[rows], dtype=np.float32)
    if x.shape[1] > SKETCH_DIMS:
        x = PCA(n_components=SKETCH_DIMS, svd_solver="randomized", random_state=seed).fit_transform(x)
    state = np.random.get_state()  # noqa: NPY002 - geosketch seeds the global state; the caller's is put back
    try:
        picked = np.asarray(gs(x, int(n), replace=False, seed=seed), dtype=np.int64)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return np.sort(rows[picked])


def clusters(arr: np.ndarray, n_neighbors: int, svd_components: int | None, resolution: float, seed: int) -> np.ndarray:
    """Leiden clusters of the cells of a sketch, as MaxFuse's ``construct_graphs`` makes them, for its smoothing.

    MaxFuse shrinks each cell towards the centroid of its cluster before it looks for pivots; its clusters are Leiden
    communities of the correlation k-nearest-neighbour graph of the active array after an SVD. The same graph is
    built here with an exact search of scikit-learn (the rows centred and scaled to unit norm, so that Euclidean
    neighbours are correlation neighbours) and cut by scanpy's Leiden: MaxFuse's own route compiles pynndescent and
    UMAP with numba in each new process (about 70 s) and searches Leiden until it converges.

    Returns
    -------
    Cluster label per row (strings).
    """
    x = np.asarray(arr, dtype=np.float32)
    if svd_components and x.shape[1] > svd_components:
        x = PCA(n_components=int(svd_components), svd_solver="randomized", random_state=seed).fit_transform(x)
    return leiden(x, n_neighbors, (resolution,), seed)[:, 0].astype(str)


def leiden(x: np.ndarray, n_neighbors: int, resolutions: tuple[float, ...], seed: int) -> np.ndarray:
    """Leiden clusters of the rows at each resolution: one correlation k-nearest-neighbour graph, cut several times.

    The graph is an exact scikit-learn search on rows centred and scaled to unit norm (Euclidean neighbours are then
    correlation neighbours), symmetrized; scanpy's Leiden (igraph) cuts it.

    Returns
    -------
    int64 array, rows × ``len(resolutions)``.
    """
    import anndata as ad
    import pandas as pd
    import scanpy as sc
    from sklearn.neighbors import kneighbors_graph

    from ._joint import unit_rows

    k = max(1, min(int(n_neighbors), x.shape[0] - 1))
    graph = kneighbors_graph(unit_rows(x), k, mode="connectivity", include_self=False)
    graph = ((graph + graph.T) > 0).astype(np.float32)
    holder = ad.AnnData(np.zeros((x.shape[0], 1), dtype=np.float32))
    out = np.empty((x.shape[0], len(resolutions)), dtype=np.int64)
    for j, resolution in enumerate(resolutions):
        sc.tl.leiden(
            holder,
            adjacency=graph,
            resolution=resolution,
            flavor="igraph",
            n_iterations=2,
            random_state=seed,
            directed=False,
            key_added="c",
        )
        out[:, j] = pd.factorize(holder.obs["c"])[0]
    return out


def sketch_params(params: dict, n1: int, n2: int) -> dict:
    """MaxFuse's parameters for the two sketches: one batch each, no metacells (the sketch is already a summary)."""
    split = {**params["split_into_batches"], "max_outward_size": n1, "matching_ratio": max(1, -(-n2 // n1))}
    split["metacell_size"] = 1
    return {**params, "split_into_batches": split}
