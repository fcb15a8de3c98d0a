"""After matching: is it real? Label/cluster agreement, marker agreement, a permutation test, FOSCTTM."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from mudata import MuData
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_mutual_info_score
from sklearn.utils.extmath import randomized_svd

from .. import _store
from .._errors import MufuseError
from ._maxfuse import _labels

log = logging.getLogger("mufuse")

MIN_SHARED = 5
CCA_OVERFIT = 0.99


def _pairs(mdata: MuData, rna: str, prot: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    store = _store.uns(mdata)
    if _store.MATCHING not in store:
        raise MufuseError("no matching stored: run mufuse.tl.run_maxfuse(mdata) (or mufuse.tl.add_matching) first")
    table = pd.DataFrame(store[_store.MATCHING])
    if table.empty:
        raise MufuseError("the stored matching has no pairs; nothing to evaluate")
    i1 = mdata.mod[rna].obs_names.get_indexer(table[rna].astype(str))
    i2 = mdata.mod[prot].obs_names.get_indexer(table[prot].astype(str))
    if (i1 < 0).any() or (i2 < 0).any():
        raise MufuseError(f"the stored matching names cells that are no longer in '{rna}'/'{prot}'; match again")
    return table, i1, i2


def _zcols(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    sd = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def marker_agreement(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``x`` with the same column of ``y`` (rows are matched pairs).

    Parameters
    ----------
    x, y
        Pairs × features arrays (RNA and protein shared values of the matched cells).

    Returns
    -------
    One correlation per feature (0 where a column has no variance).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]])
    >>> marker_agreement(x, x).round(3).tolist()
    [1.0, 1.0]
    """
    return (_zcols(x) * _zcols(y)).mean(axis=0)


