"""The errors `theory` raises on bad input.

Every one is a :class:`ValueError` subclass whose message names the offending value and says what to do,
so that a caller can catch ``ValueError`` broadly or one class precisely.

>>> import theory
>>> try:
...     theory.kl([0.5, 0.6], [0.5, 0.5])
... except theory.ProbabilityError as err:
...     print(type(err).__name__, isinstance(err, ValueError))
ProbabilityError True
"""

from __future__ import annotations

__all__ = [
    "MightntError",
    "ProbabilityError",
    "AlphabetError",
    "HistoryError",
    "PriorError",
    "RuledOutHistoryError",
    "TemperatureError",
    "BudgetError",
    "AlphaError",
    "UtilityError",
    "HorizonError",
    "InfiniteEstimateError",
    "ArithmeticContextError",
    "ProgramError",
    "UndecidedError",
    "OptionError",
    "TypeMismatchError",
    "ResourceLimitError",
    "UnderflowError",
]


class MightntError(ValueError):
    """Base class of every bad-input error raised by `theory` (a ``ValueError``).

    >>> issubclass(MightntError, ValueError)
    True
    """


class ProbabilityError(MightntError):
    """A probability vector is negative, nan, sums above 1, or (for a full distribution) below 1.

    >>> import theory
    >>> theory.tvd([0.2, -0.1], [0.5, 0.5])
    Traceback (most recent call last):
    ...
    theory.errors.ProbabilityError: p has a negative entry -0.1 at index 1; probabilities must lie in [0, 1]
    """


class AlphabetError(MightntError):
    """An array has the wrong length or shape for its alphabet (actions, observations, states).

    >>> import theory
    >>> theory.kl([0.5, 0.5], [1.0])
    Traceback (most recent call last):
    ...
    theory.errors.AlphabetError: p has 2 outcomes but q has 1; both must be over the same alphabet
    """


class HistoryError(MightntError):
    """A history is malformed, or names an action or observation outside its alphabet.

    >>> import theory
    >>> pi = theory.FiniteStatePolicy([[1.0, 0.0]], [[[0], [0]]])
    >>> pi.probs(((2, 0),))
    Traceback (most recent call last):
    ...
    theory.errors.HistoryError: history step 0 has action 2, outside the action alphabet 0..1
    """


class PriorError(MightntError):
    """Prior weights are non-positive, nan, or sum above 1 (renormalize explicitly with ``normalize=True``).

    >>> import theory
    >>> c = theory.FiniteStatePolicy([[1.0, 0.0]], [[[0], [0]]])
    >>> theory.BayesianMixture([c, c], [0.5, 0.0])
    Traceback (most recent call last):
    ...
    theory.errors.PriorError: prior weight 0.0 of component 1 is not positive; every component needs weight > 0
    """


class RuledOutHistoryError(MightntError):
    """Every component of a Bayesian mixture gives the history probability zero: the posterior is undefined.

    >>> import theory
    >>> zero = theory.FiniteStatePolicy([[1.0, 0.0]], [[[0], [0]]])
    >>> theory.BayesianMixture([zero], [1]).posterior(((1, 0),))
    Traceback (most recent call last):
    ...
    theory.errors.RuledOutHistoryError: every component of the mixture gives history ((1, 0),) probability 0, so its posterior is undefined
    """


class TemperatureError(MightntError):
    """A regularization temperature λ is not a positive finite number."""


class BudgetError(MightntError):
    """A KL or TVD budget is negative or nan."""


class AlphaError(MightntError):
    """A top-set parameter α lies outside (0, 1]."""


class UtilityError(MightntError):
    """A utility value lies outside [0, 1], or a reward table has the wrong shape."""


class HorizonError(MightntError):
    """A horizon is not a non-negative integer."""


class ArithmeticContextError(MightntError):
    """An arithmetic context was named that does not exist, or a value cannot be converted into it."""


class ProgramError(MightntError):
    """A program of the policy language is malformed, or a code cannot be decoded."""


class OptionError(MightntError):
    """A keyword option has a value outside its allowed set or range (an iteration count, a tolerance, a flag,
    a mode name).

    >>> import theory
    >>> from theory.validation import option
    >>> option("dual", name="method", choices=("bisection", "newton"))
    Traceback (most recent call last):
    ...
    theory.errors.OptionError: method 'dual' is not one of 'bisection', 'newton'
    """


class TypeMismatchError(MightntError):
    """An argument has the wrong kind of object (a policy where an environment is needed, a string where a
    number is needed). A ``ValueError`` subclass, so that every bad input is caught by ``except ValueError``.

    >>> from theory.validation import require_instance
    >>> require_instance(3, (str,), name="label")
    Traceback (most recent call last):
    ...
    theory.errors.TypeMismatchError: label must be a str, got 3 (int)
    """


class ResourceLimitError(MightntError):
    """A computation would need more nodes, bytes, programs or bits than its limit allows. Raised *before*
    allocating, with the estimate, the limit, and the option that raises it.

    >>> from theory.validation import guard_size
    >>> guard_size(10**12, limit=10**7, what="history-tree nodes", option="max_nodes")
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: this computation needs about 1000000000000 history-tree nodes, above the limit 10000000; pass max_nodes=... to raise it (or shrink the input)
    """


class UnderflowError(MightntError):
    """An exact positive value would round to 0 (or an exact finite value to infinity) in float arithmetic,
    which would silently turn a finite KL infinite or a plausible model "ruled out". Use ``arith="exact"`` or
    ``arith="ball"``.
    """


class InfiniteEstimateError(MightntError):
    """A KL estimate is infinite: the reference gives probability 0 to a token the sampling law takes, so
    ln(π/π_ref) = +∞ there and the estimate's gradient is undefined (:mod:`theory.estimators`)."""


class UndecidedError(ArithmeticError):
    """A comparison could not be decided at the working precision (ball arithmetic, or exact arithmetic whose
    evaluation reached its precision cap). Not a ``ValueError``: the input is fine, the precision is not.
    Raise the precision (``theory.BallContext(prec=...)``) or use ``arith="exact"``.

    >>> import theory
    >>> ctx = theory.BallContext(prec=20)
    >>> try:
    ...     ctx.sign(ctx.log(ctx.convert(3)) - ctx.log(ctx.convert(3)))
    ... except theory.UndecidedError as err:
    ...     print("undecided at", err.prec, "bits")
    undecided at 20 bits
    """

    def __init__(self, message: str, *, prec: int | None = None):
        super().__init__(message)
        self.prec = prec
