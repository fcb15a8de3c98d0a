"""The embedded, offline default dataset: a simulated CITE-seq-like MuData (paired or unpaired)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from anndata import AnnData
from mudata import MuData
from scipy import sparse

from .._errors import MufuseError

# cell types and their relative abundance (PBMC-like)
CELL_TYPES = {
    "CD4 T": 0.30,
    "CD8 T": 0.18,
    "NK": 0.12,
    "B": 0.12,
    "CD14 Mono": 0.18,
    "CD16 Mono": 0.05,
    "DC": 0.03,
    "pDC": 0.02,
}

# marker name as it appears in the panel -> (genes encoding it, {cell type: expression level 0..1})
PANEL = {
    "CD3_TotalSeqB": (["CD3D", "CD3E", "CD3G"], {"CD4 T": 1.0, "CD8 T": 1.0}),
    "CD4_TotalSeqB": (["CD4"], {"CD4 T": 1.0, "CD14 Mono": 0.25, "DC": 0.2}),
    "CD8a_TotalSeqB": (["CD8A"], {"CD8 T": 1.0, "NK": 0.15}),
    "CD19_TotalSeqB": (["CD19"], {"B": 1.0}),
    "CD20": (["MS4A1"], {"B": 1.0}),
    "CD14_TotalSeqB": (["CD14"], {"CD14 Mono": 1.0, "CD16 Mono": 0.2}),
    "CD16_TotalSeqB": (["FCGR3A"], {"NK": 1.0, "CD16 Mono": 1.0}),
    "CD56_TotalSeqB": (["NCAM1"], {"NK": 1.0}),
    "CD45RA": (
        ["PTPRC"],
        {"CD4 T": 0.5, "CD8 T": 0.7, "NK": 0.8, "B": 1.0, "CD14 Mono": 0.3, "CD16 Mono": 0.3, "DC": 0.3, "pDC": 0.6},
    ),
    "HLA-DR": (["HLA-DRA", "HLA-DRB1"], {"B": 1.0, "CD14 Mono": 0.8, "CD16 Mono": 0.7, "DC": 1.0, "pDC": 0.7}),
    "CD11c": (["ITGAX"], {"CD14 Mono": 0.7, "CD16 Mono": 0.8, "DC": 1.0}),
    "CD127_TotalSeqB": (["IL7R"], {"CD4 T": 0.8, "CD8 T": 0.4}),
    "CD25_TotalSeqB": (["IL2RA"], {"CD4 T": 0.25}),
    "PD-1_TotalSeqB": (["PDCD1"], {"CD8 T": 0.3, "CD4 T": 0.15}),
    "CD123": (["IL3RA"], {"pDC": 1.0, "DC": 0.2}),
    "CD33": (["CD33"], {"CD14 Mono": 0.8, "CD16 Mono": 0.5, "DC": 0.6}),
}
ISOTYPES = ["IgG1_control_TotalSeqB", "IgG2a_control_TotalSeqB", "IgG2b_control_TotalSeqB"]
# RNA-only marker genes that sharpen the cell types (not on the panel)
EXTRA_GENES = {
    "CD4 T": ["CCR7", "LEF1", "TCF7"],
    "CD8 T": ["CD8B", "GZMK", "CCL5"],
    "NK": ["NKG7", "GNLY", "KLRD1", "PRF1"],
    "B": ["CD79A", "CD79B", "BANK1"],
    "CD14 Mono": ["LYZ", "S100A8", "S100A9", "VCAN"],
    "CD16 Mono": ["MS4A7", "LST1", "CDKN1C"],
    "DC": ["FCER1A", "CD1C", "CLEC10A"],
    "pDC": ["LILRA4", "CLEC4C", "IRF7"],
}


def _gene_names(n_genes: int) -> list[str]:
    named: list[str] = []
    for genes, _ in PANEL.values():
        named.extend(g for g in genes if g not in named)
    for genes in EXTRA_GENES.values():
        named.extend(g for g in genes if g not in named)
    if n_genes < len(named) + 10:
        raise MufuseError(f"n_genes must be at least {len(named) + 10} (the simulated panel needs {len(named)} genes)")
    return named + [f"GENE{i:05d}" for i in range(n_genes - len(named))]


def _types(n: int, rng: np.random.Generator) -> np.ndarray:
    names = list(CELL_TYPES)
    p = np.array(list(CELL_TYPES.values()))
    return rng.choice(len(names), size=n, p=p / p.sum())


def _simulate_rna(
    types: np.ndarray, genes: list[str], rng: np.random.Generator, chunk: int = 4096
) -> sparse.csr_matrix:
    n_types = len(CELL_TYPES)
    tnames = list(CELL_TYPES)
    n_genes = len(genes)
    gidx = {g: i for i, g in enumerate(genes)}
    base = rng.lognormal(mean=0.0, sigma=1.6, size=n_genes)
    logfc = np.zeros((n_types, n_genes))
    # type programs among background genes (what HVG selection should find)
    background = np.arange(len(genes) - sum(g.startswith("GENE") for g in genes), n_genes)
    for t in range(n_types):
        prog = rng.choice(background, size=min(40, background.size), replace=False)
        logfc[t, prog] += rng.normal(1.8, 0.4, size=prog.size)
    for glist, levels in PANEL.values():
        for g in glist:
            j = gidx[g]
            base[j] = max(base[j], 0.6)
            logfc[:, j] = -1.0
            for tname, lvl in levels.items():
                logfc[tnames.index(tname), j] = 3.5 * lvl - 1.0
    for tname, glist in EXTRA_GENES.items():
        for g in glist:
            j = gidx[g]
            base[j] = max(base[j], 1.0)
            logfc[tnames.index(tname), j] += 3.0
    prof = base[None, :] * np.exp(logfc)
    prof /= prof.sum(axis=1, keepdims=True)
    blocks = []
    theta = 8.0
    for start in range(0, len(types), chunk):
        tt = types[start : start + chunk]
        lib = rng.lognormal(mean=np.log(2500), sigma=0.45, size=tt.size)
        mu = lib[:, None] * prof[tt]
        lam = rng.gamma(shape=theta, scale=mu / theta)
        counts = rng.poisson(lam).astype(np.float32)
        blocks.append(sparse.csr_matrix(counts))
    return sparse.vstack(blocks, format="csr")


def _simulate_prot(types: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    tnames = list(CELL_TYPES)
    names = list(PANEL) + ISOTYPES
    n = types.size
    size = rng.lognormal(0.0, 0.35, size=n)
    out = np.empty((n, len(names)), dtype=np.float32)
    for j, name in enumerate(names):
        background = rng.uniform(15, 60)
        if name in PANEL:
            levels = np.zeros(len(tnames))
            for t, lvl in PANEL[name][1].items():
                levels[tnames.index(t)] = lvl
            signal = rng.uniform(300, 1500)
            mu = size * (background + signal * levels[types] * rng.lognormal(0, 0.3, size=n))
        else:
            mu = size * background
        theta = 6.0
        out[:, j] = rng.poisson(rng.gamma(theta, mu / theta))
    return out, names


def barcodes(n: int) -> list[str]:
    """Name ``n`` cells as 10x does (16 bases and ``-1``), distinct and the same for every seed.

    Paired cells share these names across modalities; a counter (``cell-0``, ``cell-1``, ...) would be no evidence of
    pairing (:func:`mufuse._validate.positional`).

    Examples
    --------
    >>> barcodes(2)
    ['AAAAAAAAAAAAAAAA-1', 'CATGCGTCTCTAGTCG-1']
    """
    out = []
    for i in range(n):
        code = (i * 0x9E3779B1) % 4**16  # an odd multiplier: one code per cell
        out.append("".join("ACGT"[(code >> (2 * k)) & 3] for k in range(16)) + "-1")
    return out


def simulated(
    n_cells: int = 3000,
    *,
    n_genes: int = 2000,
    paired: bool = True,
    n_prot_cells: int | None = None,
    prescaled: bool = False,
    seed: int = 0,
) -> MuData:
    """Simulate a CITE-seq-like MuData with an ``rna`` and a ``prot`` modality; offline and deterministic.

    Eight PBMC-like cell types (``obs["cell_type"]``). RNA: negative-binomial UMI counts (sparse CSR,
    float32) with type programs; the genes of the panel's markers are among them. Protein: antibody counts
    driven by the same cell types for 16 markers whose genes are in the RNA (names as real panels spell them:
    ``CD3_TotalSeqB``, ``CD45RA``, ``HLA-DR``, ...) plus three isotype controls.

    Parameters
    ----------
    n_cells
        Number of RNA cells (and protein cells when paired).
    n_genes
        Number of genes (at least the panel's genes + 10).
    paired
        ``True``: both modalities measure the same cells (same obs names). ``False``: the protein cells are
        other cells (disjoint obs names, as imaging beside scRNA-seq).
    n_prot_cells
        Number of protein cells when unpaired (default ``n_cells``).
    prescaled
        Return the protein "pre-scaled": log1p then min-max per marker to [0, 1] (the scale mismatch mufuse
        exists to fix: mean≈0.4, small std).
    seed
        Random seed.

    Returns
    -------
    MuData with modalities ``rna`` and ``prot``.

    Examples
    --------
    >>> import mufuse
    >>> mdata = mufuse.datasets.simulated(n_cells=500, seed=1)
    >>> mdata["rna"].n_obs, mdata["prot"].n_vars
    (500, 19)
    >>> unpaired = mufuse.datasets.simulated(n_cells=500, paired=False, n_prot_cells=800)
    >>> len(set(unpaired["rna"].obs_names) & set(unpaired["prot"].obs_names))
    0
    """
    if not isinstance(n_cells, int | np.integer) or n_cells < 10:
        raise MufuseError(f"n_cells must be an integer >= 10, got {n_cells!r}")
    rng = np.random.default_rng(seed)
    tnames = np.array(list(CELL_TYPES))
    genes = _gene_names(int(n_genes))
    rtypes = _types(int(n_cells), rng)
    x = _simulate_rna(rtypes, genes, rng)
    if paired:
        ptypes = rtypes
        rnames = pnames = barcodes(n_cells)
    else:
        n_p = int(n_prot_cells or n_cells)
        ptypes = _types(n_p, rng)
        rnames = [f"rna-{i:06d}" for i in range(n_cells)]
        pnames = [f"prot-{i:06d}" for i in range(n_p)]
    p, markers = _simulate_prot(ptypes, rng)
    if prescaled:
        p = np.log1p(p)
        lo, hi = p.min(axis=0), p.max(axis=0)
        p = ((p - lo) / np.where(hi > lo, hi - lo, 1.0)).astype(np.float32)
    robs = pd.DataFrame(
        {"cell_type": pd.Categorical(tnames[rtypes], categories=list(CELL_TYPES))}, index=pd.Index(rnames)
    )
    pobs = pd.DataFrame(
        {"cell_type": pd.Categorical(tnames[ptypes], categories=list(CELL_TYPES))}, index=pd.Index(pnames)
    )
    rna = AnnData(X=x, obs=robs, var=pd.DataFrame(index=pd.Index(genes)))
    pvar = pd.DataFrame({"isotype_control": [m in ISOTYPES for m in markers]}, index=pd.Index(markers))
    prot = AnnData(X=p, obs=pobs, var=pvar)
    with warnings.catch_warnings():  # mudata's notes about its future .update() behaviour
        warnings.simplefilter("ignore")
        mdata = MuData({"rna": rna, "prot": prot})
    mdata.uns["simulation"] = {"seed": int(seed), "paired": bool(paired), "prescaled": bool(prescaled)}
    return mdata
