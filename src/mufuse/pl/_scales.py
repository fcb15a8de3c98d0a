"""``pl.scales``: per-feature distributions of both modalities before and after harmonizing, side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from mudata import MuData
from scipy import sparse

from .. import _store
from ._utils import finish, pyplot


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

    Boxes show the quartiles, whiskers the 1st and 99th percentiles. Top row: RNA (z-scored) beside the protein
    as given, as MaxFuse would see them without a protein transform; bottom row: both after harmonizing. A
    "pre-scaled" protein shows as flat boxes inside [0, 1] beside RNA spanning [-1, 5]: the research notes' failure
    at a glance.

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
    The matplotlib Figure (``None`` when shown).

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
    plt = pyplot()
    _store.require_harmonized(mdata, rna, prot, what="pl.scales")
    shared = pd.DataFrame(_store.uns(mdata)[_store.SHARED]).iloc[:max_features]
    feats = [str(f) for f in shared.index]
    k = len(feats)
    r_after = np.asarray(mdata.mod[rna].obsm[_store.SHARED_KEY])[:, :k]
    p_after = np.asarray(mdata.mod[prot].obsm[_store.SHARED_KEY])[:, :k]
    pmat = mdata.mod[prot].X[:, mdata.mod[prot].var_names.get_indexer(shared["prot"])]
    p_before = np.asarray(pmat.toarray() if sparse.issparse(pmat) else pmat, dtype=np.float64)
    fig, axes = plt.subplots(2, 1, figsize=(max(6.0, 0.55 * k + 2), 7), sharex=True)
    pos = np.arange(k)
    for ax, r, p, title in (
        (axes[0], r_after, p_before, f"before: {rna} z-scored, {prot} as given"),
        (axes[1], r_after, p_after, "after mufuse.pp.harmonize"),
    ):
        kw = {"widths": 0.35, "showfliers": False, "patch_artist": True, "whis": (1, 99)}
        b1 = ax.boxplot([r[:, j] for j in range(k)], positions=pos - 0.2, **kw)
        b2 = ax.boxplot([p[:, j] for j in range(k)], positions=pos + 0.2, **kw)
        for box in b1["boxes"]:
            box.set_facecolor("#4C72B0")
        for box in b2["boxes"]:
            box.set_facecolor("#DD8452")
        sd_r, sd_p = float(r.std()), float(p.std())
        ax.set_title(
            f"{title}  (std {rna} {sd_r:.2f}, {prot} {sd_p:.2f}; ratio {max(sd_r, sd_p) / min(sd_r, sd_p):.1f}x)"
        )
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_ylabel("value")
        ax.legend([b1["boxes"][0], b2["boxes"][0]], [rna, prot], loc="upper right", fontsize=8)
    axes[1].set_xticks(pos)
    axes[1].set_xticklabels(feats, rotation=60, ha="right", fontsize=8)
    fig.tight_layout()
    return finish(fig, show=show, save=save)
