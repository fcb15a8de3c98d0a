"""Normalization building blocks: RNA library-size/log1p/z-score on needed columns only, protein transforms, HVGs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _align, _chunked, _kernels, _transforms, _validate
from .._errors import MufuseError
from .._state import LINEAR_TAIL_RATIO, tail_ratio
from .._transforms import PROT_TRANSFORMS, TARGET_SUM, dense_float, transform_protein  # noqa: F401 (re-exported)

# what "auto" does for each detected protein state; counts get the transform that matched best over the real
# datasets of benchmarks/quality.py (each cell's depth corrected), anything already transformed is only z-scored
AUTO_FOR_COUNTS = "total_log1p"
AUTO_FOR_FEW_MARKER_TOTALS = "arcsinh"
# a cell's total measures its antibody depth only when it sums many markers: with the total made by a few markers
# (CD3, CD4, CD45RA in a 17-antibody panel) it is the cell's biology, and dividing by it moves the cell
MIN_EFFECTIVE_MARKERS = 8.0
_EFFECTIVE_SAMPLE = 20_000  # cells the effective number of markers is measured on
_LINEAR_STATES = ("unit_scaled", "other")  # states whose values may be linear intensities


def choose_auto(state: str, values, *, empty_droplets: bool = False, names=None) -> tuple[str, str, np.ndarray | None]:
    """Choose the protein transform of ``prot_transform="auto"`` from the data, and say why.

    - min-max scaled ("pre-scaled") values whose counts can be recovered
      (:func:`mufuse._transforms.recover_scaled_counts`) are treated as those counts;
    - counts with ``empty_droplets`` given: ``"dsb"`` with their background;
    - counts whose cell totals sum many markers (median effective number of markers per cell, the exponential of
      the entropy of its counts' shares, at least 8): ``"total_log1p"``, each cell's antibody depth corrected;
    - counts whose cell totals are made by a few markers: ``"arcsinh"`` (cofactor 5), no per-cell correction: such a
      total is the cell's biology, not its depth (``benchmarks/quality.py``: TEA-seq, 46 antibodies, 11.3 effective
      markers: total_log1p 0.861 against arcsinh 0.839; pbmc10k, 17 antibodies, 3.9 effective markers: arcsinh
      0.893 against total_log1p 0.887). Near the cut the choice matters little: on 88 random subsets of the TEA-seq
      and bone-marrow panels (3 to 36 effective markers, 300 cells a side; ``benchmarks/auto_panels.py``) the two
      transforms differed by at most 2.2 points in every band of effective markers, no interval excluding zero, and
      the difference did not follow the number of effective markers (Spearman −0.02);
    - linear intensities, raw or min-max scaled (non-negative values, not counts, whose upper tail is
      :data:`LINEAR_TAIL_RATIO` times the lower or more, :func:`tail_ratio`): ``"arcsinh"`` with each marker's
      median as its cofactor (:func:`mufuse._transforms.median_cofactors`). Measured on three real panels made
      linear intensities (counts + U(0, 1), min-max scaled; ``benchmarks/quality.py``, 10 splits): label agreement
      against the z-score alone +3.2 points [+1.6, +4.8] (pbmc10k), +5.2 [+2.2, +8.2] (TEA-seq), +1.2 [−1.2, +3.6]
      (BMMC);
    - library-normalized values: ``"log1p"``; anything already transformed (log, arcsinh, z-scored, min-max scaled
      logs): only the z-score.

    Parameters
    ----------
    state
        Output of :func:`mufuse.tl.detect_state` for the protein values.
    values
        The protein values (cells × all markers).
    empty_droplets
        Whether empty droplets were given.

    Returns
    -------
    ``(transform, reason, recovered)``: ``recovered`` holds the recovered counts (cells × all markers) when the
    values were scaled counts, else ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[0.0, 31.0], [1.0, 0.0], [40.0, 30.0]])
    >>> transform, reason, recovered = choose_auto("unit_scaled", counts / counts.max(axis=0))
    >>> transform, recovered.tolist()
    ('arcsinh', [[0.0, 31.0], [1.0, 0.0], [40.0, 30.0]])
    >>> choose_auto("counts", np.full((5, 10), 7.0))[0]  # ten markers with equal shares
    'total_log1p'
    """
    recovered = None
    prefix = ""
    if state == "unit_scaled":
        recovered, why = _transforms.recover_scaled_counts(values, names)
        if recovered is None:
            prefix = f"min-max scaled values that are not scaled counts ({why}); "
        else:
            state, prefix = "counts", f"min-max scaled counts ({why}); "
    if state == "counts":
        if empty_droplets:
            return "dsb", prefix + "raw counts with empty droplets given: dsb with their background", recovered
        arr = dense_float(values if recovered is None else recovered)
        totals = arr.sum(axis=1)
        lo, hi = np.percentile(totals[totals > 0], [5, 95]) if (totals > 0).any() else (0.0, 0.0)
        effective = effective_markers(arr)
        if effective >= MIN_EFFECTIVE_MARKERS:
            return (
                AUTO_FOR_COUNTS,
                prefix + f"raw counts whose cell totals sum many markers (median effective number of markers "
                f"{effective:.1f} >= {MIN_EFFECTIVE_MARKERS:g}): each cell's antibody depth corrected (cell totals "
                f"{lo:.0f} to {hi:.0f}, 5th to 95th percentile)",
                recovered,
            )
        return (
            AUTO_FOR_FEW_MARKER_TOTALS,
            prefix + f"raw counts whose cell totals are made by a few markers (median effective number of markers "
            f"{effective:.1f} < {MIN_EFFECTIVE_MARKERS:g}): a total is the cell's biology, not its depth, so "
            "arcsinh(x / 5) without a per-cell correction",
            recovered,
        )
    if state == "normalized":
        return "log1p", "library-normalized values (equal per-cell sums): log1p", None
    if state in _LINEAR_STATES:
        ratio = tail_ratio(values)
        if ratio >= LINEAR_TAIL_RATIO:
            return (
                "arcsinh",
                prefix + f"linear intensities (upper tail {ratio:.0f}x the lower, median over markers, >= "
                f"{LINEAR_TAIL_RATIO:g}): arcsinh(x / each marker's median)",
                None,
            )
        if state == "unit_scaled":
            reason = f"already compressed (upper tail {ratio:.1f}x the lower, < {LINEAR_TAIL_RATIO:g}): z-score only"
            return "zscore", prefix + reason, None
    return "zscore", f"values look {state}: already transformed, z-score only", None


def effective_markers(counts: np.ndarray) -> float:
    """Return the median over cells of the effective number of markers that make up a cell's total.

    A cell's effective number of markers is ``exp`` of the entropy of its counts' shares: 1 when one marker holds all
    counts, the number of markers when all hold the same. Measured on at most 20,000 cells (evenly spaced), cells
    without counts left out.

    Examples
    --------
    >>> import numpy as np
    >>> round(effective_markers(np.array([[10.0, 10, 10, 10], [40, 0, 0, 0]] * 3)), 1)
    2.5
    """
    x = np.asarray(counts, dtype=np.float64)
    if x.shape[0] > _EFFECTIVE_SAMPLE:
        x = x[np.linspace(0, x.shape[0] - 1, _EFFECTIVE_SAMPLE).astype(np.int64)]
    totals = x.sum(axis=1)
    x = x[totals > 0] / totals[totals > 0, None]
    if x.shape[0] == 0:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(x > 0, x * np.log(x), 0.0).sum(axis=1)
    return float(np.median(np.exp(entropy)))


LIBRARY_SIZES = ("all", "shared")


def highly_variable_seurat(
    s1: np.ndarray, s2: np.ndarray, n_cells: int, n_top_genes: int, n_bins: int = 20
) -> np.ndarray:
    """Select highly variable genes from per-gene moments, as ``scanpy.pp.highly_variable_genes(flavor="seurat")``.

    The moments are those of the library-size normalized values (before log1p), which is what the seurat flavor
    computes after its ``expm1``. Genes are binned by log1p mean into ``n_bins`` bins; within each bin the log
    dispersion is z-scored; genes at or above the ``n_top_genes``-th highest normalized dispersion are kept.

    Parameters
    ----------
    s1, s2
        Per-gene sum and sum of squares of the normalized values.
    n_cells
        Number of cells the sums run over.
    n_top_genes
        How many genes to select (ties at the cut-off are all kept, as scanpy does).
    n_bins
        Number of mean bins.

    Returns
    -------
    Boolean mask over genes.

    References
    ----------
    - Satija R. et al. (2015) Spatial reconstruction of single-cell gene expression data. *Nat. Biotechnol.* 33:495.
      doi:10.1038/nbt.3192 (highly variable genes, seurat flavour).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.poisson(rng.uniform(0.1, 5, 500), size=(200, 500)).astype(float)
    >>> mask = highly_variable_seurat(x.sum(0), (x**2).sum(0), 200, 50)
    >>> int(mask.sum())
    50
    """
    mean = s1 / n_cells
    var = (s2 / n_cells - mean**2) * (n_cells / max(n_cells - 1, 1))
    var = np.maximum(var, 0.0)
    mean = np.where(mean == 0, 1e-12, mean)
    disp = var / mean
    disp = np.where(disp == 0, np.nan, disp)
    with np.errstate(divide="ignore", invalid="ignore"):
        disp = np.log(disp)
    logmean = np.log1p(mean)
    df = pd.DataFrame({"means": logmean, "disp": disp})
    df["bin"] = pd.cut(df["means"], bins=n_bins)
    stats = df.groupby("bin", observed=True)["disp"].agg(avg="mean", dev="std")
    single = stats["dev"].isnull()
    stats.loc[single, "dev"] = stats.loc[single, "avg"]
    stats.loc[single, "avg"] = 0
    per_gene = stats.loc[df["bin"]].to_numpy()
    norm = (df["disp"].to_numpy() - per_gene[:, 0]) / per_gene[:, 1]
    valid = norm[~np.isnan(norm)]
    if valid.size == 0:
        return np.zeros(len(norm), dtype=bool)
    k = min(n_top_genes, valid.size)
    cut = np.sort(valid)[::-1][k - 1]
    return np.nan_to_num(norm, nan=-np.inf) >= cut


def rna_arrays(
    x,
    *,
    shared_genes: list[np.ndarray],
    n_top_genes: int,
    library_size: str,
    clip: float,
    groups: np.ndarray | None,
    n_groups: int,
    modality: str,
    var_names=None,
    counted: np.ndarray | None = None,
    fix: str = "pass layer='counts' (or the layer with raw UMI counts)",
) -> dict:
    """Build the RNA shared and active arrays from counts in two passes over the nnz (stats, then needed columns).

    ``counted`` (bool per column, ``None``: all) says which columns are genes: only they enter the library sizes and
    the highly variable genes.

    Returns a dict with ``shared``, ``active`` (float32 arrays; ``active`` is a lazy dask array when ``x`` is one),
    ``hvg`` (gene indices), ``stats`` (:class:`mufuse._kernels.CountStats`), the per-column ``shared_std`` /
    ``active_std`` before scaling and, with two or more batches, ``detection``: the shared columns' detection across
    batches (:func:`mufuse._align.detection_shift`, genes named by column position; ``None`` otherwise).
    """
    n_cells, n_genes = x.shape
    flag = np.zeros(n_genes, dtype=bool)
    for genes in shared_genes:
        flag[genes] = True
    lazy = _chunked.is_dask(x)  # out of core: the same kernels, block by block
    stats = (_chunked if lazy else _kernels).count_moments(x, target_sum=TARGET_SUM, flag=flag, counted=counted)
    names = var_names if var_names is not None else [str(i) for i in range(n_genes)]
    if stats.n_nonfinite:
        raise MufuseError(
            f"modality '{modality}' has {stats.n_nonfinite} NaN/Inf values in its counts, in genes "
            f"{_validate.bad_features(x, names, 'nonfinite')}; remove or fix them (e.g. recompute the counts "
            "matrix) before harmonizing"
        )
    if stats.n_negative:
        raise MufuseError(
            f"modality '{modality}' has {stats.n_negative} negative values, in genes "
            f"{_validate.bad_features(x, names, 'negative')}, so it does not hold counts; {fix}"
        )
    n_top = min(int(n_top_genes), n_genes)
    if counted is not None:
        n_top = min(n_top, int(np.count_nonzero(counted)))
    hvg_mask = highly_variable_seurat(
        stats.s1 if counted is None else np.where(counted, stats.s1, 0.0),
        stats.s2 if counted is None else np.where(counted, stats.s2, 0.0),
        n_cells,
        n_top,
    )
    hvg = np.flatnonzero(hvg_mask)
    lib_all = stats.lib
    lib = lib_all if library_size == "all" else stats.lib_shared
    scale_sh = _scale(lib)
    scale_act = _scale(lib_all)
    shared, active, act_mean, act_std = (_chunked if lazy else _kernels).gather(
        x, shared_genes, hvg, active_scale=scale_act, groups=groups, n_groups=n_groups
    )
    assert act_mean is not None and act_std is not None  # active_scale was given
    if active is None:  # out of core: a lazy array, computed block by block from the counts when written or used
        active = _chunked.active_array(
            x, hvg, active_scale=scale_act, mean=act_mean, std=act_std, clip=clip, groups=groups
        )
    else:
        _kernels.apply_standardize(active, act_mean, act_std, clip=clip, groups=groups)
    _kernels.log_normalize_inplace(shared, scale_sh)
    detection = None  # per-batch z-scores assume one mix of cells: read it on the log-normalized values, before them
    if groups is not None and n_groups > 1:
        detection = _align.detection_shift(shared, groups, n_groups, [str(j) for j in range(shared.shape[1])])
    _, sh_std = _kernels.standardize_clip(shared, clip=clip, groups=groups, n_groups=n_groups)
    return {"shared": shared, "active": active, "hvg": hvg, "stats": stats, "shared_std": sh_std, "active_std": act_std,
            "detection": detection}  # fmt: skip


def _scale(lib: np.ndarray) -> np.ndarray:
    """Per-cell factor target_sum / library size (0 for empty cells)."""
    return np.where(lib > 0, TARGET_SUM / np.where(lib > 0, lib, 1.0), 0.0)
