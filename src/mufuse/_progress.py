"""Progress of the long steps (passes over out-of-core counts, writing them, MaxFuse's stages), where users run them.

- a terminal or a Jupyter notebook: tqdm bars (notebook widgets where ipywidgets is installed), gone when done;
- the command line with its stderr redirected (a log file, CI): one plain line per step, no carriage returns
  (:func:`plain_lines`, set by :func:`mufuse.cli.main`);
- ``-v`` / the ``mufuse`` logger at INFO: every step and its time in the log.

A Python script whose stderr is no terminal stays quiet unless it configures logging (``logging.basicConfig(
level=logging.INFO)``), as libraries should.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import IO

from tqdm.std import tqdm as _text_bar

log = logging.getLogger("mufuse")
progress = logging.getLogger("mufuse.progress")  # plain progress lines (the command line's redirected stderr)


def in_notebook() -> bool:
    """Tell whether the code runs in a Jupyter kernel (IPython with a kernel app), where bars render."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too old or too new: no notebook then
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def enabled() -> bool:
    """Show bars when stderr is a terminal, in a Jupyter notebook, or when mufuse logs at INFO (``-v``)."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stderr
        tty = False
    return tty or in_notebook() or log.isEnabledFor(logging.INFO)


def tqdm(*args, **kwargs):
    """Return a tqdm bar: a notebook widget in Jupyter where ipywidgets is installed, a text bar elsewhere.

    ``tqdm.auto`` would warn "IProgress not found" in a notebook without ipywidgets; the text bar renders there.
    """
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as widget_bar

            return widget_bar(*args, **kwargs)
        except ImportError:
            pass
    return _text_bar(*args, **kwargs)


def bar(total: int, desc: str, unit: str = "block"):
    """Return a tqdm bar (a silent one when :func:`enabled` is false) that disappears when done."""
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled(), leave=False)


def say(message: str, *args) -> None:
    """Log a step at INFO, and write it as a plain progress line where no bar shows (see :func:`plain_lines`)."""
    log.info(message, *args)
    if not enabled():
        progress.info(message.strip(), *args)


def note(message: str, *args) -> None:
    """Say a step like :func:`say`, and print it for a person working interactively: the bars go, these lines stay.

    For the start (with the expected time) and the end (with the time taken) of a long step.
    """
    say(message, *args)
    if interactive() and not log.isEnabledFor(logging.INFO):
        print(message.strip() % args if args else message.strip())


def interactive() -> bool:
    """Tell whether a person reads the output as it comes: a Jupyter notebook or an interactive Python prompt."""
    return in_notebook() or hasattr(sys, "ps1")


def tell(message: str) -> None:
    """Print what a step chose, for a person working interactively (notebook, prompt); log it at INFO elsewhere."""
    log.info(message)
    if interactive() and not log.isEnabledFor(logging.INFO):
        print(message)


@contextlib.contextmanager
def plain_lines(stream: IO[str]) -> Iterator[None]:
    """Write :func:`say`'s progress lines to ``stream`` (one line per step) while the block runs.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with plain_lines(out):
    ...     say("    MaxFuse stage %d of %d done", 1, 7)
    >>> print(out.getvalue(), end="")
    MaxFuse stage 1 of 7 done
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level, propagate = progress.level, progress.propagate
    progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = False  # never twice (the root logger's handler)
    try:
        yield
    finally:
        progress.removeHandler(handler)
        progress.setLevel(level)
        progress.propagate = propagate
