"""Command line: ``mufuse demo | harmonize | check | match | links``; exit 0 on success, 2 on bad input.

This module parses the arguments and runs the commands; files are read and written by :mod:`mufuse._io`, text is
formatted by :mod:`mufuse._format`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import shlex
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import _format, _io, _progress, _report, _store
from ._errors import MufuseError
from ._genes import SPECIES
from ._io import read_lazy, write_atomic, write_harmonized_copy
from ._kernels import CompileWatch
from ._transforms import PROT_TRANSFORMS
from ._version import __version__

__all__ = ["build_parser", "main", "read_lazy", "write_atomic", "write_harmonized_copy"]

EXIT_BAD_INPUT = 2


_FLAGS = (
    "rna|prot|layer|prot_layer|batch_key|clip|n_top_genes|library_size|prot_transform|cofactor|clr_axis|multi_gene"
    "|route|sketch_size|species|batch_align|empty_droplets"
)


def cli_words(message: str) -> str:
    """Say an API message's advice in the command line's words: ``layer='counts'`` → ``--layer counts``.

    Examples
    --------
    >>> cli_words("pass layer='counts' or overrides={'CD4': 'CD4'}, exclude=[...]")
    'pass --layer counts or --override CD4=CD4, --exclude MARKER'
    >>> cli_words("pass include=['my_score', 'Noodle'] (mufuse.pp.link_features), or overrides= with their genes")
    'pass --include my_score --include Noodle, or --override MARKER=GENES with their genes'
    >>> cli_words("pass include=['Algorithm Name', 'a, b'] or overrides={'Cell: CD3: Mean': '<GENE>'}")
    "pass --include 'Algorithm Name' --include 'a, b' or --override 'Cell: CD3: Mean=<GENE>'"
    >>> cli_words("pass batch_align=True, or leave batch_align out")
    'pass --batch-align, or leave --batch-align out'
    >>> cli_words("pass label_map={'<label>': '<common label>', ...} to map them")
    'pass --label-map LABEL=COMMON to map them'
    >>> cli_words("Run mufuse.pp.harmonize(mdata) again before to_maxfuse")
    'Run mufuse harmonize IN -o OUT again before mufuse match'
    >>> cli_words("the matching is dropped (run mufuse.tl.match again)")
    'the matching is dropped (run mufuse match IN -o OUT again)'
    """
    message = re.sub(rf"\b({_FLAGS})=True\b", lambda m: f"--{m.group(1).replace('_', '-')}", message)
    message = re.sub(rf"\bleave ({_FLAGS}) out\b", lambda m: f"leave --{m.group(1).replace('_', '-')} out", message)
    message = re.sub(rf"\bpass ({_FLAGS})=None\b", lambda m: f"leave out --{m.group(1).replace('_', '-')}", message)
    message = message.replace(" to mufuse.pp.link_features", "").replace(" (mufuse.pp.link_features)", "")
    message = re.sub(
        r"overrides=\{'([^']*)': '([^']*)'(?:, \.\.\.)?\}",
        lambda m: f"--override {shlex.quote(m.group(1) + '=' + m.group(2))}",
        message,
    )
    message = re.sub(r"(?:mufuse\.pp\.link_features\()?exclude=\[[^\]]*\]\)?", "--exclude MARKER", message)
    message = re.sub(
        r"include=\[([^\]]*)\]",
        lambda m: " ".join(f"--include {shlex.quote(n)}" for n in re.findall(r"'([^']*)'", m.group(1))),
        message,
    )
    message = re.sub(r"\boverrides=(?![{\w])", "--override MARKER=GENES", message)
    message = re.sub(r"\blabel_map=(?:\{[^}]*\})?", "--label-map LABEL=COMMON", message)
    message = re.sub(r"mufuse\.pp\.harmonize\(mdata[^)]*\)", "mufuse harmonize IN -o OUT", message)
    run = r"(?:mufuse\.)?tl\.(?:run_maxfuse|match)(?:\(mdata[^)]*\))?(?: \(or (?:mufuse\.)?tl\.add_matching\))?"
    message = re.sub(run, "mufuse match IN -o OUT", message)
    message = re.sub(r"\bbefore (?:to_maxfuse|run_maxfuse|match)\b", "before mufuse match", message)
    own = r"Store pairs of your own with mufuse\.tl\.add_matching\(mdata, table\) \([^)]*\), or r"  # no CLI for it
    message = re.sub(own, "R", message)
    message = message.replace("mufuse.tl.check_scales(mdata)", "mufuse check OUT.h5mu")
    message = re.sub(r"\bbefore (?:check_scales|evaluate_matching|diagnose)\b", "before mufuse check", message)
    message = re.sub(
        rf"\b({_FLAGS})=(?:'([^']*)'|<([^>]*)>|([^\s,;)]+))",
        lambda m: f"--{m.group(1).replace('_', '-')} {m.group(2) or m.group(4) or '<' + m.group(3) + '>'}",
        message,
    )
    return message


def _harmonize_kwargs(args) -> dict:
    """Collect the keyword arguments of :func:`mufuse.pp.harmonize` given on the command line."""
    return {
        "rna": args.rna,
        "prot": args.prot,
        "prot_transform": args.prot_transform,
        "clip": args.clip,
        "library_size": args.library_size,
        "n_top_genes": args.n_top_genes,
        "batch_key": args.batch_key,
        "layer": args.layer,
        "prot_layer": args.prot_layer,
        "cofactor": _cofactor(args.cofactor),
        "clr_axis": args.clr_axis,
        "batch_align": args.batch_align,
        "empty_droplets": _empty_droplets(getattr(args, "empty_droplets", None), args.prot),
        "strict": args.strict,
    }


def _empty_droplets(path: str | None, prot: str):
    """Read the empty droplets' protein counts: an ``.h5ad``, or a modality of an ``.h5mu``.

    ``FILE.h5mu:MODALITY`` names the modality; without one, the modality named like ``--prot``, or the file's only one.
    """
    if not path:
        return None
    file, sep, mod = path.rpartition(":")
    if not (sep and file.endswith(".h5mu") and mod):
        file, mod = path, ""
    data = _io.read(file)
    if hasattr(data, "mod"):
        name = mod or (prot if prot in data.mod or len(data.mod) != 1 else next(iter(data.mod)))
        if name not in data.mod:
            raise _io.BadInput(
                f"--empty-droplets {file} has no modality '{name}' (it has {', '.join(data.mod)}); pass "
                f"--empty-droplets {file}:{next(iter(data.mod))} with the modality that holds the droplets' protein"
            )
        return data.mod[name]
    return data


def _label_map(items: list[str] | None) -> dict[str, str]:
    """``--label-map "CD4 T=T cell" --label-map "CD8 T=T cell"`` → ``{"CD4 T": "T cell", "CD8 T": "T cell"}``."""
    out = {}
    for item in items or []:
        label, sep, common = item.partition("=")
        if not sep or not label.strip() or not common.strip():
            raise _io.BadInput(f"--label-map takes LABEL=COMMON (e.g. --label-map 'CD4 T=T cell'), got '{item}'")
        out[label.strip()] = common.strip()
    return out


def _cofactor(items: list[str] | None):
    """Parse ``--cofactor``: ``150`` → 150.0, ``median`` → ``"median"``, ``CD3=150 CD4=150`` → a dict per marker."""
    if not items:
        return 5.0
    if len(items) == 1 and "=" not in items[0]:
        if items[0].strip().lower() == "median":
            return "median"
        try:
            return float(items[0])
        except ValueError:
            raise _io.BadInput(f"--cofactor takes a number, 'median' or MARKER=VALUE, got '{items[0]}'") from None
    out = {}
    for item in items:
        marker, sep, value = item.partition("=")
        try:
            out[marker.strip()] = float(value)
        except ValueError:
            raise _io.BadInput(f"--cofactor takes a number or MARKER=VALUE (e.g. CD3=150), got '{item}'") from None
        if not sep or not marker.strip():
            raise _io.BadInput(f"--cofactor takes a number or MARKER=VALUE (e.g. CD3=150), got '{item}'")
    return out


def _link_kwargs(args) -> dict:
    """Collect the keyword arguments of :func:`mufuse.pp.link_features` given on the command line."""
    overrides = {}
    for item in args.override or []:
        marker, sep, genes = item.partition("=")
        if not sep or not marker.strip() or not genes.strip():
            raise _io.BadInput(
                f"--override takes MARKER=GENE[/GENE...] (e.g. --override PanCK=KRT8/KRT18), got '{item}'"
            )
        overrides[marker.strip()] = genes.strip()
    return {
        "rna": args.rna,
        "prot": args.prot,
        "overrides": overrides or None,
        "exclude": args.exclude or None,
        "include": args.include or None,
        "multi_gene": args.multi_gene,
        "species": args.species,
    }


def _link_if_asked(mdata, args) -> None:
    """Link with the command line's link options before harmonizing, when any was given."""
    from . import pp

    if args.override or args.exclude or args.include or args.multi_gene != "sum" or args.species != "auto":
        pp.link_features(mdata, **_link_kwargs(args))


