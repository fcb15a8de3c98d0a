"""Command line: ``mufuse demo | harmonize | check | match | links``; exit 0 on success, 2 on bad input."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import _store
from ._errors import MufuseError
from ._version import __version__

EXIT_BAD_INPUT = 2


class _BadInput(Exception):
    """Raised for CLI-level problems (files, paths); reported like a MufuseError."""


def _read(path: str):
    import mudata

    p = Path(path)
    if not p.exists():
        raise _BadInput(f"input file '{path}' does not exist")
    if p.is_dir():
        raise _BadInput(f"input '{path}' is a directory, not an .h5mu file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mudata.read_h5mu(str(p))
    except Exception as err:  # h5py/anndata raise many types on corrupt or foreign files
        raise _BadInput(f"cannot read '{path}' as an .h5mu file ({type(err).__name__}: {err})") from None


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
    >>> from mufuse.cli import read_lazy
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
        raise _BadInput(f"--chunks must be a positive number of rows, got {chunks}")
    p = Path(path)
    if not p.is_file():
        raise _BadInput(f"input file '{path}' does not exist")
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
        raise _BadInput(f"cannot read '{path}' as an .h5mu file ({type(err).__name__}: {err})") from None
    return mdata, fh


def _check_target(out: str, inputs: Sequence[str]) -> Path:
    """Check the output path before any work: not an input, its folder exists and is writable."""
    target = Path(out)
    for src in inputs:
        if Path(src).exists() and target.exists() and os.path.samefile(src, target):
            raise _BadInput(f"output '{out}' is the input file; write to another path")
        if Path(src).resolve() == target.resolve():
            raise _BadInput(f"output '{out}' is the input file; write to another path")
    if target.is_dir():
        raise _BadInput(f"output '{out}' is a directory; give a file name such as '{target / 'out.h5mu'}'")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise _BadInput(f"output folder '{folder}' does not exist")
    if not os.access(folder, os.W_OK):
        raise _BadInput(f"output folder '{folder}' is not writable")
    return target


def _temp_target(out: str, inputs: Sequence[str]) -> tuple[Path, str]:
    """Check the output path; return it and a fresh temporary file beside it."""
    target = _check_target(out, inputs)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp.h5mu", dir=folder)
    os.close(fd)
    return target, tmp


def _finish(tmp: str, target: Path, write) -> None:
    """Run ``write(tmp)``, then rename ``tmp`` to ``target``; on any failure remove ``tmp`` and re-raise."""
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_atomic(mdata, out: str, *, inputs: Sequence[str] = ()) -> None:
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

    Examples
    --------
    >>> import tempfile, os, mufuse
    >>> from mufuse.cli import write_atomic
    >>> d = tempfile.mkdtemp()
    >>> write_atomic(mufuse.datasets.simulated(n_cells=50), os.path.join(d, "sim.h5mu"))
    >>> os.listdir(d)
    ['sim.h5mu']
    """
    target, tmp = _temp_target(out, inputs)

    def write(path: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mdata.write_h5mu(path)

    _finish(tmp, target, write)


def write_harmonized_copy(mdata, src: str, out: str, *, rna: str, prot: str) -> None:
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

    Examples
    --------
    >>> import tempfile, os, warnings, mufuse, mudata
    >>> from mufuse.cli import read_lazy, write_harmonized_copy
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
                        ds = obsm.create_dataset(key, shape=arr.shape, dtype=arr.dtype)
                        ds.attrs["encoding-type"], ds.attrs["encoding-version"] = "array", "0.2.0"
                        _chunked.store(arr, ds, desc=f"writing {mod} {key}")
                    else:
                        write_elem(obsm, key, np.asarray(arr))
            if "uns" not in fh:
                write_elem(fh, "uns", {})
            if _store.UNS_KEY in fh["uns"]:
                del fh["uns"][_store.UNS_KEY]
            write_elem(fh["uns"], _store.UNS_KEY, mdata.uns[_store.UNS_KEY])

    _finish(tmp, target, write)


def _num(v: float) -> str:
    return f"{v:>9.3f}" if abs(v) < 1e4 else f"{v:>9.3g}"


def _fmt_summary(table: pd.DataFrame, states: dict[str, str] | None = None, indent: str = "  ") -> str:
    rows = table.loc[table["feature"] == "(all)"]
    head = f"{indent}{'modality':<10}{'state':<13}{'mean':>9}{'std':>9}{'min':>9}{'max':>9}{'|x|>=clip':>11}"
    lines = [head]
    for r in rows.itertuples(index=False):
        state = (states or {}).get(r.modality, "")
        lines.append(
            f"{indent}{r.modality:<10}{state:<13}{_num(r.mean)}{_num(r.std)}{_num(r.min)}{_num(r.max)}"
            f"{100 * r.frac_clipped:>10.1f}%"
        )
    return "\n".join(lines)


def _fmt_issues(issues: str, indent: str = "  ") -> str:
    if not issues:
        return f"{indent}verdict: OK — both modalities have mean≈0, std≈1 and the same range"
    return "\n".join(f"{indent}! {line}" for line in issues.splitlines())


def _fmt_links(links: pd.DataFrame) -> str:
    width = max(8, *(len(str(i)) for i in links.index)) + 2
    lines = [f"{'marker':<{width}}{'status':<13}{'genes':<22}reason"]
    for name, r in links.iterrows():
        lines.append(f"{name!s:<{width}}{r['status']:<13}{r['genes'] or '-':<22}{r['reason']}")
    counts = links["status"].value_counts()
    lines.append("")
    lines.append(
        f"{counts.get('linked', 0)} of {len(links)} markers linked ("
        + ", ".join(f"{k}: {v}" for k, v in counts.items())
        + ")"
    )
    return "\n".join(lines)


def _harmonize_kwargs(args) -> dict:
    return {
        "rna": args.rna,
        "prot": args.prot,
        "prot_transform": args.prot_transform,
        "clip": args.clip,
        "library_size": args.library_size,
        "n_top_genes": args.n_top_genes,
        "batch_key": args.batch_key,
        "layer": args.layer,
        "strict": args.strict,
    }


def _scale_issues(store) -> str:
    return str(store[_store.REPORT].get("issues", ""))


def cmd_demo(args) -> int:
    """Run ``mufuse demo``: simulate, link, harmonize, print the scales before and after."""
    from . import datasets, pp

    mdata = datasets.simulated(args.n_cells, paired=not args.unpaired, prescaled=not args.raw_protein, seed=args.seed)
    kind = "paired" if not args.unpaired else "unpaired (disjoint cells)"
    prot_state = "raw antibody counts" if args.raw_protein else "pre-scaled to [0, 1] (the research notes' failure)"
    print(
        f"mufuse {__version__} demo: simulated {mdata['rna'].n_obs} RNA cells × {mdata['rna'].n_vars} genes and "
        f"{mdata['prot'].n_obs} protein cells × {mdata['prot'].n_vars} markers, {kind}; protein {prot_state}\n"
    )
    links = pp.link_features(mdata)
    counts = links["status"].value_counts()
    print(
        f"1. link: {counts.get('linked', 0)} of {len(links)} markers linked to genes "
        f"({', '.join(f'{k}: {v}' for k, v in counts.items())})"
    )
    for name, r in links.iterrows():
        print(f"     {name!s:<26}{r['status']:<12}{r['genes'] or '-'}")
    pp.harmonize(mdata)
    store = _store.uns(mdata)
    report = store[_store.REPORT]
    states = dict(report["input_state"])
    before = report["before"]
    print("\n2. before: RNA z-scored, protein as given (what MaxFuse would see without mufuse)")
    print(_fmt_summary(before, {"rna": "zscored", "prot": states["prot"]}, indent="     "))
    print(_fmt_issues(str(report["before_issues"]), indent="     "))
    print("\n3. after mufuse.pp.harmonize: both modalities z-scored per feature and clipped to [-5, 5]")
    print(_fmt_summary(report["table"], {"rna": "zscored", "prot": "zscored"}, indent="     "))
    print(_fmt_issues(_scale_issues(store), indent="     "))
    shapes = {k: mdata[k].obsm[_store.SHARED_KEY].shape for k in ("rna", "prot")}
    act = {k: mdata[k].obsm[_store.ACTIVE_KEY].shape for k in ("rna", "prot")}
    print(
        f"\n4. MaxFuse inputs (mufuse.tl.to_maxfuse): shared {shapes['rna']} / {shapes['prot']}, "
        f"active {act['rna']} / {act['prot']}"
    )
    if args.output:
        write_atomic(mdata, args.output)
        print(f"   written to {args.output}")
    return 0


def _print_before_after(report, issues_after: str, rna: str, prot: str, after_title: str) -> None:
    states = dict(report["input_state"])
    print(
        f"as given ({rna} normalized and z-scored by mufuse, {prot} untransformed: what MaxFuse sees without "
        "a protein transform):"
    )
    print(_fmt_summary(report["before"], {rna: "zscored", prot: states.get(prot, "")}))
    print(_fmt_issues(str(report["before_issues"])))
    print(after_title)
    print(_fmt_summary(report["table"], {rna: "zscored", prot: "zscored"}))
    print(_fmt_issues(issues_after))


def cmd_harmonize(args) -> int:
    """Run ``mufuse harmonize IN -o OUT``."""
    from . import pp

    fh = None
    if args.chunks is not None:  # out of core: the RNA counts stay on disk, read block by block
        mdata, fh = read_lazy(args.input, rna=args.rna, chunks=args.chunks)
    else:
        mdata = _read(args.input)
    try:
        _check_target(args.output, [args.input])  # fail before the work, not after it
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pp.harmonize(mdata, **_harmonize_kwargs(args))
        if fh is None:
            write_atomic(mdata, args.output, inputs=[args.input])
        else:  # the counts stay on disk: copy the file, add the results, compute the active array block by block
            write_harmonized_copy(mdata, args.input, args.output, rna=args.rna, prot=args.prot)
    finally:
        if fh is not None:
            fh.close()
    store = _store.uns(mdata)
    report = store[_store.REPORT]
    states = dict(report["input_state"])
    print(
        f"harmonized {args.input} -> {args.output}: {store[_store.SHARED].shape[0]} shared features; input "
        f"{args.rna} {states[args.rna]} ({report['counts_source']}), {args.prot} {states[args.prot]}"
    )
    if report["dropped"]:
        print(f"  dropped (no variance): {report['dropped'].replace(chr(10), '; ')}")
    _print_before_after(report, _scale_issues(store), args.rna, args.prot, "after mufuse.pp.harmonize:")
    for w in caught:
        if not str(w.message).startswith("mufuse scale check"):
            print(f"warning: {w.message}", file=sys.stderr)
    return 0


def cmd_check(args) -> int:
    """Run ``mufuse check IN``: input states and the scale report."""
    from . import pp, tl
    from .tl._scales import scale_report

    mdata = _read(args.input)
    for name, role in ((args.rna, "rna"), (args.prot, "prot")):
        _store.get_modality(mdata, name, role)
    store = _store.uns(mdata)
    harmonized = all(_store.SHARED_KEY in mdata.mod[m].obsm for m in (args.rna, args.prot))
    print(f"{args.input}")
    for name in (args.rna, args.prot):
        state, why = tl.detect_state(mdata.mod[name], return_reason=True)
        ad = mdata.mod[name]
        print(f"  {name}: {ad.n_obs} cells × {ad.n_vars} features; .X looks {state} ({why})")
    if harmonized and _store.REPORT in store and _store.SHARED in store:
        report = dict(store[_store.REPORT])
        features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
        clip = float(dict(dict(store.get(_store.PARAMS, {})).get("harmonize", {})).get("clip", 5.0))
        arrays = [np.asarray(mdata.mod[m].obsm[_store.SHARED_KEY]) for m in (args.rna, args.prot)]
        # verify what is stored now, not what harmonize once reported
        table, found = scale_report(arrays, [args.rna, args.prot], features, clip)
        report["table"] = table
        issues = "\n".join(f"[{r}] {m}" for r, m in found)
        title = f"stored shared arrays (obsm['{_store.SHARED_KEY}'], {len(features)} features), checked now:"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            done = pp.harmonize(mdata, rna=args.rna, prot=args.prot, copy=True)
        report = _store.uns(done)[_store.REPORT]
        issues = str(report["issues"])
        title = "after mufuse.pp.harmonize with defaults (dry run: nothing written):"
    _print_before_after(report, issues, args.rna, args.prot, title)
    if harmonized and _store.MATCHING in store:
        ev = dict(store.get(_store.EVALUATION, {}))
        if ev:
            print(
                f"matching: {int(ev['n_matched'])} pairs, label agreement "
                f"{ev.get('label_agreement', 'n/a')}, permutation p = {float(ev['p_value']):.3g}"
            )
        causes = tl.diagnose(mdata, rna=args.rna, prot=args.prot)
        print("diagnosis of the matching:" if len(causes) else "diagnosis of the matching: nothing looks wrong")
        for r in causes.itertuples(index=False):
            print(f"  [{r.severity:.2f}] {r.cause}: {r.evidence}\n         fix: {r.fix}")
    if issues and args.strict:
        print(f"mufuse: error: scale check failed for {args.input} (--strict)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def cmd_match(args) -> int:
    """Run ``mufuse match IN -o OUT``: harmonize if needed, run MaxFuse, store the matching by obs name."""
    from . import pp, tl

    mdata = _read(args.input)
    _check_target(args.output, [args.input])
    for name, role in ((args.rna, "rna"), (args.prot, "prot")):
        _store.get_modality(mdata, name, role)
    if not all(_store.SHARED_KEY in mdata.mod[m].obsm for m in (args.rna, args.prot)):
        print("not harmonized yet: running mufuse.pp.harmonize with defaults first")
        pp.harmonize(mdata, rna=args.rna, prot=args.prot)
    order = {"prot": (2, 1), "rna": (1, 2), "both": None}[args.every]
    matching = tl.run_maxfuse(mdata, rna=args.rna, prot=args.prot, order=order, seed=args.seed)
    write_atomic(mdata, args.output, inputs=[args.input])
    n1, n2 = mdata.mod[args.rna].n_obs, mdata.mod[args.prot].n_obs
    print(
        f"matched {args.input} -> {args.output}: {len(matching)} pairs "
        f"({(matching['stage'] == 'pivot').mean():.0%} pivots); cells with a match: "
        f"{args.rna} {matching[args.rna].nunique() / n1:.1%}, {args.prot} {matching[args.prot].nunique() / n2:.1%}"
    )
    if args.labels:
        l1 = mdata.mod[args.rna].obs.loc[matching[args.rna], args.labels].astype(str).to_numpy()
        l2 = mdata.mod[args.prot].obs.loc[matching[args.prot], args.labels].astype(str).to_numpy()
        print(f"label agreement of matched pairs ({args.labels}): {(l1 == l2).mean():.3f}")
    return 0


def cmd_links(args) -> int:
    """Run ``mufuse links IN``: the link table."""
    from . import pp

    mdata = _read(args.input)
    links = pp.link_features(mdata, rna=args.rna, prot=args.prot)
    if args.tsv:
        links.rename_axis("marker").to_csv(sys.stdout, sep="\t")
    else:
        print(_fmt_links(links))
    return 0


def _add_modalities(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rna", default="rna", help="name of the RNA modality (default: rna)")
    p.add_argument("--prot", default="prot", help="name of the protein modality (default: prot)")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``mufuse`` command.

    Returns
    -------
    The parser with the sub-commands ``demo``, ``harmonize``, ``check``, ``match`` and ``links``.

    Examples
    --------
    >>> from mufuse.cli import build_parser
    >>> build_parser().parse_args(["check", "in.h5mu"]).command
    'check'
    """
    parser = argparse.ArgumentParser(
        prog="mufuse", description="Put RNA and protein of a MuData on one scale for MaxFuse: link, harmonize, verify."
    )
    parser.add_argument("--version", action="version", version=f"mufuse {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is done")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="simulate data, link, harmonize and show the scales before/after (offline)")
    p.add_argument("--n-cells", type=int, default=3000, help="number of simulated cells (default: 3000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--unpaired", action="store_true", help="protein measured on other cells than the RNA")
    p.add_argument(
        "--raw-protein",
        action="store_true",
        help="keep protein as raw counts (default: pre-scaled to [0, 1], the research notes' failure)",
    )
    p.add_argument("-o", "--output", help="also write the harmonized MuData to this .h5mu")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("harmonize", help="harmonize IN.h5mu and write OUT.h5mu")
    p.add_argument("input", help="input .h5mu with RNA counts and protein")
    p.add_argument("-o", "--output", required=True, help="output .h5mu (written atomically; never the input)")
    _add_modalities(p)
    p.add_argument(
        "--prot-transform",
        default="auto",
        choices=["auto", "zscore", "clr", "arcsinh", "log1p", "none"],
        help="protein transform before the z-score (default: auto, chosen from the detected state)",
    )
    p.add_argument("--clip", type=float, default=5.0)
    p.add_argument("--library-size", default="all", choices=["all", "shared"])
    p.add_argument("--n-top-genes", type=int, default=None, help="highly variable genes (default: 2000 or all)")
    p.add_argument("--batch-key", default=None)
    p.add_argument("--layer", default=None, help="RNA layer with raw counts (default: 'counts' if present, else .X)")
    p.add_argument("--strict", action="store_true", help="fail (exit 2) when the scale check fails")
    p.add_argument(
        "--chunks",
        type=int,
        default=None,
        help="read the RNA counts lazily in blocks of this many rows "
        "(files larger than memory; any active dask scheduler runs the blocks)",
    )
    p.set_defaults(func=cmd_harmonize)

    p = sub.add_parser("check", help="print input states and the scale report; --strict exits 2 on a broken rule")
    p.add_argument("input")
    _add_modalities(p)
    p.add_argument("--strict", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("match", help="run MaxFuse on IN.h5mu (harmonizing first if needed) and write OUT.h5mu")
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True, help="output .h5mu (written atomically; never the input)")
    _add_modalities(p)
    p.add_argument(
        "--every",
        choices=["prot", "rna", "both"],
        default="prot",
        help="which cells must get a match (default: every protein cell)",
    )
    p.add_argument("--labels", help="obs column present in both modalities: report label agreement of the pairs")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("links", help="print how each protein marker links to RNA genes, and why")
    p.add_argument("input")
    _add_modalities(p)
    p.add_argument("--tsv", action="store_true", help="tab-separated output")
    p.set_defaults(func=cmd_links)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mufuse`` command line.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    Exit code: 0 on success, 2 on bad input.

    Examples
    --------
    >>> from mufuse.cli import main
    >>> main(["check", "/no/such/file.h5mu"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    with warnings.catch_warnings():  # restores the caller's warning state (main() is also called in-process)
        warnings.showwarning = lambda msg, *a, **k: print(f"warning: {msg}", file=sys.stderr)
        warnings.filterwarnings("ignore", module=r"mudata\..*")
        warnings.filterwarnings("ignore", module=r"anndata\..*")
        try:
            return int(args.func(args))
        except (MufuseError, _BadInput) as err:
            print(f"mufuse: error: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except (OSError, KeyError) as err:
            print(f"mufuse: error: {type(err).__name__}: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
