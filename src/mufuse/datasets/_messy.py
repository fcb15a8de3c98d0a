"""A messy example: what real files hold beside the markers and genes (issue: every column has a role).

The simulated data of :func:`mufuse.datasets.simulated`, read the way real pipelines hand it over: the RNA as Cell
Ranger's ``gex_only=False`` leaves it (the antibody-capture rows among the genes, ``var["feature_types"]``), and the
protein as an imaging cell table read whole (columns named by cycle and channel with the antigen in
``var["marker_name"]``, as MCMICRO's ``markers.csv`` names them; a DNA and an empty channel; the cell's ID, centroid
and shape as MCMICRO's quantification writes them).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from anndata import AnnData
from mudata import MuData
from scipy import sparse

from .._errors import MufuseError
from ._simulate import simulated

# columns MCMICRO's quantification writes beside the markers (labsyspharm/quantification)
SHAPE_COLUMNS = ("MajorAxisLength", "MinorAxisLength", "Eccentricity", "Solidity", "Extent", "Orientation")


def messy(n_cells: int = 2000, *, n_prot_cells: int | None = None, seed: int = 0) -> MuData:
    """Simulate an unpaired RNA + imaging MuData with the extra rows and columns real files carry.

    - ``rna``: negative-binomial UMI counts of the simulator's genes, followed by its 19 antibody rows
      (``var["feature_types"]`` ``"Gene Expression"`` / ``"Antibody Capture"``, names made unique as scanpy does:
      ``CD33`` and ``CD33-1``).
    - ``prot``: imaging intensities of other cells (``n_prot_cells``), one column per channel named
      ``cycle{c}_ch{k}`` with the antigen in ``var["marker_name"]`` (a ``DNA1`` channel and an empty ``Blank``
      channel among them), then ``CellID``, ``X_centroid``, ``Y_centroid``, ``Area`` and the shape columns of
      MCMICRO's quantification.

    mufuse reads the antigen from ``marker_name``, leaves the antibody rows out of the RNA, and matches only the
    markers; ``mufuse links`` shows each column's role.

    Parameters
    ----------
    n_cells
        RNA cells (at least 50).
    n_prot_cells
        Protein (imaging) cells; default ``n_cells``.
    seed
        Random seed.

    Returns
    -------
    MuData with modalities ``rna`` and ``prot``; ``obs["cell_type"]`` in both.

    Examples
    --------
    >>> import mufuse
    >>> m = mufuse.datasets.messy(n_cells=300, seed=0)
    >>> m["rna"].var["feature_types"].value_counts().to_dict()
    {'Gene Expression': 2000, 'Antibody Capture': 19}
    >>> m["prot"].var_names[:2].tolist(), m["prot"].var["marker_name"].iloc[:2].tolist()
    (['cycle1_ch1', 'cycle1_ch2'], ['DNA1', 'CD3'])
    """
    if not isinstance(n_cells, int | np.integer) or n_cells < 50:
        raise MufuseError(f"n_cells must be an integer >= 50, got {n_cells!r}")
    n_p = int(n_prot_cells or n_cells)
    base = simulated(int(n_cells), paired=False, n_prot_cells=n_p, seed=seed)
    rng = np.random.default_rng(seed + 1)
    # the RNA as read with gex_only=False: the antibody counts of the same RNA cells among the genes
    adt = simulated(int(n_cells), paired=True, seed=seed + 2)["prot"]
    rna = base["rna"]
    x = sparse.hstack([sparse.csr_matrix(rna.X), sparse.csr_matrix(adt.X)], format="csr").astype(np.float32)
    names = pd.Index([*map(str, rna.var_names), *map(str, adt.var_names)])
    kinds = ["Gene Expression"] * rna.n_vars + ["Antibody Capture"] * adt.n_vars
    var = pd.DataFrame({"gene_ids": names, "feature_types": kinds}, index=_unique(names))
    rna_out = AnnData(x, obs=rna.obs.copy(), var=var)
    # the protein as an imaging table: intensities, channels named by cycle, the antigen in marker_name
    prot = base["prot"]
    counts = np.asarray(prot.X.toarray() if sparse.issparse(prot.X) else prot.X, dtype=np.float64)
    markers = [m for m in map(str, prot.var_names) if not bool(prot.var.loc[m, "isotype_control"])]
    inten = counts[:, [list(map(str, prot.var_names)).index(m) for m in markers]] * 40 + rng.gamma(2, 60, (n_p, 1))
    dna = rng.normal(8000, 900, (n_p, 1))
    blank = rng.gamma(2, 30, (n_p, 1))
    channels = np.hstack([dna, inten, blank]).astype(np.float32)
    antigen = ["DNA1", *(m.replace("_TotalSeqB", "") for m in markers), "Blank"]
    chan_names = [f"cycle{i // 4 + 1}_ch{i % 4 + 1}" for i in range(len(antigen))]
    area = rng.gamma(9, 25, n_p)
    major = np.sqrt(area / np.pi) * rng.uniform(1.0, 1.6, n_p)
    extra = {
        "CellID": np.arange(1, n_p + 1, dtype=np.float64),
        "X_centroid": rng.uniform(0, 12000, n_p),
        "Y_centroid": rng.uniform(0, 9000, n_p),
        "Area": area,
        "MajorAxisLength": 2 * major,
        "MinorAxisLength": 2 * np.sqrt(area / np.pi) ** 2 / major,
        "Eccentricity": rng.beta(2, 3, n_p),
        "Solidity": rng.beta(30, 2, n_p),
        "Extent": rng.beta(8, 4, n_p),
        "Orientation": rng.uniform(-np.pi / 2, np.pi / 2, n_p),
    }
    table = np.hstack([channels, np.column_stack(list(extra.values())).astype(np.float32)])
    pvar = pd.DataFrame({"marker_name": [*antigen, *[None] * len(extra)]}, index=[*chan_names, *extra])
    prot_out = AnnData(table, obs=prot.obs.copy(), var=pvar)
    with warnings.catch_warnings():  # mudata's notes about its future .update() behaviour
        warnings.simplefilter("ignore")
        mdata = MuData({"rna": rna_out, "prot": prot_out})
    mdata.uns["simulation"] = {"seed": int(seed), "paired": False, "messy": True}
    return mdata


def _unique(names: pd.Index) -> pd.Index:
    """Names made unique as ``AnnData.var_names_make_unique`` does (``CD33``, ``CD33-1``)."""
    from anndata.utils import make_index_unique

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_index_unique(names)
