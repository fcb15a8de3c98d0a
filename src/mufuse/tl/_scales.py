"""``tl.check_scales`` and ``tl.detect_state``: verify that the shared features of both modalities are on one scale."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from mudata import MuData

from .. import _store, _validate
from .._errors import MufuseError
from .._report import emit, scale_report, stored_report
from .._state import detect_state
from .._validate import numeric_2d

__all__ = ["check_scales", "detect_state"]


def check_scales(
    data: MuData | np.ndarray,
    other: np.ndarray | None = None,
    *,
    strict: bool = False,
    rna: str = "rna",
    prot: str = "prot",
    names: Sequence[str] | None = None,
    clip: float | None = None,
) -> pd.DataFrame:
    """Verify that the shared features of both modalities are on one scale.

    Computes, per modality and per feature, mean, std, min, max, the fraction of clipped values and the number
    of NaN/Inf, then applies the rules: ``|mean|`` > 0.1, std outside [0.5, 1.5], std ratio between modalities
    > 2 (the mismatch that made cells match across clusters: z-scored RNA with std≈0.8 beside [0, 1] protein
    with std≈0.08), ranges differing more than 2x, NaN/Inf and constant features. Each broken rule gives a
    ``UserWarning`` naming the rule, the numbers and the fix, or, with ``strict=True``, a
    :class:`mufuse.ScaleMismatchError`.

    Parameters
    ----------
    data
        A MuData harmonized by :func:`mufuse.pp.harmonize` (its ``obsm["mufuse_shared"]`` arrays are checked),
        or the first of two cells × features arrays.
    other
        The second array (same features, same order), when ``data`` is an array.
    strict
        Raise instead of warning.
    rna, prot
        Modality names, when ``data`` is a MuData.
    names
        Names of the two arrays in the report (default ``(rna, prot)``).
    clip
        Clip value used, to count clipped values (default: the one stored by ``harmonize``, else 5).

    Returns
    -------
    The report: one row per modality (``feature == "(all)"``) and per feature, with columns ``modality``,
    ``feature``, ``mean``, ``std``, ``min``, ``max``, ``frac_clipped``, ``n_nonfinite`` and ``flag``.

    References
    ----------
    - The research notes that started mufuse (a MaxFuse run that matched cells across clusters because z-scored RNA,
      std≈0.8, sat beside "pre-scaled" protein, std≈0.08): z-score both modalities, clip both at ±5, check mean≈0,
      std≈1 and the same range; very high canonical correlations are a symptom of a mismatch.

    Examples
    --------
    >>> import numpy as np
    >>> import mufuse
    >>> rng = np.random.default_rng(0)
    >>> rna_z = rng.normal(0, 0.8, size=(500, 8))
    >>> prot_01 = rng.uniform(0.2, 0.6, size=(500, 8))
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     report = mufuse.tl.check_scales(rna_z, prot_01)
    >>> any("std differs" in str(m.message) for m in w)
    True
    """
    _validate.require(data, "tl.check_scales", "a MuData or a numpy array", _validate.is_scales_input)
    if isinstance(data, MuData):
        _store.require_harmonized(data, rna, prot, what="check_scales")
        store = _store.uns(data)
        features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
        arrays = [data.mod[rna].obsm[_store.SHARED_KEY], data.mod[prot].obsm[_store.SHARED_KEY]]
        for name, arr in zip((rna, prot), arrays, strict=True):
            if np.ndim(arr) != 2 or np.shape(arr)[1] != len(features):
                raise MufuseError(
                    f"obsm['{_store.SHARED_KEY}'] of modality '{name}' has shape {np.shape(arr)}, but "
                    f"{len(features)} shared features are stored; it was changed after harmonize: run "
                    "mufuse.pp.harmonize again"
                )
        if clip is None:
            clip = float(dict(store.get(_store.PARAMS, {})).get("harmonize", {}).get("clip", 5.0))
        names = list(names) if names is not None else [rna, prot]
        stored = dict(store.get(_store.REPORT, {})).get("table")
        table, issues = stored_report(arrays, names, features, clip, stored)
    else:
        if other is None:
            raise MufuseError("check_scales needs a harmonized MuData, or two arrays: check_scales(rna_arr, prot_arr)")
        arrays = [numeric_2d(data, "first"), numeric_2d(other, "second")]
        if arrays[0].shape[1] != arrays[1].shape[1]:
            raise MufuseError(
                f"the two arrays must have the same shared features (columns): {arrays[0].shape[1]} vs "
                f"{arrays[1].shape[1]}"
            )
        names = list(names) if names is not None else [rna, prot]
        table, issues = scale_report(arrays, names, None, clip)
    emit(issues, strict=strict)
    return table
