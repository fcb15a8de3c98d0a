"""What mufuse stored stays true (issue 29): results used after the data changed under them are refused, by kind.

Every change a user makes with scanpy/muon after a mufuse step (a subset, an addition, a rename or a reordering of
cells; a marker dropped or renamed; a column added or a non-marker column dropped), through every reader of the
stored results (to_maxfuse, run_maxfuse, check_scales, evaluate_matching, diagnose, the plots, the CLI), in memory
and after a write and read of the ``.h5mu``.
"""

from __future__ import annotations

import re
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
    names = {"rna": m["rna"].obs_names, "prot": m["prot"].obs_names}
    mufuse.tl.add_matching(
        m, pd.DataFrame({**names, "score": np.linspace(1, 0, n), "confidence": np.linspace(1, 0, n)})
    )
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
    # the fix names both steps: the arrays and the matching made from them (a trial user ran harmonize, then met a
    # second refusal for the matching)
    with pytest.raises(MufuseError, match=rf"modality '{modality}' changed since.*harmonize\(mdata\), then mufuse.tl"):
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


@pytest.mark.parametrize("reader", ["to_maxfuse", "check_scales", "evaluate"])
def test_links_changed_after_harmonize_refuse_the_arrays(harmonized, reader):
    """link_features(exclude=...) after harmonize rewrites the links; the arrays still hold the excluded marker."""
    m = harmonized
    marker = str(m.uns["mufuse"]["shared"]["prot"].iloc[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.link_features(m, exclude=[marker])
        call = {
            "to_maxfuse": lambda: mufuse.tl.to_maxfuse(m),
            "check_scales": lambda: mufuse.tl.check_scales(m),
            "evaluate": lambda: mufuse.tl.evaluate_matching(m, n_perms=10),
        }[reader]
        with pytest.raises(MufuseError, match=rf"changed since harmonize \('{re.escape(marker)}' no longer linked"):
            call()
        mufuse.pp.harmonize(m)  # the advice works
        assert marker not in set(m.uns["mufuse"]["shared"]["prot"])
        mufuse.tl.to_maxfuse(m)


def test_batch_align_z_scores_the_rna_over_all_cells_when_the_mixes_differ():
    """One batch holds only T cells, the other every type: per-batch RNA z-scores move the T cells apart."""
    m = mufuse.datasets.simulated(900, seed=4)
    t = m["rna"].obs["cell_type"].astype(str).str.contains("T").to_numpy()
    batch = np.where(t & (np.arange(m.n_obs) % 2 == 0), "T only", "all")
    for mod in ("rna", "prot"):
        m[mod].obs["batch"] = pd.Categorical(batch)
    gaps = {}
    for align in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mufuse.pp.harmonize(m, batch_key="batch", batch_align=align)
        x = np.asarray(m["rna"].obsm["mufuse_shared"])
        gaps[align] = float(np.abs(x[t & (batch == "T only")].mean(0) - x[t & (batch == "all")].mean(0)).mean())
    assert gaps[True] < 0.1 < gaps[False], gaps  # the same T cells, one place once the RNA is pooled


def test_harmonizing_again_says_the_matching_is_dropped_and_keeps_transferred_labels(harmonized):
    m = _matched(harmonized)
    m["prot"].obs["mufuse_cell_type"] = "T"  # a label carried through the old matching: the user's annotation now
    with pytest.warns(UserWarning, match="the matching, its evaluation, the joint embedding .* are dropped"):
        mufuse.pp.harmonize(m)
    assert "matching" not in m.uns["mufuse"] and "mufuse_cell_type" in m["prot"].obs


# -- edits of the arrays mufuse wrote: a checksum tied to the cells' names, not their order ----------------------------


def _scaled(a):
    return a * 3


def _reversed_rows(a):
    return a[::-1].copy()


def _one_value(a):
    b = a.copy()
    b[5, 1] += 1.0
    return b


def _columns_permuted(a):
    return a[:, ::-1].copy()


def _replaced(a):
    return np.random.default_rng(0).normal(size=a.shape).astype(a.dtype)


def _nan_row(a):
    b = a.astype(np.float32).copy()
    b[3] = np.nan
    return b


ARRAY_EDITS = [
    ("scaled", _scaled),
    ("rows reversed", _reversed_rows),
    ("one value", _one_value),
    ("columns permuted", _columns_permuted),
    ("replaced", _replaced),
    ("NaN row", _nan_row),
    ("removed", None),
]


@pytest.mark.parametrize(("edit", "how"), ARRAY_EDITS, ids=[e[0] for e in ARRAY_EDITS])
@pytest.mark.parametrize("key", ["mufuse_shared", "mufuse_active"])
@pytest.mark.parametrize("modality", ["rna", "prot"])
@pytest.mark.parametrize(("reader", "call"), READERS[:3], ids=[r[0] for r in READERS[:3]])
def test_edited_harmonized_arrays_are_refused(harmonized, edit, how, key, modality, reader, call):
    m = harmonized
    if how is None:
        del m[modality].obsm[key]
        expected = rf"(obsm\['{key}'\] of modality '{modality}' changed since harmonize|has no obsm\['{key}'\])"
    else:
        m[modality].obsm[key] = how(np.asarray(m[modality].obsm[key]))
        expected = rf"obsm\['{key}'\] of modality '{modality}' changed since harmonize.*harmonize\(mdata\) again"
    with pytest.raises(MufuseError, match=expected):
        call(m)


def _cli_check(m, path: Path) -> subprocess.CompletedProcess:
    """Write ``m`` to ``path`` and run ``mufuse check`` on it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    exe = str(Path(sys.executable).parent / "mufuse")
    return subprocess.run([exe, "check", str(path)], capture_output=True, text=True, check=False)


def test_an_edited_array_is_refused_after_a_file_and_by_the_cli(harmonized, tmp_path):
    harmonized["prot"].obsm["mufuse_shared"] = np.asarray(harmonized["prot"].obsm["mufuse_shared"]) * 3
    out = _cli_check(harmonized, tmp_path / "edited.h5mu")
    assert out.returncode == 2, out.stderr
    assert "obsm['mufuse_shared'] of modality 'prot' changed since harmonize" in out.stderr


def test_unedited_arrays_pass_after_a_file_a_reorder_and_a_new_obs_column(harmonized, tmp_path):
    """What keeps the arrays true keeps the checksum: a write and read, cells reordered with their names, obs edits."""
    path = tmp_path / "h.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        harmonized.write(path)
        back = mudata.read_h5mu(path)
        order = np.random.default_rng(1).permutation(back["rna"].n_obs)
        back = mudata.MuData({"rna": back["rna"][order].copy(), "prot": back["prot"].copy()}, uns=dict(back.uns))
    back["rna"].obs["sample"] = "s1"
    back["rna"].obsm["X_pca"] = np.zeros((back["rna"].n_obs, 2))  # the user's own arrays under other keys
    assert mufuse.tl.to_maxfuse(back)["shared_arr1"].shape[0] == back["rna"].n_obs


def test_the_checksum_scales_to_many_cells_by_a_sample_of_them():
    """About CHECKSUM_ROWS cells enter the checksum whatever the number of cells, chosen by their names."""
    from mufuse._store import CHECKSUM_ROWS, array_checksum

    n = 200_000
    a = ad.AnnData(obs=pd.DataFrame(index=[f"c{i}" for i in range(n)]))
    a.obsm["x"] = np.random.default_rng(0).normal(size=(n, 3)).astype(np.float32)
    total, scale, nan = array_checksum(a, "x")
    assert nan == 0 and CHECKSUM_ROWS * 3 * 0.5 < scale / 0.8 < CHECKSUM_ROWS * 3 * 2  # E|N(0,1)| = 0.8
    b = a[np.random.default_rng(2).permutation(n)].copy()
    assert np.isclose(array_checksum(b, "x")[0], total, rtol=1e-9, atol=0)


# -- edits of the stored matching table: the partners in obs, the embedding and the evaluation belong to it ----------


def _permuted(t):
    t = t.copy()
    t["prot"] = np.random.default_rng(0).permutation(t["prot"].to_numpy())
    return t


def _scores(t):
    t = t.copy()
    t["score"] = t["score"][::-1].to_numpy()
    return t


def _unknown_cell(t):
    t = t.copy()
    t.loc[0, "rna"] = "not-a-cell"
    return t


TABLE_EDITS = [
    ("partners permuted", _permuted),
    ("rows dropped", lambda t: t.iloc[:100].copy()),
    ("rows added", lambda t: pd.concat([t, t.iloc[:5]], ignore_index=True)),
    ("scores changed", _scores),
    ("an unknown cell", _unknown_cell),
    ("a column dropped", lambda t: t.drop(columns=["score"])),
    ("stages changed", lambda t: t.assign(stage="pivot")),
    ("confidences permuted", lambda t: t.assign(confidence=np.random.default_rng(1).permutation(t["confidence"]))),
    ("confidence dropped", lambda t: t.drop(columns=["confidence"])),
]
TABLE_READERS = [
    *MATCH_READERS,
    ("transfer_features", lambda m: mufuse.tl.transfer_features(m, ["CD4"], source="rna", target="prot")),
    ("pl.marker_agreement", lambda m: mufuse.pl.marker_agreement(m, show=False)),
]


@pytest.mark.parametrize(("edit", "how"), TABLE_EDITS, ids=[e[0] for e in TABLE_EDITS])
@pytest.mark.parametrize(("reader", "call"), TABLE_READERS, ids=[r[0] for r in TABLE_READERS])
def test_an_edited_matching_table_is_refused(harmonized, edit, how, reader, call):
    m = _matched(harmonized)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.tl.evaluate_matching(m, n_perms=10)
    m.uns["mufuse"]["matching"] = how(pd.DataFrame(m.uns["mufuse"]["matching"]))
    with pytest.raises(MufuseError, match=r"the stored matching .* was edited since it was stored.*add_matching"):
        call(m)


def test_a_reordered_table_and_a_table_stored_by_add_matching_are_used(harmonized, tmp_path):
    m = _matched(harmonized)
    table = pd.DataFrame(m.uns["mufuse"]["matching"])
    m.uns["mufuse"]["matching"] = table.sort_values("score").reset_index(drop=True)  # the same pairs, reordered
    mufuse.tl.transfer_labels(m, "cell_type")
    mufuse.tl.add_matching(m, table.iloc[:100])  # pairs of the user's own, stored the way that keeps them true
    path = tmp_path / "m.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
        back = mudata.read_h5mu(path)
        assert mufuse.tl.evaluate_matching(back, n_perms=10)["n_matched"] == 100


def test_the_cli_refuses_an_edited_table(harmonized, tmp_path):
    m = _matched(harmonized)
    m.uns["mufuse"]["matching"] = _permuted(pd.DataFrame(m.uns["mufuse"]["matching"]))
    out = _cli_check(m, tmp_path / "edited.h5mu")
    assert out.returncode == 2 and "was edited since it was stored" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_add_matching_takes_obs_names_in_the_list_form(harmonized):
    m = harmonized
    names = [m["rna"].obs_names[:50].tolist(), m["prot"].obs_names[:50].tolist(), [1.0] * 50]
    mufuse.tl.add_matching(m, names)
    assert len(m.uns["mufuse"]["matching"]) == 50
    with pytest.raises(MufuseError, match="names cells that are not in modality 'rna'|not-a-cell"):
        mufuse.tl.add_matching(m, [["not-a-cell"] * 2, names[1][:2], [1.0, 1.0]])
    with pytest.raises(MufuseError, match="row positions"):
        mufuse.tl.add_matching(m, [[True, False], [0, 1], [1.0, 1.0]])


def test_a_subset_after_the_matching_says_harmonize_then_match(harmonized):
    m = _matched(harmonized)
    mu.pp.filter_obs(m["prot"], np.arange(m["prot"].n_obs) >= 20)
    with pytest.raises(MufuseError, match=r"Run mufuse.pp.harmonize\(mdata\), then mufuse.tl.match\(mdata\)"):
        mufuse.tl.transfer_labels(m, "cell_type")
    from mufuse.cli import cli_words

    with pytest.raises(MufuseError) as err:
        mufuse.tl.to_maxfuse(m)
    assert "before mufuse match" in cli_words(str(err.value))


def test_dropped_rna_genes_are_not_told_to_use_exclude(harmonized):
    m = harmonized
    active = list(m.uns["mufuse"]["active"]["rna"])
    mu.pp.filter_var(m["rna"], ~m["rna"].var_names.isin(active[:10]))
    with pytest.raises(MufuseError, match="subset the genes before it") as err:
        mufuse.tl.to_maxfuse(m)
    assert "exclude=" not in str(err.value)


def test_features_of_the_other_modality_say_source(harmonized):
    m = _matched(harmonized)
    marker = _marker(m)
    with pytest.raises(MufuseError, match=r"features of modality 'prot', pass source='prot'"):
        mufuse.tl.transfer_features(m, [marker])


def test_a_float32_table_is_no_edit_and_the_cli_says_match_again(harmonized, tmp_path):
    m = _matched(harmonized)
    table = pd.DataFrame(m.uns["mufuse"]["matching"])
    m.uns["mufuse"]["matching"] = table.astype({"score": np.float32, "confidence": np.float32})
    mufuse.tl.transfer_labels(m, "cell_type")
    m.uns["mufuse"]["matching"] = _permuted(table)
    out = _cli_check(m, tmp_path / "edited.h5mu")
    assert "add_matching" not in out.stderr and "mufuse match IN -o OUT" in out.stderr, out.stderr


@pytest.mark.parametrize(
    ("matching", "words"),
    [
        ([[0.5, 1.7], [0, 1], [0.9, 0.8]], "whole row positions"),
        ([[], [], []], "no pairs"),
        ([[0, 1], [0], [1.0, 1.0]], "same length"),
    ],
)
def test_the_list_form_refuses_what_it_cannot_store(harmonized, matching, words):
    with pytest.raises(MufuseError, match=words):
        mufuse.tl.add_matching(harmonized, matching)
    assert "matching" not in harmonized.uns["mufuse"]


def test_add_matching_takes_a_dict_of_columns(harmonized):
    m = harmonized
    mufuse.tl.add_matching(m, {"rna": m["rna"].obs_names[:30], "prot": m["prot"].obs_names[:30], "score": [1.0] * 30})
    assert len(m.uns["mufuse"]["matching"]) == 30


def test_a_transfer_within_one_modality_is_refused(harmonized):
    m = _matched(harmonized)
    with pytest.raises(MufuseError, match="source and target are both 'rna'"):
        mufuse.tl.transfer_features(m, ["CD4"], source="rna", target="rna")


@pytest.mark.parametrize(("source", "target"), [("rna", "prot"), ("prot", "rna")])
def test_transfers_both_ways_read_an_unedited_table(harmonized, source, target):
    m = _matched(harmonized)
    marker = _marker(m)
    feature = "CD4" if source == "rna" else marker
    out = mufuse.tl.transfer_features(m, [feature], source=source, target=target)
    assert out.shape == (m[target].n_obs, 1)
    mufuse.tl.transfer_labels(m, "cell_type", source=source, target=target)
