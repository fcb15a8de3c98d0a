"""``harmonize``: shared and active arrays of both modalities on one scale, verified, stored under DESIGN §4 keys."""

from __future__ import annotations

import json
import logging
import time
import warnings
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from mudata import MuData

from .. import _chunked, _store, _validate
from .._errors import MufuseError, StateError
from .._version import __version__
from ..tl._scales import batch_report, detect_state, emit, scale_report
from . import _links, _normalize

log = logging.getLogger("mufuse")

DEFAULT_N_TOP_GENES = 2000
_BAD_RNA_STATES = {"log1p", "zscored", "unit_scaled", "binary", "arcsinh"}


def _resolve_links(mdata: MuData, rna: str, prot: str) -> tuple[pd.DataFrame, str, bool]:
    """Use the stored link table when it still fits the modality, else link with the stored (or default) params."""
    store = _store.uns(mdata)
    params = dict(dict(store.get(_store.PARAMS, {})).get("link", {}))
    multi_gene = str(params.get("multi_gene", "sum"))
    stored = store.get(_store.LINKS)
    prot_names = list(map(str, mdata.mod[prot].var_names))
    if isinstance(stored, pd.DataFrame) and list(map(str, stored.index)) == prot_names:
        return stored, multi_gene, False
    overrides = json.loads(params.get("overrides", "{}") or "{}")
    exclude = json.loads(params.get("exclude", "[]") or "[]")
    links, _ = _links._compute_links(
        mdata, rna=rna, prot=prot, overrides=overrides or None, exclude=exclude or None, multi_gene=multi_gene
    )
    return links, multi_gene, True


# transforms that make no sense for a detected protein state -> what to use instead
_REFUSED = {
    "zscored": ({"clr", "log1p", "arcsinh"}, "prot_transform='zscore' (or 'none')"),
    "unit_scaled": ({"clr", "log1p", "arcsinh"}, "prot_transform='zscore' (min-max values only need z-scoring)"),
    "log1p": ({"clr", "log1p", "arcsinh"}, "prot_transform='zscore' (the values are already on a log scale)"),
    "arcsinh": ({"clr", "log1p", "arcsinh"}, "prot_transform='zscore' (the values are already arcsinh-transformed)"),
}


def _check_transform(transform: str, state: str, why: str, modality: str) -> None:
    refused, instead = _REFUSED.get(state, (set(), ""))
    if transform in refused:
        raise StateError(
            f"prot_transform='{transform}' does not fit modality '{modality}', whose values look {state} ({why}); "
            f"use {instead}, or pass prot_layer= with raw counts"
        )


def _counts_matrix(adata, layer: str | None, modality: str):
    if layer is not None:
        if layer not in adata.layers:
            have = ", ".join(adata.layers.keys()) or "none"
            raise MufuseError(
                f"layer '{layer}' is not in modality '{modality}' (layers: {have}); pass layer=None to use .X"
            )
        return adata.layers[layer], f"layers['{layer}']"
    if "counts" in adata.layers:
        return adata.layers["counts"], "layers['counts']"
    if adata.X is None:
        have = ", ".join(adata.layers.keys()) or "none"
        raise MufuseError(f"modality '{modality}' has no .X (layers: {have}); pass layer='<layer with raw counts>'")
    return adata.X, ".X"


def _batch_column(mdata: MuData, adata, batch_key: str):
    """Return the batch labels of a modality's cells, or ``None`` when this modality has no such column."""
    if batch_key in adata.obs.columns:
        return adata.obs[batch_key]
    if batch_key in mdata.obs.columns:
        col = mdata.obs.reindex(adata.obs_names)[batch_key]
        return None if col.isna().all() else col
    return None


def _batches(mdata: MuData, ads: dict[str, Any], batch_key: str | None) -> dict[str, tuple[Any, int, list[str]]]:
    """Batch codes per modality; a modality without the column is one batch (imaging beside scRNA-seq)."""
    out: dict[str, tuple[Any, int, list[str]]] = {name: (None, 1, []) for name in ads}
    if batch_key is None:
        return out
    cols = {name: _batch_column(mdata, ad, batch_key) for name, ad in ads.items()}
    if all(c is None for c in cols.values()):
        have = sorted({str(c) for ad in ads.values() for c in ad.obs.columns} | set(map(str, mdata.obs.columns)))
        raise MufuseError(
            f"batch_key '{batch_key}' is not an obs column of any modality ({', '.join(ads)}) nor of mdata.obs; "
            f"columns there: {', '.join(have[:12])}"
        )
    for name, col in cols.items():
        if col is None:
            log.info("    modality '%s' has no '%s' column: one batch", name, batch_key)
            continue
        if col.isna().any():
            raise MufuseError(
                f"batch_key '{batch_key}' has {int(col.isna().sum())} missing values in modality '{name}'; fill them "
                "before harmonizing"
            )
        cat = pd.Categorical(col.astype(str))
        out[name] = (cat.codes.astype(np.int64), len(cat.categories), list(map(str, cat.categories)))
    return out


