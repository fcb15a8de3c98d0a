"""``tl.diagnose``: the likely causes of a poor matching, ranked, each with its evidence and its fix.

Each cause is one function that reads what mufuse stored and returns rows ``(cause, severity, evidence, fix)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from mudata import MuData

from .. import _obs, _store, _validate
from .._report import format_issues, stored_report
from ._evaluate import CCA_OVERFIT, FEW_SHARED, not_significant

BATCH_COLUMNS = ("batch", "sample", "donor", "orig.ident", "patient", "library", "run")
Row = tuple[str, float, str, str]  # (cause, severity 0-1, evidence, fix)


def _scale_mismatch(mdata: MuData, rna: str, prot: str, features: list[str]) -> list[Row]:
    arrays = [np.asarray(mdata.mod[m].obsm[_store.SHARED_KEY]) for m in (rna, prot)]
    stored = dict(_store.uns(mdata).get(_store.REPORT, {})).get("table")
    _, issues = stored_report(arrays, [rna, prot], features, None, stored)
    if not issues:
        return []
    own = any("harmonize's own" in msg for _, msg in issues)
    fix = (
        "the arrays are harmonize's own: exclude the features named above or filter the extreme cells"
        if own
        else "the stored arrays were changed after mufuse.pp.harmonize: run it again on the raw data and do not "
        "rescale after"
    )
    return [("scale mismatch", 1.0, format_issues(issues, sep="; "), fix)]


def _few_shared(features: list[str]) -> list[Row]:
    n = len(features)
    if n >= FEW_SHARED:
        return []
    return [
        (
            "too few shared features",
            0.9 - 0.1 * n,
            f"{n} shared features: {', '.join(features)}",
            "link more markers (overrides={'marker': 'GENE'}) or use an RNA with more genes",
        )
    ]


def _unlinked(store: dict) -> list[Row]:
    links = pd.DataFrame(store.get(_store.LINKS, pd.DataFrame()))
    if links.empty:
        return []
    lost = links[links["status"].isin(["ambiguous", "gene_absent", "not_found"])]
    if not len(lost):
        return []
    return [
        (
            "unlinked markers that look linkable",
            min(0.8, 0.2 + 0.1 * len(lost)),
            "; ".join(f"{m}: {r['status']} ({r['wanted'] or '-'})" for m, r in lost.head(8).iterrows()),
            "check mufuse.pp.link_features(mdata); pass overrides for ambiguous names, use the full "
            "transcriptome when genes are absent",
        )
    ]


def _evaluation(store: dict) -> list[Row]:
    """Causes read from a stored evaluation: weak shared features, over-fit CCA, a matching no better than random."""
    evaluation = dict(store.get(_store.EVALUATION, {}))
    if not evaluation:
        return []
    rows: list[Row] = []
    corr = pd.DataFrame(evaluation["marker_corr"])["marker_corr"]
    weak = corr[corr < 0.1].sort_values()
    if len(weak):
        rows.append(
            (
                "weak shared features",
                min(0.7, 0.15 * len(weak) + 0.2),
                ", ".join(f"{f} (r={v:.3f})" for f, v in weak.items()),  # 0.0957 must not read 0.10 < 0.1
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
    if not_significant(float(evaluation.get("p_value", 0)), int(evaluation.get("n_perms", 1000))):
        rows.append(
            (
                "matching not better than random",
                0.95,
                f"permutation p = {float(evaluation['p_value']):.3g}",
                "see the causes above; check that the two modalities measure related cells",
            )
        )
    return rows


def _labels(store: dict) -> list[Row]:
    """Labels of the two modalities that do not (all) compare: the label agreement says little or nothing."""
    overlap = dict(dict(store.get(_store.EVALUATION, {})).get("label_overlap", {}))
    only = {k: list(v) for k, v in overlap.items() if k.startswith("only_") and len(v)}
    if not only:
        return []
    none_shared = not len(overlap.get("shared", []))
    evidence = "; ".join(
        f"labels in '{k.removeprefix('only_')}' only: {', '.join(map(str, v[:8]))}" for k, v in only.items()
    )
    return [
        (
            "labels not comparable" if none_shared else "labels partly comparable",
            0.5 if none_shared else 0.3,
            evidence
            + (
                "; no label occurs in both modalities, so label agreement was not computed"
                if none_shared
                else f"; label agreement counts {float(overlap.get('pairs_compared', 0)):.0%} of the pairs"
            ),
            "mufuse.tl.evaluate_matching(mdata, label_key=..., label_map={'<label>': '<common label>', ...})",
        )
    ]


def _batch_like(col: pd.Series | None) -> bool:
    return col is not None and not col.isna().any() and col.nunique() > 1


def _batch_effect(mdata: MuData, rna: str, prot: str, store: dict) -> list[Row]:
    """Find a batch-like obs column that harmonize was not told about and that shifts the shared features."""
    if dict(dict(store.get(_store.PARAMS, {})).get("harmonize", {})).get("batch_key"):
        return []
    rows: list[Row] = []
    for name in (rna, prot):
        found = [(c, v) for c in BATCH_COLUMNS if _batch_like(v := _obs.column(mdata, name, c))]
        if not found:
            continue
        col, values = found[0]
        assert values is not None
        groups = np.asarray(values.astype(str).to_numpy())
        arr = np.asarray(mdata.mod[name].obsm[_store.SHARED_KEY])
        means = np.stack([arr[groups == g].mean(axis=0) for g in np.unique(groups)])
        shift = float(np.abs(means - arr.mean(axis=0)).max())
        if shift > 0.25:
            rows.append(
                (
                    "batch effect",
                    min(0.8, shift / 2),
                    f"obs column '{col}' of '{name}' has {len(np.unique(groups))} batches; shared features "
                    f"shift by up to {shift:.2f} std between them",
                    f"mufuse.pp.harmonize(mdata, batch_key='{col}')",
                )
            )
    return rows


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

    References
    ----------
    - The research notes that started mufuse (a MaxFuse run that matched cells across clusters because z-scored RNA,
      std≈0.8, sat beside "pre-scaled" protein, std≈0.08): z-score both modalities, clip both at ±5, check mean≈0,
      std≈1 and the same range; very high canonical correlations are a symptom of a mismatch.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=300, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> mufuse.tl.diagnose(mdata).columns.tolist()
    ['cause', 'severity', 'evidence', 'fix']
    """
    _validate.require(mdata, "tl.diagnose", "a MuData", _validate.is_mudata)
    _store.require_harmonized(mdata, rna, prot, what="diagnose")
    store = _store.uns(mdata)
    if _store.MATCHING in store:  # the stored evaluation belongs to the matching as stored
        _store.require_current(mdata, rna, prot, stage="matching", what="diagnose")
    features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
    rows = [
        *_scale_mismatch(mdata, rna, prot, features),
        *_few_shared(features),
        *_unlinked(store),
        *_evaluation(store),
        *_labels(store),
        *_batch_effect(mdata, rna, prot, store),
    ]
    table = pd.DataFrame(rows, columns=["cause", "severity", "evidence", "fix"])
    return table.sort_values("severity", ascending=False, ignore_index=True)
