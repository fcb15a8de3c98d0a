"""Tools: verify scales, detect input states, export to MaxFuse, run it, store and evaluate the matching."""

from ._diagnose import diagnose
from ._evaluate import evaluate_matching
from ._maxfuse import add_matching, maxfuse_defaults, run_maxfuse, to_maxfuse
from ._scales import check_scales, detect_state
from ._transfer import transfer_features, transfer_labels

__all__ = [
    "add_matching",
    "check_scales",
    "detect_state",
    "diagnose",
    "evaluate_matching",
    "maxfuse_defaults",
    "run_maxfuse",
    "to_maxfuse",
    "transfer_features",
    "transfer_labels",
]
