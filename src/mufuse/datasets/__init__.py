"""Datasets: the embedded, offline simulator, and a messy variant of it (what real files carry)."""

from ._messy import messy
from ._simulate import simulated

__all__ = ["messy", "simulated"]
