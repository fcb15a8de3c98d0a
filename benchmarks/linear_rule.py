"""Which protein values ``auto`` reads as linear intensities, on every real dataset (issue 30): the rule's choices.

For each real paired dataset and 20 random halves of its panel, the antibody counts are made continuous
(+ U(0, 1)) and then given as linear intensities (raw, x100, min-max scaled, clipped at the 99.9th percentile and
min-max scaled) or compressed (log1p, arcsinh(x/5), square root; each also min-max scaled). The table gives the range
of :func:`mufuse._state.tail_ratio` and the share of halves ``auto`` sends to arcsinh with each marker's median.

    python benchmarks/linear_rule.py
"""

from __future__ import annotations

import warnings

import mudata
import numpy as np
import pandas as pd
from quality import DATASETS

from mufuse import tl
from mufuse._state import LINEAR_TAIL_RATIO, tail_ratio
from mufuse.pp._normalize import choose_auto


def _min_max(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(0), x.max(0)
    return (x - lo) / np.where(hi > lo, hi - lo, 1.0)


KINDS = {
    "linear, raw x100": (True, lambda v: v * 100),
    "linear, min-max": (True, _min_max),
    "linear, clipped at p99.9, min-max": (True, lambda v: _min_max(np.minimum(v, np.percentile(v, 99.9, axis=0)))),
    "log1p": (False, np.log1p),
    "log1p, min-max": (False, lambda v: _min_max(np.log1p(v))),
    "arcsinh(x/5)": (False, lambda v: np.arcsinh(v / 5)),
    "arcsinh(x/5), min-max": (False, lambda v: _min_max(np.arcsinh(v / 5))),
    "sqrt, min-max": (False, lambda v: _min_max(np.sqrt(v))),
}


def main() -> None:
    rows = []
    for name, (path, _) in DATASETS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = mudata.read_h5mu(path)
        x = np.asarray(m["prot"].X.toarray() if hasattr(m["prot"].X, "toarray") else m["prot"].X, dtype=np.float64)
        rng = np.random.default_rng(0)
        lin = x + rng.uniform(0.0, 1.0, x.shape)
        for _ in range(20):
            cols = rng.choice(x.shape[1], max(3, x.shape[1] // 2), replace=False)
            for kind, (linear, make) in KINDS.items():
                v = make(lin[:, cols])
                chosen = choose_auto(tl.detect_state(v), v)[0]
                rows.append({"dataset": name, "kind": kind, "linear": linear, "ratio": tail_ratio(v),
                             "arcsinh": chosen == "arcsinh"})  # fmt: skip
    out = pd.DataFrame(rows)
    table = out.groupby(["kind", "dataset"], sort=False).agg(
        ratio_min=("ratio", "min"), ratio_max=("ratio", "max"), to_arcsinh=("arcsinh", "mean")
    )
    print(f"cut: tail ratio >= {LINEAR_TAIL_RATIO:g} (20 random halves of each panel)")
    print(table.round(2).to_string())


if __name__ == "__main__":
    main()
