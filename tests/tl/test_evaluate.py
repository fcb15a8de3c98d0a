from __future__ import annotations

import mudata
import numpy as np
import pandas as pd
import pytest

import mufuse
from mufuse.tl._metrics import foscttm, marker_agreement, permutation_test


def _true_pairs(m):
    n = m["rna"].n_obs
    mufuse.tl.add_matching(m, [np.arange(n), np.arange(n), np.ones(n)])


def test_true_pairing_on_simulated_data(sim):
    mufuse.pp.harmonize(sim)
    _true_pairs(sim)
    ev = mufuse.tl.evaluate_matching(sim, label_key="cell_type", n_perms=300)
    assert ev["label_agreement"] == 1.0 and ev["identity_accuracy"] == 1.0
    assert ev["p_value"] < 0.01
    assert 0 <= ev["foscttm"] < 0.3
    assert isinstance(ev["marker_corr"], pd.Series)
    assert list(ev["marker_corr"].index) == list(sim.uns["mufuse"]["shared"].index)
    assert ev["within_cluster"] > 0.5 and ev["not_checked"] == []
    stored = sim.uns["mufuse"]["evaluation"]
    assert stored["p_value"] == ev["p_value"] and stored["label_key"] == "cell_type"


def test_agreement_by_confidence_ranks_the_stored_confidence(sim):
    """A matching's own confidence column orders the agreement: planted wrong pairs at the bottom come last."""
    mufuse.pp.harmonize(sim)
    n = sim["rna"].n_obs
    rna_names, prot_names = sim["rna"].obs_names, sim["prot"].obs_names
    partner = np.arange(n)
    types = sim["rna"].obs["cell_type"].to_numpy()
    wrong = np.arange(n) >= n - n // 4  # the last quarter get a partner of another type
    for i in np.flatnonzero(wrong):
        partner[i] = np.flatnonzero(types != types[i])[0]
    confidence = np.where(wrong, 0.1, 0.9)
    table = pd.DataFrame({"rna": rna_names[partner], "prot": prot_names, "score": np.ones(n), "confidence": confidence})
    mufuse.tl.add_matching(sim, table)
    np.testing.assert_array_equal(sim["prot"].obs["mufuse_confidence"].to_numpy(), confidence)
    ev = mufuse.tl.evaluate_matching(sim, label_key="cell_type", n_perms=50)
    by = ev["agreement_by_confidence"]
    assert by["0.7"] == 1.0 and by["1.0"] == pytest.approx(ev["label_agreement"]) and by["1.0"] < 0.8
    assert dict(sim.uns["mufuse"]["evaluation"]["agreement_by_confidence"]) == by
    mufuse.tl.add_matching(sim, table.drop(columns="confidence"))  # a matching without one: none left behind
    assert "mufuse_confidence" not in sim["prot"].obs
    assert mufuse.tl.evaluate_matching(sim, label_key="cell_type", n_perms=50)["agreement_by_confidence"] is None


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("confidence", ["high"] * 3, "must hold finite numbers"),
        ("confidence", [0.5, 1.5, 0.2], "must lie in \\[0, 1\\]"),
        ("confidence", [0.5, -0.1, 0.2], "must lie in \\[0, 1\\]"),
        ("score", [0.5, np.inf, 0.2], "must hold finite numbers"),
        ("score", ["a", "b", "c"], "must hold finite numbers"),
        ("confidence", [0.5, np.nan, 0.2], "must hold finite numbers"),
    ],
)
def test_a_matching_table_with_unusable_numbers_is_refused_and_nothing_changes(sim, column, values, message):
    names = sim["rna"].obs_names[:3]
    table = pd.DataFrame({"rna": names, "prot": sim["prot"].obs_names[:3], "score": [0.9, 0.8, 0.7]})
    table[column] = values
    before = sim.uns.get("mufuse")
    with pytest.raises(mufuse.MufuseError, match=message):
        mufuse.tl.add_matching(sim, table)
    assert sim.uns.get("mufuse") is before and "mufuse_match" not in sim["prot"].obs


def test_an_empty_matching_table_is_refused(sim):
    empty = pd.DataFrame({"rna": [], "prot": [], "score": [], "confidence": []})
    with pytest.raises(mufuse.MufuseError, match="has no pairs; nothing to store"):
        mufuse.tl.add_matching(sim, empty)
    assert "mufuse_match" not in sim["prot"].obs


def test_random_pairing_is_not_significant(sim):
    mufuse.pp.harmonize(sim)
    n = sim["rna"].n_obs
    mufuse.tl.add_matching(sim, [np.arange(n), np.random.default_rng(1).permutation(n), np.ones(n)])
    ev = mufuse.tl.evaluate_matching(sim, label_key="cell_type", n_perms=300, seed=3)
    assert ev["label_agreement"] < 0.5
    assert ev["identity_accuracy"] < 0.01
    assert any("no better than random" in w for w in ev["warnings"])


