"""Tools: verify scales, match the cells (MaxFuse or another registered matcher), store, evaluate and transfer."""

from . import _anchors  # noqa: F401 - registers method='anchors'
from ._diagnose import diagnose
from ._evaluate import evaluate_matching
from ._match import match
from ._matching import add_matching
from ._maxfuse import maxfuse_defaults, run_maxfuse, to_maxfuse
from ._registry import Fitted, Matcher, Problem, get_matcher, list_matchers, register_matcher
from ._scales import check_scales, detect_state
from ._transfer import transfer_features, transfer_labels

__all__ = [
    "Fitted",
    "Matcher",
    "Problem",
    "add_matching",
    "check_scales",
    "detect_state",
    "diagnose",
    "evaluate_matching",
    "get_matcher",
    "list_matchers",
    "match",
    "maxfuse_defaults",
    "register_matcher",
    "run_maxfuse",
    "to_maxfuse",
    "transfer_features",
    "transfer_labels",
]
