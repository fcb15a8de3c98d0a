"""Gene knowledge below ``pp`` and ``tl``: RNA gene symbols, the HGNC index, the curated table, name keys.

Everything here is data plus lookups: no MuData is changed. :mod:`mufuse.pp._links` builds the lookup order on it,
:mod:`mufuse._validate` uses it for its Ensembl hints.

Sources: the HGNC index is derived from HGNC's gene table (CC0; Seal et al. 2023, *Nucleic Acids Res.* 51:D1003,
doi:10.1093/nar/gkac888), rebuilt by ``scripts/build_hgnc_index.py`` and version-stamped; the curated protein → gene
table (``data/protein_gene_links.tsv``) names the evidence of every row.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

_GREEK = str.maketrans(
    {
        "α": "A",
        "β": "B",
        "γ": "G",
        "δ": "D",
        "ε": "E",
        "κ": "K",
        "λ": "L",
        "ζ": "Z",
        "μ": "M",
        "Α": "A",
        "Β": "B",
        "Γ": "G",
        "Δ": "D",
        "Ε": "E",
        "Κ": "K",
        "Λ": "L",
        "Ζ": "Z",
        "Μ": "M",
    }
)
_GREEK_WORDS = re.compile(r"ALPHA|BETA|GAMMA|DELTA|EPSILON|KAPPA|LAMBDA|ZETA")

ENSEMBL = re.compile(r"^ENS[A-Z]*G\d{6,}")
SYMBOL_COLUMNS = ("gene_symbols", "gene_symbol", "gene_name", "gene_names", "symbol", "symbols", "feature_name")


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Comparison key: Greek letters and words to Latin letters, upper case, letters and digits only.

    ``HLA-DR`` → ``HLADR``, ``PD-1`` → ``PD1``, ``CD3 epsilon`` → ``CD3E``, ``TCR Vα7.2`` → ``TCRVA72``.

    Examples
    --------
    >>> name_key("TCR Vα7.2"), name_key("CD3 epsilon")
    ('TCRVA72', 'CD3E')
    """
    s = re.sub(r"[^A-Z0-9]", "", name.translate(_GREEK).upper())
    return _GREEK_WORDS.sub(lambda m: m.group(0)[0], s)


@dataclass(frozen=True)
class Curated:
    """One row of the curated table: the marker, its genes, the kind of fact and its evidence."""

    marker: str
    genes: tuple[str, ...]
    kind: str
    evidence: str


