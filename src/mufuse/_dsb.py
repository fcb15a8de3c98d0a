"""dsb: antibody counts denoised and scaled by background (Mulè, Martins & Tsang 2022), with or without empty droplets.

Step I scales each marker by its background: the log counts (pseudocount 10) minus the background's mean, divided by
its standard deviation. The background is the empty droplets' counts of that marker when they are given (dsb's
original form, as ``muon.prot.pp.dsb``), otherwise the marker's negative population in the cells themselves: the
lower component of a two-component Gaussian mixture fitted across the cells (dsb's ``ModelNegativeADTnorm``, for data
without empty droplets). Step II removes each cell's technical component: the mean of the cell's own background (the
lower component of a two-component Gaussian mixture across that cell's markers, equal or separate variances chosen by
BIC, as dsb does), combined with the isotype controls by their first principal component when the panel has them,
regressed out of every marker.

The per-cell mixtures are fitted for all cells at once (vectorized EM, block by block), so the cost is linear in
cells: muon fits two scikit-learn mixtures per cell in a Python loop.
"""

from __future__ import annotations

import numpy as np

PSEUDOCOUNT = 10.0  # dsb's default: log(x + 10)
MAX_FIT_CELLS = 20_000  # the per-marker mixtures (no empty droplets) are fitted on at most this many cells
BLOCK = 65_536  # cells per block of the per-cell mixtures
EM_ITERATIONS = 200
REG_VAR = 1e-6  # added to every variance, as scikit-learn's reg_covar


def dsb(
    x: np.ndarray,
    *,
    background: np.ndarray | None = None,
    stats: tuple[np.ndarray, np.ndarray] | None = None,
    isotypes: np.ndarray | None = None,
    pseudocount: float = PSEUDOCOUNT,
    denoise: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, dict]:
    """Return dsb-normalized values of ``x`` and what was estimated.

    Parameters
    ----------
    x
        Antibody counts, cells × markers, dense, non-negative.
    background
        Counts of the same markers in empty droplets (droplets × markers), or ``None``: the background is then the
        negative population of each marker in ``x``.
    stats
        ``(mean, sd)`` of the background per marker (log scale), as returned in ``info`` by an earlier call: used
        instead of estimating them (e.g. to recompute the values of the same cells later).
    isotypes
        Column indices of isotype controls in ``x`` (used in step II), or ``None``/empty.
    pseudocount
        Added before the log (dsb: 10).
    denoise
        Run step II (the per-cell technical component).
    seed
        Seed of the subsample of cells the per-marker mixtures are fitted on (more than 20,000 cells).

    Returns
    -------
    ``(values, info)``: float64 array of the shape of ``x`` (in standard deviations of the background);
    ``info`` holds ``background_mean``/``background_sd`` per marker (log scale), ``background`` (``"empty droplets"``
    or ``"negative population"``) and ``technical`` (the per-cell covariate, or ``None``).

    References
    ----------
    Mulè M. P., Martins A. J. & Tsang J. S. (2022) Normalizing and denoising protein expression data from
    droplet-based single cell profiling. *Nat. Commun.* 13:2099. doi:10.1038/s41467-022-29356-8.
    """
    v = np.log(np.asarray(x, dtype=np.float64) + pseudocount)
    if stats is not None:
        mu, sd = (np.asarray(a, dtype=np.float64) for a in stats)
        source = "given"
    else:
        mu, sd, source = background_stats(v, background, pseudocount=pseudocount, seed=seed)
    v = (v - mu) / sd
    technical = None
    if denoise and v.shape[1] >= 3:
        technical = cell_background(v)
        if isotypes is not None and len(isotypes):
            technical = _first_component(np.column_stack([v[:, np.asarray(isotypes)], technical]))
        c = technical - technical.mean()
        denom = float(c @ c)
        if denom > 0:
            beta = c @ (v - v.mean(axis=0)) / denom
            v = v - np.outer(technical, beta)
    return v, {"background_mean": mu, "background_sd": sd, "background": source, "technical": technical}


def background_stats(
    v: np.ndarray, background: np.ndarray | None, *, pseudocount: float = PSEUDOCOUNT, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, str]:
    """Return each marker's background ``(mean, sd, source)`` on the log scale.

    The background is the empty droplets' counts, or else the negative population of ``v`` (the cells'
    ``log(x + pseudocount)``).
    """
    if background is not None:
        bg = np.log(np.asarray(background, dtype=np.float64) + pseudocount)
        mu, sd = bg.mean(axis=0), bg.std(axis=0, ddof=1)
        source = "empty droplets"
    else:
        mu, sd = negative_population(v, seed=seed)
        source = "negative population"
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)  # as muon's dsb with empty droplets
    if source == "negative population":
        # at least the log step of one count above zero: the negative component of a marker (or isotype) at zero in
        # nearly every cell collapses onto the zeros, and dividing by its ~0 spread would put its few positive cells
        # at thousands of SDs and let it alone make every cell's technical component
        sd = np.maximum(sd, np.log1p(1.0 / pseudocount))
    return mu, sd, source


