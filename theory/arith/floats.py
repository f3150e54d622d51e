"""The float context: numpy float64, vectorized, with compiled loops where numba is present."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .. import compiled
from ..errors import ArithmeticContextError
from ._lazy import _instance_of
from .checks import FLOAT_TOLERANCE, _check_float_image, _float_range_error
from .context import Context
from .rationals import to_fraction


class FloatContext(Context):
    """numpy float64, vectorized; the default and the fast path.

    >>> FloatContext().log(np.array([1.0, np.e]))
    array([0., 1.])
    """

    name = "float"
    dtype = np.float64
    certified = False

    def convert(self, x):
        """One number as a float. An exact value (int, Fraction, numeric string, LogLinear) that is non-zero
        but rounds to 0, or finite but overflows, raises :class:`~theory.errors.UnderflowError` instead of
        silently turning a finite KL infinite or a model "ruled out"; floats pass through unchanged.

        >>> FloatContext().convert("1/4"), FloatContext().convert(1e-320)
        (0.25, 1e-320)
        >>> FloatContext().convert(Fraction(1, 10**400))
        Traceback (most recent call last):
        ...
        theory.errors.UnderflowError: the exact value 1/10^400 (about 1e-400) is not 0 but rounds to 0 in float arithmetic, which would turn a finite value infinite or a possible history impossible; use arith='exact' or arith='ball'
        """
        if isinstance(x, (float, np.floating)):
            return float(x)
        if isinstance(x, str):
            x = to_fraction(x)
        if _instance_of(x, "flint", "arb"):
            return float(x.mid())
        try:
            out = float(x)
        except OverflowError:
            raise _float_range_error(x, "overflows to infinity") from None
        if out == 0.0 or math.isinf(out):
            _check_float_image(x, out)
        return out

    def array(self, values) -> np.ndarray:
        """A nested sequence or array of numbers as a float64 array. Float arrays pass through vectorized;
        only entries of other inputs that come out 0 or infinite are checked against their exact value
        (:meth:`convert`'s :class:`~theory.errors.UnderflowError`).

        >>> FloatContext().array([["1/2", 0.5], [0, 1]])
        array([[0.5, 0.5],
               [0. , 1. ]])
        """
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
            return np.asarray(values, dtype=np.float64)
        try:
            out = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return super().array(values)
        suspect = (out == 0.0) | np.isinf(out)
        if suspect.any():
            raw = np.asarray(values, dtype=object)
            if raw.shape == out.shape:
                for v, f in zip(raw[suspect].reshape(-1), out[suspect].reshape(-1)):
                    if not isinstance(v, (float, np.floating)):
                        _check_float_image(v, f)
        return out

    def to_output(self, x):
        return float(x)

    def log(self, x):
        with np.errstate(divide="ignore"):
            return np.log(x)

    def exp(self, x):
        with np.errstate(over="ignore", under="ignore"):
            return np.exp(x)

    def sqrt(self, x):
        return np.sqrt(x)

    def log_ratio(self, p, q):
        # Two logs rather than one quotient: p/q can overflow when q is tiny.
        return np.log(p) - np.log(q)

    def is_zero(self, x):
        return np.asarray(x) == 0

    def zeros(self, shape) -> np.ndarray:
        return np.zeros(shape)

    def ones(self, shape) -> np.ndarray:
        return np.ones(shape)

    #: The float tie rule, the one answer to "are these equal?" for floats: values within 2^-40 of the larger
    #: magnitude (about 1e-12; float64 carries 52 bits, so 12 bits absorb the rounding of long sums).
    tie = 2.0**-40

    def at_least(self, x, y):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        with np.errstate(invalid="ignore"):  # inf − inf in the tolerance: the first test already says yes
            return (x >= y) | (x >= y - self.tie * np.maximum(np.abs(x), np.abs(y)))

    def extreme(self, values, *, largest: bool = True):
        values = [float(v) for v in values]
        if not values:
            raise ArithmeticContextError("the extreme of no values is undefined; give at least one value")
        return max(values) if largest else min(values)

    def complement(self, total):
        missing = 1 - np.asarray(total, dtype=float)
        out = np.where(missing < FLOAT_TOLERANCE, 0.0, missing)
        return out if out.ndim else float(out)

    def scalar(self, x):
        return float(x)

    def midpoint(self, lo, hi):
        return math.sqrt(lo * hi)

    def rational_bounds(self, x):
        v = Fraction(float(x))
        return v, v

    def ball_counterpart(self, prec: int = 256):
        return self

    def overflows(self, values) -> bool:
        return not bool(np.isfinite(np.asarray(values, dtype=float)).all())

    def sum_by(self, values, inverse, size):
        if np.ndim(values) == 1:
            return np.bincount(inverse, weights=values, minlength=size)
        return super().sum_by(values, inverse, size)

    def descending_order(self, weights):
        weights = np.asarray(weights, dtype=float)
        top = np.max(weights, axis=1, keepdims=True) if weights.size else weights
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.where(top > 0, np.round(weights / np.where(top > 0, top, 1) * 2.0**40), 0)
        return np.argsort(-level, axis=1, kind="stable")

    def weights_transition(self, logw, matrix):
        with np.errstate(divide="ignore"):
            log_matrix = np.log(np.asarray(self.array(matrix), dtype=float))
        with np.errstate(invalid="ignore"):
            return np.logaddexp.reduce(logw[:, :, None] + log_matrix[None], axis=1)

    fixed_point_log_keys = True

    #: Below the smallest normal float, λ has lost precision (a subnormal), and 1/λ overflows.
    min_temperature = float(np.finfo(np.float64).tiny)
    _temperature_limit_reason = " (the smallest normal float)"

    def gibbs(self, base, values, temperature, *, kl: bool = False):
        # Log space throughout: the exponents s = (Q − max Q)/λ are ≤ 0, so nothing overflows at any λ (Q/λ
        # itself would, and inf − inf is nan); an exponent that underflows to −inf gives weight exactly 0.
        # L = ln Σ base·e^s, π = base·e^(s − L), W = max Q + λ·L. When every exponent is small (large λ, π ≈ base)
        # L = log1p(Σ base·expm1(s)) keeps its relative accuracy, so W does not lose λ·ε to rounding.
        temperature = float(self.check_temperature(temperature))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            live = base > 0
            any_live = live.any(axis=1)
            vmax = np.max(np.where(live, values, -np.inf), axis=1)
            vmax = np.where(np.isfinite(vmax), vmax, 0.0)
            s = np.where(live, (values - vmax[:, None]) / temperature, -np.inf)
            b = np.where(live, base, 0.0)
            logits = np.where(live, np.log(np.where(live, base, 1.0)), -np.inf) + s
            top = np.max(logits, axis=1)
            top = np.where(np.isfinite(top), top, 0.0)
            total = np.exp(logits - top[:, None]).sum(axis=1)
            lse = top + np.log(np.where(total > 0, total, 1.0))
            # A float row within FLOAT_TOLERANCE of summing to 1 is a distribution (see distribution()).
            deficit = 1.0 - b.sum(axis=1)
            deficit = np.where(np.abs(deficit) <= FLOAT_TOLERANCE, 0.0, deficit)
            near = any_live & (np.min(np.where(live, s, 0.0), axis=1) > -0.5) & (deficit == 0)
            if near.any():
                lse[near] = np.log1p((b[near] * np.expm1(np.where(live[near], s[near], 0.0))).sum(axis=1))
            r = s - lse[:, None]  # ln(π/base) on live entries (−inf where π underflows)
            probs = np.where(live, b * np.exp(r), 0.0)
            w = vmax + temperature * lse
            if not kl:
                return probs, w
            # KL = Σ π r = Σ base·φ(r) + (1 − Σ base), φ(r) = 1 + (r − 1)e^r ≥ 0 (as Σ π = 1): a sum of
            # non-negative terms, with φ's series where r is small (1 + (r − 1)e^r cancels there).
            terms = np.where(live, b * _phi(r), 0.0)
            return probs, w, np.where(any_live, terms.sum(axis=1) + deficit, 0.0)

    def sign(self, x) -> int:
        x = float(x)
        if math.isnan(x):
            raise ArithmeticContextError("nan has no sign; a computation went wrong upstream")
        return (x > 0) - (x < 0)

    def weights_domain(self, likelihood):
        with np.errstate(divide="ignore"):
            return np.log(likelihood)

    def weights_step(self, logw, factor):
        return logw + factor

    def weights_defined(self, logw):
        return np.isfinite(np.max(logw, axis=1))

    def weights_alive(self, logw):
        return np.isfinite(logw)  # log space: a weight 0 is -inf

    def kl_rows(self, p, q):
        # One compiled pass over the rows instead of numpy's masks (theory.compiled), when numba is there.
        if compiled.AVAILABLE:
            return compiled.kl_rows(p, q)
        return super().kl_rows(p, q)

    def predictive(self, post, table, states, group_of, offset):
        # One compiled pass instead of numpy's gather, product and sum (theory.compiled), when numba is there.
        if compiled.AVAILABLE:
            return compiled.predictive(post, table, states, group_of, offset)
        return super().predictive(post, table, states, group_of, offset)

    def posterior_after_actions(self, logw, post, table, log_table, states, group_of, offset):
        # Bayes' rule on the linear posterior, compiled (theory.compiled): no exponential per weight.
        if compiled.AVAILABLE:
            return compiled.posterior_after_actions(logw, post, table, log_table, states, group_of, offset)
        return super().posterior_after_actions(logw, post, table, log_table, states, group_of, offset)

    def weights_linear(self, logw):
        if compiled.AVAILABLE:
            return compiled.softmax_rows(logw)
        top = np.max(logw, axis=1)
        with np.errstate(invalid="ignore"):
            e = np.exp(logw - np.where(np.isfinite(top), top, 0.0)[:, None])
        total = e.sum(axis=1)
        return e / np.where(total > 0, total, 1.0)[:, None]

    def merge_keys(self, values):
        """Floats agreeing to 40 significant bits share a key (mantissa rounded, exponent): what a float
        computation along different orders of the same steps leaves equal.

        >>> from theory.arith import get_context
        >>> keys = get_context("float").merge_keys(np.array([0.1 + 0.2, 0.3, 0.4]))
        >>> bool((keys[0] == keys[1]).all()), bool((keys[0] == keys[2]).all())
        (True, False)
        """
        mantissa, exponent = np.frexp(np.asarray(values, dtype=float))
        return np.stack([np.round(mantissa * 2.0**40).astype(np.int64), exponent.astype(np.int64)], axis=1)

    def weights_key(self, logw):
        # Quantized log weights (row maximum 0): histories whose posteriors agree to ~1e-12 merge; weights
        # below e^-800 of the largest are zero in float64 anyway, so the clip loses nothing.
        top = np.max(logw, axis=1)
        with np.errstate(invalid="ignore"):
            shifted = logw - np.where(np.isfinite(top), top, 0.0)[:, None]
        clipped = np.clip(np.nan_to_num(shifted, neginf=-800.0), -800.0, 0.0)
        return np.round(clipped * 2.0**40).astype(np.int64)


def _phi(r: np.ndarray) -> np.ndarray:
    """φ(r) = 1 + (r − 1)·e^r = Σ_{n≥2} (n − 1) r^n / n! (≥ 0; 1 at r = −∞), elementwise, accurate near r = 0.

    >>> _phi(np.array([-np.inf, 0.0, 1e-9, np.log(2)])).tolist()
    [1.0, 0.0, 5.000000003333333e-19, 0.3862943611198906]
    """
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        direct = 1.0 + (r - 1.0) * np.exp(r)
        direct = np.where(np.isneginf(r), 1.0, direct)
        small = np.abs(r) < 0.5
        x = np.where(small, r, 0.0)
        # Horner on Σ_{n=2}^{21} (n − 1) x^n / n!; the first omitted term is below 2^-60 of the sum for |x| < 1/2.
        acc = np.zeros_like(x)
        for n in range(21, 1, -1):
            acc = acc * x + (n - 1) / math.factorial(n)
        series = acc * x * x
        return np.where(small, series, direct)


#: The float context (one instance: it has no parameters).
FLOAT = FloatContext()
