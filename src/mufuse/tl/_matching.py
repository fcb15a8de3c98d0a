"""Store a matching by obs name: the pairs, each cell's best partner, the joint embedding of the run that made it."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from mudata import MuData

from .. import _store, _validate
from .._errors import MufuseError


def add_matching(
    mdata: MuData,
    matching: pd.DataFrame | Sequence,
    *,
    rna: str = "rna",
    prot: str = "prot",
    params: dict | None = None,
) -> None:
    """Store a matching by obs name: the pairs in ``uns["mufuse"]["matching"]``, the best match per cell in ``obs``.

    Parameters
    ----------
    mdata
        The MuData the matching belongs to.
    matching
        A DataFrame with columns named after the two modalities (obs names) and ``score`` (``stage`` and
        ``confidence`` optional; a ``confidence`` column also gives ``obs["mufuse_confidence"]``), or
        the raw output of ``Fusor.get_matching`` (``[rna_positions, prot_positions, scores]``), whose positions are
        rows of the modalities as they are now (obs names in that list form are taken as names), or a dict of the
        table's columns. A joint embedding (``obsm["X_mufuse"]``) of an earlier matching is dropped, with a warning
        (it belonged to those pairs), unless every new pair is a pair of the stored matching (pairs kept by their
        confidence, say).
    rna, prot
        Names of the two modalities.
    params
        MaxFuse parameters to record with the matching.

    References
    ----------
    - Chen S. et al. (2024) Integration of spatial and single-cell data across modalities with weakly linked
      features. *Nat. Biotechnol.* 42:1096. doi:10.1038/s41587-023-01935-0 (MaxFuse; ``Fusor.get_matching`` gives
      the ``[rows1, rows2, scores]`` this function also takes).

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=50, seed=0)
    >>> mufuse.tl.add_matching(mdata, [[0, 1], [1, 0], [0.9, 0.8]])
    >>> mdata["prot"].obs["mufuse_match"].iloc[0]
    'CATGCGTCTCTAGTCG-1'
    """
    _validate.require(mdata, "tl.add_matching", "a MuData", _validate.is_mudata)
    store_matching(mdata, matching, rna, prot, params, None)


def store_matching(
    mdata: MuData, matching, rna: str, prot: str, params: dict | None, embedding, key: str = "maxfuse"
) -> None:
    """Check and store a matching; with ``embedding`` (MaxFuse's joint space of both modalities) store it too.

    Without one, a joint embedding already stored belonged to another matching and is dropped, with a warning.
    """
    a1 = _store.get_modality(mdata, rna, "rna")
    a2 = _store.get_modality(mdata, prot, "prot")
    if isinstance(matching, Mapping):  # {rna: names, prot: names, "score": scores}: a table by another name
        matching = pd.DataFrame(dict(matching))
    if isinstance(matching, pd.DataFrame):
        table = _table_from_frame(matching, {rna: a1, prot: a2})
    else:
        table = _table_from_positions(matching, {rna: a1, prot: a2})
    if "stage" not in table.columns:
        table["stage"] = "unknown"
    table["stage"] = table["stage"].astype(str)
    table["score"] = table["score"].astype(np.float64)
    columns = [rna, prot, "score", "stage"]
    if "confidence" in table.columns:
        table["confidence"] = table["confidence"].astype(np.float64)
        columns.append("confidence")
    table = table[columns].reset_index(drop=True)
    best = {
        name: _best_per_cell(table, name, other, adata) for name, other, adata in ((rna, prot, a1), (prot, rna, a2))
    }
    # everything computed: now write
    for name, adata in ((rna, a1), (prot, a2)):
        adata.obs[_store.MATCH_KEY] = best[name][0]
        adata.obs[_store.SCORE_KEY] = best[name][1]
        if best[name][2] is not None:
            adata.obs[_store.CONFIDENCE_KEY] = best[name][2]
        elif _store.CONFIDENCE_KEY in adata.obs.columns:  # a confidence of an earlier matching no longer holds
            adata.obs = adata.obs.drop(columns=[_store.CONFIDENCE_KEY])
    _store_embedding(mdata, (rna, prot), embedding, _subset_of_stored(mdata, table, rna, prot))
    _store.update(
        mdata,
        {_store.MATCHING: table, _store.CELLS: _store.record(mdata, rna, prot, "matching", table)},
        drop=(_store.EVALUATION,),
        params={key: flatten_params(params)} if params is not None else None,
    )


def _subset_of_stored(mdata: MuData, table: pd.DataFrame, rna: str, prot: str) -> bool:
    """Whether every pair of ``table`` is a pair of the stored matching (pairs of it kept by confidence, say)."""
    old = _store.uns(mdata).get(_store.MATCHING)
    if old is None:
        return False
    old = pd.DataFrame(old)
    if not {rna, prot} <= set(old.columns):
        return False
    have = pd.MultiIndex.from_arrays([old[rna].astype(str), old[prot].astype(str)])
    new = pd.MultiIndex.from_arrays([table[rna].astype(str), table[prot].astype(str)])
    return bool(new.isin(have).all())


def _store_embedding(mdata: MuData, names: tuple[str, str], embedding, subset: bool = False) -> None:
    """Write the joint embedding of a new matching, or drop the one of an earlier matching (said).

    Pairs that are all pairs of the stored matching (``subset``) keep its embedding: the same run made both.
    """
    if embedding is not None:
        for name, emb in zip(names, embedding, strict=True):
            mdata.mod[name].obsm[_store.EMBEDDING_KEY] = emb
        return
    if subset:
        return
    stale = [name for name in names if _store.EMBEDDING_KEY in mdata.mod[name].obsm]
    for name in stale:
        del mdata.mod[name].obsm[_store.EMBEDDING_KEY]
    if stale:
        warnings.warn(
            f"the joint embedding obsm['{_store.EMBEDDING_KEY}'] belonged to the earlier matching and is dropped: the "
            "transfers then vote through the pairs of this one, and pl.joint_umap needs mufuse.tl.match(mdata)",
            UserWarning,
            stacklevel=4,
        )


def _table_from_frame(matching: pd.DataFrame, mods: dict) -> pd.DataFrame:
    """Check a matching table by obs name: the columns are there and every name is a cell of its modality."""
    rna, prot = mods
    if matching.empty:
        raise MufuseError(
            "the matching table has no pairs; nothing to store (a filter such as "
            "matching[matching['confidence'] >= t] with t above every confidence keeps none: lower t)"
        )
    missing = [c for c in (rna, prot, "score") if c not in matching.columns]
    if missing:
        raise MufuseError(
            f"the matching table lacks column(s) {', '.join(missing)}; it needs '{rna}', '{prot}' "
            "(obs names) and 'score'"
        )
    table = matching.copy()
    for name, adata in mods.items():
        unknown = ~table[name].astype(str).isin(adata.obs_names)
        if unknown.any():
            bad = table.loc[unknown, name].astype(str).head(3).tolist()
            raise MufuseError(
                f"{int(unknown.sum())} names in column '{name}' are not obs names of modality "
                f"'{name}' (e.g. {', '.join(bad)})"
            )
        table[name] = table[name].astype(str)
    for column in ("score", "confidence"):
        if column not in table.columns:
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
        if bad.any():
            example = table.loc[bad, column].head(3).tolist()
            raise MufuseError(
                f"column '{column}' of the matching table must hold finite numbers; {int(bad.sum())} do not "
                f"(e.g. {example}): convert it with pd.to_numeric, or drop the column"
            )
        if column == "confidence" and not values.dropna().between(0.0, 1.0).all():
            raise MufuseError(
                "column 'confidence' of the matching table must lie in [0, 1] (mufuse's pair confidence); "
                f"it runs from {values.min():g} to {values.max():g}: rescale it, or name it otherwise"
            )
        table[column] = values
    return table


def _table_from_positions(matching: Sequence, mods: dict) -> pd.DataFrame:
    """Turn ``Fusor.get_matching``'s ``[rows1, rows2, scores]`` into a table of obs names."""
    try:
        idx1, idx2, score = (np.asarray(x) for x in matching)
    except (TypeError, ValueError):
        raise MufuseError("matching must be a DataFrame or Fusor.get_matching's [rows1, rows2, scores]") from None
    if idx1.ndim != 1 or idx2.ndim != 1 or score.ndim != 1 or not (len(idx1) == len(idx2) == len(score)):
        raise MufuseError("the three lists of a Fusor.get_matching output must have the same length")
    if len(idx1) == 0:
        raise MufuseError("the matching has no pairs; nothing to store")
    (rna, a1), (prot, a2) = mods.items()
    if idx1.dtype.kind in "UO" or idx2.dtype.kind in "UO":  # obs names in the list form: checked as a table
        return _table_from_frame(pd.DataFrame({rna: idx1, prot: idx2, "score": score}), mods)
    if idx1.dtype.kind not in "iuf" or idx2.dtype.kind not in "iuf":
        raise MufuseError(
            f"the list form [rows of '{rna}', rows of '{prot}', scores] takes row positions (or obs names); got "
            f"{idx1.dtype} and {idx2.dtype}"
        )
    if any(idx.dtype.kind == "f" and not np.all(np.isfinite(idx) & (idx == np.round(idx))) for idx in (idx1, idx2)):
        raise MufuseError(
            "the list form takes whole row positions (or obs names); some positions are not whole numbers"
        )
    idx1, idx2 = idx1.astype(np.int64), idx2.astype(np.int64)
    for idx, adata, name in ((idx1, a1, rna), (idx2, a2, prot)):
        if len(idx) and (idx.min() < 0 or idx.max() >= adata.n_obs):
            raise MufuseError(
                f"positions of modality '{name}' run outside its {adata.n_obs} cells; the "
                "matching belongs to other arrays"
            )
    return pd.DataFrame(
        {rna: np.asarray(a1.obs_names)[idx1], prot: np.asarray(a2.obs_names)[idx2], "score": score.astype(np.float64)}
    )


def _best_per_cell(
    table: pd.DataFrame, name: str, other: str, adata
) -> tuple[pd.Categorical, np.ndarray, np.ndarray | None]:
    """For each cell of modality ``name``: its best-scoring partner, that score and that pair's confidence.

    Missing values for cells without a partner; the confidence is ``None`` when the table has none.
    """
    top = table.sort_values("score", ascending=False, kind="stable").drop_duplicates(name).set_index(name)
    partner = top[other].reindex(adata.obs_names)
    confidence = None
    if "confidence" in top.columns:
        confidence = top["confidence"].reindex(adata.obs_names).to_numpy(dtype=np.float64)
    return (
        pd.Categorical(partner.to_numpy(dtype=object)),  # a missing value, never a fake name such as ''
        top["score"].reindex(adata.obs_names).to_numpy(dtype=np.float64),
        confidence,
    )


def flatten_params(params: dict) -> dict:
    """Return a matcher's parameters in a form .h5mu can store (None becomes the string "None")."""
    return {stage: {k: ("None" if v is None else v) for k, v in p.items()} for stage, p in params.items()}
