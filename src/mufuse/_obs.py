"""Where ``obs`` columns are looked up (labels, clusters, batches): one rule for ``pp``, ``tl``, ``pl`` and the CLI.

A modality's cells have the columns of its own ``obs``, then those of ``mdata.obs`` written for it by muon/mudata
(``"<modality>:<key>"``), then the global columns of ``mdata.obs`` (e.g. MuDataSeurat writes Seurat's ``meta.data``
there), each for the modality's cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mudata import MuData

from ._errors import MufuseError


def column(mdata: MuData, modality: str, key: str) -> pd.Series | None:
    """Return the ``key`` column for a modality's cells, or ``None`` when none of the three places has it.

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
    A Series indexed by the modality's ``obs_names``; a column of ``mdata.obs`` that is missing for every one of
    the modality's cells counts as absent.

    Examples
    --------
    >>> import mufuse
    >>> m = mufuse.datasets.simulated(n_cells=30, seed=0)
    >>> m.obs["sample"] = "s1"
    >>> column(m, "rna", "sample").iloc[0], column(m, "rna", "nope")
    ('s1', None)
    """
    adata = mdata.mod[modality]
    if key in adata.obs.columns:
        return adata.obs[key]
    for name in (f"{modality}:{key}", key):
        if name in mdata.obs.columns:
            col = mdata.obs[name].reindex(adata.obs_names)
            if not col.isna().all():
                return col.rename(key)
    return None


def available(mdata: MuData, modality: str) -> list[str]:
    """Return the names of the columns :func:`column` finds for a modality (its own first).

    Examples
    --------
    >>> import mufuse
    >>> available(mufuse.datasets.simulated(n_cells=30, seed=0), "prot")
    ['cell_type']
    """
    names = list(map(str, mdata.mod[modality].obs.columns))
    prefix = f"{modality}:"
    for name in map(str, mdata.obs.columns):
        key = name.removeprefix(prefix)
        other_modality = ":" in name and not name.startswith(prefix) and name.split(":", 1)[0] in mdata.mod
        if key not in names and not other_modality and column(mdata, modality, key) is not None:
            names.append(key)
    return names


def labels(mdata: MuData, modality: str, key: str) -> np.ndarray:
    """Return the labels of a modality's cells as strings, looked up by :func:`column`.

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
        When the column is in none of the places (listing the columns there), or has missing values.

    Examples
    --------
    >>> import mufuse
    >>> labels(mufuse.datasets.simulated(n_cells=30, seed=0), "rna", "cell_type")[:2].tolist()
    ['B', 'CD4 T']
    """
    col = column(mdata, modality, key)
    if col is None:
        have = ", ".join(available(mdata, modality)[:12]) or "none"
        raise MufuseError(
            f"'{key}' is not an obs column of modality '{modality}' (nor of mdata.obs for its cells); columns "
            f"there: {have}"
        )
    if col.isna().any():
        raise MufuseError(
            f"obs column '{key}' has {int(col.isna().sum())} missing values in modality '{modality}' (e.g. cells "
            f"{', '.join(map(str, col.index[col.isna()][:3]))}); fill them (e.g. 'unknown') first"
        )
    return np.asarray(col.astype(str).to_numpy(), dtype=object)
