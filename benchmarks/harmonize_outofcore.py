"""Out of core: ``mufuse harmonize IN -o OUT --chunks N`` on synthetic ``.h5mu`` files of growing size.

The data are those of ``harmonize_scaling.py`` (cells × 20,000 genes, ~1,500 nonzeros per cell, CSR float32 with
int32 indices, 50 proteins), written to disk block by block so that even the 1M-cell file (~12 GB) is never in
memory. Each run is the real command line in its own process; reported: wall time (reading, both passes over the
counts, writing the output) and the peak RSS of that process (``ru_maxrss``), next to the bytes of the float32
outputs. ``--verify`` (sizes up to ~200k cells) also harmonizes the file in memory and compares the arrays.

    python benchmarks/harmonize_outofcore.py --dir /tmp/mufuse-bench --cells 10000 100000 1000000 --chunks 50000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harmonize_scaling import N_GENES, N_PROT, N_TOP, gen_blocks, names, proteins


def write_file(path: Path, n_cells: int, seed: int = 0) -> None:
    """Write the synthetic MuData to ``path`` with the RNA counts appended block by block."""
    import anndata as ad
    import h5py
    import mudata
    import pandas as pd
    from anndata.io import sparse_dataset, write_elem

    cells, genes, markers = names(n_cells)
    obs = pd.DataFrame(index=pd.Index(cells))
    tmp = path.with_suffix(".tmp.h5mu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = mudata.MuData(
            {
                "rna": ad.AnnData(obs=obs, var=pd.DataFrame(index=genes)),
                "prot": ad.AnnData(proteins(n_cells, seed), obs=obs.copy(), var=pd.DataFrame(index=markers)),
            }
        )
        m.write_h5mu(tmp)
    t0 = time.perf_counter()
    with h5py.File(tmp, "r+") as fh:
        blocks = gen_blocks(n_cells, seed)
        write_elem(fh["mod/rna"], "X", next(blocks))
        disk = sparse_dataset(fh["mod/rna/X"])
        for i, block in enumerate(blocks, 2):
            disk.append(block)
            if i % 10 == 0:
                print(f"  wrote {min(i * 20_000, n_cells):,} cells ({time.perf_counter() - t0:.0f} s)", flush=True)
    os.replace(tmp, path)


def run_cli(path: Path, out: Path, chunks: int) -> dict:
    """Run ``mufuse harmonize`` in a child process; its wall time and peak RSS."""
    cmd = [sys.executable, "-m", "mufuse.cli", "harmonize", str(path), "-o", str(out), "--chunks", str(chunks)]
    cmd += ["--prot-transform", "zscore", "--n-top-genes", str(N_TOP)]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"mufuse harmonize failed: {res.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far, MB
    return {"seconds": wall, "peak_mb": peak}


def verify(path: Path, out: Path) -> float:
    """Largest absolute difference between the out-of-core arrays and those of the in-memory path."""
    import mudata

    import mufuse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = mudata.read_h5mu(path), mudata.read_h5mu(out)
    mufuse.pp.harmonize(a, n_top_genes=N_TOP, prot_transform="zscore")
    return max(
        float(np.abs(np.asarray(a[m].obsm[k]) - np.asarray(b[m].obsm[k])).max())
        for m in ("rna", "prot")
        for k in ("mufuse_shared", "mufuse_active")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, required=True, help="folder for the generated files (needs ~12 GB per 1M)")
    ap.add_argument("--cells", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--chunks", type=int, default=50_000, help="rows per block")
    ap.add_argument("--verify", action="store_true", help="compare with the in-memory path (small sizes)")
    ap.add_argument("--make-only", action="store_true", help="only write the input files")
    ap.add_argument("--child", nargs=3, metavar=("IN", "OUT", "CHUNKS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.cells:
        path = args.dir / f"synthetic_{n}.h5mu"
        if not path.exists():
            print(f"writing {path} ({n:,} cells × {N_GENES:,} genes, {N_PROT} proteins)", flush=True)
            write_file(path, n)
        if args.make_only:
            continue
        out = args.dir / f"synthetic_{n}.harmonized.h5mu"
        # one process per size: ru_maxrss of RUSAGE_CHILDREN is the largest child, so sizes run in rising order
        r = run_cli(path, out, args.chunks)
        out_mb = n * (2 * N_PROT + N_TOP + N_PROT) * 4 / 2**20
        r.update(cells=n, chunks=args.chunks, output_mb=out_mb, file_gb=path.stat().st_size / 2**30)
        if args.verify:
            r["max_abs_diff_vs_in_memory"] = verify(path, out)
        out.unlink()
        rows.append(r)
        print(json.dumps(r), flush=True)
    if not rows:
        return
    print(f"\n{'cells':>10}{'file GB':>9}{'chunk':>8}{'seconds':>9}{'peak RSS MB':>13}{'outputs MB':>12}")
    for r in rows:
        print(
            f"{r['cells']:>10,}{r['file_gb']:>9.1f}{r['chunks']:>8,}{r['seconds']:>9.1f}{r['peak_mb']:>13.0f}"
            f"{r['output_mb']:>12.0f}"
        )
    if len(rows) >= 2:
        k = np.polyfit(np.log([r["cells"] for r in rows]), np.log([r["seconds"] for r in rows]), 1)[0]
        print(f"time ~ cells^{k:.2f}")


if __name__ == "__main__":
    main()
