"""One matching API over every registered matcher.

check → arrays → leave empty cells out → route → the matcher → the cells it left without a pair matched in its joint
space → confidence → store by obs name.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from mudata import MuData

from .. import _obs, _progress, _store, _validate
from .._errors import MufuseError
from ._confidence import pair_confidence
from ._joint import best_partners
from ._matching import store_matching
from ._registry import Matcher, Problem, get_matcher
from ._sketch import SKETCH_SIZE, choose_route

log = logging.getLogger("mufuse")

INPUT_KEYS = ("shared_arr1", "shared_arr2", "active_arr1", "active_arr2", "labels1", "labels2")
EMBEDDING_STAGE = "embedding"  # the stage of a pair mufuse made in the matcher's joint space
# the default matcher: Seurat v3 anchors matched as well as MaxFuse or better on 5 of 6 benchmark conditions (4 real
# datasets) and runs with the core install, 5-10 times faster (benchmarks/README.md, "Second matcher")
DEFAULT_METHOD = "anchors"


def match_inputs(mdata: MuData, rna: str, prot: str, labels: str | Sequence[str] | None, what: str) -> dict:
    """Return the harmonized arrays of every cell and the labels, by :data:`INPUT_KEYS`.

    The arrays are dense float32, C-contiguous, rows in obs order; ``what`` names the caller in the message when
    they are missing or stale.
    """
    _store.require_harmonized(mdata, rna, prot, what=what)
    out: dict = {}
    for i, name in ((1, rna), (2, prot)):
        obsm = mdata.mod[name].obsm
        out[f"shared_arr{i}"] = np.ascontiguousarray(obsm[_store.SHARED_KEY], dtype=np.float32)
        out[f"active_arr{i}"] = np.ascontiguousarray(obsm[_store.ACTIVE_KEY], dtype=np.float32)
    if out["shared_arr1"].shape[1] != out["shared_arr2"].shape[1]:
        raise MufuseError(
            f"obsm['{_store.SHARED_KEY}'] of '{rna}' and '{prot}' have different widths; run mufuse.pp.harmonize again"
        )
    if labels is None:
        out["labels1"] = out["labels2"] = None
    else:
        k1, k2 = (labels, labels) if isinstance(labels, str) else tuple(labels)
        out["labels1"] = _obs.labels(mdata, rna, k1)
        out["labels2"] = _obs.labels(mdata, prot, k2)
    return {k: out[k] for k in INPUT_KEYS}


def match(
    mdata: MuData,
    *,
    method: str = DEFAULT_METHOD,
    rna: str = "rna",
    prot: str = "prot",
    labels: str | Sequence[str] | None = None,
    order: tuple[int, int] | None = (2, 1),
    seed: int = 0,
    verbose: bool = False,
    route: str = "auto",
    sketch_size: int = SKETCH_SIZE,
    confidence: bool = True,
    **options,
) -> pd.DataFrame:
    """Match the cells of a harmonized MuData with a registered matcher and store the matching by obs name.

    Every matcher is run the same way: its inputs are the arrays :func:`mufuse.pp.harmonize` stored (cells without any
    signal left out); the cells of the side ``order`` names that it leaves without a pair are matched in its joint
    embedding to the cell whose embedding correlates best with theirs (``stage="embedding"``); every pair gets the
    label-free ``confidence``; and the result is stored as :func:`mufuse.tl.add_matching` stores it, with the joint
    embedding of every cell in ``obsm["X_mufuse"]`` of both modalities. Transfers, evaluation, plots and the CLI read
    it the same whatever the method. :func:`list_matchers` says which methods there are.

    Parameters
    ----------
    mdata
        MuData harmonized by :func:`mufuse.pp.harmonize`.
    method
        The registered matcher (:func:`list_matchers`): ``"anchors"`` (the default: Seurat v3 anchors, Stuart et al.
        2019, mufuse's own, core install; ``tl/_anchors.py``) or ``"maxfuse"`` (MaxFuse, Chen et al. 2024, as
        :func:`mufuse.tl.run_maxfuse`; academic non-commercial licence, ``pip install "mufuse[maxfuse]"``). Measured
        on disjoint halves of four real paired datasets (8 splits × 2 seeds; ``benchmarks/matchers.py``), anchors'
        label agreement minus MaxFuse's: TEA-seq +0.058 (95% CI +0.040 to +0.077), pbmc10k +0.007 (−0.006 to
        +0.020), bone marrow AbSeq +0.067 (+0.060 to +0.075), bone marrow CITE-seq −0.035 (−0.072 to +0.002);
        0.4-2 s against 5-17 s.
    rna, prot
        Names of the two modalities.
    labels
        ``obs`` column(s) with cell labels the matcher may use (one name for both modalities, or a pair).
    order
        Which cells must get a match: ``(2, 1)`` every protein cell (default), ``(1, 2)`` every RNA cell, ``None``
        every cell of both. Only cells without any signal stay unmatched (a warning gives their number).
    seed
        Seed of every random choice: a seed gives the same matching on every run, with the same library versions.
    verbose
        Let the matcher's library print its own progress.
    route
        ``"direct"`` (fit on every cell), ``"sketch"`` (fit on a geometric sketch of each modality, then match every
        cell in the fitted joint space, block by block) or ``"auto"`` (default: the sketch when a modality has more
        than 20,000 cells with signal).
    sketch_size
        Protein cells the sketched route fits on (RNA: half as many).
    confidence
        Give every pair its label-free ``confidence`` (see :func:`mufuse.tl.run_maxfuse`); ``False`` leaves it out.
    **options
        The matcher's own options (``"anchors"``: ``n_components``, ``k_anchor``, ...; ``"maxfuse"``: ``metacells``
        and MaxFuse's per-stage overrides).

    Returns
    -------
    The matching: one row per pair with the obs names in columns named after the modalities, ``score`` (the matcher's
    similarity of the two cells), ``stage`` (the matcher's stages, or ``"embedding"``) and ``confidence`` (0 to 1).
    Shape: (pairs, 5); at least one row per cell of the side ``order`` names.

    Raises
    ------
    MufuseError
        Before any work: an unknown method or option, arguments of the wrong type, arrays missing or stale, the
        matcher's library not installed. During the run: anything that fails inside the matcher (the message says
        what to change). Nothing is stored then.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=600, paired=False, n_prot_cells=500, seed=0)
    >>> mufuse.pp.harmonize(mdata)
    >>> matching = mufuse.tl.match(mdata, seed=0)  # method="anchors"
    >>> matching.columns.tolist(), len(matching) == mdata["prot"].n_obs
    (['rna', 'prot', 'score', 'stage', 'confidence'], True)
    """
    _validate.require(mdata, "tl.match", "a MuData", _validate.is_mudata)
    matcher = get_matcher(method)
    request = dict(order=order, seed=seed, verbose=verbose, route=route, sketch_size=sketch_size, confidence=confidence)
    return run_matcher(matcher, mdata, rna, prot, labels, request, options, what="match")


def run_matcher(
    matcher: Matcher, mdata: MuData, rna: str, prot: str, labels, request: dict, options: dict, what: str
) -> pd.DataFrame:
    """Run ``matcher`` the way :func:`match` says; ``request`` holds match's keyword arguments but the options."""
    matcher.validate(options, **{k: v for k, v in request.items() if k != "verbose"})
    t_all = time.perf_counter()
    inputs = match_inputs(mdata, rna, prot, labels, what=what)
    every = (inputs["active_arr1"], inputs["active_arr2"])  # all cells, empty ones too: each gets an embedding
    every_shared = (inputs["shared_arr1"], inputs["shared_arr2"])
    names = _leave_out_empty(mdata, inputs, rna, prot)
    route = choose_route(request["route"], len(names[1]), len(names[2]), int(request["sketch_size"]))
    obs_names = (mdata.mod[rna].obs_names, mdata.mod[prot].obs_names)
    problem = Problem(
        inputs=inputs,
        names=names,
        every=every,
        every_shared=every_shared,
        obs_names=obs_names,
        modalities=(rna, prot),
        route=route,
        sketch_size=int(request["sketch_size"]),
        order=request["order"],
        seed=int(request["seed"]),
        verbose=bool(request["verbose"]),
        confidence=bool(request["confidence"]),
        options=dict(options),
    )
    fitted = matcher.fit(problem)
    stages = (*matcher.stages, EMBEDDING_STAGE)
    matching = complete(obs_names, fitted.pairs, fitted.embedding, names, (rna, prot), request["order"], stages)
    if request["confidence"]:
        matching["confidence"] = pair_confidence(
            *fitted.embedding,
            *every,
            obs_names[0].get_indexer(matching[rna]),
            obs_names[1].get_indexer(matching[prot]),
            seed=problem.seed,
        )
    _warn_unmatched(mdata, matching, rna, prot, request["order"])
    store_matching(mdata, matching, rna, prot, fitted.params, fitted.embedding, key=matcher.name)
    _progress.note("    %d matched pairs; finished (%.1fs)", len(matching), time.perf_counter() - t_all)
    return matching


