"""Hand the harmonized arrays to MaxFuse."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mudata import MuData

from .. import _store
from .._errors import MufuseError

FUSOR_KEYS = ("shared_arr1", "shared_arr2", "active_arr1", "active_arr2", "labels1", "labels2")


def _labels(mdata: MuData, modality: str, key: str) -> np.ndarray:
    adata = mdata.mod[modality]
    if key in adata.obs.columns:
        col = adata.obs[key]
    elif key in mdata.obs.columns:
        col = mdata.obs.loc[adata.obs_names, key]
    elif f"{modality}:{key}" in mdata.obs.columns:
        col = mdata.obs.loc[adata.obs_names, f"{modality}:{key}"]
    else:
        raise MufuseError(
            f"labels '{key}' is not a column of modality '{modality}'.obs nor of mdata.obs; columns "
            f"there: {', '.join(map(str, adata.obs.columns[:10])) or 'none'}"
        )
    if col.isna().any():
        raise MufuseError(
            f"labels '{key}' has {int(col.isna().sum())} missing values in modality '{modality}'; fill "
            "them (e.g. 'unknown') first"
        )
    return np.asarray(col.astype(str).to_numpy(), dtype=object)


def to_maxfuse(
    mdata: MuData, *, rna: str = "rna", prot: str = "prot", labels: str | Sequence[str] | None = None
) -> dict:
    """Return exactly the arguments of ``maxfuse.model.Fusor(...)`` from a harmonized MuData.

    Parameters
    ----------
    mdata
        MuData harmonized by :func:`mufuse.pp.harmonize`.
    rna, prot
        Names of the two modalities (``arr1`` is RNA, ``arr2`` is protein).
    labels
        An ``obs`` column (of each modality or of ``mdata.obs``) with cell labels, or a pair
        ``(rna_key, prot_key)``; ``None`` gives ``labels1 = labels2 = None``.

    Returns
    -------
    Dict with the keys ``shared_arr1``, ``shared_arr2``, ``active_arr1``, ``active_arr2`` (dense float32,
    C-contiguous, rows in the obs order of each modality), ``labels1`` and ``labels2``.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=400, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> inputs = mufuse.tl.to_maxfuse(mdata, labels="cell_type")
    >>> sorted(inputs)
    ['active_arr1', 'active_arr2', 'labels1', 'labels2', 'shared_arr1', 'shared_arr2']
    >>> # import maxfuse; fusor = maxfuse.model.Fusor(**inputs)
    """
    _store.require_harmonized(mdata, rna, prot, what="to_maxfuse")
    out: dict = {}
    for i, name in ((1, rna), (2, prot)):
        obsm = mdata.mod[name].obsm
        out[f"shared_arr{i}"] = np.ascontiguousarray(obsm[_store.SHARED_KEY], dtype=np.float32)
        out[f"active_arr{i}"] = np.ascontiguousarray(obsm[_store.ACTIVE_KEY], dtype=np.float32)
    if out["shared_arr1"].shape[1] != out["shared_arr2"].shape[1]:
        raise MufuseError(
            f"obsm['{_store.SHARED_KEY}'] of '{rna}' and '{prot}' have different widths; run mufuse.pp.harmonize again"
        )
    if labels is None:
        out["labels1"] = out["labels2"] = None
    else:
        k1, k2 = (labels, labels) if isinstance(labels, str) else tuple(labels)
        out["labels1"] = _labels(mdata, rna, k1)
        out["labels2"] = _labels(mdata, prot, k2)
    return {k: out[k] for k in FUSOR_KEYS}
