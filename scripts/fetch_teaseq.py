"""Fetch a second real paired dataset for the benchmarks: TEA-seq PBMC, RNA + 46 antibodies, cell-type labels.

Swanson E. et al. (2021) Simultaneous trimodal single-cell measurement of transcripts, epitopes, and chromatin
accessibility using TEA-seq. *eLife* 10:e63632. doi:10.7554/eLife.63632 (GEO GSE158013). The 1,262-cell subset used
here is the one the Matilda authors published with their method (Liu C. et al. (2023) *Nucleic Acids Res.* 51:e45,
doi:10.1093/nar/gkad157), in their repository ``PYangLab/Matilda`` (Apache-2.0), commit
``3125eb6e1a7c4e8b496c42dbfd8c5dc5350516c8``, ``data/TEAseq/train_{rna,adt}.h5`` and ``train_cty.csv``:

- RNA: 9,855 genes (those non-zero in at least 1% of cells) x 1,262 cells, integer UMI counts;
- protein: 46 TotalSeq-A antibodies (one isotype control, ``IgG1.K.Isotype.Control``), integer counts;
- labels: 11 cell types from the authors' processed object (RNA-based), e.g. T.CD4.Memory, B.Naive, Mono.CD14.

The script downloads the three files (or reads them from a local git mirror of the repository with ``--mirror``),
checks their sha256, and writes ``benchmarks/data/teaseq_pbmc.h5mu`` (git-ignored): ``rna`` (CSR float32 counts),
``prot`` (dense float32 counts, ``var['isotype_control']``), ``obs['cell_type']`` in both, and the source in
``uns['source']``. Nothing of it is copied into the package.

    python scripts/fetch_teaseq.py                         # from GitHub
    python scripts/fetch_teaseq.py --mirror /path/to/Matilda/.git
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import urllib.request
from pathlib import Path

import anndata as ad
import h5py
import mudata
import numpy as np
import pandas as pd
from scipy import sparse

REPO = "PYangLab/Matilda"
COMMIT = "3125eb6e1a7c4e8b496c42dbfd8c5dc5350516c8"
FILES = {
    "data/TEAseq/train_rna.h5": "9900d20e98ed95161c6014fa5d29b129cc0c56a20375fe82c00fe2c48410839e",
    "data/TEAseq/train_adt.h5": "c271c755a4eb8a2bfa249f0cde001bee22e5b2ac87ed215e2e03c751a0b29905",
    "data/TEAseq/train_cty.csv": "9ef102307223cdbafe74f985c4d3026d10a4ded7089d6e0e3f1cef8dcc8211bc",
}
OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "teaseq_pbmc.h5mu"


def get_file(repo: str, commit: str, path: str, sha256: str, mirror: Path | None) -> bytes:
    """One file of a public GitHub repository at a commit (or of a local git mirror of it), checked by its sha256."""
    if mirror is not None:
        cmd = ["git", "-C", str(mirror), "cat-file", "-p", f"{commit}:{path}"]
        raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    else:
        with urllib.request.urlopen(f"https://raw.githubusercontent.com/{repo}/{commit}/{path}", timeout=120) as r:
            raw = r.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{path}: sha256 {digest} is not the expected {sha256}")
    return raw


def write_atomic(mdata: mudata.MuData, out: Path) -> None:
    """Write the MuData to ``out`` through a temporary file beside it: a failed write leaves no partial file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.h5mu")
    mdata.write(tmp)
    tmp.replace(out)


def _get(path: str, mirror: Path | None) -> bytes:
    return get_file(REPO, COMMIT, path, FILES[path], mirror)


def _matrix(raw: bytes) -> tuple[np.ndarray, list[str], list[str]]:
    """Features x cells matrix of a Matilda HDF5 file, its feature names and cell barcodes."""
    with h5py.File(io.BytesIO(raw), "r") as h:
        data = np.asarray(h["matrix/data"][...])
        features = [f.decode() for f in h["matrix/features"][...]]
        barcodes = [b.decode() for b in h["matrix/barcodes"][...]]
    return data, features, barcodes


def build(mirror: Path | None, out: Path) -> mudata.MuData:
    rna_x, genes, cells = _matrix(_get("data/TEAseq/train_rna.h5", mirror))
    adt_x, markers, adt_cells = _matrix(_get("data/TEAseq/train_adt.h5", mirror))
    labels = pd.read_csv(io.BytesIO(_get("data/TEAseq/train_cty.csv", mirror)))["x"].astype(str).tolist()
    if adt_cells != cells or len(labels) != len(cells):
        raise SystemExit("RNA, protein and labels do not describe the same cells in the same order")
    if not (np.allclose(rna_x, np.round(rna_x)) and np.allclose(adt_x, np.round(adt_x))):
        raise SystemExit("counts are expected to be integers")
    obs = pd.DataFrame({"cell_type": pd.Categorical(labels)}, index=pd.Index(cells))
    rna = ad.AnnData(sparse.csr_matrix(rna_x.T.astype(np.float32)), obs=obs.copy(), var=pd.DataFrame(index=genes))
    prot_var = pd.DataFrame({"isotype_control": ["isotype" in m.lower() for m in markers]}, index=markers)
    prot = ad.AnnData(adt_x.T.astype(np.float32), obs=obs.copy(), var=prot_var)
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    mdata.uns["source"] = (
        f"TEA-seq PBMC (Swanson et al. 2021, eLife 10:e63632, GSE158013), 1,262-cell subset of {REPO}@{COMMIT} "
        "data/TEAseq/train_*; labels: the authors' cell types (RNA-based)"
    )
    write_atomic(mdata, out)
    return mdata


def fetch_main(doc: str, repo: str, out: Path, build) -> None:
    """The command line of every fetch script: ``--mirror`` and ``-o``, then what was written."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mirror", type=Path, help=f"a local git directory of {repo} holding the commit")
    p.add_argument("-o", "--output", type=Path, default=out)
    args = p.parse_args()
    m = build(args.mirror, args.output)
    counts = m["rna"].obs["cell_type"].value_counts()
    print(f"wrote {args.output}: {m['rna'].n_obs} cells, {m['rna'].n_vars} genes, {m['prot'].n_vars} antibodies")
    print(f"{len(counts)} cell types: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def main() -> None:
    fetch_main(__doc__, "PYangLab/Matilda", OUT, build)


if __name__ == "__main__":
    main()
