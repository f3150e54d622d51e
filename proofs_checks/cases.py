"""Instance strategies that several claims draw from.

* :func:`trajectory_cases` — π, β, μ, a horizon and a start history (``chain-rule``, ``telescoping``).
* :func:`reactive_cases` — the same with two observations, horizons of two or more, and an action-blind
  environment made by :func:`blind_environment` (``reactive-worst-case``, ``conj-worst-case-bounds-expected``).

The instances of the pessimistic imitator's claims are in :mod:`proofs_checks.kl_transfer`.

>>> from hypothesis import find, settings
>>> sorted(find(trajectory_cases(), lambda x: True, settings=settings(database=None, derandomize=True)))
['beta', 'env', 'history', 'horizon', 'pi']
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from theory.validation import option

__all__ = ["trajectory_cases", "reactive_cases", "blind_environment", "action_blind", "worst_case_form", "BLIND_MODES"]

#: How :func:`blind_environment` makes an environment blind to the agent's actions.
BLIND_MODES = ("blind", "rows", "dropped")


@st.composite
def trajectory_cases(
    draw, *, max_actions=3, max_observations=2, max_states=2, max_horizon=3, semi=True, max_history=2, min_horizon=1
):
    """π, β and μ over a drawn alphabet, a horizon and a start history reachable under π and μ (policies are
    sometimes semi-distributions, when ``semi``).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(trajectory_cases())
    ... def check(x):
    ...     assert sorted(x) == ['beta', 'env', 'history', 'horizon', 'pi'] and 1 <= x["horizon"] <= 3
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, max_observations=max_observations))
    kw = dict(n_actions=n_actions, n_observations=n_obs, max_states=max_states)
    pi = draw(S.finite_state_policies(semi=semi and draw(st.booleans()), **kw))
    beta = draw(S.finite_state_policies(semi=semi and draw(st.booleans()), **kw))
    env = draw(S.finite_state_environments(n_actions=n_actions, n_observations=n_obs, max_states=max_states))
    history = draw(S.histories(pi, env, max_length=max_history)) if max_history else ()
    return {
        "pi": pi,
        "beta": beta,
        "env": env,
        "horizon": draw(st.integers(min_horizon, max_horizon)),
        "history": history,
    }


@st.composite
def reactive_cases(
    draw,
    *,
    blind: str | None = "blind",
    max_actions: int = 3,
    max_states: int = 2,
    max_horizon: int = 3,
    max_history: int = 2,
):
    """π, β (each sometimes a semi-distribution), an environment μ, a horizon of 2 or more, a start history
    reachable under π and μ, and (unless ``blind=None``) ``blind``: an environment made from another drawn one by
    :func:`blind_environment` in that mode (for ``"dropped"``, μ itself).

    Two observations and two steps at least: with one observation, or one step, the expected KL, Definition 2
    and the reactive worst case all coincide. π and β are drawn before μ and the horizon, so the small scope
    reaches a policy that reacts to o == a and an environment that echoes (the counterexample to Definition 2
    bounding the expected KL) among its first hundred instances.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None, derandomize=True)
    ... @given(reactive_cases())
    ... def check(x):
    ...     assert action_blind(x["blind"]) and x["env"].n_observations == 2 and x["horizon"] >= 2
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, min_observations=2, max_observations=2))
    kw = dict(n_actions=n_actions, n_observations=n_obs, max_states=max_states)
    pi = draw(S.finite_state_policies(semi=draw(st.booleans()), **kw))
    beta = draw(S.finite_state_policies(semi=draw(st.booleans()), **kw))
    env = draw(S.finite_state_environments(**kw))
    x = {
        "pi": pi,
        "beta": beta,
        "env": env,
        "horizon": draw(st.integers(2, max_horizon)),
        "history": draw(S.histories(pi, env, max_length=max_history)) if max_history else (),
    }
    if blind == "dropped":
        x["blind"] = env  # no hypothesis: the drawn μ itself
    elif blind is not None:
        x["blind"] = blind_environment(draw(S.finite_state_environments(**kw)), blind)
    return x


def blind_environment(env, mode: str = "blind"):
    """An action-blind copy of a finite-state environment: every action gets action 0's observation laws and
    (``mode="blind"``) action 0's state transitions, so the observations depend on past observations only.
    ``mode="rows"`` keeps the transitions (the state may remember past actions: not action-blind);
    ``mode="dropped"`` returns ``env`` itself.

    >>> from proofs_checks.worlds import echo_example
    >>> echo = echo_example()["env"]
    >>> [list(blind_environment(echo).probs((), a, arith="exact")) for a in (0, 1)]
    [[Fraction(1, 1), Fraction(0, 1)], [Fraction(1, 1), Fraction(0, 1)]]
    >>> blind_environment(echo, "sideways")
    Traceback (most recent call last):
    ...
    ValueError: mode 'sideways' must be one of ('blind', 'rows', 'dropped')
    """
    if mode not in BLIND_MODES:
        raise ValueError(f"mode {mode!r} must be one of {BLIND_MODES}")
    if mode == "dropped":
        return env
    emission = env.emission(arith="exact")
    transition = np.asarray(env.transition)
    n_actions = env.n_actions
    rows = [[list(emission[s, 0]) for _ in range(n_actions)] for s in range(env.n_states)]
    if mode == "blind":
        transition = np.repeat(transition[:, :1, :], n_actions, axis=1)
    return theory.FiniteStateEnvironment(rows, transition.tolist())


def action_blind(env) -> bool:
    """Whether a finite-state environment's observation laws and transitions are equal across actions in every
    state (a sufficient condition for its observations to ignore the agent's actions).

    >>> from proofs_checks.worlds import echo_example
    >>> action_blind(echo_example()["env"]), action_blind(blind_environment(echo_example()["env"]))
    (False, True)
    """
    emission = env.emission(arith="exact")
    transition = np.asarray(env.transition)
    return bool((emission == emission[:, :1]).all() and (transition == transition[:, :1]).all())


def worst_case_form(bound: str):
    """The worst case a reactive instance's expected KL is compared with: ``"reactive"``, the maximum over
    environments (:func:`theory.reactive_worst_case_kl`), or ``"definition-2"``, the paper's Definition 2 with the
    observations fixed in advance (:func:`theory.worst_case_kl`). Looked up when called, so a claim made after
    ``theory``'s function is replaced (a broken engine, in the tests) checks the replacement.

    >>> worst_case_form("definition-2") is theory.worst_case_kl
    True
    """
    option(bound, name="bound", choices=("reactive", "definition-2"))
    return theory.reactive_worst_case_kl if bound == "reactive" else theory.worst_case_kl
