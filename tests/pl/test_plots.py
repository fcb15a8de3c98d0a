from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
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


def test_matching_plot_shows_every_stage_and_the_confidence(matched_sim, tmp_path):
    """Pairs of the embedding stage are drawn; a stored confidence adds its panel with the agreement by coverage."""
    from mufuse.tl import add_matching

    m = matched_sim
    n = m["prot"].n_obs
    conf = np.linspace(1, 0, n)
    stage = np.where(np.arange(n) < n // 2, "pivot", "embedding")
    table = pd.DataFrame(
        {
            "rna": m["rna"].obs_names,
            "prot": m["prot"].obs_names,
            "score": np.ones(n),
            "stage": stage,
            "confidence": conf,
        }
    )
    add_matching(m, table)
    fig = mufuse.pl.matching(m, label_key="cell_type", save=tmp_path / "c.png")
    _drawn(tmp_path / "c.png")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [f"pivot ({n // 2})", f"embedding ({n - n // 2})"]
    assert "confidence: half the pairs at or above 0.50" == fig.axes[1].get_title()
    red = [line for ax in fig.axes for line in ax.get_lines() if line.get_color() == "#C44E52"]
    assert len(red) == 1 and np.allclose(red[0].get_ydata(), 1.0)  # the true pairs agree at every coverage
    plt.close(fig)


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
    assert "violin: cells above the minimum" in legend and "cells at the feature's minimum" in legend
    shared = m.uns["mufuse"]["shared"]
    rna = m["rna"]
    counts = [np.asarray(rna[:, genes.split(";")].X.sum(axis=1)).ravel() for genes in shared["genes"].astype(str)]
    zero_share = np.array([(c == 0).mean() for c in counts])
    assert zero_share.max() > 0.3  # sparse genes are there
    dots = [c for c in fig.axes[1].collections if isinstance(c, PathCollection)]
    assert len(dots) in (1, 2)  # RNA (it has zero counts), then protein where ≥ 1% of its cells share a minimum
    feature = np.rint(dots[0].get_offsets()[:, 0] + 0.2).astype(int)  # RNA dots sit 0.2 left of their feature
    np.testing.assert_array_equal(feature, np.flatnonzero(zero_share >= 0.01))  # a dot where ≥ 1% have no count
    np.testing.assert_allclose((dots[0].get_sizes() - 8) / 120, zero_share[feature], atol=1e-6)
    y = dots[0].get_offsets()[:, 1]
    np.testing.assert_allclose(y, m["rna"].obsm["mufuse_shared"].min(axis=0)[feature], atol=1e-5)
    plt.close(fig)


def test_scales_panel_draws_every_group_of_cells():
    """Cells above the minimum that all sit at the clip get a bar (no violin can be drawn); a minimum held by one
    cell is no zero-count group: no dot, its cell joins the violin."""
    from matplotlib.collections import LineCollection, PathCollection

    from mufuse.pl._scales import _panel

    n = 1000
    at_clip = np.where(np.arange(n) < 10, 5.0, -0.1)  # 99% at the minimum, 1% all at the clip
    spread = np.random.default_rng(0).normal(size=n)  # a minimum held by one cell
    fig, ax = plt.subplots()
    _panel(ax, (np.c_[at_clip, spread], np.c_[spread, spread]), np.arange(2, dtype=float))
    bars = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_linewidth()[0] > 2]  # not medians
    assert len(bars) == 1 and np.allclose(bars[0].get_segments()[0][:, 1], 5.0)
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots) == 1 and dots[0].get_offsets().shape[0] == 1  # only the 99% minimum gets a dot
    plt.close(fig)
