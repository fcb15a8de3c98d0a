"""Files for the command line: read an ``.h5mu`` (whole, or with the RNA counts left on disk), write atomically.

A write goes to a temporary file beside the target and is renamed over it only when complete, so a failed or
interrupted write leaves no half file and never touches the input.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import _store

COMPRESSION = "gzip"  # HDF5 compression of the files written (h5py's level 4); None writes them uncompressed


class BadInput(Exception):
    """Raised for CLI-level problems (files, paths); reported like a MufuseError."""


def read(path: str):
    """Read a whole ``.h5mu`` file (an ``.h5ad`` when the name ends so), or raise :class:`BadInput` saying why not."""
    import anndata
    import mudata

    p = Path(path)
    kind, reader = (".h5ad", anndata.read_h5ad) if p.suffix == ".h5ad" else (".h5mu", mudata.read_h5mu)
    if not p.exists():
        raise BadInput(f"input file '{path}' does not exist")
    if p.is_dir():
        raise BadInput(f"input '{path}' is a directory, not an {kind} file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return reader(str(p))
    except Exception as err:  # h5py/anndata raise many types on corrupt or foreign files
        raise BadInput(f"cannot read '{path}' as an {kind} file ({type(err).__name__}: {err})") from None


def read_lazy(path: str, *, rna: str, chunks: int):
    """Read an ``.h5mu`` with the RNA matrices (``X`` and layers) left on disk as dask arrays of ``chunks`` rows.

    Everything else (obs, var, obsm, uns, the other modalities) is read into memory. The file stays open as long as
    the arrays are used; the caller closes the returned handle.

    Parameters
    ----------
    path
        The ``.h5mu`` file.
    rna
        Name of the RNA modality.
    chunks
        Rows per block.

    Returns
    -------
    ``(mdata, h5py_file)``.

    Examples
    --------
    >>> import tempfile, os, warnings, mufuse
    >>> from mufuse._io import read_lazy
    >>> path = os.path.join(tempfile.mkdtemp(), "s.h5mu")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     mufuse.datasets.simulated(n_cells=100, seed=0).write(path)
    >>> mdata, fh = read_lazy(path, rna="rna", chunks=40)
    >>> type(mdata["rna"].X).__name__, mdata["rna"].X.chunks[0]
    ('Array', (40, 40, 20))
    >>> fh.close()
    """
    import anndata as ad
    import h5py
    import mudata
    from anndata.experimental import read_elem_lazy

    try:
        from anndata.io import read_elem
    except ImportError:  # pragma: no cover - anndata < 0.11
        from anndata.experimental import read_elem
    if chunks < 1:
        raise BadInput(f"--chunks must be a positive number of rows, got {chunks}")
    try:
        import dask.array  # noqa: F401 - the lazy arrays are dask arrays
    except ImportError:
        raise BadInput(
            'reading the RNA counts in blocks (--chunks) needs dask: pip install "mufuse[dask]", or leave out '
            "--chunks to read the whole file into memory"
        ) from None
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"input file '{path}' does not exist")
    try:
        fh = h5py.File(p, "r")
        mods = {}
        for name in fh["mod"]:
            g = fh["mod"][name]
            if name != rna:
                mods[name] = read_elem(g)
                continue
            parts = {k: read_elem(g[k]) for k in g if k not in ("X", "layers", "raw")}
            layers = {k: read_elem_lazy(g["layers"][k], chunks=(chunks, -1)) for k in g.get("layers", {})}
            mods[name] = ad.AnnData(X=read_elem_lazy(g["X"], chunks=(chunks, -1)), layers=layers, **parts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mdata = mudata.MuData(mods)
        if "uns" in fh:
            mdata.uns.update(read_elem(fh["uns"]))
    except (OSError, KeyError) as err:
        raise BadInput(f"cannot read '{path}' as an .h5mu file ({type(err).__name__}: {err})") from None
    return mdata, fh


def check_target(out: str, inputs: Sequence[str]) -> Path:
    """Check the output path before any work: not an input, its folder exists and is writable."""
    target = Path(out)
    for src in inputs:
        if Path(src).exists() and target.exists() and os.path.samefile(src, target):
            raise BadInput(f"output '{out}' is the input file; write to another path")
        if Path(src).resolve() == target.resolve():
            raise BadInput(f"output '{out}' is the input file; write to another path")
    if target.is_dir():
        raise BadInput(f"output '{out}' is a directory; give a file name such as '{target / 'out.h5mu'}'")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(f"output folder '{folder}' does not exist")
    if not os.access(folder, os.W_OK):
        raise BadInput(f"output folder '{folder}' is not writable")
    return target


def _temp_target(out: str, inputs: Sequence[str]) -> tuple[Path, str]:
    """Check the output path; return it and a fresh temporary file beside it."""
    target = check_target(out, inputs)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp.h5mu", dir=folder)
    os.close(fd)
    return target, tmp


def _normal_mode(target: Path) -> int:
    """Return the permission bits a plain ``open(target, "w")`` would give.

    The target's own when it exists, else ``0o666`` less the umask (a temporary file is created ``0o600``, readable
    by its owner only).
    """
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _finish(tmp: str, target: Path, write) -> None:
    """Run ``write(tmp)``, then rename ``tmp`` to ``target``; on any failure remove ``tmp`` and re-raise.

    The file gets the mode a normal write would give it (:func:`_normal_mode`), not the temporary file's 0600.
    """
    try:
        write(tmp)
        os.chmod(tmp, _normal_mode(target))
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_atomic(mdata, out: str, *, inputs: Sequence[str] = (), compression: str | None = COMPRESSION) -> None:
    """Write ``mdata`` to ``out`` through a temporary file in the same folder and an atomic rename.

    A failed or interrupted write leaves no half file and never touches the input.

    Parameters
    ----------
    mdata
        The MuData to write.
    out
        Target ``.h5mu`` path.
    inputs
        Input paths that must not be overwritten.
    compression
        HDF5 compression of every array (``"gzip"``, the default: pbmc10k harmonized is 13 MB against 78 MB
        uncompressed, written in 0.9 s against 0.3 s), or ``None``.

    Examples
    --------
    >>> import tempfile, os, mufuse
    >>> from mufuse._io import write_atomic
    >>> d = tempfile.mkdtemp()
    >>> write_atomic(mufuse.datasets.simulated(n_cells=50), os.path.join(d, "sim.h5mu"))
    >>> os.listdir(d)
    ['sim.h5mu']
    """
    target, tmp = _temp_target(out, inputs)

    def write(path: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mdata.write_h5mu(path, **_dataset_kwargs(compression))

    _finish(tmp, target, write)


def _dataset_kwargs(compression: str | None) -> dict:
    return {"compression": compression} if compression else {}


def write_harmonized_copy(
    mdata, src: str, out: str, *, rna: str, prot: str, compression: str | None = COMPRESSION
) -> None:
    """Write ``src`` with the results of ``harmonize`` to ``out``, without reading the counts into memory.

    The out-of-core path: the input file is copied byte for byte (the counts stay as they are on disk), then the
    four ``obsm`` arrays and ``uns['mufuse']`` are replaced in the copy. A lazy (dask) array is computed and written
    block by block, so a million-cell active array never sits in memory. Atomic, as :func:`write_atomic`.

    Parameters
    ----------
    mdata
        The harmonized MuData (read from ``src`` with :func:`read_lazy`; its file still open).
    src
        The ``.h5mu`` it was read from.
    out
        Target ``.h5mu`` path (not ``src``).
    rna, prot
        Modality names.
    compression
        HDF5 compression of the arrays written (``"gzip"`` or ``None``); the copied counts keep their own.

    Examples
    --------
    >>> import tempfile, os, warnings, mufuse, mudata
    >>> from mufuse._io import read_lazy, write_harmonized_copy
    >>> d = tempfile.mkdtemp()
    >>> src, out = os.path.join(d, "s.h5mu"), os.path.join(d, "h.h5mu")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     mufuse.datasets.simulated(n_cells=100, seed=0).write(src)
    >>> lazy, fh = read_lazy(src, rna="rna", chunks=40)
    >>> mufuse.pp.harmonize(lazy)
    >>> write_harmonized_copy(lazy, src, out, rna="rna", prot="prot")
    >>> fh.close()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     back = mudata.read_h5mu(out)
    >>> back["rna"].obsm["mufuse_active"].shape == lazy["rna"].obsm["mufuse_active"].shape
    True
    """
    import shutil

    import h5py

    from . import _chunked

    try:
        from anndata.io import write_elem
    except ImportError:  # pragma: no cover - anndata < 0.11
        from anndata.experimental import write_elem
    target, tmp = _temp_target(out, [src])

    def write(path: str) -> None:
        shutil.copyfile(src, path)
        with h5py.File(path, "r+") as fh:
            for mod in (rna, prot):
                obsm = fh[f"mod/{mod}"].require_group("obsm")
                for key in (_store.SHARED_KEY, _store.ACTIVE_KEY):
                    arr = mdata.mod[mod].obsm[key]
                    if key in obsm:
                        del obsm[key]
                    if _chunked.is_dask(arr):
                        ds = obsm.create_dataset(key, shape=arr.shape, dtype=arr.dtype, **_dataset_kwargs(compression))
                        ds.attrs["encoding-type"], ds.attrs["encoding-version"] = "array", "0.2.0"
                        _chunked.store(arr, ds, desc=f"writing {mod} {key}")
                    else:
                        write_elem(obsm, key, np.asarray(arr), dataset_kwargs=_dataset_kwargs(compression))
            if "uns" not in fh:
                write_elem(fh, "uns", {})
            if _store.UNS_KEY in fh["uns"]:
                del fh["uns"][_store.UNS_KEY]
            write_elem(
                fh["uns"], _store.UNS_KEY, mdata.uns[_store.UNS_KEY], dataset_kwargs=_dataset_kwargs(compression)
            )

    _finish(tmp, target, write)