def permutation_test(x: np.ndarray, y: np.ndarray, *, n_perms: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Permutation p-value of the mean marker correlation of matched pairs against pairings with shuffled partners.

    The statistic is the mean over shared features of the per-feature correlation across pairs. The null draws
    ``n_perms`` random permutations of the protein partners; the p-value is ``(1 + #{null >= observed}) /
    (1 + n_perms)``. Computed in blocks of permutations with one matrix product each (10,000 pairs × 1,000
    permutations take well under a second).

    Parameters
    ----------
    x, y
        Pairs × features arrays.
    n_perms
        Number of permutations.
    seed
        Random seed.

    Returns
    -------
    ``(statistic, p_value)``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 6))
    >>> stat, p = permutation_test(x, x + rng.normal(size=x.shape), n_perms=200)
    >>> p < 0.01
    True
    """
    zx, zy = _zcols(x), _zcols(y)
    n, f = zx.shape
    observed = float((zx * zy).sum() / (n * f))
    rng = np.random.default_rng(seed)
    hits = 0
    block = max(1, min(n_perms, 2_000_000 // max(n * f, 1)))
    done = 0
    while done < n_perms:
        b = min(block, n_perms - done)
        perms = np.stack([rng.permutation(n) for _ in range(b)])  # b × n
        # sum_i <zx_i, zy_perm(i)> for every permutation at once
        null = np.einsum("if,bif->b", zx, zy[perms]) / (n * f)
        hits += int((null >= observed).sum())
        done += b
    return observed, (1 + hits) / (1 + n_perms)


def _clusters(arr: np.ndarray, seed: int) -> np.ndarray:
    n = arr.shape[0]
    k = int(np.clip(round(np.sqrt(n / 50)), 4, 30))
    comps = min(20, arr.shape[1], n - 1)
    emb = PCA(n_components=comps, random_state=seed).fit_transform(arr) if arr.shape[1] > comps else arr
    return KMeans(n_clusters=min(k, n), n_init=4, random_state=seed).fit_predict(emb)


def _purity(c1: np.ndarray, c2: np.ndarray) -> float:
    table = pd.crosstab(c1, c2)
    return float(table.max(axis=1).sum() / table.to_numpy().sum())


def foscttm(x: np.ndarray, y: np.ndarray, *, chunk: int = 2048) -> float:
    """Fraction of samples closer than the true match (FOSCTTM), for paired rows of two arrays.

    Row ``i`` of ``x`` and row ``i`` of ``y`` are the same cell; for each cell, the share of cells of the other
    modality that are closer (correlation distance) than its true partner, averaged over both directions. 0 is
    perfect, about 0.5 is random.

    Parameters
    ----------
    x, y
        Cells × features arrays with the same rows (same cells, same order).
    chunk
        Rows per block (memory: chunk × cells floats).

    Returns
    -------
    FOSCTTM.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(200, 5))
    >>> round(foscttm(x, x), 3)
    0.0
    """
    zx = _zcols(x.T).T / np.sqrt(x.shape[1])  # rows z-scored: dot product = correlation
    zy = _zcols(y.T).T / np.sqrt(y.shape[1])
    n = zx.shape[0]
    total = 0.0
    for a, b in ((zx, zy), (zy, zx)):
        for s in range(0, n, chunk):
            sim = a[s : s + chunk] @ b.T
            true = sim[np.arange(sim.shape[0]), np.arange(s, s + sim.shape[0])]
            total += float((sim > true[:, None]).sum())
    return total / (2 * n * (n - 1))


def _top_canonical_correlation(x: np.ndarray, y: np.ndarray, k: int = 20) -> float:
    """Largest canonical correlation between the active arrays of matched pairs (on their top PCs)."""
    n = x.shape[0]
    k = max(1, min(k, x.shape[1], y.shape[1], n - 2))

    def white(a: np.ndarray) -> np.ndarray:  # orthonormal basis of the top-k PCs (randomized: only k are needed)
        a = np.asarray(a, dtype=np.float64) - np.asarray(a, dtype=np.float64).mean(axis=0)
        u, _, _ = randomized_svd(a, n_components=k, random_state=0)
        return u

    return float(np.linalg.svd(white(x).T @ white(y), compute_uv=False)[0])


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
    table, i1, i2 = _pairs(mdata, rna, prot)
    a1, a2 = mdata.mod[rna], mdata.mod[prot]
    store = _store.uns(mdata)
    features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
    sh1 = np.asarray(a1.obsm[_store.SHARED_KEY])
    sh2 = np.asarray(a2.obsm[_store.SHARED_KEY])
    x, y = sh1[i1], sh2[i2]
    warn: list[str] = []
    not_checked: list[str] = []
    out: dict[str, Any] = {
        "n_matched": len(table),
        "matched_fraction": {rna: len(np.unique(i1)) / a1.n_obs, prot: len(np.unique(i2)) / a2.n_obs},
    }
    if label_key is not None:
        l1, l2 = _labels(mdata, rna, label_key), _labels(mdata, prot, label_key)
        out["label_agreement"] = float((l1[i1] == l2[i2]).mean())
    else:
        out["label_agreement"] = None
        not_checked.append("label agreement (pass label_key=<obs column with cell types>)")
    if cluster_key is not None:
        c1, c2 = _labels(mdata, rna, cluster_key), _labels(mdata, prot, cluster_key)
        out["within_cluster"] = float((c1[i1] == c2[i2]).mean())
        out["cluster_ami"] = float(adjusted_mutual_info_score(c1[i1], c2[i2]))
    else:
        c1 = _clusters(np.asarray(a1.obsm[_store.ACTIVE_KEY]), seed)
        c2 = _clusters(np.asarray(a2.obsm[_store.ACTIVE_KEY]), seed)
        out["within_cluster"] = _purity(c1[i1], c2[i2])
        out["cluster_ami"] = float(adjusted_mutual_info_score(c1[i1], c2[i2]))
    corr = marker_agreement(x, y)
    out["marker_corr"] = pd.Series(corr, index=pd.Index(features, name="feature"), name="marker_corr")
    stat, p = permutation_test(x, y, n_perms=int(n_perms), seed=seed)
    out["mean_marker_corr"], out["p_value"] = stat, p
    paired = a1.obs_names.intersection(a2.obs_names)
    if len(paired) >= 10:
        j1, j2 = a1.obs_names.get_indexer(paired), a2.obs_names.get_indexer(paired)
        out["foscttm"] = foscttm(sh1[j1], sh2[j2])
        same = table[rna].astype(str).to_numpy() == table[prot].astype(str).to_numpy()
        out["identity_accuracy"] = float(same.mean())
    else:
        out["foscttm"] = out["identity_accuracy"] = None
        not_checked.append("FOSCTTM and identity accuracy (the modalities share no cells)")
    act1, act2 = np.asarray(a1.obsm[_store.ACTIVE_KEY])[i1], np.asarray(a2.obsm[_store.ACTIVE_KEY])[i2]
    out["top_canonical_corr"] = _top_canonical_correlation(act1, act2)
    if len(features) < MIN_SHARED:
        warn.append(
            f"only {len(features)} shared features (< {MIN_SHARED}): the initial matching has little to go on; "
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
    report = dict(store.get(_store.REPORT, {}))
    if report and not bool(report.get("ok", True)):
        warn.append(f"the scale check of harmonize failed: {report.get('issues', '')}")
    if p >= 0.01:
        warn.append(f"permutation test p = {p:.3g}: the pairs agree on shared markers no better than random pairs")
    out["warnings"] = warn
    out["not_checked"] = not_checked
    stored = {k: v for k, v in out.items() if v is not None and k not in ("marker_corr", "warnings", "not_checked")}
    stored["marker_corr"] = out["marker_corr"].to_frame()
    stored["warnings"] = "\n".join(warn)
    stored["not_checked"] = "\n".join(not_checked)
    stored["label_key"] = label_key or ""
    _store.update(mdata, {_store.EVALUATION: stored})
    for w in warn:
        log.warning("mufuse evaluation: %s", w)
    return out


BATCH_COLUMNS = ("batch", "sample", "donor", "orig.ident", "patient", "library", "run")


def diagnose(mdata: MuData, *, rna: str = "rna", prot: str = "prot") -> pd.DataFrame:
    """Rank the likely causes of a poor matching from what mufuse stored.

    Looks at the scale report (mismatch between modalities), the number of shared features, their agreement
    across matched pairs (when :func:`evaluate_matching` was run), markers that did not link although they could
    (ambiguous names, genes absent from the RNA, names not found), over-fit canonical correlations, the
    permutation test, and batch columns that ``harmonize`` was not told about.

    Parameters
    ----------
    mdata
        A harmonized MuData (matched and evaluated for the full diagnosis).
    rna, prot
        Modality names.

    Returns
    -------
    DataFrame with columns ``cause``, ``severity`` (0-1, highest first), ``evidence`` and ``fix``; empty when
    nothing looks wrong.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=300, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> mufuse.tl.diagnose(mdata).columns.tolist()
    ['cause', 'severity', 'evidence', 'fix']
    """
    _store.require_harmonized(mdata, rna, prot, what="diagnose")
    store = _store.uns(mdata)
    rows: list[tuple[str, float, str, str]] = []
    from ._scales import scale_report

    features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
    _, issues = scale_report(
        [np.asarray(mdata.mod[rna].obsm[_store.SHARED_KEY]), np.asarray(mdata.mod[prot].obsm[_store.SHARED_KEY])],
        [rna, prot],
        features,
        None,
    )
    if issues:
        rows.append(
            (
                "scale mismatch",
                1.0,
                "; ".join(f"[{r}] {m}" for r, m in issues),
                "run mufuse.pp.harmonize on the raw data (it z-scores both modalities) and do not rescale after",
            )
        )
    n_shared = len(features)
    if n_shared < MIN_SHARED:
        rows.append(
            (
                "too few shared features",
                0.9 - 0.1 * n_shared,
                f"{n_shared} shared features: {', '.join(features)}",
                "link more markers (overrides={'marker': 'GENE'}) or use an RNA with more genes",
            )
        )
    links = pd.DataFrame(store.get(_store.LINKS, pd.DataFrame()))
    if not links.empty:
        lost = links[links["status"].isin(["ambiguous", "gene_absent", "not_found"])]
        if len(lost):
            ev = "; ".join(f"{m}: {r['status']} ({r['wanted'] or '-'})" for m, r in lost.head(8).iterrows())
            rows.append(
                (
                    "unlinked markers that look linkable",
                    min(0.8, 0.2 + 0.1 * len(lost)),
                    ev,
                    "check mufuse.pp.link_features(mdata); pass overrides for ambiguous names, use the full "
                    "transcriptome when genes are absent",
                )
            )
    evaluation = dict(store.get(_store.EVALUATION, {}))
    if evaluation:
        corr = pd.DataFrame(evaluation["marker_corr"])["marker_corr"]
        weak = corr[corr < 0.1].sort_values()
        if len(weak):
            rows.append(
                (
                    "weak shared features",
                    min(0.7, 0.15 * len(weak) + 0.2),
                    ", ".join(f"{f} (r={v:.2f})" for f, v in weak.items()),
                    "exclude them (mufuse.pp.link_features(exclude=[...])) or check their antibodies",
                )
            )
        if float(evaluation.get("top_canonical_corr", 0)) > CCA_OVERFIT:
            rows.append(
                (
                    "over-fit canonical correlations",
                    0.6,
                    f"top canonical correlation {float(evaluation['top_canonical_corr']):.3f}",
                    "check scales and lower refine_pivots cca_components",
                )
            )
        if float(evaluation.get("p_value", 0)) >= 0.01:
            rows.append(
                (
                    "matching not better than random",
                    0.95,
                    f"permutation p = {float(evaluation['p_value']):.3g}",
                    "see the causes above; check that the two modalities measure related cells",
                )
            )
    params = dict(dict(store.get(_store.PARAMS, {})).get("harmonize", {}))
    if not params.get("batch_key"):
        for name in (rna, prot):
            obs = mdata.mod[name].obs
            for col in BATCH_COLUMNS:
                if col in obs.columns and obs[col].nunique() > 1:
                    groups = obs[col].astype(str).to_numpy()
                    arr = np.asarray(mdata.mod[name].obsm[_store.SHARED_KEY])
                    means = np.stack([arr[groups == g].mean(axis=0) for g in np.unique(groups)])
                    shift = float(np.abs(means - arr.mean(axis=0)).max())
                    if shift > 0.25:
                        rows.append(
                            (
                                "batch effect",
                                min(0.8, shift / 2),
                                f"'{name}'.obs['{col}'] has {obs[col].nunique()} batches; shared features "
                                f"shift by up to {shift:.2f} std between them",
                                f"mufuse.pp.harmonize(mdata, batch_key='{col}')",
                            )
                        )
                    break
    table = pd.DataFrame(rows, columns=["cause", "severity", "evidence", "fix"])
    return table.sort_values("severity", ascending=False, ignore_index=True)
