"""Where ``obs`` columns are looked up (labels, clusters, batches): the modality's ``obs``, then ``mdata.obs``.

Used by ``pp.harmonize`` (``batch_key``), ``tl`` (labels handed to MaxFuse, evaluation) and ``pl``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mudata import MuData

from ._errors import MufuseError


def labels(mdata: MuData, modality: str, key: str) -> np.ndarray:
    """Return the labels of a modality's cells as strings, from its ``obs`` or from ``mdata.obs``.

    Looked up in ``mdata[modality].obs[key]``, then ``mdata.obs[key]``, then ``mdata.obs[f"{modality}:{key}"]``
    (muon's prefixed copy).

    Parameters
    ----------
    mdata
        The MuData.
    modality
        Modality name.
    key
        Column name.

    Returns
    -------
    Object array of strings, one per cell of the modality, in its obs order.

    Raises
    ------
    MufuseError
        When the column is in neither place (listing the columns there), or has missing values.

    Examples
    --------
    >>> import mufuse
    >>> labels(mufuse.datasets.simulated(n_cells=30, seed=0), "rna", "cell_type")[:2].tolist()
    ['B', 'CD4 T']
    """
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


def column_or_none(mdata: MuData, modality: str, key: str) -> pd.Series | None:
    """Return a modality's ``obs`` column, or ``mdata.obs``'s for its cells; ``None`` when it has no such column.

    Examples
    --------
    >>> import mufuse
    >>> m = mufuse.datasets.simulated(n_cells=30, seed=0)
    >>> column_or_none(m, "rna", "cell_type") is not None, column_or_none(m, "rna", "nope")
    (True, None)
    """
    adata = mdata.mod[modality]
    if key in adata.obs.columns:
        return adata.obs[key]
    if key in mdata.obs.columns:
        col = mdata.obs.reindex(adata.obs_names)[key]
        return None if col.isna().all() else col
    return None