def _maxfuse_kwargs(args) -> dict:
    """``--maxfuse STAGE.PARAM=VALUE`` options as :func:`mufuse.tl.run_maxfuse` takes them (values parsed as JSON)."""
    import json

    out: dict[str, dict] = {}
    for item in args.maxfuse or []:
        key, sep, raw = item.partition("=")
        stage, dot, param = key.partition(".")
        if not (sep and dot and stage and param):
            raise _io.BadInput(
                f"--maxfuse takes STAGE.PARAM=VALUE (e.g. --maxfuse refine_pivots.cca_components=10), got '{item}'"
            )
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = None if raw in ("None", "none") else raw
        out.setdefault(stage, {})[param] = value
    return out


_METHOD_NAMES = {"maxfuse": "MaxFuse", "anchors": "anchors"}  # as the route line of mufuse match names them


def _anchors_kwargs(args) -> dict:
    """``--anchors PARAM=VALUE`` options as ``mufuse.tl.match(method="anchors")`` takes them (values parsed as JSON)."""
    import json

    out: dict = {}
    for item in args.anchors or []:
        key, sep, raw = item.partition("=")
        if not (sep and key and raw):
            raise _io.BadInput(f"--anchors takes PARAM=VALUE (e.g. --anchors k_anchor=10), got '{item}'")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def _matcher_options(args) -> dict:
    """Resolve ``--method`` and return its options; refuse options of the other method.

    Without ``--method``, ``--maxfuse``, ``--metacells`` or ``--cluster-labels`` (MaxFuse's own options) choose
    MaxFuse; otherwise the default matcher runs.
    """
    given = {
        "maxfuse": bool(args.maxfuse) or args.metacells != "auto" or bool(args.cluster_labels),
        "anchors": bool(args.anchors),
    }
    if args.method is None:
        args.method = "maxfuse" if given["maxfuse"] and not given["anchors"] else tl_default_method()
    for method, flags in (("maxfuse", "--maxfuse/--metacells/--cluster-labels"), ("anchors", "--anchors")):
        if given[method] and args.method != method:
            raise _io.BadInput(f"{flags} set options of --method {method}, but --method is {args.method}")
    if args.method == "maxfuse":
        return {"metacells": args.metacells, **_maxfuse_kwargs(args)}
    return _anchors_kwargs(args)


