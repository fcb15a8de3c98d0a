"""Matching at imaging scale: harmonize + match + evaluation, end to end, each run in its own process.

Simulated unpaired data (``mufuse.datasets.simulated``: protein of other cells than the RNA's) at the sizes given:
the MuData is built, then harmonize, ``mufuse.tl.match`` (``--method``: the package's default matcher unless given;
route "auto": the sketch above 20,000 cells) and the evaluation run. Reported: the wall time of each step, the peak
RSS of the process (``ru_maxrss``), the route, the share of protein cells matched and the label agreement of the
pairs (the simulator's cell types). The first run in a fresh environment also pays numba's compilation of mufuse's
kernels (cached afterwards); every MaxFuse run pays its import (~14 s: pynndescent compiles its distances at import).

    python benchmarks/match_scaling.py --sizes 5000:20000 20000:100000 50000:1000000
    python benchmarks/match_scaling.py --method maxfuse --sizes 50000:1000000
    python benchmarks/match_scaling.py --compare 5000:20000 --seeds 3   # direct and sketched route, same data
    python benchmarks/match_scaling.py --real --seeds 5                 # pbmc10k halves, direct and sketched

``--compare`` runs both routes on the same simulated data at several MaxFuse seeds; ``--real`` splits the real
pbmc10k CITE-seq (``../shared/data``) into disjoint halves at each seed (RNA of one half, protein of the other) and
matches them directly and through sketches of 10,000 (every cell: the method without the sampling), 3,400 (all
protein cells, half the RNA cells) and 1,500 protein cells (half as many RNA); the truth is its
``cell_type_derived_coarse`` labels. MaxFuse varies from run to run, so compare means over seeds.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

PBMC = Path(__file__).resolve().parents[2] / "shared" / "data" / "pbmc10k_protein_v3.h5mu"


def _data(spec: dict):
    import mudata
    import numpy as np

    import mufuse

    if spec["data"] == "pbmc":
        pbmc = mudata.read_h5mu(PBMC)
        idx = np.random.default_rng(spec["split"]).permutation(pbmc.n_obs)
        half = pbmc.n_obs // 2
        rna, prot = pbmc["rna"][np.sort(idx[:half])].copy(), pbmc["prot"][np.sort(idx[half:])].copy()
        return mudata.MuData({"rna": rna, "prot": prot}), "cell_type_derived_coarse"
    n_rna, n_prot = spec["rna"], spec["prot"]
    return mufuse.datasets.simulated(n_rna, n_genes=2000, paired=False, n_prot_cells=n_prot, seed=1), "cell_type"


def _child(spec: dict) -> dict:
    import numpy as np

    import mufuse
    from mufuse._compare import label_agreement

    warnings.simplefilter("ignore")
    t = {}
    t0 = time.perf_counter()
    m, key = _data(spec)
    t["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    mufuse.pp.harmonize(m)
    t["harmonize"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    method = spec.get("method") or mufuse.tl._match.DEFAULT_METHOD
    matching = mufuse.tl.match(
        m, method=method, route=spec["route"], seed=spec["seed"], sketch_size=spec["sketch_size"]
    )
    t["match"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    i1 = m["rna"].obs_names.get_indexer(matching["rna"])
    i2 = m["prot"].obs_names.get_indexer(matching["prot"])
    lab1 = m["rna"].obs[key].astype(str).to_numpy()
    lab2 = m["prot"].obs[key].astype(str).to_numpy()
    agreement = label_agreement(lab1, lab2, i1, i2)["value"]
    ev = mufuse.tl.evaluate_matching(m, n_perms=200)
    t["evaluate"] = time.perf_counter() - t0
    route = m.uns["mufuse"]["params"][method]["route"]
    return {
        "method": method,
        **{k: spec[k] for k in ("data", "rna", "prot", "seed") if k in spec},
        "route": route["route"],
        "fitted": [int(route["fitted_rna_cells"]), int(route["fitted_prot_cells"])],
        "seconds": {k: round(v, 1) for k, v in t.items()},
        "total_s": round(sum(v for k, v in t.items() if k != "load"), 1),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
        "prot_matched": round(float(matching["prot"].nunique() / m["prot"].n_obs), 4),
        "label_agreement": round(float(agreement), 4),
        "p_value": float(ev["p_value"]),
        "stages": {str(k): int(v) for k, v in matching["stage"].value_counts().items()},
        "mean_score": round(float(np.mean(matching["score"])), 3),
    }


def _run(spec: dict) -> dict:
    res = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{spec} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _both_routes(specs: list[dict], routes: list[str]) -> None:
    """Each spec by each route (``direct``, ``sketch`` or ``sketch:SIZE``); a summary line per route (mean ± sd)."""
    for route in routes:
        runs = []
        name, _, size = route.partition(":")
        for spec in specs:
            runs.append(_run({**spec, "route": name, **({"sketch_size": int(size)} if size else {})}))
            print(json.dumps(runs[-1]), flush=True)
        acc = [r["label_agreement"] for r in runs]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        secs = [r["seconds"]["match"] for r in runs]
        print(f"# {route}: label agreement {statistics.mean(acc):.4f} ± {sd:.4f}, match {statistics.mean(secs):.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["5000:20000", "20000:100000"], help="RNA:protein cells")
    ap.add_argument("--compare", help="RNA:protein cells: the direct and the sketched route on the same data")
    ap.add_argument("--real", action="store_true", help="pbmc10k halves: the direct and the sketched route")
    ap.add_argument("--seeds", type=int, default=3, help="seeds for --compare (MaxFuse) and --real (splits)")
    ap.add_argument("--sketch-size", type=int, default=10_000, help="protein cells of the sketch (default: 10000)")
    ap.add_argument(
        "--routes",
        nargs="+",
        help="routes for --compare/--real: direct, sketch, sketch:SIZE (default: direct sketch; --real: direct "
        "sketch:10000 sketch:3400 sketch:1500)",
    )
    ap.add_argument("--method", help="the matcher (default: mufuse.tl.match's default)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return
    base = {"data": "sim", "sketch_size": args.sketch_size, "method": args.method}
    if args.real:
        specs = [{**base, "data": "pbmc", "split": s, "seed": s, "sketch_size": 10_000} for s in range(args.seeds)]
        _both_routes(specs, args.routes or ["direct", "sketch:10000", "sketch:3400", "sketch:1500"])
    elif args.compare:
        n_rna, n_prot = map(int, args.compare.split(":"))
        specs = [{**base, "rna": n_rna, "prot": n_prot, "seed": s} for s in range(args.seeds)]
        _both_routes(specs, args.routes or ["direct", "sketch"])
    else:
        for size in args.sizes:
            n_rna, n_prot = map(int, size.split(":"))
            print(json.dumps(_run({**base, "rna": n_rna, "prot": n_prot, "seed": 0, "route": "auto"})), flush=True)


if __name__ == "__main__":
    main()
