"""Matchers: each is one module with one :class:`Matcher`, registered by name; :func:`mufuse.tl.match` runs it.

A matcher gets the harmonized arrays of the cells with signal (:class:`Problem`) and returns its pairs and a joint
embedding of every cell (:class:`Fitted`). What every matching shares is done once, around it, by ``tl/_match.py``:
the checks before any work, leaving cells without signal out, matching the cells a matcher left without a pair in its
joint space, the pair confidence, the warning about unmatched cells, and storing by obs name (``tl/_matching.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._errors import MufuseError
from ._sketch import ROUTES, SKETCH_SIZE


def check_request(
    order, seed: int = 0, route: str = "auto", sketch_size: int = SKETCH_SIZE, confidence: bool = True
) -> None:
    """Refuse an ``order``, ``seed``, ``route``, ``sketch_size`` or ``confidence`` ``match`` cannot take.

    Examples
    --------
    >>> check_request((2, 1), seed=3, route="sketch", sketch_size=5_000)
    >>> check_request((2, 2))
    Traceback (most recent call last):
    mufuse._errors.MufuseError: order must be (1, 2), (2, 1) or None, got (2, 2)
    """
    if order not in ((1, 2), (2, 1), None):
        raise MufuseError(f"order must be (1, 2), (2, 1) or None, got {order!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise MufuseError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
    if route not in ROUTES:
        raise MufuseError(f"route must be 'auto', 'direct' or 'sketch', got {route!r}")
    if isinstance(sketch_size, bool) or not isinstance(sketch_size, int | np.integer) or sketch_size < 500:
        raise MufuseError(
            f"the sketch must hold at least 500 cells, got {sketch_size!r}: pass sketch_size=10000 (the default) "
            "or another integer of 500 or more"
        )
    if not isinstance(confidence, bool | np.bool_):
        raise MufuseError(f"confidence must be True or False, got {confidence!r}")


@dataclass
class Problem:
    """What a matcher is given: the harmonized arrays of the cells it is to match, and the request.

    Attributes
    ----------
    inputs
        ``shared_arr1``, ``shared_arr2`` (cells × shared features), ``active_arr1``, ``active_arr2`` (cells × active
        features), dense float32, rows in obs order, cells without any signal left out; ``labels1`` and ``labels2``
        (one label per row, or ``None``). The keys are those of :func:`mufuse.tl.to_maxfuse`. A matcher may replace
        these arrays (a sketch, metacells) but never the user's data.
    names
        ``{1: rna obs names, 2: prot obs names}`` of those rows.
    every
        The active arrays of every cell of the two modalities, empty ones too: the joint embedding covers them all.
    every_shared
        The shared arrays of every cell of the two modalities (the same columns in both), empty ones too.
    obs_names
        The obs names of every cell of the two modalities (the rows of ``every``).
    modalities
        ``(rna, prot)``: the names of the modalities, used as the columns of the pairs.
    route
        ``"direct"`` or ``"sketch"``, as :func:`mufuse.tl.match` chose it.
    sketch_size
        Protein cells the sketched route fits on (RNA: half as many).
    order
        ``(2, 1)``, ``(1, 2)`` or ``None``: whose cells must each get a pair (see :func:`mufuse.tl.match`).
    seed
        Seed of every random choice; a seed gives one matching.
    verbose
        Let the method's own library print its progress.
    confidence
        Whether the pair confidence will be computed (for the expected time the matcher states).
    options
        The matcher's own options, already checked by :meth:`Matcher.check`.
    """

    inputs: dict
    names: dict[int, np.ndarray]
    every: tuple[np.ndarray, np.ndarray]
    every_shared: tuple[np.ndarray, np.ndarray]
    obs_names: tuple[pd.Index, pd.Index]
    modalities: tuple[str, str]
    route: str
    sketch_size: int
    order: tuple[int, int] | None
    seed: int
    verbose: bool = False
    confidence: bool = True
    options: dict = field(default_factory=dict)


@dataclass
class Fitted:
    """What a matcher returns.

    Attributes
    ----------
    pairs
        One row per pair: obs names in columns named after the modalities, ``score`` (larger is better; a matcher's
        own similarity) and ``stage`` (one of the matcher's :attr:`Matcher.stages`). Cells of the side ``order``
        asks for that have no pair here are matched afterwards in the joint space (``stage="embedding"``).
    embedding
        The joint embedding of every cell of each modality (rows of :attr:`Problem.every`), the same columns in both.
    params
        What the matcher used, recorded in ``uns["mufuse"]["params"][name]`` (values .h5mu can store; ``None`` is
        written as the string ``"None"``); its ``"route"`` entry is what ``mufuse match`` prints.
    """

    pairs: pd.DataFrame
    embedding: tuple[np.ndarray, np.ndarray]
    params: dict


class Matcher:
    """One way of matching the cells of the two modalities. Subclass it in one module and :func:`register_matcher` it.

    Attributes
    ----------
    name
        The value of ``method=`` that selects it.
    summary
        One line: the method, its publication.
    licence
        The licence of the library it runs on, as its users must know it.
    install
        The pip command that installs what it needs ("" when the core install has it).
    stages
        The values its pairs take in ``stage``; mufuse adds ``"embedding"`` for the cells it matches afterwards.
    """

    name: str = ""
    summary: str = ""
    licence: str = ""
    install: str = ""
    stages: tuple[str, ...] = ()

    def check(self, options: dict) -> None:
        """Refuse options this matcher does not take, or of the wrong type, before any work (:class:`MufuseError`)."""
        if options:
            raise MufuseError(f"method {self.name!r} takes no options; got {', '.join(sorted(options))}")

    def validate(
        self,
        options: dict,
        *,
        order: tuple[int, int] | None = (2, 1),
        seed: int = 0,
        route: str = "auto",
        sketch_size: int = SKETCH_SIZE,
        confidence: bool = True,
    ) -> None:
        """Check a whole call of :func:`mufuse.tl.match` with this method, before any work (:class:`MufuseError`).

        Examples
        --------
        >>> import mufuse
        >>> mufuse.tl.get_matcher("maxfuse").validate({"metacells": "pairs"}, seed=1, route="direct")
        """
        check_request(order, seed, route, sketch_size, confidence)
        self.check(options)

    def fit(self, problem: Problem) -> Fitted:  # pragma: no cover - every registered matcher defines it
        """Match the cells of ``problem``; raise :class:`MufuseError` with what to change when the method fails."""
        raise NotImplementedError

    def describe(self) -> dict:
        """Name, summary, licence and install command, as :func:`list_matchers` shows them."""
        return {"method": self.name, "summary": self.summary, "licence": self.licence, "install": self.install}


_MATCHERS: dict[str, Matcher] = {}


def register_matcher(matcher: Matcher) -> Matcher:
    """Make ``matcher`` available as ``mufuse.tl.match(mdata, method=matcher.name)``; return it.

    Raises
    ------
    MufuseError
        When it has no name, or another matcher of a different class has that name.

    Examples
    --------
    >>> import mufuse
    >>> mufuse.tl.get_matcher("maxfuse").name
    'maxfuse'
    """
    if not isinstance(matcher, Matcher) or not matcher.name:
        raise MufuseError("register_matcher takes an instance of a mufuse.tl.Matcher subclass with a name")
    old = _MATCHERS.get(matcher.name)
    if old is not None and type(old) is not type(matcher):
        raise MufuseError(f"a matcher named {matcher.name!r} is registered already ({type(old).__name__})")
    _MATCHERS[matcher.name] = matcher
    return matcher


def get_matcher(name: str) -> Matcher:
    """Return the registered matcher called ``name``.

    Raises
    ------
    MufuseError
        When no matcher has that name; the message lists those there are.
    """
    if not isinstance(name, str) or name not in _MATCHERS:
        raise MufuseError(f"method must be one of {', '.join(map(repr, sorted(_MATCHERS)))}, got {name!r}")
    return _MATCHERS[name]


def list_matchers() -> pd.DataFrame:
    """List the registered matchers: one row each with its summary, licence and what to install.

    Examples
    --------
    >>> import mufuse
    >>> "maxfuse" in mufuse.tl.list_matchers().index
    True
    """
    rows = [m.describe() for m in _MATCHERS.values()]
    return pd.DataFrame(rows, columns=["method", "summary", "licence", "install"]).set_index("method")