def tl_default_method() -> str:
    """Return the matcher ``mufuse.tl.match`` runs by default."""
    from .tl._match import DEFAULT_METHOD

    return DEFAULT_METHOD


def _check_output(args, inputs: Sequence[str] = ()) -> None:
    """Check ``-o`` before any work: an ``.h5mu`` name, not an input, in a writable folder, new unless ``--force``."""
    out = _io.check_target(args.output, inputs)
    if out.suffix != ".h5mu":
        raise _io.BadInput(
            f"-o {args.output}: mufuse writes a MuData file, whose name ends in .h5mu; "
            f"give e.g. -o {out.with_suffix('.h5mu') if out.suffix else str(out) + '.h5mu'}"
        )
    if out.exists() and not args.force:
        raise _io.BadInput(f"-o {args.output} exists; pass --force to replace it, or give another name")


def _write(mdata, args, inputs: Sequence[str] = ()) -> str:
    """Write ``mdata`` to ``-o`` atomically (gzip unless ``--no-compress``); return where and how large."""
    _io.write_atomic(mdata, args.output, inputs=inputs, compression=_compression(args))
    return _written(args)


def _compression(args) -> str | None:
    return None if args.no_compress else _io.COMPRESSION


def _written(args) -> str:
    size = Path(args.output).stat().st_size
    how = "uncompressed" if args.no_compress else "gzip-compressed"
    return f"written: {Path(args.output).resolve()} ({size / 1e6:.1f} MB, {how})"


def _scale_issues(store) -> str:
    return str(store[_store.REPORT].get("issues", ""))


def cmd_demo(args) -> int:
    """Run ``mufuse demo``: simulate, link, harmonize, print the scales before and after."""
    from . import datasets, pp

    if args.output:
        _check_output(args)
    mdata = datasets.simulated(args.n_cells, paired=not args.unpaired, prescaled=not args.raw_protein, seed=args.seed)
    kind = "paired" if not args.unpaired else "unpaired (disjoint cells)"
    scaled = "min-max scaled to [0, 1] per marker (the mismatch mufuse exists to fix)"
    prot_state = "raw antibody counts" if args.raw_protein else scaled
    print(
        f"mufuse {__version__} demo: simulated {mdata['rna'].n_obs} RNA cells × {mdata['rna'].n_vars} genes and "
        f"{mdata['prot'].n_obs} protein cells × {mdata['prot'].n_vars} markers, {kind}; protein {prot_state}\n"
    )
    links = pp.link_features(mdata)
    print(f"1. link: {'; '.join(_format.link_summary(links))}")
    for name, r in links.iterrows():
        print(f"     {name!s:<26}{r['status']:<12}{r['genes'] or '-'}")
    pp.harmonize(mdata)
    store = _store.uns(mdata)
    report = store[_store.REPORT]
    states = dict(report["input_state"])
    before = report["before"]
    print(
        f"\n2. before: RNA z-scored by mufuse, protein as given ({states['prot']}): what MaxFuse would see "
        "without a protein transform"
    )
    print(_format.summary(before, {"rna": "zscored", "prot": states["prot"]}, indent="     "))
    print(_format.verdict(str(report["before_issues"]), indent="     ", table=before, as_given=True))
    print("\n3. after mufuse.pp.harmonize: both modalities z-scored per feature and clipped to [-5, 5]")
    print(_format.summary(report["table"], {"rna": "zscored", "prot": "zscored"}, indent="     "))
    print(_format.verdict(_scale_issues(store), indent="     ", table=report["table"]))
    shapes = {k: mdata[k].obsm[_store.SHARED_KEY].shape for k in ("rna", "prot")}
    act = {k: mdata[k].obsm[_store.ACTIVE_KEY].shape for k in ("rna", "prot")}
    print(
        f"\n4. MaxFuse inputs (mufuse.tl.to_maxfuse): shared {shapes['rna']} / {shapes['prot']}, "
        f"active {act['rna']} / {act['prot']}"
    )
    if args.output:
        print(f"   {_write(mdata, args)}")
    return 0


