"""How well mufuse.pp.link_features links real panel names (tests/data/panel_names.tsv), and pbmc10k's panel.

Scored as the project's acceptance test: with every approved HGNC symbol present in the RNA, a linkable marker counts
as right when it is linked to a non-empty subset of its genes; a name that must link to nothing counts as wrong when
it is linked at all.

    python benchmarks/link_panels.py            # prints the shares per assay and the failures
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import anndata as ad
import mudata
import numpy as np
import pandas as pd

import mufuse
from mufuse._genes import hgnc_index

ROOT = Path(__file__).resolve().parents[1]


def score(table: pd.DataFrame) -> pd.DataFrame:
    genes = sorted(set(hgnc_index().approved.values()))
    names = list(table.index)
    rna = ad.AnnData(np.zeros((1, len(genes)), np.float32), var=pd.DataFrame(index=genes))
    prot = ad.AnnData(np.zeros((1, len(names)), np.float32), var=pd.DataFrame(index=pd.Index(names)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        links = mufuse.pp.link_features(mudata.MuData({"rna": rna, "prot": prot}))
    out = table.join(links[["status", "genes", "reason"]].rename(columns={"genes": "got"}))

    def right(r) -> bool:
        want = {g for g in r.genes.split(";") if g}
        got = {g for g in r.got.split(";") if g}
        return (r.status != "linked") if not want else (r.status == "linked" and bool(got) and got <= want)

    out["right"] = out.apply(right, axis=1)
    return out


def main() -> None:
    table = pd.read_csv(ROOT / "tests/data/panel_names.tsv", sep="\t", comment="#", dtype=str, keep_default_na=False)
    out = score(table.set_index("name"))
    linkable = out[out.genes != ""]
    nothing = out[out.genes == ""]
    print(f"{len(out)} real panel names ({out['source'].str.split(' ').str[0].nunique()} sources)")
    print(f"linkable {len(linkable)}: right {linkable.right.mean():.1%}")
    for assay, sub in linkable.groupby("assay"):
        print(f"  {assay:<11}{len(sub):>6} names, right {sub.right.mean():.1%}")
    print(f"must link to nothing {len(nothing)}: linked anyway {int((~nothing.right).sum())}")
    if "-v" in sys.argv:
        pd.set_option("display.width", 200)
        print(out.loc[~out.right, ["genes", "status", "got"]].to_string())
    pbmc = ROOT.parent / "shared/data/pbmc10k_protein_v3.h5mu"
    if pbmc.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = mudata.read_h5mu(pbmc)
        links = mufuse.pp.link_features(m)
        n_iso = int((links["status"] == "excluded").sum())
        print(
            f"pbmc10k_protein_v3: {int((links['status'] == 'linked').sum())} of {len(links)} markers linked "
            f"({n_iso} isotype controls excluded; gene_absent: {', '.join(links.index[links.status == 'gene_absent'])})"
        )


if __name__ == "__main__":
    main()
