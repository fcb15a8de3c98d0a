"""Issue 30: long steps report progress where users run them (terminal, notebook, a redirected log), and say at the
start how long they are expected to take."""

from __future__ import annotations

import sys
import types
import warnings

import mudata
import pytest

import mufuse
from mufuse import _progress
from mufuse.cli import main
from mufuse.tl._maxfuse import expected_time


@pytest.fixture
def sim_file(tmp_path):
    path = tmp_path / "sim.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.datasets.simulated(600, n_genes=500, seed=1).write(path)
    return path


def _fake_ipython(monkeypatch, config: dict | None) -> None:
    shell = None if config is None else types.SimpleNamespace(config=config)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))


@pytest.mark.parametrize(
    ("config", "bars"), [({"IPKernelApp": {"connection_file": "k.json"}}, True), ({}, False), (None, False)]
)
def test_bars_show_in_a_jupyter_kernel_and_not_in_a_plain_ipython_or_a_pipe(monkeypatch, config, bars):
    _fake_ipython(monkeypatch, config)  # stderr is captured here: no terminal
    assert _progress.in_notebook() is bars
    assert _progress.enabled() is bars


def test_the_command_line_writes_one_plain_line_per_long_step_to_a_redirected_stderr(sim_file, tmp_path, capsys):
    assert main(["harmonize", str(sim_file), "-o", str(tmp_path / "h.h5mu"), "--chunks", "200"]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if " blocks (" in ln]
    assert lines and all("\r" not in ln for ln in lines), err
    total = int(lines[0].split(" of ")[1].split()[0])
    assert any(f"{total} of {total} blocks" in ln for ln in lines)  # each pass said to its end


def test_a_python_script_without_a_terminal_stays_quiet_and_plain_lines_speak(capsys):
    """The block passes of the out-of-core path: no output without a terminal, one line per batch under plain_lines."""
    import dask

    from mufuse._chunked import compute_batched

    tasks = [dask.delayed(int)(i) for i in range(3)]
    assert list(compute_batched(tasks, "reading")) == [0, 1, 2]
    assert capsys.readouterr().err == ""  # a script: quiet
    with _progress.plain_lines(sys.stderr):
        list(compute_batched(tasks, "reading"))
    lines = capsys.readouterr().err.splitlines()
    assert lines and lines[-1].startswith("reading: 3 of 3 blocks (") and all("\r" not in ln for ln in lines)


@pytest.mark.maxfuse
def test_match_says_the_expected_time_then_each_stage(tmp_path, capsys):
    src = tmp_path / "sim.h5mu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.datasets.simulated(300, n_genes=400, seed=2, paired=False).write(src)
    assert main(["match", str(src), "-o", str(tmp_path / "m.h5mu"), "--method", "maxfuse"]) == 0
    err = capsys.readouterr().err.splitlines()
    start = next(ln for ln in err if ln.startswith("running MaxFuse"))
    assert "expected about" in start and "on a quiet 2-core machine" in start
    stages = [ln for ln in err if ln.startswith("MaxFuse stage")]
    n = int(stages[0].split(" of ")[1].split(",")[0])
    assert len(stages) == n and stages[-1].startswith(f"MaxFuse stage {n} of {n}")
    assert err.index(start) < err.index(stages[0])


# measured on this 2-core machine: pbmc10k halves (session timing, two other jobs running), benchmarks/README.md
MEASURED = [  # route, metacells, first call in the process, RNA × protein cells, seconds
    ("direct", "pairs", True, (3400, 3400), 83.3),
    ("direct", "pairs", False, (3400, 3400), 9.0),
    ("direct", "maxfuse", False, (1500, 1500), 21.5),
    ("direct", "maxfuse", False, (300, 300), 4.3),
    ("sketch", "pairs", True, (20_000, 100_000), 67.0),  # 44 s matching + 23 s pair confidence
    ("sketch", "pairs", True, (50_000, 1_000_000), 172.0),  # 124 s + 48 s
]


@pytest.mark.parametrize(("route", "metacells", "first", "cells", "seconds"), MEASURED)
def test_the_expected_time_holds_the_measured_ones(route, metacells, first, cells, seconds):
    fitted = cells if route == "direct" else (5000, 10000)
    text = expected_time(route, *fitted, sum(cells), route == "sketch", metacells, first)
    if "under 10 s" in text:
        assert seconds < 10, text
        return
    low, high = (float(v) for v in text.split("about ")[1].split()[0].split("-"))
    scale = 60 if " min " in text else 1
    assert low * scale <= seconds <= high * scale, text


def test_harmonize_says_what_it_chose_at_a_prompt_and_stays_quiet_in_a_script(sim_file, capsys, monkeypatch):
    m = mudata.read_h5mu(sim_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mufuse.pp.harmonize(m)
        assert capsys.readouterr().out == ""  # a script: nothing printed
        monkeypatch.setattr(sys, "ps1", ">>> ", raising=False)  # an interactive prompt
        mufuse.pp.harmonize(m)
    out = capsys.readouterr().out
    chosen = m.uns["mufuse"]["report"]["prot_transform"]["chosen"]
    assert out.startswith("harmonize: ") and f"prot transform: {chosen} (" in out


def test_in_a_notebook_the_start_and_end_of_a_long_step_stay_when_the_bar_goes(monkeypatch, capsys):
    """The bar leaves no trace when done; the expected time and the time taken are printed lines, in a notebook."""
    _progress.note("running MaxFuse on %d cells: expected about %s", 10, "5-35 s")
    assert capsys.readouterr().out == ""  # a script: nothing printed
    _fake_ipython(monkeypatch, {"IPKernelApp": {}})
    _progress.note("running MaxFuse on %d cells: expected about %s", 10, "5-35 s")
    _progress.note("    %d matched pairs; finished (%.1fs)", 7, 1.25)
    assert capsys.readouterr().out.splitlines() == [
        "running MaxFuse on 10 cells: expected about 5-35 s",
        "7 matched pairs; finished (1.2s)",
    ]


def test_a_notebook_without_ipywidgets_gets_a_text_bar_and_no_warning(monkeypatch):
    _fake_ipython(monkeypatch, {"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = _progress.tqdm(range(3), disable=True)
    assert type(bar).__module__ == "tqdm.std"
