"""MaxFuse as a mufuse matcher: its inputs, its parameters chosen from the data, its stages, its pairs."""

from __future__ import annotations

import contextlib
import inspect
import io
import logging
import math
import sys
import time
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from mudata import MuData

from .. import _progress, _validate
from .._errors import MufuseError
from ._joint import embed, unit_rows
from ._match import EMBEDDING_STAGE, match_inputs, run_matcher
from ._metacells import metacell_means, pair_cells
from ._registry import Fitted, Matcher, Problem, register_matcher
from ._sketch import SKETCH_SIZE, SKETCH_STAGES, clusters, sketch, sketch_params, sketch_sizes

log = logging.getLogger("mufuse")


def to_maxfuse(
    mdata: MuData, *, rna: str = "rna", prot: str = "prot", labels: str | Sequence[str] | None = None
) -> dict:
    """Return exactly the arguments of ``maxfuse.model.Fusor(...)`` from a harmonized MuData.

    Parameters
    ----------
    mdata
        MuData harmonized by :func:`mufuse.pp.harmonize`.
    rna, prot
        Names of the two modalities (``arr1`` is RNA, ``arr2`` is protein).
    labels
        An ``obs`` column (of each modality or of ``mdata.obs``) with cell labels, or a pair
        ``(rna_key, prot_key)``; ``None`` gives ``labels1 = labels2 = None``.

    Returns
    -------
    Dict with the keys ``shared_arr1``, ``shared_arr2``, ``active_arr1``, ``active_arr2`` (dense float32,
    C-contiguous, rows in the obs order of each modality), ``labels1`` and ``labels2``.

    References
    ----------
    - Chen S. et al. (2024) Integration of spatial and single-cell data across modalities with weakly linked features.
      *Nat. Biotechnol.* 42:1096. doi:10.1038/s41587-023-01935-0 (MaxFuse).

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=400, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> inputs = mufuse.tl.to_maxfuse(mdata, labels="cell_type")
    >>> sorted(inputs)
    ['active_arr1', 'active_arr2', 'labels1', 'labels2', 'shared_arr1', 'shared_arr2']
    >>> # import maxfuse; fusor = maxfuse.model.Fusor(**inputs)
    """
    _validate.require(mdata, "tl.to_maxfuse", "a MuData", _validate.is_mudata)
    return match_inputs(mdata, rna, prot, labels, what="to_maxfuse")


# where a pair comes from: MaxFuse's pivots, its propagation, or mufuse's matching in MaxFuse's joint space
MATCH_STAGES = ("pivot", "propagated", EMBEDDING_STAGE)
STAGES = (
    "split_into_batches",
    "construct_graphs",
    "find_initial_pivots",
    "refine_pivots",
    "filter_bad_matches_pivot",
    "propagate",
    "filter_bad_matches_propagated",
)


def _svd(n_features: int, n_cells: int, want: int) -> int | None:
    """SVD components for an array: ``None`` (no SVD) when the array is already that narrow."""
    limit = min(n_features, n_cells) - 1
    return None if n_features <= want or limit < 2 else min(want, limit)


