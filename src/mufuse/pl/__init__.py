"""Plotting (matplotlib, ``pip install "mufuse[plot]"``): scales before/after, the matching, marker agreement."""

from ._joint import joint_umap
from ._matching import marker_agreement, matching
from ._scales import scales

__all__ = ["joint_umap", "marker_agreement", "matching", "scales"]
