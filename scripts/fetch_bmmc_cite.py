"""Fetch a third real paired dataset for the benchmarks: CITE-seq bone marrow (BMMC), RNA + 134 antibodies, cell types.

Luecken M.D., Burkhardt D.B., Cannoodt R. et al. (2021) A sandbox for prediction and integration of DNA, RNA, and
proteins in single cells. *Proceedings of the Neural Information Processing Systems Track on Datasets and Benchmarks*
1 (NeurIPS 2021) (GEO GSE194122). The 600-cell subset used here is the "starter" test resource the data's authors
published for the NeurIPS 2021 multimodal competition, in their repository
``openproblems-bio/neurips2021_multimodal_viash`` (MIT), commit ``75281c039ab98b459edbf52058a18597e710ed4d``,
``resources_test/common/openproblems_bmmc_cite_starter/openproblems_bmmc_cite_starter.output_{rna,mod2}.h5ad``
(made by ``src/common/datasets/process_inhouse_datasets/script.R`` of that repository):

- cells: 600 drawn at random from site 1, donors 1 and 2 (``obs['batch']`` s1d1 311, s1d2 289);
- RNA: 1,000 of the genes (drawn at random, weighted by how many cells detect them), integer UMI counts
  (``layers['counts']``; the files' ``X`` is log-normalised and is not used);
- protein: 134 TotalSeq-B antibodies, integer counts (the isotype controls were removed by the authors, so
  ``var['isotype_control']`` is all False);
- labels: the authors' 41 cell types (e.g. CD14+ Mono, CD4+ T naive, Reticulocyte, NK, Naive CD20+ B IGKC+), many with
  fewer than 10 cells.

The script downloads the two files (or reads them from a local git mirror of the repository with ``--mirror``),
checks their sha256, and writes ``benchmarks/data/bmmc_cite.h5mu`` (git-ignored): ``rna`` (CSR float32 counts),
``prot`` (dense float32 counts, ``var['isotype_control']``), ``obs['cell_type']`` and ``obs['batch']`` in both, and
the source in ``uns['source']``. Nothing of it is copied into the package.

    python scripts/fetch_bmmc_cite.py                         # from GitHub
    python scripts/fetch_bmmc_cite.py --mirror /path/to/neurips2021_multimodal_viash/.git
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

REPO = "openproblems-bio/neurips2021_multimodal_viash"
COMMIT = "75281c039ab98b459edbf52058a18597e710ed4d"
_DIR = "resources_test/common/openproblems_bmmc_cite_starter/openproblems_bmmc_cite_starter"
RNA = f"{_DIR}.output_rna.h5ad"
ADT = f"{_DIR}.output_mod2.h5ad"
FILES = {
    RNA: "e111b6ad48f7236b9291dab56d0aa2ebcc1a5f8d1d402fa232d9bfe3d1af6f61",
    ADT: "ad4df05778c27c930bdb9764452af0fa381cbd9b3fb8de669420148f20fb1fed",
}
OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "bmmc_cite.h5mu"


def _get(path: str, mirror: Path | None) -> bytes:
    return get_file(REPO, COMMIT, path, FILES[path], mirror)


def _read(raw: bytes) -> ad.AnnData:
    with tempfile.NamedTemporaryFile(suffix=".h5ad") as f:
        f.write(raw)
        f.flush()
        return ad.read_h5ad(f.name)


def _counts(a: ad.AnnData) -> sparse.csr_matrix:
    x = sparse.csr_matrix(a.layers["counts"], dtype=np.float32)
    if x.nnz and not np.array_equal(x.data, np.round(x.data)):
        raise SystemExit("counts are expected to be integers")
    return x


def build(mirror: Path | None, out: Path) -> mudata.MuData:
    rna_in = _read(_get(RNA, mirror))
    adt_in = _read(_get(ADT, mirror))
    if not rna_in.obs_names.equals(adt_in.obs_names):
        raise SystemExit("RNA and protein do not describe the same cells in the same order")
    labels = rna_in.obs["cell_type"].astype(str)
    if not labels.equals(adt_in.obs["cell_type"].astype(str)):
        raise SystemExit("RNA and protein carry different cell-type labels")
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical(labels.to_numpy()),
            "batch": pd.Categorical(rna_in.obs["batch"].astype(str).to_numpy()),
        },
        index=pd.Index(rna_in.obs_names.astype(str)),
    )
    rna = ad.AnnData(_counts(rna_in), obs=obs.copy(), var=pd.DataFrame(index=rna_in.var_names.astype(str)))
    rna.var["gene_ids"] = rna_in.var["gene_ids"].astype(str).to_numpy()
    markers = adt_in.var_names.astype(str)
    prot_var = pd.DataFrame(
        {"isotype_control": ["isotype" in m.lower() or "igg" in m.lower() for m in markers]}, index=markers
    )
    prot = ad.AnnData(_counts(adt_in).toarray(), obs=obs.copy(), var=prot_var)
    mdata = mudata.MuData({"rna": rna, "prot": prot})
    mdata.obs["cell_type"] = obs["cell_type"]
    mdata.uns["source"] = (
        f"CITE-seq BMMC (Luecken et al. 2021, NeurIPS Datasets and Benchmarks, GSE194122), 600-cell, 1,000-gene "
        f"starter subset of {REPO}@{COMMIT} {_DIR}.output_{{rna,mod2}}.h5ad; labels: the authors' cell types"
    )
    write_atomic(mdata, out)
    return mdata


def main() -> None:
    fetch_main(__doc__, REPO, OUT, build)


if __name__ == "__main__":
    main()
