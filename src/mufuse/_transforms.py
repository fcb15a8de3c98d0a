"""Value transforms shared by ``pp`` (harmonize) and ``tl`` (transfer): the protein transforms, RNA's target sum.

Sources are in the References of :func:`transform_protein`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from ._errors import MufuseError

PROT_TRANSFORMS = ("auto", "zscore", "clr", "arcsinh", "log1p", "total_log1p", "dsb", "none")


def per_cell(transform: str, clr_axis: int = 0) -> bool:
    """Tell whether a protein transform reads every marker of a cell (per-cell totals or geometric means).

    Such transforms see all markers of the modality, isotype controls and other excluded markers included, as
    Seurat, muon and scanpy compute them; the others see only the markers used.

    Examples
    --------
    >>> per_cell("total_log1p"), per_cell("clr", clr_axis=1), per_cell("clr"), per_cell("arcsinh")
    (True, True, False, False)
    """
    return transform in TRANSFORMS and TRANSFORMS[transform].per_cell(clr_axis)


TARGET_SUM = 1e4  # RNA library sizes are normalized to this (scanpy's and Seurat's 1e4)
DEFAULT_COFACTOR = 5.0  # arcsinh cofactor of counts (mass cytometry, CITE-seq); imaging intensities need ~150
MEDIAN_COFACTOR = "median"  # cofactor="median": each marker's own median, a cofactor that does not depend on units


def cofactors(cofactor, markers, modality: str = "prot"):
    """Resolve ``cofactor`` for the given markers: a number for all, or ``{marker: cofactor}`` (others: 5).

    Returns a float, or a float64 array with one cofactor per marker (in the order of ``markers``).

    Raises
    ------
    MufuseError
        A cofactor that is not a positive finite number, or a marker the modality does not have.

    Examples
    --------
    >>> cofactors(150, ["CD3", "CD4"]), cofactors({"CD4": 150}, ["CD3", "CD4"]).tolist()
    (150.0, [5.0, 150.0])
    """
    if isinstance(cofactor, str):  # as stored in params: a number or a JSON object
        try:
            cofactor = json.loads(cofactor) if cofactor.strip().startswith("{") else float(cofactor)
        except ValueError:
            raise MufuseError(
                f"cofactor (of arcsinh) must be a positive number (e.g. 5 for counts), {{marker: number}} or "
                f"'{MEDIAN_COFACTOR}' (each marker's median), got {cofactor!r}"
            ) from None
    if isinstance(cofactor, Mapping):
        markers = [str(m) for m in markers]
        bad = {str(k): v for k, v in cofactor.items() if not _positive(v)}
        if bad:
            raise MufuseError(f"cofactor must map markers to positive numbers; got {bad}")
        return np.array([float(cofactor.get(m, DEFAULT_COFACTOR)) for m in markers], dtype=np.float64)
    if not _positive(cofactor):
        raise MufuseError(f"cofactor (of arcsinh) must be a positive number (e.g. 5 for counts), got {cofactor!r}")
    return float(cofactor)


def median_cofactors(values, markers) -> dict[str, float]:
    """Return ``{marker: cofactor}`` for ``cofactor="median"``: each column's median over the cells.

    A scale-free cofactor for linear intensities whose units are unknown or were lost (min-max scaled):
    ``arcsinh(x / median)`` is linear below the marker's typical value and logarithmic above it, whatever the units.
    A column whose median is 0 (most cells without signal) takes the median of its positive values; a column with
    none takes 1.

    Parameters
    ----------
    values
        Cells × markers, non-negative.
    markers
        The column names.

    Examples
    --------
    >>> import numpy as np
    >>> median_cofactors(np.array([[0.0, 2.0], [0.0, 4.0], [3.0, 6.0]]), ["CD3", "CD4"])
    {'CD3': 3.0, 'CD4': 4.0}
    """
    x = dense_float(values)
    out = {}
    for j, marker in enumerate(markers):
        col = x[:, j][np.isfinite(x[:, j])]
        med = float(np.median(col)) if col.size else 0.0
        if not med > 0:
            positive = col[col > 0]
            med = float(np.median(positive)) if positive.size else 1.0
        out[str(marker)] = med
    return out


def unknown_cofactor_markers(cofactor, markers) -> list[str]:
    """Markers named in a ``{marker: cofactor}`` mapping that are not among ``markers`` (empty for a number)."""
    if not isinstance(cofactor, Mapping):
        return []
    have = set(map(str, markers))
    return [str(k) for k in cofactor if str(k) not in have]


def _positive(v) -> bool:
    return bool(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) and 0 < v < np.inf)


def dense_float(x) -> np.ndarray:
    """Return a dense float64 array of ``x`` (sparse densified; only for small matrices such as protein panels)."""
    if sparse.issparse(x):
        x = x.toarray()
    arr = np.asarray(x)
    if arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    return arr


def transform_protein(
    x,
    *,
    transform: str,
    cofactor: float | np.ndarray = 5.0,
    clr_axis: int = 0,
    modality: str = "prot",
    isotypes=None,
    background=None,
) -> np.ndarray:
    """Apply the protein transform (before z-scoring) and return a dense float64 array.

    Parameters
    ----------
    x
        Cells × markers matrix (dense or sparse); only the markers to use.
    transform
        ``"zscore"`` / ``"none"`` (values as given), ``"clr"`` (``log1p(x / exp(mean(log1p(x))))`` along
        ``clr_axis``, muon's ``seurat`` flavor), ``"arcsinh"`` (``arcsinh(x / cofactor)``), ``"log1p"`` or
        ``"total_log1p"`` (each cell's values divided by its total over all markers, times the median total of the
        cells with any signal, then ``log1p``: scanpy's ``normalize_total`` + ``log1p``, the MaxFuse tutorial's
        protein preprocessing; it corrects each cell's antibody depth) or ``"dsb"`` (denoised and scaled by
        background, :func:`mufuse._dsb.dsb`: each marker in standard deviations of its background, the empty
        droplets' or its negative population's, minus each cell's technical component).
    cofactor
        Cofactor of ``arcsinh``: one number, or one per column of ``x`` (see :func:`cofactors`).
    clr_axis
        0: across cells, per marker (muon's default); 1: across markers, per cell.
    modality
        Modality name for error messages.
    isotypes
        ``"dsb"`` only: column indices of the isotype controls in ``x``.
    background
        ``"dsb"`` only: counts of the same markers in empty droplets (droplets × markers), or ``(mean, sd)`` of the
        background per marker from an earlier run; ``None``: each marker's negative population.

    Returns
    -------
    Dense float64 array.

    References
    ----------
    - Stoeckius M. et al. (2017) Simultaneous epitope and transcriptome measurement in single cells. *Nat. Methods*
      14:865. doi:10.1038/nmeth.4380 (CLR of antibody counts), in the form of muon's ``prot.pp.clr``: Bredikhin D. et
      al. (2022) *Genome Biol.* 23:42. doi:10.1186/s13059-021-02577-8.
    - Chen S. et al. (2024) Integration of spatial and single-cell data across modalities with weakly linked
      features. *Nat. Biotechnol.* 42:1096. doi:10.1038/s41587-023-01935-0 (MaxFuse; its tutorials normalize each
      cell's antibody counts by their total, then log1p: ``total_log1p``).
    - Bendall S. C. et al. (2011) *Science* 332:687. doi:10.1126/science.1198704 (arcsinh, cofactor 5 for mass
      cytometry); Nowicka M. et al. (2017) CyTOF workflow. *F1000Research* 6:748.
      doi:10.12688/f1000research.11622.1 (cofactor 5 for mass, 150 for fluorescence cytometry).

    Examples
    --------
    >>> import numpy as np
    >>> transform_protein(np.array([[0.0, 5.0]]), transform="arcsinh").round(4).tolist()
    [[0.0, 0.8814]]
    """
    t = get_transform(transform)
    names = [str(j) for j in range(np.shape(x)[1])]  # columns by position: no marker names here
    given: float | np.ndarray | dict[str, float] = cofactor
    if isinstance(cofactor, np.ndarray):
        given = dict(zip(names, map(float, cofactor), strict=True))
    state = t.fit(
        x, names, cofactor=given, clr_axis=clr_axis, isotypes=isotypes, background=background, modality=modality
    )
    return t.apply(x, names, state, modality=modality)


class ProteinTransform:
    """One protein transform, fitted once on the cells and replayed.

    :meth:`fit` learns what it needs from the cells once (in ``harmonize``); :meth:`apply` replays it with that
    state (in ``harmonize`` and in every transfer). The state is a JSON-able dict keyed by marker name, stored in
    ``uns["mufuse"]["params"]["harmonize"]["prot_transform_state"]``, so that the same cells give the same values
    later. A transform is one subclass, registered in :data:`TRANSFORMS`.
    """

    name = ""
    takes_counts = False  # needs non-negative values (counts or linear intensities)

    def per_cell(self, clr_axis: int = 0) -> bool:
        """Whether it reads every marker of a cell (then it is fitted and applied on the whole panel)."""
        return False

    def fit(self, x, markers, **options) -> dict:
        """Learn the transform's state from cells × ``markers`` values; the options are harmonize's."""
        self.check(x, options.get("modality", "prot"))
        return {}

    def apply(self, x, markers, state: dict, *, modality: str = "prot") -> np.ndarray:
        """Transform cells × ``markers`` values with a fitted state; return dense float64."""
        raise NotImplementedError  # pragma: no cover - every registered transform defines it

    def check(self, x, modality: str) -> np.ndarray:
        """Return ``x`` dense, refusing negative values when the transform takes counts."""
        arr = dense_float(x)
        if self.takes_counts and np.nanmin(arr, initial=0.0) < 0:
            raise MufuseError(
                f"prot_transform='{self.name}' needs non-negative values, but modality '{modality}' has negative "
                "values (already z-scored or centered?); use prot_transform='zscore' (or 'none')"
            )
        return arr


class _Identity(ProteinTransform):
    """``zscore`` / ``none``: the values as given (the z-score comes after every transform)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def apply(self, x, markers, state, *, modality="prot"):
        arr = dense_float(x)
        return arr.copy() if arr is x else arr


class _Arcsinh(ProteinTransform):
    """``arcsinh(x / cofactor)``, a cofactor per marker (a number, a mapping, or each marker's median)."""

    name = "arcsinh"

    def fit(self, x, markers, *, cofactor=DEFAULT_COFACTOR, **options):
        if isinstance(cofactor, str) and cofactor == MEDIAN_COFACTOR:
            return {"cofactor": median_cofactors(x, markers)}
        c = cofactors(cofactor, markers, options.get("modality", "prot"))
        per_marker = np.broadcast_to(np.asarray(c, dtype=np.float64), (len(markers),))  # checked positive there
        return {"cofactor": {str(m): float(v) for m, v in zip(markers, per_marker, strict=True)}}

    def apply(self, x, markers, state, *, modality="prot"):
        stored = state["cofactor"]
        c = np.array([float(stored.get(str(m), DEFAULT_COFACTOR)) for m in markers], dtype=np.float64)
        return np.arcsinh(dense_float(x) / c)


class _Log1p(ProteinTransform):
    name = "log1p"
    takes_counts = True

    def apply(self, x, markers, state, *, modality="prot"):
        return np.log1p(self.check(x, modality))


class _TotalLog1p(ProteinTransform):
    """Each cell's values over its panel total, times the median total of the cells with signal, then ``log1p``."""

    name = "total_log1p"
    takes_counts = True

    def per_cell(self, clr_axis=0):
        return True

    def fit(self, x, markers, **options):
        totals = self.check(x, options.get("modality", "prot")).sum(axis=1)
        return {"target": float(np.median(totals[totals > 0])) if (totals > 0).any() else 1.0}

    def apply(self, x, markers, state, *, modality="prot"):
        arr = self.check(x, modality)
        totals = arr.sum(axis=1, keepdims=True)
        return np.log1p(arr * (float(state["target"]) / np.where(totals > 0, totals, 1.0)))


class _Clr(ProteinTransform):
    """``log1p(x / exp(mean(log1p(x))))``: the mean per marker across cells (axis 0) or per cell (axis 1)."""

    name = "clr"
    takes_counts = True

    def per_cell(self, clr_axis=0):
        return clr_axis == 1

    def fit(self, x, markers, *, clr_axis=0, **options):
        if clr_axis not in (0, 1):
            raise MufuseError(f"clr_axis must be 0 (per marker, across cells) or 1 (per cell); got {clr_axis}")
        arr = self.check(x, options.get("modality", "prot"))
        if clr_axis == 1:
            return {"axis": 1}
        log_mean = np.log1p(arr).mean(axis=0)
        return {"axis": 0, "log_mean": {str(m): float(v) for m, v in zip(markers, log_mean, strict=True)}}

    def apply(self, x, markers, state, *, modality="prot"):
        arr = self.check(x, modality)
        if int(state["axis"]) == 1:
            return np.log1p(arr / np.exp(np.log1p(arr).mean(axis=1, keepdims=True)))
        log_mean = np.array([float(state["log_mean"][str(m)]) for m in markers], dtype=np.float64)
        return np.log1p(arr / np.exp(log_mean))


class _Dsb(ProteinTransform):
    """dsb (Mulè et al. 2022), each marker in standard deviations of its background, minus each cell's technical part.

    The background (empty droplets, or each marker's negative population) is the fitted state.
    """

    name = "dsb"
    takes_counts = True

    def per_cell(self, clr_axis=0):
        return True

    def fit(self, x, markers, *, isotypes=None, background=None, **options):
        from ._dsb import PSEUDOCOUNT, background_stats

        arr = self.check(x, options.get("modality", "prot"))
        if isinstance(background, tuple):  # (mean, sd) per marker of an earlier fit
            mean, sd = (np.asarray(b, dtype=np.float64) for b in background)
        else:
            empty = None if background is None else dense_float(background)
            mean, sd, _ = background_stats(np.log(arr + PSEUDOCOUNT), empty)
        names = [str(m) for m in markers]
        iso = [names[i] for i in np.asarray(isotypes if isotypes is not None else [], dtype=np.int64)]
        return {
            "mean": dict(zip(names, map(float, mean), strict=True)),
            "sd": dict(zip(names, map(float, sd), strict=True)),
            "isotypes": iso,
        }

    def apply(self, x, markers, state, *, modality="prot"):
        from ._dsb import dsb

        names = [str(m) for m in markers]
        stats = tuple(np.array([float(state[k][n]) for n in names], dtype=np.float64) for k in ("mean", "sd"))
        isotypes = pd.Index(names).get_indexer([i for i in state.get("isotypes", []) if i in names])
        return dsb(self.check(x, modality), stats=stats, isotypes=isotypes)[0]


TRANSFORMS: dict[str, ProteinTransform] = {
    t.name: t for t in (_Identity("zscore"), _Identity("none"), _Arcsinh(), _Log1p(), _TotalLog1p(), _Clr(), _Dsb())
}


def get_transform(name: str) -> ProteinTransform:
    """Return the registered protein transform ``name`` (a :class:`MufuseError` names the others)."""
    if name not in TRANSFORMS:
        raise MufuseError(f"prot_transform={name!r} is not one of {', '.join(PROT_TRANSFORMS)}")
    return TRANSFORMS[name]


LATTICE_TOLERANCE = 0.02  # a recovered count lies within this of an integer


def recover_scaled_counts(x, names=None) -> tuple[np.ndarray | None, str]:
    """Recover the counts behind min-max scaled ("pre-scaled") values, per marker, when they are still there.

    Min-max scaling ``(x - min) / (max - min)`` of integer counts leaves every value on a grid of step
    ``1 / (max - min)``: the smallest gap between two distinct values of a marker gives ``max - min``, and
    ``round(value * (max - min))`` gives ``x - min`` back (divided by the greatest common divisor of the counts'
    steps, which is 1 in any real panel: some two cells differ by one count). The minimum of a marker's antibody
    counts is 0 or a few counts, so this puts the marker back on its counts' scale (for a transform such as
    ``arcsinh``; a per-cell total is then off by the markers' minima, a few counts).

    Parameters
    ----------
    x
        Cells × markers, values in [0, 1].

    Returns
    -------
    ``(counts, reason)``: a float64 array of recovered counts, or ``None`` when a marker's values are not on such a
    grid (intensities scaled, not counts); ``reason`` says what was found.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[0.0, 3.0], [1.0, 0.0], [4.0, 1.0]])
    >>> scaled = counts / counts.max(axis=0)
    >>> recover_scaled_counts(scaled)[0].tolist()
    [[0.0, 3.0], [1.0, 0.0], [4.0, 1.0]]
    """
    arr = dense_float(x)
    out = np.empty_like(arr)
    steps = []
    label = [f"marker '{n}'" for n in names] if names is not None else [f"marker {j}" for j in range(arr.shape[1])]
    for j in range(arr.shape[1]):
        col = arr[:, j]
        levels = np.unique(col)
        if levels.size < 2:
            out[:, j] = 0.0
            continue
        if levels[0] != 0 or abs(levels[-1] - 1) > 1e-6:
            return (
                None,
                f"{label[j]}: values run from {levels[0]:.3g} to {levels[-1]:.3g}, not min-max scaled to [0, 1]",
            )
        step = float(np.diff(levels).min())
        for reach in (100, 10_000, np.inf):  # least squares over ever more levels: float32 blurs the smallest gap
            near = levels[levels <= reach * step]
            k = np.round(near / step)
            if not k @ k > 0:  # no level near the smallest gap: the values are not on a grid from 0
                return None, f"{label[j]}: values are not on a grid of equal steps from 0 (not scaled counts)"
            step = float(k @ near / (k @ k))
        span = round(1.0 / step)  # max - min of the counts
        if span > 1_000_000:
            return None, f"{label[j]}: values lie closer than one millionth apart (not scaled counts)"
        k = col * span
        if np.abs(k - np.round(k)).max() > LATTICE_TOLERANCE:
            return None, f"{label[j]}: values are not multiples of 1/{span} (not scaled counts)"
        out[:, j] = np.round(k)
        steps.append(span)
    return out, (
        f"each marker's values are multiples of 1/(max - min) of integer counts (max - min from {min(steps, default=0)}"
        f" to {max(steps, default=0)}): the counts were recovered"
    )


PANEL_ROLES = ("marker", "isotype")  # the antibody panel: what per-cell totals, auto's choice and dsb see


def matched_markers(links: pd.DataFrame) -> list[str]:
    """Return the columns that are matched: role ``marker`` (all, for a table without roles) and not ``excluded``."""
    role = links["role"] if "role" in links.columns else pd.Series("marker", index=links.index)
    return [str(m) for m in links.index[(links["status"] != "excluded") & (role == "marker")]]


def panel_columns(links: pd.DataFrame, names: pd.Index) -> list[str]:
    """Return the antibody panel among ``names``: markers and isotype controls (all, for a table without roles).

    Per-cell totals (CLR, total-count normalization), ``auto``'s effective number of markers and dsb see these
    columns only, never a cell's area, position, stain or hashtag.
    """
    if "role" not in links.columns:
        return list(names)
    keep = set(map(str, links.index[links["role"].isin(PANEL_ROLES)]))
    keep |= set(names) - set(map(str, links.index))  # columns the link table does not describe (a .raw's extra)
    return [n for n in names if n in keep]
