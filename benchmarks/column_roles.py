"""How well mufuse gives every column of a real per-cell table its role (tests/data/column_roles.tsv).

The file holds the column names that public imaging and cytometry tools write (MCMICRO, CellProfiler, QuPath, inForm,
HALO, ark-analysis, steinbock, histoCAT, scimap, CosMx, Xenium, MERSCOPE, FCS files, ...) with the role each column
has, taken from the tools' code and documentation. Each tool's columns are linked as one protein table beside an RNA
holding every approved HGNC symbol (every MGI symbol for a tool whose name says "mouse"). Three scores, per role and
per tool:

- **exact**: the role mufuse gives is the file's role;
- **never matched**: a non-marker column does not reach the matching (its role is not ``marker``, or it is
  ``excluded``); a marker column is matched (or left out as another measurement of an antigen that is: one column
  per antigen). This is what harmonize's arrays depend on;
- **linked wrong**: a non-marker column linked to a gene (must be 0).

    python benchmarks/column_roles.py                      # the project's file
    python benchmarks/column_roles.py other.tsv -v         # another file of the same columns, every miss printed
    python benchmarks/column_roles.py tests/data/column_roles_heldout.tsv   # the held-out tools
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
from mufuse._genes import hgnc_index, mgi_index
from mufuse._store import SOURCE_MEASUREMENT

ROOT = Path(__file__).resolve().parents[1]
ROLES = ROOT / "tests/data/column_roles.tsv"


def read(path: Path | str = ROLES) -> pd.DataFrame:
    """The answer key: name, role, antigen, tool, source (comment lines start with '#')."""
    return pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False).drop_duplicates(["name", "tool"])


def all_genes(species: str) -> list[str]:
    """Every approved HGNC symbol (human) or MGI symbol (mouse)."""
    index = mgi_index() if species == "mouse" else hgnc_index()
    return sorted(set(index.approved.values()))


def score(table: pd.DataFrame) -> pd.DataFrame:
    """One row per column: the role wanted and the role and status mufuse gives, each tool linked as one table."""
    rows = []
    for tool, sub in table.groupby("tool"):
        genes = all_genes("mouse" if "mouse" in str(tool).lower() else "human")
        rna = ad.AnnData(np.zeros((1, len(genes)), np.float32), var=pd.DataFrame(index=genes))
        names = list(dict.fromkeys(sub["name"]))
        prot = ad.AnnData(np.zeros((1, len(names)), np.float32), var=pd.DataFrame(index=pd.Index(names)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            links = mufuse.pp.link_features(mudata.MuData({"rna": rna, "prot": prot}))
        for name, want in zip(sub["name"], sub["role"], strict=True):
            got = links.loc[name]
            rows.append(
                {"name": name, "tool": tool, "want": want, "got": got["role"], "status": got["status"],
                 "source": got["source"]}
            )  # fmt: skip
    out = pd.DataFrame(rows)
    # another measurement of an antigen already matched (one column per antigen) counts as its marker being matched
    matched = (out["got"] == "marker") & ((out["status"] != "excluded") | (out["source"] == SOURCE_MEASUREMENT))
    out["exact"] = out["want"] == out["got"]
    out["never_matched"] = np.where(out["want"] == "marker", matched, ~matched)
    out["linked_wrong"] = (out["want"] != "marker") & (out["status"] == "linked")
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    out = score(read(args[0] if args else ROLES))
    print(
        f"{len(out)} columns of {out['tool'].nunique()} tools: exact role {out['exact'].mean():.1%}, "
        f"matched as they should {out['never_matched'].mean():.1%}, non-markers linked {int(out['linked_wrong'].sum())}"
    )
    pd.set_option("display.width", 200)
    print(out.groupby("want")[["exact", "never_matched"]].mean().round(3).to_string())
    print(out.groupby("tool")[["exact", "never_matched"]].mean().round(3).to_string())
    if "-v" in sys.argv:
        print(out.loc[~out["exact"], ["name", "tool", "want", "got", "status"]].to_string())


if __name__ == "__main__":
    main()
