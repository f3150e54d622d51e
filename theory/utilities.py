"""Utilities: functions of the full history with values in [0, 1] (the paper's Definition 1).

Two forms:

* any callable ``utility(full_history) -> number`` (the start history followed by the m new steps, as
  ``(action, observation)`` pairs): general, but histories with equal futures cannot be merged;
* :class:`MeanReward`: the mean over the m new steps of a reward table ``r[a, o]`` in [0, 1] (additive, so
  trees merge and backward induction adds the reward step by step).

>>> import theory
>>> u = theory.MeanReward([[0, 1], [0.5, 0.5]])
>>> u(((0, 1), (1, 0)), horizon=2)
0.75
"""

from __future__ import annotations

import numbers

import numpy as np

from .arith import Context, get_context
from .errors import ArithmeticContextError, HorizonError, UndecidedError, UnderflowError, UtilityError
from .kernels import check_alphabet_size, normalize_history
from .validation import integer, _shown

__all__ = ["MeanReward", "HistoryUtility", "as_utility"]


class HistoryUtility:
    """A utility given as a Python function of the full history (values checked to lie in [0, 1])."""

    additive = False

    def __init__(self, fn):
        if not callable(fn):
            raise UtilityError(f"a utility must be callable on histories or a theory.MeanReward, got {_shown(fn)}")
        self.fn = fn

    def __repr__(self) -> str:
        """The call that builds the utility (it rebuilds it when the function's own repr does).

        >>> HistoryUtility(len)
        HistoryUtility(<built-in function len>)
        """
        return f"HistoryUtility({self.fn!r})"

    def terminal(self, histories, ctx: Context) -> np.ndarray:
        """Utility of each full history, checked to lie in [0, 1]."""
        out = ctx.zeros(len(histories))
        for i, h in enumerate(histories):
            raw = self.fn(h)
            if isinstance(raw, (bool, np.bool_, list, tuple, dict, set, np.ndarray)) or raw is None:
                raise UtilityError(
                    f"utility of history {h!r} is {_shown(raw)} ({type(raw).__name__}), not a number in [0, 1]"
                )
            if isinstance(raw, numbers.Integral) and not 0 <= int(raw) <= 1:
                raise UtilityError(f"utility of history {h!r} is {_shown(raw)}, outside [0, 1]")
            try:
                v = ctx.convert(raw)
            except UnderflowError:
                raise  # a valid utility the float context cannot represent: it names the value and the remedy
            except (TypeError, ValueError, OverflowError, ArithmeticError) as err:
                raise UtilityError(f"utility of history {h!r} is {_shown(raw)}, not a number in [0, 1]") from err
            if _certainly_outside_unit(v, ctx):
                raise UtilityError(f"utility of history {h!r} is {raw!r}, outside [0, 1]")
            out[i] = v
        return out

    def step_rewards(self, horizon: int, ctx: Context):
        return None


