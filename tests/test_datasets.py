from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

import mufuse


def test_simulated_paired():
    m = mufuse.datasets.simulated(400, n_genes=300, seed=0)
    assert sparse.isspmatrix_csr(m["rna"].X) and m["rna"].X.dtype == np.float32
    assert list(m["rna"].obs_names) == list(m["prot"].obs_names)
    x = m["rna"].X.data
    assert np.all(x == np.round(x)) and x.min() >= 0
    assert {"CD3_TotalSeqB", "CD45RA", "HLA-DR", "IgG1_control_TotalSeqB"} <= set(m["prot"].var_names)
    assert m["prot"].var["isotype_control"].sum() == 3
    assert m["rna"].obs["cell_type"].nunique() == 8


def test_simulated_is_deterministic_and_seeded():
    a = mufuse.datasets.simulated(200, n_genes=300, seed=4)
    b = mufuse.datasets.simulated(200, n_genes=300, seed=4)
    c = mufuse.datasets.simulated(200, n_genes=300, seed=5)
    assert (a["rna"].X != b["rna"].X).nnz == 0
    assert (a["rna"].X != c["rna"].X).nnz > 0


def test_simulated_unpaired_and_prescaled():
    m = mufuse.datasets.simulated(300, n_genes=300, paired=False, n_prot_cells=500, prescaled=True)
    assert not set(m["rna"].obs_names) & set(m["prot"].obs_names)
    p = m["prot"].X
    assert p.shape[0] == 500 and p.min() == 0 and p.max() == 1
    assert mufuse.tl.detect_state(p) == "unit_scaled"


def test_markers_follow_cell_types():
    m = mufuse.datasets.simulated(2000, n_genes=300, seed=0)
    ct = m["prot"].obs["cell_type"].to_numpy()
    cd19 = m["prot"][:, "CD19_TotalSeqB"].X.ravel()
    assert cd19[ct == "B"].mean() > 5 * cd19[ct == "CD4 T"].mean()
    gene = np.asarray(m["rna"][:, "CD19"].X.toarray()).ravel()
    assert gene[ct == "B"].mean() > 5 * gene[ct == "CD4 T"].mean()


def test_simulated_bad_arguments():
    with pytest.raises(mufuse.MufuseError):
        mufuse.datasets.simulated(3)
    with pytest.raises(mufuse.MufuseError, match="n_genes"):
        mufuse.datasets.simulated(100, n_genes=20)
