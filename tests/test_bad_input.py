"""The bad-input battery (issue 10): real data made messy in every way we know of.

Each failing case asserts the error type, that the message names the modality and the feature(s) or parameter,
that it says what to do, and that the MuData is exactly as before (``.X``, ``.layers``, ``.obs``, ``.var``,
``.obsm``, ``.uns``) — also when it already held earlier mufuse results. Each unusual-but-valid case asserts that it
works and gives the right arrays.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import anndata as ad
import mudata
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import mufuse
from conftest import read_quiet
from mufuse import LinkError, MufuseError, StateError

KEYS = ("mufuse_shared", "mufuse_active")


@pytest.fixture(scope="module")
def base(pbmc_path):
    """pbmc10k (real CITE-seq), 3,000 cells: big enough to be real, small enough for ~60 cases."""
    m = read_quiet(pbmc_path)
    keep = m.obs_names[:3000]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.MuData({k: m[k][keep].copy() for k in ("rna", "prot")})


@pytest.fixture(scope="module")
def reference(base):
    return mufuse.pp.harmonize(base, copy=True)


def _copy(m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return m.copy()


def _rebuild(m, **mods):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.MuData({k: mods[k] if k in mods else m[k].copy() for k in m.mod})  # never share an AnnData


def _dense_prot(m) -> np.ndarray:
    x = m["prot"].X
    return np.asarray(x.toarray() if sparse.issparse(x) else x, dtype=np.float64).copy()


def deep_snapshot(m) -> dict:
    out: dict = {"uns": copy.deepcopy({k: repr(v) for k, v in m.uns.items()})}
    for name, a in m.mod.items():
        out[name] = {
            "X": a.X.copy() if a.X is not None else None,
            "layers": {k: v.copy() for k, v in a.layers.items()},
            "obs": a.obs.copy(),
            "var": a.var.copy(),
            "obsm": {k: np.array(v, copy=True) for k, v in a.obsm.items()},
        }
    return out


def _equal(a, b) -> bool:
    if sparse.issparse(a) or sparse.issparse(b):
        if not (sparse.issparse(a) and sparse.issparse(b) and a.format == b.format and a.shape == b.shape):
            return False
        return all(_equal(getattr(a, k), getattr(b, k)) for k in ("data", "indices", "indptr"))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def assert_same(m, snap) -> None:
    assert {k: repr(v) for k, v in m.uns.items()} == snap["uns"], "uns changed"
    for name, a in m.mod.items():
        s = snap[name]
        assert _equal(a.X, s["X"]), f"{name}.X changed"
        assert set(a.layers.keys()) == set(s["layers"]) and all(_equal(a.layers[k], v) for k, v in s["layers"].items())
        assert a.obs.equals(s["obs"]), f"{name}.obs changed"
        assert a.var.equals(s["var"]), f"{name}.var changed"
        assert set(a.obsm.keys()) == set(s["obsm"]), f"{name}.obsm keys changed"
        assert all(_equal(a.obsm[k], v) for k, v in s["obsm"].items()), f"{name}.obsm changed"


# ---------------------------------------------------------------------------------------------------------------
# bad inputs: (id, build(base) -> (mdata, call), error type, words the message must contain)


def _h(**kw) -> Callable:
    return lambda m: mufuse.pp.harmonize(m, **kw)


def _rna_x(m, f):
    m = _copy(m)
    m["rna"].X = f(m["rna"].X.copy())
    return m


def _set_data(value, at=5):
    def f(x):
        x = x.astype(np.float32)
        x.data[at] = value
        return x

    return f


def _prot_x(m, f):
    m = _copy(m)
    m["prot"].X = f(_dense_prot(m))
    return m


def _rename_prot(m, names):
    p = m["prot"].copy()
    p.var_names = names(list(map(str, p.var_names)))
    return _rebuild(m, prot=p)


def _dup_name(mod: str, axis: str):
    def build(m):
        a = m[mod].copy()
        names = list(map(str, getattr(a, axis)))
        names[10] = names[11]
        setattr(a, axis, names)
        return _rebuild(m, **{mod: a})

    return build


def _zscored_x(m):  # sc.pp.scale after log1p, nothing else kept (log-normalized RNA alone is used: test_real_inputs)
    m = _copy(m)
    x = np.log1p(m["rna"].X.toarray())
    m["rna"].X = ((x - x.mean(0)) / (x.std(0) + 1e-9)).astype(np.float32)
    return m


def _constant_all_shared(m):
    m = _copy(m)
    x = m["rna"].X.tocsc().astype(np.float32)
    x = x.tolil()
    x[:, :] = 0  # the RNA holds no counts at all in any gene
    m["rna"].X = x.tocsr()
    return m


def _few_cells(n):
    return lambda m: _rebuild(m, rna=m["rna"][:n].copy())


def _ensembl(m):
    r = m["rna"].copy()
    r.var_names = [f"ENSG{i:011d}" for i in range(r.n_vars)]
    return _rebuild(m, rna=r)


def _only_two_linked(m):
    keep = {"CD3_TotalSeqB", "CD4_TotalSeqB"}
    return _rename_prot(m, lambda ns: [n if n in keep else f"Unknown{i}" for i, n in enumerate(ns)])


def _not_mudata(m):
    return m["rna"].copy()


BAD = [
    ("rna modality missing", lambda m: m, _h(rna="gex"), MufuseError, ["'gex'", "'rna'", "'prot'", "rna="]),
    ("prot modality missing", lambda m: m, _h(prot="adt"), MufuseError, ["'adt'", "prot="]),
    ("not a MuData", _not_mudata, _h(), MufuseError, ["MuData", "AnnData"]),
    ("duplicated gene names", _dup_name("rna", "var_names"), _h(), MufuseError, ["'rna'", "var_names", "make_unique"]),
    ("duplicated cell names", _dup_name("prot", "obs_names"), _h(), MufuseError, ["prot", "obs_names", "make_unique"]),
    ("NaN in RNA counts", lambda m: _rna_x(m, _set_data(np.nan)), _h(), MufuseError, ["'rna'", "NaN", "genes"]),
    ("Inf in RNA counts", lambda m: _rna_x(m, _set_data(np.inf)), _h(), MufuseError, ["'rna'", "Inf", "genes"]),
    ("negative RNA counts", lambda m: _rna_x(m, _set_data(-2.0)), _h(), MufuseError, ["'rna'", "negative", "layer"]),
    ("z-scored RNA, no counts", _zscored_x, _h(), StateError, ["'rna'", "neither raw counts", "layers['counts']"]),
    (
        "NaN in a protein marker",
        lambda m: _prot_x(m, lambda x: np.where(np.arange(x.shape[1]) == 1, np.nan, x)),
        _h(),
        MufuseError,
        ["'prot'", "NaN", "CD4_TotalSeqB"],
    ),
    (
        "Inf in a protein marker",
        lambda m: _prot_x(m, lambda x: np.where(np.arange(x.shape[1]) == 0, np.inf, x)),
        _h(),
        MufuseError,
        ["'prot'", "CD3_TotalSeqB"],
    ),
    (
        "clr on z-scored protein",
        lambda m: _prot_x(m, lambda x: (x - x.mean(0)) / x.std(0)),
        _h(prot_transform="clr"),
        StateError,
        ["'prot'", "clr", "zscore"],
    ),
    ("5 cells", _few_cells(5), _h(), MufuseError, ["'rna'", "5 cells", "at least"]),
    ("0 cells", _few_cells(0), _h(), MufuseError, ["'rna'", "0 cells"]),
    ("no RNA counts at all", _constant_all_shared, _h(), LinkError, ["'rna'", "no variance", "at least 3"]),
    (
        "no marker links",
        lambda m: _rename_prot(m, lambda ns: [f"Q{i}" for i in range(len(ns))]),
        _h(),
        LinkError,
        ["'prot'", "Q0", "not_found", "overrides"],
    ),
    ("two shared features", _only_two_linked, _h(), LinkError, ["only 2", "CD3_TotalSeqB", "Unknown", "at least 3"]),
    ("Ensembl var_names", _ensembl, _h(), LinkError, ["Ensembl", "symbol column", "'rna'"]),
    ("unknown transform", lambda m: m, _h(prot_transform="zscale"), MufuseError, ["zscale", "arcsinh"]),
    ("clip 0", lambda m: m, _h(clip=0), MufuseError, ["clip", "positive"]),
    ("clip negative", lambda m: m, _h(clip=-5), MufuseError, ["clip"]),
    ("clip NaN", lambda m: m, _h(clip=float("nan")), MufuseError, ["clip"]),
    ("clip as text", lambda m: m, _h(clip="5"), MufuseError, ["clip"]),
    ("missing batch_key", lambda m: m, _h(batch_key="donor"), MufuseError, ["donor", "batch_key", "columns"]),
    ("n_top_genes > genes", lambda m: m, _h(n_top_genes=10**6), MufuseError, ["n_top_genes", "'rna'", "<="]),
    ("n_top_genes 0", lambda m: m, _h(n_top_genes=0), MufuseError, ["n_top_genes", "positive"]),
    ("n_top_genes float", lambda m: m, _h(n_top_genes=2.5), MufuseError, ["n_top_genes"]),
    ("library_size", lambda m: m, _h(library_size="median"), MufuseError, ["library_size", "shared"]),
    (
        "RNA without .X or layers",
        lambda m: _rebuild(m, rna=ad.AnnData(obs=m["rna"].obs, var=m["rna"].var)),
        _h(),
        MufuseError,
        ["'rna'", "no .X", "layer="],
    ),
    ("missing RNA layer", lambda m: m, _h(layer="raw_counts"), MufuseError, ["raw_counts", "'rna'", "layer=None"]),
    ("missing protein layer", lambda m: m, _h(prot_layer="dsb"), MufuseError, ["dsb", "'prot'"]),
    ("arcsinh cofactor 0", lambda m: m, _h(prot_transform="arcsinh", cofactor=0), MufuseError, ["cofactor"]),
    ("clr axis 2", lambda m: m, _h(prot_transform="clr", clr_axis=2), MufuseError, ["clr_axis"]),
    (
        "link: bad multi_gene",
        lambda m: m,
        lambda m: mufuse.pp.link_features(m, multi_gene="mean"),
        MufuseError,
        ["multi_gene", "sum"],
    ),
    (
        "link: override of an unknown marker",
        lambda m: m,
        lambda m: mufuse.pp.link_features(m, overrides={"CD999": "CD4"}),
        LinkError,
        ["CD999", "'prot'"],
    ),
    (
        "link: empty override",
        lambda m: m,
        lambda m: mufuse.pp.link_features(m, overrides={"CD4_TotalSeqB": ""}),
        LinkError,
        ["CD4_TotalSeqB", "exclude"],
    ),
    (
        "link: duplicated markers",
        lambda m: _rename_prot(m, lambda ns: ["CD3"] * len(ns)),
        lambda m: mufuse.pp.link_features(m),
        LinkError,
        ["'prot'", "CD3", "make_unique"],
    ),
    (
        "link: duplicated gene names",
        _dup_name("rna", "var_names"),
        lambda m: mufuse.pp.link_features(m),
        MufuseError,
        ["'rna'", "duplicated gene names", "make_unique"],
    ),
    (
        "link: no markers",
        lambda m: _rebuild(m, prot=m["prot"][:, :0].copy()),
        lambda m: mufuse.pp.link_features(m),
        LinkError,
        ["'prot'", "no markers"],
    ),
    (
        "check_scales: not harmonized",
        lambda m: m,
        lambda m: mufuse.tl.check_scales(m),
        MufuseError,
        ["'rna'", "harmonize"],
    ),
    (
        "check_scales: other widths",
        lambda m: m,
        lambda m: mufuse.tl.check_scales(np.zeros((50, 3)), np.zeros((50, 4))),
        MufuseError,
        ["3 vs 4"],
    ),
    (
        "check_scales: 1-D array",
        lambda m: m,
        lambda m: mufuse.tl.check_scales(np.zeros(50), np.zeros((50, 4))),
        MufuseError,
        ["2-D"],
    ),
    (
        "check_scales: text",
        lambda m: m,
        lambda m: mufuse.tl.check_scales(np.array([["a", "b"], ["c", "d"]]), np.zeros((2, 2))),
        MufuseError,
        ["numbers"],
    ),
    (
        "check_scales: one array",
        lambda m: m,
        lambda m: mufuse.tl.check_scales(np.zeros((50, 3))),
        MufuseError,
        ["two arrays"],
    ),
    ("to_maxfuse: not harmonized", lambda m: m, lambda m: mufuse.tl.to_maxfuse(m), MufuseError, ["harmonize"]),
    (
        "to_maxfuse: missing modality",
        lambda m: m,
        lambda m: mufuse.tl.to_maxfuse(m, prot="adt"),
        MufuseError,
        ["'adt'", "'prot'"],
    ),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("case", "build", "call", "error", "words"), BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_and_changes_nothing(base, case, build, call, error, words):
    m = build(base)
    snap = deep_snapshot(m) if isinstance(m, mudata.MuData) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            call(m)
    msg = str(info.value)
    for word in words:
        assert word in msg, f"{case}: {word!r} not in: {msg}"
    assert "\n" not in msg.strip(), "one line, so that the command line can print it as one"
    if snap is not None:
        assert_same(m, snap)


TO_MAXFUSE_BAD = [
    ("labels column missing", lambda m: mufuse.tl.to_maxfuse(m, labels="celltype"), ["celltype", "columns"]),
    ("bad harmonize call", lambda m: mufuse.pp.harmonize(m, clip=-1), ["clip"]),
    ("missing layer", lambda m: mufuse.pp.harmonize(m, layer="nope"), ["nope"]),
    ("too many HVGs", lambda m: mufuse.pp.harmonize(m, n_top_genes=5000), ["n_top_genes", "'rna'"]),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("case", "call", "words"), TO_MAXFUSE_BAD, ids=[c[0] for c in TO_MAXFUSE_BAD])
def test_failed_call_keeps_earlier_results(reference, case, call, words):
    """A harmonized MuData stays harmonized, bit for bit, when a later call fails."""
    m = _copy(reference)
    snap = deep_snapshot(m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(MufuseError) as info:
            call(m)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert_same(m, snap)


# ---------------------------------------------------------------------------------------------------------------
# unusual but valid inputs: they must just work (and give the arrays of the plain input where they should)


def _astype(dtype):
    return lambda m: _rna_x(m, lambda x: x.astype(dtype))


def _layout(fmt):
    return lambda m: _rna_x(m, lambda x: x.toarray() if fmt == "dense" else x.asformat(fmt))


def _f16_dense(m):
    return _rna_x(m, lambda x: x.toarray().astype(np.float16))


def _prot_dtype(dtype):
    return lambda m: _prot_x(m, lambda x: x.astype(dtype))


SAME = [  # arrays equal those of the plain input
    ("RNA int32", _astype(np.int32)),
    ("RNA int64", _astype(np.int64)),
    ("RNA uint16", _astype(np.uint16)),
    ("RNA float64", _astype(np.float64)),
    ("RNA float16 dense", _f16_dense),
    ("RNA CSC", _layout("csc")),
    ("RNA dense", _layout("dense")),
    ("protein int32", _prot_dtype(np.int32)),
    ("protein float16", _prot_dtype(np.float16)),
    ("protein sparse", lambda m: _prot_x(m, sparse.csr_matrix)),
    ("counts in layers['counts'], log in .X", lambda m: _counts_layer(m)),
]


def _counts_layer(m):
    m = _copy(m)
    m["rna"].layers["counts"] = m["rna"].X.copy()
    x = m["rna"].X.astype(np.float32)
    x.data = np.log1p(x.data)
    m["rna"].X = x
    return m


@pytest.mark.realdata
@pytest.mark.parametrize(("case", "build"), SAME, ids=[c[0] for c in SAME])
def test_unusual_inputs_give_the_same_arrays(base, case, build):
    m = build(base)
    snap = deep_snapshot(m)
    # the same values as float64 CSR counts and dense float64 protein, in .X: what each case must equal
    plain = _copy(m)
    counts = m["rna"].layers["counts"] if "counts" in m["rna"].layers else m["rna"].X
    plain["rna"].X = sparse.csr_matrix(np.asarray(counts, dtype=np.float64) if not sparse.issparse(counts) else counts)
    plain["rna"].X = plain["rna"].X.astype(np.float64)
    plain["rna"].layers.clear()
    plain["prot"].X = _dense_prot(m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
        mufuse.pp.harmonize(plain)
    for mod in ("rna", "prot"):
        for key in KEYS:
            np.testing.assert_allclose(m[mod].obsm[key], plain[mod].obsm[key], atol=2e-5, err_msg=case)
    for mod in ("rna", "prot"):  # the user's data are untouched
        assert _equal(m[mod].X, snap[mod]["X"])


@pytest.mark.realdata
def test_huge_values_do_not_overflow(base):
    m = _rna_x(base, _set_data(1e30, at=slice(0, 10)))
    m = _prot_x(m, lambda x: np.where((np.arange(x.shape[0]) < 5)[:, None] & (np.arange(x.shape[1]) == 0), 1e30, x))
    m["prot"].X = m["prot"].X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
    for mod in ("rna", "prot"):
        for key in KEYS:
            arr = np.asarray(m[mod].obsm[key])
            assert np.isfinite(arr).all() and np.abs(arr).max() <= 5.0


@pytest.mark.realdata
def test_empty_cells_are_kept_and_reported(base):
    m = _copy(base)
    x = m["rna"].X.tolil()
    x[:7] = 0
    m["rna"].X = x.tocsr()
    p = _dense_prot(m)
    p[10:13] = 0
    m["prot"].X = p
    with pytest.warns(UserWarning, match="'rna' has 7 cell"):
        mufuse.pp.harmonize(m)
    rep = m.uns["mufuse"]["report"]
    assert rep["empty_cells"] == {"rna": 7, "prot": 3}
    assert np.isfinite(m["rna"].obsm["mufuse_shared"]).all()
    assert m["rna"].obsm["mufuse_shared"].shape[0] == m["rna"].n_obs


@pytest.mark.realdata
def test_constant_and_all_zero_features_are_dropped_and_reported(base, reference):
    m = _prot_x(base, lambda x: np.where(np.arange(x.shape[1]) == 3, 7.0, x))  # CD14: constant
    r = m["rna"].X.tocsc()
    zero = [list(map(str, m["rna"].var_names)).index("CD19")]
    r[:, zero] = 0  # CD19's gene: all zero
    r.eliminate_zeros()
    m["rna"].X = r.tocsr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
    rep = m.uns["mufuse"]["report"]
    assert "CD14_TotalSeqB (no variance in prot)" in rep["dropped"]
    assert "CD19_TotalSeqB (no variance in rna)" in rep["dropped"]
    assert len(m.uns["mufuse"]["shared"]) == len(reference.uns["mufuse"]["shared"]) - 2
    assert "CD19" not in set(m.uns["mufuse"]["active"]["rna"])


@pytest.mark.realdata
def test_fractional_counts_work_and_are_reported(base):
    m = _rna_x(base, lambda x: x.astype(np.float32) * np.float32(1.37))
    mufuse.pp.harmonize(m)
    assert m.uns["mufuse"]["report"]["rna_fractional_values"] > 0
    assert m.uns["mufuse"]["report"]["ok"]


@pytest.mark.realdata
def test_partially_overlapping_cells_warn_and_are_reported(base):
    p = base["prot"].copy()
    p.obs_names = [n if i % 2 else f"other_{n}" for i, n in enumerate(map(str, p.obs_names))]
    m = _rebuild(base, prot=p)
    with pytest.warns(UserWarning, match="share 1500 obs_names"):
        mufuse.pp.harmonize(m)
    assert m.uns["mufuse"]["report"]["pairing"] == "partial"
    paired = mufuse.pp.harmonize(base, copy=True)
    assert paired.uns["mufuse"]["report"]["pairing"] == "paired"


@pytest.mark.realdata
def test_backed_h5mu_works_block_by_block(pbmc_path, pbmc):
    expected = mufuse.pp.harmonize(pbmc, copy=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = mudata.read_h5mu(pbmc_path, backed="r")
    try:
        assert m["rna"].isbacked
        mufuse.pp.harmonize(m)
        got = {(mod, k): np.asarray(m[mod].obsm[k]) for mod in ("rna", "prot") for k in KEYS}
    finally:
        m.file.close()
    for (mod, k), arr in got.items():
        np.testing.assert_allclose(arr, expected[mod].obsm[k], atol=1e-5)


def test_in_memory_dask_array_works(sim):
    import dask.array as da

    expected = mufuse.pp.harmonize(sim, copy=True)
    sim["rna"].X = da.from_array(sim["rna"].X, chunks=(400, -1))
    mufuse.pp.harmonize(sim)
    np.testing.assert_allclose(np.asarray(sim["rna"].obsm["mufuse_active"]), expected["rna"].obsm["mufuse_active"])


def test_integer_obs_names_and_an_obs_frame_work():
    m = mufuse.datasets.simulated(300, n_genes=300, seed=2)
    a = ad.AnnData(m["rna"].X, obs=pd.DataFrame(index=[str(i) for i in range(300)]), var=m["rna"].var)
    b = ad.AnnData(m["prot"].X, obs=pd.DataFrame(index=[str(i) for i in range(300)]), var=m["prot"].var)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mm = mudata.MuData({"rna": a, "prot": b})
    mufuse.pp.harmonize(mm)
    assert mm["rna"].obsm["mufuse_shared"].shape == (300, len(mm.uns["mufuse"]["shared"]))


@pytest.mark.realdata
def test_check_scales_on_arrays_changed_after_harmonize(reference):
    m = _copy(reference)
    m["prot"].obsm["mufuse_shared"] = m["prot"].obsm["mufuse_shared"][:, :3]
    with pytest.raises(MufuseError, match=r"modality 'prot'.*harmonize\(mdata\) again"):
        mufuse.tl.check_scales(m)


def _view(m):
    return m[:2000]


def _dsb_like(m):  # dsb-style protein: log, centered on the background, negative values
    return _prot_x(m, lambda x: np.log1p(x) - np.median(np.log1p(x), axis=0))


def _renamed(m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.MuData({"RNA": m["rna"].copy(), "ADT": m["prot"].copy()})


def _with(m, **more):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mudata.MuData({**{k: m[k].copy() for k in m.mod}, **more})


def _one_cell_batch(m):
    m = _copy(m)
    b = np.array(["a"] * m["rna"].n_obs, dtype=object)
    b[0] = "b"
    m["rna"].obs["run"] = m["prot"].obs["run"] = b
    return m


WORKS = [
    ("a MuData view (the parent stays as it was)", _view, {}),
    ("dsb-like protein with negative values", _dsb_like, {}),
    ("modalities named RNA and ADT", _renamed, {"rna": "RNA", "prot": "ADT"}),
    ("a third modality", lambda m: _with(m, atac=ad.AnnData(np.ones((50, 3)))), {}),
    ("a batch of one cell", _one_cell_batch, {"batch_key": "run"}),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("case", "build", "kw"), WORKS, ids=[c[0] for c in WORKS])
def test_unusual_inputs_just_work(base, case, build, kw):
    m = build(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = mufuse.pp.harmonize(m, copy=True, **kw)
    rna, prot = kw.get("rna", "rna"), kw.get("prot", "prot")
    inputs = mufuse.tl.to_maxfuse(out, rna=rna, prot=prot)
    for key in ("shared_arr1", "shared_arr2", "active_arr1", "active_arr2"):
        assert np.isfinite(inputs[key]).all() and np.abs(inputs[key]).max() <= 5.0, (case, key)
    assert inputs["shared_arr1"].shape[1] == inputs["shared_arr2"].shape[1] >= 10
    assert "mufuse" not in base.uns and "mufuse_shared" not in base["rna"].obsm  # the fixture is untouched
