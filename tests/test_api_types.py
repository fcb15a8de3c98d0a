"""Every public function checks the type of what it is given and says what it takes (issue 30).

Each function gets, in the place of its first argument, every kind of object a user may hold where it does not
belong: a MuData, an AnnData, an AnnData view, an array, a sparse matrix, a DataFrame, a path, None. The call must
raise a :class:`mufuse.MufuseError` that names the function's input and what was given, at once (a MuData handed to
``detect_state`` used to build nested views until the machine ran out of memory).
"""

from __future__ import annotations

import resource
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import mufuse
from mufuse import MufuseError


@pytest.fixture(scope="module")
def objects():
    m = mufuse.datasets.simulated(60, n_genes=200, seed=0)
    return {
        "MuData": m,
        "AnnData": m["rna"],
        "AnnData view": m["rna"][:30],
        "ndarray": np.zeros((60, 5), np.float32),
        "sparse": sparse.csr_matrix(np.zeros((60, 5), np.float32)),
        "DataFrame": pd.DataFrame(np.zeros((60, 5))),
        "path": "data.h5mu",
        "None": None,
    }


# function -> (the kinds of first argument it takes, the other arguments it needs)
API = {
    mufuse.pp.harmonize: ({"MuData"}, {}),
    mufuse.pp.link_features: ({"MuData"}, {}),
    mufuse.tl.add_matching: ({"MuData"}, {"matching": pd.DataFrame({"rna": ["a"], "prot": ["b"]})}),
    mufuse.tl.check_scales: ({"MuData", "ndarray"}, {}),
    mufuse.tl.detect_state: ({"AnnData", "AnnData view", "ndarray", "sparse"}, {}),
    mufuse.tl.diagnose: ({"MuData"}, {}),
    mufuse.tl.evaluate_matching: ({"MuData"}, {}),
    mufuse.tl.run_maxfuse: ({"MuData"}, {}),
    mufuse.tl.to_maxfuse: ({"MuData"}, {}),
    mufuse.tl.transfer_features: ({"MuData"}, {"features": ["CD3E"]}),
    mufuse.tl.transfer_labels: ({"MuData"}, {"key": "cell_type"}),
    mufuse.pl.joint_umap: ({"MuData"}, {}),
    mufuse.pl.marker_agreement: ({"MuData"}, {}),
    mufuse.pl.matching: ({"MuData"}, {}),
    mufuse.pl.scales: ({"MuData"}, {}),
}
CASES = [
    (f, kind)
    for f, (takes, _) in API.items()
    for kind in ("MuData", "AnnData", "AnnData view", "ndarray", "sparse", "DataFrame", "path", "None")
    if kind not in takes
]


@pytest.fixture(autouse=True)
def _memory_cap():
    """A runaway call fails here with MemoryError instead of taking the machine (4 GB of address space more)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    cap = usage + 4 * 1024**3 + 8 * 1024**3  # the interpreter's mappings (numba, BLAS) need room beyond the RSS
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize(("function", "kind"), CASES, ids=[f"{f.__name__}-{k}" for f, k in CASES])
def test_a_public_function_given_the_wrong_kind_of_object_says_what_it_takes(function, kind, objects):
    _, extra = API[function]
    with warnings.catch_warnings(), pytest.raises(MufuseError) as err:
        warnings.simplefilter("ignore")
        function(objects[kind], **extra)
    said = str(err.value)
    given = "NoneType" if kind == "None" else type(objects[kind]).__name__
    assert function.__name__ in said and given in said, said


def test_maxfuse_defaults_and_datasets_check_their_numbers():
    with pytest.raises(MufuseError, match="maxfuse_defaults"):
        mufuse.tl.maxfuse_defaults("1000", 500, 20, 2000, 20)
    with pytest.raises(MufuseError, match="n_cells"):
        mufuse.datasets.simulated(n_cells="300")


def test_detect_state_names_a_layer_that_is_not_there(objects):
    with pytest.raises(MufuseError, match="layer 'nope' is not in the AnnData"):
        mufuse.tl.detect_state(objects["AnnData"], layer="nope")
