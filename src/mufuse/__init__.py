"""mufuse: put RNA and protein of a MuData on one scale and hand them to MaxFuse.

Examples
--------
>>> import mufuse
>>> mdata = mufuse.datasets.simulated(n_cells=300, seed=0)
>>> mufuse.pp.harmonize(mdata)
>>> sorted(mufuse.tl.to_maxfuse(mdata))[:2]
['active_arr1', 'active_arr2']
"""

from __future__ import annotations

import logging

from . import datasets, pl, pp, tl
from ._errors import LinkError, MufuseError, ScaleMismatchError, StateError
from ._version import __version__

logging.getLogger("mufuse").addHandler(logging.NullHandler())

__all__ = [
    "LinkError",
    "MufuseError",
    "ScaleMismatchError",
    "StateError",
    "__version__",
    "datasets",
    "pl",
    "pp",
    "tl",
]
