"""Which preprocessing matches best? pbmc10k split into disjoint halves, MaxFuse held fixed.

RNA comes from one half of the cells, protein from the other (so no cell is in both, as with imaging beside
scRNA-seq); the SingleR labels in ``obs`` give the truth. Every variant hands MaxFuse arrays built from the same
shared features (mufuse's links) and runs it with the same parameters (``mufuse.tl.maxfuse_defaults`` for these sizes,
same seed). Reported: label agreement of matched pairs (coarse labels), the share of protein cells matched, time.

Variants: mufuse's choices one at a time (library size, protein transform, multi-gene rule, clip, number of HVGs);
(a) the MaxFuse tutorial's preprocessing (library size from the shared genes, log1p, z-score, both modalities);
(b) the research notes' recipe (RNA normalize_total → log1p → scale(max 5), protein z-score of the raw counts,
clip ±5); and mufuse's defaults on protein "pre-scaled" to [0, 1] first.

    python benchmarks/defaults_pbmc10k.py                  # all variants, split seed 0 (~10 min on 2 cores)
    python benchmarks/defaults_pbmc10k.py --seeds 0 1 2    # more splits
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import scanpy as sc
from scipy import sparse
from sklearn.preprocessing import StandardScaler

import mufuse

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pbmc10k_protein_v3.h5mu"
LABEL = "cell_type_derived_coarse"


def split(mdata, seed: int):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(mdata.n_obs)
    half = mdata.n_obs // 2
    a, b = np.sort(idx[:half]), np.sort(idx[half:])
    return mudata.MuData({"rna": mdata["rna"][a].copy(), "prot": mdata["prot"][b].copy()})


def _dense(x):
    return np.asarray(x.toarray() if sparse.issparse(x) else x, dtype=np.float64)


def _scanpy_arrays(m, shared: pd.DataFrame, recipe: str):
    """Shared and active arrays built with scanpy/sklearn as the recipe says (not with mufuse)."""
    rna = m["rna"]
    x = rna.X
    names = list(rna.var_names)
    cols = np.stack([_dense(x[:, [names.index(g) for g in gs.split(";")]]).sum(axis=1) for gs in shared["genes"]], 1)
    rs = ad.AnnData(cols)
    full = ad.AnnData(x.copy(), var=pd.DataFrame(index=rna.var_names))
    sc.pp.normalize_total(full, target_sum=1e4)
    sc.pp.log1p(full)
    sc.pp.highly_variable_genes(full, n_top_genes=2000, flavor="seurat")
    act = full[:, full.var["highly_variable"]].copy()
    p = _dense(m["prot"].X)
    pcols = m["prot"].var_names.get_indexer(shared["prot"])
    usable = [i for i, n in enumerate(m["prot"].var_names) if "control" not in n]
    if recipe == "maxfuse_tutorial":  # library size from the shared genes, log1p, z-score; protein the same
        sc.pp.normalize_total(rs)
        sc.pp.log1p(rs)
        sc.pp.scale(rs)
        sc.pp.scale(act)
        ps = ad.AnnData(p[:, pcols])
        sc.pp.normalize_total(ps)
        sc.pp.log1p(ps)
        sc.pp.scale(ps)
        pa = ad.AnnData(p[:, usable])
        sc.pp.normalize_total(pa)
        sc.pp.log1p(pa)
        sc.pp.scale(pa)
        return rs.X, ps.X, _dense(act.X), pa.X
    # research notes: RNA normalize_total(1e4, all genes) -> log1p -> scale(max 5); protein z-score raw, clip 5
    lib = _dense(x.sum(axis=1)).ravel()
    rs = ad.AnnData(cols / lib[:, None] * 1e4)
    sc.pp.log1p(rs)
    sc.pp.scale(rs, max_value=5)
    sc.pp.scale(act, max_value=5)
    ps = np.clip(StandardScaler().fit_transform(p[:, pcols]), -5, 5)
    pa = np.clip(StandardScaler().fit_transform(p[:, usable]), -5, 5)
    return rs.X, ps, _dense(act.X), pa


def run_variant(m, name: str, kwargs: dict, seed: int) -> dict:
    m = m.copy()
    link_kw = {k: kwargs.pop(k) for k in ("multi_gene",) if k in kwargs}
    if link_kw:
        mufuse.pp.link_features(m, **link_kw)
    recipe = kwargs.pop("recipe", None)
    if kwargs.pop("prescale", False):
        p = _dense(m["prot"].X)
        m["prot"].X = ((p - p.min(0)) / np.where(p.max(0) > p.min(0), p.max(0) - p.min(0), 1)).astype(np.float32)
    t0 = time.perf_counter()
    mufuse.pp.harmonize(m, **kwargs)
    if recipe:
        shared = m.uns["mufuse"]["shared"]
        r_sh, p_sh, r_act, p_act = _scanpy_arrays(m, shared, recipe)
        for mod, key, arr in (
            ("rna", "mufuse_shared", r_sh),
            ("prot", "mufuse_shared", p_sh),
            ("rna", "mufuse_active", r_act),
            ("prot", "mufuse_active", p_act),
        ):
            m[mod].obsm[key] = np.ascontiguousarray(arr, dtype=np.float32)
    t_prep = time.perf_counter() - t0
    t0 = time.perf_counter()
    matching = mufuse.tl.run_maxfuse(m, seed=seed)
    t_mf = time.perf_counter() - t0
    l1 = m["rna"].obs.loc[matching["rna"], LABEL].to_numpy()
    l2 = m["prot"].obs.loc[matching["prot"], LABEL].to_numpy()
    return {
        "variant": name,
        "accuracy": float((l1 == l2).mean()),
        "matched_prot": matching["prot"].nunique() / m["prot"].n_obs,
        "n_shared": m["rna"].obsm["mufuse_shared"].shape[1],
        "prep_s": t_prep,
        "maxfuse_s": t_mf,
    }


VARIANTS = {
    "mufuse defaults": {},
    "library_size=shared": {"library_size": "shared"},
    "prot_transform=clr": {"prot_transform": "clr"},
    "prot_transform=log1p": {"prot_transform": "log1p"},
    "prot_transform=arcsinh": {"prot_transform": "arcsinh"},
    "multi_gene=first": {"multi_gene": "first"},
    "clip=3": {"clip": 3.0},
    "clip=10": {"clip": 10.0},
    "n_top_genes=1000": {"n_top_genes": 1000},
    "n_top_genes=3000": {"n_top_genes": 3000},
    "(a) MaxFuse tutorial": {"recipe": "maxfuse_tutorial"},
    "(b) research notes": {"recipe": "research_notes"},
    "mufuse defaults, protein pre-scaled [0,1]": {"prescale": True},
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--only", nargs="*", help="variant names to run")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    full = mudata.read_h5mu(DATA)
    rows = []
    for seed in args.seeds:
        m = split(full, seed)
        for name, kw in VARIANTS.items():
            if args.only and name not in args.only:
                continue
            row = run_variant(m, name, dict(kw), seed)
            row["seed"] = seed
            rows.append(row)
            print(
                f"seed {seed}  {name:<44} accuracy {row['accuracy']:.3f}  matched {row['matched_prot']:.3f}  "
                f"prep {row['prep_s']:.1f}s  maxfuse {row['maxfuse_s']:.1f}s",
                flush=True,
            )
    table = (
        pd.DataFrame(rows)
        .groupby("variant", sort=False)
        .agg(
            accuracy=("accuracy", "mean"),
            accuracy_sd=("accuracy", "std"),
            matched_prot=("matched_prot", "mean"),
            n_shared=("n_shared", "first"),
            prep_s=("prep_s", "mean"),
            maxfuse_s=("maxfuse_s", "mean"),
        )
    )
    print()
    print(
        f"pbmc10k_protein_v3 split into disjoint halves (RNA 3410 cells, protein 3411 cells), seeds {args.seeds}; "
        f"label agreement of matched pairs ({LABEL})"
    )
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
