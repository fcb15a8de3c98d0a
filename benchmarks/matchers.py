"""The matchers side by side on every real paired dataset held: label agreement, paired differences, time (issue 32).

Each dataset is split into disjoint halves at several seeds (RNA of one half of the cells, protein of the other, as
with imaging beside scRNA-seq; ``paths.split``). Each split is harmonized once, exactly as a user's default path
(``mufuse.pp.harmonize(m)``), and every registered matcher runs on that same MuData through
``mufuse.tl.match(m, method=...)`` with its defaults, ``--runs`` times (seeds ``100 * split + run``). Nothing is
frozen: whatever the package's defaults are when the benchmark runs.

Measured per run, at 100% coverage (every protein cell with signal gets a partner, whatever the matcher):

- ``accuracy``: label agreement of every protein cell's best pair;
- ``auc_confidence``: how well the stored pair ``confidence`` ranks right pairs above wrong ones (ROC AUC; 0.5 = no
  ranking), and ``top_0.5``: the agreement of the most confident half;
- ``seconds``: the wall time of ``mufuse.tl.match`` (confidence included; MaxFuse's first call in a process also
  compiles its numba code, ~40-60 s, which the first split pays: its median is reported).

Between the matchers, per protein cell: whether the two partners carry the same label of the RNA side (``agree``),
and the label agreement of the cells where they agree and where they do not; label-free, the share of the RNA's own
clusters that put the two partners together; and how well each agreement, the confidence and both together rank a
matcher's right pairs first (ROC AUC) — the evidence for or against trusting pairs the two matchers agree on.

Paired differences (a matcher minus ``maxfuse``) are averaged over a split's runs and reported with the 95%
t-interval over splits.

    python benchmarks/matchers.py --datasets teaseq bmmc --seeds 0 1 2 3 4 5 6 7 --csv runs_matchers.csv
    python benchmarks/matchers.py --datasets pbmc10k --seeds 0 1 2 3 4 5 6 7 --csv runs_pbmc10k.csv
    python benchmarks/matchers.py --table runs_matchers.csv runs_pbmc10k.csv
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
from mufuse.tl._confidence import own_clusters

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import auc, interval, split, split_arguments, tables_only
from quality import DATASETS


def _labels(m: mudata.MuData, name: str, key: str) -> np.ndarray:
    return m[name].obs[key].astype(str).to_numpy()


def run_split(
    full: mudata.MuData, label: str, dataset: str, split_seed: int, methods: list[str], runs: int, cells: int | None
) -> list:
    """Every method's runs on one split; a row per run, and per protein cell each method's partner label."""
    half = split(full, split_seed, cells)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(half)
    rna_lab, prot_lab = _labels(half, "rna", label), _labels(half, "prot", label)
    rows, partners = [], {}
    for method in methods:
        for r in range(runs):
            m = half.copy()
            seed = 100 * split_seed + r
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mufuse.tl.match(m, method=method, seed=seed)
            seconds = time.perf_counter() - t0
            obs = m["prot"].obs
            has = obs["mufuse_match"].notna().to_numpy()
            pos = m["rna"].obs_names.get_indexer(obs["mufuse_match"].astype(object)[has].astype(str))
            right = rna_lab[pos] == prot_lab[has]
            conf = obs["mufuse_confidence"].to_numpy(float)[has]
            top = np.argsort(-conf, kind="stable")[: len(conf) // 2]
            partner = np.full(len(prot_lab), -1, dtype=np.int64)  # each protein cell's RNA partner (row), -1: none
            partner[has] = pos
            partners[(method, r)] = (partner, np.where(has, obs["mufuse_confidence"].to_numpy(float), np.nan))
            rows.append(
                dict(
                    dataset=dataset,
                    split=split_seed,
                    run=r,
                    method=method,
                    cells=f"{half['rna'].n_obs}x{half['prot'].n_obs}",
                    coverage=float(has.mean()),
                    accuracy=float(right.mean()),
                    top_half=float(right[top].mean()),
                    auc_confidence=auc(right, conf),
                    seconds=seconds,
                )
            )
            print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in rows[-1].items()))
    if len(methods) == 2:
        clusters = own_clusters(np.asarray(half["rna"].obsm["mufuse_active"]), split_seed)
        rows += [
            {**row, "cells": rows[0]["cells"]}
            for row in _agreement(partners, methods, runs, (rna_lab, prot_lab, clusters), dataset, split_seed)
        ]
    return rows


def _agreement(partners: dict, methods: list[str], runs: int, truth: tuple, dataset: str, split_seed: int):
    """Per run pair: do the two matchers' partners agree, and does that rank each matcher's right pairs first?

    Two agreements per protein cell: the partners carry one RNA label (``same_label``: needs the RNA side's labels),
    and, label-free, the share of the RNA's own Leiden clusters (the confidence's, at its three resolutions) that put
    the two partners together (``clusters``). For each matcher: its label agreement where the labels agree and where
    they do not, and the ROC AUC with which each agreement, the matcher's own ``confidence`` and confidence + the
    label-free agreement rank its right pairs above its wrong ones.
    """
    rna_lab, prot_lab, clusters = truth
    out = []
    for r in range(runs):
        (a, conf_a), (b, conf_b) = partners[(methods[0], r)], partners[(methods[1], r)]
        both = (a >= 0) & (b >= 0)
        same = both & (rna_lab[a] == rna_lab[b])
        shared = np.where(both, (clusters[a] == clusters[b]).mean(axis=1), 0.0)
        row = dict(dataset=dataset, split=split_seed, run=r, method="agreement", coverage=float(same.mean()))
        for name, p, conf in ((methods[0], a, conf_a), (methods[1], b, conf_b)):
            right = (p >= 0) & (rna_lab[p] == prot_lab)
            row[f"{name}_where_agree"] = float(right[same].mean()) if same.any() else np.nan
            row[f"{name}_where_not"] = float(right[~same].mean()) if (~same).any() else np.nan
            for what, score in (
                ("same_label", same.astype(float)),
                ("clusters", shared),
                ("confidence", np.nan_to_num(conf)),
                ("confidence+clusters", np.nan_to_num(conf) + shared),
            ):
                row[f"{name}_auc_{what}"] = auc(right, score)
        out.append(row)
    return out


def tables(rows: pd.DataFrame) -> str:
    """Markdown tables: each matcher's agreement, its difference to MaxFuse with the 95% interval, times, AUCs."""
    res = rows[rows["method"] != "agreement"]
    res = res.assign(dataset=res["dataset"] + " " + res["cells"].astype(str))
    per = res.groupby(["dataset", "method", "split"])[["accuracy", "top_half", "auc_confidence", "seconds"]].mean()
    lines = ["| dataset, cells | method | label agreement | difference to maxfuse [95% CI] | top half | AUC | s |"]
    lines.append("|---|---|---|---|---|---|---|")
    for (dataset, method), g in per.groupby(level=[0, 1]):
        g = g.droplevel([0, 1])
        diff = ""
        if method != "maxfuse" and (dataset, "maxfuse") in per.index.droplevel(2):
            mf = per.loc[(dataset, "maxfuse")]["accuracy"]
            d, lo, hi = interval((g["accuracy"] - mf).dropna().to_numpy())
            diff = f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
        lines.append(
            f"| {dataset} | {method} | {g['accuracy'].mean():.3f} ± {g['accuracy'].std():.3f} | {diff} | "
            f"{g['top_half'].mean():.3f} | {g['auc_confidence'].mean():.2f} | {g['seconds'].median():.1f} |"
        )
    agree = rows[rows["method"] == "agreement"]
    if len(agree):
        cols = [c for c in agree.columns if c.endswith(("_where_agree", "_where_not")) or "_auc_" in c]
        lines += [
            "",
            "| dataset, cells | share of cells where both agree | " + " | ".join(cols) + " |",
            "|---" * (len(cols) + 2) + "|",
        ]
        agree = agree.assign(dataset=agree["dataset"] + " " + agree["cells"].astype(str))
        for dataset, g in agree.groupby("dataset"):
            lines.append(
                f"| {dataset} | {g['coverage'].mean():.2f} | " + " | ".join(f"{g[c].mean():.3f}" for c in cols) + " |"
            )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    split_arguments(p)
    p.add_argument("--methods", nargs="+", default=["maxfuse", "anchors"])
    args = p.parse_args()
    if tables_only(args, tables):
        return
    rows = []
    for name in args.datasets:
        path, label = DATASETS[name]
        full = mudata.read_h5mu(path)
        for s in args.seeds:
            rows += run_split(full, label, name, s, args.methods, args.runs, args.cells)
            if args.csv:
                pd.DataFrame(rows).to_csv(args.csv, index=False)
    print(tables(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