class MeanReward:
    """The utility ``U = (1/m) Σ_t r[a_t, o_t]`` over the m steps after the start history.

    ``rewards`` has shape (n_actions, n_observations) with entries in [0, 1].

    >>> MeanReward([[2, 0]])
    Traceback (most recent call last):
    ...
    theory.errors.UtilityError: reward r[0, 0] = 2 lies outside [0, 1]
    >>> MeanReward([[]])
    Traceback (most recent call last):
    ...
    theory.errors.UtilityError: rewards [[]] have shape (1, 0); a reward table needs at least one action and one observation
    """

    additive = True

    def __init__(self, rewards):
        try:
            table = np.asarray(rewards, dtype=object)
        except (TypeError, ValueError):  # nesting numpy cannot even hold
            table = np.empty(0, dtype=object)
        if table.ndim != 2:
            raise UtilityError(
                f"rewards must have shape (n_actions, n_observations), got {_shown(rewards)} of shape {table.shape}"
            )
        if 0 in table.shape:
            raise UtilityError(
                f"rewards {_shown(rewards)} have shape {table.shape}; a reward table needs at least "
                "one action and one observation"
            )
        exact = get_context("exact")
        for idx, v in np.ndenumerate(table):
            where = f"reward r[{int(idx[0])}, {int(idx[1])}] = {_shown(v)}"
            if isinstance(v, (bool, np.bool_)):
                raise UtilityError(f"{where} is a bool; rewards are numbers in [0, 1] (write 1 or 0)")
            try:
                x = exact.convert(v)
            except ValueError as err:
                raise UtilityError(f"{where} is not a number") from err
            if not isinstance(x, numbers.Rational):
                raise UtilityError(f"{where} is not a number ({type(v).__name__})")
            if not 0 <= x <= 1:
                raise UtilityError(f"{where} lies outside [0, 1]")
        self.table = table
        self.n_actions, self.n_observations = table.shape

    def __repr__(self) -> str:
        """A Python expression that rebuilds the utility, with exact rewards (so reports are reproducible).

        >>> MeanReward([[0, "1/6"], [1, 0.5]])
        MeanReward([[0, '1/6'], [1, '1/2']])
        """
        exact = get_context("exact")

        def shown(v) -> str:
            x = exact.convert(v)
            return str(x.numerator) if x.denominator == 1 else repr(f"{x.numerator}/{x.denominator}")

        return "MeanReward([" + ", ".join("[" + ", ".join(shown(v) for v in row) + "]" for row in self.table) + "])"

    def step_rewards(self, horizon: int, ctx: Context) -> np.ndarray:
        """Per-step contribution ``r[a, o] / m`` as a context array of shape (A, O).

        >>> MeanReward([[0, 1]]).step_rewards(0, get_context("exact"))
        Traceback (most recent call last):
        ...
        theory.errors.HorizonError: horizon 0 must be at least 1
        """
        horizon = integer(horizon, name="horizon", minimum=1, error=HorizonError)
        return ctx.array(self.table) / horizon

    def terminal(self, histories, ctx: Context) -> np.ndarray:
        return ctx.zeros(len(histories))

    def __call__(self, steps, *, horizon: int | None = None):
        """The utility of the given new steps (their mean reward over ``horizon`` steps, by default as many as
        there are steps), as a float.

        >>> MeanReward([[0, 1]])(((0, 1), (0, 0)))
        0.5
        >>> MeanReward([[0, 1]])(())
        Traceback (most recent call last):
        ...
        theory.errors.HorizonError: the mean reward of no steps is undefined; pass at least one step, or horizon=m >= 1
        """
        steps = normalize_history(steps, self.n_actions, self.n_observations)
        if horizon is None:
            if not steps:
                raise HorizonError(
                    "the mean reward of no steps is undefined; pass at least one step, or horizon=m >= 1"
                )
            m = len(steps)
        else:
            m = integer(horizon, name="horizon", minimum=max(1, len(steps)), error=HorizonError)
        return float(sum(float(get_context("float").convert(self.table[a, o])) for a, o, _ in steps) / m)


def _certainly_outside_unit(v, ctx: Context) -> bool:
    """Whether a utility value lies outside [0, 1] for sure (nan does; a ball straddling 0 or 1 may be inside)."""
    try:
        return ctx.compare(v, 0) < 0 or ctx.compare(v, 1) > 0
    except UndecidedError:
        return False
    except ArithmeticContextError:  # nan has no sign
        return True


def as_utility(utility, n_actions: int | None = None, n_observations: int | None = None):
    """A :class:`MeanReward` as is; a callable wrapped as :class:`HistoryUtility`.

    Given the alphabet, a reward table of another shape is an error (numpy would broadcast it silently).

    >>> as_utility(MeanReward([[0, 1], [1, 0]]), 2, 1)
    Traceback (most recent call last):
    ...
    theory.errors.UtilityError: reward table has shape (2, 2) but the alphabet has 2 actions and 1 observations; expected shape (2, 1)
    """
    if isinstance(utility, MeanReward):
        if n_actions is not None:
            n_actions = check_alphabet_size(n_actions, "n_actions")
        if n_observations is not None:
            n_observations = check_alphabet_size(n_observations, "n_observations")
        expected = (n_actions, n_observations)
        if n_actions is not None and n_observations is not None and utility.table.shape != expected:
            raise UtilityError(
                f"reward table has shape {utility.table.shape} but the alphabet has {n_actions} actions and "
                f"{n_observations} observations; expected shape {expected}"
            )
        return utility
    if isinstance(utility, HistoryUtility):
        return utility
    return HistoryUtility(utility)
