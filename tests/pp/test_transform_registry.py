"""Protein transforms as registered objects (issue 32): fitted once by harmonize, stored, replayed by the transfers."""

from __future__ import annotations

import json
import warnings

import mudata
import numpy as np
import pytest

import mufuse
from mufuse._transforms import PROT_TRANSFORMS, TRANSFORMS, get_transform, transform_protein


def _counts(seed=0, n=400, markers=10):
    rng = np.random.default_rng(seed)
    x = rng.poisson(rng.uniform(1, 80, markers), (n, markers)).astype(float)
    x[:, 0] += rng.poisson(200, n) * (rng.random(n) < 0.3)  # a bimodal marker
    x[5] = 0.0  # a cell without signal
    return x, [f"M{j}" for j in range(markers)]


def test_every_transform_but_auto_is_registered():
    assert set(TRANSFORMS) == set(PROT_TRANSFORMS) - {"auto"}
    with pytest.raises(mufuse.MufuseError, match="is not one of"):
        get_transform("asinh")


@pytest.mark.parametrize("name", sorted(set(PROT_TRANSFORMS) - {"auto"}))
def test_fit_then_apply_is_the_transform(name):
    x, markers = _counts()
    t = get_transform(name)
    state = t.fit(x, markers, cofactor=5.0, clr_axis=0)
    json.dumps(state)  # what harmonize stores must be JSON
    np.testing.assert_allclose(t.apply(x, markers, state), transform_protein(x, transform=name), rtol=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), [("arcsinh", {}), ("log1p", {}), ("clr", {}), ("clr", {"clr_axis": 1}),
                                              ("total_log1p", {}), ("zscore", {})])  # fmt: skip
def test_a_fitted_state_puts_other_cells_on_the_same_scale(name, kwargs):
    """Replayed on a subset of the cells, a fitted transform gives those cells' rows of the whole: the state (cofactors,
    per-marker means, the target total) is the fitted cells', never re-derived from the subset."""
    x, markers = _counts()
    t = get_transform(name)
    state = t.fit(x, markers, **kwargs)
    rows = np.arange(0, len(x), 7)
    np.testing.assert_allclose(t.apply(x[rows], markers, state), t.apply(x, markers, state)[rows], rtol=1e-12)
    if name in ("clr", "total_log1p") and kwargs.get("clr_axis", 0) == 0:  # re-fitting on the subset differs
        refit = t.apply(x[rows], markers, t.fit(x[rows], markers, **kwargs))
        assert not np.allclose(refit, t.apply(x[rows], markers, state))


def test_median_cofactors_are_fitted_and_stored_per_marker():
    x, markers = _counts()
    state = get_transform("arcsinh").fit(x, markers, cofactor="median")
    assert set(state["cofactor"]) == set(markers)
    assert state["cofactor"]["M1"] == pytest.approx(float(np.median(x[:, 1])))


def test_negative_values_are_refused_by_transforms_of_counts():
    x, markers = _counts()
    for name in ("log1p", "clr", "total_log1p", "dsb"):
        with pytest.raises(mufuse.MufuseError, match=f"prot_transform='{name}' needs non-negative values"):
            get_transform(name).fit(x - 10, markers)


@pytest.mark.parametrize("transform", ["arcsinh", "clr", "total_log1p", "dsb", "auto"])
def test_harmonize_stores_the_state_and_the_transfer_replays_it(transform, tmp_path):
    """The state harmonize fitted goes through a real .h5mu file; transfer_features replays it and gives the values
    harmonize transformed (before its z-score), also when the stored state is the only source of the cofactors."""
    m = mufuse.datasets.simulated(300, seed=2, prescaled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m, prot_transform=transform)
    params = m.uns["mufuse"]["params"]["harmonize"]
    state = json.loads(params["prot_transform_state"])
    chosen = params["prot_transform"]
    assert isinstance(state, dict)
    path = tmp_path / "h.h5mu"
    m.write(path)
    back = mudata.read_h5mu(path)
    n = back["prot"].n_obs
    mufuse.tl.add_matching(back, [list(range(n)), list(range(n)), [1.0] * n], rna="rna", prot="prot")
    marker = "CD4_TotalSeqB"
    got = mufuse.tl.transfer_features(back, [marker], source="prot", target="rna", n_neighbors=0)[marker].to_numpy()
    t = get_transform(chosen)
    names = list(back["prot"].var_names) if t.per_cell() else [marker]  # per cell: over the whole panel
    x = np.asarray(back["prot"][:, names].X, dtype=np.float64)
    expect = t.apply(x, names, state)[:, names.index(marker)]
    np.testing.assert_allclose(got, expect.astype(np.float32), rtol=1e-5, atol=1e-5)


def test_a_state_without_a_marker_says_to_harmonize_again():
    m = mufuse.datasets.simulated(300, seed=2, prescaled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m, prot_transform="arcsinh")
    params = m.uns["mufuse"]["params"]["harmonize"]
    state = json.loads(params["prot_transform_state"])
    state["cofactor"].pop("CD4_TotalSeqB")
    params["prot_transform_state"] = json.dumps(state)
    n = m["prot"].n_obs
    mufuse.tl.add_matching(m, [list(range(n)), list(range(n)), [1.0] * n])
    with pytest.raises(mufuse.MufuseError, match=r"fitted without markers CD4_TotalSeqB.*harmonize\(mdata\) again"):
        mufuse.tl.transfer_features(m, ["CD4_TotalSeqB"], source="prot", target="rna")
