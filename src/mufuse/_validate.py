"""Input validation shared by every public entry point: one place, one wording, each message with its fix.

Every check raises :class:`mufuse.MufuseError` (or a subclass) naming the modality, the feature(s) and what to do,
before anything is computed or written.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ._errors import LinkError, MufuseError
from ._genes import SYMBOL_COLUMNS, looks_ensembl

log = logging.getLogger("mufuse")

MIN_CELLS = 20  # per modality: fewer makes per-feature z-scores, HVG bins and MaxFuse's graphs meaningless
MIN_SHARED = 3  # correlation distance over 1 or 2 features is undefined or always ±1
BACKED_ROWS = 20_000  # rows per block when a backed (on-disk) matrix is read block by block


def _examples(values, n: int = 5) -> str:
    vals = [str(v) for v in values]
    more = f" and {len(vals) - n} more" if len(vals) > n else ""
    return ", ".join(vals[:n]) + more


def unique_names(adata, modality: str) -> None:
    """Raise when ``obs_names`` or ``var_names`` of a modality are duplicated (results are stored by name).

    Examples
    --------
    >>> import anndata as ad, numpy as np
    >>> a = ad.AnnData(np.ones((2, 2)))
    >>> a.var_names = ["CD4", "CD4"]
    >>> unique_names(a, "prot")
    Traceback (most recent call last):
    ...
    mufuse._errors.MufuseError: modality 'prot' has duplicated var_names (CD4); ...
    """
    for axis, names, fix in (
        ("obs_names", adata.obs_names, "obs_names_make_unique()"),
        ("var_names", adata.var_names, "var_names_make_unique()"),
    ):
        if not names.is_unique:
            dup = pd.Index(names[names.duplicated()]).unique()
            raise MufuseError(
                f"modality '{modality}' has duplicated {axis} ({_examples(dup)}); mufuse stores and matches by name: "
                f"run mdata['{modality}'].{fix} (then mdata.update()) first"
            )


def enough_cells(adata, modality: str, minimum: int = MIN_CELLS) -> None:
    """Raise when a modality has fewer than ``minimum`` cells or no features at all.

    Examples
    --------
    >>> import anndata as ad, numpy as np
    >>> enough_cells(ad.AnnData(np.ones((30, 3))), "rna")
    """
    if adata.n_obs < minimum:
        raise MufuseError(
            f"modality '{modality}' has {adata.n_obs} cells; at least {minimum} are needed (per-feature z-scores, "
            "HVG selection and MaxFuse's neighbour graphs are meaningless on fewer): check the filtering upstream"
        )
    if adata.n_vars == 0:
        raise MufuseError(f"modality '{modality}' has no features (n_vars == 0); check the MuData")


def readable(x, modality: str):
    """Return a matrix the kernels can read: a backed (on-disk) ``.X`` becomes a dask array of row blocks.

    In-memory arrays (numpy, scipy sparse, dask) are returned as they are.

    Examples
    --------
    >>> import numpy as np
    >>> readable(np.ones((2, 2)), "rna").shape
    (2, 2)
    """
    if isinstance(x, np.ndarray) or sparse.issparse(x):
        return x
    from ._chunked import is_dask

    if is_dask(x):
        return x
    group = getattr(x, "group", None)  # anndata's backed CSR/CSC dataset
    try:
        import dask.array as da
        from anndata.experimental import read_elem_lazy
    except ImportError:  # pragma: no cover - dask is an extra
        if hasattr(x, "to_memory"):
            return x.to_memory()
        return np.asarray(x[()])
    if group is not None:
        return read_elem_lazy(group, chunks=(BACKED_ROWS, -1))
    if hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__getitem__"):  # h5py dataset (dense, backed)
        rows = max(1000, int(2e8 // max(1, 4 * x.shape[1])))
        return da.from_array(x, chunks=(rows, -1))
    raise MufuseError(
        f"modality '{modality}' has a matrix of type {type(x).__name__}, which mufuse cannot read; use a numpy "
        "array, a scipy sparse matrix or a dask array"
    )


def bad_features(x, var_names, which: str) -> str:
    """Name the features holding NaN/Inf (``which="nonfinite"``) or negative values, for an error message.

    Dask arrays are not scanned again (that would be another pass over the file); the message says how to.

    Examples
    --------
    >>> import numpy as np
    >>> bad_features(np.array([[1.0, np.nan], [0.0, 2.0]]), ["CD4", "CD8A"], "nonfinite")
    'CD8A'
    """
    names = np.asarray(list(map(str, var_names)), dtype=object)

    def is_bad(v: np.ndarray) -> np.ndarray:
        return ~np.isfinite(v) if which == "nonfinite" else v < 0

    if sparse.issparse(x):
        if x.format == "csr":
            cols = np.unique(x.indices[is_bad(x.data)])
        elif x.format == "csc":
            per_col = np.add.reduceat(is_bad(x.data).astype(np.int64), x.indptr[:-1]) if x.nnz else np.zeros(0)
            cols = np.flatnonzero((per_col > 0) & (np.diff(x.indptr) > 0))
        else:
            cols = np.unique(x.tocoo().col[is_bad(x.tocoo().data)])
    elif isinstance(x, np.ndarray):
        cols = np.flatnonzero(is_bad(np.asarray(x, dtype=np.float64)).any(axis=0))
    else:
        return "(scan the file to find them: the matrix is read block by block)"
    return _examples(names[cols])


_DIGITS = re.compile(r"\d+")
TAGS_PER_CELLS = 20  # a counter's tags (batch, sample, region) each cover this many cells or more on average


def positional(names: pd.Index) -> bool:
    """Tell whether obs names are row numbers rather than cell names (no evidence of which cell is which).

    Row numbers are what a table gets when nobody named its cells: anndata's default ``'0', '1', ...`` for an
    AnnData built from an array, pandas' RangeIndex, a CSV's 1-based row number or an imaging tool's ``CellID``,
    read back as ``'1.0'`` after a float conversion; and the same counter decorated by a tag that few cells share: a
    word (``cell_0``), the batch key of ``anndata.concat(..., index_unique="-")`` (``0-0``, ``12-batch1``), Seurat's
    ``add.cell.ids`` (``s1_0``), a region (``reg001_cell12``). The names are read as a counter when their first or
    last run of digits varies while the rest of the name takes at most one value per :data:`TAGS_PER_CELLS` cells.
    Cell barcodes (``AAACCTGAGAAACCAT-1``, also with a sample prefix or suffix) differ outside their digits. Two
    modalities sharing counter names share positions, not cells.

    Examples
    --------
    >>> import pandas as pd
    >>> positional(pd.Index([f"{i}-{b}" for b in ("a", "b") for i in range(100)]))
    True
    >>> positional(pd.Index(["AAACCTGAGAAACCAT-1", "AAACCTGAGAAACGAG-1"] * 1))
    False
    """
    if len(names) == 0:
        return False
    strings = pd.Series(np.asarray(names, dtype=str))
    runs = strings.map(lambda s: [(m.start(), m.end()) for m in _DIGITS.finditer(s)])
    if not runs.map(len).all():
        return False  # a name without digits is no counter
    most = max(1, len(strings) // TAGS_PER_CELLS)
    for pick in (0, -1):  # the counter is the first or the last run of digits
        templates = {s[: r[pick][0]] + "#" + s[r[pick][1] :] for s, r in zip(strings, runs, strict=True)}
        if len(templates) <= most:
            return True
    return False


def same_cells(a: pd.Index, b: pd.Index) -> pd.Index:
    """Return the obs names that stand for the same cell in two modalities: the common names, unless positional.

    Examples
    --------
    >>> import pandas as pd
    >>> list(same_cells(pd.Index(["AAAC-1", "AAAG-1"]), pd.Index(["AAAG-1", "TTTC-1"])))
    ['AAAG-1']
    >>> len(same_cells(pd.Index(["0", "1", "2"]), pd.Index(["0", "1", "2"])))  # row numbers are not cells
    0
    """
    common = a.intersection(b)
    if len(common) and positional(a) and positional(b):
        return common[:0]
    return common


def pairing(mdata, rna: str, prot: str) -> tuple[str, int]:
    """Classify the cells of two modalities: ``"paired"``, ``"unpaired"`` or ``"partial"`` (with a warning).

    Partly overlapping ``obs_names`` usually mean a mix-up: the same cells under two naming schemes, or a paired
    experiment filtered differently per modality.

    Returns
    -------
    ``(kind, n_shared_names)``.

    Examples
    --------
    >>> import mufuse
    >>> pairing(mufuse.datasets.simulated(50, seed=0), "rna", "prot")
    ('paired', 50)
    """
    a, b = mdata.mod[rna].obs_names, mdata.mod[prot].obs_names
    n = len(same_cells(a, b))
    if n == 0:
        if len(a.intersection(b)):
            warnings.warn(
                f"the obs_names of '{rna}' and '{prot}' are row numbers or counters ('{a[0]}', "
                f"'{a[min(1, len(a) - 1)]}', ...), not cell names: the modalities are taken as different cells (no "
                "FOSCTTM or identity accuracy). If "
                "they are the same cells, give both the cells' barcodes (adata.obs_names = barcodes) before harmonize",
                UserWarning,
                stacklevel=3,
            )
        return "unpaired", 0
    if n == len(a) and n == len(b):
        return "paired", n
    if n >= 0.95 * min(len(a), len(b)):
        return "paired", n  # paired, one modality filtered a little harder: nothing to warn about
    warnings.warn(
        f"modalities '{rna}' ({len(a)} cells) and '{prot}' ({len(b)} cells) share {n} obs_names: neither paired (the "
        "same cells) nor unpaired (other cells). If they are the same cells, make the names agree (or keep the common "
        "cells with mu.pp.intersect_obs(mdata)); if they are different cells, give them distinct names (e.g. a prefix "
        "per modality). Evaluation treats the shared names as the same cells.",
        UserWarning,
        stacklevel=3,
    )
    return "partial", n


def enough_shared(
    shared: pd.DataFrame, links: pd.DataFrame, rna_ad, rna: str, prot: str, dropped: list[str] | None = None
) -> None:
    """Raise a :class:`mufuse.LinkError` when fewer than :data:`MIN_SHARED` features are shared.

    The message lists the features that are shared, those dropped for lack of variance and, for the markers that
    did not link, why not; with Ensembl ``var_names`` and no symbol column it says so.
    """
    if len(shared) >= MIN_SHARED:
        return
    linked = set(map(str, shared["prot"])) | {d.split(" (")[0] for d in dropped or []}
    others = links[~links.index.astype(str).isin(linked)]
    others = pd.concat([others[others["status"] != "excluded"], others[others["status"] == "excluded"]])
    why = "; ".join(f"{m}: {r.status} ({r.reason})" for m, r in others.head(8).iterrows()) or "none"
    have = ", ".join(map(str, shared.index)) or "none"
    gone = f" Dropped (no variance): {'; '.join(dropped)}." if dropped else ""
    ensembl = looks_ensembl(rna_ad.var_names[:1000])
    hint = (
        f" The var_names of '{rna}' are Ensembl IDs and its var has no symbol column: add one named "
        f"{' or '.join(SYMBOL_COLUMNS[:3])}."
        if ensembl and not any(str(c).lower() in SYMBOL_COLUMNS for c in rna_ad.var.columns)
        else names_hint(rna_ad, rna)
    )
    raise LinkError(
        f"only {len(shared)} feature(s) shared between modality '{prot}' and modality '{rna}' ({have}); MaxFuse's "
        f"correlation distance needs at least {MIN_SHARED}.{gone} Not linked: {why}.{hint} Pass "
        "overrides={'<marker>': '<GENE>'} to mufuse.pp.link_features to link more markers"
    )


def names_hint(rna_ad, rna: str) -> str:
    """Show what the RNA's var_names look like, and name a prefix most of them share (e.g. ``XYZ_CD3E``)."""
    names = [str(v) for v in rna_ad.var_names[:2000]]
    if not names:
        return ""
    more = rna_ad.n_vars - 4
    heads = pd.Series([n.split(sep, 1)[0] + sep for n in names for sep in "_:|" if sep in n[1:]])
    top = heads.value_counts()
    prefix = (
        f" Most of them start with '{top.index[0]}': if that is a prefix, remove it "
        f"(mdata['{rna}'].var_names = mdata['{rna}'].var_names.str.removeprefix('{top.index[0]}'))."
        if len(top) and top.iloc[0] >= 0.5 * len(names)
        else ""
    )
    return (
        f" The var_names of '{rna}' look like: {', '.join(names[:4])}{f' and {more} more' if more > 0 else ''}.{prefix}"
    )


