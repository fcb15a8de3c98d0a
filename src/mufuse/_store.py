"""The storage keys of DESIGN §4 and the helpers that read and write them: the one place that knows them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from mudata import MuData

from ._errors import MufuseError

UNS_KEY = "mufuse"
SHARED_KEY = "mufuse_shared"
ACTIVE_KEY = "mufuse_active"
MATCH_KEY = "mufuse_match"
SCORE_KEY = "mufuse_score"
CONFIDENCE_KEY = "mufuse_confidence"  # label-free confidence of the cell's best pair (tl._confidence)
EMBEDDING_KEY = "X_mufuse"  # MaxFuse's canonical-correlation space, same columns in both modalities
TRANSFERRED_KEY = "mufuse_transferred"  # features carried through the matching, a DataFrame per modality

# keys inside mdata.uns["mufuse"]
LINKS = "links"
SHARED = "shared"
ACTIVE = "active"
REPORT = "report"
PARAMS = "params"
MATCHING = "matching"
EVALUATION = "evaluation"


def get_modality(mdata: MuData, name: str, role: str):
    """Return ``mdata[name]`` or raise a :class:`MufuseError` that lists the modalities present."""
    if not isinstance(mdata, MuData):
        raise MufuseError(
            f"expected a MuData with {role} modality '{name}', got {type(mdata).__name__}; "
            "build one with mudata.MuData({'rna': rna_adata, 'prot': prot_adata})"
        )
    if name not in mdata.mod:
        have = ", ".join(repr(k) for k in mdata.mod) or "none"
        raise MufuseError(
            f"the {role} modality '{name}' is not in the MuData (modalities: {have}); pass {role}=<name of the {role} "
            "modality>"
        )
    return mdata.mod[name]


def uns(mdata: MuData) -> dict[str, Any]:
    """Return ``mdata.uns['mufuse']`` (empty dict if absent; not created)."""
    return mdata.uns.get(UNS_KEY, {})


def require_harmonized(mdata: MuData, rna: str, prot: str, *, what: str) -> None:
    """Raise a clear error when ``harmonize`` has not been run on ``mdata``."""
    mods = {name: get_modality(mdata, name, role) for name, role in ((rna, "rna"), (prot, "prot"))}
    for name, mod in mods.items():
        if SHARED_KEY not in mod.obsm or ACTIVE_KEY not in mod.obsm or SHARED not in uns(mdata):
            raise MufuseError(
                f"{what} needs harmonized arrays, but modality '{name}' has no obsm['{SHARED_KEY}']/"
                f"obsm['{ACTIVE_KEY}']: run mufuse.pp.harmonize(mdata, rna='{rna}', prot='{prot}') first"
            )


def write_harmonized(
    mdata: MuData,
    *,
    rna: str,
    prot: str,
    arrays: dict[tuple[str, str], Any],
    entries: dict[str, Any],
) -> None:
    """Write all results of ``harmonize`` at once (called only after everything has been computed).

    ``arrays`` maps ``(modality, key)`` to obsm arrays; ``entries`` are the new ``uns['mufuse']`` entries.
    Earlier results of the matching (``uns`` matching and evaluation, ``obs`` partner and score, ``obsm`` joint
    embedding and transferred features) are dropped because they no longer belong to these arrays; labels carried
    into ``obs`` by :func:`mufuse.tl.transfer_labels` stay, as the user's annotations.
    """
    for (mod_name, key), arr in arrays.items():
        mdata.mod[mod_name].obsm[key] = arr
    for mod_name in (rna, prot):  # the matching of the old arrays, its embedding and transfers, no longer hold
        mod = mdata.mod[mod_name]
        mod.obsm.pop(EMBEDDING_KEY, None)
        mod.obsm.pop(TRANSFERRED_KEY, None)
        stale = [c for c in (MATCH_KEY, SCORE_KEY, CONFIDENCE_KEY) if c in mod.obs.columns]
        if stale:
            mod.obs = mod.obs.drop(columns=stale)
    update(mdata, entries, drop=(MATCHING, EVALUATION))


def update(
    mdata: MuData, entries: dict[str, Any], *, drop: tuple[str, ...] = (), params: dict[str, Any] | None = None
) -> None:
    """Set entries of ``mdata.uns['mufuse']`` (dropping ``drop``; merging ``params`` into ``params``) in one write."""
    store = dict(uns(mdata))
    for stale in drop:
        store.pop(stale, None)
    store.update(entries)
    if params:
        store[PARAMS] = {**dict(store.get(PARAMS, {})), **params}
    mdata.uns[UNS_KEY] = store


def matched_positions(mdata: MuData, rna: str, prot: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Return the stored matching and, for each pair, the row positions of its two cells in their modalities.

    Raises a :class:`MufuseError` when no matching is stored, it is empty, or it names cells that are gone.
    """
    store = uns(mdata)
    if MATCHING not in store:
        raise MufuseError("no matching stored: run mufuse.tl.run_maxfuse(mdata) (or mufuse.tl.add_matching) first")
    table = pd.DataFrame(store[MATCHING])
    if table.empty:
        raise MufuseError("the stored matching has no pairs; nothing to evaluate")
    i1 = mdata.mod[rna].obs_names.get_indexer(table[rna].astype(str))
    i2 = mdata.mod[prot].obs_names.get_indexer(table[prot].astype(str))
    if (i1 < 0).any() or (i2 < 0).any():
        raise MufuseError(f"the stored matching names cells that are no longer in '{rna}'/'{prot}'; match again")
    return table, i1, i2
