"""Batch alignment of protein markers by their landmarks: the negative and positive peaks of each marker.

Z-scoring within each batch assumes every batch holds the same mix of cells: when one sample has twice the T cells
of another, per-batch means and standard deviations differ for biological reasons and per-batch z-scores shift the
T-cell markers between samples. The peaks of a marker's distribution do not move with the mix (a population's
share changes a peak's height, not its place), while technical differences (antibody depth, staining) do move them.
Aligning each batch's peaks to the peaks averaged over the batches removes the technical shift and keeps the
biological difference. This is the landmark registration of ADTnorm (Zheng Y. et al. (2025) ADTnorm: robust
integration of single-cell protein measurement across CITE-seq datasets. *Nat. Commun.* 16:5852,
doi:10.1038/s41467-025-61023-6), here with a smoothed histogram and :func:`scipy.signal.find_peaks` instead of
ADTnorm's R code: piecewise-linear (affine between the two landmarks) when every batch shows both peaks, a shift of
the negative peak otherwise (or of the positive peak, for a batch whose one peak lies nearer the other batches'
positive peaks: a marker nearly every cell of that batch carries). At low counts a batch that lost its positive cells
shows the spike of cells at zero and its negative population; when its "negative peak" is that spike and its
"positive peak" lies nearer the other batches' negative peaks, the latter is read as its negative peak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter1d
from scipy.signal import find_peaks

MIN_CELLS = 50  # a batch with fewer cells of a marker keeps its values (its peaks cannot be told)
MAX_CELLS = 20_000  # peaks are found on at most this many cells of a batch (a fixed subsample)
BINS = 256
MIN_PROMINENCE = 0.05  # a peak stands at least this share of the highest density above its surroundings
MIN_HEIGHT = 0.05  # and is at least this share of the highest density
MIN_BANDWIDTH = 0.05  # smoothing of at least this share of the value range


def landmarks(values: np.ndarray, *, seed: int = 0) -> tuple[float, float | None]:
    """Return the negative peak and the positive peak (``None`` when there is one) of one marker in one batch.

    Parameters
    ----------
    values
        Transformed values (e.g. ``arcsinh(x / 5)``) of one marker in the cells of one batch, shape ``(n_cells,)``.
    seed
        Seed of the subsample drawn when there are more than 20,000 cells.

    Returns
    -------
    ``(negative, positive)`` in the units of ``values``: the lowest peak of the smoothed density, and the highest
    peak above it (its mode when the marker is unimodal: ``positive`` is then ``None``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(0.5, 0.2, 3000), rng.normal(3.0, 0.3, 1000)])
    >>> neg, pos = landmarks(x)
    >>> round(neg, 1), round(pos, 1)
    (0.5, 3.0)
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size > MAX_CELLS:
        v = np.random.default_rng(seed).choice(v, MAX_CELLS, replace=False)
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        return lo, None
    density, edges = np.histogram(v, bins=BINS, range=(lo, hi))
    centers = (edges[:-1] + edges[1:]) / 2
    iqr = float(np.subtract(*np.percentile(v, [75, 25])))
    spread = min(float(v.std()), iqr / 1.34) if iqr > 0 else float(v.std())
    # Silverman's rule, at least MIN_BANDWIDTH of the range: counts are discrete near zero (arcsinh(k / 5) steps by
    # ~0.2), and a bandwidth below that step finds a peak at every count of the negative population
    bandwidth = max(0.9 * spread * v.size ** (-0.2), MIN_BANDWIDTH * (hi - lo))
    smooth = gaussian_filter1d(density.astype(np.float64), sigma=max(bandwidth / (edges[1] - edges[0]), 1.0))
    padded = np.concatenate([[0.0], smooth, [0.0]])  # a peak at either end of the range counts
    peaks, _ = find_peaks(padded, prominence=MIN_PROMINENCE * smooth.max(), height=MIN_HEIGHT * smooth.max())
    peaks = peaks - 1
    if peaks.size == 0:
        return float(centers[int(np.argmax(smooth))]), None
    negative = int(peaks[0])
    apart = 3 * bandwidth / (edges[1] - edges[0])  # a second peak stands apart from the first, not on its shoulder
    above = peaks[peaks > negative + apart]
    if above.size == 0:
        return float(centers[negative]), None
    positive = int(above[np.argmax(smooth[above])])
    return float(centers[negative]), float(centers[positive])


