"""``tl.evaluate_matching``: is a matching real? Label/cluster agreement, marker agreement, a permutation test, FOSCTTM.

Sources: FOSCTTM (fraction of samples closer than the true match) is from Liu et al. 2019, "Jointly embedding
multiple single-cell omics measurements", WABI 2019 (doi:10.4230/LIPIcs.WABI.2019.10); the permutation p-value
``(1 + b) / (1 + m)`` follows Phipson & Smyth 2010 (*Stat. Appl. Genet. Mol. Biol.* 9:39,
doi:10.2202/1544-6115.1585); cluster agreement uses the adjusted mutual information of Vinh et al. 2010 (*JMLR*
11:2837) as scikit-learn computes it; very high canonical correlations as a symptom of a scale mismatch are the
research notes' observation.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from mudata import MuData
from sklearn.metrics import adjusted_mutual_info_score

from .. import _obs, _store
from .._errors import MufuseError
from ._metrics import clusters, foscttm, marker_agreement, permutation_test, purity, top_canonical_correlation

log = logging.getLogger("mufuse")

MIN_SHARED = 5
CCA_OVERFIT = 0.99


def _agreement(mdata: MuData, rna: str, prot: str, i1, i2, label_key, cluster_key, seed: int) -> dict[str, Any]:
    """Label agreement (with ``label_key``) and cluster agreement (given clusters, else k-means of each modality)."""
    out: dict[str, Any] = {"label_agreement": None}
    if label_key is not None:
        l1, l2 = _obs.labels(mdata, rna, label_key), _obs.labels(mdata, prot, label_key)
        out["label_agreement"] = float((l1[i1] == l2[i2]).mean())
    if cluster_key is not None:
        c1, c2 = _obs.labels(mdata, rna, cluster_key), _obs.labels(mdata, prot, cluster_key)
        out["within_cluster"] = float((c1[i1] == c2[i2]).mean())
    else:
        c1 = clusters(np.asarray(mdata.mod[rna].obsm[_store.ACTIVE_KEY]), seed)
        c2 = clusters(np.asarray(mdata.mod[prot].obsm[_store.ACTIVE_KEY]), seed)
        out["within_cluster"] = purity(c1[i1], c2[i2])
    out["cluster_ami"] = float(adjusted_mutual_info_score(c1[i1], c2[i2]))
    return out


def _paired(mdata: MuData, rna: str, prot: str, table: pd.DataFrame, sh1, sh2) -> dict[str, Any]:
    """FOSCTTM and identity accuracy over the cells both modalities share (``None`` when they share fewer than 10)."""
    a1, a2 = mdata.mod[rna], mdata.mod[prot]
    paired = a1.obs_names.intersection(a2.obs_names)
    if len(paired) < 10:
        return {"foscttm": None, "identity_accuracy": None}
    j1, j2 = a1.obs_names.get_indexer(paired), a2.obs_names.get_indexer(paired)
    same = table[rna].astype(str).to_numpy() == table[prot].astype(str).to_numpy()
    return {"foscttm": foscttm(sh1[j1], sh2[j2]), "identity_accuracy": float(same.mean())}


def _warnings(out: dict[str, Any], n_features: int, report: dict[str, Any]) -> list[str]:
    """Say what the numbers show is wrong: few shared features, weak markers, over-fit CCA, a failed check, p."""
    warn = []
    if n_features < MIN_SHARED:
        warn.append(
            f"only {n_features} shared features (< {MIN_SHARED}): the initial matching has little to go on; "
            "check mufuse.pp.link_features for markers that should link"
        )
    weak = out["marker_corr"][out["marker_corr"] < 0.1]
    if len(weak):
        warn.append(f"shared features with little agreement across pairs (r < 0.1): {', '.join(weak.index[:10])}")
    if out["top_canonical_corr"] > CCA_OVERFIT:
        warn.append(
            f"top canonical correlation of matched pairs is {out['top_canonical_corr']:.3f} (> {CCA_OVERFIT}): "
            "the matching may be over-fit to one modality (the research notes' symptom of a scale mismatch)"
        )
    if report and not bool(report.get("ok", True)):
        warn.append(f"the scale check of harmonize failed: {report.get('issues', '')}")
    if out["p_value"] >= 0.01:
        warn.append(
            f"permutation test p = {out['p_value']:.3g}: the pairs agree on shared markers no better than random pairs"
        )
    return warn


def _store_evaluation(mdata: MuData, out: dict[str, Any], label_key: str | None) -> None:
    """Store the evaluation in ``uns["mufuse"]["evaluation"]`` in a form .h5mu can write."""
    stored = {k: v for k, v in out.items() if v is not None and k not in ("marker_corr", "warnings", "not_checked")}
    stored["marker_corr"] = out["marker_corr"].to_frame()
    stored["warnings"] = "\n".join(out["warnings"])
    stored["not_checked"] = "\n".join(out["not_checked"])
    stored["label_key"] = label_key or ""
    _store.update(mdata, {_store.EVALUATION: stored})


def evaluate_matching(
    mdata: MuData,
    *,
    label_key: str | None = None,
    cluster_key: str | None = None,
    n_perms: int = 1000,
    seed: int = 0,
    rna: str = "rna",
    prot: str = "prot",
) -> dict[str, Any]:
    """Check a matching: label and cluster agreement, marker agreement, a permutation test, FOSCTTM.

    Parameters
    ----------
    mdata
        MuData with a harmonized pair of modalities and a stored matching (:func:`run_maxfuse`).
    label_key
        ``obs`` column with cell labels in both modalities (e.g. cell types): the share of pairs with equal labels.
    cluster_key
        ``obs`` column with clusters comparable across modalities; without it, each modality is clustered on its
        active array (k-means on the top PCs) and the agreement of the two clusterings over the pairs is reported
        (purity and adjusted mutual information).
    n_perms
        Permutations of the test.
    seed
        Random seed (clustering, permutations).
    rna, prot
        Modality names.

    Returns
    -------
    Dict with ``n_matched``, ``matched_fraction`` (per modality), ``label_agreement`` (``None`` without labels),
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
    - Vinh N. X., Epps J., Bailey J. (2010) Information theoretic measures for clusterings comparison. *JMLR* 11:2837
      (adjusted mutual information, as scikit-learn computes it).
    - The research notes behind mufuse (``../shared/research-notes.txt``): z-score both modalities, clip both at ±5,
      check mean≈0, std≈1 and the same range; very high canonical correlations as a symptom of a mismatch.

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
        **_agreement(mdata, rna, prot, i1, i2, label_key, cluster_key, seed),
    }
    out["marker_corr"] = pd.Series(marker_agreement(x, y), index=pd.Index(features, name="feature"), name="marker_corr")
    out["mean_marker_corr"], out["p_value"] = permutation_test(x, y, n_perms=int(n_perms), seed=seed)
    out.update(_paired(mdata, rna, prot, table, sh1, sh2))
    act1, act2 = np.asarray(a1.obsm[_store.ACTIVE_KEY])[i1], np.asarray(a2.obsm[_store.ACTIVE_KEY])[i2]
    out["top_canonical_corr"] = top_canonical_correlation(act1, act2)
    out["warnings"] = _warnings(out, len(features), dict(store.get(_store.REPORT, {})))
    out["not_checked"] = [
        what
        for what, missing in (
            ("label agreement (pass label_key=<obs column with cell types>)", label_key is None),
            ("FOSCTTM and identity accuracy (the modalities share no cells)", out["foscttm"] is None),
        )
        if missing
    ]
    _store_evaluation(mdata, out, label_key)
    for w in out["warnings"]:
        log.warning("mufuse evaluation: %s", w)
    return out
