"""Calibrate the check that the RNA batches hold the same mix of cells (issue 29), on real paired datasets.

``batch_key`` z-scores each RNA batch on its own, which assumes the same mix of cells in every batch.
:func:`mufuse._align.detection_shift` measures, gene by gene, how far that moves the non-expressing cells apart and
how much of the detection difference sequencing depth cannot explain. This script builds two RNA batches from each
real dataset under conditions where the assumption holds and where it does not, harmonizes with
``batch_key`` (the protein has no batch column, as with imaging beside scRNA-seq) and counts the genes flagged at
each threshold:

- ``same mix``: random halves (the assumption holds);
- ``same mix, depth x0.5`` / ``x0.25``: random halves, one half's counts thinned (binomial) to that share: a
  technical difference the check must not read as a change of mix;
- ``T cells only``: one batch is the T cells of a random half, the other the other half (sorted cells);
- ``monocytes removed``: one half without its monocytes;
- ``donors`` (BMMC only): the two donors of the data, as they are.

    python benchmarks/batch_composition.py --splits 10
"""

from __future__ import annotations

import argparse
import warnings

import mudata
import numpy as np
import pandas as pd
import scipy.sparse as sp
from quality import DATASETS

import mufuse
from mufuse import _align
from mufuse.pp._steps import MIN_MOVED_RNA

# (shift SD, excess_z, |excess|): the rule harmonize uses is the second
THRESHOLDS = [(0.5, 4.0, 0.0), (0.5, 4.0, 0.5), (0.5, 6.0, 0.5), (0.75, 4.0, 0.5), (0.3, 4.0, 0.5)]


def _thin(x, rows: np.ndarray, share: float, rng: np.random.Generator):
    """Counts of the cells ``rows`` (a mask) thinned to ``share`` of their depth (binomial), others as they were."""
    x = sp.csr_matrix(x, dtype=np.float32, copy=True)
    mask = rows[np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))]
    x.data[mask] = rng.binomial(x.data[mask].astype(np.int64), share).astype(np.float32)
    x.eliminate_zeros()
    return x


def conditions(name: str, m: mudata.MuData, label: str, seed: int):
    """Yield (condition, rna AnnData with obs['batch'])."""
    rna = m["rna"].copy()
    rng = np.random.default_rng(seed)
    half = rng.random(rna.n_obs) < 0.5
    labels = rna.obs[label].astype(str)
    rna.obs["batch"] = np.where(half, "a", "b")
    yield "same mix", rna
    for share in (0.5, 0.25):
        thinned = rna.copy()
        thinned.X = _thin(thinned.X, half, share, rng)
        yield f"same mix, depth x{share}", thinned
    t = labels.str.contains(r"^T|CD4|CD8|^T\.", regex=True).to_numpy()
    sorted_ = rna[(half & t) | ~half].copy()
    yield "T cells only", sorted_
    gone = labels.str.contains("Mono").to_numpy()
    yield "monocytes removed", rna[~(half & gone)].copy()
    if "batch" in m["rna"].obs and name == "bmmc":
        donors = m["rna"].copy()
        yield "donors", donors


def flagged(rna, prot, seed: int) -> pd.DataFrame:
    prot = prot[rna.obs_names].copy() if set(rna.obs_names) <= set(prot.obs_names) else prot
    prot.obs = prot.obs.drop(columns=[c for c in ("batch",) if c in prot.obs])
    m = mudata.MuData({"rna": rna, "prot": prot})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)  # pooled z-scores: an affine map of the log-normalized values, zeros at the minimum
    x = np.asarray(m["rna"].obsm["mufuse_shared"], dtype=np.float64)
    x = x - x.min(axis=0)  # per-batch z-scores and detection do not see a global affine map
    cat = pd.Categorical(m["rna"].obs["batch"].astype(str))
    genes = [str(g) for g in pd.DataFrame(m.uns["mufuse"]["shared"])["prot"]]
    return _align.detection_shift(x, cat.codes.astype(np.int64), len(cat.categories), genes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--splits", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for name in args.datasets:
        path, label = DATASETS[name]
        m = mudata.read_h5mu(path)
        for seed in range(args.splits):
            for cond, rna in conditions(name, m, label, seed):
                table = flagged(rna, m["prot"], seed)
                row = {"dataset": name, "condition": cond, "seed": seed, "genes": table["gene"].nunique()}
                for shift, z, ex in THRESHOLDS:
                    hit = (table["shift"] >= shift) & (table["excess_z"] >= z) & (table["excess"].abs() >= ex)
                    row[f"shift>={shift} z>={z} |e|>={ex}"] = int(hit.sum())
                rows.append(row)
                if cond == "donors" and seed > 0:
                    rows.pop()
        print(name, "done", flush=True)
    out = pd.DataFrame(rows)
    cols = [c for c in out.columns if c.startswith("shift")]
    summary = out.groupby(["dataset", "condition"])[cols].agg(["min", "max"])
    warned = out.groupby(["dataset", "condition"])[cols].agg(lambda v: f"{(v >= MIN_MOVED_RNA).mean():.0%}")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(out.groupby(["dataset", "condition"])["genes"].first())
        print("genes flagged per run (min, max)")
        print(summary)
        print(f"share of runs warned ({MIN_MOVED_RNA} or more genes flagged)")
        print(warned)


if __name__ == "__main__":
    main()
