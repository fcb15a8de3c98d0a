"""Comparing labels across two modalities: which labels both have, and the agreement of matched pairs where they do.

Used by ``tl.evaluate_matching``, ``pl.matching`` and the CLI, so that a metric is never reported on labels that do
not compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def label_agreement(
    labels1: np.ndarray,
    labels2: np.ndarray,
    i1: np.ndarray,
    i2: np.ndarray,
    label_map: dict[str, str] | None = None,
) -> dict:
    """Share of matched pairs with the same label, counted only where the labels of the two modalities compare.

    Labels are first renamed by ``label_map`` (labels it does not name stay as they are). A pair is compared when both
    of its labels occur in both modalities: a label of one modality only (RNA ``CD4 Tcm`` beside protein ``T cells``)
    cannot be judged against anything, even when the other modality shares some labels at another granularity (both
    have ``CD4 T``). Without any label common to both modalities the agreement is ``None``: not comparable, never 0.

    Parameters
    ----------
    labels1, labels2
        Labels of every cell of each modality.
    i1, i2
        Row positions of the matched pairs in each modality.
    label_map
        Renaming applied to the labels of both modalities, e.g. fine RNA labels to the coarse protein ones.

    Returns
    -------
    Dict with ``value`` (float or ``None``), ``shared``, ``only1``, ``only2`` (sorted label lists) and
    ``pairs_compared`` (share of the pairs that were compared).

    Examples
    --------
    >>> import numpy as np
    >>> rna = np.array(["CD4 T", "CD8 T", "B"], dtype=object)
    >>> prot = np.array(["T cells", "T cells", "B"], dtype=object)
    >>> idx = np.arange(3)
    >>> label_agreement(rna, prot, idx, idx)["value"]
    1.0
    >>> label_agreement(rna, prot, idx, idx, {"CD4 T": "T cells", "CD8 T": "T cells"})["pairs_compared"]
    1.0
    """
    mapping = dict(label_map or {})
    l1 = pd.Series(np.asarray(labels1, dtype=object)).replace(mapping).to_numpy(dtype=object)
    l2 = pd.Series(np.asarray(labels2, dtype=object)).replace(mapping).to_numpy(dtype=object)
    set1, set2 = set(l1), set(l2)
    shared = sorted(set1 & set2)
    a, b = l1[i1], l2[i2]
    compared = np.isin(a, shared) & np.isin(b, shared)
    value = float((a[compared] == b[compared]).mean()) if compared.any() else None
    return {
        "value": value,
        "shared": shared,
        "only1": sorted(set1 - set2),
        "only2": sorted(set2 - set1),
        "pairs_compared": float(compared.mean()) if len(compared) else 0.0,
    }


COVERAGES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def agreement_by_confidence(
    labels1: np.ndarray,
    labels2: np.ndarray,
    i1: np.ndarray,
    i2: np.ndarray,
    confidence: np.ndarray,
    label_map: dict[str, str] | None = None,
) -> dict[str, float] | None:
    """Label agreement of the most confident pairs: for each coverage q, the top q of the compared pairs.

    Pairs are ranked by ``confidence`` (highest first; ties keep the table's order) among those whose labels
    compare (:func:`label_agreement`). ``None`` when no pair compares.

    Returns
    -------
    ``{"0.1": agreement of the top 10%, ..., "1.0": agreement of all}``.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.array(["A", "B"] * 5, dtype=object)
    >>> i = np.arange(10)
    >>> wrong_last = np.r_[i[:8], 9, 8]  # the two least confident pairs swap their partners' labels
    >>> out = agreement_by_confidence(lab, lab, i, wrong_last, np.linspace(1, 0, 10))
    >>> out["0.8"], out["1.0"]
    (1.0, 0.8)
    """
    mapping = dict(label_map or {})
    l1 = pd.Series(np.asarray(labels1, dtype=object)).replace(mapping).to_numpy(dtype=object)
    l2 = pd.Series(np.asarray(labels2, dtype=object)).replace(mapping).to_numpy(dtype=object)
    shared = sorted(set(l1) & set(l2))
    a, b = l1[i1], l2[i2]
    compared = np.isin(a, shared) & np.isin(b, shared)
    if not compared.any():
        return None
    conf = np.nan_to_num(np.asarray(confidence, dtype=np.float64)[compared], nan=-np.inf)
    right = (a[compared] == b[compared])[np.argsort(-conf, kind="stable")]
    return {f"{q:.1f}": float(right[: max(1, round(q * len(right)))].mean()) for q in COVERAGES}
