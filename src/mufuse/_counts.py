"""Where a modality's counts are: ``layers``, ``.X`` or ``.raw``, found by one rule for RNA and protein alike.

Files converted from Seurat (SeuratDisk, MuDataSeurat), scanpy habits (``adata.raw = adata`` before normalizing) and
pipelines that keep ``.X`` log-normalized put the raw counts in many places. mufuse normalizes from counts, so it
looks for them: first layers named like counts, then ``.X``, then the other layers, then ``.raw.X``; the first that
holds counts (non-negative integers, :func:`mufuse.tl.detect_state`) is used, and the report says which.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from . import _validate
from ._errors import MufuseError, StateError
from ._state import detect_state

# layer names that hold counts in the tools people use (scanpy/scvi "counts", Seurat exports "counts",
# "raw_counts"/"umi" in pipelines), tried first, case-insensitively
COUNT_LAYER_NAMES = ("counts", "raw_counts", "count", "umi", "umis", "umi_counts", "raw", "x_counts")
_RAW_NAMES = ("raw", ".raw", "raw.X", ".raw.X")
# states that are plainly not counts (transformed values); "other" (e.g. NaN in counts, raw intensities) is not
NOT_COUNTS = {"log1p", "zscored", "unit_scaled", "binary", "arcsinh"}


@dataclass
class Source:
    """A matrix of a modality, where it was found, and the object describing its columns (AnnData or ``.raw``)."""

    matrix: Any
    label: str  # ".X", "layers['counts']", ".raw.X"
    genes: Any  # has .var_names and .var: the AnnData itself, or its .raw (which may hold more genes)
    state: str
    why: str


def _places(adata) -> list[tuple[str, Any, Any]]:
    """Every matrix of a modality in the order they are tried: counts-named layers, ``.X``, other layers, ``.raw``."""
    layers = list(adata.layers.keys())
    named = sorted(
        (k for k in layers if k.lower() in COUNT_LAYER_NAMES), key=lambda k: COUNT_LAYER_NAMES.index(k.lower())
    )
    out = [(f"layers['{k}']", adata.layers[k], adata) for k in named]
    if adata.X is not None:
        out.append((".X", adata.X, adata))
    out += [(f"layers['{k}']", adata.layers[k], adata) for k in layers if k not in named]
    if adata.raw is not None and adata.raw.X is not None:
        out.append((".raw.X", adata.raw.X, adata.raw))
    return out


def _describe(adata) -> str:
    layers = ", ".join(adata.layers.keys()) or "none"
    raw = "present" if adata.raw is not None else "absent"
    return f"layers: {layers}; .raw {raw}"


def _explicit(adata, layer: str, modality: str, option: str) -> tuple[str, Any, Any]:
    if layer in (".X", "X") and adata.X is not None and layer not in adata.layers:
        return ".X", adata.X, adata
    if layer in adata.layers:
        return f"layers['{layer}']", adata.layers[layer], adata
    if layer in _RAW_NAMES and adata.raw is not None:
        return ".raw.X", adata.raw.X, adata.raw
    raw_hint = f", or {option}='raw' for .raw.X" if adata.raw is not None else ""
    raise MufuseError(
        f"layer '{layer}' is not in modality '{modality}' ({_describe(adata)}); pass {option}=None to let mufuse find "
        f"the counts{raw_hint}"
    )


def find(adata, layer: str | None, modality: str, *, option: str = "layer", require_counts: bool = True) -> Source:
    """Find the counts of a modality (or use the one named by ``layer``).

    Parameters
    ----------
    adata
        The modality's AnnData.
    layer
        A layer name, ``"X"`` for ``.X`` or ``"raw"`` for ``.raw.X``; ``None`` looks for counts (see the module's
        rule).
    modality
        Its name, for messages.
    option
        The name of the parameter that sets ``layer`` (``layer`` or ``prot_layer``), for messages.
    require_counts
        RNA: raise :class:`mufuse.StateError` when no place holds counts. Protein: use ``.X`` as it is then (imaging
        intensities are not counts).

    Returns
    -------
    The :class:`Source`.

    Examples
    --------
    >>> import mufuse, numpy as np
    >>> m = mufuse.datasets.simulated(n_cells=50, seed=0)
    >>> rna = m["rna"].copy()
    >>> rna.layers["raw_counts"] = rna.X.copy()
    >>> rna.X = rna.X.log1p()
    >>> find(rna, None, "rna").label
    "layers['raw_counts']"
    """
    if layer is not None:
        label, matrix, genes = _explicit(adata, layer, modality, option)
        matrix = _validate.readable(matrix, modality)
        source = Source(matrix, label, genes, *detect_state(matrix, return_reason=True))
        if (
            require_counts
            and source.state == "log1p"
            and not any(detect_state(m) == "counts" for _, m, _ in _places(adata) if m is not matrix)
        ):
            return _from_log(source, modality)
        if require_counts and source.state in NOT_COUNTS:
            usable = [lab for lab, m, _ in _places(adata) if m is not matrix and detect_state(m) in ("counts", "log1p")]
            fix = (
                f"pass {option}=None to let it find them ({', '.join(usable)} look usable)"
                if usable
                else f"no other place holds counts or log-normalized values: put the raw UMI counts in "
                f"mdata['{modality}'].layers['counts']"
            )
            raise StateError(
                f"modality '{modality}' {label} looks {source.state} ({source.why}), not like counts; mufuse "
                f"normalizes from raw counts: {fix}"
            )
        return source
    tried = []
    for label, matrix, genes in _places(adata):
        matrix = _validate.readable(matrix, modality)
        source = Source(matrix, label, genes, *detect_state(matrix, return_reason=True))
        if source.state == "counts":
            return source
        tried.append(source)
    # no place holds clean counts: the first place, unless it is plainly something else (its NaN or negative
    # values are then named, gene by gene, by the passes over the counts)
    if tried and not (require_counts and tried[0].state in NOT_COUNTS):
        return tried[0]
    logged = next((s for s in tried if s.state == "log1p"), None)
    if logged is not None:
        return _from_log(logged, modality)
    seen = "; ".join(f"{s.label} looks {s.state} ({s.why})" for s in tried) if tried else "no .X and no layers"
    raise StateError(
        f"modality '{modality}' holds neither raw counts nor log-normalized values: {seen}"
        f"{'' if adata.X is not None else '; no .X'}; scaled or transformed values cannot be turned back into "
        "expression levels. Read the dataset's counts (its raw count matrix, e.g. from GEO or CELLxGENE) into "
        f"mdata['{modality}'].layers['counts'], or pass {option}='<layer>' if another layer holds counts or "
        "log-normalized values"
    )


def _expm1(matrix):
    """``expm1`` of a matrix without touching it: sparse data copied, dask lazily, dense once."""
    if sparse.issparse(matrix):
        out = matrix.copy()
        out.data = np.expm1(out.data)
        return out
    if hasattr(matrix, "map_blocks"):
        return matrix.map_blocks(_expm1, dtype=matrix.dtype)
    return np.expm1(np.asarray(matrix))


def _from_log(source: Source, modality: str) -> Source:
    """Use log-normalized values when no counts exist: ``expm1`` gives each cell's normalized expression.

    The assumption (stated in a warning and the report): the values are ``log1p`` of counts scaled per cell (scanpy's
    ``normalize_total`` + ``log1p``, Seurat's ``LogNormalize``). Library-size normalization is per cell and scale-free,
    so normalizing ``expm1`` of them again gives what the counts would give, whatever scale factor was used.
    """
    warnings.warn(
        f"modality '{modality}' holds no raw counts; its {source.label} looks log-normalized ({source.why}). mufuse "
        "uses expm1 of it as each cell's normalized expression, assuming log1p of counts scaled per cell (scanpy "
        "normalize_total + log1p, Seurat LogNormalize); the result equals what the counts give when that holds. "
        f"Put the raw counts in mdata['{modality}'].layers['counts'] if you have them",
        UserWarning,
        stacklevel=4,
    )
    label = f"expm1 of {source.label} (log-normalized; no counts found)"
    return Source(_expm1(source.matrix), label, source.genes, "log1p", source.why)


def gene_space(adata, modality: str):
    """Return what describes the columns of a modality's counts (the AnnData, or its ``.raw`` when they are there).

    Linking uses it, so that the genes it links are those of the matrix ``harmonize`` reads. Never raises: without
    counts anywhere it is the AnnData itself.

    Examples
    --------
    >>> import mufuse
    >>> gene_space(mufuse.datasets.simulated(n_cells=50, seed=0)["rna"], "rna").n_vars
    2000
    """
    try:
        return find(adata, None, modality, require_counts=False).genes
    except StateError:
        return adata