def _metacell_size(n1: int, n2: int, rna_rows: int | None) -> int:
    """RNA cells per MaxFuse metacell: 2 (MaxFuse's default), or 1 when mufuse made them (``rna_rows``).

    MaxFuse's propagation indexes the refined pivots by RNA row and fails when RNA rows outnumber the protein cells:
    with fewer protein cells than half the RNA cells, metacells of ``ceil(n1 / n2) + 1`` (measured: 16 of 18 runs
    failed with 2, none with this rule; 60-3,000 RNA cells, 20-1,000 protein cells, 3 seeds;
    ``tests/tl/test_maxfuse_sizes.py``).
    """
    if rna_rows is not None:
        return 1
    return 2 if 2 * n2 >= n1 else -(-n1 // max(n2, 1)) + 1


def _cca_components(dim1: int, dim2: int, rows: int) -> int:
    """CCA components of MaxFuse's pivot refinement: at most 20, below both active dimensions and ``rows // 8``.

    The pivot CCA is fitted on the initial pivots, about a quarter of the smaller modality's ``rows``: above an eighth
    of them it fails in scikit-learn ("n_components upper bound") or gives NaN scores (measured on 20-90 cells a side,
    4 seeds each); from 160 rows on the cap of 20 holds.
    """
    return max(1, min(20, dim1 - 1, dim2 - 1, max(2, rows // 8)))


METACELLS = ("auto", "pairs", "maxfuse")  # run_maxfuse(metacells=...): who makes the direct route's RNA metacells
PAIRS_ABOVE = 2_000  # metacells="auto": mufuse's pairs above this many RNA cells, MaxFuse's own metacells up to it
SMALL_DATA = 500  # cells of a modality up to which MaxFuse's pivot stages smooth less (maxfuse_defaults)


def maxfuse_defaults(
    n1: int, n2: int, n_shared: int, n_active1: int, n_active2: int, *, seed: int = 0, rna_rows: int | None = None
) -> dict:
    """MaxFuse parameters per stage, chosen from the sizes of the data.

    SVD and CCA components never exceed what the arrays allow (a 12-feature shared array gets no SVD, CCA
    components are below the smaller active dimension and an eighth of the smaller modality's rows); batches hold at
    most 8,000 RNA cells; MaxFuse's metacells hold two RNA cells, or ``ceil(n1 / n2) + 1`` when the protein cells are
    fewer than half the RNA cells (its propagation fails otherwise); the matching ratio follows the number of protein
    cells per RNA metacell; neighbours shrink for very small data. Before the pivots,
    MaxFuse shrinks each cell towards its graph neighbours, keeping a weight ``wt`` on its own values: 0.3 for a
    modality of more than :data:`SMALL_DATA` (500) cells, 0.7 for 500 or fewer, where 15 neighbours span whole small
    populations (measured on disjoint halves of three real CITE-seq/TEA-seq datasets, 8 splits each: 0.7 gained 2.6
    points of label agreement, 95% CI +0.5 to +4.8, at 300 cells a side, and lost 1.4 at 631 and 0.9 at 1,500;
    ``benchmarks/paths.py``, ``benchmarks/README.md``). The SVDs are
    MaxFuse's randomized ones (``randomized_svd=True``; scikit-learn's, which :func:`run_maxfuse` seeds from
    ``seed``) rather than ARPACK's, whose start vector is not seeded: with them a seed gives the same matching on
    every run. Every value can be overridden in :func:`run_maxfuse`.

    Parameters
    ----------
    n1, n2
        Number of RNA and protein cells.
    n_shared
        Number of shared features.
    n_active1, n_active2
        Number of active features of RNA and protein.
    seed
        Seed for MaxFuse's batching and Leiden clustering.
    rna_rows
        RNA rows MaxFuse is given when mufuse has aggregated the ``n1`` RNA cells into metacells itself
        (:func:`run_maxfuse`'s ``metacells="pairs"``): MaxFuse then gets ``metacell_size=1``, a matching ratio of
        protein cells per RNA row, batches of as many cells as before and SVD sizes that fit the rows. ``None``:
        MaxFuse makes its own metacells of 2.

    Returns
    -------
    ``{stage: {parameter: value}}`` for the stages in :data:`STAGES`.

    References
    ----------
    - Chen S. et al. (2024) Integration of spatial and single-cell data across modalities with weakly linked features.
      *Nat. Biotechnol.* 42:1096. doi:10.1038/s41587-023-01935-0 (MaxFuse). The stage parameters are MaxFuse's; their
      values here are chosen from the data's sizes by mufuse.

    Examples
    --------
    >>> p = maxfuse_defaults(3410, 3411, 12, 2000, 14)
    >>> p["find_initial_pivots"]["svd_components1"], p["refine_pivots"]["cca_components"]
    (None, 13)
    """
    _sizes_are_counts(n1=n1, n2=n2, n_shared=n_shared, n_active1=n_active1, n_active2=n_active2, rna_rows=rna_rows)
    metacell = _metacell_size(n1, n2, rna_rows)
    rows1 = n1 if rna_rows is None else rna_rows
    # smoothing towards each cell's graph neighbours before the pivots: the weight on the cell's own values is 0.3 (the
    # MaxFuse tutorials' tonsil CODEX setting) on data of more than SMALL_DATA cells, 0.7 (its CITE-seq tutorial's) up
    # to it, where 15 neighbours span whole small populations (benchmarks/README.md, "MaxFuse settings")
    wt1 = 0.7 if n1 <= SMALL_DATA else 0.3
    wt2 = 0.7 if n2 <= SMALL_DATA else 0.3
    ratio = max(1, round(n2 * metacell / max(n1, 1)) if rna_rows is None else round(n2 / max(rna_rows, 1)))
    nn1 = max(2, min(15, rows1 // 20))
    nn2 = max(2, min(15, n2 // 20))
    act1 = _svd(n_active1, rows1, 40)
    act2 = _svd(n_active2, n2, 40)
    dim1 = act1 or n_active1
    dim2 = act2 or n_active2
    cca = _cca_components(dim1, dim2, min(rows1, n2))
    return {
        "split_into_batches": {  # batches of at most 8,000 RNA cells, in MaxFuse's metacells or in mufuse's
            "max_outward_size": min(8000, n1) if rna_rows is None else max(1, round(min(8000, n1) * rna_rows / n1)),
            "matching_ratio": ratio,
            "metacell_size": metacell,
            "seed": seed,
        },
        "construct_graphs": {
            "n_neighbors1": nn1,
            "n_neighbors2": nn2,
            "svd_components1": act1,
            "svd_components2": _svd(n_active2, n2, 15),
            "resolution1": 2,
            "resolution2": 2,
            "leiden_seed": seed,
            "randomized_svd": True,
        },
        "find_initial_pivots": {
            "wt1": wt1,
            "wt2": wt2,
            "svd_components1": _svd(n_shared, rows1, 25),
            "svd_components2": _svd(n_shared, n2, 20),
            "randomized_svd": True,
        },
        "refine_pivots": {
            "wt1": wt1,
            "wt2": wt2,
            "svd_components1": act1,
            "svd_components2": act2,
            "cca_components": cca,
            "filter_prop": 0.0,
            "n_iters": 1,
            "randomized_svd": True,
        },
        "filter_bad_matches_pivot": {"target": "pivot", "filter_prop": 0.5},
        "propagate": {
            "wt1": 0.7,
            "wt2": 0.7,
            "svd_components1": act1,
            "svd_components2": act2,
            "randomized_svd": True,
        },
        "filter_bad_matches_propagated": {"target": "propagated", "filter_prop": 0.1},
    }


GRAPH_CELLS = 4096  # from this many cells scanpy's neighbour graph goes through pynndescent


def graph_conflict(pynndescent_version: str, csr_has_getnnz: bool, n_cells: int) -> str:
    """Say why MaxFuse's graph step cannot run in this environment on ``n_cells`` cells ("" when it can).

    pynndescent 0.7 returns ``scipy.sparse.csr_array`` graphs; scanpy 1.11 calls ``.getnnz()`` on them, which scipy
    1.17 removed from the array classes, so MaxFuse's ``construct_graphs`` dies once a batch holds
    :data:`GRAPH_CELLS` cells (below that, scanpy computes the neighbours itself).

    Examples
    --------
    >>> graph_conflict("0.6.0", False, 10_000)
    ''
    >>> graph_conflict("0.7.0", False, 10_000)[:40]
    'pynndescent 0.7.0 with this scipy (its c'
    """
    try:
        major_minor = tuple(int(p) for p in pynndescent_version.split(".")[:2])
    except ValueError:
        return ""
    if major_minor < (0, 7) or csr_has_getnnz or n_cells < GRAPH_CELLS:
        return ""
    return (
        f"pynndescent {pynndescent_version} with this scipy (its csr_array has no getnnz) breaks MaxFuse's graph step "
        f"in scanpy on {GRAPH_CELLS:,} cells or more ({n_cells:,} here): install 'pynndescent<0.7' (pip install "
        '"mufuse[maxfuse]" pins it), or match fewer than 4,096 cells per modality'
    )


# matching times measured on a quiet 2-core machine (benchmarks/README.md, match_scaling.py and session timings of
# pbmc10k halves): the direct route with mufuse's RNA pairs took 9 s at 3,410 × 3,411 cells (9.6-10.5 s again on
# 2026-12-05), with MaxFuse's own metacells 21.5 s at 1,500 a side and 4.3 s at 300 a side, once MaxFuse ran in the
# process; its first call in a process adds the import and numba's compiling of its graph code (74 s measured, 45.5 s
# on 2026-12-05, 40-70 s in the guide); the sketched route (import included) 44 s at 20,000 × 100,000 cells and 124 s
# at 50,000 × 1,000,000 (35 s + 85 µs per cell); the pair confidence 23-48 s more (about 45 µs per cell). With other
# jobs on both cores a walk-through measured 3-5x these.
_PER_RNA_CELL_MAXFUSE = (0.010, 0.030)  # s per RNA cell, MaxFuse's metacells
_PER_CELL_PAIRS = (0.001, 0.005)  # s per cell of both modalities, mufuse's RNA pairs
_FIRST_CALL = (40.0, 90.0)
_SKETCH_BASE, _SKETCH_PER_CELL, _CONFIDENCE_PER_CELL = 35.0, 85e-6, 45e-6
_WARM = {"maxfuse": False}  # whether MaxFuse ran in this process (its code is compiled)


def expected_time(
    route: str,
    fitted1: int,
    fitted2: int,
    cells: int,
    confidence: bool = True,
    metacells: str = "pairs",
    first: bool | None = None,
) -> str:
    """Say how long a matching is expected to take on a quiet 2-core machine, from the measured times of its route.

    ``fitted1``, ``fitted2``: the cells MaxFuse is fitted on; ``cells``: every cell of both modalities;
    ``metacells``: ``"maxfuse"`` or ``"pairs"`` (direct route); ``first``: MaxFuse's first call in this process
    (default: whether it has run here yet).

    Examples
    --------
    >>> expected_time("direct", 3410, 3411, 6821, confidence=False, first=True)
    'expected about 45-125 s on a quiet 2-core machine'
    >>> expected_time("direct", 3410, 3411, 6821, confidence=False, first=False)
    'expected about 5-35 s on a quiet 2-core machine'
    >>> expected_time("sketch", 5000, 10000, 1_050_000)
    'expected about 1-4 min on a quiet 2-core machine'
    """
    first = not _WARM["maxfuse"] if first is None else first
    if route == "sketch":
        mid = _SKETCH_BASE + _SKETCH_PER_CELL * cells
        low, high = 0.7 * mid, 1.5 * mid
    else:
        low, high = (
            (k * fitted1 for k in _PER_RNA_CELL_MAXFUSE)
            if metacells == "maxfuse"
            else (k * (fitted1 + fitted2) for k in _PER_CELL_PAIRS)
        )
        if first:
            low, high = low + _FIRST_CALL[0], high + _FIRST_CALL[1]
    if confidence:
        low, high = low + 0.5 * _CONFIDENCE_PER_CELL * cells, high + _CONFIDENCE_PER_CELL * cells
    if high <= 10:
        span = "under 10 s"
    elif high < 180:  # seconds, the low end rounded down and the high end up to 5 s
        span = f"{5 * math.floor(low / 5)}-{max(10, 5 * math.ceil(high / 5))} s"
    else:
        span = f"{max(1, math.floor(low / 60))}-{max(2, math.ceil(high / 60))} min"
    return f"expected about {span} on a quiet 2-core machine"


def _installed() -> bool:
    """Tell whether the ``maxfuse`` package can be imported, without importing it (its import compiles for ~14 s)."""
    import importlib.util

    try:
        return importlib.util.find_spec("maxfuse") is not None
    except ValueError:  # sys.modules["maxfuse"] is None: it was made unimportable
        return False


def _import_maxfuse(n_cells: int = 0):
    """Import MaxFuse's ``Fusor``, first checking that this environment can run it on ``n_cells`` cells."""
    try:
        from maxfuse.model import Fusor
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise MufuseError(f'MaxFuse is not installed ({err}); install it with: pip install "mufuse[maxfuse]"') from None
    from importlib.metadata import PackageNotFoundError, version

    from scipy import sparse

    try:
        nnd = version("pynndescent")
    except PackageNotFoundError:  # pragma: no cover - scanpy then computes neighbours itself
        nnd = "0"
    conflict = graph_conflict(nnd, hasattr(sparse.csr_array((1, 1)), "getnnz"), n_cells)
    if conflict:
        raise MufuseError(conflict)
    return Fusor


def _sizes_are_counts(**sizes) -> None:
    """Refuse a size that is not a whole number of cells or features (``"1000"``, ``1000.5``, ``True``, ``-3``)."""
    for name, value in sizes.items():
        if value is None and name == "rna_rows":
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise MufuseError(
                f"mufuse.tl.maxfuse_defaults takes whole numbers of cells and features; {name}={value!r} "
                f"({type(value).__name__}) is not one: pass e.g. {name}=mdata['rna'].n_obs"
            )


def run_maxfuse(
    mdata: MuData,
    *,
    rna: str = "rna",
    prot: str = "prot",
    labels: str | Sequence[str] | None = None,
    order: tuple[int, int] | None = (2, 1),
    seed: int = 0,
    verbose: bool = False,
    route: str = "auto",
    sketch_size: int = SKETCH_SIZE,
    confidence: bool = True,
    metacells: str = "auto",
    **maxfuse_params: dict,
) -> pd.DataFrame:
    """Run MaxFuse on a harmonized MuData and write the matching back by obs name.

    Builds ``maxfuse.model.Fusor`` from :func:`to_maxfuse`, runs its stages (batches, graphs, initial pivots,
    refined pivots, filtering, propagation, filtering) with :func:`maxfuse_defaults` chosen from the data, and
    stores the result with :func:`mufuse.tl.add_matching`. MaxFuse is an optional extra
    (``pip install "mufuse[maxfuse]"``), imported only here. ``mufuse.tl.match(mdata, method="maxfuse", ...)`` is the
    same call.

    Parameters
    ----------
    mdata
        MuData harmonized by :func:`mufuse.pp.harmonize`.
    rna, prot
        Names of the two modalities.
    labels
        ``obs`` column(s) with labels handed to MaxFuse (see :func:`to_maxfuse`).
    order
        Which cells must get a match: ``(2, 1)`` every protein cell (default), ``(1, 2)`` every RNA cell, ``None``
        every cell of both. MaxFuse's last stage (``filter_bad_matches_propagated``, ``filter_prop`` 0.1) drops the
        worst-scoring propagated matches; those cells are then matched in MaxFuse's joint space to the cell whose
        embedding correlates best with theirs (``stage="embedding"``). Only cells without any signal stay unmatched
        (a warning gives their number; ``obs["mufuse_match"]`` holds a missing value for them).
    seed
        Seed for MaxFuse's random batching, Leiden clustering and randomized SVDs (and the sketch): a seed gives the
        same matching on every run, with the same versions of MaxFuse and its dependencies. Different seeds give
        different matchings (label agreement varies by a few points between seeds on 600-cell data); compare
        preprocessing choices over several seeds.
    verbose
        Let MaxFuse print its own progress.
    route
        ``"direct"``: MaxFuse on all cells, every stage. ``"sketch"``: a geometric sketch of each modality
        (``sketch_size`` protein cells, half as many RNA cells), clustered for MaxFuse's smoothing (Leiden on a
        correlation k-nearest-neighbour graph, MaxFuse's ``construct_graphs`` parameters); MaxFuse finds its pivots
        and fits its canonical-correlation space on the sketches (stages up to ``filter_bad_matches_pivot``); then
        every cell is embedded with the fitted projection and each cell without a pivot is matched in that space,
        block by block on the active dask scheduler (linear in cells: imaging data with millions of cells).
        ``"auto"`` (default): the sketch when either modality has more than 20,000 cells with signal. The route
        taken and the numbers of cells fitted are recorded in ``uns["mufuse"]["params"]["maxfuse"]["route"]``.
    sketch_size
        Protein cells of the sketch MaxFuse is fitted on in the sketched route (RNA: half as many; MaxFuse's pivot
        assignment takes 13 s for 5,000 × 10,000 cells and 216 s for 10,000 × 10,000 on two cores).
    metacells
        Who makes the RNA metacells (groups of about two cells) MaxFuse matches protein cells to in the direct
        route. ``"maxfuse"``: MaxFuse itself (``metacell_size=2``: a search of Leiden's resolution for ``n / 2``
        communities, each run to convergence) on its own graphs. ``"pairs"``: mufuse pairs each RNA cell with its
        nearest free neighbour (correlation on 40 principal components; within a label when ``labels`` are given),
        hands MaxFuse the pairs' means with ``metacell_size=1`` and clusters both modalities itself for MaxFuse's
        smoothing, as in the sketched route. ``"auto"`` (default): ``"pairs"`` above :data:`PAIRS_ABOVE` (2,000) RNA
        cells, ``"maxfuse"`` up to it or when ``split_into_batches`` sets a ``metacell_size`` above 1; the choice
        and the request are recorded in ``uns["mufuse"]["params"]["maxfuse"]["route"]``. Measured
        (``benchmarks/README.md``, 8 disjoint-half splits each, label agreement, difference of pairs to MaxFuse's
        metacells with its 95% CI): pbmc10k at 3,410 cells a side +0.006 [−0.007, +0.019] in 9 s of MaxFuse instead
        of 56 s; at 300 cells a side (bone marrow CITE-seq) pairs lost 2.4 points [−5.3, +0.4], where MaxFuse's own
        search costs seconds. A protein cell's pair is the member of its RNA metacell whose joint embedding
        correlates best with its own; when RNA cells are to be matched (``order``), every member of a matched
        metacell gets the partner. The sketched route uses no metacells.
    confidence
        Give every pair its label-free ``confidence`` (see Returns). It costs a few seconds for a few thousand cells and
        about 50 s for 1,000,000 × 50,000 cells (``benchmarks/README.md``); ``False`` leaves the column out.
    **maxfuse_params
        Per-stage overrides, e.g. ``refine_pivots={"cca_components": 10}``,
        ``filter_bad_matches_pivot={"filter_prop": 0.3}``; stage names are in :data:`STAGES`.

    Returns
    -------
    The matching: one row per matched pair with columns named after the modalities (obs names), ``score`` (Pearson
    correlation of the two cells in MaxFuse's canonical-correlation space) and ``stage`` (``"pivot"``,
    ``"propagated"`` or ``"embedding"``: MaxFuse's filtered pivots, its propagated pairs (direct route), mufuse's
    matching in MaxFuse's joint space) and ``confidence`` (0 to 1, no labels needed: of the protein cell's 30 nearest
    RNA cells in the joint space, the share in its partner's RNA cluster, and the same from the RNA cell's side,
    averaged over Leiden clusters of each modality's own active features at resolutions 0.5, 1 and 2; a ranking
    within one matching, not a probability: keep the pairs above a quantile of it to trade coverage for agreement,
    see ``benchmarks/README.md``). Each cell's best pair also gives ``obs["mufuse_confidence"]``. Cells that
    :func:`mufuse.pp.harmonize` found without any signal
    (``report["empty_cell_names"]``) are left out of MaxFuse's input, so they get no match. The joint embedding of
    every cell (MaxFuse's CCA space, the same columns in both modalities) is stored in ``obsm["X_mufuse"]`` of both
    modalities: ``sc.pp.neighbors(adata, use_rep="X_mufuse")`` and ``sc.tl.umap`` run on both together.

    Raises
    ------
    MufuseError
        Before any work: arrays that are missing or no longer fit the MuData (cells subset or renamed, markers
        dropped after :func:`mufuse.pp.harmonize`), a parameter of the wrong name or type, MaxFuse not installed, or
        pynndescent >= 0.7 with a scipy that breaks MaxFuse's graph step on 4,096 cells or more. During the run:
        anything that fails inside MaxFuse or its libraries (the message names the stage and what to change), or NaN
        pair scores or joint-space values. Nothing is stored then.

    References
    ----------
    - Chen S. et al. (2024) Integration of spatial and single-cell data across modalities with weakly linked features.
      *Nat. Biotechnol.* 42:1096. doi:10.1038/s41587-023-01935-0 (MaxFuse).
    - Hie B. et al. (2019) Geometric sketching compactly summarizes the single-cell transcriptomic landscape.
      *Cell Systems* 8:483. doi:10.1016/j.cels.2019.05.003 (the sketch of the sketched route, ``geosketch``).

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=600, paired=False, n_prot_cells=500, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> matching = mufuse.tl.run_maxfuse(mdata)  # doctest: +SKIP
    >>> matching.columns.tolist()  # doctest: +SKIP
    ['rna', 'prot', 'score', 'stage', 'confidence']
    """
    _validate.require(mdata, "tl.run_maxfuse", "a MuData", _validate.is_mudata)
    request = dict(order=order, seed=seed, verbose=verbose, route=route, sketch_size=sketch_size, confidence=confidence)
    options = {"metacells": metacells, **maxfuse_params}
    return run_matcher(MAXFUSE, mdata, rna, prot, labels, request, options, what="to_maxfuse")


class MaxFuse(Matcher):
    """MaxFuse (Chen et al. 2024) as a mufuse matcher: :func:`run_maxfuse` and ``mufuse.tl.match(method="maxfuse")``.

    Options: ``metacells`` (see :func:`run_maxfuse`) and MaxFuse's per-stage overrides (:data:`STAGES`).
    """

    name = "maxfuse"
    summary = "MaxFuse: fuzzy smoothing, pivots by linear assignment, CCA, propagation (Chen et al. 2024)"
    licence = "academic non-commercial only (Stanford/Penn academic software licence)"
    install = 'pip install "mufuse[maxfuse]"'
    stages = ("pivot", "propagated")

    def check(self, options: dict) -> None:
        """Check that MaxFuse is installed, ``metacells`` and the per-stage overrides, before any work."""
        if not _installed():
            raise MufuseError(
                'MaxFuse is not installed; install it with: pip install "mufuse[maxfuse]" (from a clone: pip install '
                '-e ".[maxfuse]"), or match with method="anchors" (--method anchors), which needs nothing more'
            )
        options = dict(options)
        metacells = options.pop("metacells", "auto")
        check_stage_overrides(options)
        _check_metacells(metacells, options)

    def fit(self, problem: Problem) -> Fitted:
        """Run MaxFuse's stages on the problem's route; return its pairs, its joint embedding and its parameters."""
        options = dict(problem.options)
        requested = options.pop("metacells", "auto")
        inputs, names, route, seed = problem.inputs, problem.names, problem.route, problem.seed
        fitted = max(len(names[1]), len(names[2]))  # the most cells MaxFuse's graph step sees in one modality
        fusor_cls = _import_maxfuse(min(fitted, problem.sketch_size) if route == "sketch" else fitted)
        fit_names = _sketch_inputs(inputs, names, problem.sketch_size, seed) if route == "sketch" else names
        n1, n2 = inputs["shared_arr1"].shape[0], inputs["shared_arr2"].shape[0]
        metacells = choose_metacells(requested, n1, options, n2)
        if route == "sketch" and requested != "auto":
            warnings.warn(
                f"metacells={requested!r} is not used: the sketched route fits MaxFuse on sketches without metacells",
                UserWarning,
                stacklevel=4,
            )
        groups = _pair_inputs(inputs, seed) if route == "direct" and metacells == "pairs" else None
        params = _parameters(inputs, options, route, seed, cells1=n1, paired=groups is not None)
        cells = sum(e.shape[0] for e in problem.every)
        eta = expected_time(route, n1, n2, cells, problem.confidence, metacells)
        rna, prot = problem.modalities
        _progress.note("running MaxFuse (%s route) on %d '%s' × %d '%s' cells: %s", route, n1, rna, n2, prot, eta)
        if route == "sketch" or groups is not None:
            _cluster_for_smoothing(inputs, params)
        fusor = fusor_cls(**inputs)
        _run_stages(fusor, params, problem.verbose, seed, eta)
        _WARM["maxfuse"] = True
        embedding = embed(fusor, *problem.every)
        if groups is None:
            pairs = _matching_table(fusor, fit_names, rna, prot, problem.order, full=route == "direct")
        else:
            rows = np.arange(int(groups.max()) + 1).astype(str)
            pairs = _matching_table(fusor, {1: rows, 2: names[2]}, rna, prot, problem.order, full=True)
            pairs = _members(problem.obs_names, pairs, groups, names[1], embedding, rna, prot, problem.order)
        _check_finite(embedding, pairs["score"].to_numpy(), params)
        params["route"] = {"route": route, "fitted_rna_cells": n1, "fitted_prot_cells": n2}
        if route == "direct":
            params["route"].update(metacells=metacells, metacells_requested=requested)
            if groups is not None:
                params["route"]["rna_metacells"] = int(groups.max()) + 1
        return Fitted(pairs=pairs, embedding=embedding, params=params)


def _parameters(inputs: dict, overrides: dict, route: str, seed: int, cells1: int, paired: bool = False) -> dict:
    """MaxFuse's parameters per stage for the cells it is fitted on: defaults, the route's changes, the overrides.

    ``cells1`` is the number of RNA cells behind MaxFuse's RNA rows, which are mufuse's metacells when ``paired``. The
    sketched route runs only :data:`SKETCH_STAGES`; overrides of the other stages are said to be unused.
    """
    a1, a2 = inputs["active_arr1"], inputs["active_arr2"]
    rows = a1.shape[0] if paired else None
    params = maxfuse_defaults(
        cells1, a2.shape[0], inputs["shared_arr1"].shape[1], a1.shape[1], a2.shape[1], seed=seed, rna_rows=rows
    )
    if route == "sketch":
        params = {k: v for k, v in sketch_params(params, a1.shape[0], a2.shape[0]).items() if k in SKETCH_STAGES}
        unused = sorted(set(overrides) - set(SKETCH_STAGES))
        if unused:
            warnings.warn(
                f"the sketched route runs MaxFuse up to its filtered pivots and matches the other cells in its joint "
                f"space: {', '.join(unused)} is not used (route='direct' runs every stage)",
                UserWarning,
                stacklevel=5,
            )
    for stage, override in overrides.items():
        if stage in params:
            params[stage] = {**params[stage], **override}
    return params


def choose_metacells(metacells: str, n1: int, overrides: dict | None = None, n2: int | None = None) -> str:
    """``"pairs"`` or ``"maxfuse"`` for ``metacells``.

    ``"auto"``: pairs above :data:`PAIRS_ABOVE` RNA cells, and MaxFuse's own metacells when the overrides set their
    size (``split_into_batches={"metacell_size": k}``, k > 1) or when the ``n2`` protein cells are fewer than half
    the RNA cells (MaxFuse's propagation then needs larger metacells than pairs; :func:`maxfuse_defaults`).

    Examples
    --------
    >>> choose_metacells("auto", 2_000), choose_metacells("auto", 2_001), choose_metacells("maxfuse", 9_000)
    ('maxfuse', 'pairs', 'maxfuse')
    >>> choose_metacells("auto", 9_000, {"split_into_batches": {"metacell_size": 3}})
    'maxfuse'
    """
    if metacells == "auto":
        size = (overrides or {}).get("split_into_batches", {}).get("metacell_size")
        few_prot = n2 is not None and 2 * n2 < n1
        return "pairs" if n1 > PAIRS_ABOVE and size in (None, 1) and not few_prot else "maxfuse"
    return metacells


def _check_metacells(metacells: str, overrides: dict) -> None:
    if metacells not in METACELLS:
        raise MufuseError(f"metacells must be one of {', '.join(map(repr, METACELLS))}, got {metacells!r}")
    size = overrides.get("split_into_batches", {}).get("metacell_size")
    if metacells == "pairs" and size not in (None, 1):
        raise MufuseError(
            f"split_into_batches={{'metacell_size': {size!r}}} asks for MaxFuse's own metacells, but metacells='pairs' "
            "gives MaxFuse mufuse's metacells of up to two cells: pass metacells='maxfuse' (or 'auto') with it"
        )


def _pair_inputs(inputs: dict, seed: int) -> np.ndarray:
    """Replace MaxFuse's RNA rows by metacells of two cells (in place, labels kept); return each cell's metacell."""
    t0 = time.perf_counter()
    groups = pair_cells(inputs["active_arr1"], inputs["labels1"], seed=seed)
    for key in ("shared_arr1", "active_arr1"):
        inputs[key] = metacell_means(inputs[key], groups)
    if inputs["labels1"] is not None:  # pairs never cross labels: a metacell's label is its cells'
        first = np.zeros(int(groups.max()) + 1, dtype=np.int64)
        first[groups[::-1]] = np.arange(len(groups))[::-1]
        inputs["labels1"] = np.asarray(inputs["labels1"])[first]
    n = int(groups.max()) + 1
    _progress.say("    %d RNA cells paired into %d metacells (%.1fs)", len(groups), n, time.perf_counter() - t0)
    return groups


def _members(
    obs_names: tuple[pd.Index, pd.Index],
    matching: pd.DataFrame,
    groups: np.ndarray,
    cells: np.ndarray,
    embedding: tuple[np.ndarray, np.ndarray],
    rna: str,
    prot: str,
    order,
) -> pd.DataFrame:
    """MaxFuse's pairs of RNA metacells as pairs of cells.

    With ``order=(2, 1)`` each pair keeps the member whose joint embedding correlates best with the protein cell's;
    otherwise every member gets the pair (each RNA cell must be matched). MaxFuse's score and stage are kept.
    """
    meta = matching[rna].to_numpy().astype(np.int64)
    sizes = np.bincount(groups)
    by_group = np.argsort(groups, kind="stable")  # cells of metacell g: by_group[start[g] : start[g] + sizes[g]]
    start = np.cumsum(sizes) - sizes
    expanded = np.repeat(np.arange(len(meta)), sizes[meta])  # one row per (pair, member)
    within = np.arange(len(expanded)) - np.repeat(np.cumsum(sizes[meta]) - sizes[meta], sizes[meta])
    members = by_group[start[meta][expanded] + within]
    out = matching.iloc[expanded].reset_index(drop=True)
    out[rna] = cells[members]
    if order == (2, 1):
        e1 = unit_rows(embedding[0][obs_names[0].get_indexer(out[rna])])
        e2 = unit_rows(embedding[1][obs_names[1].get_indexer(out[prot])])
        out["_corr"] = np.einsum("ij,ij->i", e1, e2)
        out["_pair"] = expanded
        best = out.sort_values(["_pair", "_corr"], ascending=[True, False], kind="stable").drop_duplicates("_pair")
        out = best.sort_values("_pair").drop(columns=["_corr", "_pair"]).reset_index(drop=True)
    return out


def _cluster_for_smoothing(inputs: dict, params: dict) -> None:
    """Give MaxFuse cluster labels of both modalities for its smoothing (in place), with its own graph parameters.

    Labels given by the user are kept.
    """
    t0 = time.perf_counter()
    graphs = params["construct_graphs"]
    seed = graphs.get("leiden_seed") or 0
    for i in (1, 2):
        if inputs[f"labels{i}"] is not None:
            continue
        inputs[f"labels{i}"] = clusters(
            inputs[f"active_arr{i}"],
            graphs.get(f"n_neighbors{i}", 15),
            graphs.get(f"svd_components{i}"),
            graphs.get(f"resolution{i}", 1),
            seed,
        )
    n = [len(np.unique(inputs[f"labels{i}"])) for i in (1, 2)]
    took = time.perf_counter() - t0
    _progress.say("    clustered the cells for MaxFuse's smoothing: %d + %d clusters (%.1fs)", *n, took)


def _sketch_inputs(inputs: dict, names: dict[int, np.ndarray], size: int, seed: int) -> dict[int, np.ndarray]:
    """Keep a geometric sketch of each modality in MaxFuse's inputs (in place); return the names of the cells kept."""
    t0 = time.perf_counter()
    kept = {}
    sizes = sketch_sizes(len(names[1]), len(names[2]), size)
    for i in (1, 2):
        idx = sketch(inputs[f"active_arr{i}"], sizes[i - 1], seed=seed)
        kept[i] = names[i][idx]
        for key in (f"shared_arr{i}", f"active_arr{i}", f"labels{i}"):
            if inputs[key] is not None:
                inputs[key] = inputs[key][idx]
    _progress.say(
        "    sketched %d + %d cells to fit MaxFuse on (%.1fs)", len(kept[1]), len(kept[2]), time.perf_counter() - t0
    )
    return kept


_METHODS = {
    "split_into_batches": "split_into_batches",
    "construct_graphs": "construct_graphs",
    "find_initial_pivots": "find_initial_pivots",
    "refine_pivots": "refine_pivots",
    "filter_bad_matches_pivot": "filter_bad_matches",
    "propagate": "propagate",
    "filter_bad_matches_propagated": "filter_bad_matches",
}


def check_stage_overrides(maxfuse_params: dict) -> None:
    """Check the per-stage overrides of :func:`run_maxfuse` against MaxFuse's own signatures.

    Each override must name a parameter of its MaxFuse stage, with a value of the type of that parameter's default
    (a number for a number), so that a typo fails in a second, not after minutes of MaxFuse.
    """
    unknown = set(maxfuse_params) - set(STAGES)
    if unknown:
        raise MufuseError(f"unknown MaxFuse stage(s) {', '.join(sorted(unknown))}; stages: {', '.join(STAGES)}")
    try:
        from maxfuse.model import Fusor
    except ImportError:  # pragma: no cover - checked again when MaxFuse is imported
        Fusor = None
    ours = maxfuse_defaults(10_000, 10_000, 20, 2_000, 50)  # which parameters mufuse sets, and to what type
    for stage, params in maxfuse_params.items():
        if not isinstance(params, dict):
            raise MufuseError(f"{stage}= must be a dict of MaxFuse parameters, e.g. {stage}={{...}}")
        if Fusor is None:
            continue
        sig = inspect.signature(getattr(Fusor, _METHODS[stage])).parameters
        for name, value in params.items():
            if name not in sig or name in ("self", "verbose"):
                known = ", ".join(p for p in sig if p not in ("self", "verbose"))
                raise MufuseError(f"MaxFuse stage {stage} has no parameter '{name}'; its parameters: {known}")
            defaults = (sig[name].default, ours[stage].get(name))
            number = any(isinstance(d, int | float) and not isinstance(d, bool) for d in defaults)
            numeric = isinstance(value, int | float | np.number) and not isinstance(value, bool)
            if number and value is not None and not numeric:
                raise MufuseError(f"MaxFuse parameter {stage}.{name} takes a number, got {value!r}")


def _run_stages(fusor, params: dict, verbose: bool, seed: int = 0, eta: str = "") -> None:
    """Run MaxFuse's stages in order, each with its parameters, with a progress bar and timings.

    NumPy's global random state, from which MaxFuse's randomized SVDs draw, is seeded with ``seed`` for the run and
    put back afterwards.
    """
    stages = [
        ("split_into_batches", fusor.split_into_batches),
        ("construct_graphs", fusor.construct_graphs),
        ("find_initial_pivots", fusor.find_initial_pivots),
        ("refine_pivots", fusor.refine_pivots),
        ("filter_bad_matches_pivot", fusor.filter_bad_matches),
        ("propagate", fusor.propagate),
        ("filter_bad_matches_propagated", fusor.filter_bad_matches),
    ]
    stages = [(name, method) for name, method in stages if name in params]
    state = np.random.get_state()  # noqa: NPY002 - MaxFuse's randomized SVDs draw from the global state
    np.random.seed(seed)  # noqa: NPY002 - a seed gives one matching; the caller's state is put back below
    try:
        _each_stage(stages, params, verbose, eta)
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _each_stage(stages: list, params: dict, verbose: bool, eta: str = "") -> None:
    desc = f"MaxFuse ({eta})" if eta else "MaxFuse"
    t_all = time.perf_counter()
    stage_bar = _progress.tqdm(stages, desc=desc, disable=not _progress.enabled(), leave=False)
    for i, (name, method) in enumerate(stage_bar, 1):
        stage_bar.set_postfix_str(name)  # the stage running, beside its number
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stdout if verbose else io.StringIO()):
                warnings.simplefilter("ignore", FutureWarning)
                # mufuse sets the batch sizes (maxfuse_defaults): the advice to change MaxFuse's matching ratio is
                # not the user's to follow; at or under 1,000 RNA cells (rows) every batch is that small
                warnings.filterwarnings("ignore", message="Batch size for arr1 is <= 1000")
                method(**params[name], verbose=verbose)
        except TypeError as err:
            raise MufuseError(f"MaxFuse stage {name} rejected its parameters ({err}); check {name}={{...}}") from None
        except (MemoryError, KeyboardInterrupt, MufuseError):
            raise
        except Exception as err:  # whatever fails inside MaxFuse reaches the user as a MufuseError
            raise MufuseError(_stage_failure(name, params, err)) from err
        took, total = time.perf_counter() - t0, time.perf_counter() - t_all
        _progress.say("    MaxFuse stage %d of %d, %s: %.1fs (%.0fs so far)", i, len(stages), name, took, total)


def _check_finite(embedding, scores: np.ndarray, params: dict) -> None:
    """Refuse NaN in MaxFuse's joint space or pair scores (its CCA on too few pivots), saying what to change."""
    bad = [int((~np.isfinite(e).all(axis=1)).sum()) for e in embedding]
    n_scores = int((~np.isfinite(scores)).sum())
    if any(bad) or n_scores:
        cca = params.get("refine_pivots", {}).get("cca_components")
        half = max(1, (cca or 2) // 2)
        fewer = f"Pass refine_pivots={{'cca_components': {half}}}, or match more cells" if half < (cca or 2) else ""
        raise MufuseError(
            f"MaxFuse gave NaN for {n_scores} pair scores and the joint space of {bad[0]} RNA and {bad[1]} protein "
            f"cells: its CCA of {cca} components found too few pivots to fit. "
            + (fewer or "Match more cells: one CCA component is the least MaxFuse can fit")
        )


def _stage_failure(name: str, params: dict, err: Exception) -> str:
    """Say what failed inside MaxFuse and what to change, from the error and the stage's parameters."""
    what = f"MaxFuse failed in its {name} stage ({type(err).__name__}: {err})"
    text = str(err)
    if "getnnz" in text:
        return (
            f"{what}: pynndescent >= 0.7 gives scanpy graphs it cannot read with this scipy; install "
            "'pynndescent<0.7' (pip install \"mufuse[maxfuse]\" pins it)"
        )
    keys = [k for k in params.get(name, {}) if "components" in k and params[name][k]]
    if "components" in text or (isinstance(err, AssertionError) and keys):
        return (
            f"{what}: the data are too small for {', '.join(f'{k}={params[name][k]}' for k in keys) or 'its SVDs'}; "
            f"pass smaller values ({name}={{...}}) or match more cells"
        )
    if name == "propagate" and isinstance(err, IndexError):
        return (
            f"{what}: MaxFuse's propagation fails when its RNA rows outnumber the protein cells; pass "
            "metacells='maxfuse' (mufuse then sizes MaxFuse's metacells to fit), or match more protein cells"
        )
    return f"{what}; parameters of that stage: {params.get(name, {})}. Check them, or match more cells"


def _matching_table(fusor, names: dict[int, np.ndarray], rna: str, prot: str, order, full: bool) -> pd.DataFrame:
    """MaxFuse's matching as obs names, with each pair's stage: the full data (``full``) or its filtered pivots."""
    piv1, piv2, piv_score = fusor.get_matching(target="pivot")
    idx1, idx2, score = fusor.get_matching(order=order, target="full_data") if full else (piv1, piv2, piv_score)
    pivots = set(zip(map(int, piv1), map(int, piv2), strict=True))
    stages_of_pairs = ["pivot" if (int(i), int(j)) in pivots else "propagated" for i, j in zip(idx1, idx2, strict=True)]
    return pd.DataFrame(
        {
            rna: names[1][np.asarray(idx1, dtype=np.int64)],
            prot: names[2][np.asarray(idx2, dtype=np.int64)],
            "score": np.asarray(score, dtype=np.float64),
            "stage": pd.Categorical(stages_of_pairs, categories=list(MATCH_STAGES)),
        }
    )


MAXFUSE = register_matcher(MaxFuse())
