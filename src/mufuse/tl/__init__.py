"""Tools: verify scales, detect input states, export to MaxFuse."""

from ._maxfuse import to_maxfuse
from ._scales import check_scales, detect_state

__all__ = ["check_scales", "detect_state", "to_maxfuse"]
