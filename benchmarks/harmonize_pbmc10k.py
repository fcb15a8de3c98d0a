"""Time mufuse.pp.harmonize against the research notes' scanpy recipe on the real pbmc10k CITE-seq data.

Each method runs in its own process (``python benchmarks/harmonize_pbmc10k.py --method mufuse``), after the data is
loaded and once warmed up (numba compilation is cached on disk). Each repeat gets a fresh copy of the MuData; the
peak RSS is reset after that copy, so "extra peak" is what the method itself allocates (its outputs included).

    python benchmarks/harmonize_pbmc10k.py            # runs both methods, prints a table
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pbmc10k_protein_v3.h5mu"


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM (the peak RSS) of this process
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_mufuse(mdata):
    import mufuse

    mufuse.pp.harmonize(mdata)
    return mdata["rna"].obsm["mufuse_shared"].shape


def run_scanpy(mdata):
    """The research notes' recipe on the same shared features (and HVGs for the active array)."""
    import numpy as np
    import scanpy as sc
    from sklearn.preprocessing import StandardScaler

    import mufuse

    links = mufuse.pp.link_features(mdata)
    shared = mufuse.pp._links.shared_features(links, "sum")
    rna = mdata["rna"].copy()
    sc.pp.normalize_total(rna, target_sum=1e4)
    sc.pp.log1p(rna)
    sc.pp.highly_variable_genes(rna, n_top_genes=2000, flavor="seurat")
    genes = sorted({g for gs in shared["genes"] for g in gs.split(";")})
    sub = rna[:, genes].copy()
    sc.pp.scale(sub, max_value=5)
    act = rna[:, rna.var["highly_variable"]].copy()
    sc.pp.scale(act, max_value=5)
    prot = mdata["prot"].X
    prot_z = np.clip(StandardScaler().fit_transform(np.asarray(prot)), -5, 5)
    return sub.shape, act.shape, prot_z.shape


def child(method: str, repeats: int) -> dict:
    import mudata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mdata = mudata.read_h5mu(DATA)
        fn = run_mufuse if method == "mufuse" else run_scanpy
        fn(mdata.copy())  # warm-up (numba JIT / imports)
        times, peaks = [], []
        for _ in range(repeats):
            m = mdata.copy()
            _reset_peak()
            base = _rss_mb()
            t0 = time.perf_counter()
            fn(m)
            times.append(time.perf_counter() - t0)
            peaks.append(_peak_mb() - base)
            del m
        peak = max(peaks)
    return {"method": method, "best_s": min(times), "median_s": sorted(times)[len(times) // 2], "extra_peak_mb": peak}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--method", choices=["mufuse", "scanpy"])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    if args.method:
        print(json.dumps(child(args.method, args.repeats)))
        return
    rows = []
    for method in ("mufuse", "scanpy"):
        out = subprocess.run(
            [sys.executable, __file__, "--method", method, "--repeats", str(args.repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"pbmc10k_protein_v3: 6821 cells × 4000 genes + 17 antibodies; best of {args.repeats}")
    print(f"{'method':<8}{'best s':>10}{'median s':>10}{'extra peak MB':>15}")
    for r in rows:
        print(f"{r['method']:<8}{r['best_s']:>10.3f}{r['median_s']:>10.3f}{r['extra_peak_mb']:>15.1f}")
    m, s = rows
    print(
        f"ratio mufuse/scanpy: time {m['best_s'] / s['best_s']:.2f}x, extra peak memory "
        f"{m['extra_peak_mb'] / max(s['extra_peak_mb'], 1e-9):.2f}x"
    )


if __name__ == "__main__":
    main()
