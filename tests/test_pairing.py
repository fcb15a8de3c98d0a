"""Pairing evidence (issue 29): cells are the same only when their names say so; row numbers are no names.

The kind: every way a table gets obs names that number its rows instead of naming its cells (anndata's default for an
AnnData built from an array, pandas' RangeIndex, a CSV's 1-based row numbers, an imaging tool's CellID, the same read
back as floats), against real cell names (10x barcodes, prefixed barcodes, imaging cell names).
"""

from __future__ import annotations

import warnings

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import pytest

import mufuse
from mufuse._validate import pairing, positional, same_cells
from mufuse.datasets._simulate import barcodes


def _rows(kind: str, n: int, rng) -> list[str]:
    half = n // 2
    return {
        "anndata default": [str(i) for i in range(n)],
        "RangeIndex": list(pd.RangeIndex(n).astype(str)),
        "CSV row numbers": [str(i + 1) for i in range(n)],
        "imaging CellID, filtered": [str(i) for i in np.sort(rng.choice(5 * n, n, replace=False)) + 1],
        "CellID read as float": [f"{float(i + 1)}" for i in range(n)],
        # the same counters decorated by a tag few cells share
        "anndata.concat index_unique='-'": [f"{i}-{b}" for b in (0, 1) for i in range(half)],
        "anndata.concat index_unique='_', named keys": [f"{i}_batch{b}" for b in (1, 2) for i in range(half)],
        "Seurat add.cell.ids": [f"s{b}_{i}" for b in (1, 2) for i in range(half)],
        "region and cell number": [f"reg{r:03d}_cell{i}" for r in (1, 2) for i in range(half)],
        "counter behind a word, zero-padded": [f"Cell-{i:05d}" for i in range(n)],
    }[kind]


ROW_KINDS = [
    "anndata default",
    "RangeIndex",
    "CSV row numbers",
    "imaging CellID, filtered",
    "CellID read as float",
    "anndata.concat index_unique='-'",
    "anndata.concat index_unique='_', named keys",
    "Seurat add.cell.ids",
    "region and cell number",
    "counter behind a word, zero-padded",
]
_CODES = barcodes(600)
NAME_KINDS = {
    "10x barcodes": lambda i: _CODES[i],
    "prefixed barcodes": lambda i: f"donor1_{_CODES[i]}",
    "barcodes of anndata.concat": lambda i: f"{_CODES[i]}-{i % 2}",
    "Seurat add.cell.ids on barcodes": lambda i: f"s{i % 3}_{_CODES[i][:-2]}",
    "barcodes with a sample number": lambda i: f"{_CODES[i][:-2]}-{1 + i % 4}",
}


@pytest.mark.parametrize("kind", ROW_KINDS)
def test_row_numbers_are_recognised(kind):
    assert positional(pd.Index(_rows(kind, 300, np.random.default_rng(0))))


@pytest.mark.parametrize("kind", list(NAME_KINDS))
def test_cell_names_are_not_row_numbers(kind):
    names = pd.Index([NAME_KINDS[kind](i) for i in range(300)])
    assert not positional(names)
    assert len(same_cells(names, names)) == 300


def _mdata(rna_names, prot_names, seed=0):
    sim = mufuse.datasets.simulated(300, n_genes=300, paired=False, n_prot_cells=300, seed=seed)
    rna = ad.AnnData(sim["rna"].X, obs=pd.DataFrame(index=rna_names), var=sim["rna"].var)
    prot = ad.AnnData(sim["prot"].X, obs=pd.DataFrame(index=prot_names), var=sim["prot"].var)
    rna.obs["cell_type"] = sim["rna"].obs["cell_type"].to_numpy()
    prot.obs["cell_type"] = sim["prot"].obs["cell_type"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.MuData({"rna": rna, "prot": prot})


@pytest.mark.parametrize("kind", ROW_KINDS)
def test_unrelated_modalities_with_row_numbers_are_unpaired(kind):
    """Two unrelated modalities numbered 0..n (or 1..n, or by CellID) are other cells: no identity metrics."""
    rng = np.random.default_rng(1)
    m = _mdata(_rows(kind, 300, rng), _rows(kind, 300, rng))
    with pytest.warns(UserWarning, match=r"row numbers .*taken as different cells.*barcodes"):
        assert pairing(m, "rna", "prot") == ("unpaired", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
    assert m.uns["mufuse"]["report"]["pairing"] == "unpaired"
    n = m["rna"].n_obs
    mufuse.tl.add_matching(m, [np.arange(n), np.arange(n), np.ones(n)])  # positions match: names must not count
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = mufuse.tl.evaluate_matching(m, label_key="cell_type", n_perms=20)
    assert ev["foscttm"] is None and ev["identity_accuracy"] is None


def test_row_numbers_of_different_lengths_are_not_partly_paired():
    m = _mdata([str(i) for i in range(300)], [str(i) for i in range(150, 450)])
    with pytest.warns(UserWarning, match="row numbers") as caught:
        assert pairing(m, "rna", "prot") == ("unpaired", 0)
    assert not any("share" in str(w.message) and "obs_names" in str(w.message) for w in caught)


@pytest.mark.parametrize("kind", list(NAME_KINDS))
def test_the_same_cell_names_stay_paired(kind):
    names = [NAME_KINDS[kind](i) for i in range(300)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # paired by name: nothing to warn about
        assert pairing(_mdata(names, names), "rna", "prot") == ("paired", 300)


def test_row_numbers_beside_barcodes_are_unpaired_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kind = pairing(
            _mdata([str(i) for i in range(300)], [NAME_KINDS["10x barcodes"](i) for i in range(300)]), "rna", "prot"
        )
    assert kind == ("unpaired", 0)


@pytest.mark.parametrize("prefix", ["cell_", "Cell-", "c", "obs_", "cell "])
def test_a_counter_behind_one_word_is_no_evidence_of_pairing(prefix):
    """Two unrelated tables whose cells were numbered the same way ('cell_0', 'cell_1', ...) are not paired."""
    names = pd.Index([f"{prefix}{i}" for i in range(40)])
    assert positional(names) and len(same_cells(names, names)) == 0
