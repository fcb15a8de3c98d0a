"""Preprocessing: link protein markers to genes, harmonize both modalities onto one scale."""

from .._genes import RNA_ROLES as RNA_ROLES  # the role tables, not in __all__ (no function)
from ._harmonize import harmonize
from ._links import link_features
from ._roles import PROT_ROLES as PROT_ROLES

__all__ = ["harmonize", "link_features"]
