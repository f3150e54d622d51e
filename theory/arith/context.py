"""The base arithmetic context: the operations `theory` computes with, one numpy implementation over object
arrays; subclasses fix the arithmetic (:mod:`.floats`, :mod:`.exact`, :mod:`.ball`)."""

from __future__ import annotations

import contextlib
import functools
import math
from fractions import Fraction

import numpy as np

from ..errors import ArithmeticContextError, ProbabilityError, UnderflowError
from ._lazy import _instance_of
from .checks import FLOAT_TOLERANCE, _check_rows
from .rationals import to_fraction
from .symbolic import _arb_endpoints


def _infinity_sign(x) -> int:
    """+1 for +inf, -1 for -inf, 0 for anything finite."""
    if isinstance(x, float) and math.isinf(x):
        return 1 if x > 0 else -1
    return 0


class Context:
    """The operations `theory` computes with; subclasses fix the arithmetic.

    Arrays are numpy arrays: ``float64`` in the float context, ``object`` arrays of exact numbers or arb balls
    otherwise, so that one implementation (numpy broadcasting, fancy indexing, sums) serves all three.
    """

    name: str = "abstract"
    #: dtype of the arrays this context computes with.
    dtype = object
    #: True when zero tests and equality are exact (so verdicts may rest on them).
    certified: bool = False
    #: True when values are exact numbers (rationals, exact logarithms, symbolic expressions), not enclosures.
    is_exact: bool = False
    #: Whether values past rationals and log-linear forms become symbolic (sympy) expressions, whose cost grows
    #: with every operation: computations that chain many exponentials (Gibbs weights) bound their size.
    symbolic: bool = False

    @property
    def rational_counterpart(self) -> "Context | None":
        """The context that computes this one's answers exactly from the same rational inputs: the exact context
        for exact and ball arithmetic (a ball then encloses the exact answer), None for floats. Computations
        that only exist in rationals (an exact linear program) run there and convert back.

        >>> from theory.arith import get_context
        >>> get_context("ball").rational_counterpart.name, get_context("float").rational_counterpart
        ('exact', None)
        """
        return None

    # -- scope ---------------------------------------------------------------------------------------------
    def scope(self):
        """A context manager in force while computing (sets ball precision; a no-op elsewhere)."""
        return contextlib.nullcontext()

    @property
    def cache_key(self):
        """A hashable key under which kernels cache values converted into this context."""
        return self.name

    # -- conversion ----------------------------------------------------------------------------------------
    def convert(self, x):
        """One number into this context."""
        raise NotImplementedError

    def array(self, values) -> np.ndarray:
        """A nested sequence (or array) of numbers into an array of this context."""
        raw = np.asarray(values, dtype=object)
        out = np.empty(raw.shape, dtype=self.dtype)
        flat_in, flat_out = raw.reshape(-1), out.reshape(-1)
        for i, v in enumerate(flat_in):
            flat_out[i] = self.convert(v)
        return out

    def zeros(self, shape) -> np.ndarray:
        return self.array(np.zeros(shape, dtype=int))

    def ones(self, shape) -> np.ndarray:
        return self.array(np.ones(shape, dtype=int))

    def to_float(self, x) -> float:
        """A float approximation of one value (for display and for steering searches, never for verdicts)."""
        return float(x)

    def to_output(self, x):
        """The value handed back to users: a float, an exact number, or an arb ball."""
        return x

    # -- elementwise functions -----------------------------------------------------------------------------
    def log(self, x):
        raise NotImplementedError

    def exp(self, x):
        raise NotImplementedError

    def sqrt(self, x):
        raise NotImplementedError

    def log_ratio(self, p, q):
        """``ln(p/q)`` elementwise for positive p, q."""
        return self.log(p / q)

    # -- decisions -----------------------------------------------------------------------------------------
    def is_zero(self, x) -> np.ndarray:
        """Boolean array: which entries are exactly zero (in the float context: equal to 0.0)."""
        raise NotImplementedError

    def sign(self, x) -> int:
        """-1, 0 or +1 for one value; raises :class:`UndecidedError` when the arithmetic cannot tell."""
        raise NotImplementedError

    def compare(self, a, b) -> int:
        """Sign of ``a - b``; either side may be ``±math.inf``."""
        ia, ib = _infinity_sign(a), _infinity_sign(b)
        if ia or ib:
            return (ia > ib) - (ia < ib)
        return self.sign(a - b)

    def maximum(self, x, axis: int = -1):
        """Maximum along an axis (ball: an enclosure of the maximum)."""
        return np.max(x, axis=axis)

    def at_least(self, x, y) -> np.ndarray:
        """Boolean array: where ``x ≥ y`` (broadcast). Exact in certified contexts (a comparison the arithmetic
        cannot settle raises :class:`~theory.errors.UndecidedError`); the float context counts values within its
        tie rule (:attr:`FloatContext.tie`) as equal, so rounding never splits a true tie.

        >>> from theory.arith import get_context
        >>> ctx = get_context("exact")
        >>> ctx.at_least(ctx.array(["1/3", "1/2"]), ctx.convert("1/2")).tolist()
        [False, True]
        >>> get_context("float").at_least(np.array([0.1 + 0.2, 0.2]), 0.3).tolist()   # 0.30000000000000004 ties 0.3
        [True, False]
        """
        # compare() rather than the sign of x − y: either side may be ±inf (an infinite divergence).
        ge = np.frompyfunc(lambda a, b: self.compare(a, b) >= 0, 2, 1)
        return np.asarray(ge(np.asarray(x, dtype=object), np.asarray(y, dtype=object)), dtype=bool)

    def argmax_set(self, values) -> list[int]:
        """Indices attaining the maximum of a 1-d array: exact in certified contexts (may raise
        :class:`~theory.errors.UndecidedError`), within the tie rule in float (see :meth:`at_least`).

        >>> from theory.arith import get_context
        >>> get_context("exact").argmax_set(get_context("exact").array(["1/2", "1/3", "1/2"]))
        [0, 2]
        >>> get_context("float").argmax_set(np.array([0.1 + 0.2, 0.3, 0.2]))
        [0, 1]
        """
        values = np.asarray(values, dtype=self.dtype)
        best = self.maximum(values, axis=0)
        return [int(i) for i in np.nonzero(self.at_least(values, best))[0]]

    def extreme(self, values, *, largest: bool = True):
        """The largest (or smallest) of a non-empty sequence of values: decided exactly in the exact context,
        an enclosure of the extreme in ball arithmetic, the float maximum in float.

        >>> from theory.arith import get_context
        >>> get_context("exact").extreme([Fraction(1, 3), Fraction(1, 2)], largest=False)
        Fraction(1, 3)
        >>> get_context("float").extreme([0.25, 0.5])
        0.5
        """
        values = list(values)
        if not values:
            raise ArithmeticContextError("the extreme of no values is undefined; give at least one value")
        key = functools.cmp_to_key(self.compare)
        return max(values, key=key) if largest else min(values, key=key)

    def complement(self, total):
        """``1 − total``: the mass a semi-distribution leaves to ⊥ (abstention), elementwise. In float a missing
        mass below :data:`FLOAT_TOLERANCE` is rounding of a full distribution, not abstention, and is 0.

        >>> from theory.arith import get_context
        >>> get_context("exact").complement(Fraction(3, 4))
        Fraction(1, 4)
        >>> get_context("float").complement(np.array([0.1 + 0.2 + 0.7, 0.75])).tolist()
        [0.0, 0.25]
        """
        return 1 - total

    def scalar(self, x):
        """One number in the type this context steers and solves with outside its arrays (a temperature, a
        bisection bracket's end, a linear program's coefficient): an exact rational in certified contexts, so the
        number itself adds no error; a float in float. (Not :func:`theory.arith.parameter`, which validates
        user input.)

        >>> from theory.arith import get_context
        >>> get_context("ball").scalar(0.5), get_context("float").scalar(Fraction(1, 2))
        (Fraction(1, 2), 0.5)
        """
        return to_fraction(x)

    def midpoint(self, lo, hi):
        """The point a bisection of the positive bracket ``[lo, hi]`` tries next: the arithmetic mean in certified
        contexts (stays rational), the geometric mean in float (a temperature bracket spans many orders of
        magnitude, and the float bracket can afford an irrational split).

        >>> from theory.arith import get_context
        >>> get_context("exact").midpoint(Fraction(1), Fraction(4)), get_context("float").midpoint(1.0, 4.0)
        (Fraction(5, 2), 2.0)
        """
        return (lo + hi) / 2

    def rational_bounds(self, x) -> tuple[Fraction, Fraction]:
        """Rational ``(lo, hi)`` with ``lo ≤ x ≤ hi``: a ball's endpoints (computed exactly from their binary
        forms), an exact rational twice, an irrational exact value's enclosure at 256 bits; in float the value
        itself twice (a float is its own best estimate, not an enclosure).

        >>> from theory.arith import get_context
        >>> get_context("exact").rational_bounds(Fraction(1, 3))
        (Fraction(1, 3), Fraction(1, 3))
        >>> lo, hi = get_context("exact").rational_bounds(get_context("exact").log(2))
        >>> lo < hi and hi - lo < Fraction(1, 2**200)
        True
        """
        if _instance_of(x, "flint", "arb"):
            return _arb_endpoints(x)
        from .ball import BallContext
        from .exact import EXACT

        v = EXACT.convert(x)
        if isinstance(v, (int, Fraction)):
            return Fraction(v), Fraction(v)
        return _arb_endpoints(BallContext(256).convert(v))

    def ball_counterpart(self, prec: int = 256) -> "Context":
        """The context that encloses this one's answers where they leave the rationals (a bisection over
        temperatures, say): ball arithmetic at ``prec`` bits for certified contexts, the float context itself.

        >>> from theory.arith import get_context
        >>> get_context("exact").ball_counterpart().name, get_context("float").ball_counterpart().name
        ('ball', 'float')
        """
        from .ball import BallContext

        return BallContext(prec)

    def overflows(self, values) -> bool:
        """Whether some of ``values``, computed from finite inputs, left the context's range (a float beyond
        1.8e308, or nan from one): only the float context has a range to leave.

        >>> from theory.arith import get_context
        >>> get_context("float").overflows([1.0, float("inf")]), get_context("exact").overflows([10**400])
        (True, False)
        """
        return False

    def total(self, values):
        """The sum of an array's entries (one number).

        >>> from theory.arith import get_context
        >>> get_context("exact").total(get_context("exact").log(get_context("exact").array(["1/2", "1/3", "1/6"])))
        LogLinear(1*ln(1/2) + 1*ln(1/3) + 1*ln(1/6))
        """
        return np.asarray(values).sum()

    def sum_by(self, values: np.ndarray, inverse: np.ndarray, size: int) -> np.ndarray:
        """Rows of ``values`` summed into ``size`` bins given by ``inverse`` (``out[inverse[i]] += values[i]``).

        >>> from theory.arith import get_context
        >>> get_context("exact").sum_by(get_context("exact").array(["1/2", "1/4", 1]), np.array([0, 0, 1]), 2)
        array([Fraction(3, 4), Fraction(1, 1)], dtype=object)
        """
        out = self.zeros((size,) + np.shape(values)[1:])
        np.add.at(out, inverse, values)
        return out

    def descending_order(self, weights: np.ndarray) -> np.ndarray:
        """Per row of a (N, K) array, the column indices by decreasing value, ties by index (stable). The float
        context ranks values equal to 40 bits of the row's largest as tied: an argsort of raw floats would order
        exactly tied posteriors by their rounding errors.

        >>> from theory.arith import get_context
        >>> get_context("exact").descending_order(get_context("exact").array([["1/4", "1/2", "1/4"]])).tolist()
        [[1, 0, 2]]
        >>> get_context("float").descending_order(np.array([[0.1 + 0.2, 0.3, 0.4]])).tolist()
        [[2, 0, 1]]
        """
        weights = np.asarray(weights, dtype=self.dtype)
        n, k = weights.shape
        key = functools.cmp_to_key(self.compare)

        def order(row) -> list[int]:
            return sorted(range(k), key=lambda i: (_Negated(key(row[i])), i))

        return np.array([order(row) for row in weights], dtype=np.int64).reshape(n, k)

    def weights_transition(self, w: np.ndarray, matrix) -> np.ndarray:
        """Weight rows (of the weight domain) through a non-negative (K, K') matrix, ``w'_j = Σ_i w_i M_ij``
        (unnormalized; in float computed in log space, so a weight improbable after long data does not
        underflow to an exact 0).

        >>> from theory.arith import get_context
        >>> ctx = get_context("exact")
        >>> ctx.weights_transition(ctx.array([["1/2", "1/2"]]), [["3/4", "1/4"], [0, 1]])
        array([[Fraction(3, 8), Fraction(5, 8)]], dtype=object)
        """
        return self.weights_linear(w) @ self.array(matrix)

    #: Whether posteriors are identified, for merging, by log likelihoods accumulated in fixed point: the float
    #: context's float sums depend on the order of the steps; exact weights are canonical themselves (see
    #: :meth:`weights_key`), balls cannot be compared.
    fixed_point_log_keys: bool = False

    #: Smallest temperature λ this context's Gibbs weights can use (0: any positive λ). The float context
    #: refuses subnormal λ; see :meth:`check_temperature`.
    min_temperature: float = 0

    def check_temperature(self, temperature, *, shown=None):
        """``temperature`` itself if this context can compute Gibbs weights at it; otherwise a
        :class:`~theory.errors.TemperatureError` naming the limit (:attr:`min_temperature`).

        >>> from theory.arith import get_context
        >>> get_context("float").check_temperature(1e-310)
        Traceback (most recent call last):
        ...
        theory.errors.TemperatureError: temperature 1e-310 is below the smallest the float context can use, ~2.2250738585072014e-308 (the smallest normal float); use arith='exact' or arith='ball', or a larger temperature
        >>> get_context("exact").check_temperature(Fraction(1, 10**400)) == Fraction(1, 10**400)   # any λ > 0
        True
        """
        from ..errors import TemperatureError

        if self.min_temperature and to_fraction(temperature) < to_fraction(self.min_temperature):
            raise TemperatureError(
                f"temperature {shown if shown is not None else temperature!r} is below the smallest the {self.name} "
                f"context can use, ~{self.min_temperature!r}{self._temperature_limit_reason}; use arith='exact' or "
                "arith='ball', or a larger temperature"
            )
        return temperature

    _temperature_limit_reason = ""

    def gibbs(self, base: np.ndarray, values: np.ndarray, temperature, *, kl: bool = False):
        """Rows of ``π ∝ base·exp(values/temperature)`` (zero where base is zero) and
        ``W = temperature·ln Σ base·exp(values/temperature)``: Gibbs' variational optimum of
        ``E_π[values] − temperature·KL(π‖base)`` and its value.

        With ``kl=True`` also each row's ``KL(π‖base) = Σ π·ln(π/base)``, computed from the log-space weights
        and never as ``(E_π[values] − W)/temperature``, whose difference cancels at small temperatures (the
        float context also keeps it accurate, and non-negative, at large ones).

        >>> from theory.arith import get_context
        >>> probs, w = get_context("float").gibbs(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]), 1.0)
        >>> probs.round(6), w.round(6)
        (array([[0.268941, 0.731059]]), array([0.620115]))
        >>> probs, w, kl = get_context("float").gibbs(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]), 1e-16, kl=True)
        >>> probs, kl   # λ → 0: all mass on the better action, KL = ln 2
        (array([[0., 1.]]), array([0.69314718]))
        """
        live = ~self.is_zero(base)
        e = self.zeros(base.shape)
        e[live] = self.exp(values[live] / temperature)
        weighted = base * e
        total = weighted.sum(axis=1)
        with np.errstate(over="ignore", under="ignore"):  # symbolic exp(10^40): numpy's flags, not an error
            w = temperature * self.log(total)
        probs = weighted / total[:, None]
        if not kl:
            return probs, w
        terms = self.zeros(base.shape)
        terms[live] = (probs * (values - w[:, None]) / temperature)[live]  # ln(π/base), exact here: no rounding
        return probs, w, terms.sum(axis=1)

    # -- posterior weights ---------------------------------------------------------------------------------
    # Posterior weights live in a context-specific *weight domain*. The float context keeps unnormalized log
    # weights (long data underflows otherwise; normalizing is deferred to when probabilities are needed, so a
    # step costs one addition). The others keep plain weights normalized to sum 1: they neither underflow
    # (arb has an unbounded exponent) nor lose exactness, and equal posteriors are equal rows.
    def weights_domain(self, likelihood: np.ndarray) -> np.ndarray:
        """Likelihoods (probabilities) mapped into the weight domain (float: their logs)."""
        return likelihood

    def weights_init(self, prior: np.ndarray) -> np.ndarray:
        """Weights (shape (1, K)) from positive prior weights (shape (K,))."""
        return self.weights_step(
            self.weights_domain(prior.reshape(1, -1)), self.weights_domain(self.ones((1, len(prior))))
        )

    def weights_step(self, w: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """Multiply weight rows by likelihoods given in the weight domain (rows that every component rules
        out become all zero, and stay so)."""
        u = w * factor
        total = u.sum(axis=1)
        live = ~self.is_zero(total)
        out = u.copy()
        out[live] = u[live] / total[live][:, None]
        return out

    def weights_update(self, w: np.ndarray, likelihood: np.ndarray):
        """Multiply by likelihoods given as probabilities; return ``(weights, defined)``."""
        out = self.weights_step(w, self.weights_domain(likelihood))
        return out, self.weights_defined(out)

    def weights_from_linear(self, u: np.ndarray):
        """Rows of non-negative linear weights into the weight domain; return ``(weights, defined)``."""
        return self.weights_update(self.weights_init(self.ones(u.shape[1])), u)

    def weights_multiply(self, w: np.ndarray, other: np.ndarray) -> np.ndarray:
        """Multiply two weight arrays of the weight domain (rows broadcast)."""
        return self.weights_step(w, other)

    def weights_defined(self, w: np.ndarray) -> np.ndarray:
        """Which rows are proper posteriors (not every weight zero)."""
        return ~self.is_zero(w.sum(axis=1))

    def weights_alive(self, w: np.ndarray) -> np.ndarray:
        """Which weights (of the weight domain) are not zero: a component ruled out by the history has weight 0,
        and keeps it.

        >>> from theory.arith import get_context
        >>> get_context("exact").weights_alive(get_context("exact").array([[0, "1/2"]])).tolist()
        [[False, True]]
        """
        return ~self.is_zero(w)

    def weights_linear(self, w: np.ndarray) -> np.ndarray:
        """Weights as probabilities (rows sum to 1; rows that are not defined are all 0)."""
        return w

    def weights_key(self, w: np.ndarray) -> np.ndarray | None:
        """Integer merge keys identifying equal posteriors, or None when this context cannot merge them."""
        return None

    def kl_rows(self, p: np.ndarray, q: np.ndarray):
        """Row-wise KL of (N, K) arrays, ``(values, infinite, first_bad)``: the finite part (the sum over outcomes
        where both are positive), whether p has mass where q has none, and the first such outcome (-1 if none).

        >>> from theory.arith import get_context
        >>> ctx = get_context("exact")
        >>> v, inf, bad = ctx.kl_rows(ctx.array([["1/2", "1/2"]]), ctx.array([["1/2", "1/2"]]))
        >>> v.tolist(), inf.tolist(), bad.tolist()
        ([Fraction(0, 1)], [False], [-1])
        """
        pz, qz = self.is_zero(p), self.is_zero(q)
        bad = ~pz & qz
        infinite = bad.any(axis=1)
        first_bad = np.where(infinite, bad.argmax(axis=1), -1) if infinite.any() else np.full(len(p), -1)
        ok = ~pz & ~qz
        if ok.all():  # the common case: no masks to gather through
            return (p * self.log_ratio(p, q)).sum(axis=1), infinite, first_bad
        terms = self.zeros(p.shape)
        if ok.any():
            terms[ok] = p[ok] * self.log_ratio(p[ok], q[ok])
        return terms.sum(axis=1), infinite, first_bad

    def predictive(
        self, post: np.ndarray, table: np.ndarray, states: np.ndarray, group_of: np.ndarray, offset: np.ndarray
    ) -> np.ndarray:
        """``Σ_k post[n, k]·table[r(n, k), :]`` (N, A): the predictive of a posterior ``post`` (N, K) over
        finite-state components whose action probabilities are the rows ``table[r(n, k)]``, where
        ``r(n, k) = offset[k] + states[n, group_of[k]]`` (component k's machine state is column ``group_of[k]``).

        >>> from theory.arith import get_context
        >>> ctx = get_context("exact")
        >>> ctx.predictive(ctx.array([["1/4", "3/4"]]), ctx.array([[1, 0], ["1/2", "1/2"]]), np.array([[0]]),
        ...                np.array([0, 0]), np.array([0, 1])).tolist()
        [[Fraction(5, 8), Fraction(3, 8)]]
        """
        rows = offset[None, :] + np.take(states, group_of, axis=1)
        return (post[:, :, None] * np.take(table, rows, axis=0)).sum(axis=1)

    def posterior_after_actions(
        self,
        w: np.ndarray,
        post: np.ndarray,
        table: np.ndarray,
        table_w: np.ndarray,
        states: np.ndarray,
        group_of: np.ndarray,
        offset: np.ndarray,
    ):
        """The weights (weight domain) and normalized posteriors after each action, row ``n·A + a``, of a
        mixture with weights ``w`` and posterior ``post`` (N, K) over finite-state components whose action
        probabilities are the rows ``table[r(n, k)]`` (``table_w``: the same in the weight domain; rows as for
        :meth:`predictive`).

        >>> from theory.arith import get_context
        >>> ctx = get_context("exact")
        >>> w, post = ctx.posterior_after_actions(ctx.array([["1/4", "3/4"]]), ctx.array([["1/4", "3/4"]]),
        ...                                       ctx.array([[1, 0], ["1/2", "1/2"]]), ctx.array([[1, 0], ["1/2", "1/2"]]),
        ...                                       np.array([[0]]), np.array([0, 0]), np.array([0, 1]))
        >>> post.tolist()
        [[Fraction(2, 5), Fraction(3, 5)], [Fraction(0, 1), Fraction(1, 1)]]
        """
        rows = offset[None, :] + np.take(states, group_of, axis=1)
        n, k = w.shape
        a = table_w.shape[1]
        factor = np.take(table_w, rows, axis=0).transpose(0, 2, 1).reshape(n * a, k)
        after = self.weights_step(np.repeat(w, a, axis=0), factor)
        return after, self.weights_linear(after)

    def merge_keys(self, values: np.ndarray) -> np.ndarray:
        """Integer rows (N, d) identifying the values of a 1-d array for merging: equal keys mean values that
        may stand for each other. Exact numbers: equal values (interned, per call); balls: identical balls
        (midpoint and radius), which enclose whatever either stands for; floats: equal to about 40 bits
        (:class:`FloatContext`).

        >>> from theory.arith import get_context
        >>> get_context("exact").merge_keys(np.array([Fraction(1, 2), Fraction(1, 3), Fraction(2, 4)], dtype=object)).tolist()
        [[0], [1], [0]]
        """
        ids: dict = {}
        token = self._merge_token
        flat = [ids.setdefault(token(v), len(ids)) for v in np.asarray(values).reshape(-1)]
        return np.asarray(flat, dtype=np.int64).reshape(-1, 1)

    @staticmethod
    def _merge_token(v):
        return v

    # -- validation ----------------------------------------------------------------------------------------
    def distribution(self, values, *, name: str = "p", semi: bool = False) -> np.ndarray:
        """Rows (last axis) of probabilities, validated, in this context.

        Each entry must be a number (a float, int, Fraction or numeric string such as ``"1/3"``; not a bool,
        not a nested sequence) in [0, 1] (no nan), and each row sum to at most 1, and to exactly 1 unless
        ``semi``. Exact inputs (int, Fraction, str) are checked exactly. Float inputs are checked in float,
        with tolerance :data:`FLOAT_TOLERANCE`; a float row whose sum is within the tolerance of 1 *is* a
        distribution, and the exact and ball contexts make it sum to exactly 1 (dividing each entry's simplest
        rational by the row's exact sum), so float noise never turns into abstain mass. An exact entry that is
        not 0 but rounds to 0 in float raises :class:`~theory.errors.UnderflowError` in the float context
        (float would turn a finite KL infinite, or a possible history impossible), after every other check.

        >>> from theory.arith import get_context
        >>> get_context("exact").distribution([1/3, 2/3])
        array([Fraction(1, 3), Fraction(2, 3)], dtype=object)
        >>> sum(get_context("exact").distribution([0.25, 0.75000000001]))   # float noise: made to sum to 1
        Fraction(1, 1)
        >>> get_context("exact").distribution(["1/2", "1/3"], name="π(·|h)")
        Traceback (most recent call last):
        ...
        theory.errors.ProbabilityError: π(·|h) sums to 5/6 < 1; a distribution sums to exactly 1 (pass semi=True for a semi-distribution)
        >>> get_context("float").distribution([True, False])
        Traceback (most recent call last):
        ...
        theory.errors.ProbabilityError: p has the bool True at index 0; probabilities are numbers, so write 1 or 0
        >>> get_context("float").distribution([Fraction(1, 10**400), "1/2"], semi=True, name="q")
        Traceback (most recent call last):
        ...
        theory.errors.UnderflowError: q has the exact probability 1/10^400 at index 0, which is not 0 but rounds to 0 in float arithmetic (a finite KL would turn infinite, a possible history impossible); use arith='exact' or arith='ball'
        """
        from .exact import EXACT

        import sys

        from ..validation import MAX_EXACT_DIGITS
        from ..validation import _shown

        try:
            raw = np.asarray(values, dtype=object)
        except (TypeError, ValueError) as err:
            raise ProbabilityError(
                f"{name} {_shown(values)} is not a rectangular array of probabilities "
                f"({err}); give a sequence of numbers, or equal-length rows of them"
            ) from None
        if raw.ndim == 0 or raw.shape[-1] == 0:
            raise ProbabilityError(
                f"{name} must be a non-empty sequence (or array) of probabilities, got "
                f"{_shown(values)} ({type(values).__name__})"
            )

        def where(i: int) -> tuple[str, int]:
            row, col = divmod(i, raw.shape[-1])
            rows = raw.reshape(-1, raw.shape[-1]).shape[0]
            return ("" if rows == 1 else f" (row {[int(k) for k in np.unravel_index(row, raw.shape[:-1])]})", col)

        def short(q: Fraction) -> str:
            # 1/10^400 rather than 401 digits.
            if q.denominator.bit_length() > 200 and q.numerator == 1:
                d, p = q.denominator, 0
                while d % 10 == 0:
                    d, p = d // 10, p + 1
                if d == 1:
                    return f"1/10^{p}"
            return _shown(q) if q.denominator.bit_length() > 200 else str(q)

        flat = raw.reshape(-1)
        # Exact value of each entry given exactly (None for floats), validated one by one.
        exact_of: list = [None] * len(flat)
        has_float = isinstance(values, np.ndarray) and values.dtype.kind == "f"
        if not has_float:
            for i, v in enumerate(flat):
                if isinstance(v, (float, np.floating)):
                    has_float = True
                    continue
                at, col = where(i)
                if isinstance(v, (bool, np.bool_)):
                    raise ProbabilityError(
                        f"{name}{at} has the bool {v!r} at index {col}; probabilities are numbers, so write 1 or 0"
                    )
                if isinstance(v, str) and len(v) > MAX_EXACT_DIGITS:
                    raise ProbabilityError(
                        f"{name}{at} has a string of {len(v)} characters at index {col}, more "
                        f"than the {MAX_EXACT_DIGITS} accepted for one number"
                    )
                try:
                    if isinstance(v, (list, tuple, dict, set, np.ndarray)):
                        raise ArithmeticContextError("nested")
                    q = to_fraction(v)
                except ArithmeticContextError:
                    nested = isinstance(v, (list, tuple, dict, set, np.ndarray))
                    hint = (
                        "the rows are ragged or nested too deeply; give equal-length rows of numbers"
                        if nested
                        else "probabilities are numbers in [0, 1] (floats, ints, Fractions, or strings such as '1/3')"
                    )
                    raise ProbabilityError(
                        f"{name}{at} has {_shown(v)} ({type(v).__name__}) at index {col}, which is not a number; {hint}"
                    ) from None
                if q < 0:
                    raise ProbabilityError(
                        f"{name}{at} has a negative entry {_shown(v)} at index {col}; probabilities must lie in [0, 1]"
                    )
                if q > 1:
                    raise ProbabilityError(
                        f"{name}{at} has entry {_shown(v)} > 1 at index {col}; probabilities must lie in [0, 1]"
                    )
                exact_of[i] = q

        def float_images() -> np.ndarray:
            out = np.array([float(v) if q is None else float(q) for v, q in zip(flat, exact_of)], dtype=float)
            return out.reshape(raw.shape)

        def check_underflow(floats: np.ndarray) -> None:
            # Last, once the values are known to be valid: only the float context cannot represent them.
            # Subnormal images count too: they keep only a few significant bits, so a KL would be silently off.
            for i, (f, q) in enumerate(zip(floats.reshape(-1), exact_of)):
                if q is not None and f < sys.float_info.min and q != 0:
                    at, col = where(i)
                    rounds = (
                        "rounds to 0 in float arithmetic (a finite KL would turn infinite, a possible history "
                        "impossible)"
                        if f == 0.0
                        else f"rounds to the subnormal float {float(f)!r}, which keeps only a few of its digits (a KL would "
                        "be silently inexact)"
                    )
                    raise UnderflowError(
                        f"{name}{at} has the exact probability {short(q)} at index {col}, which is "
                        f"not 0 but {rounds}; use arith='exact' or arith='ball'"
                    )

        if has_float:
            floats = (
                np.asarray(values, dtype=float)
                if isinstance(values, np.ndarray) and values.dtype.kind == "f"
                else float_images()
            )
            near_one = _check_rows(floats, name, semi, tolerance=FLOAT_TOLERANCE, show=lambda v: repr(float(v)))
            if self.dtype is not object:
                check_underflow(floats)
                return floats
            exact = EXACT.array(raw)
            rows = exact.reshape(-1, exact.shape[-1])
            for r in np.nonzero(near_one.reshape(-1))[0]:
                total = rows[r].sum()
                if total != 1:
                    rows[r] = rows[r] / total
            return exact if self.is_exact else self.array(exact)
        exact = np.empty(raw.shape, dtype=object)
        exact.reshape(-1)[:] = exact_of
        _check_rows(
            exact,
            name,
            semi,
            tolerance=0,
            show=lambda v: (
                str(v) if len(str(v)) <= 80 else f"{str(v)[:36]}...{str(v)[-36:]} ({len(str(v))} characters)"
            ),
        )
        if self.dtype is not object:
            check_underflow(float_images())
        return exact if self.is_exact else self.array(exact)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _Negated:
    """Reverses a sort key (for descending orders of values without a negation, such as cmp_to_key keys)."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other):
        return other.key < self.key

    def __eq__(self, other):
        return self.key == other.key
