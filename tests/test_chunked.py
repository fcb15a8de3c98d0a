"""The out-of-core path: dask-backed RNA read lazily from a real .h5mu, on a real dask.distributed LocalCluster."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

import mufuse

KEYS = ("mufuse_shared", "mufuse_active")


@pytest.fixture(scope="module")
def cluster_client():
    from dask.distributed import Client, LocalCluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def _lazy_copy(path, mdata, chunks):
    from anndata.experimental import read_elem_lazy

    lazy = mdata.copy()
    fh = h5py.File(path, "r")
    lazy.mod["rna"].X = read_elem_lazy(fh["mod/rna/X"], chunks=(chunks, -1))
    return lazy, fh


@pytest.mark.parametrize("batch", [False, True])
def test_lazy_h5mu_on_a_local_cluster_equals_in_memory(cluster_client, tmp_path, batch):
    m = mufuse.datasets.simulated(2500, n_genes=700, seed=4)
    if batch:
        m["rna"].obs["batch"] = m["prot"].obs["batch"] = np.where(np.arange(m.n_obs) % 3, "a", "b")
    path = tmp_path / "sim.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    kw = {"batch_key": "batch"} if batch else {}
    expected = mufuse.pp.harmonize(m, copy=True, **kw)
    lazy, fh = _lazy_copy(path, m, chunks=600)
    try:
        import dask.array as da

        assert isinstance(lazy["rna"].X, da.Array)
        mufuse.pp.harmonize(lazy, **kw)  # the active Client runs the blocks on the cluster's workers
        active = lazy["rna"].obsm["mufuse_active"]
        assert isinstance(active, da.Array)  # never in memory as a whole: computed from the counts when used
        assert active.chunks[0] == lazy["rna"].X.chunks[0]
        got = {(mod, key): np.asarray(lazy[mod].obsm[key]) for mod in ("rna", "prot") for key in KEYS}
    finally:
        fh.close()
    for (mod, key), arr in got.items():
        np.testing.assert_allclose(arr, expected[mod].obsm[key], atol=1e-5)
    assert list(lazy.uns["mufuse"]["active"]["rna"]) == list(expected.uns["mufuse"]["active"]["rna"])
    assert lazy.uns["mufuse"]["report"]["input_state"]["rna"] == "counts"


@pytest.mark.realdata
def test_lazy_real_data_with_the_threaded_scheduler(pbmc_path, pbmc):
    expected = mufuse.pp.harmonize(pbmc, copy=True)
    lazy, fh = _lazy_copy(pbmc_path, pbmc, chunks=1000)
    try:
        import dask

        with dask.config.set(scheduler="threads"):
            mufuse.pp.harmonize(lazy)
            active = lazy["rna"].obsm["mufuse_active"].compute()
    finally:
        fh.close()
    np.testing.assert_allclose(active, expected["rna"].obsm["mufuse_active"], atol=1e-5)
    np.testing.assert_allclose(lazy["rna"].obsm["mufuse_shared"], expected["rna"].obsm["mufuse_shared"], atol=1e-5)
    # the lazy active array is not checksummed (that would be a pass over the counts); the in-memory ones are
    recorded = lazy.uns["mufuse"]["cells"]["harmonize"]["rna"]["arrays"]
    assert set(recorded) == {"mufuse_shared"}