def test_without_labels_and_unpaired_it_says_what_it_could_not_check(sim_unpaired):
    mufuse.pp.harmonize(sim_unpaired)
    mufuse.tl.add_matching(sim_unpaired, [np.arange(100), np.arange(100), np.ones(100)])
    ev = mufuse.tl.evaluate_matching(sim_unpaired, n_perms=50)
    assert ev["label_agreement"] is None and ev["foscttm"] is None
    assert len(ev["not_checked"]) == 3 and ev["within_cluster"] is not None
    assert any("100 pairs are too few" in w for w in ev["not_checked"])  # and no over-fit warning from chance
    assert not any("canonical correlation" in w for w in ev["warnings"])


def test_stored_warnings_and_not_checked_stay_lists_after_a_write_and_read(sim_unpaired, tmp_path):
    mufuse.pp.harmonize(sim_unpaired)
    mufuse.tl.add_matching(sim_unpaired, [np.arange(100), np.arange(100), np.ones(100)])
    ev = mufuse.tl.evaluate_matching(sim_unpaired, n_perms=50)
    path = tmp_path / "ev.h5mu"
    sim_unpaired.write(path)
    back = mudata.read_h5mu(path).uns["mufuse"]["evaluation"]
    for key in ("not_checked", "warnings"):
        assert [str(x) for x in back[key]] == list(ev[key]), key
        assert [str(x) for x in sim_unpaired.uns["mufuse"]["evaluation"][key]] == list(ev[key])


def test_evaluate_needs_a_matching(sim):
    mufuse.pp.harmonize(sim)
    with pytest.raises(mufuse.MufuseError, match=r"tl.match\(mdata\)"):
        mufuse.tl.evaluate_matching(sim)


def test_permutation_null_is_calibrated():
    rng = np.random.default_rng(0)
    ps = [
        permutation_test(rng.normal(size=(200, 5)), rng.normal(size=(200, 5)), n_perms=199, seed=s)[1]
        for s in range(40)
    ]
    assert 0.0 < np.mean(np.array(ps) < 0.05) <= 0.15  # about 5% false positives


def test_helpers_against_definitions():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(150, 4))
    y = x + rng.normal(scale=0.5, size=x.shape)
    expected = [np.corrcoef(x[:, j], y[:, j])[0, 1] for j in range(4)]
    np.testing.assert_allclose(marker_agreement(x, y), expected, rtol=1e-10)
    assert foscttm(x, x) == 0.0
    assert 0.35 < foscttm(x, rng.normal(size=x.shape)) < 0.65


@pytest.mark.realdata
def test_real_paired_true_and_random_pairings(pbmc):
    mufuse.pp.harmonize(pbmc)
    _true_pairs(pbmc)
    ev = mufuse.tl.evaluate_matching(pbmc, label_key="cell_type_derived_coarse", n_perms=1000)
    assert ev["label_agreement"] > 0.95 and ev["p_value"] < 0.01 and ev["foscttm"] < 0.2
    n = pbmc.n_obs
    significant = 0
    for r in range(10):  # at the 5% level, 3 or more of 10 random matchings called significant: chance 1.2%
        mufuse.tl.add_matching(pbmc, [np.arange(n), np.random.default_rng(100 + r).permutation(n), np.ones(n)])
        significant += mufuse.tl.evaluate_matching(pbmc, n_perms=200, seed=r)["p_value"] < 0.05
    assert significant <= 2


def test_diagnose_ranks_the_causes(sim):
    mufuse.pp.harmonize(sim)
    n = sim["rna"].n_obs
    mufuse.tl.add_matching(sim, [np.arange(n), np.random.default_rng(0).permutation(n), np.ones(n)])
    mufuse.tl.evaluate_matching(sim, n_perms=100)
    sim["prot"].obsm["mufuse_shared"] = sim["prot"].obsm["mufuse_shared"] * 0.1  # and a scale mismatch
    del sim.uns["mufuse"]["cells"]  # as in a file of a mufuse that recorded nothing (an edit is refused otherwise)
    table = mufuse.tl.diagnose(sim)
    assert table["cause"].iloc[0] == "scale mismatch"
    assert {"matching not better than random", "weak shared features"} <= set(table["cause"])
    assert table["severity"].is_monotonic_decreasing


def test_diagnose_quiet_on_a_good_matching(sim):
    mufuse.pp.harmonize(sim)
    _true_pairs(sim)
    mufuse.tl.evaluate_matching(sim, n_perms=100)
    table = mufuse.tl.diagnose(sim)
    assert "scale mismatch" not in set(table["cause"])
    assert "matching not better than random" not in set(table["cause"])


def test_diagnose_finds_an_unhandled_batch_effect(sim):
    batch = np.where(np.arange(sim.n_obs) % 2, "a", "b")
    sim["prot"].obs["batch"] = batch
    sim["prot"].X[batch == "a"] += 300.0  # protein of batch a measured with more background
    mufuse.pp.harmonize(sim)
    table = mufuse.tl.diagnose(sim)
    row = table[table["cause"] == "batch effect"]
    assert len(row) == 1 and "batch_key='batch'" in row["fix"].iloc[0]
    mufuse.pp.harmonize(sim, batch_key="batch")
    assert "batch effect" not in set(mufuse.tl.diagnose(sim)["cause"])
