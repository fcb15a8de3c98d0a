"""Fetch a fourth real paired dataset for the benchmarks: bone marrow, targeted RNA + 97 antibodies (BD Rhapsody AbSeq).

Triana S., Vonficht D., Jopp-Saile L. et al. (2021) Single-cell proteo-genomic reference maps of the hematopoietic
system enable the purification and massive profiling of precisely defined cell states. *Nature Immunology* 22:1577.
doi:10.1038/s41590-021-01059-0 (EGA EGAD00001008188). The subset used here is the one the R package ``EXTruvIIInb``
ships as ``triana_data`` (``HsiaoChiLiao/EXTruvIIInb`` @ ``eaeb835ce2420fd58e97a7019769c3e9cf898894``,
``data/triana_data.rda``; the package's DESCRIPTION says GPL-3, its LICENSE file AGPL-3.0; its ``man/triana_data.Rd``
names the source): "a subset of QC-ed matched single-cell transcriptomics and proteomics data" of Triana et al.:

- cells: 9,663 from 6 samples (``obs['batch']``: 3 young, 3 aged donors' bone marrow);
- RNA: the 422 genes of the targeted panel, integer counts;
- protein: 97 AbSeq antibodies, integer counts (``IgG`` is an isotype control);
- labels: the authors' ``cellType_refined`` (41 names, e.g. HSCs & MPPs, Early erythroid progenitor, Classical
  Monocytes, CD8+ effector memory T cells; ``obs['cell_type']``) and ``cellType_broad`` (13;
  ``obs['cell_type_broad']``).

The script takes the file from GitHub (or from a local git mirror of the repository with ``--mirror``), checks its
sha256, reads the R data file with the ``rdata`` package (``pip install rdata``; MIT) and writes
``benchmarks/data/triana_bm.h5mu`` (git-ignored): ``rna`` (CSR float32 counts), ``prot`` (dense float32 counts,
``var['isotype_control']``), the labels and the sample in both ``obs``, the source in ``uns['source']``. Nothing of
it is copied into the package.

    python scripts/fetch_triana.py
    python scripts/fetch_triana.py --mirror /path/to/EXTruvIIInb/.git
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import anndata as ad
import mudata
import numpy as np
import pandas as pd
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_teaseq import fetch_main, get_file, write_atomic  # one checked download for every fetch script

REPO = "HsiaoChiLiao/EXTruvIIInb"
COMMIT = "eaeb835ce2420fd58e97a7019769c3e9cf898894"
PATH = "data/triana_data.rda"
SHA256 = "cf7f34f2cec98cdde536265d2ad49dc43e794bb14266d1fdd8b3ca41c66c0a37"
OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "triana_bm.h5mu"


def _read(raw: bytes) -> dict:
    try:
        import rdata
    except ImportError:
        raise SystemExit("reading the R data file needs the rdata package: pip install rdata") from None
    with tempfile.NamedTemporaryFile(suffix=".rda") as f:
        f.write(raw)
        f.flush()
        return rdata.conversion.convert(rdata.parser.parse_file(f.name))["triana_data"]


def _counts(arr, prefix: str) -> tuple[np.ndarray, list[str], list[str]]:
    """Cells x features counts of one xarray of the list, its feature names without the prefix, its cell names."""
    x = np.asarray(arr.values, dtype=np.float32)
    if not np.array_equal(x, np.round(x)) or (x < 0).any():
        raise SystemExit(f"{prefix} counts are expected to be non-negative integers")
    cells = [str(c) for c in arr.coords[arr.dims[0]].values]
    names = [str(f).removeprefix(prefix) for f in arr.coords[arr.dims[1]].values]
    return x, names, cells


def build(mirror: Path | None, out: Path) -> mudata.MuData:
    data = _read(get_file(REPO, COMMIT, PATH, SHA256, mirror))
    rna_x, genes, cells = _counts(data["rna_raw"], "mod1_")
    adt_x, markers, adt_cells = _counts(data["adt_raw"], "mod2_")
    meta = data["metadata"]
    if cells != adt_cells or [str(c) for c in meta.index] != cells:
        raise SystemExit("RNA, protein and metadata do not describe the same cells in the same order")
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical(meta["cellType_refined"].astype(str).to_numpy()),
            "cell_type_broad": pd.Categorical(meta["cellType_broad"].astype(str).to_numpy()),
            "batch": pd.Categorical(meta["sample_batch"].astype(str).to_numpy()),
        },
        index=pd.Index(cells),
    )
    rna = ad.AnnData(sparse.csr_matrix(rna_x), obs=obs.copy(), var=pd.DataFrame(index=genes))
    prot_var = pd.DataFrame({"isotype_control": [m.lower().startswith("igg") for m in markers]}, index=markers)
    prot = ad.AnnData(adt_x, obs=obs.copy(), var=prot_var)
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    mdata.uns["source"] = (
        f"bone marrow BD Rhapsody AbSeq (Triana et al. 2021, Nat Immunol, EGAD00001008188): the 9,663-cell subset of "
        f"{REPO}@{COMMIT} {PATH}; labels: the authors' cellType_refined and cellType_broad"
    )
    write_atomic(mdata, out)
    return mdata


def main() -> None:
    fetch_main(__doc__, REPO, OUT, build)


if __name__ == "__main__":
    main()
