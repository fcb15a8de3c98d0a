"""Anchors as a mufuse matcher: Seurat v3's anchors between the modalities, then a CCA on the active features.

The method of Stuart et al. (2019) for integrating modalities through the features they share, as mufuse runs it on
the arrays :func:`mufuse.pp.harmonize` stores (``method="anchors"`` of :func:`mufuse.tl.match`):

1. **Shared features, smoothed.** Each cell's shared features are averaged over its ``k_smooth`` nearest cells of its
   own modality (Pearson on the principal components of its active features), then z-scored per feature: a protein
   and its gene agree better between small neighbourhoods than between single cells.
2. **Canonical correlation on the shared features** (Seurat v3's CCA): the leading singular vectors of
   ``X_rna · X_protᵀ``, computed exactly through a QR decomposition of each side (its rank is at most the number of
   shared features), ``n_components`` of them, each cell's vector scaled to unit length.
3. **Anchors:** pairs of cells that are among each other's ``k_anchor`` nearest neighbours across the modalities in
   that space (mutual nearest neighbours), kept when the RNA cell is among the protein cell's ``k_filter`` nearest RNA
   cells on the smoothed shared features themselves, and **scored** by how much their neighbourhoods agree: the share
   of a cell's ``k_score`` nearest cells of its own modality (on its active features) that are among its partner's
   ``k_score`` nearest cells of that modality across the CCA space, both ways, rescaled between its 1% and 90%
   quantiles (Seurat v3's anchor score). Anchors scored 0 are dropped.
4. **A weighted CCA on the active features** of the anchor pairs (principal components of each modality, anchors
   weighted by their score, ridge ``ridge`` × the mean eigenvalue added to each covariance; ``active_components``
   components): the directions along which all the features of both modalities, not only the shared ones, agree
   across the anchors.
5. **The joint space** is the two unit-length parts side by side (shared CCA, active CCA), each cell scaled to unit
   length; each cell that must be matched gets the cell of the other modality with the largest cosine there
   (``stage="nearest"``), scored by that cosine.

mufuse's own choices beyond the publication: the smoothing (step 1), the active-feature CCA on scored anchors (step 4,
in place of Seurat's anchor-weighted correction of expression), and the settings, chosen by measurement
(``benchmarks/README.md``, "Second matcher").

Sizes: on the sketched route the model (steps 1-4) is fitted on a geometric sketch of each modality and every cell is
smoothed over its nearest sketched cells, embedded and matched, block by block on the active dask scheduler: time and
memory grow linearly with the cells. It needs numpy, SciPy and scikit-learn only (the core install).

References
----------
- Stuart T., Butler A. et al. (2019) Comprehensive integration of single-cell data. *Cell* 177:1888-1902.
  doi:10.1016/j.cell.2019.05.031 (CCA on shared features, mutual-nearest-neighbour anchors, anchor filtering and
  scoring).
- Hie B., Cho H. et al. (2019) Geometric sketching compactly summarizes the single-cell transcriptomic landscape.
  *Cell Systems* 8:483. doi:10.1016/j.cels.2019.05.003 (the sketch).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from .. import _progress
from .._errors import MufuseError
from ._joint import best_partners, blocks, nearest_rows, unit_rows
from ._match import wanted
from ._registry import Fitted, Matcher, Problem, register_matcher
from ._sketch import sketch

log = logging.getLogger("mufuse")

# the settings and their defaults (benchmarks/README.md, "Second matcher": chosen leaving one dataset out)
DEFAULTS = {
    "n_components": 30,  # CCA components on the shared features (at most shared features - 1): Seurat v3's dims=1:30
    "k_smooth": 10,  # own-modality neighbours each cell's shared features are averaged over
    "k_anchor": 5,  # cross-modality neighbours an anchor pair must share (mutual nearest neighbours)
    "k_filter": 200,  # an anchor's RNA cell must be among its protein cell's this many nearest on the shared features
    "k_score": 30,  # neighbours whose overlap scores an anchor
    "n_pcs": 40,  # principal components of each active array
    "active_components": 5,  # components of the CCA on the active features of the anchors
    "ridge": 0.1,  # ridge of that CCA, as a fraction of each covariance's mean eigenvalue
}
# the largest value of each integer option: beyond them the neighbour lists grow as cells x k x k (k_anchor=3,000 on
# 3,400 cells asked for 148 GiB) and the published values are far below (Seurat v3: 5, 200, 30 and 30 dimensions)
INTEGER_OPTIONS = {
    "n_components": 100,
    "k_smooth": 100,
    "k_anchor": 50,
    "k_filter": 5000,
    "k_score": 100,
    "n_pcs": 200,
    "active_components": 100,
}
MIN_ANCHORS = 10  # fewer scored anchors than this: no CCA on the active features can be fitted
STAGE = "nearest"


class Anchors(Matcher):
    """Seurat v3 anchors (Stuart et al. 2019) as a mufuse matcher: ``mufuse.tl.match(mdata, method="anchors")``.

    Options (all optional; :data:`DEFAULTS`): ``n_components``, ``k_smooth``, ``k_anchor``, ``k_filter``,
    ``k_score``, ``n_pcs``, ``active_components`` (integers from 1 to their bound in :data:`INTEGER_OPTIONS`) and
    ``ridge`` (a number ≥ 0). The module docstring says what each does.
    """

    name = "anchors"
    summary = "Seurat v3 anchors: CCA on shared features, scored mutual nearest neighbours, CCA on all (Stuart 2019)"
    licence = "BSD-3-Clause (mufuse, on numpy, SciPy and scikit-learn: BSD-3-Clause)"
    install = ""
    stages = (STAGE,)

    def check(self, options: dict) -> None:
        """Refuse unknown options and values of the wrong type or range, before any work."""
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise MufuseError(
                f"method 'anchors' has no option {', '.join(map(repr, unknown))}; its options are {', '.join(DEFAULTS)}"
            )
        for key, value in options.items():
            if key in INTEGER_OPTIONS:
                top = INTEGER_OPTIONS[key]
                if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= top:
                    raise MufuseError(
                        f"anchors option {key} must be an integer from 1 to {top}, got {value!r} (default "
                        f"{DEFAULTS[key]})"
                    )
            elif isinstance(value, bool) or not isinstance(value, int | float | np.number) or not 0 <= value < np.inf:
                raise MufuseError(f"anchors option {key} must be a number of 0 or more, got {value!r}")

    def fit(self, problem: Problem) -> Fitted:
        """Fit the anchors and the joint space on the problem's route; match each cell ``order`` asks for."""
        t0 = time.perf_counter()
        opts = {**DEFAULTS, **problem.options}
        rna, prot = problem.modalities
        pos = {i: problem.obs_names[i - 1].get_indexer(problem.names[i]) for i in (1, 2)}  # cells with signal
        refs = _references(problem, pos)
        n1, n2 = len(refs[1]), len(refs[2])
        _progress.note("running anchors (%s route) on %d '%s' × %d '%s' cells", problem.route, n1, rna, n2, prot)
        model = fit_model(problem.every, problem.every_shared, refs, opts, problem.seed)
        embedding = (model["embedding1"], model["embedding2"])
        pairs = _pairs(embedding, pos, problem.names, problem.modalities, problem.order)
        params = {
            "options": {k: float(v) if k == "ridge" else int(v) for k, v in opts.items()},
            "fit": {
                "anchors": model["anchors"],
                "shared_components": model["shared_components"],
                "active_components": model["active_components"],
            },
            "route": {"route": problem.route, "fitted_rna_cells": n1, "fitted_prot_cells": n2},
        }
        log.info("    anchors: %d scored anchors (%.1fs)", model["anchors"], time.perf_counter() - t0)
        return Fitted(pairs=pairs, embedding=embedding, params=params)


