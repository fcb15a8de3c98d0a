"""The steps of ``pp.harmonize``, each a function that can be tested alone.

Check the arguments, resolve the links and batches, build the RNA arrays, build the protein arrays, drop features
without variance, report empty cells, verify, record the parameters, store.

Each step but the last reads the user's data and returns new arrays or tables without writing to the MuData; the last,
:func:`store`, writes everything at once, so a failed step leaves the MuData as it was.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from anndata import AnnData
from mudata import MuData

from .. import _align, _chunked, _counts, _kernels, _obs, _progress, _store, _transforms, _validate
from .._errors import MufuseError, StateError
from .._genes import RNA_ROLES, gene_rows, parse_genes
from .._report import batch_report, format_issues, scale_report
from .._state import detect_state
from .._version import __version__
from . import _links, _normalize

log = logging.getLogger("mufuse")

DEFAULT_N_TOP_GENES = 2000
MIN_EMPTY_DROPLETS = 50  # dsb's background from fewer empty droplets is no estimate
# transforms that make no sense for a detected protein state -> what to use instead
_LOG_LIKE = {"clr", "log1p", "arcsinh", "total_log1p", "dsb"}  # transforms that take counts (or intensities), not logs
_REFUSED = {
    "zscored": (_LOG_LIKE, "prot_transform='zscore' (or 'none')"),
    "unit_scaled": (_LOG_LIKE, "prot_transform='zscore' (min-max values only need z-scoring)"),
    "log1p": (_LOG_LIKE, "prot_transform='zscore' (the values are already on a log scale)"),
    "arcsinh": (_LOG_LIKE, "prot_transform='zscore' (the values are already arcsinh-transformed)"),
}

EXTREME = 2.0  # a cell beyond EXTREME * clip robust std in most markers at once is an extreme cell
MAX_EXTREME = 0.05  # at most this share of the cells: more is a population, not a handful
Batches = tuple[Any, int, list[str]]  # (codes per cell or None, number of batches, batch names)


@dataclass
class RnaResult:
    """What the RNA step built: the arrays of :func:`mufuse.pp._normalize.rna_arrays` and where the counts came from."""

    arrays: dict[str, Any]  # shared, active, hvg, stats, shared_std, active_std
    gene_names: pd.Index
    state: str
    why: str
    source: str
    roles: dict[str, int]  # RNA rows per role (mufuse.pp.RNA_ROLES): only genes are used
    composition: pd.DataFrame | None = None  # batch_key without batch_align: shared genes whose populations move apart


@dataclass
class ProtResult:
    """What the protein step built: every usable marker transformed, z-scored and clipped."""

    active: np.ndarray  # cells × usable markers, float32
    std: np.ndarray  # per batch × marker std before scaling
    usable: list[str]
    values: Any  # the protein matrix as read (cells × all markers)
    marker_names: pd.Index
    state: str
    why: str
    transform: str
    source: str  # where the values were read: ".X", "layers['counts']", ...
    extreme: pd.DataFrame  # cells far out in most markers (index: cell; columns: n_markers, median_z)
    alignment: pd.DataFrame | None = None  # landmarks per marker and batch when batch_align=True
    dsb: dict | None = None  # prot_transform="dsb": the background per marker, its source, the isotypes used
    reason: str = ""  # why this transform (the choice of "auto", or "as requested")
    recovered: bool = False  # the counts behind min-max scaled values were recovered and transformed
    roles: dict[str, int] | None = None  # protein columns per role (mufuse.pp.PROT_ROLES): only markers are matched
    composition: pd.DataFrame | None = None  # batch_key without batch_align: markers whose populations move apart
    cofactor: Any = None  # arcsinh's cofactor(s) as used ("median" resolved to {marker: cofactor})
    transform_state: dict | None = None  # the protein transform's fitted state, replayed by the transfers


@dataclass
class Arrays:
    """The four arrays and their feature names, after features without variance were dropped from both."""

    shared: pd.DataFrame
    rna_shared: np.ndarray
    prot_shared: np.ndarray
    rna_active: Any  # numpy, or a lazy dask array out of core
    prot_active: np.ndarray
    rna_active_names: pd.Index
    prot_active_names: list[str]
    dropped: list[str]


@dataclass(frozen=True)
class Options:
    """The arguments of :func:`mufuse.pp.harmonize` that shape the arrays (checked by :func:`check_arguments`)."""

    rna: str
    prot: str
    prot_transform: str
    clip: float
    library_size: str
    n_top_genes: int | None
    batch_key: str | None
    layer: str | None
    prot_layer: str | None
    cofactor: Any  # a number, or {marker: cofactor}
    clr_axis: int
    batch_align: bool = False
    empty_droplets: Any = None  # AnnData of protein counts in empty droplets (prot_transform="dsb")

    def record(self, transform: str, groups: dict[str, Batches]) -> dict[str, Any]:
        """Return the ``params["harmonize"]`` entry: the options as .h5mu stores them, the transform, the batches."""
        return {
            "rna": self.rna,
            "prot": self.prot,
            "prot_transform": transform,
            "prot_transform_requested": self.prot_transform,
            "clip": float(self.clip),
            "library_size": self.library_size,
            "n_top_genes": int(self.n_top_genes or 0),
            "batch_key": self.batch_key or "",
            "layer": self.layer or "",
            "prot_layer": self.prot_layer or "",
            "cofactor": _stored_cofactor(self.cofactor),
            "clr_axis": int(self.clr_axis),
            "batch_align": bool(self.batch_align),
            "empty_droplets": int(self.empty_droplets.n_obs) if self.empty_droplets is not None else 0,
            "batches": json.dumps({self.rna: groups[self.rna][2], self.prot: groups[self.prot][2]}),
        }


def _stored_cofactor(cofactor) -> float | str:
    """Return the cofactor as ``.h5mu`` stores it: a number, a JSON object of ``{marker: cofactor}``, or "median"."""
    if isinstance(cofactor, Mapping):
        return json.dumps({str(k): float(v) for k, v in cofactor.items()})
    return cofactor if isinstance(cofactor, str) else float(cofactor)


def check_arguments(mdata: MuData, opts: Options) -> tuple[Any, Any, Options]:
    """Check the modalities and every argument before any work.

    Returns both AnnData and the options completed (``n_top_genes`` resolved, ``clip`` a float).
    """
    rna, prot = opts.rna, opts.prot
    rna_ad = _store.get_modality(mdata, rna, "rna")
    prot_ad = _store.get_modality(mdata, prot, "prot")
    for ad, name in ((rna_ad, rna), (prot_ad, prot)):
        _validate.enough_cells(ad, name)
        _validate.unique_names(ad, name)
    if opts.prot_transform not in _normalize.PROT_TRANSFORMS:
        raise MufuseError(
            f"prot_transform={opts.prot_transform!r} is not one of {', '.join(_normalize.PROT_TRANSFORMS)}"
        )
    if opts.library_size not in _normalize.LIBRARY_SIZES:
        raise MufuseError(f"library_size={opts.library_size!r} is not one of {', '.join(_normalize.LIBRARY_SIZES)}")
    if opts.cofactor != _transforms.MEDIAN_COFACTOR:
        _transforms.cofactors(opts.cofactor, [], prot)  # a positive number, or markers mapped to positive numbers
    unknown = _transforms.unknown_cofactor_markers(opts.cofactor, prot_ad.var_names)
    if unknown:
        raise MufuseError(
            f"cofactor names markers that are not in modality '{prot}': {', '.join(unknown)}; markers there are "
            f"e.g. {', '.join(map(str, prot_ad.var_names[:5]))}"
        )
    if opts.empty_droplets is not None:
        _check_empty_droplets(opts.empty_droplets, prot_ad, opts)
    if opts.batch_align and opts.batch_key is None:
        raise MufuseError(
            f"batch_align=True aligns the protein batches of modality '{prot}': pass batch_key=<obs column with the "
            "batches>, or leave batch_align out"
        )
    clip = opts.clip
    if not (isinstance(clip, int | float) and clip > 0 and np.isfinite(clip)):
        raise MufuseError(f"clip must be a positive number (e.g. 5.0), got {clip!r}")
    n_top = min(DEFAULT_N_TOP_GENES, rna_ad.n_vars) if opts.n_top_genes is None else opts.n_top_genes
    if not (isinstance(n_top, int | np.integer) and not isinstance(n_top, bool) and n_top > 0):
        raise MufuseError(f"n_top_genes must be a positive integer, got {n_top!r}")
    if n_top > rna_ad.n_vars:
        raise MufuseError(
            f"n_top_genes={n_top} is larger than the {rna_ad.n_vars} genes of modality '{rna}'; "
            f"pass n_top_genes<={rna_ad.n_vars}"
        )
    return rna_ad, prot_ad, replace(opts, n_top_genes=int(n_top), clip=float(clip))


def _check_empty_droplets(empty, prot_ad, opts: Options) -> None:
    """Empty droplets are an AnnData with every protein marker, non-negative finite counts, used by ``dsb`` only."""
    prot = opts.prot
    if opts.prot_transform not in ("dsb", "auto"):
        raise MufuseError(
            f"empty_droplets is the background of prot_transform='dsb' (got prot_transform={opts.prot_transform!r}); "
            "pass prot_transform='dsb' (or 'auto'), or leave empty_droplets out"
        )
    if not isinstance(empty, AnnData):
        raise MufuseError(
            f"empty_droplets must be an AnnData of protein counts in empty droplets (droplets × markers of modality "
            f"'{prot}'), got {type(empty).__name__}; e.g. the droplets of 10x's raw_feature_bc_matrix that are not "
            "cells"
        )
    missing = pd.Index(map(str, prot_ad.var_names)).difference(pd.Index(map(str, empty.var_names)))
    if len(missing):
        raise MufuseError(
            f"empty_droplets lacks {len(missing)} marker(s) of modality '{prot}': {', '.join(missing[:5])}; its "
            "var_names must hold every protein marker"
        )
    if empty.n_obs < MIN_EMPTY_DROPLETS:
        raise MufuseError(
            f"empty_droplets holds {empty.n_obs} droplets; dsb's background needs at least {MIN_EMPTY_DROPLETS} "
            "(raw matrices hold tens of thousands): pass more, or leave empty_droplets out (then each marker's "
            "negative population is its background)"
        )
    x = _transforms.dense_float(empty[:, list(map(str, prot_ad.var_names))].X)
    if not np.all(np.isfinite(x)) or (x < 0).any():
        raise MufuseError(
            "empty_droplets must hold raw antibody counts (non-negative, finite) in .X; it has negative or NaN/Inf "
            "values"
        )


def sources(rna_ad, prot_ad, opts: Options) -> tuple[_counts.Source, _counts.Source]:
    """Find the RNA counts and the protein values (counts first, by the same rule; :func:`mufuse._counts.find`)."""
    rna_src = _counts.find(rna_ad, opts.layer, opts.rna)
    prot_src = _counts.find(prot_ad, opts.prot_layer, opts.prot, option="prot_layer", require_counts=False)
    for src, name in ((rna_src, opts.rna), (prot_src, opts.prot)):
        log.info("    %s: values from %s (%s)", name, src.label, src.state)
    return rna_src, prot_src


def resolve_links(mdata: MuData, rna: str, prot: str, genes) -> tuple[pd.DataFrame, dict[str, str]]:
    """Use the stored link table when it still fits the modalities, else link with the stored (or default) params.

    ``genes`` describes the columns of the RNA counts (the AnnData, or its ``.raw`` when the counts are there).
    Returns the link table and the link parameters to record.
    """
    store = _store.uns(mdata)
    params = {"multi_gene": "sum", "overrides": "{}", "exclude": "[]", "include": "[]", "rna_names": ""}
    params.update(dict(dict(store.get(_store.PARAMS, {})).get("link", {})))
    multi_gene = str(params["multi_gene"])
    stored = store.get(_store.LINKS)
    prot_names = list(map(str, mdata.mod[prot].var_names))
    if isinstance(stored, pd.DataFrame) and "role" in stored and list(map(str, stored.index)) == prot_names:
        linked = [g for spec in stored.loc[stored["status"] == "linked", "genes"] for g in parse_genes(spec)]
        if pd.Index(map(str, genes.var_names)).get_indexer(linked).min(initial=0) >= 0:
            return stored, params
    overrides = json.loads(params.get("overrides", "{}") or "{}")
    exclude = json.loads(params.get("exclude", "[]") or "[]")
    include = json.loads(params.get("include", "[]") or "[]")
    return _links.compute_links(
        mdata,
        rna=rna,
        prot=prot,
        overrides=overrides or None,
        exclude=exclude or None,
        multi_gene=multi_gene,
        genes=genes,
        species=str(params.get("species", "auto")),
        include=include or None,
    )


def check_batch_align(groups: dict[str, Batches], rna: str, prot: str, opts: Options) -> None:
    """``batch_align=True`` needs batches in one modality at least: the protein's are aligned, the RNA's pooled."""
    if opts.batch_align and groups[rna][1] < 2 and groups[prot][1] < 2:
        raise MufuseError(
            f"batch_align=True needs two or more batches in obs['{opts.batch_key}'] of modality '{prot}' or '{rna}' "
            f"(found {groups[prot][1]} and {groups[rna][1]}); leave batch_align out, or pass the batch column of the "
            "cells"
        )


def batches(mdata: MuData, names: list[str], batch_key: str | None) -> dict[str, Batches]:
    """Batch codes per modality; a modality without the column is one batch (imaging beside scRNA-seq)."""
    out: dict[str, Batches] = {name: (None, 1, []) for name in names}
    if batch_key is None:
        return out
    cols = {name: _obs.column(mdata, name, batch_key) for name in names}
    if all(c is None for c in cols.values()):
        have = sorted({c for name in names for c in _obs.available(mdata, name)})
        raise MufuseError(
            f"batch_key '{batch_key}' is not an obs column of any modality ({', '.join(names)}) nor of mdata.obs; "
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


def _counts_fix(src: _counts.Source, rna: str) -> str:
    """Say what to do when the values read are no counts: name the other layers, or say that none is left."""
    others = [k for k in getattr(src.genes, "layers", {}) if f"layers['{k}']" != src.label]
    if others:
        layers = ", ".join(others)
        return f"mufuse read {src.label}: pass layer='<name>' for the layer with raw UMI counts (layers: {layers})"
    return (
        f"mufuse read {src.label} and no other layer is there: put the raw UMI counts in "
        f"mdata['{rna}'].layers['counts'] (e.g. from the dataset's raw count matrix)"
    )


def rna_step(src: _counts.Source, shared: pd.DataFrame, opts: Options, batch: Batches) -> RnaResult:
    """Build the RNA arrays from counts: shared genes (summed per protein) and HVGs, log-normalized, scaled, clipped."""
    gene_names = pd.Index(map(str, src.genes.var_names))
    roles, column = gene_rows(src.genes, opts.rna)
    counted = (roles == "gene").to_numpy()
    if not counted.all():
        _say_rna_roles(roles, column, opts.rna)
    arrays = _normalize.rna_arrays(
        src.matrix,
        shared_genes=[gene_names.get_indexer(parse_genes(g)) for g in shared["genes"]],
        n_top_genes=int(opts.n_top_genes or 0),
        library_size=opts.library_size,
        clip=opts.clip,
        groups=batch[0],
        n_groups=batch[1],
        modality=opts.rna,
        var_names=gene_names,
        counted=None if counted.all() else counted,
        fix=_counts_fix(src, opts.rna),
    )
    composition = None
    if arrays.get("detection") is not None:
        composition = _check_rna_composition(arrays["detection"], shared, batch, opts)
    return RnaResult(arrays, gene_names, src.state, src.why, src.label, roles.value_counts().to_dict(), composition)


MIN_EXCESS = 0.5  # detection difference beyond depth, complementary log-log units, before a gene counts as moved
MIN_MOVED_RNA = 2  # shared genes that move before the RNA batches are called differently mixed


def _check_rna_composition(detection: pd.DataFrame, shared: pd.DataFrame, batch: Batches, opts: Options):
    """Warn when the RNA batches hold different mixes of cells, which per-batch z-scores assume they do not.

    A shared gene counts when its non-expressing or its typical expressing cells land
    :data:`mufuse._align.SHIFT_LIMIT` SD or more apart across two batches under per-batch z-scores and its detection
    differs beyond what depth explains (:func:`mufuse._align.detection_shift`: by :data:`MIN_EXCESS` or more on the
    complementary log-log scale, z >= 4). :data:`MIN_MOVED_RNA` such genes make the warning. Calibrated by
    ``benchmarks/batch_composition.py``: random halves of pbmc10k, TEA-seq and BMMC, with or without one half's depth
    cut to a half or a quarter, flag none; one batch of sorted T cells flags 4-7 genes (pbmc10k, TEA-seq).
    """
    moved = detection.loc[
        (detection["shift"] >= _align.SHIFT_LIMIT)
        & (detection["excess_z"] >= 4)
        & (detection["excess"].abs() >= MIN_EXCESS)
    ].sort_values("excess_z", ascending=False)
    moved = moved.drop_duplicates("gene")
    if len(moved) < MIN_MOVED_RNA:
        return None
    columns = moved["gene"].astype(int).to_numpy()
    moved = moved.assign(
        gene=[str(shared["genes"].iloc[j]) for j in columns],
        marker=[str(shared["prot"].iloc[j]) for j in columns],
        batch_a=[batch[2][b] for b in moved["batch_a"]],
        batch_b=[batch[2][b] for b in moved["batch_b"]],
    )
    examples = "; ".join(
        f"{r.gene}: detected in {r.detected_a:.0%} of '{r.batch_a}' vs {r.detected_b:.0%} of '{r.batch_b}', "
        f"moved {r.shift:.1f} SD"
        for r in moved.head(4).itertuples()
    )
    _say_mixes(
        opts.rna,
        opts.batch_key,
        f"{len(moved)} shared genes detected apart beyond what depth explains; {examples}",
        "the RNA is then z-scored over all cells; report['rna_batch_composition'] lists the genes",
    )
    return moved[["gene", "marker", "batch_a", "batch_b", "detected_a", "detected_b", "shift", "excess", "excess_z"]]


def _say_rna_roles(roles: pd.Series, column: str | None, rna: str) -> None:
    """Warn, naming them, that rows of the RNA which are not genes stay out of library sizes, HVGs and linking."""
    others = roles[roles != "gene"]
    kinds = ", ".join(f"{n} {RNA_ROLES[k].split(' (')[0].split(':')[0]}" for k, n in others.value_counts().items())
    warnings.warn(
        f"modality '{rna}' holds {len(others)} rows that are not genes ({kinds}; "
        f"{'var[' + repr(column) + ']' if column else 'by their names'}), e.g. {', '.join(others.index[:4])}: they "
        "stay out of the library sizes, the highly variable genes and the linking. Put antibody rows in the protein "
        f"modality (e.g. mdata.mod['prot'] = rna[:, rna.var['{column or 'feature_types'}'] == 'Antibody Capture'])",
        UserWarning,
        stacklevel=4,
    )


def _check_transform(transform: str, state: str, why: str, modality: str, cofactor: Any = 5.0) -> None:
    refused, instead = _REFUSED.get(state, (set(), ""))
    if state == "unit_scaled" and transform == "arcsinh":  # min-max scaled linear intensities: with a cofactor to fit
        if isinstance(cofactor, Mapping | str) or float(cofactor) != _transforms.DEFAULT_COFACTOR:
            return
        raise StateError(
            f"prot_transform='arcsinh' with cofactor 5 does not fit modality '{modality}', whose values look "
            f"{state} ({why}): arcsinh(x / 5) of values in [0, 1] is linear. Pass cofactor='median' (each marker's "
            "median, for min-max scaled linear intensities), or prot_transform='zscore' for scaled logs"
        )
    if transform in refused:
        raise StateError(
            f"prot_transform='{transform}' does not fit modality '{modality}', whose values look {state} ({why}); "
            f"use {instead}, or pass prot_layer= with raw counts"
        )


def prot_step(src: _counts.Source, prot_ad, links: pd.DataFrame, opts: Options, batch: Batches) -> ProtResult:
    """Build the protein arrays: every usable (not excluded) marker transformed, z-scored and clipped.

    ``prot_transform="auto"`` is chosen from the data (:func:`mufuse.pp._normalize.choose_auto`); a transform that
    does not fit the values is refused (:class:`mufuse.StateError`). A marker whose values are all equal has no
    variance, whatever the transform makes of it (a per-cell total would turn it into the cells' depth).
    """
    prot = opts.prot
    usable = _transforms.matched_markers(links)
    values = src.matrix
    if _chunked.is_dask(values):  # protein matrices are small (markers × cells): read them whole
        values = values.compute()
    marker_names = pd.Index(map(str, src.genes.var_names))
    panel = marker_names.get_indexer(_transforms.panel_columns(links, marker_names))
    if len(panel) < len(marker_names):  # shape, position, stains, ...: never in per-cell totals, auto or dsb
        values, marker_names = values[:, panel], marker_names[panel]
        state, why = detect_state(values, return_reason=True)  # what the values are, read on the panel alone
        src = replace(src, state=state, why=f"{why} (on the {len(panel)} antibody columns)")
    cols = marker_names.get_indexer(usable)
    t = _transform_values(values, marker_names, usable, links, opts, src, prot_ad.obs_names)
    _check_finite(t.out, usable, prot_ad.obs_names, opts, t.transform)
    alignment = None
    out = t.out
    if opts.batch_align and batch[1] >= 2:  # peaks aligned across batches, then one z-score over all cells
        out, alignment = _align.align_batches(out, np.asarray(batch[0]), batch[1], usable)
        alignment["batch"] = [batch[2][b] for b in alignment["batch"]]
        batch = (None, 1, [])
    composition = _check_composition(out, batch, usable, opts) if batch[0] is not None and batch[1] > 1 else None
    active = np.ascontiguousarray(out, dtype=np.float32)
    extreme = _extreme_cells(active, opts.clip, batch, prot_ad.obs_names)
    keep = None if extreme.empty else ~np.isin(np.asarray(prot_ad.obs_names), extreme.index.to_numpy())
    # a handful of extreme cells (dsb outliers, debris) must not set everyone's scale: moments without them
    groups = batch[0]
    mean, std = _kernels.column_moments(
        active if keep is None else np.ascontiguousarray(active[keep]),
        groups if keep is None or groups is None else groups[keep],
        batch[1],
    )
    std[:, _constant_columns(t.values, cols)] = 0.0
    _kernels.apply_standardize(active, mean, std, clip=opts.clip, groups=groups)
    return ProtResult(
        active,
        std,
        usable,
        t.values,
        marker_names,
        src.state,
        src.why,
        t.transform,
        src.label,
        extreme,
        alignment,
        t.dsb,
        t.reason,
        t.recovered,
        _prot_roles(links, prot),
        composition,
        t.cofactor,
        t.state,
    )


MIN_MOVED = 3  # markers whose populations move apart before the batches are called differently mixed


def _check_composition(out: np.ndarray, batch: Batches, usable: list[str], opts: Options) -> pd.DataFrame | None:
    """Warn when the batches hold different mixes of cells, which per-batch z-scores assume they do not.

    A marker counts when its negative or positive population lands :data:`mufuse._align.SHIFT_LIMIT` SD or more apart
    across batches under per-batch z-scores and its share of positive cells differs beyond chance (z >= 4). Three
    such markers make the warning: random halves of real panels (pbmc10k, TEA-seq, BMMC; 70 splits) flag at most 2.
    """
    shifts = _align.composition_shift(out, np.asarray(batch[0]), batch[1], usable)
    moved = shifts.loc[(shifts["shift"] >= _align.SHIFT_LIMIT) & (shifts["share_z"] >= 4)]
    moved = moved.sort_values("shift", ascending=False)
    for col in ("batch_low", "batch_high"):
        moved[col] = [batch[2][b] for b in moved[col]]
    if len(moved) < MIN_MOVED:
        return None
    examples = "; ".join(
        f"{r.marker}: {r.positive_share_low:.0%} positive in '{r.batch_low}' vs {r.positive_share_high:.0%} in "
        f"'{r.batch_high}', moved {r.shift:.1f} SD"
        for r in moved.head(4).itertuples()
    )
    _say_mixes(
        opts.prot,
        opts.batch_key,
        f"{len(moved)} markers; {examples}",
        "it aligns each marker's peaks across batches and keeps the mix; report['batch_composition'] lists the markers",
    )
    return moved.reset_index(drop=True)


def _say_mixes(modality: str, batch_key: str | None, evidence: str, align: str) -> None:
    """Warn that the batches of ``modality`` hold different mixes of cells, with the evidence, and the fix."""
    warnings.warn(
        f"modality '{modality}': the batches of obs['{batch_key}'] hold different mixes of cells ({evidence}). "
        "batch_key z-scores each batch on its own, which assumes the same mix, so these populations land apart; pass "
        f"batch_align=True ({align})",
        UserWarning,
        stacklevel=5,
    )


def tell_choices(report: dict, n_shared: int, opts: Options) -> None:
    """Say in a notebook or at a prompt what harmonize chose (the CLI prints it; scripts log it at INFO)."""
    chosen = dict(report.get("prot_transform", {}))
    how = f"; {opts.prot} transform: {chosen['chosen']} ({chosen['reason']})" if chosen else ""
    _progress.tell(f"harmonize: {n_shared} shared features{how}; report in uns['mufuse']['report']")


def _prot_roles(links: pd.DataFrame, prot: str) -> dict[str, int]:
    """Count the protein columns per role; warn, naming them, about columns used unlinked and columns left out."""
    if "role" not in links.columns:
        return {"marker": len(links)}
    unlinked = links.index[(links["role"] == "marker") & (links["status"] == "not_found")]
    included = links.index[links["reason"].astype(str).str.contains(_links.INCLUDED, regex=False)]
    unlinked = unlinked.difference(included, sort=False)  # the user asked for these: no warning
    if len(unlinked):
        warnings.warn(
            f"{len(unlinked)} columns of modality '{prot}' link to no gene but read as antigens, so they are matched "
            f"as active features without a gene: {', '.join(map(str, unlinked[:8]))}"
            f"{', ...' if len(unlinked) > 8 else ''}; pass exclude=[...] to leave them out, or overrides= with "
            "their genes (mufuse.pp.link_features)",
            UserWarning,
            stacklevel=4,
        )
    unknown = links.index[links["role"] == "unknown"]
    if len(unknown):
        warnings.warn(
            f"{len(unknown)} columns of modality '{prot}' are neither a known antigen nor a known kind of column "
            f"and are left out of the matching: {', '.join(map(str, unknown[:8]))}{', ...' if len(unknown) > 8 else ''}"
            f"; pass include=[{', '.join(repr(str(u)) for u in unknown[:2])}] (mufuse.pp.link_features) to match them",
            UserWarning,
            stacklevel=4,
        )
    others = links[~links["role"].isin(("marker", "unknown"))]
    if len(others):
        log.info(
            "    left out of the matching by their role: %s",
            ", ".join(f"{k} {n}" for k, n in others["role"].value_counts().items()),
        )
    return {str(k): int(v) for k, v in links["role"].value_counts().items()}


@dataclass
class _Transformed:
    out: np.ndarray  # cells × usable markers, transformed
    values: Any  # the values transformed (the recovered counts of scaled counts)
    transform: str
    reason: str
    recovered: bool
    dsb: dict | None
    cofactor: Any = None  # the cofactor(s) used: a number, or {marker: cofactor} ("median" resolved)
    state: dict | None = None  # the transform's fitted state (_transforms.ProteinTransform.fit)


def _transform_values(
    values, marker_names: pd.Index, usable: list[str], links, opts: Options, src, obs_names
) -> _Transformed:
    """Choose the transform ("auto") or check it against the values, and apply it to the usable markers."""
    transform, reason, recovered = opts.prot_transform, "as requested", None
    cofactor = opts.cofactor
    if transform == "auto":
        transform, reason, recovered = _normalize.choose_auto(
            src.state, values, empty_droplets=opts.empty_droplets is not None, names=list(marker_names)
        )
        if transform == "arcsinh" and recovered is None and src.state != "counts" and not _cofactor_given(opts):
            cofactor = _transforms.MEDIAN_COFACTOR  # linear intensities of unknown units: each marker's median
        reason = _unused_auto_inputs(transform, reason, opts)
        log.info("    prot_transform='auto' chose '%s': %s", transform, reason)
    if recovered is not None:
        values = recovered
    else:
        _check_transform(transform, src.state, src.why, opts.prot, cofactor)
    cols = marker_names.get_indexer(usable)
    per_cell = _transforms.per_cell(transform, opts.clr_axis)  # per-cell totals/means: over every marker
    if cofactor == _transforms.MEDIAN_COFACTOR:  # resolved once, stored, and replayed by the transfers
        cofactor = _transforms.median_cofactors(values[:, cols], usable)
    dsb_info = None
    if transform == "dsb":  # fitted with its checks and the empty droplets: the background is the state
        out, dsb_info = _dsb_step(values, marker_names, links, opts, obs_names)
        state = {k: dsb_info[f"background_{k}"] for k in ("mean", "sd")} | {"isotypes": dsb_info["isotypes"]}
    else:  # fitted once here, replayed by the transfers (tl/_transfer.py) with the stored state
        fitter = _transforms.get_transform(transform)
        x, names = (values, list(marker_names)) if per_cell else (values[:, cols], usable)
        state = fitter.fit(x, names, cofactor=cofactor, clr_axis=opts.clr_axis, modality=opts.prot)
        out = fitter.apply(x, names, state, modality=opts.prot)
    out = out[:, cols] if per_cell else out
    return _Transformed(out, values, transform, reason, recovered is not None, dsb_info, cofactor, state)


def _cofactor_given(opts: Options) -> bool:
    """Whether the user chose the cofactor (a mapping, "median", or a number other than the default 5)."""
    c = opts.cofactor
    return isinstance(c, Mapping) or isinstance(c, str) or float(c) != _transforms.DEFAULT_COFACTOR


def _unused_auto_inputs(transform: str, reason: str, opts: Options) -> str:
    """Say (warning and reason) when "auto" chose a transform that does not use the cofactor or the empty droplets."""
    given = _cofactor_given(opts)
    if transform == "arcsinh" and given:
        reason = reason.replace("arcsinh(x / 5)", "arcsinh(x / cofactor) with the cofactor(s) given")
        reason = reason.replace("arcsinh(x / each marker's median)", "arcsinh(x / cofactor) with the cofactor(s) given")
    unused = []
    if given and transform == "zscore":  # already transformed: arcsinh would be refused, so never suggest it
        unused.append("cofactor (used by arcsinh, which needs raw intensities or counts; this protein is already "
                      "transformed, so auto chose 'zscore')")  # fmt: skip
    elif given and transform != "arcsinh":
        unused.append(f"cofactor (used by arcsinh; auto chose '{transform}': pass prot_transform='arcsinh' to use it)")
    if opts.empty_droplets is not None and transform != "dsb":
        unused.append(f"empty_droplets (used by dsb, which needs counts; auto chose '{transform}')")
    for what in unused:
        warnings.warn(f"modality '{opts.prot}': {what} is not used", UserWarning, stacklevel=5)
        reason += f"; {what.split(' (')[0]} not used"
    return reason


def _constant_columns(values, cols: np.ndarray) -> np.ndarray:
    """Which of the columns ``cols`` of the protein values hold one value in every cell."""
    sub = values[:, cols]
    lo, hi = sub.min(axis=0), sub.max(axis=0)
    lo = lo.toarray() if hasattr(lo, "toarray") else lo
    hi = hi.toarray() if hasattr(hi, "toarray") else hi
    return np.asarray(np.asarray(hi).ravel() == np.asarray(lo).ravel())


def _check_finite(
    out: np.ndarray,
    usable: list[str],
    obs_names,
    opts: Options,
    transform: str,
    before: bool = False,
    unmatched: frozenset[str] = frozenset(),
) -> None:
    """Refuse NaN/Inf (after the transform, or ``before`` one that cannot take them), naming markers, cells, a fix.

    ``unmatched``: columns the transform reads although they are not matched (dsb reads isotypes and excluded
    markers for its background); excluding them again would not help, so the advice says so.
    """
    if np.all(np.isfinite(out)):
        return
    bad = ~np.isfinite(out)
    markers = [usable[j] for j in np.flatnonzero(bad.any(axis=0))]
    cells = np.asarray(obs_names)[bad.any(axis=1)]
    chosen = f"'{transform}'" + (" (chosen by prot_transform='auto')" if opts.prot_transform == "auto" else "")
    when = f"which the protein transform {chosen} cannot take" if before else f"after the protein transform {chosen}"
    read = [m for m in markers if m in unmatched]
    if len(cells) <= 0.01 * out.shape[0]:
        fix = "they are a few cells: filter them out (e.g. mu.pp.filter_obs) or fix their values"
    elif read:
        fix = (
            f"{', '.join(read[:5])} {'is' if len(read) == 1 else 'are'} not matched, but {transform} reads every "
            f"antibody column for its background: fix their values, remove those columns from modality "
            f"'{opts.prot}', or pass prot_transform='arcsinh' or 'clr'"
        )
    else:
        fix = "fix those markers or exclude them (exclude=[...])"
    raise MufuseError(
        f"modality '{opts.prot}' has {int(bad.sum())} NaN/Inf values ({when}) in "
        f"{len(markers)} marker(s) ({', '.join(markers[:5])}) and {len(cells)} cell(s) "
        f"({', '.join(map(str, cells[:3]))}): {fix}"
    )


def isotype_controls(links: pd.DataFrame) -> list[str]:
    """Markers the link table excluded as isotype controls (by name or by ``prot.var['isotype_control']``)."""
    if "role" in links.columns:
        return [str(m) for m in links.index[links["role"] == "isotype"]]
    return [str(m) for m, r in zip(links.index, links["reason"], strict=True) if str(r).startswith("isotype control")]


def _dsb_step(values, marker_names: pd.Index, links: pd.DataFrame, opts: Options, obs_names) -> tuple[np.ndarray, dict]:
    """Run dsb over every marker: the background from the empty droplets or each marker's negative population."""
    from .. import _dsb

    arr = _transforms.dense_float(values)
    unmatched = frozenset(map(str, marker_names)) - set(_transforms.matched_markers(links))
    _check_finite(arr, list(marker_names), obs_names, opts, "dsb", before=True, unmatched=unmatched)
    if arr.size and np.nanmin(arr) < 0:
        raise MufuseError(
            f"prot_transform='dsb' needs antibody counts, but modality '{opts.prot}' has negative values (already "
            "normalized?); pass prot_layer= with the raw counts, or use prot_transform='zscore'"
        )
    isotypes = [m for m in isotype_controls(links) if m in marker_names]
    empty = opts.empty_droplets
    background = None if empty is None else _transforms.dense_float(empty[:, list(marker_names)].X)
    out, info = _dsb.dsb(arr, background=background, isotypes=marker_names.get_indexer(isotypes))
    names = list(marker_names)
    return out, {
        "background": info["background"],
        "isotypes": isotypes,
        "background_mean": dict(zip(names, map(float, info["background_mean"]), strict=True)),
        "background_sd": dict(zip(names, map(float, info["background_sd"]), strict=True)),
    }


def _extreme_cells(x: np.ndarray, clip: float, batch: Batches, cells) -> pd.DataFrame:
    """Cells far out (more than ``EXTREME * clip`` robust std) in most of the markers at once.

    A rare population is far out in one or a few markers (pDCs in CD123): it is not an outlier, and stays. A cell
    far out in most markers is a technical outlier (a dsb background estimate gone wrong, debris). At most
    ``MAX_EXTREME`` of the cells are called extreme: more is a population, not a handful.
    Returns one row per extreme cell (index: cell name) with ``n_markers`` and the ``median_z`` of its markers.
    """
    mean, std = _kernels.robust_moments(x, clip=clip, groups=batch[0], n_groups=batch[1])
    codes = np.zeros(x.shape[0], dtype=np.int64) if batch[0] is None else np.asarray(batch[0])
    usable = (std > 0).any(axis=0)

    def robust_z(rows: slice | np.ndarray) -> np.ndarray:
        sd = std[codes[rows]]
        return np.where(sd > 0, (x[rows] - mean[codes[rows]]) / np.where(sd > 0, sd, 1.0), 0.0)[:, usable]

    n_far = _kernels.count_far(x, mean, std, EXTREME * clip, groups=codes)  # one pass, no temporary
    far = n_far >= max(2, 0.5 * int(usable.sum()))
    if far.sum() > MAX_EXTREME * x.shape[0]:
        return pd.DataFrame(columns=["n_markers", "median_z"], index=pd.Index([], name="cell"))
    idx = np.flatnonzero(far)
    med = np.zeros(x.shape[0])
    if len(idx) and usable.any():  # the median only where it is reported
        med[idx] = np.median(robust_z(idx), axis=1)
    return pd.DataFrame(
        {"n_markers": n_far[idx], "median_z": med[idx]}, index=pd.Index(np.asarray(cells)[idx].astype(str), name="cell")
    )


def drop_constant(
    shared: pd.DataFrame, links: pd.DataFrame, rna_ad, opts: Options, r: RnaResult, p: ProtResult
) -> Arrays:
    """Drop features without variance (in every batch) from both modalities' shared arrays and from the active ones.

    Raises :class:`mufuse.LinkError` when fewer than 3 shared features are left.
    """
    rna, prot = opts.rna, opts.prot
    p_var = np.asarray((p.std > 0).any(axis=0), dtype=bool)
    marker_col = {m: j for j, m in enumerate(p.usable)}
    sh_pcols = np.array([marker_col[m] for m in shared["prot"]], dtype=np.int64)
    r_var = np.asarray((r.arrays["shared_std"] > 0).any(axis=0), dtype=bool)
    keep = np.asarray(r_var & p_var[sh_pcols], dtype=bool)
    dropped = [
        f"{f} ({'no variance in ' + rna if not r_var[j] else 'no variance in ' + prot})"
        for j, f in enumerate(shared.index)
        if not keep[j]
    ]
    _validate.enough_shared(shared.loc[keep], links, rna_ad, rna, prot, dropped)
    if dropped:
        log.warning("dropped %d shared feature(s) without variance: %s", len(dropped), "; ".join(dropped))
    act_r_keep = (r.arrays["active_std"] > 0).any(axis=0)
    rna_active = r.arrays["active"]
    if not act_r_keep.all():
        rna_active = rna_active[:, act_r_keep]
        rna_active = rna_active if _chunked.is_dask(rna_active) else np.ascontiguousarray(rna_active)
    return Arrays(
        shared=shared.loc[keep],
        rna_shared=np.ascontiguousarray(r.arrays["shared"][:, keep]),
        prot_shared=np.ascontiguousarray(p.active[:, sh_pcols[keep]]),
        rna_active=rna_active,
        prot_active=p.active if p_var.all() else np.ascontiguousarray(p.active[:, p_var]),
        rna_active_names=r.gene_names[r.arrays["hvg"]][act_r_keep],
        prot_active_names=[m for m, k in zip(p.usable, p_var, strict=True) if k],
        dropped=dropped,
    )


def extreme_cells(opts: Options, p: ProtResult) -> pd.DataFrame:
    """Warn about the protein cells far out in some marker (they were clipped and did not set the scale)."""
    ext = p.extreme
    if len(ext):
        examples = ", ".join(
            f"{c} ({r.n_markers} markers, median {r.median_z:+.0f} std)" for c, r in ext.head(3).iterrows()
        )
        warnings.warn(
            f"modality '{opts.prot}' has {len(ext)} cell(s) more than {EXTREME * opts.clip:g} std (robust) from the "
            f"others in most markers at once (e.g. {examples}); they did not set the scale of the other cells and "
            f"were clipped to ±{opts.clip:g} (report['extreme_cells'] lists them): look at them (debris, doublets, "
            "dsb outliers) and filter them if they are not cells",
            UserWarning,
            stacklevel=3,
        )
    return ext


def empty_cells(rna_ad, prot_ad, opts: Options, r: RnaResult, p: ProtResult) -> dict[str, np.ndarray]:
    """Names of the cells without any signal, per modality, with a warning for each modality that has some."""
    rna, prot = opts.rna, opts.prot
    pvals = p.values[:, p.marker_names.get_indexer(p.usable)]
    empty = {
        rna: np.asarray(rna_ad.obs_names[r.arrays["stats"].lib == 0], dtype=object),
        prot: np.asarray(prot_ad.obs_names[~np.asarray(np.abs(pvals).sum(axis=1) > 0).ravel()], dtype=object),
    }
    for name, cells in empty.items():
        if len(cells):
            warnings.warn(
                f"modality '{name}' has {len(cells)} cell(s) without any signal (all zero; e.g. "
                f"{', '.join(map(str, cells[:3]))}); their rows hold the z-score of zero, and mufuse.tl.match "
                f"leaves them out of the matching: filter them upstream to silence this "
                f"(e.g. a = mdata['{name}']; mu.pp.filter_obs(a, a.obs_names[np.asarray(a.X.sum(1)).ravel() > 0]); "
                "mdata.update())",
                UserWarning,
                stacklevel=3,
            )
    return empty


def verify(
    a: Arrays, p: ProtResult, opts: Options, groups: dict[str, Batches]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Report the scales of the shared arrays after harmonizing, and before (RNA z-scored, protein as given)."""
    rna, prot, clip = opts.rna, opts.prot, opts.clip
    features = [str(f) for f in a.shared.index]
    after, issues = scale_report([a.rna_shared, a.prot_shared], [rna, prot], features, clip, harmonized=True)
    prot_as_given = _normalize.dense_float(p.values[:, p.marker_names.get_indexer(a.shared["prot"])])
    before, before_issues = scale_report([a.rna_shared, prot_as_given], [rna, prot], features, clip, before=True)
    report: dict[str, Any] = {
        "table": after,
        "before": before,
        "before_issues": format_issues(before_issues),
        "issues": format_issues(issues),
        "ok": not issues,
        "dropped": "\n".join(a.dropped),
    }
    if opts.batch_key is not None:
        report["batches"] = batch_report(
            [a.rna_shared, a.prot_shared],
            [rna, prot],
            [
                g[0] if g[0] is not None else np.zeros(arr.shape[0], np.int64)
                for g, arr in ((groups[rna], a.rna_shared), (groups[prot], a.prot_shared))
            ],
            [groups[rna][2] or ["(one batch)"], groups[prot][2] or ["(one batch)"]],
        )
    return report, issues


def versions() -> dict[str, str]:
    """Versions of mufuse and of the packages that shape its results."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"mufuse": __version__}
    for pkg in ("anndata", "mudata", "scanpy", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover - installed from source without metadata
            out[pkg] = "unknown"
    return out


def input_report(
    opts: Options, r: RnaResult, p: ProtResult, empty: dict[str, np.ndarray], pairing: tuple[str, int]
) -> dict[str, Any]:
    """Report entries about the input: detected states, where the counts came from, empty cells, pairing."""
    return {
        "input_state": {opts.rna: r.state, opts.prot: p.state},
        "input_state_reason": {opts.rna: r.why, opts.prot: p.why},
        "prot_transform": {"requested": opts.prot_transform, "chosen": p.transform, "reason": p.reason},
        "counts_source": r.source,
        "prot_source": p.source,
        # non-integer "counts" are accepted (e.g. alevin estimates) but reported: a log or scaling slips through here
        "rna_fractional_values": int(r.arrays["stats"].n_fractional),
        # cells without any count / signal: kept (their rows are the z-score of zero) but reported
        "empty_cells": {name: len(cells) for name, cells in empty.items()},
        "empty_cell_names": empty,  # left out of the matching by run_maxfuse
        "extreme_cells": p.extreme,  # protein cells far out in some marker, clipped
        "pairing": pairing[0],
        "n_paired_names": int(pairing[1]),
        "roles": {opts.rna: {k: int(v) for k, v in r.roles.items()}, opts.prot: p.roles},
    }


def record_params(
    mdata: MuData,
    opts: Options,
    transform: str,
    groups: dict[str, Batches],
    link_params: dict[str, str],
    recovered: bool = False,
    cofactor: Any = None,
    transform_state: dict | None = None,
) -> dict[str, Any]:
    """Return the ``params`` entry: the earlier entries, this call's options, the link parameters, the versions.

    ``cofactor`` is arcsinh's cofactor as used, stored in place of the one asked for (``"median"`` resolved per
    marker, replayed by the transfers); the request stays in ``cofactor_requested``.
    """
    params = dict(dict(_store.uns(mdata).get(_store.PARAMS, {})))
    params["harmonize"] = opts.record(transform, groups)
    params["harmonize"]["cofactor_requested"] = _stored_cofactor(opts.cofactor)
    if cofactor is not None:
        params["harmonize"]["cofactor"] = _stored_cofactor(cofactor)
    params["harmonize"]["prot_counts_recovered"] = bool(recovered)  # transfer recovers them again
    if transform_state is not None:  # what the protein transform learned from the cells, replayed by the transfers
        params["harmonize"]["prot_transform_state"] = json.dumps(transform_state)
    params["link"] = dict(link_params)
    params["versions"] = versions()
    return params


def store(
    target: MuData,
    opts: Options,
    links: pd.DataFrame,
    a: Arrays,
    report: dict[str, Any],
    params: dict[str, Any],
) -> None:
    """Write the four arrays and the ``uns["mufuse"]`` entries of a harmonize call, all at once."""
    rna, prot = opts.rna, opts.prot
    _store.write_harmonized(
        target,
        rna=rna,
        prot=prot,
        arrays={
            (rna, _store.SHARED_KEY): a.rna_shared,
            (prot, _store.SHARED_KEY): a.prot_shared,
            (rna, _store.ACTIVE_KEY): a.rna_active,
            (prot, _store.ACTIVE_KEY): a.prot_active,
        },
        entries={
            _store.LINKS: links,
            _store.SHARED: a.shared,
            _store.ACTIVE: {
                rna: np.asarray(a.rna_active_names, dtype=object),
                prot: np.asarray(a.prot_active_names, dtype=object),
            },
            _store.REPORT: report,
            _store.PARAMS: params,
        },
    )
