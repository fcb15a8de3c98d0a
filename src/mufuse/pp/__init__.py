"""Preprocessing: link protein markers to genes, harmonize both modalities onto one scale."""

from .._genes import RNA_ROLES
from ._harmonize import harmonize
from ._links import link_features
from ._roles import PROT_ROLES

__all__ = ["PROT_ROLES", "RNA_ROLES", "harmonize", "link_features"]
