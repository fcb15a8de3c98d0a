"""Value transforms shared by ``pp`` (harmonize) and ``tl`` (transfer): the protein transforms, RNA's target sum.

Sources are in the References of :func:`transform_protein`.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ._errors import MufuseError

PROT_TRANSFORMS = ("auto", "zscore", "clr", "arcsinh", "log1p", "none")
TARGET_SUM = 1e4  # RNA library sizes are normalized to this (scanpy's and Seurat's 1e4)


def dense_float(x) -> np.ndarray:
    """Return a dense float64 array of ``x`` (sparse densified; only for small matrices such as protein panels)."""
    if sparse.issparse(x):
        x = x.toarray()
    arr = np.asarray(x)
    if arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    return arr


def transform_protein(
    x, *, transform: str, cofactor: float = 5.0, clr_axis: int = 0, modality: str = "prot"
) -> np.ndarray:
    """Apply the protein transform (before z-scoring) and return a dense float64 array.

    Parameters
    ----------
    x
        Cells × markers matrix (dense or sparse); only the markers to use.
    transform
        ``"zscore"`` / ``"none"`` (values as given), ``"clr"`` (``log1p(x / exp(mean(log1p(x))))`` along
        ``clr_axis``, muon's ``seurat`` flavor), ``"arcsinh"`` (``arcsinh(x / cofactor)``) or ``"log1p"``.
    cofactor
        Cofactor of ``arcsinh``.
    clr_axis
        0: across cells, per marker (muon's default); 1: across markers, per cell.
    modality
        Modality name for error messages.

    Returns
    -------
    Dense float64 array.

    References
    ----------
    - Stoeckius M. et al. (2017) Simultaneous epitope and transcriptome measurement in single cells. *Nat. Methods*
      14:865. doi:10.1038/nmeth.4380 (CLR of antibody counts), in the form of muon's ``prot.pp.clr``: Bredikhin D. et
      al. (2022) *Genome Biol.* 23:42. doi:10.1186/s13059-021-02577-8.
    - Bendall S. C. et al. (2011) *Science* 332:687. doi:10.1126/science.1198704 (arcsinh, cofactor 5 for mass
      cytometry); Nowicka M. et al. (2017) CyTOF workflow. *F1000Research* 6:748.
      doi:10.12688/f1000research.11622.1 (cofactor 5 for mass, 150 for fluorescence cytometry).

    Examples
    --------
    >>> import numpy as np
    >>> transform_protein(np.array([[0.0, 5.0]]), transform="arcsinh").round(4).tolist()
    [[0.0, 0.8814]]
    """
    arr = dense_float(x)
    if transform in ("zscore", "none"):
        return arr.copy() if arr is x else arr
    if transform == "arcsinh":
        if cofactor <= 0:
            raise MufuseError(f"cofactor must be > 0 for prot_transform='arcsinh' (got {cofactor})")
        return np.arcsinh(arr / cofactor)
    if transform in ("log1p", "clr"):
        if np.nanmin(arr, initial=0.0) < 0:
            raise MufuseError(
                f"prot_transform='{transform}' needs non-negative values, but modality '{modality}' has negative "
                "values (already z-scored or centered?); use prot_transform='zscore' (or 'none')"
            )
        if transform == "log1p":
            return np.log1p(arr)
        if clr_axis not in (0, 1):
            raise MufuseError(f"clr_axis must be 0 (per marker, across cells) or 1 (per cell); got {clr_axis}")
        logmean = np.log1p(arr).mean(axis=clr_axis, keepdims=True)
        return np.log1p(arr / np.exp(logmean))
    raise MufuseError(f"prot_transform={transform!r} is not one of {', '.join(PROT_TRANSFORMS)}")
