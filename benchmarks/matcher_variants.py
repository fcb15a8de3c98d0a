"""Variants of the anchors matcher against the bone-marrow CITE-seq loss to MaxFuse (issue 32, session 28).

On disjoint halves of a real paired dataset (``paths.split``, harmonized with the defaults), the anchors' model is
fitted once per split with ``mufuse.tl._anchors``' own steps, and each variant changes one thing: how the anchors are
chosen, what the joint space holds, or how each protein cell picks its RNA cell. MaxFuse runs through
``mufuse.tl.match(m, method="maxfuse")`` on the same halves (seeds ``100 * split + run``), and its label agreement,
averaged over a split's runs, is the reference. Reported per variant: label agreement (mean over splits), the
difference to MaxFuse and to the anchors as they ship, each with its 95% t-interval over splits, and the protein cells
of ``--population`` matched to an RNA cell of the same label (summed over splits).

Variants (each a published method's idea applied to the anchors' joint space; none of them MaxFuse's code):

- ``quantile``: each joint component of the protein cells mapped to the RNA cells' quantiles (the quantile alignment
  of LIGER, Welch et al. 2019, *Cell* 177:1873);
- ``ot final eps``: each protein cell's partner from a balanced entropic optimal transport between the cells on the
  joint space's cosine (Sinkhorn; Cuturi 2013, *NeurIPS*; as in SCOT, Demetci et al. 2022, *J Comput Biol*);
- ``ot anchors``: the anchors from that transport on the shared CCA (each protein cell's heaviest RNA cell, weighted by
  its mass) in place of, or beside, the mutual nearest neighbours; ``active only``: the joint space without the shared
  CCA;
- ``self-learning``: the anchors re-found in the joint space and the active CCA refitted, 1 or 3 times (the
  self-learning of Artetxe et al. 2018, *ACL*: 789), by transport or mutual nearest neighbours;
- ``uot imputed``: unbalanced transport (KL marginals; Chizat et al. 2018, *Math Comput*) on the shared features'
  correlation, then the RNA cells' protein imputed from the plan and the cost recomputed with it, 0 or 3 times (the
  idea of CelLink, Luo et al. 2024, bioRxiv 10.1101/2024.10.04.616655);
- ``hubness``: CSLS (Conneau et al. 2018, *ICLR*), mutual rank, and preferring an RNA cell that chose the protein
  cell as its own nearest (within ``delta`` of the best cosine);
- ``weights``: the shared CCA weighted 0.5 or 2 against the active CCA; each cell's log library size as one more
  active feature;
- ``bagging K``: the cosines of K fits averaged (seeds ``seed + 1000 k``: the randomized principal components differ),
  each protein cell then taking its RNA cell of largest mean cosine (bagging, Breiman 1996, *Mach Learn* 24:123).

``--anchor-runs R`` fits every variant at seeds ``100 * split + r`` for r < R and averages a split's runs, as
``benchmarks/matchers.py`` does for the shipped matcher.

    python benchmarks/matcher_variants.py --datasets bmmc --seeds 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 --runs 2
    python benchmarks/matcher_variants.py --datasets teaseq --seeds 0 1 2 3 4 5 --variants "hubness: reverse 0.05"
    python benchmarks/matcher_variants.py --datasets pbmc10k --seeds 0 1 2 3 4 5 --runs 0 --anchor-runs 2 \
        --variants "bagging 8"
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import mudata
import numpy as np

import mufuse
from mufuse.tl import _anchors as A
from mufuse.tl._joint import unit_rows

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import interval, split
from quality import DATASETS


def _z(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return ((v - v.mean()) / (v.std() or 1.0)).astype(np.float32)


def model(d: dict, seed: int, v: dict) -> dict:
    """The anchors' steps on one split's arrays (``A.fit_model``), with the variant's changes; every part kept."""
    opts = {**A.DEFAULTS, **v.get("opts", {})}
    act, sh = [d["rna_active"], d["prot_active"]], [d["rna_shared"], d["prot_shared"]]
    refs = [np.arange(len(act[0])), np.arange(len(act[1]))]
    pcs = [A._pcs(act[i], refs[i], opts["n_pcs"], seed) for i in (0, 1)]
    if v.get("depth"):  # each cell's log library size as one more active column, at the components' scale
        pcs = [np.column_stack([p, p.std(0).mean() * _z(np.log1p(t))]) for p, t in zip(pcs, d["totals"], strict=True)]
    smooth = [A._smoothed(sh[i], pcs[i], refs[i], opts["k_smooth"]) for i in (0, 1)]
    proj = A._shared_cca(smooth, opts["n_components"])
    cca = [unit_rows(smooth[i] @ proj[i], centre=False) for i in (0, 1)]
    pairs = A.mutual_neighbours(cca[0], cca[1], opts["k_anchor"])
    pairs = A._filter(pairs, smooth[0], smooth[1], opts["k_filter"])
    weight = A.score_anchors(pairs, cca, pcs, opts["k_score"])
    pairs, weight = pairs[weight > 0], weight[weight > 0]
    if "anchors" in v:
        pairs, weight = v["anchors"](pairs, weight, cca)
    act_emb = _active(pcs, pairs, weight, opts)
    alpha = v.get("alpha", 1.0)
    joint = [unit_rows(np.hstack([alpha * c, e]), centre=False) for c, e in zip(cca, act_emb, strict=True)]
    parts = {"cca": cca, "act": act_emb, "pcs": pcs, "smooth": smooth, "pairs": pairs, "weight": weight}
    return {"seed": seed, "joint": joint, **parts}


