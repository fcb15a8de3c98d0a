"""Progress bars for the long steps (passes over out-of-core counts, writing them, MaxFuse's stages)."""

from __future__ import annotations

import logging
import sys

from tqdm.auto import tqdm

log = logging.getLogger("mufuse")


def enabled() -> bool:
    """Show bars when mufuse logs at INFO (``-v`` on the command line) or when stderr is a terminal."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stderr
        tty = False
    return tty or log.isEnabledFor(logging.INFO)


def bar(total: int, desc: str, unit: str = "block") -> tqdm:
    """Return a tqdm bar (a silent one when :func:`enabled` is false) that disappears when done."""
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled(), leave=False)
