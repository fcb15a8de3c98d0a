"""``pl.matching`` and ``pl.marker_agreement``: what the matching pairs, and whether shared markers agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from mudata import MuData

from .. import _format, _obs, _store, _validate
from .._compare import label_agreement
from .._errors import MufuseError
from ._utils import finish, pyplot


def matching(
    mdata: MuData,
    *,
    label_key: str | None = None,
    basis: str | None = None,
    rna: str = "rna",
    prot: str = "prot",
    show: bool | None = None,
    save: str | Path | None = None,
):
    """Draw a matching: scores by stage, the pair confidence, label confusion, and optionally an embedding.

    Panels, left to right: the pairs' scores, one histogram per stage (pivot, propagated, embedding); the pairs'
    ``confidence`` as a histogram with its median, and, with ``label_key``, the label agreement of the pairs above
    each confidence that keeps the top 10%, 20%, ... 100% of pairs (red dots, right axis; drawn only when the stored
    matching has a ``confidence``, as :func:`mufuse.tl.run_maxfuse` stores); the label confusion; the embedding.

    Parameters
    ----------
    mdata
        MuData with a stored matching (:func:`mufuse.tl.run_maxfuse`).
    label_key
        ``obs`` column with labels in both modalities: draws the row-normalized confusion matrix of labels across
        matched pairs (the diagonal is agreement).
    basis
        ``obsm`` key of an embedding present in the protein modality (e.g. ``"X_umap"``): protein cells coloured
        by the label of their RNA match.
    rna, prot
        Modality names.
    show
        Show the figure instead of returning it.
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
    >>> mdata = mufuse.datasets.simulated(n_cells=200, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> mufuse.tl.add_matching(mdata, [list(range(200)), list(range(200)), [1.0] * 200])
    >>> fig = mufuse.pl.matching(mdata, label_key="cell_type")
    >>> len(fig.axes) >= 2
    True
    """
    _validate.require(mdata, "pl.matching", "a MuData", _validate.is_mudata)
    plt = pyplot()
    table, i1, i2 = _store.matched_positions(mdata, rna, prot)
    has_conf = "confidence" in table.columns
    panels = 1 + has_conf + (label_key is not None) + (basis is not None)
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.6))
    axes = np.atleast_1d(axes)
    _score_panel(axes[0], table)
    nxt = 1
    if has_conf:
        _confidence_panel(axes[nxt], mdata, table, i1, i2, label_key, rna, prot)
        nxt += 1
    if label_key is not None:
        all1, all2 = _obs.labels(mdata, rna, label_key), _obs.labels(mdata, prot, label_key)
        agreement = label_agreement(all1, all2, i1, i2)
        conf = pd.crosstab(pd.Series(all1[i1], name=rna), pd.Series(all2[i2], name=prot))
        if agreement["shared"]:  # the same label sets: the diagonal is agreement
            conf = conf.reindex(columns=sorted(set(conf.columns) | set(conf.index)), fill_value=0)
        norm = conf.div(conf.sum(axis=1), axis=0)
        ax = axes[nxt]
        nxt += 1
        im = ax.imshow(norm.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(norm.shape[1]))
        ax.set_xticklabels(norm.columns, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(norm.shape[0]))
        ax.set_yticklabels(norm.index, fontsize=7)
        ax.set_xlabel(f"label of the {prot} cell")
        ax.set_ylabel(f"label of the {rna} cell")
        value = agreement["value"]
        ax.set_title("label agreement: no common labels" if value is None else f"label agreement {value:.3f}")
        fig.colorbar(im, ax=ax, fraction=0.046, label="share of the row's pairs")
    if basis is not None:
        if basis not in mdata.mod[prot].obsm:
            raise MufuseError(f"basis '{basis}' is not in mdata['{prot}'].obsm; compute it first (e.g. sc.tl.umap)")
        emb = np.asarray(mdata.mod[prot].obsm[basis])[:, :2]
        ax = axes[nxt]
        key = label_key
        if key is None:
            ax.scatter(emb[:, 0], emb[:, 1], s=3, c="lightgrey")
            ax.scatter(emb[i2, 0], emb[i2, 1], s=3, c=table["score"], cmap="viridis")
            ax.set_title(f"{prot} cells by matching score")
        else:
            lab = pd.Series(_obs.labels(mdata, rna, key)[i1])
            for cat in sorted(lab.unique()):
                sel = i2[(lab == cat).to_numpy()]
                ax.scatter(emb[sel, 0], emb[sel, 1], s=3, label=cat)
            ax.legend(markerscale=3, fontsize=7, loc="best")
            ax.set_title(f"{prot} cells coloured by the {key} of their {rna} match")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{basis} 1")
        ax.set_ylabel(f"{basis} 2")
    fig.tight_layout()
    return finish(fig, show=show, save=save)


def _score_panel(ax, table: pd.DataFrame) -> None:
    """Draw the pairs' scores as one histogram per stage (MaxFuse's pivot, propagated, embedding; any matcher's own)."""
    known = {"pivot": "#4C72B0", "propagated": "#DD8452", "embedding": "#55A868", "nearest": "#8172B3"}
    stages = table["stage"].astype(str)
    order = [s for s in known if (stages == s).any()] + sorted(set(stages) - set(known))
    for stage in order:
        sc = table.loc[stages == stage, "score"]
        ax.hist(sc, bins=40, alpha=0.7, color=known.get(stage, "grey"), label=f"{stage} ({len(sc)})")
    ax.set_xlabel("matching score (the matcher's similarity in its joint space)")
    ax.set_ylabel("pairs")
    ax.set_title(f"{len(table)} matched pairs, by stage")
    ax.legend(fontsize=8)


def _confidence_panel(ax, mdata: MuData, table: pd.DataFrame, i1, i2, label_key, rna: str, prot: str) -> None:
    """Draw the pairs' confidence as a histogram; with labels, the agreement of the most confident pairs by coverage."""
    from .._compare import COVERAGES, agreement_by_confidence

    conf = table["confidence"].to_numpy(dtype=float)
    ax.hist(conf, bins=30, range=(0, 1), color="#8172B3", alpha=0.8)
    ax.set_xlabel("pair confidence (label-free)")
    ax.set_ylabel("pairs")
    half = np.nanmedian(conf)
    ax.axvline(half, color="k", lw=0.8, ls="--")
    ax.set_title(f"confidence: half the pairs at or above {half:.2f}")
    if label_key is None:
        return
    by = agreement_by_confidence(_obs.labels(mdata, rna, label_key), _obs.labels(mdata, prot, label_key), i1, i2, conf)
    if not by:
        return
    twin = ax.twinx()
    cut = [np.nanquantile(conf, 1 - q) for q in COVERAGES]  # the confidence above which the top q of pairs lie
    twin.plot(cut, [by[f"{q:.1f}"] for q in COVERAGES], "o-", color="#C44E52", ms=3)
    twin.set_ylabel("label agreement of the pairs above (red)", color="#C44E52")
    twin.set_ylim(0, 1.02)


def marker_agreement(
    mdata: MuData,
    *,
    rna: str = "rna",
    prot: str = "prot",
    show: bool | None = None,
    save: str | Path | None = None,
):
    """Draw the per-feature correlation of shared markers across matched pairs (:func:`mufuse.tl.evaluate_matching`).

    Parameters
    ----------
    mdata
        MuData with a stored evaluation.
    rna, prot
        Modality names.
    show
        Show the figure instead of returning it.
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
    >>> mdata = mufuse.datasets.simulated(n_cells=200, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> mufuse.tl.add_matching(mdata, [list(range(200)), list(range(200)), [1.0] * 200])
    >>> _ = mufuse.tl.evaluate_matching(mdata, n_perms=50)
    >>> fig = mufuse.pl.marker_agreement(mdata)
    """
    _validate.require(mdata, "pl.marker_agreement", "a MuData", _validate.is_mudata)
    _store.require_current(mdata, rna, prot, stage="matching", what="pl.marker_agreement")  # the evaluated cells
    plt = pyplot()
    evaluation = dict(_store.uns(mdata).get(_store.EVALUATION, {}))
    if not evaluation:  # the advice must apply: evaluate_matching needs arrays that still fit the data
        _store.require_harmonized(mdata, rna, prot, what="mufuse.tl.evaluate_matching(mdata) and pl.marker_agreement")
        raise MufuseError("no evaluation stored: run mufuse.tl.evaluate_matching(mdata) first")
    corr = pd.DataFrame(evaluation["marker_corr"])["marker_corr"].sort_values()
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(corr) + 1.5))
    colors = ["#C44E52" if v < 0.1 else "#4C72B0" for v in corr]
    ax.barh(range(len(corr)), corr.to_numpy(), color=colors)
    ax.set_yticks(range(len(corr)))
    ax.set_yticklabels(corr.index, fontsize=8)
    ax.axvline(0.1, color="grey", ls="--", lw=0.8)
    ax.set_xlabel(f"correlation across matched pairs ({rna} vs {prot})")
    said = _format.p_value(evaluation.get("p_value", np.nan), evaluation.get("n_perms"))
    ax.set_title(f"shared marker agreement (permutation {said})")
    fig.tight_layout()
    return finish(fig, show=show, save=save)