def _active(pcs: list, pairs: np.ndarray, weight: np.ndarray, opts: dict) -> list[np.ndarray]:
    w1, w2, m1, m2 = A.weighted_cca(pcs[0][pairs[:, 0]], pcs[1][pairs[:, 1]], weight, opts)
    return [unit_rows((p - m) @ w, centre=False) for p, w, m in ((pcs[0], w1, m1), (pcs[1], w2, m2))]


def nearest(info: dict) -> np.ndarray:
    """Each protein cell's RNA cell of largest cosine in the joint space (the anchors' matching)."""
    return np.argmax(info["joint"][1] @ info["joint"][0].T, axis=1)


def sinkhorn(sim: np.ndarray, eps: float, iters: int = 100) -> np.ndarray:
    """Balanced entropic transport plan between uniform marginals for a similarity (rows × columns)."""
    k = np.exp((sim - sim.max()) / eps)
    u, v = np.ones(k.shape[0]), np.ones(k.shape[1])
    for _ in range(iters):
        u = (1.0 / k.shape[0]) / (k @ v)
        v = (1.0 / k.shape[1]) / (k.T @ u)
    return u[:, None] * k * v[None, :]


def unbalanced(cost: np.ndarray, eps: float, tau: float, iters: int = 200) -> np.ndarray:
    """Entropic transport plan with KL-relaxed uniform marginals (strength ``tau``)."""
    k = np.exp(-(cost - cost.min()) / eps)
    u, v = np.ones(k.shape[0]), np.ones(k.shape[1])
    power = tau / (tau + eps)
    for _ in range(iters):
        u = ((1.0 / k.shape[0]) / (k @ v)) ** power
        v = ((1.0 / k.shape[1]) / (k.T @ u)) ** power
    return u[:, None] * k * v[None, :]


def _corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (
        unit_rows(x - x.mean(1, keepdims=True), centre=False) @ unit_rows(y - y.mean(1, keepdims=True), centre=False).T
    )


