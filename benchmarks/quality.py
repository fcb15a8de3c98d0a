"""Matching quality by protein normalization, on every real paired dataset held (issue 19).

Each dataset is split into disjoint halves at several seeds: RNA from one half of the cells, protein from the other
(no cell in both, as with imaging beside scRNA-seq). Every condition hands MaxFuse arrays built from the same shared
features (mufuse's links) and runs it with the same parameters (``mufuse.tl.maxfuse_defaults`` for these sizes, the
split's seed), so only the protein preprocessing differs. Reported: label agreement of the matched pairs, mean and sd
over the splits, per dataset.

Datasets (labels are the datasets' own, made on the RNA):

- ``pbmc10k``: ``../shared/data/pbmc10k_protein_v3.h5mu`` (10x, 17 antibodies; ``cell_type_derived_coarse``);
- ``teaseq``: ``benchmarks/data/teaseq_pbmc.h5mu`` (TEA-seq PBMC, 46 antibodies; ``cell_type``), made by
  ``python scripts/fetch_teaseq.py``;
- ``bmmc``: ``benchmarks/data/bmmc_cite.h5mu`` (bone marrow CITE-seq, 600 cells, 134 antibodies, 41 author labels;
  ``cell_type``), made by ``python scripts/fetch_bmmc_cite.py``;
- ``triana``: ``benchmarks/data/triana_bm.h5mu`` (bone marrow BD Rhapsody AbSeq, Triana et al. 2021: 9,663 cells,
  422 targeted genes, 97 antibodies, 41 author labels; ``cell_type``), made by ``python scripts/fetch_triana.py``.

The whole default path against the whole MaxFuse-tutorial path, with MaxFuse's settings varied too, is
``benchmarks/paths.py``.

MaxFuse's results vary from seed to seed (its batches, clusterings and SVDs start at random; ``run_maxfuse`` seeds
them all, so one seed repeats its result), by as much as 0.1 on one 631-cell split, so each split is matched
``--runs`` times (MaxFuse seeds ``100 * split + run``) and the runs are averaged before the mean and sd over the
splits are taken.

Conditions: mufuse's ``prot_transform`` options one at a time; (a) the MaxFuse tutorial's recipe (per-cell total
normalization, log1p, z-score, both modalities); (b) the research notes' recipe (protein z-scored raw, clip 5);
mufuse's defaults on "pre-scaled" protein (min-max to [0, 1] first); and simulated batches made from the real
protein half (``--batches``): two batches, the second with a quarter of the T cells of the first (75% of its T
cells removed: a 4:1 mix), at half the antibody depth and with a staining factor per marker (log-normal, sd 0.4;
counts redrawn from Poisson(x · 0.5 · factor)), harmonized pooled, with ``batch_key`` (per-batch z-scores) and with
``batch_align``.

    python benchmarks/quality.py --datasets teaseq --seeds 0 1 2 3 4 --runs 3
    python benchmarks/quality.py --datasets pbmc10k --seeds 0 1 2 3 4 --runs 2 --batches
    python benchmarks/quality.py --batches --no-maxfuse      # the batch shift only (seconds)

For the batch conditions it also reports the *batch shift*: the mean over cell types and markers of the distance
between a type's mean in batch 2 and in batch 1 after harmonizing (SD units), which needs no MaxFuse run.
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
from mufuse import _store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from defaults_pbmc10k import _dense, _scanpy_arrays, split  # the recipes (scanpy/sklearn) and the halves

ROOT = Path(__file__).resolve().parents[1]
DATASETS = {
    "pbmc10k": (ROOT.parent / "shared" / "data" / "pbmc10k_protein_v3.h5mu", "cell_type_derived_coarse"),
    "teaseq": (ROOT / "benchmarks" / "data" / "teaseq_pbmc.h5mu", "cell_type"),
    "bmmc": (ROOT / "benchmarks" / "data" / "bmmc_cite.h5mu", "cell_type"),
    "triana": (ROOT / "benchmarks" / "data" / "triana_bm.h5mu", "cell_type"),
}
CONDITIONS: dict[str, dict] = {
    "mufuse defaults (auto)": {},
    "arcsinh (cofactor 5)": {"prot_transform": "arcsinh"},
    "dsb (no empty droplets)": {"prot_transform": "dsb"},
    "clr across cells": {"prot_transform": "clr"},
    "clr within cell": {"prot_transform": "clr", "clr_axis": 1},
    "log1p": {"prot_transform": "log1p"},
    "total_log1p (per-cell depth)": {"prot_transform": "total_log1p"},
    "z-score of counts": {"prot_transform": "zscore"},
    "(a) MaxFuse tutorial": {"recipe": "maxfuse_tutorial"},
    "(b) research notes": {"recipe": "research_notes"},
    "mufuse defaults, pre-scaled [0,1]": {"prescale": True},
    # *linear intensities* (issue 30): counts made continuous (+ U(0, 1), no grid of counts left to recover, as
    # imaging intensities have none), min-max scaled per marker or as they are (x 100, fluorescence-like units);
    # auto (arcsinh with each marker's median as cofactor since issue 30) against the z-score alone (auto before)
    "linear pre-scaled: auto": {"prescale_linear": 0.0},
    "linear pre-scaled: z-score (auto before)": {"prescale_linear": 0.0, "prot_transform": "zscore"},
    "linear raw: auto": {"linear_raw": 100.0},
    "linear raw: z-score (auto before)": {"linear_raw": 100.0, "prot_transform": "zscore"},
    # the same arcsinh applied before mufuse, which then z-scores it (the measurement before the rule existed)
    "linear pre-scaled: arcsinh(x / (median/4)) before mufuse": {"prescale_linear": 0.25, "prot_transform": "zscore"},
    "linear pre-scaled: arcsinh(x / median) before mufuse": {"prescale_linear": 1.0, "prot_transform": "zscore"},
}
BATCH_CONDITIONS: dict[str, dict] = {
    "batches: mufuse defaults, pooled": {"batches": True},
    "batches: mufuse defaults, batch_key": {"batches": True, "batch_key": "batch"},
    "batches: batch_align": {"batches": True, "batch_key": "batch", "batch_align": True},
}
FETCH = {"teaseq": "fetch_teaseq.py", "bmmc": "fetch_bmmc_cite.py"}
T_CELL = ("T", "CD4", "CD8")


def coarse(labels: np.ndarray) -> np.ndarray:
    """Coarse cell types: T cells by CD4/CD8, everything else by its first word.

    "B.Naive" → "B", "Mono.CD14" → "Mono"; pbmc10k's coarse labels stay as they are.
    """
    out = []
    for lab in labels:
        parts = str(lab).replace(" ", ".").split(".")
        out.append(".".join(parts[:2]) if parts[0] == "T" and len(parts) > 1 else parts[0])
    return np.asarray(out)


DEPTH, STAINING_SD, T_CELLS_REMOVED = 0.5, 0.4, 0.75


def simulate_batches(m: mudata.MuData, label: str, seed: int) -> mudata.MuData:
    """Two protein batches of the real half; batch 2: a quarter of the T cells, half the depth, staining per marker."""
    m = m.copy()
    prot = m["prot"]
    rng = np.random.default_rng(seed + 1000)
    second = rng.random(prot.n_obs) < 0.5
    is_t = prot.obs[label].astype(str).str.startswith(T_CELL).to_numpy()
    keep = ~(second & is_t & (rng.random(prot.n_obs) < T_CELLS_REMOVED))
    x = _dense(prot.X)
    staining = rng.lognormal(0.0, STAINING_SD, x.shape[1])
    x[second] = rng.poisson(x[second] * DEPTH * staining)
    prot.X = x.astype(np.float32)
    prot.obs["batch"] = np.where(second, "b2", "b1")
    return mudata.MuData({"rna": m["rna"], "prot": prot[keep].copy()})


def batch_shift(m: mudata.MuData, label: str) -> float:
    """Mean over cell types and markers of |mean in batch 2 - mean in batch 1| of the harmonized protein (in SD).

    The same cell type should sit in the same place in both batches: what is left is the uncorrected batch effect
    (plus sampling noise). Cell types with fewer than 10 cells in a batch are left out. No MaxFuse run is involved.
    """
    a = np.asarray(m["prot"].obsm["mufuse_active"])
    b2 = (m["prot"].obs["batch"] == "b2").to_numpy()
    lab = m["prot"].obs[label].astype(str).to_numpy()
    shifts = [
        np.abs(a[(lab == t) & b2].mean(0) - a[(lab == t) & ~b2].mean(0)).mean()
        for t in np.unique(lab)
        if ((lab == t) & b2).sum() >= 10 and ((lab == t) & ~b2).sum() >= 10
    ]
    return float(np.mean(shifts))


def set_arrays(m: mudata.MuData, arrays) -> None:
    """Put a recipe's (shared RNA, shared protein, active RNA, active protein) arrays where MaxFuse reads them."""
    for (mod, key), arr in zip(
        (("rna", "mufuse_shared"), ("prot", "mufuse_shared"), ("rna", "mufuse_active"), ("prot", "mufuse_active")),
        arrays,
        strict=True,
    ):
        m[mod].obsm[key] = np.ascontiguousarray(arr, dtype=np.float32)
    # harmonize's record of its arrays (the matchers refuse arrays changed since): these are the recipe's arrays now
    _store.update(m, {_store.CELLS: _store.record(m, "rna", "prot", "harmonize")})


