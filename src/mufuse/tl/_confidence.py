"""A label-free confidence for each matched pair: whether the two cells' neighbourhoods in the joint space agree.

A pair (RNA cell r, protein cell p) is likely right when the cells around p in the joint space come from the same
RNA population as r, and the cells around r come from the same protein population as p. Each modality is clustered
on its own active features (Leiden on a correlation k-nearest-neighbour graph of its principal components, at a
coarse, a middle and a fine resolution, since the populations that matter may be either), independently of the
matching; then for each pair and resolution

- ``share_rna``: of p's ``k`` nearest RNA cells in the joint space, the share in r's RNA cluster;
- ``share_prot``: of r's ``k`` nearest protein cells in the joint space, the share in p's protein cluster;

and the confidence is the mean of the two shares over the resolutions, from 0 (both neighbourhoods point elsewhere)
to 1. It needs no labels: it is the agreement of a k-nearest-neighbour vote with the pair, the quantity a kNN label
transfer reports as its certainty, asked of both modalities' own clusters.

Measured (``benchmarks/paths.py``, disjoint halves of three real datasets): it ranks right pairs above wrong ones
more often than MaxFuse's pair score does (see ``benchmarks/README.md``).

Large data: each modality is clustered on a uniform sample of at most :data:`CLUSTER_SAMPLE` cells and every other
cell takes the cluster whose sampled cells' mean it correlates with best; the neighbours are searched among at most
:data:`NEIGHBOUR_SAMPLE` cells of each modality (fewer, down to :data:`MIN_POOL`, when more than 200,000 cells are
queried: a million protein cells vote among 2,000 RNA cells), block by block on the active dask scheduler: time and
memory grow linearly with the cells.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from sklearn.decomposition import PCA

from ._joint import blocks, nearest_rows
from ._sketch import leiden

log = logging.getLogger("mufuse")

K = 30  # joint-space neighbours whose clusters vote
RESOLUTIONS = (0.5, 1.0, 2.0)  # Leiden resolutions of each modality's clusters: coarse to fine (benchmarks/README.md)
N_NEIGHBORS = 15  # neighbours of the graph the clusters are cut from
N_PCS = 30  # principal components the graph is built on
CLUSTER_SAMPLE = 20_000  # cells clustered by Leiden at most; the others take their nearest sampled cell's cluster
NEIGHBOUR_SAMPLE = 10_000  # cells of a modality the joint-space neighbours are searched among at most
SIMILARITY_BUDGET = 2e9  # query x pool similarities at most: a million queried cells search 2,000 cells, not 10,000
MIN_POOL = 2_000  # the pool never shrinks below this


def _pcs(arr: np.ndarray, seed: int) -> np.ndarray:
    x = np.asarray(arr, dtype=np.float32)
    n = min(N_PCS, x.shape[1] - 1, x.shape[0] - 1)
    if n >= 2 and x.shape[1] > n:
        x = PCA(n_components=n, svd_solver="randomized", random_state=seed).fit_transform(x).astype(np.float32)
    return x


def own_clusters(active: np.ndarray, seed: int = 0) -> np.ndarray:
    """Leiden clusters of a modality on its own active features, at each of :data:`RESOLUTIONS`.

    Returns
    -------
    int64 array, cells × ``len(RESOLUTIONS)``: a cluster number per cell and resolution.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.r_[rng.normal(0, 1, (200, 8)), rng.normal(6, 1, (200, 8))]
    >>> labels = own_clusters(x)
    >>> labels.shape, bool((labels[:200, None, 0] != labels[None, 200:, 0]).all())  # the groups never share one
    ((400, 3), True)
    """
    x = _pcs(active, seed)
    n = x.shape[0]
    sample = np.arange(n)
    if n > CLUSTER_SAMPLE:
        sample = np.sort(np.random.default_rng(seed).choice(n, CLUSTER_SAMPLE, replace=False))
    labels = leiden(x[sample], N_NEIGHBORS, RESOLUTIONS, seed)
    if n <= CLUSTER_SAMPLE:
        return labels
    out = np.empty((n, labels.shape[1]), dtype=np.int64)
    for j in range(labels.shape[1]):  # every other cell: the cluster whose sampled cells' mean correlates best
        centroids = np.stack([x[sample][labels[:, j] == c].mean(axis=0) for c in range(labels[:, j].max() + 1)])
        out[:, j] = nearest_rows(x, centroids, 1)[0][:, 0]
    out[sample] = labels
    return out


def pair_confidence(
    emb1: np.ndarray,
    emb2: np.ndarray,
    active1: np.ndarray,
    active2: np.ndarray,
    pos1: np.ndarray,
    pos2: np.ndarray,
    *,
    seed: int = 0,
) -> np.ndarray:
    """Confidence in [0, 1] of each pair ``(pos1[i], pos2[i])`` (row positions of modality 1 and 2).

    Parameters
    ----------
    emb1, emb2
        Joint embeddings of all cells of each modality (cells × components, the same columns).
    active1, active2
        Each modality's own active features (cells × features), for its clusters.
    pos1, pos2
        Row positions of the paired cells, one entry per pair.
    seed
        Seed of the PCA, the samples and the Leiden clustering.

    Returns
    -------
    float64 array, one value per pair: the mean of the two neighbourhood shares (module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> types = np.repeat([0, 1, 2], 100)
    >>> centres = rng.normal(0, 3, (3, 6))
    >>> e1, e2 = centres[types] + rng.normal(0, 1, (300, 6)), centres[types] + rng.normal(0, 1, (300, 6))
    >>> right, wrong = np.arange(300), (np.arange(300) + 100) % 300  # wrong: each cell paired with another type
    >>> c_right = pair_confidence(e1, e2, e1, e2, right, right)
    >>> c_wrong = pair_confidence(e1, e2, e1, e2, wrong, right)
    >>> bool(c_wrong.mean() < 0.05 < c_right.mean())
    True
    """
    t0 = time.perf_counter()
    pos1, pos2 = np.asarray(pos1, dtype=np.int64), np.asarray(pos2, dtype=np.int64)
    if not len(pos1):
        return np.empty(0)
    cl1, cl2 = own_clusters(active1, seed).astype(np.int32), own_clusters(active2, seed).astype(np.int32)
    rng = np.random.default_rng(seed)
    out = np.zeros(len(pos1))
    # share_rna: neighbours of each paired protein cell among (a sample of) the RNA cells, in r's RNA cluster
    for emb_q, emb_t, cl_t, q_pos, t_pos in ((emb2, emb1, cl1, pos2, pos1), (emb1, emb2, cl2, pos1, pos2)):
        cells, inverse = np.unique(q_pos, return_inverse=True)  # each queried cell once
        pool = np.arange(emb_t.shape[0])
        size = min(NEIGHBOUR_SAMPLE, max(MIN_POOL, int(SIMILARITY_BUDGET // max(len(cells), 1))))
        if len(pool) > size:
            pool = np.sort(rng.choice(len(pool), size, replace=False))
        nbrs, _ = nearest_rows(emb_q[cells], emb_t[pool], K)
        for j in range(cl_t.shape[1]):
            votes = cl_t[pool, j][nbrs]  # queried cells × K clusters
            for sl in blocks(len(pos1)):
                out[sl] += (votes[inverse[sl]] == cl_t[t_pos[sl], j][:, None]).mean(axis=1)
    log.info("    pair confidence of %d pairs (%.1fs)", len(pos1), time.perf_counter() - t0)
    return out / (2.0 * len(RESOLUTIONS))