def _leave_out_empty(mdata: MuData, inputs: dict, rna: str, prot: str) -> dict[int, np.ndarray]:
    """Drop the cells harmonize found without any signal from the inputs (in place); return the obs names kept."""
    empty = dict(dict(_store.uns(mdata).get(_store.REPORT, {})).get("empty_cell_names", {}))
    names = {}
    for i, name in ((1, rna), (2, prot)):
        names[i] = np.asarray(mdata.mod[name].obs_names)
        keep = ~pd.Index(names[i]).isin(list(empty.get(name, [])))  # hashed: np.isin compares strings pairwise
        if not keep.all():
            log.info("    leaving %d empty '%s' cell(s) out of the matching", int((~keep).sum()), name)
            names[i] = names[i][keep]
            for key in (f"shared_arr{i}", f"active_arr{i}", f"labels{i}"):
                if inputs[key] is not None:
                    inputs[key] = inputs[key][keep]
    return names


def wanted(order, rna: str, prot: str) -> list[str]:
    """Return the modalities whose every cell (with signal) must get a pair under ``order``."""
    return {(2, 1): [prot], (1, 2): [rna], None: [rna, prot]}[order]


def complete(
    obs_names: tuple[pd.Index, pd.Index],
    matching: pd.DataFrame,
    embedding: tuple[np.ndarray, np.ndarray],
    names: dict[int, np.ndarray],
    modalities: tuple[str, str],
    order,
    stages: tuple[str, ...],
) -> pd.DataFrame:
    """Match the cells without a pair from the matcher in its joint space (``stage="embedding"``).

    Each such cell of a modality that ``order`` says must be matched gets the cell of the other modality (among those
    the matcher was given) whose embedding correlates best with its own, scored by that correlation.
    """
    rna, prot = modalities
    mods = {1: rna, 2: prot}
    extra = []
    for name in wanted(order, rna, prot):
        i = 1 if name == rna else 2
        j = 3 - i
        todo = names[i][~pd.Index(names[i]).isin(matching[name])]
        if not len(todo):
            continue
        pos_j = obs_names[j - 1].get_indexer(names[j])
        idx, corr = best_partners(embedding[i - 1][obs_names[i - 1].get_indexer(todo)], embedding[j - 1][pos_j])
        extra.append(pd.DataFrame({name: todo, mods[j]: names[j][idx], "score": corr, "stage": EMBEDDING_STAGE}))
        _progress.say("    %d '%s' cells without a pair from the matcher: matched in its joint space", len(todo), name)
    if not extra:
        return matching
    out = pd.concat([matching.assign(stage=matching["stage"].astype(str)), *extra], ignore_index=True)
    out["stage"] = pd.Categorical(out["stage"], categories=list(stages))
    return out[[rna, prot, "score", "stage"]]


def _warn_unmatched(mdata: MuData, matching: pd.DataFrame, rna: str, prot: str, order) -> None:
    """Say how many cells that were to get a match got none (cells without any signal), and why."""
    empty = dict(dict(_store.uns(mdata).get(_store.REPORT, {})).get("empty_cell_names", {}))
    for name in wanted(order, rna, prot):
        n = mdata.mod[name].n_obs
        missing = n - matching[name].nunique()
        if missing > 0:
            warnings.warn(
                f"{missing} of {n} '{name}' cells ({missing / n:.1%}) got no match: "
                f"{len(empty.get(name, []))} have no signal at all (report['empty_cell_names']) and were left out "
                "of the matching; obs['mufuse_match'] holds a missing value for them",
                UserWarning,
                stacklevel=4,
            )
