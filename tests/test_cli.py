from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import mufuse
from conftest import read_quiet
from mufuse.cli import main


@pytest.fixture
def sim_file(tmp_path):
    path = tmp_path / "sim.h5mu"
    m = mufuse.datasets.simulated(600, n_genes=500, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    return path


@pytest.fixture
def unpaired_file(tmp_path):
    path = tmp_path / "unpaired.h5mu"
    m = mufuse.datasets.simulated(600, n_genes=500, paired=False, n_prot_cells=500, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    return path


def _run(*args):
    """The installed console script, in a subprocess, as a user runs it."""
    exe = Path(sys.executable).parent / "mufuse"
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=600, env={**os.environ, "MPLBACKEND": "Agg"}
    )


def test_demo_prints_before_and_after():
    res = _run("demo", "--n-cells", "800")
    assert res.returncode == 0, res.stderr
    assert "before:" in res.stdout and "after mufuse.pp.harmonize" in res.stdout
    assert "[std_ratio]" in res.stdout  # the research notes' failure is shown ...
    assert "verdict: OK" in res.stdout  # ... and fixed
    assert "Traceback" not in res.stderr


def test_harmonize_check_links_round_trip(sim_file, tmp_path, capsys):
    out = tmp_path / "out.h5mu"
    before = sim_file.read_bytes()
    assert main(["harmonize", str(sim_file), "-o", str(out)]) == 0
    assert sim_file.read_bytes() == before  # input untouched
    back = read_quiet(out)
    assert back["rna"].obsm["mufuse_shared"].shape[1] == len(back.uns["mufuse"]["shared"])
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp.h5mu")]
    assert main(["check", str(out)]) == 0
    text = capsys.readouterr().out
    assert "stored shared arrays" in text and "verdict: OK" in text
    assert main(["check", str(sim_file)]) == 0
    assert "dry run" in capsys.readouterr().out
    assert main(["links", str(sim_file), "--tsv"]) == 0
    tsv = capsys.readouterr().out.splitlines()
    assert tsv[0].split("\t")[:4] == ["marker", "status", "role", "genes"]
    assert any(line.startswith("CD3_TotalSeqB\tlinked\tmarker\tCD3D;CD3E;CD3G") for line in tsv)


def _compressed(path: Path) -> set:
    """The compressions of a file's arrays (scalars cannot be compressed)."""
    import h5py

    found = set()
    with h5py.File(path, "r") as fh:
        fh.visititems(lambda _, obj: found.add(obj.compression) if isinstance(obj, h5py.Dataset) and obj.ndim else None)
    return found


@pytest.mark.parametrize("chunks", [[], ["--chunks", "200"]])
def test_output_is_compressed_and_said_where_and_how_large(sim_file, tmp_path, capsys, chunks):
    packed, plain = tmp_path / "packed.h5mu", tmp_path / "plain.h5mu"
    assert main(["harmonize", str(sim_file), "-o", str(packed), *chunks]) == 0
    text = capsys.readouterr().out
    assert f"written: {packed.resolve()} ({packed.stat().st_size / 1e6:.1f} MB, gzip-compressed)" in text
    assert main(["harmonize", str(sim_file), "-o", str(plain), "--no-compress", *chunks]) == 0
    assert "uncompressed)" in capsys.readouterr().out
    written = "mod/prot/obsm/mufuse_shared"
    import h5py

    with h5py.File(packed) as a, h5py.File(plain) as b:
        assert a[written].compression == "gzip" and b[written].compression is None
        np.testing.assert_array_equal(a[written][()], b[written][()])
    if not chunks:  # the in-memory path writes every array itself: all compressed; the lazy path copies the counts
        assert _compressed(packed) == {"gzip"} and None not in _compressed(packed)
        assert packed.stat().st_size < 0.75 * plain.stat().st_size  # 0.52 here (simulated noise); pbmc10k 0.17


@pytest.mark.parametrize("command", ["harmonize", "match", "demo"])
def test_existing_output_is_refused_without_force(sim_file, tmp_path, command):
    out = tmp_path / "exists.h5mu"
    out.write_bytes(b"keep me")
    args = [command] + ([] if command == "demo" else [str(sim_file)]) + ["-o", str(out)]
    res = _run(*args)
    assert res.returncode == 2 and "exists; pass --force" in res.stderr and "Traceback" not in res.stderr
    assert out.read_bytes() == b"keep me"
    if command == "harmonize":
        assert main([*args, "--force"]) == 0
        assert read_quiet(out)["prot"].obsm["mufuse_shared"].shape[0] == 600


@pytest.mark.parametrize("name", ["out.txt", "out", "out.h5ad"])
def test_output_must_be_an_h5mu_name(sim_file, tmp_path, name, capsys):
    assert main(["harmonize", str(sim_file), "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert "ends in .h5mu" in err and "out.h5mu" in err
    assert sorted(os.listdir(tmp_path)) == ["sim.h5mu"]


def test_check_strict_exit_code(tmp_path, capsys):
    m = mufuse.datasets.simulated(600, n_genes=500, prescaled=True, seed=1)
    mufuse.pp.harmonize(m)
    m["prot"].obsm["mufuse_shared"] = m["prot"].obsm["mufuse_shared"] * 0.1  # someone rescaled it afterwards
    path = tmp_path / "bad.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    assert main(["check", str(path)]) == 2  # the array no longer is what harmonize wrote: refused, one line
    assert "obsm['mufuse_shared'] of modality 'prot' changed since harmonize" in capsys.readouterr().err
    del m.uns["mufuse"]["cells"]  # as a file of a mufuse that recorded nothing: the rules read the arrays
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    assert main(["check", str(path)]) == 0
    assert "[std_ratio]" in capsys.readouterr().out  # checked from the arrays, not the stored report
    assert main(["check", str(path), "--strict"]) == 2
    assert "--strict" in capsys.readouterr().err


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "not_h5mu",
        "directory",
        "same_output",
        "unwritable_dir",
        "bad_modality",
        "bad_param",
        "hdf5_not_mudata",
        "truncated",
        "empty_file",
        "output_is_directory",
        "chunks_on_junk",
        "same_output_other_spelling",
    ],
)
def test_bad_input_exits_2_with_one_line(case, sim_file, tmp_path):
    out = tmp_path / "o.h5mu"
    args = ["harmonize", str(sim_file), "-o", str(out)]
    if case == "missing":
        args[1] = str(tmp_path / "nope.h5mu")
    elif case == "not_h5mu":
        junk = tmp_path / "junk.h5mu"
        junk.write_text("not hdf5")
        args[1] = str(junk)
    elif case == "directory":
        args[1] = str(tmp_path)
    elif case == "same_output":
        args[3] = str(sim_file)
    elif case == "unwritable_dir":
        args[3] = str(tmp_path / "no" / "such" / "dir" / "o.h5mu")
    elif case == "bad_modality":
        args += ["--rna", "gex"]
    elif case == "bad_param":
        args += ["--clip", "-1"]
    elif case == "hdf5_not_mudata":
        import h5py

        other = tmp_path / "other.h5"
        with h5py.File(other, "w") as fh:
            fh["data"] = np.arange(10)
        args[1] = str(other)
    elif case == "truncated":
        half = tmp_path / "half.h5mu"
        half.write_bytes(sim_file.read_bytes()[: sim_file.stat().st_size // 2])
        args[1] = str(half)
    elif case == "empty_file":
        empty = tmp_path / "empty.h5mu"
        empty.touch()
        args[1] = str(empty)
    elif case == "output_is_directory":
        (tmp_path / "adir").mkdir()
        args[3] = str(tmp_path / "adir")
    elif case == "chunks_on_junk":
        junk = tmp_path / "junk.h5mu"
        junk.write_text("not hdf5")
        args[1] = str(junk)
        args += ["--chunks", "100"]
    elif case == "same_output_other_spelling":
        args[3] = str(sim_file.parent / "." / sim_file.name)
    before = sim_file.read_bytes()
    res = _run(*args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mufuse: error:"), res.stderr
    assert "Traceback" not in res.stderr
    assert sim_file.read_bytes() == before
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp.h5mu")]  # no half-written file left


@pytest.mark.parametrize("command", ["check", "links", "match"])
def test_other_commands_on_bad_files_exit_2(command, tmp_path):
    junk = tmp_path / "junk.h5mu"
    junk.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)  # an HDF5 signature, then nothing
    args = [command, str(junk)] + (["-o", str(tmp_path / "o.h5mu")] if command == "match" else [])
    for path in (junk, tmp_path / "missing.h5mu"):
        args[1] = str(path)
        res = _run(*args)
        assert res.returncode == 2, (res.stdout, res.stderr)
        assert res.stderr.strip().startswith("mufuse: error:") and "Traceback" not in res.stderr


def test_help_on_each_command():
    for cmd in ("demo", "harmonize", "check", "match", "links"):
        res = _run(cmd, "--help")
        assert res.returncode == 0 and "usage: mufuse " + cmd in res.stdout


def test_failed_write_leaves_no_file(sim_file, tmp_path, monkeypatch):
    from mufuse import cli

    m = read_quiet(sim_file)
    target = tmp_path / "x.h5mu"

    def boom(self, *a, **k):
        Path(a[0]).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(type(m), "write_h5mu", boom)
    with pytest.raises(OSError):
        cli.write_atomic(m, str(target))
    assert os.listdir(tmp_path) == ["sim.h5mu"]


def test_real_file_cli(pbmc_path, tmp_path):
    src = tmp_path / "pbmc.h5mu"
    shutil.copy(pbmc_path, src)
    res = _run("harmonize", str(src), "-o", str(tmp_path / "h.h5mu"))
    assert res.returncode == 0, res.stderr
    back = read_quiet(tmp_path / "h.h5mu")
    assert np.isfinite(back["prot"].obsm["mufuse_shared"]).all()
    res = _run("links", str(src))
    assert res.returncode == 0 and "CD45RA_TotalSeqB" in res.stdout and "gene_absent" in res.stdout


@pytest.mark.maxfuse
def test_match_on_a_file(unpaired_file, tmp_path):
    src = unpaired_file
    out = tmp_path / "matched.h5mu"
    res = _run("match", str(src), "-o", str(out), "--labels", "cell_type", "--method", "maxfuse")
    assert res.returncode == 0, res.stderr
    assert "label agreement of matched pairs (cell_type)" in res.stdout
    assert (
        "route: direct (MaxFuse fitted on 600 rna x 500 prot cells; MaxFuse's own metacells of two "
        "(--metacells maxfuse; auto takes them up to 2,000 cells))" in res.stdout
    )
    line = next(x for x in res.stdout.splitlines() if x.startswith("label agreement of matched pairs"))
    assert float(line.split()[-1]) > 0.8
    assert (
        res.stdout.strip().splitlines()[-1]
        == f"written: {out.resolve()} ({out.stat().st_size / 1e6:.1f} MB, gzip-compressed)"
    )
    back = read_quiet(out)
    table = back.uns["mufuse"]["matching"]
    assert {"rna", "prot", "score", "stage", "confidence"} <= set(table.columns)
    assert back["prot"].obs["mufuse_match"].isin([*back["rna"].obs_names, ""]).all()
    assert back["prot"].obs["mufuse_confidence"].between(0, 1).all()
    text = res.stdout
    median = float(text.split("pair confidence (0-1, label-free")[1].split("median ")[1].split(";")[0])
    assert median == pytest.approx(table["confidence"].median(), abs=0.005)
    ranked = next(x for x in text.splitlines() if "label agreement of the most confident 50% of pairs" in x)
    assert float(ranked.split()[-1]) == pytest.approx(float(line.split()[-1]), abs=0.0015)  # "all" = the agreement


def test_match_with_anchors_on_a_file_and_options_of_the_other_method_refused(unpaired_file, tmp_path, capsys):
    src = unpaired_file
    out = tmp_path / "matched.h5mu"
    args = ["match", str(src), "-o", str(out), "--labels", "cell_type", "--method", "anchors"]
    assert main([*args, "--anchors", "k_anchor=10"]) == 0
    text = capsys.readouterr().out
    assert "with anchors: 500 pairs;" in text and "route: direct (anchors fitted on 600 rna x 500 prot cells)" in text
    line = next(x for x in text.splitlines() if x.startswith("label agreement of matched pairs"))
    assert float(line.split()[-1]) > 0.8
    back = read_quiet(out)
    assert back.uns["mufuse"]["params"]["anchors"]["options"]["k_anchor"] == 10
    assert set(back.uns["mufuse"]["matching"]["stage"]) == {"nearest"}
    for extra, message in (
        (["--maxfuse", "refine_pivots.cca_components=3"], "--cluster-labels set options of --method maxfuse, but"),
        (["--metacells", "pairs"], "--maxfuse/--metacells/--cluster-labels set options of --method maxfuse"),
        (["--anchors", "k_anchors=3"], "no option 'k_anchors'"),
        (["--anchors", "k_anchor"], "--anchors takes PARAM=VALUE"),
    ):
        assert main([*args, "--force", *extra]) == 2
        assert message in capsys.readouterr().err
    assert main(["match", str(src), "-o", str(out), "--force", "--method", "maxfuse", "--anchors", "k_anchor=3"]) == 2
    assert "--anchors set options of --method anchors, but --method is maxfuse" in capsys.readouterr().err


def test_match_checks_the_sketch_size_before_any_work(sim_file, tmp_path, capsys):
    assert main(["match", str(sim_file), "-o", str(tmp_path / "m.h5mu"), "--sketch-size", "10"]) == 2
    out, err = capsys.readouterr()
    assert "not harmonized yet" not in out  # refused before harmonize ran
    assert "at least 500 cells, got 10" in err and "--sketch-size 10000" in err and "sketch_size=" not in err
    assert not (tmp_path / "m.h5mu").exists()


def test_harmonize_out_of_core_with_chunks(sim_file, tmp_path):
    plain, chunked = tmp_path / "plain.h5mu", tmp_path / "chunked.h5mu"
    assert main(["harmonize", str(sim_file), "-o", str(plain)]) == 0
    before = sim_file.read_bytes()
    assert main(["harmonize", str(sim_file), "-o", str(chunked), "--chunks", "150"]) == 0
    assert sim_file.read_bytes() == before
    a, b = read_quiet(plain), read_quiet(chunked)
    for mod in ("rna", "prot"):
        for key in ("mufuse_shared", "mufuse_active"):
            np.testing.assert_allclose(b[mod].obsm[key], a[mod].obsm[key], atol=1e-6)
    assert (a["rna"].X != b["rna"].X).nnz == 0  # the counts, streamed block by block, are written back unchanged
    assert main(["harmonize", str(sim_file), "-o", str(tmp_path / "x.h5mu"), "--chunks", "0"]) == 2


def test_out_of_core_rewrites_a_harmonized_file_with_batches(tmp_path):
    """--chunks on a file that already holds mufuse results: they are replaced, per batch, as the in-memory path."""
    m = mufuse.datasets.simulated(900, n_genes=400, seed=3)
    m["rna"].obs["batch"] = np.where(np.arange(m["rna"].n_obs) % 2, "a", "b")
    mufuse.pp.harmonize(m, n_top_genes=50)  # stale results, other HVG count
    src, plain, chunked = tmp_path / "h.h5mu", tmp_path / "plain.h5mu", tmp_path / "chunked.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(src)
    args = ["--batch-key", "batch"]
    assert main(["harmonize", str(src), "-o", str(plain), *args]) == 0
    assert main(["harmonize", str(src), "-o", str(chunked), "--chunks", "200", *args]) == 0
    a, b = read_quiet(plain), read_quiet(chunked)
    assert b["rna"].obsm["mufuse_active"].shape == (900, 400)
    for mod in ("rna", "prot"):
        for key in ("mufuse_shared", "mufuse_active"):
            np.testing.assert_allclose(b[mod].obsm[key], a[mod].obsm[key], atol=1e-6)
    assert b.uns["mufuse"]["params"]["harmonize"]["batch_key"] == "batch"
    assert list(b.uns["mufuse"]["active"]["rna"]) == list(a.uns["mufuse"]["active"]["rna"])
    assert main(["check", str(chunked)]) == 0


def test_failed_out_of_core_write_leaves_no_file(sim_file, tmp_path, monkeypatch):
    from mufuse import _chunked, cli

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(_chunked, "store", boom)
    before = sim_file.read_bytes()
    assert cli.main(["harmonize", str(sim_file), "-o", str(tmp_path / "x.h5mu"), "--chunks", "100"]) == 2
    assert os.listdir(tmp_path) == ["sim.h5mu"]
    assert sim_file.read_bytes() == before


def test_links_of_a_mouse_panel_from_the_command_line(tmp_path, capsys):
    """Issue 18: a mouse .h5mu links to mouse genes; the species is detected, said, and can be given."""
    import anndata as ad
    import mudata
    import pandas as pd

    genes = ["Cd3d", "Cd3e", "Cd3g", "Cd4", "Adgre1", "Ly6c1", "Ly6c2", "Ptprc", "Trdc", "Trgc1", "Trgc2", "Trgc4"]
    markers = ["CD3", "CD4", "F4/80", "Ly-6C", "TCR gamma/delta"]
    rna = ad.AnnData(np.ones((4, len(genes)), np.float32), var=pd.DataFrame(index=genes))
    prot = ad.AnnData(np.ones((4, len(markers)), np.float32), var=pd.DataFrame(index=markers))
    path = tmp_path / "mouse.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mudata.MuData({"rna": rna, "prot": prot}).write(path)
    assert main(["links", str(path)]) == 0
    text = capsys.readouterr().out
    assert "species: mouse (from the case of the RNA gene symbols)" in text
    assert any(line.startswith("F4/80") and "Adgre1" in line for line in text.splitlines())
    tcr = next(line for line in text.splitlines() if line.startswith("TCR gamma/delta"))
    assert "Trdc;Trgc1;Trgc2;Trgc4  " in tcr  # a long gene list never runs into its reason
    assert main(["links", str(path), "--species", "human"]) == 0
    text = capsys.readouterr().out
    assert "species: human" in text and "Adgre1" not in text
    with pytest.raises(SystemExit) as refused:  # argparse refuses it with its usage message
        main(["links", str(path), "--species", "rat"])
    assert refused.value.code == 2 and "--species" in capsys.readouterr().err


def _subparsers():
    import argparse

    from mufuse.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, action.choices


def test_help_is_complete_for_every_option():
    """Every argument of every command says what it does, and every option that takes a value says its default."""
    parser, commands = _subparsers()
    assert set(commands) == {"demo", "harmonize", "check", "match", "links"}
    for name, sub in [("mufuse", parser), *commands.items()]:
        for action in sub._actions:
            if action.dest in ("help", "version", "command"):
                continue
            where = f"{name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and len(action.help) > 10, where
            if action.option_strings and action.nargs != 0 and not action.required:
                assert "default" in action.help, where
            if not action.option_strings:
                assert action.metavar == "IN.h5mu", where


def test_help_examples_are_valid_commands():
    """Each command's --help ends with examples, and each example parses with the real parser."""
    import shlex

    parser, commands = _subparsers()
    for name, sub in commands.items():
        examples = [line.split("#")[0].strip() for line in sub.epilog.splitlines()[1:]]
        assert sub.epilog.startswith("examples:") and len(examples) >= 2, name
        for line in examples:
            words = shlex.split(line.replace(">", "#").split("#")[0])
            assert words[:2] == ["mufuse", name], line
            assert parser.parse_args(words[1:]).command == name, line
    res = _run("harmonize", "--help")
    assert "examples:\n  mufuse harmonize pbmc.h5mu -o harmonized.h5mu" in res.stdout


def test_verbose_after_the_command():
    from mufuse.cli import build_parser

    assert build_parser().parse_args(["check", "x.h5mu", "-v"]).verbose is True
    assert build_parser().parse_args(["-v", "check", "x.h5mu"]).verbose is True
    assert build_parser().parse_args(["check", "x.h5mu"]).verbose is False


def _blocks(text: str) -> list[list[str]]:
    """Split a printout into its scale blocks: a table header, its rows, its '!' lines, its verdict (and note)."""
    lines = [x.strip() for x in text.splitlines()]
    starts = [i for i, x in enumerate(lines) if x.startswith("modality  state")]
    return [lines[i : (starts[k + 1] if k + 1 < len(starts) else len(lines))] for k, i in enumerate(starts)]


def _check_block(block: list[str]) -> None:
    rows = [x.split() for x in block[1:] if x.split() and x.split()[1] in ("zscored", "counts", "unit_scaled")]
    bangs = [x for x in block if x.startswith(("! [", "- ["))]
    verdict = next(x for x in block if x.startswith(("verdict", "as given:")))
    for r in rows:  # the share at the clip only for z-scored values
        assert (r[-1] == "-") == (r[1] != "zscored"), r
    if verdict.startswith("as given:"):  # the input is described, never judged
        assert "FAIL" not in "\n".join(block) and not [x for x in block if x.startswith("! [")], block
        if bangs:
            assert f"outside {len(bangs)} rule" in verdict, block
            assert verdict.split("(")[1].split(")")[0].split(", ") == [b[3:].split("]")[0] for b in bangs]
        return
    if bangs:
        assert f"FAIL — {len(bangs)} rule" in verdict, block
        assert verdict.split("(")[-1].rstrip(")").split(", ") == [b[3:].split("]")[0] for b in bangs]
        return
    assert "OK —" in verdict, block
    std = [float(r[3]) for r in rows]
    widths = [float(r[5]) - float(r[4]) for r in rows]
    said_ratio = float(verdict.split("std ratio ")[1].split()[0])
    said_widths = [float(w) for w in verdict.split("range widths ")[1].split(" within")[0].split(", ")]
    assert abs(said_ratio - max(std) / min(std)) < 0.01, verdict
    np.testing.assert_allclose(said_widths, widths, atol=0.06)
    assert said_ratio <= 2 and max(widths) / min(widths) <= 2 and all(abs(float(r[2])) <= 0.1 for r in rows)


def test_printouts_say_only_what_is_true(sim_file, tmp_path, capsys):
    """check (raw and harmonized), harmonize and demo: each verdict follows from the lines above it."""
    out = tmp_path / "h.h5mu"
    texts = []
    for args in (["check", str(sim_file)], ["harmonize", str(sim_file), "-o", str(out)], ["check", str(out)]):
        assert main(args) == 0
        texts.append(capsys.readouterr().out)
    texts.append(_run("demo", "--n-cells", "600").stdout)
    for text in texts:
        blocks = _blocks(text)
        assert len(blocks) == 2, text
        for block in blocks:
            _check_block(block)
        assert any(x.startswith("as given: outside") for x in blocks[0])  # the input (never scaled) is described
    assert ".X looks like counts: non-negative integers (max " in texts[0]


def test_first_run_says_numba_compiled_and_later_runs_use_the_cache(sim_file, tmp_path):
    """A fresh numba cache (NUMBA_CACHE_DIR): the first run compiles and says so on stderr; the second is silent."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    exe = Path(sys.executable).parent / "mufuse"
    runs = []
    for name in ("a", "b"):
        args = [str(exe), "harmonize", str(sim_file), "-o", str(tmp_path / f"{name}.h5mu")]
        runs.append(subprocess.run(args, capture_output=True, text=True, timeout=600, env=env))
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert "numba compiled mufuse's kernels on their first use" in runs[0].stderr
    assert str(tmp_path / "numba") in runs[0].stderr
    assert "numba compiled" not in runs[1].stderr


def test_check_says_what_it_uses(sim_file, tmp_path, capsys):
    """A dry run says which protein transform harmonize would use; a harmonized file, which options it ignores."""
    assert main(["check", str(sim_file)]) == 0
    out = capsys.readouterr()
    assert "prot transform harmonize would use: " in out.out and "warning" not in out.err
    harmonized = tmp_path / "h.h5mu"
    assert main(["harmonize", str(sim_file), "-o", str(harmonized)]) == 0
    capsys.readouterr()
    assert main(["check", str(harmonized)]) == 0
    out = capsys.readouterr()
    assert "is harmonized" not in out.err and "would use" not in out.out
    assert main(["check", str(harmonized), "--clip", "3", "--prot-transform", "clr"]) == 0
    err = capsys.readouterr().err
    assert "is harmonized: its stored arrays are checked as they are, so --prot-transform, --clip are not used" in err


@pytest.mark.maxfuse
def test_match_on_paired_data_reports_foscttm(tmp_path, capsys):
    src = tmp_path / "paired.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.datasets.simulated(500, n_genes=400, seed=6).write(src)
    assert main(["match", str(src), "-o", str(tmp_path / "m.h5mu"), "--labels", "cell_type"]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.startswith("paired data"))
    foscttm = float(line.split("FOSCTTM ")[1].split()[0])
    assert 0 <= foscttm < 0.25  # far from random (0.5); the simulated types are well separated
    assert "(--every prot: every prot cell with signal gets a partner" in text
    stored = read_quiet(tmp_path / "m.h5mu").uns["mufuse"]["evaluation"]
    assert int(stored["n_perms"]) == 1000  # the API's permutations: one p-value, in Python and on the command line


def test_chunks_without_dask_says_how_to_install_it(sim_file, tmp_path, capsys, monkeypatch):
    """--chunks on an install without the dask extra: exit 2, one line naming the extra (not a traceback)."""
    for name in [m for m in sys.modules if m == "dask" or m.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)  # `import dask...` now raises ImportError, as without the extra
    assert main(["harmonize", str(sim_file), "-o", str(tmp_path / "c.h5mu"), "--chunks", "200"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install "mufuse[dask]"' in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "c.h5mu").exists()


@pytest.mark.maxfuse
def test_match_label_map_compares_labels_written_differently(tmp_path, capsys):
    """Labels that no modality shares are not compared; --label-map gives them a common name (the hint says so)."""
    src = tmp_path / "renamed.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = mufuse.datasets.simulated(300, n_genes=400, seed=6, paired=False)
    m["prot"].obs["cell_type"] = m["prot"].obs["cell_type"].astype(str) + " cells"
    m.write(src)
    assert main(["match", str(src), "-o", str(tmp_path / "a.h5mu"), "--labels", "cell_type"]) == 0
    out = capsys.readouterr()
    assert "--label-map LABEL=COMMON" in out.err and "not comparable" in out.out
    maps = [x for t in m["rna"].obs["cell_type"].unique() for x in ("--label-map", f"{t} cells={t}")]
    assert main(["match", str(src), "-o", str(tmp_path / "b.h5mu"), "--labels", "cell_type", *maps]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("label agreement"))
    assert float(line.split(": ")[1].split()[0]) > 0.5  # the simulated types are well separated
