from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

import mufuse


def _drawn(path):
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300
    # a real drawing: many distinct colours, not a blank canvas
    assert len(np.unique(img.reshape(-1, img.shape[2])[:, :3], axis=0)) > 20
    return img


@pytest.fixture
def matched_sim(sim):
    mufuse.pp.harmonize(sim)
    n = sim["rna"].n_obs
    mufuse.tl.add_matching(sim, [np.arange(n), np.arange(n), np.linspace(0, 1, n)])
    mufuse.tl.evaluate_matching(sim, label_key="cell_type", n_perms=50)
    return sim


def test_scales_shows_the_research_notes_failure(tmp_path):
    m = mufuse.datasets.simulated(600, n_genes=400, prescaled=True, seed=0)
    mufuse.pp.harmonize(m)
    fig = mufuse.pl.scales(m, save=tmp_path / "scales.png")
    _drawn(tmp_path / "scales.png")
    before, after = fig.axes
    assert "ratio" in before.get_title() and "ratio 1.0x" in after.get_title()
    import re

    ratio = float(re.search(r"ratio ([0-9.]+)x", before.get_title()).group(1))
    assert ratio > 2  # the pre-scaled protein's std is several times smaller than RNA's before harmonizing
    # the before panel's protein whiskers stay inside [0, 1]; after harmonizing they reach past 1
    assert before.get_ylim()[1] > 1 and after.get_ylim()[1] > 1
    plt.close(fig)


def test_matching_plot_with_labels_and_basis(matched_sim, tmp_path):
    matched_sim["prot"].obsm["X_umap"] = np.random.default_rng(0).normal(size=(matched_sim["prot"].n_obs, 2))
    fig = mufuse.pl.matching(matched_sim, label_key="cell_type", basis="X_umap", save=tmp_path / "m.png")
    _drawn(tmp_path / "m.png")
    assert len(fig.axes) == 4  # scores, confusion (+ colorbar), embedding
    assert "label agreement 1.000" in fig.axes[1].get_title()
    plt.close(fig)
    with pytest.raises(mufuse.MufuseError, match="basis 'X_nope'"):
        mufuse.pl.matching(matched_sim, basis="X_nope")


def test_marker_agreement_plot(matched_sim, tmp_path):
    fig = mufuse.pl.marker_agreement(matched_sim, save=tmp_path / "a.png")
    _drawn(tmp_path / "a.png")
    assert len(fig.axes[0].patches) == len(matched_sim.uns["mufuse"]["shared"])
    plt.close(fig)


def test_plots_need_their_inputs(sim):
    with pytest.raises(mufuse.MufuseError, match="harmonize"):
        mufuse.pl.scales(sim)
    mufuse.pp.harmonize(sim)
    with pytest.raises(mufuse.MufuseError, match="evaluate_matching"):
        mufuse.pl.marker_agreement(sim)
