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


def test_scales_shows_the_zero_count_share_of_sparse_genes(tmp_path):
    """Each feature's cells at its minimum are a dot sized by their share, which is the share of zero counts."""
    from matplotlib.collections import PathCollection

    m = mufuse.datasets.simulated(600, n_genes=400, seed=4)
    mufuse.pp.harmonize(m)
    fig = mufuse.pl.scales(m, save=tmp_path / "s.png")
    _drawn(tmp_path / "s.png")
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "cells above the feature's minimum" in legend and "share of cells" in legend
    shared = m.uns["mufuse"]["shared"]
    rna = m["rna"]
    counts = [np.asarray(rna[:, genes.split(";")].X.sum(axis=1)).ravel() for genes in shared["genes"].astype(str)]
    zero_share = np.array([(c == 0).mean() for c in counts])
    assert zero_share.max() > 0.3  # sparse genes are there
    dots = [c for c in fig.axes[1].collections if isinstance(c, PathCollection)]
    assert len(dots) == 2  # RNA, protein
    drawn = (dots[0].get_sizes() - 8) / 120
    has_zeros = zero_share > 0
    np.testing.assert_allclose(drawn[has_zeros], zero_share[has_zeros], atol=1e-6)
    assert (drawn[~has_zeros] < 0.05).all()  # no zero counts: the minimum is the few cells with the lowest count
    y = dots[0].get_offsets()[:, 1]
    np.testing.assert_allclose(y, m["rna"].obsm["mufuse_shared"].min(axis=0), atol=1e-5)
    plt.close(fig)
