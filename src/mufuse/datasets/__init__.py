"""Datasets: the embedded, offline simulator."""

from ._simulate import simulated

__all__ = ["simulated"]
