"""Redraw the README's pictures from the real pbmc10k data (developer-only; needs ../shared/data and MaxFuse).

python scripts/make_readme_images.py                 # all three (MaxFuse runs: ~2 min)
python scripts/make_readme_images.py --scales-only   # only docs/images/scales_prescaled.png (seconds)
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import mudata
import numpy as np

import mufuse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "pbmc10k_protein_v3.h5mu"
OUT = ROOT / "docs" / "images"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales-only", action="store_true", help="draw only the pl.scales picture")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    full = mudata.read_h5mu(DATA)
    # 1. the research notes' failure: protein min-max "pre-scaled" to [0, 1]
    m = full.copy()
    p = np.asarray(m["prot"].X, dtype=np.float64)
    m["prot"].X = ((p - p.min(0)) / (p.max(0) - p.min(0))).astype(np.float32)
    mufuse.pp.harmonize(m)
    mufuse.pl.scales(m, save=OUT / "scales_prescaled.png")
    if args.scales_only:
        return
    # 2. a matching of disjoint halves (RNA from one half of the cells, protein from the other)
    idx = np.random.default_rng(0).permutation(full.n_obs)
    half = full.n_obs // 2
    m = mudata.MuData(
        {"rna": full["rna"][np.sort(idx[:half])].copy(), "prot": full["prot"][np.sort(idx[half:])].copy()}
    )
    mufuse.pp.harmonize(m)
    mufuse.tl.run_maxfuse(m)
    ev = mufuse.tl.evaluate_matching(m, label_key="cell_type_derived_coarse")
    mufuse.pl.matching(m, label_key="cell_type_derived_coarse", save=OUT / "matching_pbmc_halves.png")
    mufuse.pl.marker_agreement(m, save=OUT / "marker_agreement_pbmc_halves.png")
    print(
        f"label agreement {ev['label_agreement']:.3f}, p = {ev['p_value']:.3g}, within-cluster "
        f"{ev['within_cluster']:.3f}; images in {OUT}"
    )


if __name__ == "__main__":
    main()
