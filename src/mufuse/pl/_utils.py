"""Shared plotting plumbing: scanpy-style ``show``/``save``."""

from __future__ import annotations

from pathlib import Path

from .._errors import MufuseError


def pyplot():
    """Return matplotlib.pyplot, or raise a MufuseError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the environment
        raise MufuseError('plotting needs matplotlib: pip install "mufuse[plot]"') from None
    return plt


def finish(fig, *, show: bool | None, save: str | Path | None):
    """Save and/or show a figure like scanpy does; return it unless it was shown."""
    plt = pyplot()
    if save is not None:
        fig.savefig(save, dpi=120, bbox_inches="tight")
    if show:
        plt.show()
        return None
    return fig
