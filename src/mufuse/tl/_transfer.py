"""Carry annotations through a matching: labels by weighted vote, expression of chosen features by weighted mean.

Each cell of the receiving modality votes with its matched partners (weight: the matching score) and, when
:func:`mufuse.tl.run_maxfuse` stored the joint embedding, with its ``n_neighbors`` nearest cells of the other modality
in that space (weight: their correlation with it, MaxFuse's score). Negative weights count as 0.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from mudata import MuData
from scipy import sparse

from .. import _chunked, _counts, _obs, _store, _validate
from .._align import align_batches
from .._errors import MufuseError
from .._transforms import TARGET_SUM, get_transform, panel_columns
from .._transforms import per_cell as transform_per_cell
from ._joint import nearest_rows

log = logging.getLogger("mufuse")


def _voters(mdata: MuData, source: str, target: str, n_neighbors: int) -> sparse.csr_matrix:
    """Target cells × source cells weights: matched partners (score) and joint-space neighbours (correlation)."""
    a_s, a_t = _store.get_modality(mdata, source, "source"), _store.get_modality(mdata, target, "target")
    if source == target:
        raise MufuseError(
            f"source and target are both '{source}': a transfer carries labels or features from one modality to the "
            "other through the matching; pass source= and target= as two modalities"
        )
    table = pd.DataFrame(_store.uns(mdata).get(_store.MATCHING, pd.DataFrame()))
    if table.empty or source not in table.columns or target not in table.columns:
        raise MufuseError(
            f"no matching between '{source}' and '{target}' is stored: run mufuse.tl.match(mdata) (or "
            "mufuse.tl.add_matching) first"
        )
    _store.require_current(mdata, source, target, stage="matching", what="a transfer")
    rows = a_t.obs_names.get_indexer(table[target].astype(str))
    cols = a_s.obs_names.get_indexer(table[source].astype(str))
    ok = (rows >= 0) & (cols >= 0)
    parts = [
        sparse.csr_matrix(
            (np.clip(table["score"].to_numpy(float)[ok], 0, None), (rows[ok], cols[ok])), shape=(a_t.n_obs, a_s.n_obs)
        )
    ]
    if n_neighbors > 0 and _store.EMBEDDING_KEY in a_t.obsm and _store.EMBEDDING_KEY in a_s.obsm:
        parts.append(_neighbour_weights(a_t.obsm[_store.EMBEDDING_KEY], a_s.obsm[_store.EMBEDDING_KEY], n_neighbors))
    return (parts[0] if len(parts) == 1 else parts[0] + parts[1]).tocsr()


def _neighbour_weights(query: np.ndarray, target: np.ndarray, k: int) -> sparse.csr_matrix:
    """Weight the ``k`` best-correlated target rows of each query row, block by block, as a sparse weight matrix."""
    idx, val = nearest_rows(query, target, k, desc="joint-space neighbours")
    rows = np.repeat(np.arange(query.shape[0]), idx.shape[1])
    return sparse.csr_matrix((np.clip(val.ravel(), 0, None), (rows, idx.ravel())), shape=(query.shape[0], len(target)))


def transfer_labels(
    mdata: MuData,
    key: str,
    *,
    source: str = "rna",
    target: str = "prot",
    n_neighbors: int = 15,
) -> pd.DataFrame:
    """Carry a label of one modality's cells onto the other's through the matching, with a confidence.

    Each receiving cell takes the label with the largest summed weight among its voters: its matched partners
    (weight: the matching score) and its ``n_neighbors`` nearest cells of the other modality in the joint embedding
    (weight: correlation), when :func:`run_maxfuse` stored one. The confidence is that label's share of the weight.

    Parameters
    ----------
    mdata
        MuData with a stored matching.
    key
        ``obs`` column of ``source`` with the labels (looked up as everywhere: the modality's ``obs``, then
        ``mdata.obs``).
    source, target
        The modality that has the labels and the one that receives them (``source="prot", target="rna"`` for the
        reverse direction).
    n_neighbors
        Joint-space neighbours that vote beside the matched partners; 0 for the partners alone.

    Returns
    -------
    DataFrame indexed by the ``target`` cells with columns ``label`` and ``confidence`` (0-1; missing for a cell
    without voters). Also written to ``mdata[target].obs[f"mufuse_{key}"]`` (categorical) and
    ``obs[f"mufuse_{key}_confidence"]``.

    Raises
    ------
    MufuseError
        Without a stored matching, or when ``key`` is not an obs column of ``source``.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=200, seed=0)
    >>> mufuse.tl.add_matching(mdata, [list(range(200)), list(range(200)), [1.0] * 200])  # the true pairs
    >>> out = mufuse.tl.transfer_labels(mdata, "cell_type")
    >>> bool((out["label"] == mdata["prot"].obs["cell_type"].astype(str)).all()), float(out["confidence"].min())
    (True, 1.0)
    """
    _validate.require(mdata, "tl.transfer_labels", "a MuData", _validate.is_mudata)
    _store.get_modality(mdata, source, "source")
    _store.get_modality(mdata, target, "target")
    labels = _obs.labels(mdata, source, key)
    weights = _voters(mdata, source, target, int(n_neighbors))
    cats, codes = np.unique(labels, return_inverse=True)
    onehot = sparse.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), len(cats)))
    votes = np.asarray((weights @ onehot).todense())
    total = votes.sum(axis=1)
    best = votes.argmax(axis=1)
    has = total > 0
    label = np.where(has, cats[best], None)
    conf = np.where(has, votes[np.arange(len(best)), best] / np.where(has, total, 1.0), np.nan)
    out = pd.DataFrame(
        {"label": pd.Categorical(label, categories=cats), "confidence": conf}, index=mdata.mod[target].obs_names
    )
    obs = mdata.mod[target].obs
    obs[f"mufuse_{key}"] = out["label"].to_numpy()
    obs[f"mufuse_{key}_confidence"] = conf
    log.info("transferred '%s' from '%s' onto %d '%s' cells", key, source, int(has.sum()), target)
    return out


def _source_values(mdata: MuData, source: str, features: Sequence[str]) -> np.ndarray:
    """Return the values of chosen features of the source cells.

    RNA: log-normalized (1e4, log1p) from its counts; protein: as harmonize transformed it (before the z-score).
    """
    adata = mdata.mod[source]
    params = dict(dict(_store.uns(mdata).get(_store.PARAMS, {})).get("harmonize", {}))
    is_rna = source == params.get("rna", "rna")
    layer = None if is_rna else (params.get("prot_layer") or None)
    src = _counts.find(adata, layer, source, option="prot_layer", require_counts=is_rna)
    names = pd.Index(map(str, src.genes.var_names))
    pos = names.get_indexer(list(features))
    if (pos < 0).any():
        missing = [f for f, p in zip(features, pos, strict=True) if p < 0]
        elsewhere = [m for m in mdata.mod if m != source and set(missing) <= set(map(str, mdata.mod[m].var_names))]
        hint = (
            f": they are features of modality '{elsewhere[0]}', pass source='{elsewhere[0]}' (and target= the "
            "modality that receives them)"
            if elsewhere
            else f"; e.g. {', '.join(names[:5])}"
        )
        raise MufuseError(f"features {', '.join(missing[:5])} are not in modality '{source}' ({src.label}){hint}")
    x = src.matrix
    if is_rna:  # library sizes and the chosen columns only: no copy of the RNA matrix, lazy blocks stay lazy
        lib, cols = x.sum(axis=1), x[:, pos]
        if _chunked.is_dask(x):
            import dask

            lib, cols = dask.compute(lib, cols)
        lib = np.asarray(lib, dtype=np.float64).ravel()
        cols = np.asarray(cols.toarray() if sparse.issparse(cols) else cols, dtype=np.float64)
        return np.log1p(cols * (TARGET_SUM / np.where(lib > 0, lib, 1.0))[:, None])
    if _chunked.is_dask(x):  # protein: markers × cells, small
        x = x.compute()

    transform = str(params.get("prot_transform", "none"))  # the one harmonize resolved "auto" to
    if bool(params.get("prot_counts_recovered", False)):  # min-max scaled counts: transformed as their counts
        x = _recovered_counts(x, source)
    per_cell = transform_per_cell(transform, int(params.get("clr_axis", 0)))  # over the panel, as harmonize did
    links = _store.uns(mdata).get(_store.LINKS)
    if per_cell and isinstance(links, pd.DataFrame):  # the antibody panel only: no area, position or stain
        keep = names.get_indexer(panel_columns(links, names))
        x, names = x[:, keep], names[keep]
        pos = names.get_indexer(list(features))
    out = _replay(params, transform, x if per_cell else x[:, pos], names if per_cell else names[pos], source)
    out = out[:, pos] if per_cell else out
    if bool(params.get("batch_align", False)) and params.get("batch_key"):  # the peaks aligned as harmonize did
        col = _obs.column(mdata, source, str(params["batch_key"]))
        if col is not None:
            cat = pd.Categorical(col.astype(str))
            out = align_batches(out, cat.codes.astype(np.int64), len(cat.categories), list(features))[0]
    return out


def _replay(params: dict, transform: str, x, names: pd.Index, source: str) -> np.ndarray:
    """Apply harmonize's protein transform to ``x`` with the state it fitted (``prot_transform_state``).

    A MuData harmonized before the state was stored is fitted again on the same cells, as harmonize did (with dsb's
    background as those versions stored it, ``dsb_background``).
    """
    t = get_transform("none" if transform == "auto" else transform)
    stored = params.get("prot_transform_state")
    if stored:
        state = json.loads(str(stored))
    else:
        isotypes, background = _dsb_background(params, names, source) if transform == "dsb" else (None, None)
        state = t.fit(
            x,
            list(names),
            cofactor=params.get("cofactor", 5.0),
            clr_axis=int(params.get("clr_axis", 0)),
            isotypes=isotypes,
            background=background,
            modality=source,
        )
    per_marker = [v for v in state.values() if isinstance(v, dict)]  # cofactors, means, backgrounds by marker
    missing = [str(n) for n in names if any(str(n) not in v for v in per_marker)]
    if missing:
        raise MufuseError(
            f"the protein transform of modality '{source}' was fitted without markers {', '.join(missing[:5])} (were "
            "markers added since harmonize?): run mufuse.pp.harmonize(mdata) again"
        )
    return t.apply(x, list(names), state, modality=source)


def _recovered_counts(x, source: str) -> np.ndarray:
    """Recover the counts behind min-max scaled values again, as harmonize did."""
    from .._transforms import recover_scaled_counts

    recovered, why = recover_scaled_counts(x)
    if recovered is None:
        raise MufuseError(
            f"the counts behind the min-max scaled values of modality '{source}' could not be recovered again "
            f"({why}; were cells removed since harmonize?): run mufuse.pp.harmonize(mdata) again"
        )
    return recovered


def _dsb_background(params: dict, names: pd.Index, source: str) -> tuple[np.ndarray, tuple]:
    """Return the isotype columns and the per-marker dsb background (mean, sd) that harmonize stored."""
    stored = json.loads(str(params.get("dsb_background", "{}")) or "{}")
    if not stored:
        raise MufuseError(
            f"the dsb background of modality '{source}' is not stored in params['harmonize']; run "
            "mufuse.pp.harmonize(mdata, prot_transform='dsb') again"
        )
    missing = [n for n in names if n not in stored["mean"]]
    if missing:
        raise MufuseError(
            f"the dsb background stored for modality '{source}' lacks markers {', '.join(missing[:5])} (were "
            "markers added since harmonize?): run mufuse.pp.harmonize(mdata, prot_transform='dsb') again"
        )
    background = tuple(np.array([stored[k][n] for n in names], dtype=np.float64) for k in ("mean", "sd"))
    return names.get_indexer([i for i in stored["isotypes"] if i in names]), background


def transfer_features(
    mdata: MuData,
    features: Sequence[str],
    *,
    source: str = "rna",
    target: str = "prot",
    n_neighbors: int = 15,
) -> pd.DataFrame:
    """Carry the values of chosen features (genes, markers) of one modality onto the other's cells through the matching.

    Each receiving cell gets the weighted mean of its voters' values (voters and weights as in
    :func:`transfer_labels`). RNA values are log-normalized from the counts (library size to 1e4, ``log1p``), the
    scale people read expression on; protein values are those ``harmonize`` transformed (arcsinh, CLR, ...) before
    the z-score. This is why most imaging users match at all: the expression of genes no antibody measures, on every
    imaging cell.

    Parameters
    ----------
    mdata
        MuData with a stored matching (harmonized, for protein sources).
    features
        ``var_names`` of ``source`` (genes of the RNA counts, or protein markers).
    source, target
        The modality the values come from and the one that receives them.
    n_neighbors
        Joint-space neighbours that vote beside the matched partners; 0 for the partners alone.

    Returns
    -------
    DataFrame, ``target`` cells × features (missing for a cell without voters). Also written to
    ``mdata[target].obsm["mufuse_transferred"]`` (a DataFrame; new columns are added to an existing one).

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=200, seed=0)
    >>> mufuse.tl.add_matching(mdata, [list(range(200)), list(range(200)), [1.0] * 200])
    >>> mufuse.tl.transfer_features(mdata, ["CD4", "CD8A"]).shape
    (200, 2)
    """
    _validate.require(mdata, "tl.transfer_features", "a MuData", _validate.is_mudata)
    features = [str(f) for f in ([features] if isinstance(features, str) else features)]
    weights = _voters(mdata, source, target, int(n_neighbors))
    values = _source_values(mdata, source, features)
    total = np.asarray(weights.sum(axis=1)).ravel()
    mean = np.asarray(weights @ values) / np.where(total > 0, total, np.nan)[:, None]
    out = pd.DataFrame(mean.astype(np.float32), index=mdata.mod[target].obs_names, columns=features)
    obsm = mdata.mod[target].obsm
    old = obsm.get(_store.TRANSFERRED_KEY)
    if isinstance(old, pd.DataFrame) and old.index.equals(out.index):
        out = pd.concat([old.drop(columns=[c for c in features if c in old.columns]), out], axis=1)
    obsm[_store.TRANSFERRED_KEY] = out
    return out[features]
