"""One matching API over registered matchers (issue 32): the interface, the registry, and what ``match`` does around
every matcher (checks before work, empty cells, completion in the joint space, confidence, storage)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mufuse
from conftest import assert_unchanged, snapshot
from mufuse.tl import Fitted, Matcher, Problem


class SharedNeighbours(Matcher):
    """A small real matcher: each protein cell of the first half gets the RNA cell most correlated with it in the
    shared features; the joint embedding is the shared arrays themselves. The other half is left to ``match``."""

    name = "test-shared-neighbours"
    summary = "nearest neighbours in the shared features (test only)"
    licence = "BSD-3-Clause"
    stages = ("nearest",)

    def check(self, options):
        unknown = set(options) - {"half"}
        if unknown:
            raise mufuse.MufuseError(f"unknown option(s) {sorted(unknown)}")

    def fit(self, problem: Problem) -> Fitted:
        x1, x2 = problem.inputs["shared_arr1"], problem.inputs["shared_arr2"]
        n = len(x2) // 2 if problem.options.get("half", True) else len(x2)
        z1 = (x1 - x1.mean(1, keepdims=True)) / (x1.std(1, keepdims=True) + 1e-9)
        z2 = (x2[:n] - x2[:n].mean(1, keepdims=True)) / (x2[:n].std(1, keepdims=True) + 1e-9)
        corr = z2 @ z1.T / x1.shape[1]
        best = corr.argmax(1)
        rna, prot = problem.modalities
        pairs = pd.DataFrame(
            {
                rna: problem.names[1][best],
                prot: problem.names[2][:n],
                "score": corr[np.arange(n), best],
                "stage": "nearest",
            }
        )
        return Fitted(pairs=pairs, embedding=problem.every_shared, params={"nearest": {"half": n < len(x2)}})


@pytest.fixture
def matcher():
    from mufuse.tl import _registry

    m = mufuse.tl.register_matcher(SharedNeighbours())
    yield m
    _registry._MATCHERS.pop(m.name, None)


def _harmonized(sim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(sim)
    return sim


def test_maxfuse_is_registered_with_its_licence():
    table = mufuse.tl.list_matchers()
    assert "maxfuse" in table.index
    assert "non-commercial" in table.loc["maxfuse", "licence"]
    assert mufuse.tl.get_matcher("maxfuse").stages == ("pivot", "propagated")


def test_an_unknown_method_fails_before_any_work_and_names_the_methods(sim):
    sim = _harmonized(sim)
    before = snapshot(sim)
    with pytest.raises(mufuse.MufuseError, match=r"method must be one of .*'maxfuse'.*got 'maxfuze'"):
        mufuse.tl.match(sim, method="maxfuze")
    assert_unchanged(sim, before)
    assert "matching" not in sim.uns["mufuse"]


def test_bad_options_and_arguments_fail_before_any_work(sim, matcher):
    sim = _harmonized(sim)
    before = snapshot(sim)
    with pytest.raises(mufuse.MufuseError, match="unknown option"):
        mufuse.tl.match(sim, method=matcher.name, halve=True)
    with pytest.raises(mufuse.MufuseError, match="order must be"):
        mufuse.tl.match(sim, method=matcher.name, order=(2, 2))
    with pytest.raises(mufuse.MufuseError, match="seed must be"):
        matcher.validate({}, seed=-1)
    with pytest.raises(mufuse.MufuseError, match="unknown MaxFuse stage"):
        mufuse.tl.get_matcher("maxfuse").validate({"refine": {}})
    assert_unchanged(sim, before)


def test_registering_a_second_class_under_a_taken_name_is_refused(matcher):
    class Other(SharedNeighbours):
        pass

    with pytest.raises(mufuse.MufuseError, match="registered already"):
        mufuse.tl.register_matcher(Other())
    with pytest.raises(mufuse.MufuseError, match="Matcher subclass with a name"):
        mufuse.tl.register_matcher(object())


def _run(sim, matcher, **kw):
    return mufuse.tl.match(sim, method=matcher.name, **kw)


def test_match_completes_scores_and_stores_whatever_the_matcher(sim, matcher):
    """The matcher pairs half the protein cells; ``match`` pairs the rest in its joint space, gives every pair a
    confidence, and stores the table, each cell's partner, the embedding and the matcher's parameters."""
    sim = _harmonized(sim)
    table = _run(sim, matcher, seed=1)
    n_prot = sim["prot"].n_obs
    assert table["prot"].nunique() == n_prot and len(table) == n_prot
    assert list(table["stage"].cat.categories) == ["nearest", "embedding"]
    assert (table["stage"] == "nearest").sum() == n_prot // 2
    assert table["confidence"].between(0, 1).all()
    assert sim["prot"].obs["mufuse_match"].notna().all()
    np.testing.assert_allclose(sim["rna"].obsm["X_mufuse"], sim["rna"].obsm["mufuse_shared"])
    stored = sim.uns["mufuse"]["params"][matcher.name]
    assert stored["nearest"]["half"] is True or stored["nearest"]["half"] == 1
    # on the simulator's paired cells a nearest neighbour in the shared genes is mostly the same cell type
    ev = mufuse.tl.evaluate_matching(sim, label_key="cell_type")
    assert ev["label_agreement"] > 0.5
    # the transfers read it as they read MaxFuse's
    labels = mufuse.tl.transfer_labels(sim, "cell_type", source="rna", target="prot")
    assert len(labels) == n_prot


def test_every_rna_cell_is_matched_when_order_asks_for_it(sim, matcher):
    sim = _harmonized(sim)
    table = _run(sim, matcher, order=(1, 2), confidence=False)
    assert table["rna"].nunique() == sim["rna"].n_obs
    assert "confidence" not in table.columns


@pytest.mark.maxfuse
def test_match_with_maxfuse_is_run_maxfuse(sim_unpaired):
    """``match(method="maxfuse")`` and ``run_maxfuse`` are one call: the same seed gives the same matching."""
    a = _harmonized(sim_unpaired)
    b = a.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = mufuse.tl.match(a, method="maxfuse", seed=3, confidence=False)
        two = mufuse.tl.run_maxfuse(b, seed=3, confidence=False)
    pd.testing.assert_frame_equal(one, two)
    assert a.uns["mufuse"]["params"]["maxfuse"]["route"]["route"] == "direct"
