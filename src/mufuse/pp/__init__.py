"""Preprocessing: link protein markers to genes, harmonize both modalities onto one scale."""

from ._harmonize import harmonize
from ._links import link_features

__all__ = ["harmonize", "link_features"]