def harmonize(
    mdata: MuData,
    *,
    rna: str = "rna",
    prot: str = "prot",
    prot_transform: str = "auto",
    clip: float = 5.0,
    library_size: str = "all",
    n_top_genes: int | None = None,
    batch_key: str | None = None,
    strict: bool = False,
    copy: bool = False,
    layer: str | None = None,
    prot_layer: str | None = None,
    cofactor: float = 5.0,
    clr_axis: int = 0,
) -> MuData | None:
    """Put the shared features of RNA and protein on one scale and build MaxFuse's shared and active arrays.

    RNA (from counts): library size (from all genes, or from the shared genes only) → normalize to 1e4 →
    log1p → per-feature z-score → clip at ± ``clip``, on the shared genes (a multi-gene protein sums its genes'
    counts into one column) and on the ``n_top_genes`` highly variable genes (scanpy's ``seurat`` flavor; the
    active array, always normalized by the library size from all genes). Protein: ``prot_transform`` →
    per-feature z-score → clip at ± ``clip``; the active array holds every usable marker (not isotype controls,
    stains, blanks). Features without variance in either modality are dropped from both and reported. The
    scales are then verified (:func:`mufuse.tl.check_scales`).

    The counts are read once for the statistics and once for the needed columns; the RNA matrix is never
    densified or copied. The user's ``.X``, ``.layers`` and ``.raw`` are not modified, and nothing is written
    when a step fails. Running it twice gives the same result.

    Out of core: when the RNA counts are a dask array (e.g. read lazily from an ``.h5mu`` with
    ``anndata.experimental.read_elem_lazy``, or ``mufuse harmonize --chunks N``), both passes run block by block
    on the active dask scheduler (a ``dask.distributed`` client spreads them over its workers), and
    ``obsm["mufuse_active"]`` of the RNA becomes a lazy dask array with the same blocks, computed from the counts
    when it is written or used (at a million cells it would be 8 GB); keep the file open until then. The other
    three arrays are in memory. Both equal the in-memory results to 1e-5.

    Parameters
    ----------
    mdata
        MuData with RNA counts and protein counts/intensities; paired (same cells) or unpaired (other cells).
    rna, prot
        Names of the two modalities.
    prot_transform
        ``"auto"`` (default: chosen from the detected state of the protein, see below), ``"zscore"`` (values as
        given, then z-score), ``"clr"``, ``"arcsinh"`` (``arcsinh(x / cofactor)``), ``"log1p"`` or ``"none"``; every
        transform is followed by the per-feature z-score and clip. ``"auto"`` uses ``arcsinh`` on raw counts (it
        matched best on real CITE-seq data split into halves, ``benchmarks/defaults_pbmc10k.py``), ``log1p`` on
        library-normalized values, and only the z-score on anything already transformed (log, arcsinh, [0, 1],
        z-scored), so "pre-scaled" protein gets the same treatment as its counts would.
    clip
        Clip value after z-scoring (both modalities).
    library_size
        ``"all"`` (library size from all genes) or ``"shared"`` (from the shared genes only, as in the MaxFuse
        tutorial) for the RNA shared array.
    n_top_genes
        Number of highly variable genes in the RNA active array; default 2000, or all genes when the RNA has
        fewer. An explicit value larger than the number of genes is an error.
    batch_key
        Column of ``obs`` (of each modality, or of ``mdata.obs``): z-score within each batch.
    strict
        Raise :class:`mufuse.ScaleMismatchError` when the scale check fails, instead of warning.
    copy
        Return a harmonized copy and leave ``mdata`` as it is.
    layer
        RNA layer with raw counts; default ``layers["counts"]`` when present, else ``.X``.
    prot_layer
        Protein layer to use; default ``.X``.
    cofactor
        Cofactor for ``prot_transform="arcsinh"``.
    clr_axis
        Axis for ``prot_transform="clr"``: 0 = per marker across cells (muon's default), 1 = per cell.

    Raises
    ------
    MufuseError
        Before anything is computed or stored, naming the modality, the feature(s) and the fix: a modality
        missing, fewer than 20 cells, duplicated ``obs_names``/``var_names``, NaN/Inf or negative counts, an
        unknown transform or a bad parameter value. :class:`mufuse.LinkError` when fewer than 3 features are
        shared (listing why the other markers did not link); :class:`mufuse.StateError` when the input does not
        look like what is needed (log-normalized RNA in place of counts, a transform that does not fit the
        protein). Empty cells and features without variance are not errors: they are reported (``report``:
        ``empty_cells``, ``dropped``), and partly overlapping ``obs_names`` give a warning (``report["pairing"]``).

    Returns
    -------
    The harmonized copy when ``copy=True``, else ``None``. Results are stored in
    ``mdata[rna].obsm["mufuse_shared"]``, ``mdata[prot].obsm["mufuse_shared"]``, ``obsm["mufuse_active"]`` of
    both, and ``mdata.uns["mufuse"]`` (``links``, ``shared``, ``active``, ``report``, ``params``).

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=500, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> mdata["rna"].obsm["mufuse_shared"].shape[1] == mdata["prot"].obsm["mufuse_shared"].shape[1]
    True
    """
    t0 = time.perf_counter()
    rna_ad = _store.get_modality(mdata, rna, "rna")
    prot_ad = _store.get_modality(mdata, prot, "prot")
    for ad, name in ((rna_ad, rna), (prot_ad, prot)):
        _validate.enough_cells(ad, name)
        _validate.unique_names(ad, name)
    if prot_layer is not None and prot_layer not in prot_ad.layers:
        have = ", ".join(prot_ad.layers.keys()) or "none"
        raise MufuseError(
            f"layer '{prot_layer}' is not in modality '{prot}' (layers: {have}); pass prot_layer=None to use .X"
        )
    if prot_transform not in _normalize.PROT_TRANSFORMS:
        raise MufuseError(f"prot_transform={prot_transform!r} is not one of {', '.join(_normalize.PROT_TRANSFORMS)}")
    if library_size not in _normalize.LIBRARY_SIZES:
        raise MufuseError(f"library_size={library_size!r} is not one of {', '.join(_normalize.LIBRARY_SIZES)}")
    if not (isinstance(clip, int | float) and clip > 0 and np.isfinite(clip)):
        raise MufuseError(f"clip must be a positive number (e.g. 5.0), got {clip!r}")
    if n_top_genes is None:
        n_top_genes = min(DEFAULT_N_TOP_GENES, rna_ad.n_vars)
    if not (isinstance(n_top_genes, int | np.integer) and not isinstance(n_top_genes, bool) and n_top_genes > 0):
        raise MufuseError(f"n_top_genes must be a positive integer, got {n_top_genes!r}")
    if n_top_genes > rna_ad.n_vars:
        raise MufuseError(
            f"n_top_genes={n_top_genes} is larger than the {rna_ad.n_vars} genes of modality '{rna}'; "
            f"pass n_top_genes<={rna_ad.n_vars}"
        )
    log.info(
        "harmonizing '%s' (%d × %d) and '%s' (%d × %d)",
        rna,
        rna_ad.n_obs,
        rna_ad.n_vars,
        prot,
        prot_ad.n_obs,
        prot_ad.n_vars,
    )

    # 1. links → shared features
    links, multi_gene, relinked = _resolve_links(mdata, rna, prot)
    shared = _links.shared_features(links, multi_gene)
    pairing, n_paired = _validate.pairing(mdata, rna, prot)
    if shared.empty:
        _validate.enough_shared(shared, links, rna_ad, rna, prot)

    # 2. RNA
    counts, counts_src = _counts_matrix(rna_ad, layer, rna)
    counts = _validate.readable(counts, rna)  # a backed .X is read block by block, as a dask array
    rna_state, why = detect_state(counts, return_reason=True)
    if rna_state in _BAD_RNA_STATES:
        hint = "pass layer='counts'" if "counts" not in rna_ad.layers else "check layers['counts']"
        raise StateError(
            f"modality '{rna}' {counts_src} looks {rna_state} ({why}), not like counts; mufuse normalizes "
            f"RNA itself from raw counts: {hint} (the layer with raw UMI counts)"
        )
    gene_pos = pd.Index(map(str, rna_ad.var_names))
    shared_genes = [gene_pos.get_indexer(_links._parse_genes(g)) for g in shared["genes"]]
    groups = _batches(mdata, {rna: rna_ad, prot: prot_ad}, batch_key)
    groups_r, n_groups_r, batches_r = groups[rna]
    res = _normalize.rna_arrays(
        counts,
        shared_genes=shared_genes,
        n_top_genes=int(n_top_genes),
        library_size=library_size,
        clip=float(clip),
        groups=groups_r,
        n_groups=n_groups_r,
        modality=rna,
        var_names=gene_pos,
    )

    # 3. protein: every usable marker, transformed, z-scored, clipped
    usable = [str(m) for m in links.index[links["status"] != "excluded"]]
    pmat = _validate.readable(prot_ad.layers[prot_layer] if prot_layer is not None else prot_ad.X, prot)
    if _chunked.is_dask(pmat):  # protein matrices are small (markers × cells): read them whole
        pmat = pmat.compute()
    prot_pos = pd.Index(map(str, prot_ad.var_names))
    prot_state, prot_why = detect_state(pmat, return_reason=True)
    requested = prot_transform
    if prot_transform == "auto":
        prot_transform = _normalize.resolve_auto(prot_state)
        log.info("    prot_transform='auto': protein looks %s, using '%s'", prot_state, prot_transform)
    _check_transform(prot_transform, prot_state, prot_why, prot)
    pcols = prot_pos.get_indexer(usable)
    pvals = _normalize.transform_protein(
        pmat[:, pcols], transform=prot_transform, cofactor=cofactor, clr_axis=clr_axis, modality=prot
    )
    if not np.all(np.isfinite(pvals)):
        bad = [usable[j] for j in np.flatnonzero(~np.isfinite(pvals).all(axis=0))[:5]]
        raise MufuseError(
            f"modality '{prot}' has NaN/Inf values in markers {', '.join(bad)} (after "
            f"prot_transform='{prot_transform}'); fix or exclude them (exclude=[...])"
        )
    prot_active = np.ascontiguousarray(pvals, dtype=np.float32)
    groups_p, n_groups_p, batches_p = groups[prot]
    from .._kernels import standardize_clip

    _, p_std = standardize_clip(prot_active, clip=float(clip), groups=groups_p, n_groups=n_groups_p)

    # 4. drop features without variance (in every batch) from both
    p_var = np.asarray((p_std > 0).any(axis=0), dtype=bool)
    marker_col = {m: j for j, m in enumerate(usable)}
    sh_pcols = np.array([marker_col[m] for m in shared["prot"]], dtype=np.int64)
    r_var = np.asarray((res["shared_std"] > 0).any(axis=0), dtype=bool)
    keep = np.asarray(r_var & p_var[sh_pcols], dtype=bool)
    dropped = [
        f"{f} ({'no variance in ' + rna if not r_var[j] else 'no variance in ' + prot})"
        for j, f in enumerate(shared.index)
        if not keep[j]
    ]
    _validate.enough_shared(shared.loc[keep], links, rna_ad, rna, prot, dropped)
    if dropped:
        log.warning("dropped %d shared feature(s) without variance: %s", len(dropped), "; ".join(dropped))
    shared = shared.loc[keep]
    rna_shared = np.ascontiguousarray(res["shared"][:, keep])
    prot_shared = np.ascontiguousarray(prot_active[:, sh_pcols[keep]])
    act_keep = p_var
    prot_active_names = [m for m, k in zip(usable, act_keep, strict=True) if k]
    prot_active = np.ascontiguousarray(prot_active[:, act_keep])
    hvg_names = gene_pos[res["hvg"]]
    act_r_keep = (res["active_std"] > 0).any(axis=0)
    rna_active = res["active"]
    if not act_r_keep.all():
        rna_active = rna_active[:, act_r_keep]
        rna_active = rna_active if _chunked.is_dask(rna_active) else np.ascontiguousarray(rna_active)
    hvg_names = hvg_names[act_r_keep]

    empty = {
        rna: np.asarray(rna_ad.obs_names[res["stats"].lib == 0], dtype=object),
        prot: np.asarray(prot_ad.obs_names[~np.asarray(np.abs(pmat[:, pcols]).sum(axis=1) > 0).ravel()], dtype=object),
    }
    n_empty_r, n_empty_p = len(empty[rna]), len(empty[prot])
    for name, cells in empty.items():
        if len(cells):
            warnings.warn(
                f"modality '{name}' has {len(cells)} cell(s) without any signal (all zero; e.g. "
                f"{', '.join(map(str, cells[:3]))}); their rows hold the z-score of zero, and mufuse.tl.run_maxfuse "
                f"leaves them out of the matching: filter them upstream to silence this "
                f"(e.g. mu.pp.filter_obs(mdata['{name}'], 'total_counts', lambda x: x > 0))",
                UserWarning,
                stacklevel=2,
            )

    # 5. verify
    features = [str(f) for f in shared.index]
    after, issues = scale_report([rna_shared, prot_shared], [rna, prot], features, clip)
    before, before_issues = scale_report(
        [rna_shared, np.asarray(_normalize._dense_float(pmat[:, prot_pos.get_indexer(shared["prot"])]))],
        [rna, prot],
        features,
        clip,
    )
    emit(issues, strict=strict, stacklevel=3)

    # 6. write everything at once
    target = mdata.copy() if copy else mdata
    report = {
        "table": after,
        "before": before,
        "before_issues": "\n".join(f"[{r}] {m}" for r, m in before_issues),
        "issues": "\n".join(f"[{r}] {m}" for r, m in issues),
        "ok": not issues,
        "dropped": "\n".join(dropped),
        "input_state": {rna: rna_state, prot: prot_state},
        "input_state_reason": {rna: why, prot: prot_why},
        "counts_source": counts_src,
        # non-integer "counts" are accepted (e.g. alevin estimates) but reported: a log or scaling slips through here
        "rna_fractional_values": int(res["stats"].n_fractional),
        # cells without any count / signal: kept (their rows are the z-score of zero) but reported
        "empty_cells": {rna: n_empty_r, prot: n_empty_p},
        "empty_cell_names": empty,  # left out of the matching by run_maxfuse
        "pairing": pairing,
        "n_paired_names": int(n_paired),
    }
    if batch_key is not None:
        report["batches"] = batch_report(
            [rna_shared, prot_shared],
            [rna, prot],
            [
                g if g is not None else np.zeros(a.shape[0], np.int64)
                for g, a in ((groups_r, rna_shared), (groups_p, prot_shared))
            ],
            [b or ["(one batch)"] for b in (batches_r, batches_p)],
        )
    params = dict(dict(_store.uns(mdata).get(_store.PARAMS, {})))
    params["harmonize"] = {
        "rna": rna,
        "prot": prot,
        "prot_transform": prot_transform,
        "prot_transform_requested": requested,
        "clip": float(clip),
        "library_size": library_size,
        "n_top_genes": int(n_top_genes),
        "batch_key": batch_key or "",
        "layer": layer or "",
        "prot_layer": prot_layer or "",
        "cofactor": float(cofactor),
        "clr_axis": int(clr_axis),
        "batches": json.dumps({rna: batches_r, prot: batches_p}),
    }
    if relinked or "link" not in params:
        params["link"] = {
            "multi_gene": multi_gene,
            "overrides": params.get("link", {}).get("overrides", "{}"),
            "exclude": params.get("link", {}).get("exclude", "[]"),
        }
    params["versions"] = _versions()
    _store.write_harmonized(
        target,
        rna=rna,
        prot=prot,
        arrays={
            (rna, _store.SHARED_KEY): rna_shared,
            (prot, _store.SHARED_KEY): prot_shared,
            (rna, _store.ACTIVE_KEY): rna_active,
            (prot, _store.ACTIVE_KEY): prot_active,
        },
        entries={
            _store.LINKS: links,
            _store.SHARED: shared,
            _store.ACTIVE: {
                rna: np.asarray(hvg_names, dtype=object),
                prot: np.asarray(prot_active_names, dtype=object),
            },
            _store.REPORT: report,
            _store.PARAMS: params,
        },
    )
    log.info(
        "    %d shared features, %d + %d active features; finished (%s)",
        len(shared),
        rna_active.shape[1],
        prot_active.shape[1],
        timedelta(seconds=round(time.perf_counter() - t0, 2)),
    )
    return target if copy else None


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"mufuse": __version__}
    for pkg in ("anndata", "mudata", "scanpy", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover - installed from source without metadata
            out[pkg] = "unknown"
    return out