def align_batches(
    x: np.ndarray, groups: np.ndarray, n_groups: int, markers: list[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """Move each batch's marker peaks onto the peaks averaged over the batches.

    Parameters
    ----------
    x
        Transformed protein values, cells × markers (float; changed in place and returned).
    groups
        Batch code of each cell, ``0 .. n_groups - 1``.
    n_groups
        Number of batches.
    markers
        Marker names, for the returned table.

    Returns
    -------
    The aligned values, and one row per marker and batch: ``negative`` and ``positive`` landmark before alignment,
    and ``mode``: ``"two peaks"`` (affine between the landmarks, when every batch shows both), ``"shift"`` (the
    negative peak moved onto the batches' mean negative peak), ``"shift (positive peak)"`` (a batch with one peak
    nearer the others' positive peak: nearly all its cells stain; that peak moved onto the mean positive peak), or
    ``"kept"`` (too few cells).
    """
    rows = []
    for j, marker in enumerate(markers):
        found: dict[int, tuple[float, float | None]] = {}
        for b in range(n_groups):
            cells = groups == b
            if cells.sum() >= MIN_CELLS:
                found[b] = landmarks(x[cells, j], seed=b)
        if len(found) < 2:
            rows += [
                {"marker": marker, "batch": b, "negative": np.nan, "positive": np.nan, "mode": "kept"}
                for b in range(n_groups)
            ]
            continue
        found = _relabel_spikes(found, {b: float(x[groups == b, j].min()) for b in found}, x[:, j])
        two = {b: lm for b, lm in found.items() if lm[1] is not None}
        ref = list(two.values()) or list(found.values())
        target_neg = float(np.mean([neg for neg, _ in ref]))
        target_pos = float(np.mean([pos for _, pos in ref])) if two else None
        for b in range(n_groups):
            if b not in found:
                rows.append({"marker": marker, "batch": b, "negative": np.nan, "positive": np.nan, "mode": "kept"})
                continue
            neg, pos = found[b]
            cells = groups == b
            if len(two) == len(found) and pos is not None and target_pos is not None and pos > neg:
                x[cells, j] = target_neg + (x[cells, j] - neg) * (target_pos - target_neg) / (pos - neg)
                mode = "two peaks"
            elif pos is None and target_pos is not None and abs(neg - target_pos) < abs(neg - target_neg):
                x[cells, j] += target_pos - neg  # its one peak is the positive population (nearly all cells stain)
                neg, pos, mode = np.nan, neg, "shift (positive peak)"
            else:
                x[cells, j] += target_neg - neg
                mode = "shift"
            rows.append({"marker": marker, "batch": b, "negative": neg, "positive": pos, "mode": mode})
    return x, pd.DataFrame(rows)


def _relabel_spikes(
    found: dict[int, tuple[float, float | None]], minima: dict[int, float], values: np.ndarray
) -> dict[int, tuple[float, float | None]]:
    """Read a batch's two peaks again when its negative peak is the spike at its minimum (cells with zero counts).

    At low counts, a batch that lost the positive population (a 4:1 mix) shows the zero spike and its negative
    population: the spike passes for the negative peak and the negative population for the positive one. When such a
    batch's positive peak lies nearer the other batches' negative peaks than their positive peaks, it is read as the
    batch's negative peak, and the batch as one without a positive population.
    """
    width = 2 * float(np.ptp(values)) / BINS if values.size else 0.0
    spiky = {b for b, (neg, pos) in found.items() if pos is not None and neg <= minima[b] + width}
    others = [lm for b, lm in found.items() if b not in spiky and lm[1] is not None]
    if not spiky or not others:
        return found
    other_neg = float(np.mean([neg for neg, _ in others]))
    other_pos = float(np.mean([pos for _, pos in others]))
    out = dict(found)
    for b in spiky:
        pos = found[b][1]
        assert pos is not None
        if abs(pos - other_neg) < abs(pos - other_pos):
            out[b] = (pos, None)
    return out


SHIFT_LIMIT = 0.5  # SD: per-batch z-scores that place one population this far apart across batches are a mix change


def composition_shift(x: np.ndarray, groups: np.ndarray, n_groups: int, markers: list[str]) -> pd.DataFrame:
    """How far z-scoring each batch separately moves a marker's populations apart across batches.

    ``batch_key`` z-scores each batch on its own mean and standard deviation, which assumes every batch holds the same
    mix of cells: an affine technical difference (depth, staining) is then removed and each population lands on the
    same z-score in every batch. When the mix differs (one sample of sorted T cells beside whole blood), the batch's
    mean and SD move with the mix and the same population lands elsewhere. The peaks of the marker's distribution
    (:func:`landmarks`) show where each population sits; their per-batch z-scores, compared across batches, measure the
    displacement the per-batch z-score would make.

    Parameters
    ----------
    x
        Transformed protein values, cells × markers.
    groups, n_groups
        Batch code of each cell (``0 .. n_groups - 1``) and the number of batches.
    markers
        Marker names.

    Returns
    -------
    One row per marker with two peaks in at least two batches: ``shift`` (SD: the largest difference across batches
    of the per-batch z-score of the negative or the positive peak), ``batch_low``/``batch_high`` (the batch codes
    where the positive peak's z-score is lowest and highest) and ``positive_share`` (the share of cells above the
    midpoint of the peaks in those two batches). Empty when no marker shows two peaks in two batches.
    """
    rows = []
    for j, marker in enumerate(markers):
        row = _marker_shift(x[:, j], groups, n_groups)
        if row is not None:
            rows.append({"marker": marker, **row})
    return pd.DataFrame(rows, columns=["marker", "shift", "batch_low", "batch_high", "positive_share_low",
                                       "positive_share_high", "share_z"])  # fmt: skip


def _marker_shift(v: np.ndarray, groups: np.ndarray, n_groups: int) -> dict | None:
    """Per-batch z-scores of one marker's peaks, compared across batches (see :func:`composition_shift`).

    A batch with one peak (all its cells negative, or all positive: sorted cells) has it read as the negative or the
    positive population by which of the two-peak batches' peaks it lies nearer.
    """
    found = {}
    for b in range(n_groups):
        vb = v[groups == b]
        if vb.size >= MIN_CELLS and np.isfinite(vb).all() and vb.std() > 0:
            found[b] = (*landmarks(vb, seed=b), float(vb.mean()), float(vb.std()))
    two = [f for f in found.values() if f[1] is not None]
    if not two or len(found) < 2:
        return None
    ref_neg, ref_pos = float(np.mean([f[0] for f in two])), float(np.mean([f[1] for f in two]))
    zn, zp, share = {}, {}, {}
    for b, (first, second, mu, sd) in found.items():
        lower: float | None = first
        upper: float | None = second
        if second is None and abs(first - ref_pos) < abs(first - ref_neg):
            lower, upper, offset = None, first, first - ref_pos  # one peak: the positive population
        else:
            offset = first - ref_neg
        if lower is not None:
            zn[b] = (lower - mu) / sd
        if upper is not None:
            zp[b] = (upper - mu) / sd
        mid = (lower + upper) / 2 if lower is not None and upper is not None else (ref_neg + ref_pos) / 2 + offset
        share[b] = float(np.mean(v[groups == b] > mid))
    spans = [max(z.values()) - min(z.values()) for z in (zn, zp) if len(z) >= 2]
    if not spans:
        return None
    z = zp if len(zp) >= 2 else zn
    low, high = min(z, key=z.__getitem__), max(z, key=z.__getitem__)
    n_low, n_high = int((groups == low).sum()), int((groups == high).sum())
    pooled = (share[low] * n_low + share[high] * n_high) / (n_low + n_high)
    se = np.sqrt(max(pooled * (1 - pooled), 1e-9) * (1 / n_low + 1 / n_high))
    return {"shift": max(spans), "batch_low": low, "batch_high": high, "positive_share_low": share[low],
            "positive_share_high": share[high], "share_z": abs(share[high] - share[low]) / se}  # fmt: skip


def detection_shift(x: np.ndarray, groups: np.ndarray, n_groups: int, genes: list[str]) -> pd.DataFrame:
    """How far per-batch z-scores move a gene's populations apart across RNA batches, and how much depth explains.

    Per-batch z-scores map a log-normalized value ``v`` of batch ``b`` to ``(v - mean_b) / sd_b``. When the batches
    hold the same mix of cells, the share of cells that detect a gene changes only with depth, which under Poisson
    sampling moves every gene by one constant on the complementary log-log scale (``log(-log(1 - p)) = log(rate) +
    log(depth)``). A gene whose detection differs beyond that constant marks a change of mix (T cells sorted in one
    sample), and the z-scores of its non-expressing cells (``v = 0``) and of its typical expressing cell (``v`` = the
    median of the non-zero values over all batches) then differ between batches: the same population sits at
    different z-scores.

    Parameters
    ----------
    x
        Log-normalized RNA values of the shared genes, cells × genes (before any z-score; 0 for no count).
    groups, n_groups
        Batch code of each cell (``0 .. n_groups - 1``) and the number of batches.
    genes
        Column names.

    Returns
    -------
    One row per gene and pair of batches (of :data:`MIN_CELLS` cells or more) where both batches have expressing
    and non-expressing cells: ``gene``, ``batch_a``/``batch_b`` (codes), ``detected_a``/``detected_b`` (shares of
    cells detecting it), ``shift`` (SD: the larger displacement of the two populations between the batches),
    ``excess`` (the detection difference on the complementary log-log scale minus its median over the genes: what
    depth does not explain) and ``excess_z`` (``excess`` over its binomial standard error).
    """
    counts = np.bincount(groups, minlength=n_groups)
    nonzero = x > 0
    typical = np.array([np.median(x[nonzero[:, j], j]) if nonzero[:, j].any() else 0.0 for j in range(x.shape[1])])
    z0 = np.full((n_groups, x.shape[1]), np.nan)
    zpos = np.full_like(z0, np.nan)
    share = np.full_like(z0, np.nan)
    for g in np.flatnonzero(counts >= MIN_CELLS):
        xb = x[groups == g]
        mean, sd = xb.mean(axis=0), xb.std(axis=0)
        det = nonzero[groups == g].mean(axis=0)
        ok = (det > 0) & (det < 1) & (sd > 0)
        z0[g, ok] = -mean[ok] / sd[ok]
        zpos[g, ok] = (typical[ok] - mean[ok]) / sd[ok]
        share[g, ok] = det[ok]
    cll = np.log(-np.log1p(-share))
    se2 = share / ((1 - share) * np.log1p(-share) ** 2 * counts[:, None].clip(1))
    rows = []
    for a in range(n_groups):
        for b in range(a + 1, n_groups):
            both = np.flatnonzero(np.isfinite(cll[a]) & np.isfinite(cll[b]))
            if both.size < 5:  # too few genes to tell depth from the mix
                continue
            diff = cll[a, both] - cll[b, both]
            excess = diff - np.median(diff)
            shift = np.maximum(np.abs(z0[a, both] - z0[b, both]), np.abs(zpos[a, both] - zpos[b, both]))
            zstat = np.abs(excess) / np.sqrt(se2[a, both] + se2[b, both])
            for k, j in enumerate(both):
                rows.append((genes[j], a, b, share[a, j], share[b, j], shift[k], excess[k], zstat[k]))
    return pd.DataFrame(rows, columns=["gene", "batch_a", "batch_b", "detected_a", "detected_b", "shift", "excess",
                                       "excess_z"])  # fmt: skip
