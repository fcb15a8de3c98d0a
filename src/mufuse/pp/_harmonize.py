"""``harmonize``: shared and active arrays of both modalities on one scale, verified, stored under DESIGN §4 keys.

The function reads as its steps; each step is a function of :mod:`mufuse.pp._steps`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Literal

from anndata import AnnData
from mudata import MuData

from .. import _validate
from .._report import emit
from . import _links
from . import _steps as step

log = logging.getLogger("mufuse")


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
    cofactor: float | Mapping[str, float] | Literal["median"] = 5.0,
    clr_axis: int = 0,
    batch_align: bool = False,
    empty_droplets: AnnData | None = None,
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

    The markers are linked to genes first when they were not (:func:`mufuse.pp.link_features` with its defaults,
    ``species="auto"``); to choose the species, overrides or exclusions, call ``link_features`` before (the CLI's
    ``mufuse harmonize --species mouse`` does so).

    Parameters
    ----------
    mdata
        MuData with RNA counts and protein counts/intensities; paired (same cells) or unpaired (other cells).
    rna, prot
        Names of the two modalities.
    prot_transform
        ``"auto"`` (default: chosen from the detected state of the protein, see below), ``"zscore"`` (values as
        given, then z-score), ``"clr"``, ``"arcsinh"`` (``arcsinh(x / cofactor)``), ``"log1p"``, ``"total_log1p"``
        (each cell's values over its total across all markers, times the median total, then log1p: scanpy's
        ``normalize_total`` + ``log1p``, the MaxFuse tutorial's protein step; corrects each cell's antibody depth),
        ``"dsb"`` (denoised and scaled by background, Mulè et al. 2022, *Nat. Commun.* 13:2099: log(x + 10) in
        standard deviations of each marker's background, the ``empty_droplets`` or, without them, the marker's
        negative population in the cells, dsb's ``ModelNegativeADTnorm``; then each cell's technical component, the
        mean of its own background combined with the isotype controls, is regressed out) or ``"none"``; every
        transform is followed by the per-feature z-score and clip. ``"auto"`` chooses from the
        data and states its choice and reason in ``report["prot_transform"]``: raw counts whose cell totals sum many
        markers (median effective number of markers per cell, exp of the entropy of its counts' shares, >= 8) get
        ``total_log1p``; counts whose totals a few bright markers make get ``arcsinh`` (the total is then the cell's
        type, not its depth; ``benchmarks/quality.py``); counts with ``empty_droplets`` get ``dsb``; min-max scaled
        counts (values on a grid of step 1/(max - min)) get their counts back first; library-normalized values get
        ``log1p``; anything already transformed (log, arcsinh, z-scored, scaled intensities) only the z-score.
    clip
        Clip value after z-scoring (both modalities).
    library_size
        ``"all"`` (library size from all genes) or ``"shared"`` (from the shared genes only, as in the MaxFuse
        tutorial) for the RNA shared array.
    n_top_genes
        Number of highly variable genes in the RNA active array; default 2000, or all genes when the RNA has
        fewer. An explicit value larger than the number of genes is an error.
    batch_key
        Column of ``obs`` (of each modality, or of ``mdata.obs``): z-score within each batch. This assumes every
        batch holds the same mix of cells; when the shared genes or markers say otherwise (detection of the RNA
        apart beyond what depth explains, populations of a marker apart), a warning suggests ``batch_align=True``
        and ``report["rna_batch_composition"]`` / ``report["batch_composition"]`` list the features.
    batch_align
        With ``batch_key`` (batches in either modality): align the protein batches by the landmarks of each
        marker (its negative and positive peaks, ADTnorm's landmark registration; Zheng et al. 2025, *Nat.
        Commun.* 16:5852) instead of z-scoring each batch, then z-score all protein cells together. Per-batch
        z-scores assume every batch holds the same mix of cells; peaks stay where they are when the mix changes.
        The landmarks per marker and batch are stored in ``uns["mufuse"]["report"]["batch_align"]``. The RNA,
        normalized per cell by its library size, is then also z-scored over all cells: per-batch z-scores would
        move the cells of a batch with another mix.
    empty_droplets
        ``prot_transform="dsb"`` (or ``"auto"``, which then takes dsb on counts): an AnnData of the antibody counts
        in empty droplets (droplets × markers,
        every marker of the protein modality; e.g. the barcodes of 10x's ``raw_feature_bc_matrix`` with few RNA
        counts that are not cells, at least 50). Without it, each marker's background is its negative population.
        The background per marker is stored in ``params["harmonize"]["prot_transform_state"]`` (with every
        transform's fitted state), the isotype controls used in ``report["dsb"]``.
    strict
        Raise :class:`mufuse.ScaleMismatchError` when the scale check fails, instead of warning.
    copy
        Return a harmonized copy and leave ``mdata`` as it is.
    layer
        RNA layer with raw counts; default: the first place that holds counts among the layers named like counts
        (``counts``, ``raw_counts``, ``umi``, ...), ``.X``, the other layers and ``.raw.X``; with no counts anywhere,
        log-normalized values through ``expm1`` (with a warning stating the assumption).
    prot_layer
        Protein layer to use; default: the same search (counts-named layers, ``.X``, ...), else ``.X`` as it is
        (imaging intensities are no counts). ``report["prot_source"]`` says which was used.
    cofactor
        Cofactor for ``prot_transform="arcsinh"``: one number for every marker (5 for counts),
        ``{marker: cofactor}`` for per-channel cofactors (markers not named get 5), as cytometry and imaging
        panels need them (e.g. 150 for fluorescence intensities; Nowicka et al. 2017), or ``"median"``: each
        marker's median over the cells, for linear intensities of unknown units (also min-max scaled ones, where
        it is what makes arcsinh fit; ``"auto"`` takes it for linear intensities). The cofactors used are stored in
        ``params["harmonize"]["cofactor"]``.
    clr_axis
        Axis for ``prot_transform="clr"``, as ``muon.prot.pp.clr(axis=...)`` (``seurat`` flavour) computes it and with
        the same result: 0 = per marker across cells (muon's default), 1 = per cell across every marker of the
        modality, isotype controls and other excluded markers included (as muon and Seurat do).

    Raises
    ------
    MufuseError
        Before anything is computed or stored, naming the modality, the feature(s) and the fix: a modality
        missing, fewer than 20 cells, duplicated ``obs_names``/``var_names``, NaN/Inf or negative counts, an
        unknown transform or a bad parameter value. :class:`mufuse.LinkError` when fewer than 3 features are
        shared (listing why the other markers did not link); :class:`mufuse.StateError` when the input does not
        look like what is needed (RNA holding neither counts nor log-normalized values; a named ``layer`` that is
        not counts; a transform that does not fit the protein). Log-normalized RNA with no counts anywhere is
        used through ``expm1``, with a warning. Empty cells and features without variance are not errors: they
        are reported (``report``: ``empty_cells``, ``dropped``), and partly overlapping ``obs_names`` give a
        warning (``report["pairing"]``).

    Returns
    -------
    The harmonized copy when ``copy=True``, else ``None``. Results are stored in
    ``mdata[rna].obsm["mufuse_shared"]``, ``mdata[prot].obsm["mufuse_shared"]``, ``obsm["mufuse_active"]`` of
    both, and ``mdata.uns["mufuse"]`` (``links``, ``shared``, ``active``, ``report``, ``params``).

    References
    ----------
    - Wolf F. A. et al. (2018) SCANPY: large-scale single-cell gene expression data analysis. *Genome Biol.* 19:15.
      doi:10.1186/s13059-017-1382-0 (library-size normalization, log1p, z-score with a clip).
    - Satija R. et al. (2015) Spatial reconstruction of single-cell gene expression data. *Nat. Biotechnol.* 33:495.
      doi:10.1038/nbt.3192 (highly variable genes, seurat flavour).
    - Stoeckius M. et al. (2017) Simultaneous epitope and transcriptome measurement in single cells. *Nat. Methods*
      14:865. doi:10.1038/nmeth.4380 (CLR of antibody counts), in the form of muon's ``prot.pp.clr``: Bredikhin D. et
      al. (2022) *Genome Biol.* 23:42. doi:10.1186/s13059-021-02577-8.
    - Bendall S. C. et al. (2011) *Science* 332:687. doi:10.1126/science.1198704 (arcsinh, cofactor 5 for mass
      cytometry); Nowicka M. et al. (2017) CyTOF workflow. *F1000Research* 6:748.
      doi:10.12688/f1000research.11622.1 (cofactor 5 for mass, 150 for fluorescence cytometry).
    - The research notes that started mufuse (a MaxFuse run that matched cells across clusters because z-scored RNA,
      std≈0.8, sat beside "pre-scaled" protein, std≈0.08): z-score both modalities, clip both at ±5, check mean≈0,
      std≈1 and the same range; very high canonical correlations are a symptom of a mismatch.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=500, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> mdata["rna"].obsm["mufuse_shared"].shape[1] == mdata["prot"].obsm["mufuse_shared"].shape[1]
    True
    """
    _validate.require(mdata, "pp.harmonize", "a MuData", _validate.is_mudata)
    t0 = time.perf_counter()
    opts = step.Options(
        rna=rna,
        prot=prot,
        prot_transform=prot_transform,
        clip=clip,
        library_size=library_size,
        n_top_genes=n_top_genes,
        batch_key=batch_key,
        layer=layer,
        prot_layer=prot_layer,
        cofactor=cofactor,
        clr_axis=clr_axis,
        batch_align=batch_align,
        empty_droplets=empty_droplets,
    )
    rna_ad, prot_ad, opts = step.check_arguments(mdata, opts)
    log.info("harmonizing '%s' (%d × %d) and '%s' (%d × %d)", rna, *rna_ad.shape, prot, *prot_ad.shape)
    rna_src, prot_src = step.sources(rna_ad, prot_ad, opts)
    links, link_params = step.resolve_links(mdata, rna, prot, rna_src.genes)
    shared = _links.shared_features(links, link_params["multi_gene"])
    pairing = _validate.pairing(mdata, rna, prot)
    if shared.empty:
        _validate.enough_shared(shared, links, rna_ad, rna, prot)
    groups = step.batches(mdata, [rna, prot], batch_key)
    step.check_batch_align(groups, rna, prot, opts)
    # batch_align: batches hold different mixes of cells, so the RNA too gets one z-score over all cells
    r = step.rna_step(rna_src, shared, opts, (None, 1, []) if batch_align else groups[rna])
    p = step.prot_step(prot_src, prot_ad, links, opts, groups[prot])
    arrays = step.drop_constant(shared, links, rna_ad, opts, r, p)
    empty = step.empty_cells(rna_ad, prot_ad, opts, r, p)
    step.extreme_cells(opts, p)
    report, issues = step.verify(arrays, p, opts, groups)
    emit(issues, strict=strict, stacklevel=3)
    report.update(step.input_report(opts, r, p, empty, pairing), rna_names=link_params.get("rna_names", ""))
    if p.alignment is not None:
        report["batch_align"] = p.alignment
    if p.composition is not None:
        report["batch_composition"] = p.composition
    if r.composition is not None:
        report["rna_batch_composition"] = r.composition
    if p.dsb is not None:
        report["dsb"] = {"background": p.dsb["background"], "isotypes": p.dsb["isotypes"]}
    params = step.record_params(
        mdata, opts, p.transform, groups, link_params, p.recovered, p.cofactor, p.transform_state
    )
    target = mdata.copy() if copy else mdata
    step.store(target, opts, links, arrays, report, params)
    step.tell_choices(report, len(arrays.shared), opts)
    log.info(
        "    %d shared features, %d + %d active features; finished (%s)",
        len(arrays.shared),
        arrays.rna_active.shape[1],
        arrays.prot_active.shape[1],
        timedelta(seconds=round(time.perf_counter() - t0, 2)),
    )
    return target if copy else None
