"""Matching at imaging scale: harmonize + run_maxfuse + evaluation on simulated unpaired data, end to end.

Each size runs in its own process: the simulated MuData (``mufuse.datasets.simulated``, unpaired, protein cells of
other cells than the RNA's) is built, then harmonize, run_maxfuse (route "auto": the sketch above 20,000 cells) and
the evaluation run; reported are the wall time of each step, the peak RSS of the process (``ru_maxrss``), the route,
the share of protein cells matched and the label agreement of the pairs (the simulator's cell types).

    python benchmarks/match_scaling.py --sizes 5000:20000 20000:100000 50000:1000000
    python benchmarks/match_scaling.py --compare 5000:20000      # the direct and the sketched route, same data

``--compare`` runs both routes on the same data at several MaxFuse seeds; MaxFuse varies from run to run, so compare
the means.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings


def _child(n_rna: int, n_prot: int, route: str, seed: int) -> dict:
    import numpy as np

    import mufuse
    from mufuse._compare import label_agreement

    warnings.simplefilter("ignore")
    t = {}
    t0 = time.perf_counter()
    m = mufuse.datasets.simulated(n_rna, n_genes=2000, paired=False, n_prot_cells=n_prot, seed=1)
    t["simulate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    mufuse.pp.harmonize(m)
    t["harmonize"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    matching = mufuse.tl.run_maxfuse(m, route=route, seed=seed)
    t["match"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    i1 = m["rna"].obs_names.get_indexer(matching["rna"])
    i2 = m["prot"].obs_names.get_indexer(matching["prot"])
    lab1 = m["rna"].obs["cell_type"].astype(str).to_numpy()
    lab2 = m["prot"].obs["cell_type"].astype(str).to_numpy()
    agreement = label_agreement(lab1, lab2, i1, i2)["value"]
    ev = mufuse.tl.evaluate_matching(m, n_perms=200)
    t["evaluate"] = time.perf_counter() - t0
    return {
        "rna": n_rna,
        "prot": n_prot,
        "route": m.uns["mufuse"]["params"]["maxfuse"]["route"]["route"],
        "seconds": {k: round(v, 1) for k, v in t.items()},
        "total_s": round(sum(v for k, v in t.items() if k != "simulate"), 1),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
        "prot_matched": round(float(matching["prot"].nunique() / m["prot"].n_obs), 4),
        "label_agreement": round(float(agreement), 4),
        "p_value": float(ev["p_value"]),
        "stages": {str(k): int(v) for k, v in matching["stage"].value_counts().items()},
        "mean_score": round(float(np.mean(matching["score"])), 3),
    }


def _run(n_rna: int, n_prot: int, route: str, seed: int) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--child", str(n_rna), str(n_prot), route, str(seed)],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise SystemExit(f"{n_rna}:{n_prot} {route} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["5000:20000", "20000:100000"], help="RNA:protein cells")
    ap.add_argument("--compare", help="RNA:protein cells: the direct and the sketched route on the same data")
    ap.add_argument("--seeds", type=int, default=3, help="MaxFuse seeds for --compare")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        n_rna, n_prot, route, seed = args.child
        print(json.dumps(_child(int(n_rna), int(n_prot), route, int(seed))))
        return
    if args.compare:
        n_rna, n_prot = map(int, args.compare.split(":"))
        for route in ("direct", "sketch"):
            runs = [_run(n_rna, n_prot, route, seed) for seed in range(args.seeds)]
            acc = [r["label_agreement"] for r in runs]
            print(
                json.dumps({"route": route, "label_agreement": acc, "match_s": [r["seconds"]["match"] for r in runs]})
            )
        return
    for size in args.sizes:
        n_rna, n_prot = map(int, size.split(":"))
        print(json.dumps(_run(n_rna, n_prot, "auto", 0)), flush=True)


if __name__ == "__main__":
    main()