@lru_cache(maxsize=1)
def curated_table() -> pd.DataFrame:
    """Return the curated protein → gene table shipped with mufuse.

    Returns
    -------
    DataFrame with columns ``marker``, ``genes`` (``;``-joined HGNC symbols), ``kind`` and ``evidence``.

    Examples
    --------
    >>> from mufuse._genes import curated_table
    >>> curated_table().set_index("marker").loc["CD3", "genes"]
    'CD3D;CD3E;CD3G'
    """
    with resources.files("mufuse.data").joinpath("protein_gene_links.tsv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def curated_index() -> dict[str, Curated]:
    """Return the curated table keyed by :func:`name_key` of each marker.

    Examples
    --------
    >>> curated_index()["HLADR"].genes
    ('HLA-DRA', 'HLA-DRB1')
    """
    out: dict[str, Curated] = {}
    for row in curated_table().itertuples(index=False):
        out[name_key(row.marker)] = Curated(row.marker, tuple(row.genes.split(";")), row.kind, row.evidence)
    return out


@dataclass(frozen=True)
class Hgnc:
    """HGNC lookup tables, each keyed by :func:`name_key` of a name."""

    approved: dict[str, str]  # key -> approved symbol
    previous: dict[str, tuple[str, ...]]  # key -> approved symbols that had it as a previous symbol
    alias: dict[str, tuple[str, ...]]  # key -> approved symbols that list it as an alias
    name: dict[str, tuple[str, ...]]  # key of the approved name -> symbols
    previous_of: dict[str, tuple[str, ...]]  # approved symbol -> its previous symbols
    header: str


@lru_cache(maxsize=1)
def hgnc_index() -> Hgnc:
    """Load the HGNC index shipped with mufuse (approved, previous and alias symbols; CC0 data).

    Returns
    -------
    Lookup tables keyed by :func:`name_key` of a name.

    Examples
    --------
    >>> from mufuse._genes import hgnc_index
    >>> hgnc_index().previous["CD45"]
    ('PTPRC',)
    """
    approved: dict[str, str] = {}
    previous: dict[str, list[str]] = {}
    alias: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    previous_of: dict[str, tuple[str, ...]] = {}
    with resources.files("mufuse.data").joinpath("hgnc_index.tsv.gz").open("rb") as raw:
        lines = gzip.decompress(raw.read()).decode("utf-8").splitlines()
    header = " ".join(line[2:] for line in lines if line.startswith("#"))
    for line in [ln for ln in lines if not ln.startswith("#")][1:]:
        sym, aliases, prev, name, _locus, _ens = line.split("\t")
        approved[name_key(sym)] = sym
        for p_ in filter(None, prev.split("|")):
            previous.setdefault(name_key(p_), []).append(sym)
        previous_of[sym] = tuple(filter(None, prev.split("|")))
        for a_ in filter(None, aliases.split("|")):
            alias.setdefault(name_key(a_), []).append(sym)
        names.setdefault(name_key(name), []).append(sym)

    def uniq(d: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(dict.fromkeys(v)) for k, v in d.items()}

    return Hgnc(approved, uniq(previous), uniq(alias), uniq(names), previous_of, header)


def looks_ensembl(names: Iterable[str]) -> bool:
    """Tell whether at least half of the names are Ensembl gene IDs.

    Examples
    --------
    >>> looks_ensembl(["ENSG00000010610", "CD8A"]), looks_ensembl(["CD4", "CD8A", "ENSG00000010610"])
    (True, False)
    """
    names = [str(n) for n in names]
    return bool(names) and sum(bool(ENSEMBL.match(n)) for n in names) >= 0.5 * len(names)


def gene_symbols(rna_ad) -> list[str]:
    """Gene symbols of the RNA features: ``var_names``, or a symbol column when ``var_names`` are Ensembl IDs.

    Parameters
    ----------
    rna_ad
        The RNA AnnData.

    Returns
    -------
    One symbol per feature, in ``var`` order.

    Examples
    --------
    >>> import anndata as ad, numpy as np, pandas as pd
    >>> var = pd.DataFrame({"gene_symbols": ["CD4", "CD8A"]}, index=["ENSG00000010610", "ENSG00000153563"])
    >>> gene_symbols(ad.AnnData(np.zeros((1, 2)), var=var))
    ['CD4', 'CD8A']
    """
    names = [str(v) for v in rna_ad.var_names]
    if not looks_ensembl(names):
        return names
    for col in SYMBOL_COLUMNS:
        if col in rna_ad.var.columns:
            sym = rna_ad.var[col].astype(str).tolist()
            return [s if s and s != "nan" else n for s, n in zip(sym, names, strict=True)]
    return names


def symbol_index(rna_ad) -> dict[str, list[str]]:
    """Map :func:`name_key` of each RNA gene symbol to the ``var_names`` that carry it.

    Examples
    --------
    >>> import anndata as ad, numpy as np, pandas as pd
    >>> symbol_index(ad.AnnData(np.zeros((1, 2)), var=pd.DataFrame(index=["HLA-DRA", "CD8A"])))
    {'HLADRA': ['HLA-DRA'], 'CD8A': ['CD8A']}
    """
    present: dict[str, list[str]] = {}
    for var_name, sym in zip(map(str, rna_ad.var_names), gene_symbols(rna_ad), strict=True):
        present.setdefault(name_key(sym), []).append(var_name)
    return present


def parse_genes(spec: str | Iterable[str]) -> list[str]:
    """Split a gene specification (``"CD3D;CD3E"``, ``"CD3D,CD3E"`` or a list) into symbols.

    Examples
    --------
    >>> parse_genes("CD3D; CD3E,CD3G"), parse_genes(["CD4 ", ""])
    (['CD3D', 'CD3E', 'CD3G'], ['CD4'])
    """
    if isinstance(spec, str):
        return [g.strip() for g in re.split(r"[;,]", spec) if g.strip()]
    return [str(g).strip() for g in spec if str(g).strip()]
