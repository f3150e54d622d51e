"""Hypothesis strategies for the objects of `theory`: distributions, policies, environments, mixtures, histories,
utilities, and the scalar parameters (budgets, α, temperatures, alphabets).

Everything drawn is *exact*: probabilities, prior weights, rewards and parameters are :class:`fractions.Fraction`
values, so one drawn instance can be evaluated in float, exact and ball arithmetic and the results compared.
The strategies are small and composable, take keyword-only options, and validate their options when they are
called (an invalid option raises :class:`hypothesis.errors.InvalidArgument` at once, naming the option).

Drawn policies, environments, mixtures and utilities print as Python expressions that rebuild them
(``FiniteStatePolicy([['1/2', '1/2']], [[[0]]])``), so a falsifying example hypothesis reports can be replayed
with ``from theory import *`` (and ``from proofs_checks.strategies import HistoryTableUtility``).

Typical use, with the alphabet drawn first and everything else over it:

>>> from hypothesis import given, settings, strategies as st
>>> import theory
>>> @settings(max_examples=20, database=None, deadline=None)
... @given(alphabets().flatmap(lambda ao: st.tuples(
...     finite_state_policies(n_actions=ao[0], n_observations=ao[1]),
...     finite_state_policies(n_actions=ao[0], n_observations=ao[1]),
...     finite_state_environments(n_actions=ao[0], n_observations=ao[1]))))
... def kl_is_nonnegative(instance):
...     pi, beta, env = instance
...     assert theory.trajectory_kl(pi, beta, env, 2, arith="exact") >= 0
>>> kl_is_nonnegative()
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from functools import lru_cache, partial
from typing import NamedTuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from theory import (
    BayesianMixture,
    Environment,
    FiniteStateEnvironment,
    FiniteStatePolicy,
    FunctionPolicy,
    MeanReward,
    Policy,
)

from .scope import NEAR_BOUNDARY, PROBABILITY_GRID, small_scope

__all__ = [
    "NEAR_ZEROS",
    "distributions",
    "priors",
    "finite_state_policies",
    "function_policies",
    "policies",
    "finite_state_environments",
    "mixtures",
    "histories",
    "with_history",
    "mean_rewards",
    "history_utilities",
    "utilities",
    "HistoryTableUtility",
    "budgets",
    "alphas",
    "temperatures",
    "alphabets",
]


def __dir__() -> list[str]:
    """The module's public names, for ``dir(S)`` and tab completion: the strategies and constants of
    ``__all__`` (and the module's dunder attributes), not the modules and classes it imports to build them.

    >>> from proofs_checks import strategies as S
    >>> "distributions" in dir(S), "st" in dir(S), "Fraction" in dir(S)
    (True, False, False)
    """
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__") and n.endswith("__")})


#: Small positive probabilities that :func:`distributions` moves onto an outcome ("near-zeros").
NEAR_ZEROS = (Fraction(1, 1000), Fraction(1, 65536), Fraction(1, 10**6))


# ---------------------------------------------------------------------------------------------------------------
# Eager validation of options
# ---------------------------------------------------------------------------------------------------------------
def _check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(f"{name}={value!r} must be an integer")
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{name}={value!r} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{name}={value!r} must be at most {maximum}")
    return int(value)


def _check_int_range(low, high, name: str, *, lowest: int = 1) -> tuple[int, int]:
    """The options ``min_<name>`` and ``max_<name>`` (``low``, ``high``) of a range of whole numbers: each at least
    ``lowest``, and ``low <= high``."""
    low = _check_int(low, f"min_{name}", minimum=lowest)
    high = _check_int(high, f"max_{name}", minimum=lowest)
    if low > high:
        raise InvalidArgument(f"min_{name}={low} is larger than max_{name}={high}")
    return low, high


def _check_vector_options(n, min_size, max_size, max_denominator) -> tuple:
    """The options of a strategy of exact vectors: a fixed length ``n`` (or None), the length range when it is
    None, and the largest denominator."""
    if n is not None:
        n = _check_int(n, "n", minimum=1)
    min_size, max_size = _check_int_range(min_size, max_size, "size")
    return n, min_size, max_size, _check_int(max_denominator, "max_denominator", minimum=1)


def _check_fraction(value, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (numbers.Rational, str)):
        if isinstance(value, float) and math.isfinite(value):
            return Fraction(value)
        raise InvalidArgument(f"{name}={value!r} must be an exact number (int, Fraction or a string such as '1/2')")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError) as err:
        raise InvalidArgument(f"{name}={value!r} is not a number") from err


def _check_bool(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be True or False")
    return value


def _check_strategy(value, name: str):
    if not isinstance(value, st.SearchStrategy):
        raise InvalidArgument(f"{name}={value!r} must be a hypothesis strategy")
    return value


def _scoped(random, scope, **options):
    """The strategy ``random(**options)`` with the small scope ``scope(choose, **options)``: the random construction
    and its small scope (see the end of this module) take the same validated options."""
    return small_scope(random(**options), partial(scope, **options))


# ---------------------------------------------------------------------------------------------------------------
# Replayable reprs
# ---------------------------------------------------------------------------------------------------------------
def _q(x) -> str:
    """An exact number as it is written in a replayable repr: ints bare, other rationals as 'n/d' strings."""
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else repr(str(x))


class _ExactProbabilities:
    """``history -> exact action probabilities`` of a finite-state policy (the function of a FunctionPolicy)."""

    def __init__(self, policy: FiniteStatePolicy):
        self.policy = policy

    def __call__(self, history):
        return list(self.policy.probs(history, arith="exact"))

    def __repr__(self) -> str:
        return f"(lambda h: list({self.policy!r}.probs(h, arith='exact')))"


class HistoryTableUtility:
    """A utility of the full history with exact values in [0, 1]: a rolling hash of the steps indexes a table.

    ``index = fold(s -> (multiplier·s + action_coef·a + observation_coef·o + 1) mod len(values))`` from ``s = 0``
    over the steps (start history included), so the value depends on the order of the steps and cannot be
    written as a sum of per-step rewards. Values are returned as Fractions.

    >>> u = HistoryTableUtility(values=("0", "1/2", "1"), multiplier=2, action_coef=1, observation_coef=0)
    >>> u(()), u(((1, 0),)), u(((1, 0), (0, 0)))
    (Fraction(0, 1), Fraction(1, 1), Fraction(1, 1))
    """

    def __init__(self, values, multiplier: int = 1, action_coef: int = 1, observation_coef: int = 1):
        self.values = tuple(Fraction(v) for v in values)
        if not self.values or any(not 0 <= v <= 1 for v in self.values):
            raise InvalidArgument(f"values={values!r} must be a non-empty sequence of numbers in [0, 1]")
        self.multiplier, self.action_coef, self.observation_coef = (
            int(multiplier),
            int(action_coef),
            int(observation_coef),
        )

    def __call__(self, history) -> Fraction:
        s = 0
        n = len(self.values)
        for step in history:
            s = (self.multiplier * s + self.action_coef * step[0] + self.observation_coef * step[1] + 1) % n
        return self.values[s]

    def __repr__(self) -> str:
        return (
            f"HistoryTableUtility(values=({', '.join(_q(v) for v in self.values)},), multiplier={self.multiplier}, "
            f"action_coef={self.action_coef}, observation_coef={self.observation_coef})"
        )


# ---------------------------------------------------------------------------------------------------------------
# Probability vectors and priors
# ---------------------------------------------------------------------------------------------------------------
def distributions(n=None, *, min_size=1, max_size=4, semi=False, max_denominator=12):
    """Exact probability vectors: tuples of :class:`~fractions.Fraction` summing to exactly 1 (to at most 1 when
    ``semi``, the rest being the abstain mass ⊥).

    ``n`` fixes the length; otherwise it lies in ``min_size..max_size``. Entries are multiples of ``1/D`` for a
    drawn ``D <= max_denominator`` (so exact zeros are common and examples shrink towards small denominators,
    and finally to all mass on the first outcome), and sometimes a near-zero from :data:`NEAR_ZEROS` is moved
    from the largest entry onto another one (⊥ included when ``semi``).

    >>> from hypothesis import find, given, settings
    >>> find(distributions(3), lambda p: True, settings=settings(database=None, derandomize=True))
    (Fraction(1, 1), Fraction(0, 1), Fraction(0, 1))
    >>> find(distributions(2), lambda p: 0 < min(p) < Fraction(1, 100), settings=settings(database=None, derandomize=True))
    (Fraction(999, 1000), Fraction(1, 1000))
    >>> @settings(max_examples=50, database=None)
    ... @given(distributions(min_size=2, max_size=3, semi=True))
    ... def check(p):
    ...     assert 2 <= len(p) <= 3 and all(x >= 0 for x in p) and sum(p) <= 1
    >>> check()
    >>> distributions(0)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: n=0 must be at least 1
    """
    n, min_size, max_size, max_denominator = _check_vector_options(n, min_size, max_size, max_denominator)
    semi = _check_bool(semi, "semi")
    return _scoped(
        _distributions,
        _distribution_scope,
        n=n,
        min_size=min_size,
        max_size=max_size,
        semi=semi,
        max_denominator=max_denominator,
    )


@st.composite
def _distributions(draw, n, min_size, max_size, semi, max_denominator):
    size = n if n is not None else draw(st.integers(min_size, max_size))
    k = size + 1 if semi else size  # a semi-distribution is a distribution whose last outcome (⊥) is dropped
    denominator = draw(st.integers(1, max_denominator))
    # k-1 cut points of {0..D}; the gaps are the numerators. Cuts shrink towards D: mass on the first outcome.
    cuts = sorted(denominator - c for c in draw(st.lists(st.integers(0, denominator), min_size=k - 1, max_size=k - 1)))
    numerators = [hi - lo for lo, hi in zip([0] + cuts, cuts + [denominator])]
    probs = [Fraction(x, denominator) for x in numerators]
    if k >= 2 and draw(st.booleans()):
        eps = draw(st.sampled_from(NEAR_ZEROS))
        j = probs.index(max(probs))  # at least 1/k >= 1/5 > eps
        i = draw(st.sampled_from([x for x in range(k) if x != j]))
        probs[i] += eps
        probs[j] -= eps
    return tuple(probs[:size])


def priors(n=None, *, min_size=1, max_size=8, normalized=False, max_denominator=12):
    """Prior weights: tuples of positive Fractions summing to at most 1 (to exactly 1 when ``normalized``).

    Two shapes are drawn: weights proportional to integers ``1..max_denominator`` (with some mass left over
    unless normalized), and dyadic Kraft weights ``2^-ℓ`` with lengths up to about 20 bits (tiny weights).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=50, database=None)
    ... @given(priors(min_size=2, max_size=5))
    ... def check(w):
    ...     assert all(x > 0 for x in w) and sum(w) <= 1
    >>> check()
    """
    n, min_size, max_size, max_denominator = _check_vector_options(n, min_size, max_size, max_denominator)
    normalized = _check_bool(normalized, "normalized")
    return small_scope(
        _priors(n, min_size, max_size, normalized, max_denominator),
        partial(_prior_scope, n=n, min_size=min_size, max_size=max_size, normalized=normalized),
    )


@st.composite
def _priors(draw, n, min_size, max_size, normalized, max_denominator):
    size = n if n is not None else draw(st.integers(min_size, max_size))
    if draw(st.booleans()):
        base = max(0, (size - 1).bit_length())  # 2^base >= size, so the Kraft sum is at most 1
        lengths = draw(st.lists(st.integers(base, base + 20), min_size=size, max_size=size))
        weights = [Fraction(1, 2**ell) for ell in lengths]
    else:
        ks = draw(st.lists(st.integers(1, max_denominator), min_size=size, max_size=size))
        slack = 0 if normalized else draw(st.integers(0, max_denominator))
        weights = [Fraction(k, sum(ks) + slack) for k in ks]
    if normalized:
        total = sum(weights)
        weights = [w / total for w in weights]
    return tuple(weights)


# ---------------------------------------------------------------------------------------------------------------
# Policies and environments
# ---------------------------------------------------------------------------------------------------------------
def _check_alphabet(n_actions, n_observations) -> tuple[int, int]:
    return _check_int(n_actions, "n_actions", minimum=1), _check_int(n_observations, "n_observations", minimum=1)


def _check_machine_options(n_actions, n_observations, min_states, max_states, max_denominator) -> dict:
    """The options every finite-state machine strategy (policies, environments) takes, validated, by name."""
    n_actions, n_observations = _check_alphabet(n_actions, n_observations)
    min_states, max_states = _check_int_range(min_states, max_states, "states")
    return dict(
        n_actions=n_actions,
        n_observations=n_observations,
        min_states=min_states,
        max_states=max_states,
        max_denominator=_check_int(max_denominator, "max_denominator", minimum=1),
    )


def finite_state_policies(*, n_actions, n_observations, max_states=3, min_states=1, semi=False, max_denominator=12):
    """:class:`theory.FiniteStatePolicy` instances with exact emission rows (see :func:`distributions`) and
    random transitions between ``min_states..max_states`` states (start state 0).

    >>> from hypothesis import find, given, settings
    >>> find(finite_state_policies(n_actions=2, n_observations=2), lambda p: True, settings=settings(database=None, derandomize=True))
    FiniteStatePolicy([[1, 0]], [[[0, 0], [0, 0]]])
    >>> @settings(max_examples=30, database=None)
    ... @given(finite_state_policies(n_actions=2, n_observations=2, semi=True))
    ... def check(p):
    ...     assert 1 <= p.n_states <= 3 and 0 <= p.abstain(((1, 1),), arith="exact") <= 1
    >>> check()
    """
    options = _check_machine_options(n_actions, n_observations, min_states, max_states, max_denominator)
    return _scoped(_finite_state_policies, _policy_scope, semi=_check_bool(semi, "semi"), **options)


@st.composite
def _transitions(draw, n_states, n_actions, n_observations):
    cell = st.integers(0, n_states - 1)
    return [[[draw(cell) for _ in range(n_observations)] for _ in range(n_actions)] for _ in range(n_states)]


@st.composite
def _finite_state_policies(draw, n_actions, n_observations, min_states, max_states, semi, max_denominator):
    n_states = draw(st.integers(min_states, max_states))
    row = distributions(n_actions, semi=semi, max_denominator=max_denominator)
    emission = [list(draw(row)) for _ in range(n_states)]
    transition = draw(_transitions(n_states, n_actions, n_observations))
    return FiniteStatePolicy(emission, transition, semi=semi)


def function_policies(*, n_actions, n_observations, max_states=3, semi=False, max_denominator=12):
    """The same policies as :func:`finite_state_policies`, given as Python functions of the history
    (:class:`theory.FunctionPolicy`): the general, slow path of the engine, whose histories are never merged.

    >>> from hypothesis import find, settings
    >>> p = find(function_policies(n_actions=2, n_observations=1), lambda p: True, settings=settings(database=None, derandomize=True))
    >>> type(p).__name__, p.probs(((0, 0),), arith="exact")
    ('FunctionPolicy', array([Fraction(1, 1), Fraction(0, 1)], dtype=object))
    """
    inner = finite_state_policies(
        n_actions=n_actions,
        n_observations=n_observations,
        max_states=max_states,
        semi=semi,
        max_denominator=max_denominator,
    )
    return inner.map(
        lambda p: FunctionPolicy(p.n_actions, _ExactProbabilities(p), n_observations=p.n_observations, semi=p.semi)
    )


def policies(*, n_actions, n_observations, max_states=3, semi=False, max_denominator=12):
    """Finite-state policies, or (less often) the same given as functions of the history.

    >>> from hypothesis import given, settings
    >>> import theory
    >>> @settings(max_examples=30, database=None)
    ... @given(policies(n_actions=3, n_observations=2))
    ... def check(p):
    ...     assert isinstance(p, theory.Policy) and p.n_actions == 3 and sum(p.probs(arith="exact")) == 1
    >>> check()
    """
    kw = dict(
        n_actions=n_actions,
        n_observations=n_observations,
        max_states=max_states,
        semi=semi,
        max_denominator=max_denominator,
    )
    return st.one_of(finite_state_policies(**kw), function_policies(**kw))


def finite_state_environments(*, n_actions, n_observations, max_states=3, min_states=1, max_denominator=12):
    """:class:`theory.FiniteStateEnvironment` instances with exact observation laws and random transitions.

    >>> from hypothesis import find, settings
    >>> find(finite_state_environments(n_actions=1, n_observations=2), lambda e: True, settings=settings(database=None, derandomize=True))
    FiniteStateEnvironment([[[1, 0]]], [[[0, 0]]])
    """
    options = _check_machine_options(n_actions, n_observations, min_states, max_states, max_denominator)
    return _scoped(_finite_state_environments, _environment_scope, **options)


@st.composite
def _finite_state_environments(draw, n_actions, n_observations, min_states, max_states, max_denominator):
    n_states = draw(st.integers(min_states, max_states))
    row = distributions(n_observations, max_denominator=max_denominator)
    emission = [[list(draw(row)) for _ in range(n_actions)] for _ in range(n_states)]
    transition = draw(_transitions(n_states, n_actions, n_observations))
    return FiniteStateEnvironment(emission, transition)


# ---------------------------------------------------------------------------------------------------------------
# Mixtures
# ---------------------------------------------------------------------------------------------------------------
_UPDATES = ("all", "demonstrator")


def mixtures(
    *,
    n_actions,
    n_observations,
    min_components=2,
    max_components=8,
    max_states=3,
    semi=False,
    update="all",
    components=None,
    max_denominator=12,
):
    """:class:`theory.BayesianMixture` instances over drawn components with an exact prior (see :func:`priors`).

    Components come from ``components`` (a strategy for one policy; default :func:`finite_state_policies`),
    and the class is sometimes given structure the engine treats specially: components sharing one transition
    table (grouped into one state array) or duplicated components (exact ties in the posterior).
    ``update`` is ``"all"`` or ``"demonstrator"`` (see :class:`theory.BayesianMixture`).

    >>> from hypothesis import find, given, settings
    >>> find(mixtures(n_actions=2, n_observations=1), lambda xi: True, settings=settings(database=None, derandomize=True))
    BayesianMixture([FiniteStatePolicy([[1, 0]], [[[0], [0]]]), FiniteStatePolicy([[1, 0]], [[[0], [0]]])], ['1/2', '1/2'])
    >>> @settings(max_examples=20, database=None)
    ... @given(mixtures(n_actions=2, n_observations=2, max_components=4))
    ... def check(xi):
    ...     assert 2 <= len(xi) <= 4 and all(w > 0 for w in xi.prior) and sum(xi.prior) <= 1
    >>> check()
    >>> mixtures(n_actions=2, n_observations=1, update="some")
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: update='some' must be one of ('all', 'demonstrator')
    """
    n_actions, n_observations = _check_alphabet(n_actions, n_observations)
    min_components, max_components = _check_int_range(min_components, max_components, "components")
    max_states = _check_int(max_states, "max_states", minimum=1)
    semi = _check_bool(semi, "semi")
    if update not in _UPDATES:
        raise InvalidArgument(f"update={update!r} must be one of {_UPDATES}")
    max_denominator = _check_int(max_denominator, "max_denominator", minimum=1)
    custom = components is not None
    if custom:
        _check_strategy(components, "components")
    else:
        components = finite_state_policies(
            n_actions=n_actions,
            n_observations=n_observations,
            max_states=max_states,
            semi=semi,
            max_denominator=max_denominator,
        )
    return _scoped(
        _mixtures,
        _mixture_scope,
        n_actions=n_actions,
        n_observations=n_observations,
        min_components=min_components,
        max_components=max_components,
        max_states=max_states,
        semi=semi,
        update=update,
        components=components,
        custom=custom,
        max_denominator=max_denominator,
    )


def _mixture_of(comps, prior, *, n_actions, update) -> BayesianMixture:
    """The mixture of the drawn components, once each is known to be a policy over the mixture's actions (a
    ``components=`` strategy may draw anything)."""
    for c in comps:
        if not isinstance(c, Policy) or c.n_actions != n_actions:
            raise InvalidArgument(f"components drew {c!r}, not a theory.Policy over {n_actions} actions")
    return BayesianMixture(comps, prior, update=update)


@st.composite
def _mixtures(
    draw,
    n_actions,
    n_observations,
    min_components,
    max_components,
    max_states,
    semi,
    update,
    components,
    custom,
    max_denominator,
):
    k = draw(st.integers(min_components, max_components))
    structure = "independent" if custom else draw(st.sampled_from(["independent", "shared", "duplicate"]))
    if structure == "shared":
        n_states = draw(st.integers(1, max_states))
        transition = draw(_transitions(n_states, n_actions, n_observations))
        row = distributions(n_actions, semi=semi, max_denominator=max_denominator)
        comps = [FiniteStatePolicy([list(draw(row)) for _ in range(n_states)], transition, semi=semi) for _ in range(k)]
    else:
        comps = [draw(components) for _ in range(k)]
        if structure == "duplicate" and k >= 2:
            i = draw(st.integers(0, k - 1))
            j = draw(st.integers(0, k - 1).filter(lambda x: x != i))
            comps[j] = comps[i]
    return _mixture_of(comps, draw(priors(k, max_denominator=max_denominator)), n_actions=n_actions, update=update)


# ---------------------------------------------------------------------------------------------------------------
# Histories
# ---------------------------------------------------------------------------------------------------------------
def histories(policy_or_mixture, env=None, *, max_length=4, min_length=0, flags=False, n_observations=None):
    """Histories to which ``policy_or_mixture`` (and ``env``, when given) give positive probability: every
    action has positive probability under the policy at its prefix, and every observation positive probability
    under ``env`` (any observation when ``env`` is None). For a mixture this is exactly the condition for its
    posterior to be defined.

    The length is drawn in ``min_length..max_length``; a history stops early if the policy abstains surely.
    With ``flags=True`` each step is an ``(action, observation, demonstrator_flag)`` triple. The observation
    alphabet comes from ``env``, else from the policy, else from ``n_observations``.

    >>> import theory
    >>> from hypothesis import find, settings
    >>> pi = theory.FiniteStatePolicy([["1/2", "1/2"], [0, 1]], [[[1], [1]], [[1], [1]]])  # 1 after the first step
    >>> find(histories(pi, min_length=2), lambda h: True, settings=settings(database=None, derandomize=True))
    ((0, 0), (1, 0))
    >>> histories(pi, max_length=-1)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: max_length=-1 must be at least 0
    """
    if not isinstance(policy_or_mixture, Policy):
        raise InvalidArgument(f"policy_or_mixture={policy_or_mixture!r} must be a theory.Policy (or BayesianMixture)")
    if env is not None and not isinstance(env, Environment):
        raise InvalidArgument(f"env={env!r} must be a theory.Environment or None")
    min_length, max_length = _check_int_range(min_length, max_length, "length", lowest=0)
    flags = _check_bool(flags, "flags")
    n_actions = policy_or_mixture.n_actions
    if env is not None:
        if env.n_actions != n_actions:
            raise InvalidArgument(f"env has {env.n_actions} actions but the policy has {n_actions}")
        if policy_or_mixture.n_observations is not None and policy_or_mixture.n_observations != env.n_observations:
            raise InvalidArgument(
                f"env has {env.n_observations} observations but the policy has {policy_or_mixture.n_observations}"
            )
        n_obs = env.n_observations
    elif policy_or_mixture.n_observations is not None:
        n_obs = policy_or_mixture.n_observations
        if n_observations is not None and n_observations != n_obs:
            raise InvalidArgument(f"n_observations={n_observations!r} but the policy has {n_obs} observations")
    elif n_observations is not None:
        n_obs = _check_int(n_observations, "n_observations", minimum=1)
    else:
        raise InvalidArgument("the policy does not fix an observation alphabet: pass env= or n_observations=")
    return _scoped(
        _histories,
        _history_scope,
        policy=policy_or_mixture,
        env=env,
        n_actions=n_actions,
        n_observations=n_obs,
        min_length=min_length,
        max_length=max_length,
        flags=flags,
    )


def with_history(cases, *, policy: str = "beta", env: str = "env", key: str = "history", max_length=4):
    """Instances (dicts) from ``cases``, each with one more entry ``key``: a history drawn by :func:`histories`
    under the instance's own policy ``instance[policy]`` and environment ``instance[env]``.

    >>> import theory
    >>> from hypothesis import find, settings
    >>> cases = st.just({"beta": theory.FiniteStatePolicy.iid([1, 0]), "env": theory.sequence_environment(2)})
    >>> find(with_history(cases, max_length=2), lambda x: len(x["history"]) == 2,
    ...      settings=settings(database=None, derandomize=True))["history"]
    ((0, 0), (0, 0))
    """
    _check_strategy(cases, "cases")
    max_length = _check_int(max_length, "max_length", minimum=0)

    @st.composite
    def draw_one(draw):
        x = draw(cases)
        return {**x, key: draw(histories(x[policy], env=x.get(env), max_length=max_length))}

    return draw_one()


def _grow_history(choose, policy, env, n_actions, n_obs, length, flags):
    """A history of ``length`` steps (fewer if the policy abstains surely) whose every action has positive
    probability under ``policy`` and every observation under ``env``, each step picked by ``choose(options)``:
    the one builder behind the random strategy and its small scope."""
    history: tuple = ()
    for _ in range(length):
        probs = policy.probs(history, arith="exact")
        actions = [a for a in range(n_actions) if probs[a] > 0]
        if not actions:
            break
        a = choose(actions)
        if env is not None:
            law = env.probs(history, a, arith="exact")
            observations = [o for o in range(n_obs) if law[o] > 0]
        else:
            observations = list(range(n_obs))
        o = choose(observations)
        history += ((a, o, choose([False, True])),) if flags else ((a, o),)
    return history


@st.composite
def _histories(draw, policy, env, n_actions, n_observations, min_length, max_length, flags):
    length = draw(st.integers(min_length, max_length))
    return _grow_history(
        lambda options: draw(st.sampled_from(options)), policy, env, n_actions, n_observations, length, flags
    )


# ---------------------------------------------------------------------------------------------------------------
# Utilities
# ---------------------------------------------------------------------------------------------------------------
def _unit_fractions(max_denominator):
    return st.fractions(0, 1, max_denominator=max_denominator)


def mean_rewards(*, n_actions, n_observations, max_denominator=12):
    """:class:`theory.MeanReward` utilities with an exact reward table in [0, 1] of shape (|A|, |O|).

    >>> from hypothesis import find, settings
    >>> find(mean_rewards(n_actions=2, n_observations=1), lambda u: True, settings=settings(database=None, derandomize=True))
    MeanReward([[0], [0]])
    """
    n_actions, n_observations = _check_alphabet(n_actions, n_observations)
    max_denominator = _check_int(max_denominator, "max_denominator", minimum=1)
    cell = _unit_fractions(max_denominator)
    table = st.lists(
        st.lists(cell, min_size=n_observations, max_size=n_observations), min_size=n_actions, max_size=n_actions
    )
    return small_scope(
        table.map(MeanReward),
        partial(
            _mean_reward_scope, n_actions=n_actions, n_observations=n_observations, max_denominator=max_denominator
        ),
    )


def history_utilities(*, max_values=4, max_denominator=12):
    """Utilities given as functions of the full history (:class:`HistoryTableUtility`), exact values in [0, 1].

    >>> from hypothesis import find, settings
    >>> find(history_utilities(), lambda u: u(((1, 0),)) == 1, settings=settings(database=None, derandomize=True))
    HistoryTableUtility(values=(1,), multiplier=0, action_coef=0, observation_coef=0)
    """
    max_values = _check_int(max_values, "max_values", minimum=1)
    max_denominator = _check_int(max_denominator, "max_denominator", minimum=1)
    drawn = st.builds(
        HistoryTableUtility,
        values=st.lists(_unit_fractions(max_denominator), min_size=1, max_size=max_values),
        multiplier=st.integers(0, 3),
        action_coef=st.integers(0, 3),
        observation_coef=st.integers(0, 3),
    )
    return small_scope(drawn, partial(_history_utility_scope, max_values=max_values, max_denominator=max_denominator))


def utilities(*, n_actions, n_observations, max_denominator=12):
    """Utilities with exact values in [0, 1]: :class:`theory.MeanReward` tables, or functions of the history.

    >>> from hypothesis import given, settings
    >>> import theory
    >>> env = theory.sequence_environment(2)
    >>> @settings(max_examples=30, database=None)
    ... @given(utilities(n_actions=2, n_observations=1))
    ... def check(u):
    ...     assert 0 <= theory.optimal_value(env, u, 2, arith="exact") <= 1
    >>> check()
    """
    return st.one_of(
        mean_rewards(n_actions=n_actions, n_observations=n_observations, max_denominator=max_denominator),
        history_utilities(max_denominator=max_denominator),
    )


# ---------------------------------------------------------------------------------------------------------------
# Scalar parameters
# ---------------------------------------------------------------------------------------------------------------
def _specials_and_fractions(specials, min_value, max_value, max_denominator, *, exclude_min=False):
    """Special values in range, or fractions with denominator <= max_denominator in range."""
    inside = [s for s in specials if min_value <= s <= max_value and not (exclude_min and s == min_value)]
    # st.fractions wants bounds on its grid: round the bounds inwards to multiples of 1/max_denominator.
    lo = Fraction(math.ceil(min_value * max_denominator), max_denominator)
    hi = Fraction(math.floor(max_value * max_denominator), max_denominator)
    if exclude_min and lo == min_value:
        lo += Fraction(1, max_denominator)
    parts = [st.sampled_from(inside)] if inside else []
    if lo <= hi:
        parts.append(st.fractions(lo, hi, max_denominator=max_denominator))
    if not parts:
        parts.append(st.just(max_value))
    return st.one_of(parts)


class _ScalarRange(NamedTuple):
    """The range of a scalar strategy (:func:`budgets`, :func:`alphas`, :func:`temperatures`), registered on it as
    ``scalar_range`` so the margin optimizer (:mod:`proofs_checks.refine`) can move a drawn value within it:
    ``[min_value, max_value]``, or ``(min_value, max_value]`` when ``exclude_min``; ``log`` says the natural
    scale is logarithmic (temperatures).

    >>> budgets(max_value=1).scalar_range
    _ScalarRange(min_value=Fraction(0, 1), max_value=Fraction(1, 1), exclude_min=False, log=False)
    >>> alphas().map(lambda a: a / 2).definition.scalar_range.exclude_min  # kept by map and filter
    True
    """

    min_value: Fraction
    max_value: Fraction
    exclude_min: bool = False
    log: bool = False


def _scalar(strategy, values, scalar_range: _ScalarRange):
    """``strategy`` with its small scope (``values``, simplest first) and its range registered, on the returned
    strategy and on its small-scope definition (which ``map`` and ``filter`` keep)."""
    definition = partial(_scalar_scope, values=values)
    definition.scalar_range = scalar_range
    scoped = small_scope(strategy, definition)
    scoped.scalar_range = scalar_range
    return scoped


def budgets(*, min_value=0, max_value=4, max_denominator=12):
    """KL (or TVD) budgets: exact non-negative Fractions in ``[min_value, max_value]``, with 0, near-zeros and
    round values among them (use ``max_value=1`` for TVD budgets). The range is registered as ``scalar_range``:
    the margin optimizer moves a drawn budget within it (so do :func:`alphas` and :func:`temperatures`).

    >>> from hypothesis import find, settings
    >>> find(budgets(), lambda b: True, settings=settings(database=None, derandomize=True))
    Fraction(0, 1)
    >>> budgets(max_value=1).scalar_range[:2]
    (Fraction(0, 1), Fraction(1, 1))
    >>> budgets(min_value=-1)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: min_value=-1 must be non-negative
    """
    lo, hi = _check_fraction(min_value, "min_value"), _check_fraction(max_value, "max_value")
    if lo < 0:
        raise InvalidArgument(f"min_value={min_value!r} must be non-negative")
    if lo > hi:
        raise InvalidArgument(f"min_value={min_value!r} is larger than max_value={max_value!r}")
    max_denominator = _check_int(max_denominator, "max_denominator", minimum=1)
    specials = [Fraction(0), Fraction(1, 1000), Fraction(1, 10), Fraction(1, 2), Fraction(1), Fraction(2)]
    # In scope the smallest budgets come first (hypothesis shrinks budgets to 0), then the bounds.
    return _scalar(
        _specials_and_fractions(specials, lo, hi, max_denominator),
        _in_range(specials + [lo, hi], lo, hi),
        _ScalarRange(lo, hi),
    )


def alphas(*, min_value=0, max_value=1, max_denominator=100):
    """Top-set parameters α: exact Fractions in ``(min_value, max_value]`` (within (0, 1]), with 1, 1/2 and
    near-zeros among them.

    >>> from hypothesis import find, settings
    >>> find(alphas(), lambda a: True, settings=settings(database=None, derandomize=True))
    Fraction(1, 1)
    >>> find(alphas(max_value="1/2"), lambda a: a < Fraction(1, 100), settings=settings(database=None, derandomize=True))
    Fraction(1, 1000)
    """
    lo, hi = _check_fraction(min_value, "min_value"), _check_fraction(max_value, "max_value")
    if not 0 <= lo < hi <= 1:
        raise InvalidArgument(f"alphas need 0 <= min_value < max_value <= 1, got {min_value!r} and {max_value!r}")
    max_denominator = _check_int(max_denominator, "max_denominator", minimum=1)
    specials = [Fraction(1), Fraction(1, 2), Fraction(1, 10), Fraction(1, 1000)]
    return _scalar(
        _specials_and_fractions(specials, lo, hi, max_denominator, exclude_min=True),
        _in_range(specials + [hi], lo, hi, exclude_min=True),
        _ScalarRange(lo, hi, exclude_min=True),
    )


def temperatures(*, min_value="1/100", max_value=100, max_denominator=12):
    """Regularization temperatures λ: positive exact Fractions in ``[min_value, max_value]``.

    >>> from hypothesis import find, settings
    >>> find(temperatures(), lambda t: True, settings=settings(database=None, derandomize=True))
    Fraction(1, 1)
    >>> temperatures(min_value=0)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: min_value=0 must be positive (λ > 0)
    """
    lo, hi = _check_fraction(min_value, "min_value"), _check_fraction(max_value, "max_value")
    if lo <= 0:
        raise InvalidArgument(f"min_value={min_value!r} must be positive (λ > 0)")
    if lo > hi:
        raise InvalidArgument(f"min_value={min_value!r} is larger than max_value={max_value!r}")
    max_denominator = _check_int(max_denominator, "max_denominator", minimum=1)
    specials = [
        Fraction(1),
        Fraction(1, 2),
        Fraction(2),
        Fraction(1, 10),
        Fraction(10),
        Fraction(1, 100),
        Fraction(100),
    ]
    return _scalar(
        _specials_and_fractions(specials, lo, hi, max_denominator),
        _in_range(specials + [lo, hi], lo, hi),
        _ScalarRange(lo, hi, log=True),
    )


def alphabets(*, min_actions=1, max_actions=3, min_observations=1, max_observations=3):
    """Small alphabets ``(|A|, |O|)``; by default |A| and |O| in 1..3 (|O| = 1 is sequence prediction).

    >>> from hypothesis import find, settings
    >>> find(alphabets(), lambda ao: True, settings=settings(database=None, derandomize=True))
    (1, 1)
    >>> find(alphabets(min_actions=2), lambda ao: ao[1] > 1, settings=settings(database=None, derandomize=True))
    (2, 2)
    """
    min_a, max_a = _check_int_range(min_actions, max_actions, "actions")
    min_o, max_o = _check_int_range(min_observations, max_observations, "observations")
    return small_scope(
        st.tuples(st.integers(min_a, max_a), st.integers(min_o, max_o)),
        partial(_alphabet_scope, min_actions=min_a, max_actions=max_a, min_observations=min_o, max_observations=max_o),
    )


# ---------------------------------------------------------------------------------------------------------------
# Small scopes: the smallest instances of each strategy, enumerated exhaustively by proofs_checks.scope before
# random search (1–2 states, two symbols, lengths up to 2, 1–3 components, probabilities on the grid)
# ---------------------------------------------------------------------------------------------------------------
#: Vectors over more outcomes than this get a reduced scope (point masses, uniform, near-boundary).
_FULL_GRID_OUTCOMES = 4


def _scope_sizes(lo: int, hi: int, cap: int) -> range:
    """Sizes ``lo..hi`` clipped to at most ``cap`` (but never below ``lo``), smallest first."""
    return range(lo, min(hi, max(lo, cap)) + 1)


def _nested_lists(table):
    return [_nested_lists(x) for x in table] if isinstance(table, (list, tuple)) else table


def _grid_vectors(k: int, values) -> list:
    """Every vector of ``k`` grid values summing to exactly 1."""
    out = []

    def extend(prefix, remaining):
        if len(prefix) == k - 1:
            if remaining in values:
                out.append(prefix + (remaining,))
            return
        for v in values:
            if v <= remaining:
                extend(prefix + (v,), remaining - v)

    extend((), Fraction(1))
    return out


@lru_cache(maxsize=None)
def _grid_distributions(size: int, semi: bool, max_denominator: int) -> tuple:
    """The distribution scope over ``size`` outcomes (plus ⊥ when ``semi``, dropped from the result), simplest
    first: all mass on the first outcome (hypothesis's shrink target), the uniform law, the other point masses,
    then by common denominator (halves, thirds, quarters), then the near-boundary ones (1/1000 moved off a point
    mass, onto ⊥ too)."""
    k = size + 1 if semi else size
    values = [p for p in PROBABILITY_GRID if p.denominator <= max_denominator]
    point = [tuple(Fraction(int(i == j)) for j in range(k)) for i in range(k)]
    uniform = tuple(Fraction(1, size) if j < size else Fraction(0) for j in range(k))
    vectors = set(_grid_vectors(k, values)) if k <= _FULL_GRID_OUTCOMES else set(point)
    if size <= max_denominator:
        vectors.add(uniform)
    tiny, rest = NEAR_BOUNDARY
    for i in range(k):
        for j in range(k):
            if i != j:
                vectors.add(tuple(rest if x == i else tiny if x == j else Fraction(0) for x in range(k)))

    def simplicity(v):
        if v == point[0]:
            return (0,)
        if v == uniform:
            return (1,)
        return (2, math.lcm(*(x.denominator for x in v)), tuple(-x for x in v))

    return tuple(v[:size] for v in sorted(vectors, key=simplicity))


def _distribution_scope(choose, *, n, min_size, max_size, semi, max_denominator):
    size = n if n is not None else choose(_scope_sizes(min_size, max_size, 3))
    return choose(_grid_distributions(size, semi, max_denominator))


@lru_cache(maxsize=None)
def _grid_priors(k: int, normalized: bool) -> tuple:
    """A few priors over ``k`` components: uniform, skewed both ways, unnormalized (mass left over), and one
    with tiny weights 1/1000."""
    shapes = [(Fraction(1, k),) * k]
    if k >= 2:
        rest = Fraction(1, 4 * (k - 1))
        shapes += [(rest,) * (k - 1) + (Fraction(3, 4),), (Fraction(3, 4),) + (rest,) * (k - 1)]
    if not normalized:
        shapes.append((Fraction(1, 2 * k),) * k)
    if k >= 2:
        shapes.append((1 - Fraction(k - 1, 1000),) + (Fraction(1, 1000),) * (k - 1))
    return tuple(dict.fromkeys(shapes))


def _prior_scope(choose, *, n, min_size, max_size, normalized):
    k = n if n is not None else choose(_scope_sizes(min_size, max_size, 3))
    return choose(_grid_priors(k, normalized))


@lru_cache(maxsize=None)
def _transition_menu(n_states: int, n_actions: int, n_observations: int) -> tuple:
    """Transition tables ``[state][action][observation] -> next state`` a small machine needs, simplest first
    (duplicates dropped). One state: stay. More: count the steps (state 1 after the first step); remember
    whether the observation matched the action (what a policy needs to act on o == a, as in the reactive
    counterexamples to Definition 2); remember the last observation; remember the last action. "Stay in the
    start state" is left out for 2+ states: it would only repeat the 1-state machines.

    >>> [t[0] for t in _transition_menu(2, 2, 2)]  # the rows of state 0
    [((1, 1), (1, 1)), ((1, 0), (0, 1)), ((0, 1), (0, 1)), ((0, 0), (1, 1))]
    """
    if n_states == 1:
        rules = (lambda s, a, o: 0,)
    else:
        rules = (
            lambda s, a, o: min(s + 1, n_states - 1),
            lambda s, a, o: int(a == o),
            lambda s, a, o: o % n_states,
            lambda s, a, o: a % n_states,
        )
    tables = (
        tuple(
            tuple(tuple(rule(s, a, o) for o in range(n_observations)) for a in range(n_actions))
            for s in range(n_states)
        )
        for rule in rules
    )
    return tuple(dict.fromkeys(tables))


def _transition_costs(menu) -> list | None:
    """Costs of a policy's transition menu: counting steps and reacting to o == a are equally simple (both
    cost nothing), so reactive policies are as cheap as time-dependent ones in the enumeration."""
    return [0, 0] + [1] * (len(menu) - 2) if len(menu) > 2 else None


@lru_cache(maxsize=None)
def _policy_rows(n_actions: int, semi: bool, max_denominator: int) -> tuple:
    """The emission rows of policies in scope: the uniform law first (the usual base policy, against which
    every other row has finite KL), then the distribution scope."""
    rows = _grid_distributions(n_actions, semi, max_denominator)
    uniform = tuple(Fraction(1, n_actions) for _ in range(n_actions))
    return tuple(sorted(rows, key=lambda r: r != uniform))


def _policy_scope(choose, *, n_actions, n_observations, min_states, max_states, semi, max_denominator):
    n_states = choose(_scope_sizes(min_states, max_states, 2))
    rows = _policy_rows(n_actions, semi, max_denominator)
    first = choose(rows)
    # The other states' rows differ from the start state's: equal rows would repeat a 1-state policy.
    others = [r for r in rows if r != first] or [first]
    emission = [list(first)] + [list(choose(others)) for _ in range(1, n_states)]
    menu = _transition_menu(n_states, n_actions, n_observations)
    transition = _nested_lists(choose(menu, costs=_transition_costs(menu)))
    return FiniteStatePolicy(emission, transition, semi=semi)


def _environment_scope(choose, *, n_actions, n_observations, min_states, max_states, max_denominator):
    n_states = choose(_scope_sizes(min_states, max_states, 2))
    rows = _grid_distributions(n_observations, False, max_denominator)

    def laws_of_one_state():
        # Action 0's law from the grid; each further action first repeats it (an i.i.d. environment), then
        # echoes the action (observation a surely: the simplest reactive environment), then the grid.
        first = choose(rows)
        laws = [list(first)]
        for a in range(1, n_actions):
            echo = tuple(Fraction(int(o == a % n_observations)) for o in range(n_observations))
            laws.append(list(choose(list(dict.fromkeys([first, echo, *rows])))))
        return laws

    emission = [laws_of_one_state() for _ in range(n_states)]
    transition = _nested_lists(choose(_transition_menu(n_states, n_actions, n_observations)))
    return FiniteStateEnvironment(emission, transition)


def _mixture_scope(
    choose,
    *,
    n_actions,
    n_observations,
    min_components,
    max_components,
    max_states,
    semi,
    update,
    components,
    custom,
    max_denominator,
):
    k = choose(_scope_sizes(min_components, max_components, 3))
    structure = choose(["independent"] if custom or k == 1 else ["independent", "shared", "duplicate"])
    if structure == "shared":
        n_states = choose(_scope_sizes(1, max_states, 2))
        transition = choose(_transition_menu(n_states, n_actions, n_observations))
        rows = _grid_distributions(n_actions, semi, max_denominator)
        comps = [
            FiniteStatePolicy([list(choose(rows)) for _ in range(n_states)], _nested_lists(transition), semi=semi)
            for _ in range(k)
        ]
    elif structure == "duplicate":  # component j repeats an earlier component i (exact ties in the posterior)
        distinct = [choose.draw(components) for _ in range(k - 1)]
        i, j = choose([(i, j) for j in range(1, k) for i in range(j)])
        comps = distinct[:j] + [distinct[i]] + distinct[j:]
    else:
        comps = [choose.draw(components) for _ in range(k)]
    prior = _prior_scope(choose, n=k, min_size=k, max_size=k, normalized=False)
    return _mixture_of(comps, prior, n_actions=n_actions, update=update)


def _history_scope(choose, *, policy, env, n_actions, n_observations, min_length, max_length, flags):
    length = choose(_scope_sizes(min_length, max_length, 2))
    return _grow_history(choose, policy, env, n_actions, n_observations, length, flags)


def _mean_reward_scope(choose, *, n_actions, n_observations, max_denominator):
    rewards = [r for r in (Fraction(0), Fraction(1), Fraction(1, 2)) if r.denominator <= max_denominator]
    return MeanReward([[choose(rewards) for _ in range(n_observations)] for _ in range(n_actions)])


#: (values, multiplier, action_coef, observation_coef) of the history utilities in scope: the last action is 0;
#: the last observation is 0; the parity of the whole history; an order-dependent three-valued one.
_HISTORY_UTILITIES = (((0, 1), 0, 1, 0), ((0, 1), 0, 0, 1), ((0, 1), 1, 1, 1), ((0, "1/2", 1), 2, 1, 0))


def _history_utility_scope(choose, *, max_values, max_denominator):
    shapes = [
        u
        for u in _HISTORY_UTILITIES
        if len(u[0]) <= max_values and all(Fraction(v).denominator <= max_denominator for v in u[0])
    ]
    values, multiplier, action_coef, observation_coef = choose(shapes or [((1,), 0, 0, 0)])
    return HistoryTableUtility(
        values=values, multiplier=multiplier, action_coef=action_coef, observation_coef=observation_coef
    )


def _in_range(candidates, lo, hi, *, exclude_min=False) -> list:
    """The candidates in ``[lo, hi]`` (``(lo, hi]`` with ``exclude_min``), in order, each once."""
    return list(dict.fromkeys(c for c in candidates if lo <= c <= hi and not (exclude_min and c == lo)))


def _scalar_scope(choose, *, values):
    return choose(values)


def _alphabet_scope(choose, *, min_actions, max_actions, min_observations, max_observations):
    return (
        choose(_scope_sizes(min_actions, max_actions, 2)),
        choose(_scope_sizes(min_observations, max_observations, 2)),
    )
