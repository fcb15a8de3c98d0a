"""``tl.evaluate_matching``: is a matching real? Label/cluster agreement, marker agreement, a permutation test, FOSCTTM.

The sources of the metrics are in the References of :func:`evaluate_matching` and on the docs' references page.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from mudata import MuData
from sklearn.metrics import adjusted_mutual_info_score

from .. import _format, _obs, _store, _validate
from .._compare import agreement_by_confidence, label_agreement
from .._errors import MufuseError
from ._metrics import (
    FIT_MAX,
    clusters,
    foscttm,
    marker_agreement,
    permutation_test,
    purity,
    top_canonical_correlation,
)

FEW_SHARED = 5  # fewer shared features than this: a warning (harmonize refuses fewer than 3)
CCA_OVERFIT = 0.99
# below this many pairs the top canonical correlation of up to 20 components is near 1 by chance alone (k/n large)
MIN_PAIRS_CCA = 200


def _agreement(
    mdata: MuData, rna: str, prot: str, i1, i2, label_key, label_map, cluster_key, seed: int, confidence=None
) -> dict[str, Any]:
    """Compute label agreement where labels compare, and cluster agreement over the pairs.

    Clusters are compared as partitions (purity and AMI), given ones or k-means on each modality's active array.
    """
    out: dict[str, Any] = {"label_agreement": None, "label_overlap": None, "agreement_by_confidence": None}
    if label_key is not None:
        k1, k2 = (label_key, label_key) if isinstance(label_key, str) else tuple(label_key)
        labels1, labels2 = _obs.labels(mdata, rna, k1), _obs.labels(mdata, prot, k2)
        res = label_agreement(labels1, labels2, i1, i2, label_map)
        if confidence is not None:
            out["agreement_by_confidence"] = agreement_by_confidence(labels1, labels2, i1, i2, confidence, label_map)
        out["label_agreement"] = res["value"]
        out["label_overlap"] = {
            "shared": res["shared"],
            f"only_{rna}": res["only1"],
            f"only_{prot}": res["only2"],
            "pairs_compared": res["pairs_compared"],
        }
    if cluster_key is not None:  # cluster names of two clusterings need not mean the same: compare the partitions
        c1, c2 = _obs.labels(mdata, rna, cluster_key), _obs.labels(mdata, prot, cluster_key)
    else:
        c1 = clusters(np.asarray(mdata.mod[rna].obsm[_store.ACTIVE_KEY]), seed)
        c2 = clusters(np.asarray(mdata.mod[prot].obsm[_store.ACTIVE_KEY]), seed)
    out["within_cluster"] = purity(c1[i1], c2[i2])
    out["cluster_ami"] = float(adjusted_mutual_info_score(c1[i1], c2[i2]))
    return out


def _label_warnings(out: dict[str, Any], rna: str, prot: str) -> list[str]:
    """Say when the labels of the two modalities do not (all) compare, and what was counted."""
    ov = out.get("label_overlap")
    if not ov or not (ov[f"only_{rna}"] or ov[f"only_{prot}"]):
        return []
    k = len(ov["shared"])
    n1, n2 = k + len(ov[f"only_{rna}"]), k + len(ov[f"only_{prot}"])
    only1, only2 = ", ".join(ov[f"only_{rna}"][:8]) or "-", ", ".join(ov[f"only_{prot}"][:8]) or "-"
    lists = f"{rna} only: {only1}; {prot} only: {only2}"
    if not ov["shared"]:
        return [
            f"no label occurs in both modalities ({lists}): label agreement is not comparable and is not reported; "
            "pass label_map={'<label>': '<common label>', ...} to map them to common names"
        ]
    counted = (
        "no matched pair has one of the others, so label_agreement counts every pair"
        if ov["pairs_compared"] >= 1.0
        else f"label_agreement counts the {ov['pairs_compared']:.1%} of pairs whose two labels both occur in both; "
        "pass label_map= to compare the others"
    )
    return [
        f"only {k} of the {n1} {rna} labels and {k} of the {n2} {prot} labels occur in both modalities ({lists}); "
        + counted
    ]


def _paired(mdata: MuData, rna: str, prot: str, table: pd.DataFrame, sh1, sh2) -> dict[str, Any]:
    """FOSCTTM and identity accuracy over the cells both modalities share (``None`` when they share fewer than 10).

    Identity accuracy counts only the pairs whose RNA cell also exists in the protein modality: the others cannot be
    matched to themselves.
    """
    a1, a2 = mdata.mod[rna], mdata.mod[prot]
    paired = _validate.same_cells(a1.obs_names, a2.obs_names)
    if len(paired) < 10:
        return {"foscttm": None, "identity_accuracy": None}
    j1, j2 = a1.obs_names.get_indexer(paired), a2.obs_names.get_indexer(paired)
    r, p = table[rna].astype(str).to_numpy(), table[prot].astype(str).to_numpy()
    could = pd.Index(r).isin(paired)  # hashed: np.isin on strings compares them pairwise
    return {"foscttm": foscttm(sh1[j1], sh2[j2]), "identity_accuracy": float((r[could] == p[could]).mean())}


def not_significant(p_value: float, n_perms: int) -> bool:
    """Tell whether a permutation p-value says "no better than random".

    It does when it is at least 0.01 and above the smallest p-value ``n_perms`` permutations can give (with 50
    permutations no p-value is below 0.0196).

    Examples
    --------
    >>> not_significant(1 / 51, 50), not_significant(0.2, 1000)
    (False, True)
    """
    return p_value >= 0.01 and p_value > 1.0 / (1 + n_perms) + 1e-12


def _warnings(out: dict[str, Any], n_features: int, report: dict[str, Any]) -> list[str]:
    """Say what the numbers show is wrong: few shared features, weak markers, over-fit CCA, a failed check, p."""
    warn = []
    if n_features < FEW_SHARED:
        warn.append(
            f"only {n_features} shared features (< {FEW_SHARED}): the initial matching has little to go on; "
            "check mufuse.pp.link_features for markers that should link"
        )
    weak = out["marker_corr"][out["marker_corr"] < 0.1]
    if len(weak):
        warn.append(f"shared features with little agreement across pairs (r < 0.1): {', '.join(weak.index[:10])}")
    if out["top_canonical_corr"] > CCA_OVERFIT and out["n_matched"] >= MIN_PAIRS_CCA:
        warn.append(
            f"top canonical correlation of matched pairs is {out['top_canonical_corr']:.3f} (> {CCA_OVERFIT}): "
            "the matching may be over-fit to one modality (a symptom of a scale mismatch between them)"
        )
    if report and not bool(report.get("ok", True)):
        warn.append(f"the scale check of harmonize failed: {report.get('issues', '')}")
    if not_significant(out["p_value"], out["n_perms"]):
        warn.append(
            f"permutation test {_format.p_value(out['p_value'], out['n_perms'])}: the pairs agree on shared markers "
            "no better than random pairs"
        )
    return warn


def _store_evaluation(mdata: MuData, out: dict[str, Any], label_key: str | tuple[str, str] | None) -> None:
    """Store the evaluation in ``uns["mufuse"]["evaluation"]`` in a form .h5mu can write."""
    stored = {k: v for k, v in out.items() if v is not None and k not in ("marker_corr", "warnings", "not_checked")}
    if out.get("label_overlap"):
        stored["label_overlap"] = {
            k: (np.asarray(v, dtype=object) if isinstance(v, list) else v) for k, v in out["label_overlap"].items()
        }
    stored["marker_corr"] = out["marker_corr"].to_frame()
    for key in ("warnings", "not_checked"):  # one string per item, in memory and after a write and read alike
        stored[key] = np.asarray([str(w) for w in out[key]], dtype=object)
    stored["label_key"] = label_key if isinstance(label_key, str) else ",".join(label_key or ())
    _store.update(mdata, {_store.EVALUATION: stored})


def evaluate_matching(
    mdata: MuData,
    *,
    label_key: str | tuple[str, str] | None = None,
    cluster_key: str | None = None,
    n_perms: int = 1000,
    seed: int = 0,
    rna: str = "rna",
    prot: str = "prot",
    label_map: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check a matching: label and cluster agreement, marker agreement, a permutation test, FOSCTTM.

    Parameters
    ----------
    mdata
        MuData with a harmonized pair of modalities and a stored matching (:func:`run_maxfuse`).
    label_key
        ``obs`` column with cell labels (e.g. cell types), or a pair ``(rna_key, prot_key)``: the share of pairs with
        equal labels, counted over the pairs where at least one label occurs in both modalities. Label sets that do
        not overlap at all give ``label_agreement=None`` and a warning (not comparable), never a low number; partly
        overlapping sets give a warning saying what was counted (``label_overlap``).
    cluster_key
        ``obs`` column with clusters of each modality; the agreement of the two partitions over the pairs is
        reported as purity and adjusted mutual information (cluster names need not match across modalities).
        Without it, each modality is clustered on its active array (k-means on the top PCs).
    n_perms
        Permutations of the test.
    seed
        Random seed (clustering, permutations).
    rna, prot
        Modality names.
    label_map
        Renaming applied to the labels of both modalities before they are compared, e.g.
        ``{"CD4 T": "T cells", "CD8 T": "T cells"}`` to compare fine RNA labels with coarse protein ones.

    Returns
    -------
    Dict with ``n_matched``, ``matched_fraction`` (per modality), ``label_agreement`` (``None`` without labels or
    when no label occurs in both modalities), ``label_overlap`` (``shared`` labels, labels ``only_<modality>``,
    ``pairs_compared``), ``agreement_by_confidence`` (with labels and a matching that has a ``confidence``, as
    :func:`run_maxfuse` stores: ``{"0.1": agreement of the 10% most confident pairs, ..., "1.0": of all}``, else
    ``None``),
    ``within_cluster`` (purity), ``cluster_ami``, ``marker_corr`` (pd.Series per shared feature),
    ``mean_marker_corr``, ``p_value``, ``foscttm`` and ``identity_accuracy`` (paired data, else ``None``),
    ``top_canonical_corr``, ``warnings`` (list of str) and ``not_checked`` (list of str). Also stored in
    ``mdata.uns["mufuse"]["evaluation"]``.

    References
    ----------
    - Liu J. et al. (2019) Jointly embedding multiple single-cell omics measurements. WABI 2019, LIPIcs 143:10.
      doi:10.4230/LIPIcs.WABI.2019.10 (FOSCTTM).
    - Phipson B., Smyth G. K. (2010) Permutation P-values should never be zero. *Stat. Appl. Genet. Mol. Biol.* 9:39.
      doi:10.2202/1544-6115.1585 (the p-value ``(1 + b) / (1 + m)``).
    - Vinh N. X., Epps J., Bailey J. (2010) Information theoretic measures for clusterings comparison: variants,
      properties, normalization and correction for chance. *JMLR* 11:2837 (adjusted mutual information, as
      scikit-learn computes it).
    - The research notes that started mufuse (a MaxFuse run that matched cells across clusters because z-scored RNA,
      std≈0.8, sat beside "pre-scaled" protein, std≈0.08): z-score both modalities, clip both at ±5, check mean≈0,
      std≈1 and the same range; very high canonical correlations are a symptom of a mismatch.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=300, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> names = list(mdata["rna"].obs_names)
    >>> mufuse.tl.add_matching(mdata, [list(range(300)), list(range(300)), [1.0] * 300])  # the true pairs
    >>> ev = mufuse.tl.evaluate_matching(mdata, label_key="cell_type", n_perms=200)
    >>> ev["label_agreement"], ev["p_value"] < 0.01, ev["identity_accuracy"]
    (1.0, True, 1.0)
    """
    _validate.require(mdata, "tl.evaluate_matching", "a MuData", _validate.is_mudata)
    _store.require_harmonized(mdata, rna, prot, what="evaluate_matching")
    if not (isinstance(n_perms, int | np.integer) and n_perms >= 1):
        raise MufuseError(f"n_perms must be a positive integer, got {n_perms!r}")
    table, i1, i2 = _store.matched_positions(mdata, rna, prot)
    a1, a2 = mdata.mod[rna], mdata.mod[prot]
    store = _store.uns(mdata)
    features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
    sh1, sh2 = np.asarray(a1.obsm[_store.SHARED_KEY]), np.asarray(a2.obsm[_store.SHARED_KEY])
    x, y = sh1[i1], sh2[i2]
    out: dict[str, Any] = {
        "n_matched": len(table),
        "matched_fraction": {rna: len(np.unique(i1)) / a1.n_obs, prot: len(np.unique(i2)) / a2.n_obs},
        **_agreement(mdata, rna, prot, i1, i2, label_key, label_map, cluster_key, seed, table.get("confidence")),
    }
    out["marker_corr"] = pd.Series(marker_agreement(x, y), index=pd.Index(features, name="feature"), name="marker_corr")
    out["mean_marker_corr"], out["p_value"] = permutation_test(x, y, n_perms=int(n_perms), seed=seed)
    out["n_perms"] = int(n_perms)
    out.update(_paired(mdata, rna, prot, table, sh1, sh2))
    some = np.sort(np.random.default_rng(seed).choice(len(i1), FIT_MAX, replace=False)) if len(i1) > FIT_MAX else None
    j1, j2 = (i1, i2) if some is None else (i1[some], i2[some])  # at most 50,000 pairs: no 8 GB copy at 1M cells
    act1, act2 = np.asarray(a1.obsm[_store.ACTIVE_KEY][j1]), np.asarray(a2.obsm[_store.ACTIVE_KEY][j2])
    out["top_canonical_corr"] = top_canonical_correlation(act1, act2)
    out["warnings"] = _label_warnings(out, rna, prot) + _warnings(
        out, len(features), dict(store.get(_store.REPORT, {}))
    )
    out["not_checked"] = [
        what
        for what, missing in (
            ("label agreement (pass label_key=<obs column with cell types>)", label_key is None),
            (f"FOSCTTM and identity accuracy ({_why_unpaired(a1, a2)})", out["foscttm"] is None),
            (
                f"over-fitting of the joint space ({out['n_matched']} pairs are too few for a canonical correlation "
                f"of up to 20 components to mean anything; {MIN_PAIRS_CCA} or more are needed)",
                out["n_matched"] < MIN_PAIRS_CCA,
            ),
        )
        if missing
    ]
    _store_evaluation(mdata, out, label_key)
    for w in out["warnings"]:
        warnings.warn(f"mufuse evaluation: {w}", UserWarning, stacklevel=2)
    return out


def _why_unpaired(a1, a2) -> str:
    """Say why the cells count as different cells: no common names, or common names that are counters."""
    common = a1.obs_names.intersection(a2.obs_names)
    if len(common) and _validate.positional(a1.obs_names) and _validate.positional(a2.obs_names):
        return (
            f"the cells are named by a counter ('{common[0]}', ...) in both modalities: the same names are no "
            "evidence of the same cells"
        )
    return "the modalities share no cell names: different cells"
