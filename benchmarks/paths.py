"""The whole default path against the whole MaxFuse-tutorial path, end to end, at equal coverage (issue 27).

Every real paired dataset held is split into disjoint halves at several seeds (RNA of one half of the cells, protein
of the other, as with imaging beside scRNA-seq); each split is matched ``--runs`` times (MaxFuse seeds
``100 * split + run``). A *path* is a preprocessing and a set of MaxFuse stage settings:

- ``default``: ``mufuse.pp.harmonize(m)`` + ``mufuse.tl.match(m)``, exactly what a user gets (never frozen:
  whatever the package's defaults are when the benchmark runs; its matcher is the anchors since issue 32);
- ``default prep + MaxFuse``: the same with ``mufuse.tl.run_maxfuse(m)``, the default path before issue 32;
- ``tutorial``: the MaxFuse CITE-seq tutorial, end to end: its preprocessing (shared pairs normalized to a common
  target sum, log1p, scale; RNA active = scanpy HVGs with scanpy's defaults, scaled; protein active = every antibody,
  total-normalized, log1p, scaled) and its stage settings (``TUTORIAL``, ARPACK SVDs), with SVD components above an
  array's width set to None as a user must;
- ``research notes``: the recipe of the notes behind mufuse (z-scored raw protein, clip 5) with mufuse's settings;
- the 2 x 2 of {mufuse, tutorial} preprocessing x {mufuse, tutorial} settings;
- ``--settings``: the default path with one MaxFuse setting changed at a time (``SETTINGS``).

Measured per run: label agreement of every protein cell's best pair (100% coverage: mufuse completes MaxFuse's
filtered cells in its joint space), MaxFuse's own coverage (protein cells with a pivot or propagated pair) and the
agreement there, and the accuracy-coverage curve: protein cells ranked by a confidence, agreement of the top q%.
Rankings compared: the pair's ``score``, and mufuse's stored ``confidence`` where the package writes one.

Paired differences (a path minus the tutorial path) are averaged over a split's runs and reported with the 95%
t-interval over splits. ``--csv`` keeps every run's row; ``--table CSV`` prints the tables from such a file.

    python benchmarks/paths.py --datasets teaseq --seeds 0 1 2 3 4 5 6 7 --runs 2 --csv runs_teaseq.csv
    python benchmarks/paths.py --datasets pbmc10k --cells 1500 --settings --csv runs_pbmc.csv
    python benchmarks/paths.py --table runs_teaseq.csv runs_pbmc.csv
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import scanpy as sc
from scipy import stats

import mufuse
from mufuse.tl._match import DEFAULT_METHOD

sys.path.insert(0, str(Path(__file__).resolve().parent))
from defaults_pbmc10k import _dense, _scanpy_arrays  # the research notes' recipe
from quality import DATASETS, coarse, set_arrays

# MaxFuse's CITE-seq tutorial (docs/citeseq_pbmc_evaluate.ipynb of shuxiaoc/maxfuse @ 7ccf6b4): its stage settings
TUTORIAL = {
    "split_into_batches": {"max_outward_size": 5000, "matching_ratio": 3, "metacell_size": 2},
    "construct_graphs": {
        "n_neighbors1": 15,
        "n_neighbors2": 15,
        "svd_components1": 30,
        "svd_components2": 30,
        "resolution1": 2,
        "resolution2": 2,
        "resolution_tol": 0.1,
        "randomized_svd": False,
    },
    "find_initial_pivots": {
        "wt1": 0.7,
        "wt2": 0.7,
        "svd_components1": 25,
        "svd_components2": 20,
        "randomized_svd": False,
    },
    "refine_pivots": {
        "wt1": 0.7,
        "wt2": 0.7,
        "svd_components1": 30,
        "svd_components2": 30,
        "cca_components": 20,
        "n_iters": 3,
        "randomized_svd": False,
    },
    "filter_bad_matches_pivot": {"filter_prop": 0.3},
    "propagate": {"svd_components1": 30, "svd_components2": 30, "wt1": 0.7, "wt2": 0.7, "randomized_svd": False},
    "filter_bad_matches_propagated": {"filter_prop": 0.0},
}


def _each(stages: tuple, **values) -> dict:
    return {s: dict(values) for s in stages}


SMOOTHING = ("find_initial_pivots", "refine_pivots", "propagate")
# the default path with one MaxFuse setting changed (stage overrides on top of maxfuse_defaults)
SETTINGS: dict[str, dict] = {
    "wt 0.7 (less smoothing)": _each(SMOOTHING, wt1=0.7, wt2=0.7),
    "wt 0.5": _each(SMOOTHING, wt1=0.5, wt2=0.5),
    "refine n_iters 3": {"refine_pivots": {"n_iters": 3}},
    "filter pivots 0.3": {"filter_bad_matches_pivot": {"filter_prop": 0.3}},
    "filter propagated 0": {"filter_bad_matches_propagated": {"filter_prop": 0.0}},
    "matching_ratio 3": {"split_into_batches": {"matching_ratio": 3}},
    "metacell_size 1 (ratio 3)": {"split_into_batches": {"metacell_size": 1, "matching_ratio": 3}},
    "active svd 30": _each(("construct_graphs", "refine_pivots", "propagate"), svd_components1=30),
    "ARPACK SVDs": _each(
        ("construct_graphs", "find_initial_pivots", "refine_pivots", "propagate"), randomized_svd=False
    ),
    "n_neighbors 30": {"construct_graphs": {"n_neighbors1": 30, "n_neighbors2": 30}},
    "resolution 1": {"construct_graphs": {"resolution1": 1, "resolution2": 1}},
    "cca 10": {"refine_pivots": {"cca_components": 10}},
    "resolution_tol 5": {"construct_graphs": {"resolution_tol": 5}},
    "resolution_tol 20": {"construct_graphs": {"resolution_tol": 20}},
}


def fitted(settings: dict, widths: dict[str, int]) -> dict:
    """Settings with every SVD/CCA size an array cannot take set as a user must (None, or the largest allowed)."""
    out = {}
    which = {
        "construct_graphs": ("active1", "active2"),
        "find_initial_pivots": ("shared1", "shared2"),
        "refine_pivots": ("active1", "active2"),
        "propagate": ("active1", "active2"),
    }
    for stage, params in settings.items():
        params = dict(params)
        if stage in which:
            for i, arr in enumerate(which[stage], start=1):
                k = params.get(f"svd_components{i}")
                if k is not None and k >= widths[arr]:
                    params[f"svd_components{i}"] = None
        if stage == "refine_pivots" and "cca_components" in params:
            d1 = params.get("svd_components1") or widths["active1"]
            d2 = params.get("svd_components2") or widths["active2"]
            params["cca_components"] = max(1, min(params["cca_components"], d1 - 1, d2 - 1))
        out[stage] = params
    return out


def tutorial_arrays(m: mudata.MuData, shared: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The MaxFuse CITE-seq tutorial's four arrays, built with scanpy as the tutorial does.

    One shared column per (gene, protein) pair of mufuse's links (the tutorial's correspondence table has a row per
    pair); columns constant in either modality dropped; both shared arrays normalized to the mean of the two median
    row sums, log1p, scaled. Active RNA: normalize_total, log1p, ``highly_variable_genes`` with scanpy's defaults,
    scale; active protein: every antibody, normalize_total, log1p, scale.
    """
    rna, prot = m["rna"], m["prot"]
    pairs = [(g, p) for p, gs in zip(shared["prot"], shared["genes"], strict=True) for g in gs.split(";")]
    r = _dense(rna.X[:, rna.var_names.get_indexer([g for g, _ in pairs])])
    p = _dense(prot.X[:, prot.var_names.get_indexer([q for _, q in pairs])])
    keep = (r.std(0) > 1e-5) & (p.std(0) > 1e-5)
    r, p = r[:, keep], p[:, keep]
    target = (np.median(r.sum(1)) + np.median(p.sum(1))) / 2
    out = []
    for x in (r, p):
        a = ad.AnnData(x.astype(np.float32))
        sc.pp.normalize_total(a, target_sum=target)
        sc.pp.log1p(a)
        sc.pp.scale(a)
        out.append(np.asarray(a.X))
    full = ad.AnnData(rna.X.copy().astype(np.float32), var=pd.DataFrame(index=rna.var_names))
    sc.pp.normalize_total(full)
    sc.pp.log1p(full)
    sc.pp.highly_variable_genes(full)
    act = full[:, full.var["highly_variable"]].copy()
    sc.pp.scale(act)
    pa = ad.AnnData(_dense(prot.X).astype(np.float32))
    sc.pp.normalize_total(pa)
    sc.pp.log1p(pa)
    sc.pp.scale(pa)
    a1, a2 = np.asarray(act.X), np.asarray(pa.X)
    return out[0], out[1], a1[:, a1.std(0) > 1e-5], a2[:, a2.std(0) > 1e-5]


