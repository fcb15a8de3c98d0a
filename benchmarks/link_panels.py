"""How well mufuse.pp.link_features links real panel names (tests/data/panel_names.tsv), and pbmc10k's panel.

Scored as the project's acceptance test: with every approved HGNC symbol present in the RNA, a linkable marker counts
as right when it is linked to a non-empty subset of its genes; a name that must link to nothing counts as wrong when
it is linked at all, or matched without a gene (its role a marker and not excluded: it would enter MaxFuse's active
array).

Two scores:

- **in-sample**: the linker as shipped, on every name;
- **leave-one-source-out**: each source (a study of the AbNames collection, or a repository) is linked without the
  curated rows that only its own names use: a curated fact needed by one source alone counts as written from it.
  What remains (the rules, HGNC, MGI, facts several sources share) must carry the source on its own. Rows that
  restate the CD nomenclature (a CD designation of one gene: CD198 = CCR8) come from the HCDM list, not from a
  panel, and stay.

    python benchmarks/link_panels.py            # prints both scores per assay
    python benchmarks/link_panels.py -v         # and every name linked wrong
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import anndata as ad
import mudata
import numpy as np
import pandas as pd

import mufuse
from mufuse._genes import curated_scope, curated_table, hgnc_index, mgi_index, name_key, read_tsv

ROOT = Path(__file__).resolve().parents[1]
PANELS = ROOT / "tests/data/panel_names.tsv"
PANELS_MOUSE = ROOT / "tests/data/panel_names_mouse.tsv"
PANELS_HELD_OUT = ROOT / "tests/data/panel_names_heldout.tsv"
PANELS_MOUSE_HELD_OUT = ROOT / "tests/data/panel_names_mouse_heldout.tsv"


def source_of(source: str) -> str:
    """The unit left out: a study of HelenLindsay/AbNames ('(Hao_2021, ...') or else the repository."""
    study = re.search(r"\(([^,)]+)", source) if source.startswith("HelenLindsay/AbNames") else None
    return study.group(1) if study else source.split(" ")[0]


def score(
    table: pd.DataFrame,
    *,
    held_out: set[str] | frozenset[str] = frozenset(),
    used: set[str] | None = None,
    species: str = "human",
):
    genes = sorted(set(hgnc_index().approved.values())) if species == "human" else sorted(set(mgi_index().symbols))
    names = list(dict.fromkeys(table.index))
    rna = ad.AnnData(np.zeros((1, len(genes)), np.float32), var=pd.DataFrame(index=genes))
    prot = ad.AnnData(np.zeros((1, len(names)), np.float32), var=pd.DataFrame(index=pd.Index(names)))
    with warnings.catch_warnings(), curated_scope(held_out, used):
        warnings.simplefilter("ignore")
        links = mufuse.pp.link_features(mudata.MuData({"rna": rna, "prot": prot}), species=species)
    out = table.join(links[["status", "role", "genes", "reason", "clean_name"]].rename(columns={"genes": "got"}))
    # a name that must link to nothing is right only when it is also not matched: an isotype control left
    # `not_found` with the role of a marker would enter MaxFuse's active array (issue 28)
    out["matched"] = (out["role"] == "marker") & (out["status"] != "excluded")

    def right(r) -> bool:
        want = {g for g in r.genes.split(";") if g}
        got = {g for g in r.got.split(";") if g}
        if r.get("category") == "nogene":  # a real antigen no RNA gene measures (TER-119, a peptide-MHC): unlinked
            return r.status != "linked"
        if not want:
            return r.status != "linked" and not r.matched
        # a second measurement of an antigen another column carries ("Mean_CD11c" beside "CD11c" when one source's
        # files are scored as one table) is read right when its genes are; the table keeps one column per antigen
        twin = r.status == "excluded" and "another measurement" in str(r.reason)
        return (r.status == "linked" or twin) and bool(got) and got <= want

    out["right"] = out.apply(right, axis=1)

    # right, but only some of the genes of a name the key gives several (a multi-target antibody read as one target,
    # or two antigens of one name read as one); the keys also list alternatives a curated row narrows ("CD8": CD8A)
    def genes(field: str) -> set[str]:
        return {g for g in field.split(";") if g}

    out["partial"] = [
        bool(r.right) and r.status == "linked" and genes(r.got) < genes(r.genes) for r in out.itertuples()
    ]
    return out


def nomenclature() -> set[str]:
    """Curated rows that restate the CD nomenclature (HCDM: CD198 = CCR8): written from the CD list, not a panel."""
    table = curated_table()
    rows = table[table["marker"].str.match(r"^CD\d+[a-z]*$") & table["kind"].isin(["single", "chain"])]
    return {name_key(m) for m in rows["marker"]}


def leave_one_source_out(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """Score each source without the curated rows only it uses; also return those rows per source."""
    units = table["source"].map(source_of) + " (" + table["species"] + ")"
    groups = {unit: sub for unit, sub in table.groupby(units)}
    used: dict[str, set[str]] = {}
    first = {}
    for unit, sub in groups.items():
        used[unit] = set()
        first[unit] = score(sub, used=used[unit], species=sub["species"].iloc[0])
    only: dict[str, set[str]] = {}
    for unit in groups:
        others = set().union(*(u for k, u in used.items() if k != unit))
        only[unit] = used[unit] - others - nomenclature()
    # a source that uses no row of its own scores as it did with every row (most sources): not linked again
    out = pd.concat(
        [
            score(sub, held_out=only[unit], species=sub["species"].iloc[0]) if only[unit] else first[unit]
            for unit, sub in groups.items()
        ]
    )
    return out, only


def report(label: str, out: pd.DataFrame) -> None:
    for (species, file), part in out.groupby(["species", "file"]):
        linkable = part[part.genes != ""]
        nogene = part[part.get("category", pd.Series("", index=part.index)) == "nogene"]
        nothing = part[(part.genes == "") & ~part.index.isin(nogene.index)]
        print(f"{label}, {species}, {file}: linkable {len(linkable)}, right {linkable.right.mean():.1%}; ", end="")
        linked = int((nothing.status == "linked").sum())
        matched = int((nothing.matched & (nothing.status != "linked")).sum())
        print(f"must link to nothing {len(nothing)}, linked anyway {linked}, matched unlinked {matched}", end="")
        n_nogene = int((nogene.status == "linked").sum())
        print(f"; no RNA gene {len(nogene)}, linked anyway {n_nogene}" if len(nogene) else "")
        for assay, sub in linkable.groupby("assay"):
            print(f"  {assay:<11}{len(sub):>6} names, right {sub.right.mean():.1%}")
    for species, part in out.groupby("species"):
        linkable = part[part.genes != ""]
        print(
            f"{label}, {species}, all files: linkable {len(linkable)}, right {linkable.right.mean():.1%}"
            f" (of them linked to some of the key's genes only: {int(linkable.partial.sum())})"
        )


def panels() -> pd.DataFrame:
    """Every answer-key file: panel_names.tsv, panel_names_heldout.tsv (human), panel_names_mouse*.tsv (mouse)."""
    parts = []
    files = ((PANELS, "human"), (PANELS_HELD_OUT, "human"), (PANELS_MOUSE, "mouse"), (PANELS_MOUSE_HELD_OUT, "mouse"))
    for path, species in files:
        t = read_tsv(
            path.read_text(encoding="utf-8").splitlines(keepends=True)
        )  # a "#" inside a name is FlowJo's ("MHCII#PerCp-Cy5-5")
        parts.append(t.assign(species=species, file=path.name).set_index("name"))
    table = pd.concat(parts)
    # an author's short name for another antigen's product ("CD104" for the CD103 antibody): no name rule can know
    return table[table.get("category", pd.Series("", index=table.index)).fillna("") != "mislabel"]


def mislabelled() -> pd.DataFrame:
    """The rows kept for the record and not scored: author short names that name another antigen than their product."""
    t = read_tsv(PANELS_MOUSE_HELD_OUT.read_text(encoding="utf-8").splitlines(keepends=True))
    return t[t["category"] == "mislabel"].set_index("name")


def main() -> None:
    table = panels()
    n_units = table["source"].map(source_of).nunique()
    print(f"{len(table)} real panel names, {n_units} sources")
    out = pd.concat([score(sub, species=sp) for sp, sub in table.groupby("species")])
    report("in-sample", out)
    loso, only = leave_one_source_out(table)
    report("leave-one-source-out", loso)
    odd = mislabelled()
    got = score(odd.assign(genes=odd["genes"]), species="mouse")
    print(
        f"  ({len(odd)} author short names naming another antigen than their product, not scored: "
        f"{int((got.status == 'linked').sum())} linked to the named antigen, {int((got.status != 'linked').sum())} not)"
    )
    print(f"  ({sum(map(len, only.values()))} curated rows are used by one source only)")
    if "-v" in sys.argv:
        pd.set_option("display.width", 200)
        print(out.loc[~out.right, ["genes", "status", "got"]].to_string())
        print("wrong only when left out:")
        lost = loso.loc[~loso.right & loso.index.isin(out.index[out.right])]
        print(lost[["genes", "status", "got", "source"]].to_string())
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
