"""Every size mufuse accepts it can finish (issue 29): from the smallest data harmonize takes, on each route.

MaxFuse's parameters are derived from the sizes (``maxfuse_defaults``); each must fit the data it is used on, for any
seed, and whatever still fails inside MaxFuse or its dependencies reaches the user as a :class:`MufuseError` naming the
stage and what to change.
"""

from __future__ import annotations

import warnings

import mudata
import numpy as np
import pytest

import mufuse
from mufuse.tl._maxfuse import GRAPH_CELLS, _stage_failure, graph_conflict


def _data(n_rna: int, n_prot: int, seed: int):
    """Unpaired simulated data of any size (the simulator's own minimum is 10 cells: subset from 40)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = mufuse.datasets.simulated(
            max(n_rna, 40), n_genes=300, paired=False, n_prot_cells=max(n_prot, 40), seed=seed
        )
        return mudata.MuData({"rna": m["rna"][:n_rna].copy(), "prot": m["prot"][:n_prot].copy()})


def _harmonized(n_rna: int, n_prot: int, seed: int):
    m = _data(n_rna, n_prot, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
    return m


@pytest.mark.parametrize("n", [2, 5, 19])
def test_below_the_minimum_harmonize_says_so(n):
    m = _data(n, n, seed=0)
    with pytest.raises(mufuse.MufuseError, match=rf"has {n} cells; at least 20 are needed"):
        mufuse.pp.harmonize(m)


SIZES = [
    (20, 20),
    (25, 25),
    (33, 33),
    (45, 45),
    (60, 60),
    (90, 90),
    (20, 150),
    (60, 20),
    (150, 20),
    (300, 80),
    (500, 200),
]


@pytest.mark.maxfuse
@pytest.mark.parametrize(("n_rna", "n_prot"), SIZES, ids=[f"{a}x{b}" for a, b in SIZES])
@pytest.mark.parametrize("seed", [0, 7])
def test_every_accepted_size_is_matched(n_rna, n_prot, seed):
    m = _data(n_rna, n_prot, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
        table = mufuse.tl.run_maxfuse(m, seed=seed)
    assert set(table["prot"]) == set(m["prot"].obs_names)  # every protein cell gets a partner
    assert np.isfinite(table["score"]).all()
    assert np.isfinite(m["prot"].obsm["X_mufuse"]).all()


@pytest.mark.maxfuse
@pytest.mark.parametrize("n", [20, 45])
def test_small_data_on_the_other_routes(n):
    m = _data(n, 3 * n, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
        pairs = mufuse.tl.run_maxfuse(m, metacells="pairs")
        assert np.isfinite(pairs["score"]).all()
        sketched = mufuse.tl.run_maxfuse(m, route="sketch", sketch_size=500)
    assert set(sketched["prot"]) == set(m["prot"].obs_names)


@pytest.mark.maxfuse
def test_a_failure_inside_maxfuse_is_a_mufuse_error():
    """Parameters that cannot fit (more CCA components than pivots, a proportion above 1) fail inside MaxFuse."""
    m = _harmonized(30, 30, seed=2)
    before = dict(m.uns["mufuse"])
    with pytest.raises(mufuse.MufuseError, match=r"MaxFuse failed in its refine_pivots stage .*cca_components=50"):
        mufuse.tl.run_maxfuse(m, refine_pivots={"cca_components": 50})
    with pytest.raises(mufuse.MufuseError, match=r"filter_bad_matches_pivot stage .*Quantiles.*filter_prop': 1.5"):
        mufuse.tl.run_maxfuse(m, filter_bad_matches_pivot={"filter_prop": 1.5})
    assert set(m.uns["mufuse"]) == set(before)  # nothing stored


def test_the_graph_conflict_is_named_before_any_work():
    for nnd, has, n in [
        ("0.6.0", False, 10**6),
        ("0.5.13", False, 10**6),
        ("0.7.0", True, 10**6),
        ("0.7.0", False, 4095),
    ]:
        assert graph_conflict(nnd, has, n) == ""
    message = graph_conflict("0.7.0", False, GRAPH_CELLS)
    assert "pynndescent<0.7" in message and "4,096" in message
    assert graph_conflict("0.8.1", False, 10**5)


def test_the_getnnz_failure_names_its_fix():
    err = AttributeError("'csr_array' object has no attribute 'getnnz'")
    assert "pynndescent<0.7" in _stage_failure("construct_graphs", {"construct_graphs": {}}, err)


@pytest.mark.maxfuse
def test_too_many_cca_components_for_the_pivots_are_refused_with_a_fix():
    """At 60 cells a side the pivot CCA of 15 components (the cap before this rule) fails or gives NaN: refused."""
    m = _harmonized(60, 60, seed=0)
    with pytest.raises(mufuse.MufuseError, match=r"(MaxFuse gave NaN .*cca_components|too small for .*cca_components)"):
        mufuse.tl.run_maxfuse(m, seed=0, refine_pivots={"cca_components": 15})
    assert "matching" not in m.uns["mufuse"]
