"""The sketched route of :func:`mufuse.tl.run_maxfuse`: MaxFuse fitted on a sketch, the rest matched in its space.

MaxFuse matches every batch of one modality against every batch of the other, so its time grows with the product of
the cell numbers. A geometric sketch (Hie et al. 2019, *Cell Systems* 8:483, doi:10.1016/j.cels.2019.05.003; the
``geosketch`` package) samples cells evenly over the space they cover, so rare populations keep their place in the
sample. MaxFuse is fitted on the two sketches; then every cell is embedded with the fitted projection and each cell
that must be matched gets the cell of the other modality whose embedding correlates best with its own, block by
block on the active dask scheduler. Time and memory grow linearly with the cells.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

SKETCH_SIZE = 10_000  # cells per modality MaxFuse is fitted on in the sketched route
DIRECT_MAX = 20_000  # route="auto": direct when neither modality has more cells (with signal) than this
ROUTES = ("auto", "direct", "sketch")


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


def sketch(arr: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Return the sorted row indices of a geometric sketch of ``n`` rows (all rows when there are not more).

    Rows are sketched on their top 30 principal components when they have more columns (the RNA's 2,000 genes).

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

    x = np.asarray(arr, dtype=np.float32)
    if x.shape[1] > 30:
        x = PCA(n_components=30, svd_solver="randomized", random_state=seed).fit_transform(x)
    return np.sort(np.asarray(gs(x, int(n), replace=False, seed=seed), dtype=np.int64))
