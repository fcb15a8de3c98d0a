"""What mufuse stored stays true (issue 29): results used after the data changed under them are refused, by kind.

Every change a user makes with scanpy/muon after a mufuse step (a subset, an addition, a rename or a reordering of
cells; a marker dropped or renamed; a column added or a non-marker column dropped), through every reader of the
stored results (to_maxfuse, run_maxfuse, check_scales, evaluate_matching, diagnose, the plots, the CLI), in memory
and after a write and read of the ``.h5mu``.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import anndata as ad
import mudata
import muon as mu
import numpy as np
import pandas as pd
import pytest

import mufuse
from mufuse import MufuseError


@pytest.fixture(scope="module")
def _harmonized():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = mufuse.datasets.simulated(300, n_genes=400, seed=11)
        m["prot"].var_names = [*m["prot"].var_names[:-1], "Area"]  # a non-marker column beside the markers
        mufuse.pp.harmonize(m)
    return m


@pytest.fixture
def harmonized(_harmonized):
    return _harmonized.copy()


def _matched(m):
    """The harmonized data with a stored matching (identity pairs: enough for every reader of a matching)."""
    n = m["rna"].n_obs
    mufuse.tl.add_matching(m, [np.arange(n), np.arange(n), np.linspace(1, 0, n)])
    return m


def _marker(m):
    links = pd.DataFrame(m.uns["mufuse"]["shared"])
    return str(links["prot"].iloc[0])


# -- changes of cells: each makes every stored result describe other cells -------------------------------------------


def _subset_prot(m):
    mu.pp.filter_obs(m["prot"], np.arange(m["prot"].n_obs) >= 20)
    return m, "prot", "280 now"


def _subset_mudata(m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return m[: m.n_obs // 2].copy(), "rna", "150 now"


def _rename_rna(m):
    m["rna"].obs_names = [f"sample1_{c}" for c in m["rna"].obs_names]
    return m, "rna", "other obs_names"


def _rename_one(m):
    names = list(m["prot"].obs_names)
    names[7] = "renamed-cell"
    m["prot"].obs_names = names
    return m, "prot", "other obs_names"


def _add_cells(m):
    extra = m["prot"][:5].copy()
    extra.obs_names = [f"new-{i}" for i in range(5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prot = ad.concat([m["prot"], extra], merge="same", uns_merge="first")
        out = mudata.MuData({"rna": m["rna"].copy(), "prot": prot})
    out.uns = dict(m.uns)
    return out, "prot", "305 now"


CELL_CHANGES = [
    ("protein cells filtered", _subset_prot),
    ("MuData subset", _subset_mudata),
    ("RNA cells renamed", _rename_rna),
    ("one protein cell renamed", _rename_one),
    ("protein cells added", _add_cells),
]

READERS = [
    ("to_maxfuse", lambda m: mufuse.tl.to_maxfuse(m)),
    ("check_scales", lambda m: mufuse.tl.check_scales(m)),
    ("diagnose", lambda m: mufuse.tl.diagnose(m)),
    ("pl.scales", lambda m: mufuse.pl.scales(m, show=False)),
    ("run_maxfuse", lambda m: mufuse.tl.run_maxfuse(m)),
]


@pytest.mark.parametrize(("change", "edit"), CELL_CHANGES, ids=[c[0] for c in CELL_CHANGES])
@pytest.mark.parametrize(("reader", "call"), READERS, ids=[r[0] for r in READERS])
def test_changed_cells_refuse_the_harmonized_arrays(harmonized, change, edit, reader, call):
    m, modality, words = edit(harmonized)
    with pytest.raises(MufuseError, match=rf"modality '{modality}' changed since .*harmonize.*{words}.*harmonize"):
        call(m)


MATCH_READERS = [
    ("evaluate_matching", lambda m: mufuse.tl.evaluate_matching(m, n_perms=10)),
    ("pl.matching", lambda m: mufuse.pl.matching(m, show=False)),
    ("transfer_labels", lambda m: mufuse.tl.transfer_labels(m, "cell_type")),
]


@pytest.mark.parametrize(("change", "edit"), CELL_CHANGES, ids=[c[0] for c in CELL_CHANGES])
@pytest.mark.parametrize(("reader", "call"), MATCH_READERS, ids=[r[0] for r in MATCH_READERS])
def test_changed_cells_refuse_the_stored_matching(harmonized, change, edit, reader, call):
    m, modality, _ = edit(_matched(harmonized))
    with pytest.raises(MufuseError, match=rf"modality '{modality}' changed since"):
        call(m)


def test_reordered_cells_keep_every_result(harmonized):
    """A reordering moves obsm with the cells: the arrays still fit, nothing is refused."""
    m = _matched(harmonized)
    order = np.random.default_rng(0).permutation(m["prot"].n_obs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = mudata.MuData({"rna": m["rna"].copy(), "prot": m["prot"][order].copy()}, uns=dict(m.uns))
    assert mufuse.tl.to_maxfuse(m)["shared_arr2"].shape[0] == m["prot"].n_obs
    result = mufuse.tl.evaluate_matching(m, n_perms=10)
    assert result["n_matched"] == m["rna"].n_obs


# -- changes of features ---------------------------------------------------------------------------------------------


def test_dropped_marker_is_named(harmonized):
    marker = _marker(harmonized)
    mu.pp.filter_var(harmonized["prot"], harmonized["prot"].var_names != marker)
    for call in (mufuse.tl.to_maxfuse, mufuse.tl.check_scales, mufuse.tl.run_maxfuse):
        with pytest.raises(MufuseError, match=rf"modality 'prot' no longer has 1 feature.*'{marker}'.*exclude="):
            call(harmonized)


def test_renamed_marker_is_named(harmonized):
    marker = _marker(harmonized)
    harmonized["prot"].var_names = [f"{v}_renamed" if v == marker else v for v in harmonized["prot"].var_names]
    with pytest.raises(MufuseError, match=rf"no longer has 1 feature.*'{marker}'"):
        mufuse.tl.to_maxfuse(harmonized)


def test_dropped_genes_are_named(harmonized):
    genes = [g for g in pd.DataFrame(harmonized.uns["mufuse"]["shared"])["genes"].iloc[0].split(";")]
    mu.pp.filter_var(harmonized["rna"], ~harmonized["rna"].var_names.isin(genes))
    with pytest.raises(MufuseError, match=rf"modality 'rna' no longer has {len(genes)} feature"):
        mufuse.tl.to_maxfuse(harmonized)


def test_dropped_non_marker_column_warns_and_works(harmonized):
    before = mufuse.tl.to_maxfuse(harmonized)
    mu.pp.filter_var(harmonized["prot"], harmonized["prot"].var_names != "Area")
    with pytest.warns(UserWarning, match=r"modality 'prot' has other features .*keep the features"):
        after = mufuse.tl.to_maxfuse(harmonized)
    np.testing.assert_array_equal(before["active_arr2"], after["active_arr2"])


# -- stored in a file, changed, read back -----------------------------------------------------------------------------


def test_the_record_survives_a_file_and_the_cli_refuses(harmonized, tmp_path):
    path = tmp_path / "h.h5mu"
    m, _, _ = _subset_prot(harmonized)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
        back = mudata.read_h5mu(path)
    with pytest.raises(MufuseError, match="modality 'prot' changed since"):
        mufuse.tl.check_scales(back)
    out = subprocess.run(
        [str(Path(sys.executable).parent / "mufuse"), "check", str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2, out.stderr
    assert "modality 'prot' changed since" in out.stderr


def test_results_of_an_older_mufuse_are_read_as_they_are(harmonized):
    """Files written before the record existed have no ``cells`` entry: nothing to compare, nothing refused."""
    del harmonized.uns["mufuse"]["cells"]
    mu.pp.filter_obs(harmonized["prot"], np.arange(harmonized["prot"].n_obs) >= 20)
    assert mufuse.tl.to_maxfuse(harmonized)["shared_arr2"].shape[0] == 280


def test_harmonize_again_clears_the_refusal(harmonized):
    m, _, _ = _subset_prot(harmonized)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
    assert mufuse.tl.to_maxfuse(m)["shared_arr2"].shape[0] == 280