def transport_pairs(e1: np.ndarray, e2: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Each row of ``e2``'s heaviest row of ``e1`` under the transport, weighted by the share of its mass there."""
    plan = sinkhorn(e1.astype(np.float64) @ e2.T.astype(np.float64), eps)
    rows = np.argmax(plan, axis=0)
    cols = np.arange(plan.shape[1])
    return np.column_stack([rows, cols]), plan[rows, cols] / plan.sum(axis=0)


def ot_anchors(eps: float, beside: bool) -> Callable:
    def hook(pairs, weight, cca):
        ot, w = transport_pairs(cca[0], cca[1], eps)
        return (np.vstack([pairs, ot]), np.concatenate([weight, w])) if beside else (ot, w)

    return hook


def quantile(info: dict) -> np.ndarray:
    n = info["cca"][0].shape[1]
    x1 = np.hstack([info["cca"][0], info["act"][0]]).astype(np.float64)
    x2 = np.hstack([info["cca"][1], info["act"][1]]).astype(np.float64)
    q = (np.argsort(np.argsort(x2, axis=0), axis=0) + 0.5) / len(x2)
    y2 = np.column_stack([np.quantile(x1[:, j], q[:, j]) for j in range(x1.shape[1])])
    j1, j2 = (unit_rows(np.hstack([unit_rows(x[:, :n], False), unit_rows(x[:, n:], False)]), False) for x in (x1, y2))
    return np.argmax(j2 @ j1.T, axis=1)


def ot_final(eps: float) -> Callable:
    def pick(info):
        sim = info["joint"][1].astype(np.float64) @ info["joint"][0].T.astype(np.float64)
        return np.argmax(sinkhorn(sim, eps), axis=1)

    return pick


def self_learning(eps: float | None, rounds: int) -> Callable:
    def pick(info):
        joint, opts = info["joint"], dict(A.DEFAULTS)
        for _ in range(rounds):
            if eps is None:
                pairs = A.mutual_neighbours(joint[0], joint[1], opts["k_anchor"])
                weight = np.ones(len(pairs))
            else:
                pairs, weight = transport_pairs(joint[0], joint[1], eps)
            act = _active(info["pcs"], pairs, weight, opts)
            joint = [unit_rows(np.hstack([c, e]), centre=False) for c, e in zip(info["cca"], act, strict=True)]
        return np.argmax(joint[1] @ joint[0].T, axis=1)

    return pick


def uot_imputed(eps: float, tau: float, rounds: int, prot_active: np.ndarray) -> Callable:
    def pick(info):
        base = 1.0 - _corr(*info["smooth"])
        plan = unbalanced(base, eps, tau)
        y = np.asarray(prot_active, dtype=np.float64)
        for _ in range(rounds):
            imputed = (plan @ y) / np.maximum(plan.sum(1, keepdims=True), 1e-300)
            plan = unbalanced(0.5 * base + 0.5 * (1.0 - _corr(imputed, y)), eps, tau)
        return np.argmax(plan, axis=0)

    return pick


def csls(k: int) -> Callable:
    def pick(info):
        sim = info["joint"][1] @ info["joint"][0].T
        r2, r1 = np.sort(sim, 1)[:, -k:].mean(1), np.sort(sim, 0)[-k:, :].mean(0)
        return np.argmax(2 * sim - r2[:, None] - r1[None, :], axis=1)

    return pick


def mutual_rank(info: dict) -> np.ndarray:
    sim = info["joint"][1] @ info["joint"][0].T
    ranks = np.argsort(np.argsort(-sim, 1), 1) + np.argsort(np.argsort(-sim, 0), 0)
    return np.argmin(ranks - 1e-6 * sim, axis=1)


def reverse(delta: float) -> Callable:
    def pick(info):
        sim = info["joint"][1] @ info["joint"][0].T
        out = np.argmax(sim, axis=1)
        best = sim[np.arange(len(sim)), out]
        chooser, chooser_sim = np.full(len(sim), -1), np.full(len(sim), -np.inf)
        for r, p in enumerate(np.argmax(sim, axis=0)):  # each RNA cell's nearest protein cell
            if sim[p, r] > chooser_sim[p]:
                chooser[p], chooser_sim[p] = r, sim[p, r]
        take = (chooser >= 0) & (chooser_sim >= best - delta)
        out[take] = chooser[take]
        return out

    return pick


def bagging(d: dict, fits: int) -> Callable:
    def pick(info):
        total = 0
        for k in range(fits):
            joint = model(d, info["seed"] + 1000 * k, {})["joint"]
            total = total + joint[1] @ joint[0].T
        return np.argmax(total, axis=1)

    return pick


def variants(d: dict) -> dict[str, tuple[dict, Callable]]:
    out: dict[str, tuple[dict, Callable]] = {"anchors (as shipped)": ({}, nearest), "quantile": ({}, quantile)}
    for eps in (0.02, 0.05, 0.1):
        out[f"ot final {eps}"] = ({}, ot_final(eps))
    for eps in (0.02, 0.05):
        out[f"ot anchors {eps}"] = ({"anchors": ot_anchors(eps, False)}, nearest)
        out[f"ot anchors {eps} beside mnn"] = ({"anchors": ot_anchors(eps, True)}, nearest)
    out["ot anchors 0.02, active only"] = ({"anchors": ot_anchors(0.02, False), "alpha": 0.0}, nearest)
    for eps in (0.01, 0.03):
        for rounds in (1, 3):
            out[f"self-learning ot {eps} x{rounds}"] = ({}, self_learning(eps, rounds))
    out["self-learning mnn x3"] = ({}, self_learning(None, 3))
    for eps in (0.02, 0.05):
        for tau in (0.1, 1.0):
            for rounds in (0, 3):
                out[f"uot imputed {eps} {tau} x{rounds}"] = ({}, uot_imputed(eps, tau, rounds, d["prot_active"]))
    out["hubness: csls 10"] = ({}, csls(10))
    out["hubness: mutual rank"] = ({}, mutual_rank)
    for delta in (0.02, 0.05, 0.1, 1.0):
        out[f"hubness: reverse {delta}"] = ({}, reverse(delta))
    out["weights: shared 0.5"] = ({"alpha": 0.5}, nearest)
    out["weights: shared 2"] = ({"alpha": 2.0}, nearest)
    out["weights: library size"] = ({"depth": True}, nearest)
    for fits in (3, 8):
        out[f"bagging {fits}"] = ({}, bagging(d, fits))
    return out


def arrays(half: mudata.MuData, label: str) -> dict:
    d: dict = {"totals": []}
    for mod in ("rna", "prot"):
        a = half[mod]
        d[f"{mod}_active"] = np.asarray(a.obsm["mufuse_active"])
        d[f"{mod}_shared"] = np.asarray(a.obsm["mufuse_shared"])
        d[f"{mod}_labels"] = a.obs[label].astype(str).to_numpy()
        d["totals"].append(np.asarray(a.X.sum(axis=1)).ravel())
    return d


def maxfuse_agreement(half: mudata.MuData, labels: tuple, split_seed: int, runs: int) -> float:
    out = []
    for r in range(runs):
        m = half.copy()
        mufuse.tl.match(m, method="maxfuse", seed=100 * split_seed + r)
        pos = m["rna"].obs_names.get_indexer(m["prot"].obs["mufuse_match"].astype(str))
        out.append(float(np.mean(labels[0][pos] == labels[1])))
    return float(np.mean(out))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", nargs="+", default=["bmmc"], choices=list(DATASETS))
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(16)))
    p.add_argument("--runs", type=int, default=2, help="MaxFuse runs per split (0: no MaxFuse)")
    p.add_argument("--anchor-runs", type=int, default=1, help="fits of each variant per split (seeds 100 * split + r)")
    p.add_argument("--variants", nargs="+", help="only these variants (names as printed)")
    p.add_argument("--population", default="Reticulocyte")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    for dataset in args.datasets:
        path, label = DATASETS[dataset]
        full = mudata.read_h5mu(path)
        rows: dict[str, list] = {}
        hits: dict[str, int] = {}
        reference = []
        for s in args.seeds:
            half = split(full, s, None)
            mufuse.pp.harmonize(half)
            d = arrays(half, label)
            labels = (d["rna_labels"], d["prot_labels"])
            reference.append(maxfuse_agreement(half, labels, s, args.runs) if args.runs else np.nan)
            for name, (change, pick) in variants(d).items():
                if args.variants and name not in args.variants and name != "anchors (as shipped)":
                    continue
                right = np.array(
                    [labels[0][pick(model(d, 100 * s + r, change))] == labels[1] for r in range(args.anchor_runs)]
                )
                rows.setdefault(name, []).append(float(right.mean()))
                hits[name] = hits.get(name, 0) + int(right[:, labels[1] == args.population].sum()) // args.anchor_runs
        ref, shipped = np.array(reference), np.array(rows["anchors (as shipped)"])
        print(f"\n{dataset}: {len(args.seeds)} splits, MaxFuse {np.nanmean(ref):.3f} ({args.runs} runs a split)")
        print(f"| variant | agreement | − MaxFuse [95% CI] | − anchors [95% CI] | {args.population} right |")
        print("|---|---|---|---|---|")
        for name, vals in rows.items():
            x = np.array(vals)
            vs_mf = "—" if np.isnan(ref).all() else "{:+.3f} [{:+.3f}, {:+.3f}]".format(*interval(x - ref))
            vs_a = "{:+.3f} [{:+.3f}, {:+.3f}]".format(*interval(x - shipped))
            print(f"| {name} | {x.mean():.3f} | {vs_mf} | {vs_a} | {hits[name]} |")


if __name__ == "__main__":
    main()