def cmd_harmonize(args) -> int:
    """Run ``mufuse harmonize IN -o OUT``."""
    from . import pp

    _check_output(args, [args.input])  # fail before reading and working, not after
    fh = None
    if args.chunks is not None:  # out of core: the RNA counts stay on disk, read block by block
        mdata, fh = _io.read_lazy(args.input, rna=args.rna, chunks=args.chunks)
    else:
        mdata = _io.read(args.input)
    try:
        _link_kwargs(args)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _link_if_asked(mdata, args)
            pp.harmonize(mdata, **_harmonize_kwargs(args))
        if fh is None:
            written = _write(mdata, args, [args.input])
        else:  # the counts stay on disk: copy the file, add the results, compute the active array block by block
            _io.write_harmonized_copy(
                mdata, args.input, args.output, rna=args.rna, prot=args.prot, compression=_compression(args)
            )
            written = _written(args)
    finally:
        if fh is not None:
            fh.close()
    store = _store.uns(mdata)
    report = store[_store.REPORT]
    states = dict(report["input_state"])
    print(
        f"harmonized {args.input} -> {args.output}: {store[_store.SHARED].shape[0]} shared features "
        f"(species: {store[_store.PARAMS]['link'].get('species', 'human')}); input "
        f"{args.rna} {states[args.rna]} ({report['counts_source']}), {args.prot} {states[args.prot]} "
        f"({report.get('prot_source', '.X')})"
    )
    if report.get("rna_names"):
        print(f"  {report['rna_names']}")
    chosen = dict(report.get("prot_transform", {}))
    if chosen:
        print(f"  {args.prot} transform: {chosen['chosen']} ({chosen['reason']})")
    if report["dropped"]:
        print(f"  dropped (no variance): {report['dropped'].replace(chr(10), '; ')}")
    after = _format.before_after(report, _scale_issues(store), args.rna, args.prot, "after mufuse.pp.harmonize:")
    print(cli_words(after))
    print(written)
    for w in caught:
        if not str(w.message).startswith("mufuse scale check"):
            print(f"warning: {cli_words(str(w.message))}", file=sys.stderr)
    return 0


def _scales_now(mdata, args, harmonized: bool) -> tuple[dict, str, str]:
    """Check the stored arrays now, or (not harmonized) dry-run harmonize with defaults: report, issues, title."""
    from . import pp

    store = _store.uns(mdata)
    if harmonized and _store.REPORT in store and _store.SHARED in store:
        _store.require_harmonized(mdata, args.rna, args.prot, what="mufuse check")
        report = dict(store[_store.REPORT])
        features = [str(f) for f in pd.DataFrame(store[_store.SHARED]).index]
        clip = float(dict(dict(store.get(_store.PARAMS, {})).get("harmonize", {})).get("clip", 5.0))
        arrays = [np.asarray(mdata.mod[m].obsm[_store.SHARED_KEY]) for m in (args.rna, args.prot)]
        # verify what is stored now, not what harmonize once reported
        table, found = _report.stored_report(arrays, [args.rna, args.prot], features, clip, report.get("table"))
        report["table"] = table
        title = f"stored shared arrays (obsm['{_store.SHARED_KEY}'], {len(features)} features), checked now:"
        return report, _report.format_issues(found), title
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _link_if_asked(mdata, args)
        done = pp.harmonize(mdata, **{**_harmonize_kwargs(args), "strict": False}, copy=True)
    report = _store.uns(done)[_store.REPORT]
    return report, str(report["issues"]), "after mufuse.pp.harmonize (dry run: nothing written):"


def _print_diagnosis(mdata, args) -> None:
    """Print the stored evaluation in one line, then the ranked causes of :func:`mufuse.tl.diagnose`."""
    from . import tl

    ev = dict(_store.uns(mdata).get(_store.EVALUATION, {}))
    if ev:
        print(
            f"matching: {int(ev['n_matched'])} pairs, label agreement {_format.share3(ev.get('label_agreement'))}, "
            f"permutation {_format.p_value(ev['p_value'], ev.get('n_perms'))}"
        )
    causes = tl.diagnose(mdata, rna=args.rna, prot=args.prot)
    print("diagnosis of the matching:" if len(causes) else "diagnosis of the matching: nothing looks wrong")
    for r in causes.itertuples(index=False):
        print(f"  [{r.severity:.2f}] {r.cause}: {r.evidence}\n         fix: {r.fix}")