# "route": what run_maxfuse is asked for; the default path asks for nothing (route="auto", whatever it chooses)
PATHS: dict[str, dict] = {
    "default": {"prep": "mufuse", "settings": None, "route": "auto", "method": "default"},
    "default prep + MaxFuse": {"prep": "mufuse", "settings": None, "route": "auto"},
    "tutorial": {"prep": "tutorial", "settings": TUTORIAL, "route": "direct", "metacells": "maxfuse"},
    "mufuse prep + tutorial settings": {
        "prep": "mufuse",
        "settings": TUTORIAL,
        "route": "direct",
        "metacells": "maxfuse",
    },
    "tutorial prep + mufuse settings": {"prep": "tutorial", "settings": None, "route": "direct"},
    "research notes": {"prep": "research_notes", "settings": None, "route": "auto"},
    "default, direct route": {"prep": "mufuse", "settings": None, "route": "direct"},
    "default, sketch 2000": {"prep": "mufuse", "settings": None, "route": "sketch", "sketch_size": 2000},
    "default, sketch 4000": {"prep": "mufuse", "settings": None, "route": "sketch", "sketch_size": 4000},
    "default, sketch 10000": {"prep": "mufuse", "settings": None, "route": "sketch", "sketch_size": 10000},
    # the direct route as it was before mufuse made the RNA metacells (issue 27, speed): MaxFuse's own metacells and
    # graphs; with mufuse's clusters for MaxFuse's smoothing ("clusters"), with or without MaxFuse's metacells
    "default, MaxFuse metacells": {"prep": "mufuse", "settings": None, "route": "direct", "metacells": "maxfuse"},
    "default, direct, mufuse clusters": {
        "prep": "mufuse",
        "settings": None,
        "route": "direct",
        "metacells": "maxfuse",
        "clusters": True,
    },
    "default, direct, mufuse clusters, no metacells": {
        "prep": "mufuse",
        "settings": {"split_into_batches": {"metacell_size": 1}},
        "route": "direct",
        "metacells": "maxfuse",
        "clusters": True,
    },
}
ROUTE_PATHS = (
    "default, direct route",
    "default, sketch 2000",
    "default, sketch 4000",
    "default, sketch 10000",
    "default, direct, mufuse clusters",
    "default, direct, mufuse clusters, no metacells",
    "default, MaxFuse metacells",
)
BASELINE = "tutorial"
CANDIDATES = False  # --candidates: also the confidences screened before the package's was chosen
FINE = {"cell_type_derived_coarse": "cell_type_derived"}  # a dataset's finer labels, where it has them
COVERAGES = np.round(np.arange(0.1, 1.01, 0.1), 2)