def numeric_2d(x: Any, which: str) -> np.ndarray:
    """Return ``x`` as a 2-D float array with at least 2 rows, or raise naming ``which``.

    Examples
    --------
    >>> numeric_2d([[1, 2], [3, 4]], "first").dtype
    dtype('float64')
    """
    if sparse.issparse(x):
        x = x.toarray()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise MufuseError(f"the {which} array must hold numbers (cells × features); got {type(x).__name__}") from None
    if a.ndim != 2:
        raise MufuseError(f"the {which} array must be 2-D (cells × features), got shape {a.shape}")
    if a.shape[0] < 2 or a.shape[1] < 1:
        raise MufuseError(f"the {which} array has shape {a.shape}; it needs at least 2 cells and 1 feature")
    return a


# what a user may hold, and what to do with it where a function takes something else
_KIND_HINT = {
    "MuData": "pass one modality: mdata['rna'] or mdata['prot']",
    "AnnData": "build a MuData first: mudata.MuData({'rna': rna_adata, 'prot': prot_adata})",
    "str": "read the file first: mudata.read_h5mu(path)",
    "PosixPath": "read the file first: mudata.read_h5mu(path)",
}


def require(first: Any, public: str, what: str, check: Callable[[Any], bool]) -> None:
    """Refuse, at once, a first argument of a kind the public function does not take (issue 30).

    Called on the first line of each public function (not as a decorator, so that the warnings the function gives
    keep pointing at the user's line). A MuData handed to a function of one matrix, an AnnData where a MuData belongs,
    a path or ``None`` get a :class:`MufuseError` naming the function, what it takes, what it got and the fix, before
    any work.

    Parameters
    ----------
    first
        The first argument the function was given.
    public
        The function's public name (``"tl.detect_state"``).
    what
        What it takes, for the message (``"a MuData"``).
    check
        Tells whether the first argument is of a kind it takes.
    """
    if not check(first):
        kind = type(first).__name__
        hint = _KIND_HINT.get(kind, "")
        raise MufuseError(
            f"mufuse.{public} takes {what}, got {kind}" + (f"; {hint}" if hint and kind not in what else "")
        )


def is_mudata(obj) -> bool:
    """Tell a MuData (the first argument of most public functions)."""
    from mudata import MuData

    return isinstance(obj, MuData)


def is_matrix(obj) -> bool:
    """Tell an AnnData (or view), a numpy array, a scipy sparse matrix or a dask array: one matrix of cells."""
    from anndata import AnnData

    return isinstance(obj, AnnData | np.ndarray) or sparse.issparse(obj) or hasattr(obj, "map_blocks")


def is_scales_input(obj) -> bool:
    """Tell what :func:`mufuse.tl.check_scales` takes: a MuData or an array of cells x features."""
    return is_mudata(obj) or isinstance(obj, np.ndarray)
