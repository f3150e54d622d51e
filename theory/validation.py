"""One helper per kind of input value, and the size guard every size-driven computation calls first.

Every public entry of `theory` validates its arguments with these helpers, so that bad input always raises a
:class:`~theory.errors.MightntError` (a ``ValueError`` subclass) whose message names the offending value, and never
turns into a silently wrong number, a bare numpy error, a hang or a memory blow-up.

* :func:`integer`, :func:`real`, :func:`probability`, :func:`flag`, :func:`option`, :func:`require_instance`
  check one value each and return it in canonical form;
* :func:`guard_size` refuses, *before* allocating, a computation whose estimated size is above its limit, naming
  the estimate and the keyword that raises the limit.

This module imports nothing from the rest of `theory` except its errors (the arithmetic contexts use it too).

>>> integer(3, name="horizon", minimum=0)
3
>>> integer(True, name="horizon")
Traceback (most recent call last):
...
theory.errors.OptionError: horizon True is a bool, not an integer
>>> real("1/3", name="alpha", minimum=0, maximum=1)
Fraction(1, 3)
>>> flag("no", name="demonstrator flag")
Traceback (most recent call last):
...
theory.errors.OptionError: demonstrator flag 'no' must be True or False (or 0 or 1)
"""

from __future__ import annotations

import math
import numbers
import reprlib
from fractions import Fraction

import numpy as np

from .errors import OptionError, ProbabilityError, ResourceLimitError, TypeMismatchError

__all__ = [
    "integer",
    "real",
    "probability",
    "flag",
    "option",
    "require_instance",
    "guard_size",
    "MAX_TREE_NODES",
    "MAX_BALL_PRECISION",
    "MAX_PROGRAMS",
    "MAX_EXACT_DIGITS",
]

#: Default limit on history-tree nodes (or array entries) one computation may allocate; about 10^7 entries of a
#: few 8-byte words each stays well under a gigabyte. Functions that build trees take ``max_nodes=`` to raise it.
MAX_TREE_NODES = 10_000_000

#: Largest ball precision in bits (``arith="ball:<bits>"``): 2^16 bits is about 20,000 decimal digits, far
#: beyond any certificate's needs, and arb at that precision still answers in milliseconds.
MAX_BALL_PRECISION = 1 << 16

#: Default limit on the number of programs enumerated by the policy language (``max_programs=`` raises it).
MAX_PROGRAMS = 1_000_000

#: Largest number of decimal digits accepted in one exact number read from user input (a certificate, a
#: numeric string); longer numbers are refused rather than parsed at quadratic cost.
MAX_EXACT_DIGITS = 100_000


