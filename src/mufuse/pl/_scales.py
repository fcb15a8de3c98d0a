"""``pl.scales``: per-feature distributions of both modalities before and after harmonizing, side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from mudata import MuData
from scipy import sparse

from .. import _store, _validate
from ._utils import finish, pyplot


def floor_split(col: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Split one feature's values into its floor (the minimum), the share of cells at it, and the values above it.

    Cells with zero counts all get the same value from a normalization, a log, a z-score: the feature's minimum.
    In scRNA-seq that is most cells of most genes, so quartiles and whiskers of all cells are flat lines there; the
    cells above the floor show the feature's spread.

    Examples
    --------
    >>> floor_split(np.array([-0.3, -0.3, -0.3, 2.0, 4.0]))
    (-0.3, 0.6, array([2., 4.]))
    """
    col = np.asarray(col, dtype=np.float64)
    col = col[np.isfinite(col)]
    if not col.size:
        return np.nan, 0.0, col
    lo = float(col.min())
    at = np.abs(col - lo) <= 1e-6 * max(1.0, abs(lo))
    return lo, float(at.mean()), col[~at]


COLORS = ("#4C72B0", "#DD8452")


MIN_FLOOR = 0.01  # a minimum shared by fewer cells is no zero-count group: those cells join the violin


def _panel(ax, arrays: tuple[np.ndarray, np.ndarray], pos: np.ndarray) -> None:
    """Draw one panel: per feature and modality, the minimum's cells as a dot, the others as a violin.

    The dot is sized by the share of cells at the minimum (drawn from 1%); the violin is as wide as the share above
    it, or a bar when those cells all hold one value (e.g. the clip).
    """
    for arr, shift, color in zip(arrays, (-0.2, 0.2), COLORS, strict=True):
        dots, rests, where, widths = [], [], [], []
        for j in range(arr.shape[1]):
            lo, share, rest = floor_split(arr[:, j])
            if share < MIN_FLOOR:
                share, rest = 0.0, np.asarray(arr[:, j], dtype=np.float64)[np.isfinite(arr[:, j])]
            else:
                dots.append((pos[j] + shift, lo, share))
            width = 0.36 * max(0.2, 1.0 - share)
            if rest.size >= 2 and np.ptp(rest) > 0:
                rests.append(rest)
                where.append(pos[j] + shift)
                widths.append(width)
            elif rest.size:
                ax.hlines(rest[0], pos[j] + shift - width / 2, pos[j] + shift + width / 2, color=color, lw=2.5)
        if rests:
            parts = ax.violinplot(rests, positions=where, widths=widths, showextrema=False, showmedians=True)
            for body in parts["bodies"]:
                body.set_facecolor(color)
                body.set_edgecolor(color)
                body.set_alpha(0.75)
            parts["cmedians"].set_color("black")
            parts["cmedians"].set_linewidth(0.8)
        if dots:
            x, y, shares = (np.asarray(v) for v in zip(*dots, strict=True))
            ax.scatter(x, y, s=8 + 120 * shares, color=color, edgecolor="black", linewidth=0.4, zorder=3)
            for xi, yi, si in dots:
                if si >= 0.05:
                    ax.annotate(
                        f"{si:.0%}", (xi, yi), xytext=(0, -9), textcoords="offset points", ha="center", fontsize=6
                    )


def _legend(fig, rna: str, prot: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=COLORS[0], alpha=0.75, label=rna),
        Patch(facecolor=COLORS[1], alpha=0.75, label=prot),
        Patch(
            facecolor="lightgrey",
            label="violin: cells above the minimum, width ∝ their share (a bar: all at one value)",
        ),
        Line2D([], [], color="black", lw=0.8, label="median of those cells"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="grey",
            markeredgecolor="black",
            label="cells at the feature's minimum (zero counts), when ≥ 1%: size = share (% from 5%)",
        ),
        Line2D([], [], color="grey", lw=0.6, label="0"),
    ]
    # two columns: three of these long labels side by side run past the edges of a figure for a dozen features
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 1.0))


def scales(
    mdata: MuData,
    *,
    rna: str = "rna",
    prot: str = "prot",
    max_features: int = 20,
    show: bool | None = None,
    save: str | Path | None = None,
):
    """Draw the shared features' distributions before and after :func:`mufuse.pp.harmonize`.

    Each feature's cells at its minimum (zero counts, which normalization, log and z-score all map to one value) are
    drawn as a dot whose size and label give their share, when they are at least 1% of the cells; the cells above
    it as a violin with its median, as wide as their share (a bar when they all hold one value, such as the clip).
    Sparse genes, with most cells at the minimum, so stay readable: box plots of all cells are flat lines for them. Top
    panel: RNA (z-scored) beside the protein as given, as MaxFuse would see them without a protein transform;
    bottom panel: both after harmonizing. A "pre-scaled" protein shows as violins inside [0, 1] beside RNA violins
    reaching 5: the scale mismatch that makes cells match across clusters, at a glance. The titles give both
    modalities' standard deviations over all values and their ratio.

    Parameters
    ----------
    mdata
        A harmonized MuData.
    rna, prot
        Modality names.
    max_features
        Draw at most this many shared features.
    show
        Show the figure (``plt.show()``) instead of returning it.
    save
        Write the figure to this path.

    Returns
    -------
    The matplotlib Figure with two axes (before, after; ``None`` when shown).

    Raises
    ------
    MufuseError
        When ``mdata`` is not harmonized.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=300, prescaled=True, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> fig = mufuse.pl.scales(mdata)
    >>> len(fig.axes)
    2
    """
    _validate.require(mdata, "pl.scales", "a MuData", _validate.is_mudata)
    plt = pyplot()
    _store.require_harmonized(mdata, rna, prot, what="pl.scales")
    shared = pd.DataFrame(_store.uns(mdata)[_store.SHARED]).iloc[:max_features]
    feats = [str(f) for f in shared.index]
    k = len(feats)
    r_after = np.asarray(mdata.mod[rna].obsm[_store.SHARED_KEY])[:, :k]
    p_after = np.asarray(mdata.mod[prot].obsm[_store.SHARED_KEY])[:, :k]
    pmat = mdata.mod[prot].X[:, mdata.mod[prot].var_names.get_indexer(shared["prot"])]
    p_before = np.asarray(pmat.toarray() if sparse.issparse(pmat) else pmat, dtype=np.float64)
    fig, axes = plt.subplots(2, 1, figsize=(max(8.0, 0.55 * k + 2), 8), sharex=True)
    pos = np.arange(k, dtype=np.float64)
    for ax, r, p, title in (
        (axes[0], r_after, p_before, f"before: {rna} z-scored, {prot} as given"),
        (axes[1], r_after, p_after, "after mufuse.pp.harmonize"),
    ):
        _panel(ax, (r, p), pos)
        sd_r, sd_p = float(r.std()), float(p.std())
        ax.set_title(
            f"{title}  (std {rna} {sd_r:.2f}, {prot} {sd_p:.2f}; ratio {max(sd_r, sd_p) / min(sd_r, sd_p):.1f}x)",
            fontsize=10,
        )
        ax.axhline(0, color="grey", lw=0.6)
        ax.margins(y=0.08)  # violins at the clip stay off the frame
        ax.set_ylabel("value")
    _legend(fig, rna, prot)
    axes[1].set_xticks(pos)
    axes[1].set_xticklabels(feats, rotation=60, ha="right", fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.91))
    return finish(fig, show=show, save=save)