def _references(problem: Problem, pos: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Rows of ``problem.every`` the model is fitted on: every cell with signal, or a sketch of them."""
    if problem.route != "sketch":
        return pos
    out = {}
    for i in (1, 2):
        active = problem.every[i - 1][pos[i]]
        out[i] = pos[i][sketch(active, min(len(pos[i]), problem.sketch_size), problem.seed)]
    return out


def fit_model(
    active: tuple[np.ndarray, np.ndarray],
    shared: tuple[np.ndarray, np.ndarray],
    refs: dict[int, np.ndarray],
    opts: dict,
    seed: int,
) -> dict:
    """Fit the anchor model on the rows ``refs`` of each modality and embed every row (module docstring, steps 1-5).

    Parameters
    ----------
    active, shared
        Active and shared arrays of every cell of RNA and protein (cells × features; shared: the same columns).
    refs
        ``{1: rows of RNA, 2: rows of protein}`` to fit on (every cell with signal, or a sketch).
    opts
        The settings (:data:`DEFAULTS`).
    seed
        Seed of the principal components.

    Returns
    -------
    Dict with ``embedding1`` and ``embedding2`` (float32, cells × components, rows of unit length), the number of
    ``anchors`` and the numbers of ``shared_components`` and ``active_components``.
    """
    pcs = [_pcs(active[i], refs[i + 1], opts["n_pcs"], seed) for i in (0, 1)]
    smooth = [_smoothed(shared[i], pcs[i], refs[i + 1], opts["k_smooth"]) for i in (0, 1)]
    proj = _shared_cca([s[refs[i + 1]] for i, s in enumerate(smooth)], opts["n_components"])
    cca = [unit_rows(smooth[i] @ proj[i], centre=False) for i in (0, 1)]
    ref_cca = [cca[i][refs[i + 1]] for i in (0, 1)]
    ref_pcs = [pcs[i][refs[i + 1]] for i in (0, 1)]
    pairs = mutual_neighbours(ref_cca[0], ref_cca[1], opts["k_anchor"])
    pairs = _filter(pairs, smooth[0][refs[1]], smooth[1][refs[2]], opts["k_filter"])
    weight = score_anchors(pairs, ref_cca, ref_pcs, opts["k_score"])
    pairs, weight = pairs[weight > 0], weight[weight > 0]
    if len(pairs) < MIN_ANCHORS:
        raise MufuseError(
            f"only {len(pairs)} anchors between the modalities (at least {MIN_ANCHORS} are needed): the shared "
            "features hardly agree; check the links (mufuse.pp.link_features) and the scales (mufuse.tl.check_scales),"
            " or raise k_anchor (method='anchors', k_anchor=10)"
        )
    w1, w2, m1, m2 = weighted_cca(ref_pcs[0][pairs[:, 0]], ref_pcs[1][pairs[:, 1]], weight, opts)
    joint = []
    for c, p, w, m in ((cca[0], pcs[0], w1, m1), (cca[1], pcs[1], w2, m2)):
        joint.append(unit_rows(np.hstack([c, unit_rows((p - m) @ w, centre=False)]), centre=False))
    return {
        "embedding1": joint[0],
        "embedding2": joint[1],
        "anchors": len(pairs),
        "shared_components": int(proj[0].shape[1]),
        "active_components": int(w1.shape[1]),
    }


def _pcs(arr: np.ndarray, ref: np.ndarray, n_pcs: int, seed: int) -> np.ndarray:
    """Principal components of every row, fitted on the rows ``ref``; the array itself when it is narrow already."""
    x = np.asarray(arr, dtype=np.float32)
    n = min(int(n_pcs), x.shape[1] - 1, len(ref) - 1)
    if x.shape[1] <= n_pcs or n < 2:
        return x - x[ref].mean(axis=0)
    pca = PCA(n_components=n, svd_solver="randomized", random_state=seed).fit(x[ref])
    out = np.empty((x.shape[0], n), dtype=np.float32)
    for sl in blocks(x.shape[0]):
        out[sl] = pca.transform(x[sl])
    return out


def _smoothed(shared: np.ndarray, pcs: np.ndarray, ref: np.ndarray, k: int) -> np.ndarray:
    """Each cell's shared features averaged over itself and its nearest fitted cells, z-scored over those cells.

    A fitted cell is its own nearest neighbour; any other cell takes its own values and those of its ``k - 1``
    nearest fitted cells, so that every cell is averaged over ``k`` cells.
    """
    x = np.asarray(shared, dtype=np.float32)
    k = max(1, min(int(k), len(ref)))
    idx, _ = nearest_rows(pcs, pcs[ref], k, desc="smoothing the shared features")
    fitted = x[ref]
    out = np.zeros_like(x)
    for j in range(k - 1):  # one neighbour at a time: never a cells × k × features array
        out += fitted[idx[:, j]]
    last = fitted[idx[:, k - 1]]
    outside = np.ones(x.shape[0], dtype=bool)
    outside[ref] = False
    last[outside] = x[outside]  # cells outside the fit: themselves in place of their k-th neighbour
    out = (out + last) / k
    mean, sd = out[ref].mean(axis=0), out[ref].std(axis=0)
    return ((out - mean) / np.where(sd > 0, sd, 1.0)).astype(np.float32)


def _shared_cca(x: list[np.ndarray], n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Projections of Seurat v3's CCA: the leading singular vectors of ``X1 · X2ᵀ`` are ``X1 · P1`` and ``X2 · P2``.

    With ``X1 = Q1 R1`` and ``X2 = Q2 R2`` (thin QR), ``X1 X2ᵀ = Q1 (R1 R2ᵀ) Q2ᵀ``: the SVD of the small
    ``R1 R2ᵀ = A S Bᵀ`` gives the vectors ``Q1 A = X1 R1⁺ A``, so ``P1 = R1⁺ A`` (likewise ``P2``).
    """
    x1, x2 = (np.asarray(a, dtype=np.float64) for a in x)
    r1, r2 = np.linalg.qr(x1)[1], np.linalg.qr(x2)[1]
    a, _, bt = np.linalg.svd(r1 @ r2.T)
    k = max(1, min(int(n_components), x1.shape[1] - 1 if x1.shape[1] > 1 else 1))
    return (np.linalg.pinv(r1) @ a[:, :k]).astype(np.float32), (np.linalg.pinv(r2) @ bt.T[:, :k]).astype(np.float32)


def mutual_neighbours(e1: np.ndarray, e2: np.ndarray, k: int) -> np.ndarray:
    """Pairs ``(row of e1, row of e2)`` that are among each other's ``k`` nearest rows by cosine.

    Returns
    -------
    int64 array, pairs × 2, sorted by the row of ``e2``.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    >>> mutual_neighbours(e, e[[1, 0]], 1).tolist()
    [[1, 0], [0, 1]]
    """
    k1, k2 = max(1, min(int(k), len(e1))), max(1, min(int(k), len(e2)))
    of2, _ = nearest_rows(e2, e1, k1, centre=False, desc="anchors")  # each row of e2: its nearest rows of e1
    of1, _ = nearest_rows(e1, e2, k2, centre=False, desc="anchors")
    rows2 = np.repeat(np.arange(len(e2)), k1)
    rows1 = of2.ravel()
    mutual = (of1[rows1] == rows2[:, None]).any(axis=1)
    return np.column_stack([rows1[mutual], rows2[mutual]]).astype(np.int64)


def _filter(pairs: np.ndarray, x1: np.ndarray, x2: np.ndarray, k: int) -> np.ndarray:
    """Keep the pairs whose RNA cell is among the protein cell's ``k`` nearest RNA cells on the shared features."""
    if not len(pairs):
        return pairs
    cells, inverse = np.unique(pairs[:, 1], return_inverse=True)
    near, _ = nearest_rows(x2[cells], x1, k, desc="filtering anchors")
    keep = (near[inverse] == pairs[:, 0][:, None]).any(axis=1)
    return pairs[keep]


def score_anchors(pairs: np.ndarray, cca: list[np.ndarray], pcs: list[np.ndarray], k: int) -> np.ndarray:
    """Score of each anchor in [0, 1]: how much its two cells' neighbourhoods agree (Seurat v3's anchor score).

    For an anchor (r, p): of r's ``k`` nearest RNA cells (on RNA's active features), the share among p's ``k`` nearest
    RNA cells across the CCA space, and the same from p's side; the mean of the two shares, rescaled so that its 1%
    quantile is 0 and its 90% quantile 1 (clipped).
    """
    if not len(pairs):
        return np.empty(0)
    k = max(1, min(int(k), len(cca[0]) - 1, len(cca[1]) - 1))
    r_cells, r_inv = np.unique(pairs[:, 0], return_inverse=True)
    p_cells, p_inv = np.unique(pairs[:, 1], return_inverse=True)
    own1, _ = nearest_rows(pcs[0][r_cells], pcs[0], k, desc="scoring anchors")
    own2, _ = nearest_rows(pcs[1][p_cells], pcs[1], k, desc="scoring anchors")
    cross21, _ = nearest_rows(cca[1][p_cells], cca[0], k, centre=False, desc="scoring anchors")
    cross12, _ = nearest_rows(cca[0][r_cells], cca[1], k, centre=False, desc="scoring anchors")
    score = np.empty(len(pairs))
    for sl in blocks(len(pairs), 8192):
        a = _overlap(own1[r_inv[sl]], cross21[p_inv[sl]])
        b = _overlap(own2[p_inv[sl]], cross12[r_inv[sl]])
        score[sl] = (a + b) / (2.0 * k)
    lo, hi = np.quantile(score, 0.01), np.quantile(score, 0.9)
    return np.clip((score - lo) / max(hi - lo, 1e-12), 0.0, 1.0)


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Count the values each row of ``a`` shares with the same row of ``b`` (rows without repeats)."""
    return (a[:, :, None] == b[:, None, :]).any(axis=2).sum(axis=1)


def weighted_cca(
    y1: np.ndarray, y2: np.ndarray, weight: np.ndarray, opts: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit a ridge CCA on the paired rows of ``y1`` and ``y2``, each pair weighted; return projections and means.

    Each covariance gets ``opts["ridge"]`` × its mean eigenvalue on its diagonal; the projections whiten each side
    and take the leading singular vectors of the whitened cross-covariance (``opts["active_components"]``, at most
    the narrower side's columns and the pairs - 1).
    """
    w = np.asarray(weight, dtype=np.float64) / np.sum(weight)
    y1, y2 = np.asarray(y1, dtype=np.float64), np.asarray(y2, dtype=np.float64)
    m1, m2 = w @ y1, w @ y2
    a, b = (y1 - m1) * np.sqrt(w)[:, None], (y2 - m2) * np.sqrt(w)[:, None]
    white = []
    for c in (a.T @ a, b.T @ b):
        c = c + float(opts["ridge"]) * np.trace(c) / len(c) * np.eye(len(c))
        vals, vecs = np.linalg.eigh(c)
        white.append(vecs @ np.diag(1.0 / np.sqrt(np.maximum(vals, 1e-12))) @ vecs.T)
    u, _, vt = np.linalg.svd(white[0] @ (a.T @ b) @ white[1])
    k = max(1, min(int(opts["active_components"]), u.shape[1], vt.shape[0], len(y1) - 1))
    return (
        (white[0] @ u[:, :k]).astype(np.float32),
        (white[1] @ vt.T[:, :k]).astype(np.float32),
        m1.astype(np.float32),
        m2.astype(np.float32),
    )


def _pairs(
    embedding: tuple[np.ndarray, np.ndarray],
    pos: dict[int, np.ndarray],
    names: dict[int, np.ndarray],
    modalities: tuple[str, str],
    order,
) -> pd.DataFrame:
    """Each cell (with signal) of the side(s) ``order`` asks for, with its best cell of the other side by cosine."""
    rna, prot = modalities
    parts = []
    for name in wanted(order, rna, prot):
        i = 1 if name == rna else 2
        j = 3 - i
        idx, score = best_partners(embedding[i - 1][pos[i]], embedding[j - 1][pos[j]], centre=False)
        part = {name: names[i], modalities[j - 1]: names[j][idx], "score": score}
        parts.append(pd.DataFrame(part)[[rna, prot, "score"]])
    out = pd.concat(parts, ignore_index=True).drop_duplicates([rna, prot], ignore_index=True)
    out["stage"] = pd.Categorical([STAGE] * len(out), categories=[STAGE])
    return out


ANCHORS = register_matcher(Anchors())
