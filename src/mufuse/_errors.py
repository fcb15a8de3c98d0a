"""Exception types of mufuse: every bad input gets one of these, naming modality, feature(s) and the fix."""

from __future__ import annotations

__all__ = ["LinkError", "MufuseError", "ScaleMismatchError", "StateError"]


class MufuseError(ValueError):
    """Base class of every error mufuse raises on bad input.

    A subclass of :class:`ValueError`, so ``except ValueError`` keeps working in user code.

    Examples
    --------
    >>> import mufuse
    >>> try:
    ...     raise mufuse.MufuseError("modality 'prot' is missing: pass prot='adt'")
    ... except ValueError as err:
    ...     print(err)
    modality 'prot' is missing: pass prot='adt'
    """


class LinkError(MufuseError):
    """Protein markers and RNA genes could not be linked (too few shared features, bad overrides)."""


class ScaleMismatchError(MufuseError):
    """The shared arrays of the two modalities are not on one scale (raised in ``strict`` mode)."""


class StateError(MufuseError):
    """A matrix is not in the state an operation needs (e.g. RNA that is not counts)."""