def cmd_check(args) -> int:
    """Run ``mufuse check IN``: input states and the scale report."""
    from . import tl

    mdata = _io.read(args.input)
    for name, role in ((args.rna, "rna"), (args.prot, "prot")):
        _store.get_modality(mdata, name, role)
    harmonized = all(_store.SHARED_KEY in mdata.mod[m].obsm for m in (args.rna, args.prot))
    print(f"{args.input}")
    for name in (args.rna, args.prot):
        state, why = tl.detect_state(mdata.mod[name], return_reason=True)
        ad = mdata.mod[name]
        print(f"  {name}: {ad.n_obs} cells × {ad.n_vars} features; .X looks like {state}: {why}")
    if harmonized:
        _warn_unused_options(args)
    report, issues, title = _scales_now(mdata, args, harmonized)
    chosen = dict(report.get("prot_transform", {}))
    if chosen and not harmonized:
        print(f"  {args.prot} transform harmonize would use: {chosen['chosen']} ({chosen['reason']})")
    print(cli_words(_format.before_after(report, issues, args.rna, args.prot, title)))
    if harmonized and _store.MATCHING in _store.uns(mdata):
        _print_diagnosis(mdata, args)
    if issues and args.strict:
        print(f"mufuse: error: scale check failed for {args.input} (--strict)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _warn_unused_options(args) -> None:
    """``check`` of a harmonized file checks its stored arrays: say so for any harmonize or link option given."""
    defaults = build_parser().parse_args(["check", args.input])
    given = [
        "--" + dest.replace("_", "-")
        for dest in (*_harmonize_kwargs(defaults), "override", "exclude", "include", "multi_gene", "species")
        if dest not in ("rna", "prot", "strict", "empty_droplets")
        and hasattr(args, dest)
        and getattr(args, dest) != getattr(defaults, dest)
    ]
    if given or getattr(args, "empty_droplets", None):
        given += ["--empty-droplets"] if getattr(args, "empty_droplets", None) else []
        print(
            f"warning: {args.input} is harmonized: its stored arrays are checked as they are, so {', '.join(given)} "
            f"{'is' if len(given) == 1 else 'are'} not used (run mufuse harmonize again to apply "
            f"{'it' if len(given) == 1 else 'them'})",
            file=sys.stderr,
        )


def _check_match_call(mdata, args, order, options: dict) -> None:
    """Check every argument of ``mufuse match`` against the file before any work."""
    from . import _obs, tl

    for name, role in ((args.rna, "rna"), (args.prot, "prot")):
        _store.get_modality(mdata, name, role)
        for key in (args.labels, args.cluster_labels):
            if key:
                _obs.labels(mdata, name, key)
    tl.get_matcher(args.method).validate(
        options, order=order, seed=args.seed, route=args.route, sketch_size=args.sketch_size
    )


def cmd_match(args) -> int:
    """Run ``mufuse match IN -o OUT``: harmonize if needed, run the matcher, store the matching by obs name."""
    from . import pp, tl

    _check_output(args, [args.input])
    mdata = _io.read(args.input)
    order = {"prot": (2, 1), "rna": (1, 2), "both": None}[args.every]
    options = _matcher_options(args)
    _link_kwargs(args)  # parsed now: a malformed --override fails before any work
    label_map = _label_map(args.label_map)
    _check_match_call(mdata, args, order, options)
    if not all(_store.SHARED_KEY in mdata.mod[m].obsm for m in (args.rna, args.prot)):
        print("not harmonized yet: running mufuse.pp.harmonize first")
        _link_if_asked(mdata, args)
        pp.harmonize(mdata, **_harmonize_kwargs(args))
    matching = tl.match(
        mdata,
        method=args.method,
        rna=args.rna,
        prot=args.prot,
        labels=args.cluster_labels,
        order=order,
        seed=args.seed,
        route=args.route,
        sketch_size=args.sketch_size,
        confidence=not args.no_confidence,
        **options,
    )
    if args.labels:
        ev = tl.evaluate_matching(
            mdata, label_key=args.labels, rna=args.rna, prot=args.prot, label_map=label_map or None
        )
    written = _write(mdata, args, [args.input])
    n1, n2 = mdata.mod[args.rna].n_obs, mdata.mod[args.prot].n_obs
    pivots = f" ({(matching['stage'] == 'pivot').mean():.0%} pivots)" if args.method == "maxfuse" else ""
    print(
        f"matched {args.input} -> {args.output} with {args.method}: {len(matching)} pairs{pivots}; cells with a match: "
        f"{args.rna} {matching[args.rna].nunique() / n1:.1%}, {args.prot} {matching[args.prot].nunique() / n2:.1%} "
        f"(--every {args.every}: every {args.every} cell with signal gets a partner; the other side's cells may be "
        "used several times or not at all)"
    )
    route = dict(_store.uns(mdata)[_store.PARAMS][args.method]["route"])
    shown = _METHOD_NAMES.get(args.method, args.method)
    print(
        f"route: {route['route']} ({shown} fitted on {route['fitted_rna_cells']} {args.rna} x "
        f"{route['fitted_prot_cells']} {args.prot} cells{_format.metacells(route, args.rna)})"
    )
    print(_format.confidence(matching, ev if args.labels else None))
    if args.labels:
        print(_format.label_agreement(ev, args.labels))
        if ev.get("foscttm") is not None:
            print(
                f"paired data (cells in both modalities): FOSCTTM {ev['foscttm']:.3f} (0 perfect, 0.5 random), "
                f"pairs that are the same cell {ev['identity_accuracy']:.1%}"
            )
    print(written)
    return 0


def cmd_links(args) -> int:
    """Run ``mufuse links IN``: the link table."""
    from . import pp

    mdata = _io.read(args.input)
    links = pp.link_features(mdata, **_link_kwargs(args))
    if args.tsv:
        links.rename_axis("marker").to_csv(sys.stdout, sep="\t")
    else:
        print(_format.link_table(links))
        species = _store.uns(mdata)[_store.PARAMS]["link"]["species"]
        print(f"species: {species}" + (" (from the case of the RNA gene symbols)" if args.species == "auto" else ""))
        print(_format.rna_roles(mdata[args.rna], args.rna))
    return 0


VERBOSE_HELP = "log each step and its time (default: quiet)"
EXAMPLES = {
    "demo": """examples:
  mufuse demo                          # 3,000 simulated cells, protein pre-scaled: the failure, then the fix (~10 s)
  mufuse demo --raw-protein --unpaired # antibody counts on other cells than the RNA
  mufuse demo -o demo.h5mu             # also write the harmonized MuData""",
    "harmonize": """examples:
  mufuse harmonize pbmc.h5mu -o harmonized.h5mu
  mufuse harmonize cite.h5mu -o out.h5mu --rna RNA --prot ADT --batch-key sample
  mufuse harmonize codex.h5mu -o out.h5mu --prot-transform arcsinh --cofactor 150
  mufuse harmonize atlas.h5mu -o out.h5mu --chunks 20000   # RNA counts stay on disk""",
    "check": """examples:
  mufuse check pbmc.h5mu               # not harmonized: a dry run of harmonize, nothing written
  mufuse check harmonized.h5mu         # the stored arrays, checked as they are now
  mufuse check matched.h5mu --strict   # exit 2 when a scale rule is broken (for pipelines)""",
    "match": """examples:
  mufuse match harmonized.h5mu -o matched.h5mu
  mufuse match pbmc.h5mu -o matched.h5mu --labels cell_type_derived_coarse   # harmonizes first
  mufuse match codex.h5mu -o matched.h5mu --route sketch --sketch-size 20000
  mufuse match pbmc.h5mu -o matched.h5mu --method anchors   # no MaxFuse needed (core install)""",
    "links": """examples:
  mufuse links pbmc.h5mu
  mufuse links panel.h5mu --override PanCK=KRT8/KRT18 --exclude DAPI
  mufuse links mouse.h5mu --species mouse --tsv > links.tsv
  mufuse links cells.h5mu --include Area          # match a column its name would leave out""",
}


def _sub(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    """Add a sub-command's parser, with its examples below the options (line breaks kept)."""
    p = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=EXAMPLES[name],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(  # also after the command: `mufuse harmonize x.h5mu -o y.h5mu -v`
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
    )
    return p


def _add_modalities(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rna", default="rna", help="name of the RNA modality (default: %(default)s)")
    p.add_argument("--prot", default="prot", help="name of the protein modality (default: %(default)s)")


def _add_output(p: argparse.ArgumentParser, required: bool = True) -> None:
    g = p.add_argument_group("output")
    g.add_argument(
        "-o",
        "--output",
        required=required,
        metavar="OUT.h5mu",
        help="MuData file to write (written atomically: complete or not at all; never the input)"
        + ("" if required else "; default: nothing is written"),
    )
    g.add_argument("--force", action="store_true", help="replace OUT.h5mu if it exists (default: refuse)")
    g.add_argument(
        "--no-compress",
        action="store_true",
        help="write the arrays uncompressed: about 6x larger, 3x faster to write (default: gzip)",
    )


def _add_link_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("linking (mufuse.pp.link_features)")
    g.add_argument(
        "--override",
        action="append",
        metavar="MARKER=GENES",
        help="link MARKER to these genes, wins over everything (GENES separated by / ; or ,); repeatable "
        "(default: none)",
    )
    g.add_argument(
        "--exclude", action="append", metavar="MARKER", help="never link nor match MARKER; repeatable (default: none)"
    )
    g.add_argument(
        "--include",
        action="append",
        metavar="COLUMN",
        help="match COLUMN as a marker although its name reads as shape, position, a control or no antigen (its "
        "role in 'mufuse links'); repeatable (default: none)",
    )
    g.add_argument(
        "--multi-gene",
        default="sum",
        choices=["sum", "first", "all"],
        help="a protein with several genes: one column of their summed counts, the first gene, or one feature per "
        "gene (default: %(default)s)",
    )
    g.add_argument(
        "--species",
        default="auto",
        choices=list(SPECIES),
        help="species of the panel and the RNA: mouse panels link to MGI genes (F4/80 → Adgre1); auto reads it from "
        "the case of the RNA gene symbols, Cd3e mouse, CD3E human (default: %(default)s)",
    )


def _add_harmonize_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("harmonizing (mufuse.pp.harmonize)")
    g.add_argument(
        "--prot-transform",
        default="auto",
        choices=list(PROT_TRANSFORMS),
        help="protein transform before the z-score (default: %(default)s, chosen from the data; the reason is printed)",
    )
    g.add_argument(
        "--cofactor",
        action="append",
        metavar="VALUE|median|MARKER=VALUE",
        help="arcsinh cofactor: one number for every marker (default: 5), 'median' (each marker's median: linear "
        "intensities of unknown units, also min-max scaled), or MARKER=VALUE per channel (others keep 5); "
        "repeatable, e.g. --cofactor CD3=150 --cofactor CD4=150",
    )
    g.add_argument(
        "--empty-droplets",
        metavar="FILE",
        help="protein counts of empty droplets (.h5ad, or a modality of an .h5mu: FILE.h5mu:MODALITY, default the "
        "one named like --prot; e.g. the droplets of "
        "10x's raw_feature_bc_matrix that are not cells): the background of --prot-transform dsb (auto then "
        "chooses dsb; default: none)",
    )
    g.add_argument(
        "--clr-axis",
        type=int,
        default=0,
        choices=[0, 1],
        help="CLR across cells per marker (0) or across markers per cell (1) (default: %(default)s)",
    )
    g.add_argument(
        "--batch-align",
        action="store_true",
        help="with --batch-key: align the protein batches by each marker's negative and positive peaks, then z-score "
        "all cells together (default: z-score each batch)",
    )
    _add_scaling_options(g)


def _add_scaling_options(g) -> None:
    """Add the options of harmonize beside the protein transform: clip, RNA features, batches, layers, strict."""
    g.add_argument(
        "--clip",
        type=float,
        default=5.0,
        metavar="X",
        help="clip both modalities to [-X, X] after the z-score (default: %(default)s)",
    )
    g.add_argument(
        "--library-size",
        default="all",
        choices=["all", "shared"],
        help="RNA library size from all genes or from the shared genes only (default: %(default)s)",
    )
    g.add_argument(
        "--n-top-genes",
        type=int,
        default=None,
        metavar="N",
        help="highly variable genes in the RNA's active array (default: 2000, or every gene when fewer)",
    )
    g.add_argument(
        "--batch-key",
        default=None,
        metavar="KEY",
        help="obs column with the batch of each cell: z-score within each batch (default: none, all cells together)",
    )
    g.add_argument(
        "--layer",
        default=None,
        metavar="LAYER",
        help="RNA layer with raw counts, 'X' for .X or 'raw' for .raw.X (default: found where the counts are)",
    )
    g.add_argument(
        "--prot-layer",
        default=None,
        metavar="LAYER",
        help="protein layer to use, 'X' for .X or 'raw' for .raw.X (default: counts found by the RNA's rule, else .X)",
    )
    g.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 2, nothing written) when the harmonized arrays break a scale rule; the input as given is "
        "shown for comparison and never fails (default: warn and go on)",
    )


def _demo_parser(sub) -> None:
    p = _sub(sub, "demo", "simulate data, link, harmonize and show the scales before/after (offline)")
    p.add_argument(
        "--n-cells", type=int, default=3000, metavar="N", help="number of simulated cells (default: %(default)s)"
    )
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the simulation (default: %(default)s)")
    p.add_argument(
        "--unpaired",
        action="store_true",
        help="protein measured on other cells than the RNA (default: the same cells)",
    )
    p.add_argument(
        "--raw-protein",
        action="store_true",
        help="simulate protein as raw counts (default: min-max scaled to [0, 1] per marker, the mismatch mufuse fixes)",
    )
    _add_output(p, required=False)
    p.set_defaults(func=cmd_demo)


def _harmonize_parser(sub) -> None:
    p = _sub(sub, "harmonize", "put RNA and protein of IN.h5mu on one scale for MaxFuse and write OUT.h5mu")
    p.add_argument("input", metavar="IN.h5mu", help="MuData with RNA counts and protein (modalities --rna, --prot)")
    _add_output(p)
    _add_modalities(p)
    _add_link_options(p)
    _add_harmonize_options(p)
    p.add_argument(
        "--chunks",
        type=int,
        default=None,
        metavar="ROWS",
        help="read the RNA counts lazily in blocks of ROWS cells, for files larger than memory; any active dask "
        'scheduler runs the blocks; needs pip install "mufuse[dask]" (default: read the whole file into memory)',
    )
    p.set_defaults(func=cmd_harmonize)


def _check_parser(sub) -> None:
    p = _sub(
        sub, "check", "print input states and the scale report; --strict exits 2 when harmonized arrays break a rule"
    )
    p.add_argument("input", metavar="IN.h5mu", help="MuData, harmonized or not (nothing is written)")
    _add_modalities(p)
    _add_link_options(p)
    _add_harmonize_options(p)
    p.set_defaults(func=cmd_check)


def _add_route_options(g) -> None:
    """How MaxFuse is fitted: all cells or a sketch, and who makes the direct route's RNA metacells."""
    g.add_argument(
        "--route",
        default="auto",
        choices=["auto", "direct", "sketch"],
        help="MaxFuse on all cells, or fitted on a sketch and every cell matched in its joint space (default: auto, "
        "the sketch above 20,000 cells in a modality)",
    )
    g.add_argument(
        "--sketch-size",
        type=int,
        default=10_000,
        metavar="N",
        help="protein cells of the sketch; the RNA sketch holds half as many (default: %(default)s)",
    )
    g.add_argument(
        "--metacells",
        default="auto",
        choices=["auto", "pairs", "maxfuse"],
        help="who makes the RNA metacells of the direct route: mufuse's pairs of nearest neighbours or MaxFuse's own "
        "Leiden search (pbmc10k halves: 9 s against 56 s of MaxFuse, after its ~40 s compile in each new process) "
        "(default: auto, pairs above 2,000 RNA cells)",
    )


def _add_method_options(g) -> None:
    """Which matcher runs, and the options of each."""
    g.add_argument(
        "--method",
        choices=["anchors", "maxfuse"],
        help="anchors: Seurat v3 anchors (Stuart et al. 2019), mufuse's own, core install; maxfuse: MaxFuse "
        "(academic non-commercial licence; the maxfuse extra) (default: anchors; maxfuse when --maxfuse, "
        "--metacells or --cluster-labels is given)",
    )
    g.add_argument(
        "--anchors",
        action="append",
        metavar="PARAM=VALUE",
        help="set an option of --method anchors, e.g. k_anchor=10; repeatable (default: mufuse.tl._anchors.DEFAULTS)",
    )
    g.add_argument(
        "--cluster-labels",
        metavar="KEY",
        help="obs column with clusters handed to MaxFuse in place of its own Leiden clusters (default: none)",
    )
    g.add_argument(
        "--maxfuse",
        action="append",
        metavar="STAGE.PARAM=VALUE",
        help="override a MaxFuse stage parameter, e.g. refine_pivots.cca_components=10; repeatable (default: "
        "chosen from the data's sizes, mufuse.tl.maxfuse_defaults)",
    )


def _match_parser(sub) -> None:
    p = _sub(sub, "match", "match the cells of IN.h5mu (harmonizing first if it was not) and write OUT.h5mu")
    p.add_argument("input", metavar="IN.h5mu", help="MuData, harmonized or not (then harmonized first)")
    _add_output(p)
    _add_modalities(p)
    g = p.add_argument_group("matching (mufuse.tl.match)")
    _add_method_options(g)
    g.add_argument(
        "--every",
        choices=["prot", "rna", "both"],
        default="prot",
        help="which cells must get a match (default: every %(default)s cell)",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of every random choice of the matcher (MaxFuse's batching, clustering and SVDs; the anchors' PCA "
        "and sketch): a seed gives the same matching every run "
        "(default: %(default)s)",
    )
    _add_route_options(g)
    g.add_argument(
        "--labels",
        metavar="KEY",
        help="obs column with cell labels: evaluate the matching (label agreement; default: no evaluation)",
    )
    g.add_argument(
        "--label-map",
        action="append",
        metavar="LABEL=COMMON",
        help="compare a label of either modality under a common name (repeat; e.g. --label-map 'CD4 T=T cell' "
        "--label-map 'T cells=T cell'; default: labels compared as written)",
    )
    g.add_argument(
        "--no-confidence",
        action="store_true",
        help="leave out each pair's label-free confidence (saves ~50 s at 10^6 cells; default: computed and stored "
        "in the matching and obs['mufuse_confidence'])",
    )
    _add_link_options(p)
    _add_harmonize_options(p)
    p.set_defaults(func=cmd_match)


def _links_parser(sub) -> None:
    p = _sub(sub, "links", "print how each protein marker links to RNA genes, and why")
    p.add_argument("input", metavar="IN.h5mu", help="MuData with an RNA and a protein modality")
    _add_modalities(p)
    _add_link_options(p)
    p.add_argument(
        "--tsv", action="store_true", help="tab-separated table, one marker per row (default: aligned columns)"
    )
    p.set_defaults(func=cmd_links)


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
        prog="mufuse",
        description="Put RNA and protein of a MuData on one scale for MaxFuse: link, harmonize, verify, match.",
        epilog="start with `mufuse demo` (offline, ~10 s); `mufuse COMMAND --help` shows each command's options "
        "and examples",
    )
    parser.add_argument("--version", action="version", version=f"mufuse {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_demo_parser, _harmonize_parser, _check_parser, _match_parser, _links_parser):
        add(sub)
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
        warnings.showwarning = lambda msg, *a, **k: print(f"warning: {cli_words(str(msg))}", file=sys.stderr)
        warnings.filterwarnings("ignore", module=r"mudata\..*")
        warnings.filterwarnings("ignore", module=r"anndata\..*")
        try:
            plain = not args.verbose and not _progress.enabled()  # a log file or CI: one line per long step
            with CompileWatch() as watch, _progress.plain_lines(sys.stderr) if plain else contextlib.nullcontext():
                code = int(args.func(args))
            if watch.compiled:
                print(
                    f"note: numba compiled mufuse's kernels on their first use in this environment (this run: "
                    f"{watch.seconds:.0f} s); they are cached in {watch.cache_dir()}, later runs skip this",
                    file=sys.stderr,
                )
            return code
        except (MufuseError, _io.BadInput) as err:
            print(f"mufuse: error: {cli_words(str(err))}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except BrokenPipeError:  # the reader went away (`mufuse links x.h5mu | head`): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except (OSError, KeyError) as err:
            print(f"mufuse: error: {type(err).__name__}: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