class _ShortRepr(reprlib.Repr):
    """reprlib's abbreviations, and integers too long for ``repr`` (Python refuses > 4300 digits) by size."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxlong, self.maxstring, self.maxother = 3, 60, 60, 60

    def repr_int(self, x, level):
        if x.bit_length() > 10_000:
            return f"<an integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)


def _shown(value) -> str:
    """A short repr of a value for an error message (at most about 80 characters), safe on any input: nesting
    too deep for ``repr`` and integers too long to print are abbreviated rather than raising.

    >>> deep = [0.5]
    >>> for _ in range(10_000):
    ...     deep = [deep]
    >>> _shown(deep)
    '[[[[...]]]]'
    >>> _shown("x" * 100)[-5:]
    'xx...'
    >>> _shown(10**5000)
    '<an integer of 16610 bits>'
    """
    if isinstance(value, int) and value.bit_length() > 10_000:
        return _ShortRepr().repr(value)
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # a deeply nested input, or an int inside too long to print
        text = _ShortRepr().repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def require_instance(value, types, *, name: str, error: type = TypeMismatchError, what: str | None = None):
    """``value`` itself if it is an instance of ``types``; otherwise ``error`` naming it.

    >>> require_instance("x", str, name="label")
    'x'
    """
    if not isinstance(types, tuple):
        types = (types,)
    if isinstance(value, types):
        return value
    wanted = what or " or ".join(t.__name__ for t in types)
    article = "an" if wanted[:1].lower() in "aeiou" else "a"
    raise error(f"{name} must be {article} {wanted}, got {_shown(value)} ({type(value).__name__})")


def integer(
    value, *, name: str, minimum: int | None = None, maximum: int | None = None, error: type = OptionError
) -> int:
    """``value`` as a Python int, checked to be an integer (not a bool, not a float) in [minimum, maximum].

    >>> integer(np.int64(5), name="episodes", minimum=1)
    5
    >>> integer(-5, name="max_iterations", minimum=1)
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: max_iterations -5 must be at least 1
    >>> integer(2.0, name="horizon")
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: horizon 2.0 is not an integer (float)
    """
    if isinstance(value, (bool, np.bool_)):
        raise error(f"{name} {value!r} is a bool, not an integer")
    if not isinstance(value, numbers.Integral):
        raise error(f"{name} {_shown(value)} is not an integer ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise error(f"{name} {value} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise error(f"{name} {value} must be at most {maximum}")
    return value


def real(
    value,
    *,
    name: str,
    minimum=None,
    maximum=None,
    open_minimum: bool = False,
    open_maximum: bool = False,
    allow_inf: bool = False,
    error: type = OptionError,
):
    """``value`` as an exact :class:`~fractions.Fraction` (``math.inf`` if ``allow_inf`` and it is +inf), checked
    to be a real number (int, float, Fraction, numeric string; not a bool, not nan) within the given bounds.

    Floats convert exactly (``Fraction(0.1)`` is the binary value), so the bounds are checked on the number the
    caller actually passed.

    >>> real(0.5, name="rtol", minimum=0, open_minimum=True)
    Fraction(1, 2)
    >>> real(float("nan"), name="rtol")
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: rtol nan is not a finite number
    >>> real(0, name="temperature", minimum=0, open_minimum=True)
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: temperature 0 must be greater than 0
    """
    if isinstance(value, (bool, np.bool_)):
        raise error(f"{name} {value!r} is a bool, not a number")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_EXACT_DIGITS:
            raise error(f"{name} has {len(text)} characters, more than the {MAX_EXACT_DIGITS} accepted")
        try:
            result: Fraction | float = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise error(f"{name} {_shown(value)} is not a number") from None
    elif isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value) or (math.isinf(value) and not (allow_inf and value > 0)):
            raise error(f"{name} {value!r} is not a finite number")
        if math.isinf(value):
            result = math.inf
        else:
            result = Fraction(value)
    elif isinstance(value, numbers.Rational):
        result = Fraction(int(value.numerator), int(value.denominator))
    else:
        raise error(f"{name} {_shown(value)} is not a number ({type(value).__name__})")
    shown = _shown(value)
    if minimum is not None:
        lo = Fraction(minimum) if not isinstance(minimum, float) else Fraction(minimum)
        if result < lo or (open_minimum and result == lo):
            raise error(f"{name} {shown} must be {'greater than' if open_minimum else 'at least'} {minimum}")
    if maximum is not None:
        hi = Fraction(maximum)
        if result > hi or (open_maximum and result == hi):
            raise error(f"{name} {shown} must be {'less than' if open_maximum else 'at most'} {maximum}")
    return result


def probability(value, *, name: str, error: type = ProbabilityError) -> Fraction:
    """A single probability in [0, 1], as an exact Fraction.

    >>> probability("1/4", name="p")
    Fraction(1, 4)
    >>> probability(True, name="p")
    Traceback (most recent call last):
    ...
    theory.errors.ProbabilityError: p True is a bool, not a number
    """
    return real(value, name=name, minimum=0, maximum=1, error=error)


def flag(value, *, name: str, error: type = OptionError) -> bool:
    """A yes/no flag: ``True``/``False`` (numpy's too) or the integers 0 and 1. Strings are refused, because
    ``bool("no")`` is True.

    >>> flag(1, name="demonstrator flag"), flag(np.bool_(False), name="demonstrator flag")
    (True, False)
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(int(value))
    raise error(f"{name} {_shown(value)} must be True or False (or 0 or 1)")


def option(value, *, name: str, choices, error: type = OptionError):
    """``value`` if it is one of ``choices`` (compared with ==, type-checked so that 1 is not True).

    >>> option("actions", name="convention", choices=("outcome", "actions"))
    'actions'
    """
    for choice in choices:
        if type(value) is type(choice) and value == choice:
            return value
    listed = ", ".join(repr(c) for c in choices)
    raise error(f"{name} {_shown(value)} is not one of {listed}")


def guard_size(estimate, *, limit, what: str, option: str, error: type = ResourceLimitError) -> None:
    """Refuse a computation whose estimated size (``estimate``, any non-negative number, possibly huge or
    ``math.inf``) is above ``limit``, before anything is allocated.

    >>> guard_size(100, limit=1000, what="nodes", option="max_nodes")   # fine: returns None
    >>> guard_size(2**64, limit=10**7, what="observation sequences", option="max_nodes")
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: this computation needs about 18446744073709551616 observation sequences, above the limit 10000000; pass max_nodes=... to raise it (or shrink the input)
    """
    if estimate > limit:
        if isinstance(estimate, float) and math.isfinite(estimate):
            shown = f"{estimate:.3g}"
        elif isinstance(estimate, int) and estimate.bit_length() > 200:
            shown = f"2^{estimate.bit_length() - 1}"
        else:
            shown = str(estimate)
        raise error(
            f"this computation needs about {shown} {what}, above the limit {limit}; "
            f"pass {option}=... to raise it (or shrink the input)"
        )
