"""harmonize vs the scanpy recipe at growing sizes: synthetic cells × 20,000 genes, ~1,500 nnz per cell, 50 proteins.

Each (method, size) runs in its own process. The data are generated (or loaded) first; then the peak RSS is reset
(Linux ``/proc/self/clear_refs``) and the method runs once. Reported: wall time, extra peak RSS (peak minus RSS
before the call), the bytes of the float32 shared + active arrays the method must produce, and the ratios.

The scanpy recipe builds the same outputs the way people do it today: normalize_total, log1p,
highly_variable_genes (seurat), scale of the shared and HVG columns, and sklearn's StandardScaler on the protein.

    python benchmarks/harmonize_scaling.py --cells 10000 100000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np

N_GENES = 20_000
NNZ_PER_CELL = 1_500
DRAWS_PER_CELL = 1_900  # gene draws per cell; duplicates merge, leaving ~1,500 distinct nonzeros per cell
N_PROT = 50
N_TOP = 2_000


def _status(key: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def gen_blocks(n_cells: int, seed: int = 0, chunk: int = 20_000):
    """Yield CSR float32 blocks of ``chunk`` cells: geometric counts, ~NNZ_PER_CELL nonzeros per cell, skewed genes."""
    from scipy import sparse

    rng = np.random.default_rng(seed)
    p = rng.lognormal(0, 1.5, N_GENES)
    p /= p.sum()
    for start in range(0, n_cells, chunk):
        n = min(chunk, n_cells - start)
        nnz = rng.poisson(DRAWS_PER_CELL, n)
        indptr = np.concatenate([[0], np.cumsum(nnz)])
        cols = rng.choice(N_GENES, size=int(indptr[-1]), p=p).astype(np.int32)
        vals = rng.geometric(0.5, size=int(indptr[-1])).astype(np.float32)
        m = sparse.csr_matrix((vals, cols, indptr), shape=(n, N_GENES))
        m.sum_duplicates()
        yield m


def names(n_cells: int) -> tuple[list[str], list[str], list[str]]:
    """Cell names, gene names (the first N_PROT genes carry the markers' names, so every marker links), markers."""
    genes = [f"G{i:05d}" for i in range(N_GENES)]
    markers = [f"M{i:02d}" for i in range(N_PROT)]
    genes[:N_PROT] = markers
    return [f"c{i}" for i in range(n_cells)], genes, markers


def proteins(n_cells: int, seed: int = 0) -> np.ndarray:
    """Poisson protein counts, cells × N_PROT (float32)."""
    return np.random.default_rng(seed + 1).poisson(50, (n_cells, N_PROT)).astype(np.float32)


def make_data(n_cells: int, seed: int = 0):
    """The synthetic MuData in memory (see :func:`gen_blocks`)."""
    import anndata as ad
    import mudata
    import pandas as pd
    from scipy import sparse

    x = sparse.vstack(list(gen_blocks(n_cells, seed)), format="csr")
    cells, genes, markers = names(n_cells)
    obs = pd.DataFrame(index=pd.Index(cells))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.MuData(
            {
                "rna": ad.AnnData(x, obs=obs, var=pd.DataFrame(index=genes)),
                "prot": ad.AnnData(proteins(n_cells, seed), obs=obs.copy(), var=pd.DataFrame(index=markers)),
            }
        )


def run_mufuse(m) -> int:
    import mufuse

    mufuse.pp.harmonize(m, n_top_genes=N_TOP, prot_transform="zscore")
    return sum(m[k].obsm[o].nbytes for k in ("rna", "prot") for o in ("mufuse_shared", "mufuse_active"))


def run_scanpy(m) -> int:
    import scanpy as sc
    from sklearn.preprocessing import StandardScaler

    rna = m["rna"].copy()
    sc.pp.normalize_total(rna, target_sum=1e4)
    sc.pp.log1p(rna)
    sc.pp.highly_variable_genes(rna, n_top_genes=N_TOP, flavor="seurat")
    shared = rna[:, :N_PROT].copy()
    sc.pp.scale(shared, max_value=5)
    act = rna[:, rna.var["highly_variable"].to_numpy()].copy()
    sc.pp.scale(act, max_value=5)
    p = np.clip(StandardScaler().fit_transform(m["prot"].X), -5, 5).astype(np.float32)
    return int(shared.X.nbytes + act.X.nbytes + 2 * p.nbytes)


def child(method: str, n_cells: int) -> dict:
    if method == "mufuse":  # compile/load the numba kernels outside the measurement
        run_mufuse(make_data(2000, seed=1))
    m = make_data(n_cells)
    _reset_peak()
    base = _status("VmRSS:")
    t0 = time.perf_counter()
    out_bytes = (run_mufuse if method == "mufuse" else run_scanpy)(m)
    wall = time.perf_counter() - t0
    return {
        "method": method,
        "cells": n_cells,
        "seconds": wall,
        "extra_peak_mb": _status("VmHWM:") - base,
        "output_mb": out_bytes / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "CELLS"))
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    rows = []
    for n in args.cells:
        for method in ("mufuse", "scanpy"):
            res = subprocess.run([sys.executable, __file__, "--child", method, str(n)], capture_output=True, text=True)
            if res.returncode != 0:
                print(f"{method} at {n} cells failed: {res.stderr.strip().splitlines()[-1:]}", flush=True)
                continue
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(
                f"{method:<7}{n:>9} cells  {r['seconds']:8.2f} s  extra peak {r['extra_peak_mb']:8.0f} MB  "
                f"(outputs {r['output_mb']:.0f} MB)",
                flush=True,
            )
    print()
    # "req" = bytes of the float32 shared + active arrays both methods must produce (mufuse's outputs, same shapes)
    print(
        f"{'cells':>9}{'mufuse s':>10}{'scanpy s':>10}{'time ratio':>12}{'required MB':>13}{'mufuse peak/req':>17}"
        f"{'scanpy peak/req':>17}"
    )
    by = {(r["method"], r["cells"]): r for r in rows}
    for n in args.cells:
        if ("mufuse", n) in by and ("scanpy", n) in by:
            a, b = by[("mufuse", n)], by[("scanpy", n)]
            print(
                f"{n:>9}{a['seconds']:>10.2f}{b['seconds']:>10.2f}{a['seconds'] / b['seconds']:>12.2f}"
                f"{a['output_mb']:>13.0f}"
                f"{a['extra_peak_mb'] / a['output_mb']:>17.2f}{b['extra_peak_mb'] / a['output_mb']:>17.2f}"
            )
    mu = [(r["cells"], r["seconds"]) for r in rows if r["method"] == "mufuse"]
    if len(mu) >= 2:
        slope = np.polyfit(np.log([c for c, _ in mu]), np.log([s for _, s in mu]), 1)[0]
        print(f"mufuse scaling exponent (time ~ cells^k): k = {slope:.2f}")


if __name__ == "__main__":
    main()
