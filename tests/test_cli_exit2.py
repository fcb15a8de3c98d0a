"""The command line's contract over the whole command set: every bad input exits 2 with one line, no traceback.

Each command (harmonize, check, match, links, demo) is tried on every kind of bad input the commands share (files
that are missing, no HDF5, HDF5 but no MuData, truncated, empty, a directory) and on the kinds of bad content mufuse
refuses (a modality that is not there, too few cells, no marker that links, stale stored results, a bad option value,
an output that cannot be written). In-process (``mufuse.cli.main``) for speed; ``tests/test_cli.py`` runs the
installed script in a subprocess for the same contract on ``harmonize``.
"""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

import mufuse
from mufuse.cli import main

COMMANDS = ("harmonize", "check", "match", "links")


def _write(m, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.write(path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    good = mufuse.datasets.simulated(300, n_genes=400, seed=3)
    out = {"good": _write(good, d / "good.h5mu")}
    (d / "junk.h5mu").write_text("not hdf5")
    out["not_hdf5"] = d / "junk.h5mu"
    with h5py.File(d / "other.h5mu", "w") as fh:
        fh["data"] = np.arange(10)
    out["hdf5_not_mudata"] = d / "other.h5mu"
    raw = out["good"].read_bytes()
    (d / "half.h5mu").write_bytes(raw[: len(raw) // 2])
    out["truncated"] = d / "half.h5mu"
    (d / "empty.h5mu").touch()
    out["empty"] = d / "empty.h5mu"
    out["missing"] = d / "nope.h5mu"
    out["directory"] = d
    tiny = mufuse.datasets.simulated(300, n_genes=400, seed=3)
    out["five_cells"] = _write(tiny[:5].copy(), d / "five.h5mu")
    nolink = mufuse.datasets.simulated(300, n_genes=400, seed=3)
    nolink.mod["prot"].var_names = [f"Noodle{i}" for i in range(nolink["prot"].n_vars)]
    out["nothing_links"] = _write(nolink, d / "nolink.h5mu")
    stale = mufuse.datasets.simulated(300, n_genes=400, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(stale)
    out["stale"] = _write(stale[:200].copy(), d / "stale.h5mu")  # cells subset after harmonize
    return out


def _args(command: str, path, tmp_path, extra=()) -> list[str]:
    args = [command, str(path)]
    if command in ("harmonize", "match"):
        args += ["-o", str(tmp_path / "out.h5mu")]
    return args + list(extra)


def _exit2_one_line(args, capsys) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == 2, (args, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mufuse: error:"), (args, err)
    assert "Traceback" not in err
    return lines[0]


FILE_KINDS = ["missing", "not_hdf5", "hdf5_not_mudata", "truncated", "empty", "directory"]


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_no_mudata_exits_2_on_every_command(command, kind, files, tmp_path, capsys):
    line = _exit2_one_line(_args(command, files[kind], tmp_path), capsys)
    assert str(files[kind].name) in line or "director" in line
    assert not (tmp_path / "out.h5mu").exists()


CONTENT = {
    "modality": ("good", ["--prot", "adt"], "'adt'"),
    "five_cells": ("five_cells", [], "5 cells"),
    "nothing_links": ("nothing_links", [], "link"),
}
# links prints the table of what links (its purpose), so "nothing links" and too few cells are no error there
CASES = [(c, k) for c in COMMANDS for k in CONTENT if c != "links" or k == "modality"]


@pytest.mark.parametrize(("command", "kind"), CASES)
def test_content_mufuse_refuses_exits_2_on_every_command(command, kind, files, tmp_path, capsys):
    name, extra, said = CONTENT[kind]
    line = _exit2_one_line(_args(command, files[name], tmp_path, extra), capsys)
    assert said in line, line


@pytest.mark.parametrize("command", ["check", "match"])
def test_stale_stored_results_exit_2(command, files, tmp_path, capsys):
    line = _exit2_one_line(_args(command, files["stale"], tmp_path), capsys)
    assert "harmonize" in line


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("harmonize", ["--clip", "-1"]),
        ("harmonize", ["--n-top-genes", "-5"]),
        ("match", ["--sketch-size", "10"]),
        ("match", ["--label-map", "CD4 T"]),
        ("check", ["--override", "CD3"]),
        ("links", ["--override", "=CD3E"]),
        ("demo", ["--n-cells", "3"]),
    ],
)
def test_a_bad_option_value_exits_2(command, extra, files, tmp_path, capsys):
    args = [command, *extra] if command == "demo" else _args(command, files["good"], tmp_path, extra)
    try:
        _exit2_one_line(args, capsys)
    except SystemExit as stop:  # argparse's own refusal: exit 2 with usage and one error line
        assert stop.code == 2
        assert "error:" in capsys.readouterr().err