def split(full: mudata.MuData, seed: int, cells: int | None) -> mudata.MuData:
    """Disjoint halves (RNA of one, protein of the other); ``cells`` per side at most (a random subset)."""
    rng = np.random.default_rng(seed)
    idx = rng.permutation(full.n_obs)
    n = full.n_obs // 2 if cells is None else min(cells, full.n_obs // 2)
    a, b = np.sort(idx[:n]), np.sort(idx[full.n_obs // 2 : full.n_obs // 2 + n])
    return mudata.MuData({"rna": full["rna"][a].copy(), "prot": full["prot"][b].copy()})


def curve(right: np.ndarray, confidence: np.ndarray) -> dict[str, float]:
    """Agreement of the top q of cells ranked by confidence (ties broken at random), q in COVERAGES."""
    order = np.lexsort((np.random.default_rng(0).random(len(right)), -confidence))
    ranked = right[order]
    return {f"{q:.1f}": float(ranked[: max(1, round(q * len(ranked)))].mean()) for q in COVERAGES}


def run(half: mudata.MuData, label: str, path: dict, overrides: dict, run_seed: int) -> tuple[dict, dict]:
    m = half.copy()
    t0 = time.perf_counter()
    mufuse.pp.harmonize(m)
    if path["prep"] != "mufuse":
        shared = m.uns["mufuse"]["shared"]
        arrays = tutorial_arrays(m, shared) if path["prep"] == "tutorial" else _scanpy_arrays(m, shared, path["prep"])
        set_arrays(m, arrays)
    prep_s = time.perf_counter() - t0
    settings = {**(path["settings"] or {})}
    for stage, p in overrides.items():
        settings[stage] = {**settings.get(stage, {}), **p}
    widths = {
        "shared1": m["rna"].obsm["mufuse_shared"].shape[1],
        "shared2": m["prot"].obsm["mufuse_shared"].shape[1],
        "active1": m["rna"].obsm["mufuse_active"].shape[1],
        "active2": m["prot"].obsm["mufuse_active"].shape[1],
    }
    t0 = time.perf_counter()
    route = {k: path[k] for k in ("route", "sketch_size", "metacells") if k in path}
    if path.get("clusters"):
        route["labels"] = own_clusters(m, run_seed)
    method = path.get("method", "maxfuse")
    if method == "maxfuse":
        matching = mufuse.tl.run_maxfuse(m, seed=run_seed, **route, **fitted(settings, widths))
    else:  # what tl.match does by default, whatever matcher that is
        method = DEFAULT_METHOD
        matching = mufuse.tl.match(m, seed=run_seed, route=route.get("route", "auto"))
    maxfuse_s = time.perf_counter() - t0
    prot = m["prot"]
    partner = prot.obs["mufuse_match"].astype(object)
    ok = partner.notna().to_numpy()
    lab_p = prot.obs[label].astype(str).to_numpy()
    lab_r = m["rna"].obs[label].astype(str).reindex(partner[ok].astype(str)).to_numpy()
    right = np.zeros(prot.n_obs, dtype=bool)
    right[ok] = lab_p[ok] == lab_r
    right_coarse = np.zeros(prot.n_obs, dtype=bool)
    right_coarse[ok] = coarse(lab_p[ok]) == coarse(lab_r)
    native_cells = set(matching.loc[matching["stage"].astype(str) != "embedding", "prot"])
    native = prot.obs_names.isin(list(native_cells))
    fine = FINE.get(label)
    if fine is not None:
        lab_pf = prot.obs[fine].astype(str).to_numpy()
        lab_rf = m["rna"].obs[fine].astype(str).reindex(partner[ok].astype(str)).to_numpy()
        right_fine = np.zeros(prot.n_obs, dtype=bool)
        right_fine[ok] = lab_pf[ok] == lab_rf
    row = {
        "accuracy": float(right.mean()),
        "accuracy_fine": float(right_fine.mean()) if fine is not None else float(right.mean()),
        "accuracy_coarse": float(right_coarse.mean()),
        "coverage_native": float(native.mean()),
        "accuracy_native": float(right[native].mean()) if native.any() else np.nan,
        "n_rna": m["rna"].n_obs,
        "n_prot": prot.n_obs,
        "route": m.uns["mufuse"]["params"][method]["route"]["route"],
        "prep_s": prep_s,
        "maxfuse_s": maxfuse_s,
    }
    curves = {"score": curve(right, np.nan_to_num(prot.obs["mufuse_score"].to_numpy(float), nan=-np.inf))}
    if CANDIDATES:
        for name, conf in candidates(m).items():
            curves[name] = curve(right, conf)
            row[f"auc_{name}"] = auc(right, conf)
    row["auc_score"] = auc(right, np.nan_to_num(prot.obs["mufuse_score"].to_numpy(float), nan=-np.inf))
    if "mufuse_confidence" in prot.obs:
        conf = np.nan_to_num(prot.obs["mufuse_confidence"].to_numpy(float), nan=-np.inf)
        curves["confidence"] = curve(right, conf)
        row.update({f"top_{q}": v for q, v in curves["confidence"].items()})
        row["auc_confidence"] = auc(right, conf)
    return row, curves


def own_clusters(m: mudata.MuData, seed: int) -> str:
    """MaxFuse's smoothing clusters made by mufuse (as its sketched route makes them), stored in obs; the key."""
    from mufuse.tl._sketch import clusters

    for name, svd in (("rna", 40), ("prot", 15)):
        a = np.asarray(m[name].obsm["mufuse_active"])
        k = max(2, min(15, a.shape[0] // 20))
        m[name].obs["own_cluster"] = clusters(a, k, svd if a.shape[1] > svd else None, 2, seed)
    return "own_cluster"


def auc(right: np.ndarray, confidence: np.ndarray) -> float:
    """Probability that a right pair ranks above a wrong one (ROC AUC; 0.5 = no ranking)."""
    from sklearn.metrics import roc_auc_score

    if right.all() or not right.any():
        return np.nan
    return float(roc_auc_score(right, np.nan_to_num(confidence, neginf=-1e9)))


def candidates(m: mudata.MuData, k: int = 20) -> dict[str, np.ndarray]:
    """Label-free confidences of each protein cell's pair, screened here before one is built into the package.

    - ``margin``: the pair's correlation in the joint space minus the mean of the cell's k best RNA correlations;
    - ``cluster_vote``: share of the cell's k nearest RNA cells (joint space) in the RNA cluster of its partner
      (Leiden on the RNA's own active space);
    - ``neighbourhood``: share of the partners of the cell's k protein neighbours (protein active space) that lie
      among the partner's k RNA neighbours (RNA active space).
    """
    from sklearn.neighbors import NearestNeighbors

    rna, prot = m["rna"], m["prot"]
    partner = prot.obs["mufuse_match"].astype(object)
    ok = partner.notna().to_numpy()
    pos = np.full(prot.n_obs, -1)
    pos[ok] = rna.obs_names.get_indexer(partner[ok].astype(str))

    def unit(x):
        x = np.asarray(x, dtype=np.float64)
        x = x - x.mean(1, keepdims=True)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    er, ep = unit(rna.obsm["X_mufuse"]), unit(prot.obsm["X_mufuse"])
    nn = NearestNeighbors(n_neighbors=k).fit(er)
    _, idx = nn.kneighbors(ep)
    corr_k = np.einsum("ij,ikj->ik", ep, er[idx])
    score = np.where(ok, np.einsum("ij,ij->i", ep, er[np.maximum(pos, 0)]), -np.inf)
    out = {"margin": score - corr_k.mean(1)}
    ra = sc.tl.pca(
        np.asarray(rna.obsm["mufuse_active"], dtype=np.float32), n_comps=min(30, rna.obsm["mufuse_active"].shape[1] - 1)
    )
    g = ad.AnnData(np.zeros((rna.n_obs, 1), dtype=np.float32), obsm={"X_pca": ra})
    sc.pp.neighbors(g, n_neighbors=15, use_rep="X_pca")
    sc.tl.leiden(g, resolution=1.0, flavor="igraph", n_iterations=2, directed=False)
    cl = g.obs["leiden"].to_numpy()
    vote = (cl[idx] == cl[np.maximum(pos, 0)][:, None]).mean(1)
    out["cluster_vote"] = np.where(ok, vote, -np.inf)
    _, rn = NearestNeighbors(n_neighbors=k).fit(ra).kneighbors(ra)
    pa = np.asarray(prot.obsm["mufuse_active"], dtype=np.float64)
    _, pn = NearestNeighbors(n_neighbors=k).fit(pa).kneighbors(pa)
    rn_sets = rn  # row i: RNA neighbours of RNA cell i
    share = np.zeros(prot.n_obs)
    for i in np.flatnonzero(ok):
        nb = pos[pn[i]]
        share[i] = np.isin(nb[nb >= 0], rn_sets[pos[i]]).mean() if (nb >= 0).any() else 0.0
    out["neighbourhood"] = np.where(ok, share, -np.inf)
    out["vote+margin"] = np.where(ok, stats.rankdata(out["cluster_vote"]) + stats.rankdata(out["margin"]), -np.inf)
    return out


def interval(diffs: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of per-split differences."""
    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return float(d.mean()) if len(d) else np.nan, np.nan, np.nan
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def at_coverage(per_split: pd.DataFrame, coverage: pd.Series) -> pd.Series:
    """A path's agreement of its most confident cells at another path's coverage, per split (linear between deciles).

    Without a stored confidence (``top_*`` columns) the path's agreement at 100% is used.
    """
    tops = sorted((float(c[4:]), c) for c in per_split if c.startswith("top_"))
    if not tops:
        return per_split["accuracy"]
    qs = np.array([0.0] + [q for q, _ in tops])
    out = {}
    for split, row in per_split.iterrows():
        ys = np.array([row[tops[0][1]]] + [row[c] for _, c in tops])
        out[split] = float(np.interp(coverage.loc[split], qs, ys))
    return pd.Series(out)


def tables(rows: pd.DataFrame) -> str:
    """Markdown tables per dataset: each path's agreement (mean ± sd over splits) and its paired difference to the
    tutorial path (95% t-interval over splits), at 100% coverage and at the tutorial's own coverage."""
    out = []
    for dataset, d in rows.groupby("dataset", sort=False):
        cols = [c for c in ("accuracy", "accuracy_fine", "coverage_native", "accuracy_native") if c in d]
        cols += [c for c in ("auc_confidence", "auc_score", "maxfuse_s") if c in d]
        cols += [c for c in d if c.startswith("top_")]
        per_split = d.groupby(["path", "seed"], sort=False)[cols].mean()
        n_runs = d.groupby(["path", "seed"]).size().max()
        out.append(
            f"\n{dataset}: {d['n_rna'].iloc[0]} RNA x {d['n_prot'].iloc[0]} protein cells, "
            f"{d['seed'].nunique()} splits x {n_runs} run(s)\n"
        )
        head = "| path | agreement | MaxFuse's own coverage | vs tutorial at 100% | vs tutorial at its coverage |"
        head += " AUC confidence / score | MaxFuse s |"
        out += [head, "|" + "---|" * 7]
        base = per_split.loc[BASELINE] if BASELINE in per_split.index.get_level_values("path") else None
        for path, p in per_split.groupby(level="path", sort=False):
            p = p.droplevel("path")
            cells = [
                path,
                f"{p['accuracy'].mean():.3f} ± {p['accuracy'].std():.3f}",
                f"{p['coverage_native'].mean():.2f}",
            ]
            if base is not None and path != BASELINE:
                common = p.index.intersection(base.index)
                mean, lo, hi = interval((p.loc[common, "accuracy"] - base.loc[common, "accuracy"]).to_numpy())
                cells.append(f"{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]")
                mean, lo, hi = interval(
                    (
                        at_coverage(p.loc[common], base.loc[common, "coverage_native"])
                        - base.loc[common, "accuracy_native"]
                    ).to_numpy()
                )
                cells.append(f"{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]")
            else:
                cells += ["", ""]
            aucs = [
                f"{p[c].mean():.2f}" if c in p and p[c].notna().any() else "-" for c in ("auc_confidence", "auc_score")
            ]
            cells += [" / ".join(aucs), f"{p['maxfuse_s'].mean():.0f}"]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def split_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments every split benchmark takes: datasets, split seeds, runs per split, cells per side."""
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--cells", type=int, help="cells per side at most (a random subset of each half)")
    p.add_argument("--csv", type=Path, help="write every run's row to this file")
    p.add_argument("--table", nargs="+", type=Path, help="print the tables of earlier --csv files and stop")


def tables_only(args: argparse.Namespace, make_tables) -> bool:
    """With ``--table``: print ``make_tables`` of the rows of the files given and return True."""
    if args.table:
        print(make_tables(pd.concat([pd.read_csv(f) for f in args.table], ignore_index=True)))
    return bool(args.table)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    split_arguments(p)
    p.add_argument("--paths", nargs="*", help="paths to run (default: all)")
    p.add_argument("--settings", action="store_true", help="also the default path with one setting changed at a time")
    p.add_argument("--only-settings", nargs="*", help="only these settings conditions")
    p.add_argument("--candidates", action="store_true", help="also score the screened candidate confidences")
    args = p.parse_args()
    if tables_only(args, tables):
        return
    warnings.simplefilter("ignore")
    global CANDIDATES
    CANDIDATES = args.candidates
    conditions = [
        (name, path, {})
        for name, path in PATHS.items()
        if (name in args.paths if args.paths else name not in ROUTE_PATHS)
    ]
    if args.settings or args.only_settings:
        conditions += [
            (f"default, {name}", {**PATHS["default"], "route": "direct"}, o)
            for name, o in SETTINGS.items()
            if not args.only_settings or name in args.only_settings
        ]
    rows, curves = [], []
    for dataset in args.datasets:
        path, label = DATASETS[dataset]
        full = mudata.read_h5mu(path)
        for seed in args.seeds:
            half = split(full, seed, args.cells)
            for r in range(args.runs):
                for name, spec, overrides in conditions:
                    row, curve_ = run(half, label, spec, overrides, 100 * seed + r)
                    rows.append({"dataset": dataset, "path": name, "seed": seed, "run": r, **row})
                    for ranking, c in curve_.items():
                        curves.append({"dataset": dataset, "path": name, "seed": seed, "run": r, "by": ranking, **c})
                    print(
                        f"{dataset:<8} split {seed} run {r}  {name:<44} acc {row['accuracy']:.3f} "
                        f"native {row['coverage_native']:.2f}/{row['accuracy_native']:.3f}  "
                        f"maxfuse {row['maxfuse_s']:.0f}s",
                        flush=True,
                    )
                    if args.csv:
                        pd.DataFrame(rows).to_csv(args.csv, index=False)
                        pd.DataFrame(curves).to_csv(args.csv.with_suffix(".curves.csv"), index=False)
    print(tables(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
