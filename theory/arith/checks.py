"""Validation of (semi-)distributions and of exact values headed for floats, with errors naming the value."""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import numpy as np

from ..errors import ProbabilityError, UnderflowError
from .loglinear import LogLinear
from .rationals import to_fraction


#: Slack allowed in float arithmetic when checking that probabilities sum to 1 (or at most 1).
FLOAT_TOLERANCE = 1e-9


def _check_rows(arr: np.ndarray, name: str, semi: bool, *, tolerance, show) -> np.ndarray:
    """Raise ProbabilityError naming the offending value unless every row is a (semi-)distribution; return
    which rows sum to 1 within ``tolerance``."""
    flat = arr.reshape(-1, arr.shape[-1])
    near_one = np.zeros(flat.shape[0], dtype=bool)
    for r, row in enumerate(flat):
        where = "" if flat.shape[0] == 1 else f" (row {[int(k) for k in np.unravel_index(r, arr.shape[:-1])]})"
        for i, v in enumerate(row):
            if v != v:
                raise ProbabilityError(f"{name}{where} has nan at index {i}; probabilities must be numbers in [0, 1]")
            if v < 0:
                raise ProbabilityError(
                    f"{name}{where} has a negative entry {show(v)} at index {i}; probabilities must lie in [0, 1]"
                )
            if v > 1 + tolerance:
                raise ProbabilityError(
                    f"{name}{where} has entry {show(v)} > 1 at index {i}; probabilities must lie in [0, 1]"
                )
        total = row.sum()
        if total > 1 + tolerance:
            raise ProbabilityError(f"{name}{where} sums to {show(total)} > 1; a (semi-)distribution sums to at most 1")
        near_one[r] = total >= 1 - tolerance
        if not semi and not near_one[r]:
            raise ProbabilityError(
                f"{name}{where} sums to {show(total)} < 1; a distribution sums to exactly 1 "
                "(pass semi=True for a semi-distribution)"
            )
    return near_one.reshape(arr.shape[:-1])


def _exact_shown(x) -> str:
    """A short display of an exact number whose float image is 0 or infinite (1/10^400 rather than 401 digits)."""
    if isinstance(x, Fraction) or isinstance(x, numbers.Integral):
        q = Fraction(x)
        parts = []
        for n in (abs(q.numerator), q.denominator):
            text = str(n) if n.bit_length() < 200 else None
            if text is None:
                p = 0
                while n % 10 == 0 and p < 100_000:
                    n //= 10
                    p += 1
                text = f"10^{p}" if n == 1 else f"{n if n.bit_length() < 64 else '...'}·10^{p}"
            parts.append(text)
        sign = "-" if q < 0 else ""
        den = f"({parts[1]})" if "·" in parts[1] else parts[1]
        shown = sign + (parts[0] if parts[1] == "1" else f"{parts[0]}/{den}")
        e = (abs(q.numerator).bit_length() - q.denominator.bit_length()) * math.log10(2) if q else 0
        return f"{shown} (about {sign}1e{round(e):+d})".replace("e+", "e")
    text = str(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _float_range_error(x, what: str) -> UnderflowError:
    return UnderflowError(
        f"the exact value {_exact_shown(x)} is not 0 but {what} in float arithmetic, which would turn a finite "
        "value infinite or a possible history impossible; use arith='exact' or arith='ball'"
    )


def _check_float_image(x, out: float) -> None:
    """Raise UnderflowError when the float ``out`` of the exact number ``x`` is 0 or infinite but ``x`` is not."""
    if isinstance(x, (float, np.floating)):
        return
    if isinstance(x, str):
        x = to_fraction(x)
    if out == 0.0:
        nonzero = (x.sign() != 0) if isinstance(x, LogLinear) else (x != 0)
        if nonzero:
            raise _float_range_error(x, "rounds to 0")
    elif math.isinf(out):
        raise _float_range_error(x, "overflows to infinity")