def prescaled_linear(counts: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Counts made continuous and min-max scaled per marker; with ``share`` > 0, arcsinh(x / (share * median))."""
    rng = np.random.default_rng(seed)
    p = counts.astype(np.float64) + rng.uniform(0.0, 1.0, counts.shape)
    lo, hi = p.min(0), p.max(0)
    p = (p - lo) / np.where(hi > lo, hi - lo, 1.0)
    if share > 0:
        c = share * np.median(p, axis=0)
        p = np.arcsinh(p / np.where(c > 0, c, 1.0))
    return p.astype(np.float32)


def run(m: mudata.MuData, label: str, kwargs: dict, seed: int, run_seed: int | None = None) -> dict:
    m = m.copy()
    recipe = kwargs.pop("recipe", None)
    batched = kwargs.pop("batches", False)
    if batched:
        m = simulate_batches(m, label, seed)
    linear = kwargs.pop("prescale_linear", None)
    if linear is not None:
        m["prot"].X = prescaled_linear(_dense(m["prot"].X), linear, seed)
    raw = kwargs.pop("linear_raw", None)
    if raw is not None:  # counts made continuous, in other units, not scaled
        p = _dense(m["prot"].X).astype(np.float64)
        m["prot"].X = ((p + np.random.default_rng(seed).uniform(0.0, 1.0, p.shape)) * raw).astype(np.float32)
    if kwargs.pop("prescale", False):
        p = _dense(m["prot"].X)
        lo, hi = p.min(0), p.max(0)
        m["prot"].X = ((p - lo) / np.where(hi > lo, hi - lo, 1)).astype(np.float32)
    t0 = time.perf_counter()
    mufuse.pp.harmonize(m, **kwargs)
    if recipe:
        shared = m.uns["mufuse"]["shared"]
        set_arrays(m, _scanpy_arrays(m, shared, recipe))
    prep = time.perf_counter() - t0
    shift = batch_shift(m, label) if batched else np.nan
    t0 = time.perf_counter()
    matching = mufuse.tl.run_maxfuse(m, seed=seed if run_seed is None else run_seed, route="direct")
    l1 = m["rna"].obs.loc[matching["rna"], label].astype(str).to_numpy()
    l2 = m["prot"].obs.loc[matching["prot"], label].astype(str).to_numpy()
    return {
        "accuracy": float((l1 == l2).mean()),
        "accuracy_coarse": float((coarse(l1) == coarse(l2)).mean()),
        "matched_prot": matching["prot"].nunique() / m["prot"].n_obs,
        "batch_shift": shift,
        "prep_s": prep,
        "maxfuse_s": time.perf_counter() - t0,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--runs", type=int, default=1, help="MaxFuse runs per split, averaged (seeds 100 * split + run)")
    p.add_argument("--batches", action="store_true", help="also the simulated-batch conditions")
    p.add_argument("--only", nargs="*", help="condition names to run")
    p.add_argument("--csv", type=Path, help="write every run's row to this file")
    p.add_argument("--no-maxfuse", action="store_true", help="batch conditions: only the batch shift, no matching")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    if args.no_maxfuse:
        return shifts_only(args.datasets, args.seeds)
    conditions = {**CONDITIONS, **(BATCH_CONDITIONS if args.batches else {})}
    rows = []
    for dataset in args.datasets:
        path, label = DATASETS[dataset]
        if not path.exists():
            raise SystemExit(
                f"{path} is missing" + (f": run python scripts/{FETCH[dataset]}" if dataset in FETCH else "")
            )
        full = mudata.read_h5mu(path)
        for seed in args.seeds:
            half = split(full, seed)
            for name, kw in conditions.items():
                if args.only and name not in args.only:
                    continue
                for r in range(args.runs):
                    res = run(half, label, dict(kw), seed, run_seed=100 * seed + r)
                    row = {"dataset": dataset, "condition": name, "seed": seed, "run": r, **res}
                    rows.append(row)
                    print(
                        f"{dataset:<8} seed {seed} run {r}  {name:<40} accuracy {row['accuracy']:.3f} "
                        f"(coarse {row['accuracy_coarse']:.3f})  "
                        f"matched {row['matched_prot']:.3f}  maxfuse {row['maxfuse_s']:.0f}s",
                        flush=True,
                    )
                    if args.csv:
                        pd.DataFrame(rows).to_csv(args.csv, index=False)
    print()
    print(f"label agreement of matched pairs, disjoint halves, seeds {args.seeds}, {args.runs} MaxFuse run(s) each")
    print(summarize(pd.DataFrame(rows)).to_string())


def shifts_only(datasets: list[str], seeds: list[int]) -> None:
    """The batch shift of each batch condition (harmonize only, no MaxFuse): deterministic, seconds per split."""
    rows = []
    for dataset in datasets:
        path, label = DATASETS[dataset]
        full = mudata.read_h5mu(path)
        for seed in seeds:
            sim = simulate_batches(split(full, seed), label, seed)
            for name, kw in BATCH_CONDITIONS.items():
                m = sim.copy()
                mufuse.pp.harmonize(m, **{k: v for k, v in kw.items() if k != "batches"})
                rows.append({"dataset": dataset, "condition": name, "seed": seed, "batch_shift": batch_shift(m, label)})
    table = pd.DataFrame(rows).groupby(["dataset", "condition"], sort=False)["batch_shift"].agg(["mean", "std"])
    print("within-type shift between the simulated batches (SD units; lower is better), seeds", seeds)
    print(table.round(3).to_string())


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean and sd over the splits of each split's mean over its MaxFuse runs, per dataset and condition."""
    per_split = rows.groupby(["dataset", "condition", "seed"], sort=False)[["accuracy", "accuracy_coarse"]].mean()
    return per_split.groupby(["dataset", "condition"], sort=False).agg(["mean", "std"]).round(3)


if __name__ == "__main__":
    main()
