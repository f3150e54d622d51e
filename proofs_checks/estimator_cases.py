"""Instances and parts shared by the KL-estimator lab's claims (``k1-pathwise-zero``, ``k2-pathwise-forward``,
``k3-pathwise-reverse``, ``k1-reward-forward`` and their conjectures; the definitions are docs/claims/*.md's and
the engine's, :mod:`theory.estimators`).

* :func:`estimator_cases` — a :class:`theory.SoftmaxPolicy` π (every probability positive), a reference π_ref
  with positive rows (sometimes a :class:`theory.BayesianMixture` of two), an environment μ, a horizon and,
  with ``sampling=True``, a sampling policy π_old with positive rows.
* :func:`examples` — fixed hand instances (the one- and two-token toys), certified on every check.
* :func:`gradient`, :func:`target` and :func:`component_parts` — the expected gradient of one estimator
  case, the exact ∇KL targets, and one :class:`~proofs_checks.claim.Part` per logit compared.

>>> import theory
>>> x = examples()[0]
>>> ctx = theory.get_context("exact")
>>> g = gradient(x, ctx, estimator="k2", placement="loss", level="token", horizon="one")
>>> parts = component_parts("k2", g, target(x, ctx, direction="forward", horizon="one"))
>>> [p.name for p in parts], [p.lhs == p.rhs == sign * theory.LogLinear.log(3) / 4 for p, sign in zip(parts, (1, -1))]
(['k2: θ[0,0]', 'k2: θ[0,1]'], [True, True])
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

import theory
from proofs_checks import strategies as S
from proofs_checks.claim import Part
from theory.validation import option

__all__ = [
    "estimator_cases",
    "examples",
    "positive",
    "gradient",
    "target",
    "component_parts",
    "horizon_of",
    "HORIZONS",
]

#: How a part's horizon is read from an instance: ``"one"`` (a single token) or ``"all"`` (the instance's).
HORIZONS = ("one", "all")


def positive(policy, cls=theory.FiniteStatePolicy):
    """``policy`` (a finite-state policy) with every row that has a zero replaced by its average with the uniform
    row, as a ``cls`` (a :class:`theory.SoftmaxPolicy` for π): every probability positive, the rows that already
    were kept exactly (so the small scope's uniform and grid rows stay as they are).

    >>> p = positive(theory.FiniteStatePolicy([[1, 0], ["1/3", "2/3"]], [[[1], [1]], [[1], [1]]]), theory.SoftmaxPolicy)
    >>> p
    SoftmaxPolicy([['3/4', '1/4'], ['1/3', '2/3']], [[[1], [1]], [[1], [1]]])
    """
    emission = policy.emission("exact")
    n = emission.shape[1]
    rows = [[(x + Fraction(1, n)) / 2 for x in row] if min(row) == 0 else list(row) for row in emission]
    return cls(rows, np.asarray(policy.transition).tolist(), policy.initial_state)


@st.composite
def estimator_cases(
    draw,
    *,
    min_horizon: int = 1,
    max_horizon: int = 3,
    sampling: bool = False,
    mixtures: bool = True,
    max_actions: int = 3,
    max_observations: int = 2,
    max_states: int = 2,
):
    """An instance of the lab: ``pi`` (a :class:`theory.SoftmaxPolicy`), ``ref`` (a finite-state policy with
    positive rows or, when ``mixtures``, sometimes a Bayesian mixture of two), ``env``, ``horizon`` (in
    ``min_horizon..max_horizon``) and, when ``sampling``, ``pi_old`` (a finite-state policy with positive rows).

    2–``max_actions`` actions, 1–``max_observations`` observations, 1–``max_states`` states; the rows are those of
    :func:`proofs_checks.strategies.finite_state_policies` made positive by :func:`positive` (small fractions,
    and near-zeros such as 1/1000), so π is a softmax, π_ref never rules out a token (ℓ is finite) and π_old
    samples every token π does (the importance weights are defined). The environment may rule out observations.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, database=None, derandomize=True)
    ... @given(estimator_cases(sampling=True))
    ... def check(x):
    ...     assert sorted(x) == ["env", "horizon", "pi", "pi_old", "ref"] and 1 <= x["horizon"] <= 3
    ...     assert isinstance(x["pi"], theory.SoftmaxPolicy) and min(x["pi_old"].emission("exact").flat) > 0
    >>> check()
    """
    n_actions, n_obs = draw(S.alphabets(min_actions=2, max_actions=max_actions, max_observations=max_observations))
    kw = dict(n_actions=n_actions, n_observations=n_obs, max_states=max_states)
    pi = positive(draw(S.finite_state_policies(**kw)), theory.SoftmaxPolicy)
    if mixtures and draw(st.booleans()):
        first, second = (positive(draw(S.finite_state_policies(**kw))) for _ in range(2))
        ref = theory.BayesianMixture([first, second], draw(S.priors(2)))
    else:
        ref = positive(draw(S.finite_state_policies(**kw)))
    x = {
        "pi": pi,
        "ref": ref,
        "env": draw(S.finite_state_environments(**kw)),
        "horizon": draw(st.integers(min_horizon, max_horizon)),
    }
    if sampling:
        x["pi_old"] = positive(draw(S.finite_state_policies(**kw)))
    return x


def examples(*, sampling: bool = True) -> list[dict]:
    """The fixed instances of the lab's claims (``pi_old`` dropped unless ``sampling``):

    * ``one-token`` — π = (1/2, 1/2), π_ref = (1/4, 3/4), one token (π_old = (1/4, 3/4));
    * ``two-token`` — π = (1/2, 1/2) i.i.d.; π_ref plays (1/4, 3/4) until it sees token 1, then (1/2, 1/2);
      two tokens (π_old = (1/4, 3/4) i.i.d.): the second token's log-ratio depends on the first token, which is
      what the per-token sums miss (worked by hand in the claims' pages and tests);
    * ``echo-mixture`` — a two-state π that copies the last observation, π_ref a Bayesian mixture of two policies,
      μ the noisy echo (observation = action with probability 9/10), three steps.

    >>> [(x["name"], x["horizon"]) for x in examples()]
    [('one-token', 1), ('two-token', 2), ('echo-mixture', 3)]
    """
    half = theory.SoftmaxPolicy.iid(["1/2", "1/2"])
    lean = theory.FiniteStatePolicy.iid(["1/4", "3/4"])
    # state 0 plays (1/4, 3/4) and stays on token 0; token 1 moves it to state 1 (fair) for good.
    switch = theory.FiniteStatePolicy([["1/4", "3/4"], ["1/2", "1/2"]], [[[0], [1]], [[1], [1]]])
    echo = theory.FiniteStateEnvironment([[["9/10", "1/10"], ["1/10", "9/10"]]], [[[0, 0], [0, 0]]])
    copy = theory.SoftmaxPolicy([["3/4", "1/4"], ["1/4", "3/4"]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    mixture = theory.BayesianMixture(
        [
            theory.FiniteStatePolicy.iid(["2/3", "1/3"], n_observations=2),
            theory.FiniteStatePolicy([["1/2", "1/2"], ["1/5", "4/5"]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]]),
        ],
        ["1/2", "1/2"],
    )
    out = [
        {"name": "one-token", "pi": half, "ref": lean, "env": theory.sequence_environment(2), "horizon": 1},
        {"name": "two-token", "pi": half, "ref": switch, "env": theory.sequence_environment(2), "horizon": 2},
        {"name": "echo-mixture", "pi": copy, "ref": mixture, "env": echo, "horizon": 3},
    ]
    olds = [lean, lean, theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)]
    if sampling:
        for x, old in zip(out, olds):
            x["pi_old"] = old
    return out


#: How every lab claim draws its instances (the start of its ``how``; ``{old}`` names π_old when it has one).
HOW_INSTANCES = (
    "Random softmax π (1–2 states, 2–3 actions, |O| 1–2, positive rows of small fractions and near-zeros), "
    "π_ref with positive rows (sometimes a Bayesian mixture of two), {old}μ, horizons 1–3: "
)
#: What a claim about one token and about the whole sequence compares.
ONE_TOKEN_AND_SEQUENCE = (
    "the token-level gradient over the first step (horizon 1) against theory.kl_gradient over 1 step, and "
    "the sequence-level gradient over the instance's m steps against theory.kl_gradient over m steps"
)
#: What a claim about the per-token sum over m steps compares.
ALL_TOKENS = "the token-level gradient over the instance's m steps against theory.kl_gradient over m steps"


def horizon_of(x: dict, horizon: str) -> int:
    """The number of steps a part runs: 1 for ``"one"``, the instance's horizon for ``"all"``.

    >>> horizon_of({"horizon": 3}, "one"), horizon_of({"horizon": 3}, "all")
    (1, 3)
    """
    option(horizon, name="horizon", choices=HORIZONS)
    return 1 if horizon == "one" else int(x["horizon"])


def gradient(x: dict, arith, *, estimator, placement, level, horizon="all", ratio=None, off_policy=False):
    """The exact expected gradient ``E[g]`` (an ``(n_states, n_actions)`` array) of one case of
    :func:`theory.estimator_moments` on the instance: trajectories from π (or from ``x["pi_old"]`` when
    ``off_policy``, corrected by ``ratio``) over :func:`horizon_of` steps.

    >>> import theory
    >>> x = examples()[1]
    >>> gradient(x, theory.get_context("exact"), estimator="k3", placement="loss", level="token").tolist()
    [[Fraction(3, 8), Fraction(-3, 8)]]
    """
    sampling = x["pi_old"] if off_policy else None
    return theory.estimator_moments(
        x["pi"],
        x["ref"],
        x["env"],
        horizon_of(x, horizon),
        estimator=estimator,
        placement=placement,
        level=level,
        sampling=sampling,
        ratio=ratio,
        arith=arith,
    ).expected_gradient


def target(x: dict, arith, *, direction, horizon="all"):
    """The exact ``∇_θ KL(π‖π_ref)`` (``direction="forward"``), ``∇_θ KL(π_ref‖π)`` (``"reverse"``) of the
    trajectory laws over :func:`horizon_of` steps, or 0 (``"zero"``), as an ``(n_states, n_actions)`` array.

    >>> import theory
    >>> target(examples()[1], theory.get_context("exact"), direction="reverse").tolist()
    [[Fraction(5, 16), Fraction(-5, 16)]]
    """
    option(direction, name="direction", choices=("forward", "reverse", "zero"))
    if direction == "zero":
        return np.full(x["pi"].parameter_shape, arith.convert(0), dtype=object)
    return theory.kl_gradient(x["pi"], x["ref"], x["env"], horizon_of(x, horizon), direction=direction, arith=arith)


def component_parts(label: str, lhs, rhs) -> list[Part]:
    """One ``==`` part per logit θ[s, a]: ``lhs[s, a] == rhs[s, a]``, named ``"{label}: θ[s,a]"``.

    >>> [p.name for p in component_parts("k1", np.zeros((1, 2)), np.zeros((1, 2)))]
    ['k1: θ[0,0]', 'k1: θ[0,1]']
    """
    lhs, rhs = np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object)
    return [
        Part(f"{label}: θ[{s},{a}]", lhs[s, a], "==", rhs[s, a])
        for s in range(lhs.shape[0])
        for a in range(lhs.shape[1])
    ]
