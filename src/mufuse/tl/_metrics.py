"""Metrics of a matching on arrays: marker agreement, a permutation test, FOSCTTM, canonical correlations, clusters.

Pure functions of arrays (rows are matched pairs, or the same cells), used by :func:`mufuse.tl.evaluate_matching`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.utils.extmath import randomized_svd

FIT_MAX = 50_000  # cells the clustering and the canonical correlations are fitted on, at most


def _zcols(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    sd = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def marker_agreement(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``x`` with the same column of ``y`` (rows are matched pairs).

    Parameters
    ----------
    x, y
        Pairs × features arrays (RNA and protein shared values of the matched cells).

    Returns
    -------
    One correlation per feature (0 where a column has no variance).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]])
    >>> marker_agreement(x, x).round(3).tolist()
    [1.0, 1.0]
    """
    return (_zcols(x) * _zcols(y)).mean(axis=0)


def permutation_test(x: np.ndarray, y: np.ndarray, *, n_perms: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Permutation p-value of the mean marker correlation of matched pairs against pairings with shuffled partners.

    The statistic is the mean over shared features of the per-feature correlation across pairs. The null draws
    ``n_perms`` random permutations of the protein partners; the p-value is ``(1 + #{null >= observed}) /
    (1 + n_perms)``. Computed in blocks of permutations with one matrix product each (10,000 pairs × 1,000
    permutations take well under a second).

    Parameters
    ----------
    x, y
        Pairs × features arrays.
    n_perms
        Number of permutations.
    seed
        Random seed.

    Returns
    -------
    ``(statistic, p_value)``.

    References
    ----------
    - Phipson B., Smyth G. K. (2010) Permutation P-values should never be zero. *Stat. Appl. Genet. Mol. Biol.* 9:39.
      doi:10.2202/1544-6115.1585 (the p-value ``(1 + b) / (1 + m)``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 6))
    >>> stat, p = permutation_test(x, x + rng.normal(size=x.shape), n_perms=200)
    >>> p < 0.01
    True
    """
    zx, zy = _zcols(x), _zcols(y)
    n, f = zx.shape
    observed = float((zx * zy).sum() / (n * f))
    rng = np.random.default_rng(seed)
    hits = 0
    block = max(1, min(n_perms, 2_000_000 // max(n * f, 1)))
    done = 0
    while done < n_perms:
        b = min(block, n_perms - done)
        perms = np.stack([rng.permutation(n) for _ in range(b)])  # b × n
        # sum_i <zx_i, zy_perm(i)> for every permutation at once
        null = np.einsum("if,bif->b", zx, zy[perms]) / (n * f)
        hits += int((null >= observed).sum())
        done += b
    return observed, (1 + hits) / (1 + n_perms)


def clusters(arr: np.ndarray, seed: int) -> np.ndarray:
    """K-means clusters (4-30, about one per 50 cells squared) of an array on its top 20 principal components.

    Above 50,000 cells PCA and k-means are fitted on 50,000 of them and every cell is assigned (linear in cells).
    """
    n = arr.shape[0]
    k = int(np.clip(round(np.sqrt(n / 50)), 4, 30))
    comps = min(20, arr.shape[1], n - 1)
    fit = np.sort(np.random.default_rng(seed).choice(n, FIT_MAX, replace=False)) if n > FIT_MAX else slice(None)
    if arr.shape[1] > comps:
        pca = PCA(n_components=comps, random_state=seed).fit(arr[fit])
        emb = np.concatenate([pca.transform(arr[s : s + FIT_MAX]) for s in range(0, n, FIT_MAX)])
    else:
        emb = np.asarray(arr)
    km = KMeans(n_clusters=min(k, n), n_init=4, random_state=seed).fit(emb[fit])
    return km.labels_ if n <= FIT_MAX else km.predict(emb)


def purity(c1: np.ndarray, c2: np.ndarray) -> float:
    """Share of pairs whose second cluster is the most common one among the pairs of their first cluster."""
    table = pd.crosstab(c1, c2)
    return float(table.max(axis=1).sum() / table.to_numpy().sum())


def foscttm(x: np.ndarray, y: np.ndarray, *, chunk: int = 2048) -> float:
    """Fraction of samples closer than the true match (FOSCTTM), for paired rows of two arrays.

    Row ``i`` of ``x`` and row ``i`` of ``y`` are the same cell; for each cell, the share of cells of the other
    modality that are closer (correlation distance) than its true partner, averaged over both directions. 0 is
    perfect, about 0.5 is random.

    Parameters
    ----------
    x, y
        Cells × features arrays with the same rows (same cells, same order).
    chunk
        Rows per block (memory: chunk × cells floats).

    Returns
    -------
    FOSCTTM.

    References
    ----------
    - Liu J. et al. (2019) Jointly embedding multiple single-cell omics measurements. WABI 2019, LIPIcs 143:10.
      doi:10.4230/LIPIcs.WABI.2019.10 (FOSCTTM).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(200, 5))
    >>> round(foscttm(x, x), 3)
    0.0
    """
    zx = _zcols(x.T).T / np.sqrt(x.shape[1])  # rows z-scored: dot product = correlation
    zy = _zcols(y.T).T / np.sqrt(y.shape[1])
    n = zx.shape[0]
    total = 0.0
    for a, b in ((zx, zy), (zy, zx)):
        for s in range(0, n, chunk):
            sim = a[s : s + chunk] @ b.T
            true = sim[np.arange(sim.shape[0]), np.arange(s, s + sim.shape[0])]
            total += float((sim > true[:, None]).sum())
    return total / (2 * n * (n - 1))


def top_canonical_correlation(x: np.ndarray, y: np.ndarray, k: int = 20) -> float:
    """Largest canonical correlation between the active arrays of matched pairs (on their top PCs)."""
    n = x.shape[0]
    k = max(1, min(k, x.shape[1], y.shape[1], n - 2))

    def white(a: np.ndarray) -> np.ndarray:  # orthonormal basis of the top-k PCs (randomized: only k are needed)
        # one centred float32 copy: float64 copies of 50,000 pairs x 2,000 genes took 2 GB (the peak of a 10^6-cell run)
        a = np.asarray(a, dtype=np.float32)
        u, _, _ = randomized_svd(a - a.mean(axis=0), n_components=k, random_state=0)
        return u.astype(np.float64)

    return float(np.linalg.svd(white(x).T @ white(y), compute_uv=False)[0])
