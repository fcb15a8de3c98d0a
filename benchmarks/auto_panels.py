"""Where `prot_transform="auto"` should switch: arcsinh against total_log1p on real panels cut to many sizes (issue 27).

``auto`` takes ``total_log1p`` (a per-cell depth correction) for raw antibody counts whose cells' totals are made of
many markers (median effective number of markers per cell >= ``MIN_EFFECTIVE_MARKERS``) and ``arcsinh`` below. The
real datasets held lie at 3.9 (pbmc10k), 11.3 (TEA-seq) and 35.7 (BMMC) effective markers: none near the cut. Here
each real panel is cut to random subsets of its antibodies (the cells and their counts untouched), which moves the
effective number of markers across the cut, and both transforms run the default path on the same disjoint halves.
Reported: the paired difference (total_log1p minus arcsinh, label agreement) by band of effective markers, with its
95% t-interval over panel draws.

    python benchmarks/auto_panels.py --datasets teaseq bmmc --draws 12 --csv auto_panels.csv
    python benchmarks/auto_panels.py --table auto_panels.csv
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import mudata
import numpy as np
import pandas as pd

import mufuse
from mufuse.pp._normalize import MIN_EFFECTIVE_MARKERS, effective_markers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import interval, split
from quality import DATASETS

TRANSFORMS = ("arcsinh", "total_log1p")
BANDS = (0, 4, 6, 8, 10, 14, np.inf)  # effective markers
LINKED = 5  # antibodies linked to a gene kept in every subset


def agreement(m: mudata.MuData, label: str) -> float:
    prot = m["prot"]
    partner = prot.obs["mufuse_match"].astype(str)
    lab_r = m["rna"].obs[label].astype(str).reindex(partner).to_numpy()
    return float((prot.obs[label].astype(str).to_numpy() == lab_r).mean())


def draws(full: mudata.MuData, n: int, seed: int) -> list[np.ndarray]:
    """``n`` random antibody subsets, their sizes spread from 8 antibodies to the whole panel (log-uniform).

    Each subset keeps :data:`LINKED` antibodies that link to a gene of the RNA (drawn at random), so that MaxFuse has
    shared features whatever else is drawn (bone marrow's 134 antibodies hold only 9 such).
    """
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        links = mufuse.pp.link_features(full)
    linked = np.flatnonzero(full["prot"].var_names.isin(links.index[links["status"] == "linked"]))
    n_var = full["prot"].n_vars
    sizes = np.unique(np.round(np.geomspace(8, n_var, n)).astype(int))
    out = []
    for k in rng.choice(sizes, size=n):
        keep = rng.choice(linked, size=min(LINKED, len(linked)), replace=False)
        rest = rng.choice(np.setdiff1d(np.arange(n_var), keep), size=max(0, k - len(keep)), replace=False)
        out.append(np.sort(np.concatenate([keep, rest])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", nargs="+", default=["teaseq", "bmmc"], choices=sorted(DATASETS))
    ap.add_argument("--draws", type=int, default=12, help="antibody subsets per dataset")
    ap.add_argument("--cells", type=int, default=300, help="cells a side (disjoint halves)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the subsets; split d of draw d is seed + d")
    ap.add_argument("--csv", type=Path)
    ap.add_argument("--table", type=Path, nargs="+", help="print the table of earlier --csv files and stop")
    args = ap.parse_args()
    if args.table:
        print(table(pd.concat([pd.read_csv(p) for p in args.table], ignore_index=True)))
        return
    warnings.filterwarnings("ignore")
    rows = []
    for name in args.datasets:
        path, label = DATASETS[name]
        full = mudata.read_h5mu(path)
        for d, keep in enumerate(draws(full, args.draws, seed=args.seed), start=args.seed):
            sub = mudata.MuData({"rna": full["rna"], "prot": full["prot"][:, keep].copy()})
            eff = effective_markers(
                np.asarray(sub["prot"].X.todense() if hasattr(sub["prot"].X, "todense") else sub["prot"].X)
            )
            half = split(sub, d, args.cells)
            row = {"dataset": name, "draw": d, "antibodies": len(keep), "effective": eff}
            for transform in TRANSFORMS:
                m = half.copy()
                t0 = time.perf_counter()
                try:
                    mufuse.pp.harmonize(m, prot_transform=transform)
                    mufuse.tl.run_maxfuse(m, seed=d, confidence=False)
                    row[transform] = agreement(m, label)
                except mufuse.MufuseError as err:  # a subset without enough shared features
                    row[transform] = np.nan
                    row["error"] = str(err)[:120]
                row[f"{transform}_s"] = time.perf_counter() - t0
            rows.append(row)
            print(row, flush=True)
            if args.csv:
                pd.DataFrame(rows).to_csv(args.csv, index=False)
    print(table(pd.DataFrame(rows)))


def table(rows: pd.DataFrame) -> str:
    rows = rows.dropna(subset=list(TRANSFORMS))
    rows = rows.assign(diff=rows["total_log1p"] - rows["arcsinh"], band=pd.cut(rows["effective"], BANDS, right=False))
    out = [
        f"| effective markers (cut at {MIN_EFFECTIVE_MARKERS:g}) | draws | arcsinh | total_log1p "
        "| total_log1p − arcsinh (95% CI) |",
        "|---|---|---|---|---|",
    ]
    for band, g in rows.groupby("band", observed=True):
        mean, lo, hi = interval(g["diff"].to_numpy())
        out.append(
            f"| {band} | {len(g)} | {g['arcsinh'].mean():.3f} | {g['total_log1p'].mean():.3f} | "
            f"{mean:+.3f} [{lo:+.3f}, {hi:+.3f}] |"
        )
    return "\n".join(out)


if __name__ == "__main__":
    main()