def negative_population(v: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each marker's lower mixture component (log values, cells × markers)."""
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(seed)
    fit = v if v.shape[0] <= MAX_FIT_CELLS else v[rng.choice(v.shape[0], MAX_FIT_CELLS, replace=False)]
    mu, sd = np.empty(v.shape[1]), np.empty(v.shape[1])
    for j in range(v.shape[1]):
        col = fit[:, j : j + 1]
        if np.ptp(col) == 0:
            mu[j], sd[j] = float(col[0, 0]), 0.0
            continue
        gm = GaussianMixture(n_components=2, random_state=seed).fit(col)
        k = int(np.argmin(gm.means_.ravel()))
        mu[j], sd[j] = float(gm.means_.ravel()[k]), float(np.sqrt(gm.covariances_.ravel()[k]))
    return mu, sd


def cell_background(v: np.ndarray) -> np.ndarray:
    """Each cell's background level: the lower mean of a two-component mixture over its markers (cells × markers).

    Both an equal-variance and a separate-variance mixture are fitted; the one with the lower BIC is kept, as dsb
    does. Vectorized over cells, block by block.
    """
    out = np.empty(v.shape[0])
    for start in range(0, v.shape[0], BLOCK):
        block = v[start : start + BLOCK]
        m_tied, bic_tied = _em_rows(block, tied=True)
        m_full, bic_full = _em_rows(block, tied=False)
        out[start : start + BLOCK] = np.where(bic_tied <= bic_full, m_tied, m_full)
    return out


def _em_rows(v: np.ndarray, *, tied: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two-component 1-D Gaussian mixture fitted to every row of ``v``: (lower mean, BIC) per row.

    Each row stops when its log-likelihood changes by less than 1e-3 per value (scikit-learn's tolerance); only the
    rows still moving are updated, so most of the work stops after a few dozen iterations.
    """
    n, p = v.shape
    lo, hi = np.quantile(v, 0.25, axis=1), np.quantile(v, 0.75, axis=1)
    mean = np.stack([lo, np.where(hi > lo, hi, lo + 1.0)], axis=1)
    var = np.repeat(v.var(axis=1, keepdims=True) / 4 + REG_VAR, 2, axis=1)
    weight = np.full((n, 2), 0.5)
    loglik = np.full(n, -np.inf)
    todo = np.arange(n)
    for _ in range(EM_ITERATIONS):
        if todo.size == 0:
            break
        vt = v[todo]
        logp = _log_density(vt, mean[todo], var[todo], weight[todo])
        top = logp.max(axis=2, keepdims=True)
        total = top[..., 0] + np.log(np.exp(logp - top).sum(axis=2))
        new = total.sum(axis=1)
        resp = np.exp(logp - total[..., None])
        nk = resp.sum(axis=1) + 10 * np.finfo(float).eps
        weight[todo] = nk / p
        m = (resp * vt[..., None]).sum(axis=1) / nk
        mean[todo] = m
        sq = resp * (vt[..., None] - m[:, None, :]) ** 2
        if tied:
            var[todo] = np.repeat(sq.sum(axis=(1, 2))[:, None] / p, 2, axis=1) + REG_VAR
        else:
            var[todo] = sq.sum(axis=1) / nk + REG_VAR
        moving = np.abs(new - loglik[todo]) >= 1e-3 * p
        loglik[todo] = new
        todo = todo[moving]
    logp = _log_density(v, mean, var, weight)
    top = logp.max(axis=2, keepdims=True)
    ll = (top[..., 0] + np.log(np.exp(logp - top).sum(axis=2))).sum(axis=1)
    k = 4 if tied else 5  # two means, one or two variances, one free weight
    return mean.min(axis=1), -2 * ll + k * np.log(p)


def _log_density(v: np.ndarray, mean: np.ndarray, var: np.ndarray, weight: np.ndarray) -> np.ndarray:
    d = v[..., None] - mean[:, None, :]
    return -0.5 * (np.log(2 * np.pi * var[:, None, :]) + d**2 / var[:, None, :]) + np.log(weight[:, None, :])


def _first_component(a: np.ndarray) -> np.ndarray:
    """Scores on the first principal component, whitened (unit variance), as ``PCA(1, whiten=True)``."""
    from sklearn.decomposition import PCA

    return PCA(n_components=1, whiten=True).fit_transform(a)[:, 0]
