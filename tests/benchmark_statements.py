"""Statements of known truth: the yardstick the search of :func:`proofs_checks.check` is measured by.

Each :class:`Statement` is a claim written the way an outside user writes one — only the public API
(``from proofs_checks import Claim, Part, check, strategies as S``, ``import theory``), ``given`` as a dict of
exported strategies or an ``@st.composite`` drawing from them — together with its truth, established
*independently of the search*:

* a false statement carries a hand-written counterexample, and the context (``"exact"``, or ``"ball:256"``
  where exact arithmetic cannot decide) in which its violation is decided;
* a true statement carries the reason it is true (``why``) and a tight instance on which it holds.

Every claim is written as a user who believes it would write it (``kind="theorem"``): the benchmark asks
whether the default check finds out. Instances stay in the small scope (1–2 states, |A|, |O| ≤ 2, horizons 1–2,
1–3 components) and each float evaluation costs well under 10 ms.

>>> len(FALSE_STATEMENTS) >= 10, len(TRUE_STATEMENTS) >= 6
(True, True)
>>> s = statement("kl-symmetric")
>>> s.claim.evaluate(s.counterexample, s.decide_in).holds
False
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

import theory
from proofs_checks import Claim, Part, strategies as S

__all__ = ["Statement", "FALSE_STATEMENTS", "TRUE_STATEMENTS", "STATEMENTS", "statement", "UnknownStatementError"]

HALF = Fraction(1, 2)


@dataclass(frozen=True)
class Statement:
    """One benchmark statement: the claim, whether it is true, and the evidence for its truth value.

    ``topic`` names the part of the theory it exercises; ``why`` says why it is true (a proof sketch) or why
    the counterexample breaks it; ``counterexample`` (false statements) is an instance violating it, decided
    in ``decide_in``; ``tight`` (true statements) is an instance on which it holds with little or no slack.

    >>> s = statement("pinsker")
    >>> s.true, s.topic, s.claim.evaluate(s.tight, s.decide_in).holds
    (True, 'distributions', True)
    """

    claim: Claim
    true: bool
    topic: str
    why: str
    counterexample: dict | None = None
    tight: dict | None = None
    decide_in: str = "exact"

    @property
    def id(self) -> str:
        """The claim's id.

        >>> statement("tvd-at-most-kl").id
        'tvd-at-most-kl'
        """
        return self.claim.id


# ---------------------------------------------------------------------------------------------------------------
# Strategies a user would write (composites over the exported strategies)
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def _same_size_pair(draw, semi=False):
    """Two (semi-)distributions over one alphabet of 2 or 3 outcomes."""
    n = draw(st.integers(2, 3))
    return {"p": draw(S.distributions(n, semi=semi)), "q": draw(S.distributions(n, semi=semi))}


@st.composite
def _acting_semi_pair(draw):
    """Two semi-distributions over two actions, each acting with positive probability (so they normalize)."""
    acting = S.distributions(2, semi=True).filter(lambda p: sum(p) > 0)
    return {"p": draw(acting), "q": draw(acting)}


@st.composite
def _agent_world(draw):
    """π, β and μ over two actions and two observations (at most two states each), and a horizon of 1 or 2."""
    policies = S.finite_state_policies(n_actions=2, n_observations=2, max_states=2)
    return {
        "pi": draw(policies),
        "beta": draw(policies),
        "env": draw(S.finite_state_environments(n_actions=2, n_observations=2, max_states=2)),
        "horizon": draw(st.integers(1, 2)),
    }


@st.composite
def _action_blind_world(draw):
    """Like :func:`_agent_world`, but μ's observations never depend on the actions: each state has one
    observation law (copied across actions) and moves on the observation alone."""
    x = draw(_agent_world())
    n_states = draw(st.integers(1, 2))
    rows = [list(draw(S.distributions(2))) for _ in range(n_states)]
    moves = [[draw(st.integers(0, n_states - 1)) for _ in range(2)] for _ in range(n_states)]
    x["env"] = theory.FiniteStateEnvironment(
        [[row, row] for row in rows], [[moves[s], moves[s]] for s in range(n_states)]
    )
    return x


def _iid_mixtures(**kw):
    """Mixtures of 2–3 i.i.d. policies over two actions (sequence prediction)."""
    return S.mixtures(n_actions=2, n_observations=1, min_components=2, max_components=3, max_states=1, **kw)


@st.composite
def _mixture_and_next_action(draw):
    """A mixture of i.i.d. policies and a first action it gives positive probability."""
    xi = draw(_iid_mixtures())
    probs = xi.probs(arith="exact")
    return {"xi": xi, "action": draw(st.sampled_from([a for a in range(2) if probs[a] > 0]))}


@st.composite
def _mixture_history_alpha(draw):
    """A mixture of i.i.d. policies, a history of length ≤ 2 it can produce, and a top-set parameter α."""
    xi = draw(_iid_mixtures())
    return {"xi": xi, "history": draw(S.histories(xi, max_length=2)), "alpha": draw(S.alphas())}


@st.composite
def _component_and_world(draw):
    """A mixture ξ of 2–3 finite-state policies (≤ 2 states), a component index i, μ and a horizon of 1–2."""
    xi = draw(S.mixtures(n_actions=2, n_observations=2, min_components=2, max_components=3, max_states=2))
    return {
        "xi": xi,
        "i": draw(st.integers(0, len(xi) - 1)),
        "env": draw(S.finite_state_environments(n_actions=2, n_observations=2, max_states=2)),
        "horizon": draw(st.integers(1, 2)),
    }


@st.composite
def _mixture_with_history(draw):
    """A mixture of finite-state policies over two actions and two observations, and a history it can produce."""
    xi = draw(S.mixtures(n_actions=2, n_observations=2, min_components=2, max_components=3, max_states=2))
    return {"xi": xi, "history": draw(S.histories(xi, max_length=2))}


@st.composite
def _regularization_problem(draw):
    """β, μ, a mean-reward utility over two actions and two observations, a horizon of 1–2 and λ."""
    return {
        "beta": draw(S.finite_state_policies(n_actions=2, n_observations=2, max_states=2)),
        "env": draw(S.finite_state_environments(n_actions=2, n_observations=2, max_states=2)),
        "utility": draw(S.mean_rewards(n_actions=2, n_observations=2)),
        "horizon": draw(st.integers(1, 2)),
        "temperature": draw(S.temperatures()),
    }


# ---------------------------------------------------------------------------------------------------------------
# Hand-written worlds (for counterexamples and tight instances)
# ---------------------------------------------------------------------------------------------------------------
def _fair(n_observations=1):
    return theory.FiniteStatePolicy.iid([HALF, HALF], n_observations=n_observations)


def _constant(action, n_observations=1):
    return theory.FiniteStatePolicy.constant(action, n_actions=2, n_observations=n_observations)


#: μ echoes the action: observation = action, surely.
_ECHO = theory.FiniteStateEnvironment([[[1, 0], [0, 1]]], [[[0, 0], [0, 0]]])
#: π plays (½, ½); if the observation equals its action it plays action 0 from then on, else (½, ½) again.
_ECHO_SEEKER = theory.FiniteStatePolicy([[HALF, HALF], [1, 0]], [[[1, 0], [0, 1]], [[1, 1], [1, 1]]])
#: π plays (½, ½) first and action 0 from then on, whatever it sees.
_FAIR_THEN_ZERO = theory.FiniteStatePolicy([[HALF, HALF], [1, 0]], [[[1, 1], [1, 1]], [[1, 1], [1, 1]]])
#: μ shows observation 0 at the first step and observation 1 from then on, whatever the agent does.
_GOOD_THEN_BAD = theory.FiniteStateEnvironment(
    [[[1, 0], [1, 0]], [[0, 1], [0, 1]]], [[[1, 1], [1, 1]], [[1, 1], [1, 1]]]
)


# ---------------------------------------------------------------------------------------------------------------
# False statements (each with a hand-written counterexample)
# ---------------------------------------------------------------------------------------------------------------
def _ln(arith, x):
    return arith.log(arith.convert(x))


def _normalized(p):
    total = sum(p)
    return tuple(x / total for x in p)


_false = []

_false.append(
    Statement(
        Claim(
            id="expected-kl-within-definition-2",
            title="expected trajectory KL ≤ Definition 2's worst case",
            statement="KL^μ_m(π‖β) ≤ max over observation sequences of the action-sequence KL (Def. 2), for all μ.",
            given=_agent_world(),
            lhs=lambda x, arith: theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: theory.worst_case_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith),
        ),
        False,
        "trajectories",
        "Definition 2 holds the observations fixed in advance; a reactive μ can make them follow the actions. μ echoes "
        "the action, π plays (½, ½) then action 0 once the observation matched its action: expected KL = ln 2, while "
        "for any fixed o₁ only half of π's first actions match it: Definition 2 = ½ ln 2.",
        counterexample={"pi": _ECHO_SEEKER, "beta": _fair(2), "env": _ECHO, "horizon": 2},
    )
)

_false.append(
    Statement(
        Claim(
            id="definition-2-at-most-twice-expected",
            title="Definition 2's worst case ≤ 2 × the expected KL",
            statement="The tutorial's opening conjecture: WC_m(π‖β) ≤ 2·KL^μ_m(π‖β) for all π, β, μ and m.",
            given=_agent_world(),
            lhs=lambda x, arith: theory.worst_case_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: 2 * theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith),
        ),
        False,
        "trajectories",
        "Definition 2 ignores μ: if μ never shows observation 1 and β departs from π only after it, the expected KL "
        "is 0 and the worst case is whatever β does there — ∞ when it gives π's action probability 0.",
        counterexample={
            "pi": _constant(1, 2),
            "beta": theory.FiniteStatePolicy([[0, 1], [1, 0]], [[[0, 1], [0, 1]], [[1, 1], [1, 1]]]),
            "env": theory.FiniteStateEnvironment([[[1, 0], [1, 0]]], [[[0, 0], [0, 0]]]),
            "horizon": 2,
        },
    )
)

_false.append(
    Statement(
        Claim(
            id="pinsker-constant-2.002",
            title="TVD ≤ sqrt(KL / (2·1.001)): Pinsker with a constant just too strong",
            given={"p": S.distributions(2), "q": S.distributions(2)},
            lhs=lambda x, arith: theory.tvd(x["p"], x["q"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: arith.sqrt(theory.kl(x["p"], x["q"], arith=arith) / (2 * Fraction(1001, 1000))),
        ),
        False,
        "distributions",
        "Pinsker's 2 is sharp as p → q = (½, ½): KL = 2ε² + (4/3)ε⁴ + O(ε⁶) at TVD ε, so 2.002 fails for ε below "
        "about 0.04; the margin is at most about −7e-6 (at ε ≈ 0.022; ε = 1/40 here).",
        counterexample={"p": (Fraction(21, 40), Fraction(19, 40)), "q": (HALF, HALF)},
    )
)

_false.append(
    Statement(
        Claim(
            id="kl-symmetric",
            title="KL(p‖q) = KL(q‖p)",
            given=_same_size_pair(),
            lhs=lambda x, arith: theory.kl(x["p"], x["q"], arith=arith),
            relation="==",
            rhs=lambda x, arith: theory.kl(x["q"], x["p"], arith=arith),
        ),
        False,
        "distributions",
        "KL((½, ½)‖(¼, ¾)) = ½ ln(4/3) ≈ 0.144 but KL((¼, ¾)‖(½, ½)) = ¼ ln ½ + ¾ ln(3/2) ≈ 0.131.",
        counterexample={"p": (HALF, HALF), "q": (Fraction(1, 4), Fraction(3, 4))},
    )
)

_false.append(
    Statement(
        Claim(
            id="tvd-at-most-kl",
            title="TVD(p, q) ≤ KL(p‖q)",
            given=_same_size_pair(),
            lhs=lambda x, arith: theory.tvd(x["p"], x["q"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: theory.kl(x["p"], x["q"], arith=arith),
        ),
        False,
        "distributions",
        "Near p = q the KL is quadratic and the TVD linear: TVD((½, ½), (¼, ¾)) = ¼ > ½ ln(4/3) ≈ 0.144.",
        counterexample={"p": (HALF, HALF), "q": (Fraction(1, 4), Fraction(3, 4))},
    )
)

_false.append(
    Statement(
        Claim(
            id="abstaining-only-adds-divergence",
            title="KL of the renormalized action laws ≤ KL of the semi-distributions (⊥ included)",
            given=_acting_semi_pair(),
            lhs=lambda x, arith: theory.kl(_normalized(x["p"]), _normalized(x["q"]), arith=arith),
            relation="<=",
            rhs=lambda x, arith: theory.kl(x["p"], x["q"], arith=arith),
        ),
        False,
        "semi-distributions",
        "By the chain rule KL(p‖q) = KL(Bern|p| ‖ Bern|q|) + |p|·KL(p̂‖q̂): the renormalized KL is scaled by the acting "
        "mass |p|. p = (½, 0), q = (¼, ¼), both abstaining ½: KL(p‖q) = ½ ln 2 < KL(p̂‖q̂) = ln 2.",
        counterexample={"p": (HALF, Fraction(0)), "q": (Fraction(1, 4), Fraction(1, 4))},
    )
)

_false.append(
    Statement(
        Claim(
            id="definition-2-at-most-horizon-times-one-step",
            title="Definition 2 over two steps ≤ 2 × Definition 2 over one step",
            given=_agent_world(),
            lhs=lambda x, arith: theory.worst_case_kl(x["pi"], x["beta"], x["env"], 2, arith=arith),
            relation="<=",
            rhs=lambda x, arith: 2 * theory.worst_case_kl(x["pi"], x["beta"], x["env"], 1, arith=arith),
        ),
        False,
        "trajectories",
        "Only i.i.d. policies spread their divergence evenly: π = (½, ½) then action 0, against a fair β, agrees with β "
        "at the first step (0) and costs ln 2 at the second.",
        counterexample={"pi": _FAIR_THEN_ZERO, "beta": _fair(2), "env": _ECHO, "horizon": 2},
    )
)

_false.append(
    Statement(
        Claim(
            id="trajectory-tvd-at-most-horizon-times-first-step",
            title="trajectory TVD over two steps ≤ 2 × TVD of the first action laws",
            given=_agent_world(),
            lhs=lambda x, arith: theory.trajectory_tvd(x["pi"], x["beta"], x["env"], 2, arith=arith),
            relation="<=",
            rhs=lambda x, arith: 2 * theory.tvd(x["pi"].probs(arith=arith), x["beta"].probs(arith=arith), arith=arith),
        ),
        False,
        "trajectories",
        "The first step says nothing about later ones: π = (½, ½) then action 0 against a fair β has first-step TVD 0 "
        "and trajectory TVD ½ (β plays action 1 at the second step half the time).",
        counterexample={"pi": _FAIR_THEN_ZERO, "beta": _fair(2), "env": _ECHO, "horizon": 2},
    )
)

_false.append(
    Statement(
        Claim(
            id="longer-horizon-never-hurts",
            title="V*_μ over two steps ≥ V*_μ over one step (mean reward)",
            given={
                "env": S.finite_state_environments(n_actions=2, n_observations=2, max_states=2),
                "utility": S.mean_rewards(n_actions=2, n_observations=2),
            },
            lhs=lambda x, arith: theory.optimal_value(x["env"], x["utility"], 2, arith=arith),
            relation=">=",
            rhs=lambda x, arith: theory.optimal_value(x["env"], x["utility"], 1, arith=arith),
        ),
        False,
        "values",
        "A mean reward averages over the horizon: if the first step is rewarded and every later one is not, "
        "V* falls from 1 to ½.",
        counterexample={"env": _GOOD_THEN_BAD, "utility": theory.MeanReward([[1, 0], [1, 0]])},
    )
)

_false.append(
    Statement(
        Claim(
            id="mixture-no-farther-than-nearest-component",
            title="KL(π‖ξ) ≤ min_i KL(π‖ν_i) for the next action",
            given={"pi": S.distributions(2), "xi": _iid_mixtures()},
            lhs=lambda x, arith: theory.kl(x["pi"], x["xi"].probs(arith=arith), arith=arith),
            relation="<=",
            rhs=lambda x, arith: min(theory.kl(x["pi"], c.probs(arith=arith), arith=arith) for c in x["xi"].components),
        ),
        False,
        "mixtures",
        "Convexity bounds KL(π‖ξ) by the posterior *average* of KL(π‖ν_i), not the minimum: π = ν₀ = action 0 and "
        "ν₁ = action 1 with prior (½, ½) give KL(π‖ξ) = ln 2 > 0.",
        counterexample={
            "pi": (Fraction(1), Fraction(0)),
            "xi": theory.BayesianMixture([_constant(0), _constant(1)], [HALF, HALF]),
        },
    )
)


def _leader(xi) -> int:
    """The component of largest prior (the smallest index among ties)."""
    return max(range(len(xi)), key=lambda i: (xi.prior[i], -i))


_false.append(
    Statement(
        Claim(
            id="leader-posterior-never-decreases",
            title="the posterior of the a-priori most likely component never decreases",
            given=_mixture_and_next_action(),
            lhs=lambda x, arith: x["xi"].posterior(((x["action"], 0),), arith=arith)[_leader(x["xi"])],
            relation=">=",
            rhs=lambda x, arith: x["xi"].posterior((), arith=arith)[_leader(x["xi"])],
        ),
        False,
        "posteriors",
        "w_i(ha) = w_i(h)·ν_i(a)/ξ(a) falls whenever ν_i(a) < ξ(a), leader or not: fair (prior ⅔) and "
        "always-0 (prior ⅓), action 0: the fair component falls from ⅔ to ½.",
        counterexample={
            "xi": theory.BayesianMixture([_fair(), _constant(0)], [Fraction(2, 3), Fraction(1, 3)]),
            "action": 0,
        },
    )
)

_false.append(
    Statement(
        Claim(
            id="top-set-keeps-largest-prior",
            title="the top set always contains the component of largest prior",
            given=_mixture_history_alpha(),
            lhs=lambda x, arith: int(
                _leader(x["xi"]) in theory.top_set(x["xi"], x["history"], x["alpha"], arith=arith)
            ),
            relation="==",
            rhs=lambda x, arith: 1,
        ),
        False,
        "imitation",
        "The top set is ranked by the posterior, not the prior: always-0 (prior ⅔) and always-1 (prior ⅓) after "
        "action 1 leave only always-1.",
        counterexample={
            "xi": theory.BayesianMixture([_constant(0), _constant(1)], [Fraction(2, 3), Fraction(1, 3)]),
            "history": ((1, 0),),
            "alpha": Fraction(1),
        },
    )
)

_false.append(
    Statement(
        Claim(
            id="imitator-abstains-at-most-one-minus-alpha",
            title="the pessimistic imitator abstains with probability at most 1 − α",
            given=_mixture_history_alpha(),
            lhs=lambda x, arith: theory.PessimisticImitator(x["xi"], x["alpha"]).abstain(x["history"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: 1 - arith.convert(x["alpha"]),
        ),
        False,
        "imitation",
        "α sets who is plausible, not how much is left to ⊥: two plausible components that never agree (always-0, "
        "always-1, equal weights, α = ½) leave nothing to play: θ = 1 > ½.",
        counterexample={
            "xi": theory.BayesianMixture([_constant(0), _constant(1)], [HALF, HALF]),
            "history": (),
            "alpha": HALF,
        },
    )
)

_false.append(
    Statement(
        Claim(
            id="regularized-optimum-within-lambda-ln-2",
            title="V of the KL-regularized optimum ≥ V* − λ ln 2 (two actions)",
            given=_regularization_problem(),
            lhs=lambda x, arith: (
                theory.kl_regularized_policy(
                    x["beta"], x["env"], x["utility"], x["horizon"], x["temperature"], arith=arith
                ).value
            ),
            relation=">=",
            rhs=lambda x, arith: (
                theory.optimal_value(x["env"], x["utility"], x["horizon"], arith=arith)
                - arith.convert(x["temperature"]) * _ln(arith, 2)
            ),
        ),
        False,
        "regularized optima",
        "λ ln|A| is the price against a *uniform* β; against β the optimum loses up to λ ln(1/β(a*)) per step: "
        "β = (999/1000, 1/1000), reward on action 1, λ = 1 gives V ≈ 0.0027 < 1 − ln 2 ≈ 0.307.",
        counterexample={
            "beta": theory.FiniteStatePolicy.iid([Fraction(999, 1000), Fraction(1, 1000)], n_observations=2),
            "env": theory.FiniteStateEnvironment([[[1, 0], [1, 0]]], [[[0, 0], [0, 0]]]),
            "utility": theory.MeanReward([[0, 0], [1, 1]]),
            "horizon": 1,
            "temperature": Fraction(1),
        },
    )
)

_false.append(
    Statement(
        Claim(
            id="tvd-at-most-kl-plus-0.1233",
            title="TVD(p, q) ≤ KL(p‖q) + 0.1233",
            statement="TVD exceeds KL by at most 0.1233 (the largest excess over all fractions of denominator ≤ 12 "
            "is 0.123206, at p = (2/3, 1/3), q = (3/7, 4/7)).",
            given=_same_size_pair(),
            lhs=lambda x, arith: theory.tvd(x["p"], x["q"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: theory.kl(x["p"], x["q"], arith=arith) + Fraction(1233, 10000),
        ),
        False,
        "distributions",
        "The supremum of TVD − KL is attained at an interior point, p ≈ (0.33870, 0.66130), q ≈ (0.58198, 0.41802), "
        "where it is 0.1233016 (merging outcomes keeps the TVD and lowers the KL, so two outcomes attain it); no "
        "simple fraction is close enough: the margin is about −1.6e-6.",
        counterexample={
            "p": (Fraction(3387, 10000), Fraction(6613, 10000)),
            "q": (Fraction(291, 500), Fraction(209, 500)),
        },
    )
)

_false.append(
    Statement(
        Claim(
            id="trajectory-pinsker-constant-2.002",
            title="trajectory TVD ≤ sqrt(KL^μ / (2·1.001)) over one or two steps",
            given=_agent_world(),
            lhs=lambda x, arith: theory.trajectory_tvd(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: arith.sqrt(
                theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith)
                / (2 * Fraction(1001, 1000))
            ),
        ),
        False,
        "trajectories",
        "Pinsker's 2 is sharp for trajectory laws too: one step of an i.i.d. π = (21/40, 19/40) against a fair β is "
        "the distribution case (margin about −7e-6).",
        counterexample={
            "pi": theory.FiniteStatePolicy.iid([Fraction(21, 40), Fraction(19, 40)], n_observations=2),
            "beta": _fair(2),
            "env": _ECHO,
            "horizon": 1,
        },
    )
)


@st.composite
def _mixture_after_data(draw):
    """A mixture of 2–3 finite-state policies (≤ 2 states) in sequence prediction, a component index, a history
    of length ≤ 2 the mixture can produce, and a horizon of 1–2."""
    xi = draw(S.mixtures(n_actions=2, n_observations=1, min_components=2, max_components=3, max_states=2))
    return {
        "xi": xi,
        "i": draw(st.integers(0, len(xi) - 1)),
        "env": theory.sequence_environment(2),
        "history": draw(S.histories(xi, max_length=2)),
        "horizon": draw(st.integers(1, 2)),
    }


_false.append(
    Statement(
        Claim(
            id="dominance-with-the-prior-after-data",
            title="KL^μ_{h,m}(ν_i‖ξ) ≤ ln(1/w_i) with the prior w_i, at any history h",
            given=_mixture_after_data(),
            lhs=lambda x, arith: theory.trajectory_kl(
                x["xi"].components[x["i"]], x["xi"], x["env"], x["horizon"], x["history"], arith=arith
            ),
            relation="<=",
            rhs=lambda x, arith: _ln(arith, 1 / x["xi"].posterior((), arith="exact")[x["i"]]),
        ),
        False,
        "mixtures",
        "The bound holds with the posterior w_i(h), which data can lower below the prior. ν₀ plays (¼, ¾) then 0, "
        "ν₁ plays (¾, ¼) then 1, prior (½, ½); after action 0, w₀(h) = ¼ and ν₀'s next action costs "
        "ln 4 > ln 2.",
        counterexample={
            "xi": theory.BayesianMixture(
                [
                    theory.FiniteStatePolicy([[Fraction(1, 4), Fraction(3, 4)], [1, 0]], [[[1], [1]], [[1], [1]]]),
                    theory.FiniteStatePolicy([[Fraction(3, 4), Fraction(1, 4)], [0, 1]], [[[1], [1]], [[1], [1]]]),
                ],
                [HALF, HALF],
            ),
            "i": 0,
            "env": theory.sequence_environment(2),
            "history": ((0, 0),),
            "horizon": 1,
        },
    )
)


def _regularized(x, arith):
    return theory.kl_regularized_policy(x["beta"], x["env"], x["utility"], x["horizon"], x["temperature"], arith=arith)


_false.append(
    Statement(
        Claim(
            id="regularized-gain-within-pinsker-2.002",
            title="(V(π_λ) − V(β))² ≤ KL^μ(π_λ‖β) / (2·1.001) for the KL-regularized optimum π_λ",
            statement="The gain of the regularized optimum over β is at most sqrt(KL/(2·1.001)); squared, because a "
            "float KL of π_λ = β can come out a rounding below 0 (the gain is never negative).",
            given=_regularization_problem(),
            lhs=lambda x, arith: (
                (
                    _regularized(x, arith).value
                    - theory.value(x["beta"], x["env"], x["utility"], x["horizon"], arith=arith)
                )
                ** 2
            ),
            relation="<=",
            rhs=lambda x, arith: _regularized(x, arith).kl_spent / (2 * Fraction(1001, 1000)),
        ),
        False,
        "regularized optima",
        "The gain is at most the trajectory TVD (utilities lie in [0, 1]), which Pinsker bounds by sqrt(KL/2) — "
        "sharply: a fair β, reward 1 for action 1 and λ = 10 tilt β by only 0.025, where both steps are nearly tight "
        "(squared margin about −3.6e-7).",
        counterexample={
            "beta": _fair(2),
            "env": theory.FiniteStateEnvironment([[[1, 0], [1, 0]]], [[[0, 0], [0, 0]]]),
            "utility": theory.MeanReward([[0, 0], [1, 1]]),
            "horizon": 1,
            "temperature": Fraction(10),
        },
    )
)

# ---------------------------------------------------------------------------------------------------------------
# True statements (each with the reason it holds and a tight instance)
# ---------------------------------------------------------------------------------------------------------------
_true = []

_true.append(
    Statement(
        Claim(
            id="pinsker",
            title="TVD ≤ sqrt(KL/2) (Pinsker)",
            given=_same_size_pair(),
            lhs=lambda x, arith: theory.tvd(x["p"], x["q"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: arith.sqrt(theory.kl(x["p"], x["q"], arith=arith) / 2),
        ),
        True,
        "distributions",
        "Pinsker's inequality (e.g. Cover & Thomas, Lemma 11.6.1); equality at p = q.",
        tight={"p": (Fraction(501, 1000), Fraction(499, 1000)), "q": (HALF, HALF)},
    )
)

_true.append(
    Statement(
        Claim(
            id="semi-kl-nonnegative",
            title="KL(p‖q) ≥ 0 for semi-distributions (⊥ as an outcome)",
            given=_same_size_pair(semi=True),
            lhs=lambda x, arith: theory.kl(x["p"], x["q"], arith=arith),
            relation=">=",
            rhs=lambda x, arith: 0,
        ),
        True,
        "semi-distributions",
        "With ⊥ carrying the missing mass both are distributions on A ∪ {⊥}: Gibbs' inequality; equality iff p = q.",
        tight={"p": (Fraction(1, 4), Fraction(1, 4)), "q": (Fraction(1, 4), Fraction(1, 4))},
    )
)

_true.append(
    Statement(
        Claim(
            id="semi-kl-chain-rule-bound",
            title="KL(p‖q) ≥ |p|·KL(p̂‖q̂) for acting semi-distributions",
            given=_acting_semi_pair(),
            lhs=lambda x, arith: theory.kl(x["p"], x["q"], arith=arith),
            relation=">=",
            rhs=lambda x, arith: (
                arith.convert(sum(x["p"])) * theory.kl(_normalized(x["p"]), _normalized(x["q"]), arith=arith)
            ),
        ),
        True,
        "semi-distributions",
        "Chain rule over 'act or ⊥' then the action: KL(p‖q) = KL(Bern|p| ‖ Bern|q|) + |p|·KL(p̂‖q̂), and the first "
        "term is ≥ 0 (Gibbs); equality when the acting masses agree.",
        tight={"p": (HALF, Fraction(0)), "q": (Fraction(1, 4), Fraction(1, 4))},
    )
)

_true.append(
    Statement(
        Claim(
            id="one-step-trajectory-kl-is-row-kl",
            title="KL^μ over one step = KL of the first action laws",
            given=_agent_world(),
            lhs=lambda x, arith: theory.trajectory_kl(x["pi"], x["beta"], x["env"], 1, arith=arith),
            relation="==",
            rhs=lambda x, arith: theory.kl(x["pi"].probs(arith=arith), x["beta"].probs(arith=arith), arith=arith),
        ),
        True,
        "trajectories",
        "Over one step the trajectory is (a₁, o₁) and o₁'s law is μ's under both policies: the log ratio is "
        "ln π(a₁)/β(a₁), whose π-expectation is the KL of the first rows.",
        tight={"pi": _ECHO_SEEKER, "beta": _fair(2), "env": _ECHO, "horizon": 1},
    )
)

_true.append(
    Statement(
        Claim(
            id="definition-2-bounds-expected-kl-for-action-blind-worlds",
            title="expected KL ≤ Definition 2 when μ's observations ignore the actions",
            given=_action_blind_world(),
            lhs=lambda x, arith: theory.trajectory_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith),
            relation="<=",
            rhs=lambda x, arith: theory.worst_case_kl(x["pi"], x["beta"], x["env"], x["horizon"], arith=arith),
        ),
        True,
        "trajectories",
        "If μ's observations do not depend on the actions, P(o_{1:m}) is the same whatever is played, so "
        "KL^μ = Σ_o P(o)·KL(π(·‖o)‖β(·‖o)) — an average of the quantities Definition 2 maximizes.",
        tight={
            "pi": _ECHO_SEEKER,
            "beta": _fair(2),
            "horizon": 2,
            "env": theory.FiniteStateEnvironment([[[1, 0], [1, 0]]], [[[0, 0], [0, 0]]]),
        },
    )
)

_true.append(
    Statement(
        Claim(
            id="mixture-dominance-from-the-prior",
            title="KL^μ_m(ν_i‖ξ) ≤ ln(1/w_i) from the empty history",
            given=_component_and_world(),
            lhs=lambda x, arith: theory.trajectory_kl(
                x["xi"].components[x["i"]], x["xi"], x["env"], x["horizon"], arith=arith
            ),
            relation="<=",
            rhs=lambda x, arith: _ln(arith, 1 / x["xi"].posterior((), arith="exact")[x["i"]]),
        ),
        True,
        "mixtures",
        "ξ(a_{1:m}‖o) ≥ w_i·ν_i(a_{1:m}‖o) on every trajectory (drop the other terms), so the log ratio is at most "
        "ln(1/w_i) pointwise, hence in expectation. w_i is the normalized prior (the posterior at the empty history). "
        "Equality for disjoint components.",
        tight={
            "xi": theory.BayesianMixture([_constant(0, 2), _constant(1, 2)], [HALF, Fraction(1, 4)]),
            "i": 1,
            "env": _ECHO,
            "horizon": 2,
        },
    )
)

_true.append(
    Statement(
        Claim(
            id="predictive-between-components",
            title="min_i ν_i(a|h) ≤ ξ(a|h) ≤ max_i ν_i(a|h)",
            given=_mixture_with_history(),
            parts=lambda x, arith: [
                Part(f"{side} action {a}", lhs, rel, rhs)
                for a in range(2)
                for side, lhs, rel, rhs in [
                    (
                        "lower",
                        x["xi"].probs(x["history"], arith=arith)[a],
                        ">=",
                        min(c.probs(x["history"], arith=arith)[a] for c in x["xi"].components),
                    ),
                    (
                        "upper",
                        x["xi"].probs(x["history"], arith=arith)[a],
                        "<=",
                        max(c.probs(x["history"], arith=arith)[a] for c in x["xi"].components),
                    ),
                ]
            ],
        ),
        True,
        "mixtures",
        "ξ(a|h) = Σ_i w_i(h)·ν_i(a|h) is a convex combination (the posterior sums to 1); equality once the data "
        "rule out all components but one (here action 1 rules out always-0).",
        tight={"xi": theory.BayesianMixture([_fair(2), _constant(0, 2)], [HALF, HALF]), "history": ((1, 1),)},
    )
)

_true.append(
    Statement(
        Claim(
            id="posterior-martingale",
            title="E_{a∼ξ(·|h)} w_i(ha) = w_i(h)",
            given=_mixture_with_history(),
            parts=lambda x, arith: [
                Part(
                    f"component {i}",
                    sum(
                        x["xi"].probs(x["history"], arith=arith)[a]
                        * x["xi"].posterior(x["history"] + ((a, 0),), arith=arith)[i]
                        for a in range(2)
                        if x["xi"].probs(x["history"], arith="exact")[a] > 0
                    ),
                    "==",
                    x["xi"].posterior(x["history"], arith=arith)[i],
                )
                for i in range(len(x["xi"]))
            ],
        ),
        True,
        "posteriors",
        "ξ(a|h)·w_i(ha) = w_i(h)·ν_i(a|h) (Bayes), and Σ_a ν_i(a|h) = 1 for components that never abstain "
        "(the default draws).",
        tight={"xi": theory.BayesianMixture([_fair(2), _constant(0, 2)], [HALF, HALF]), "history": ((0, 1),)},
    )
)

_true.append(
    Statement(
        Claim(
            id="value-gap-at-most-trajectory-tvd",
            title="|V^π_μ − V^β_μ| ≤ TVD(P^{π,μ}, P^{β,μ})",
            given={"world": _agent_world(), "utility": S.mean_rewards(n_actions=2, n_observations=2)},
            lhs=lambda x, arith: abs(
                theory.value(x["world"]["pi"], x["world"]["env"], x["utility"], x["world"]["horizon"], arith=arith)
                - theory.value(x["world"]["beta"], x["world"]["env"], x["utility"], x["world"]["horizon"], arith=arith)
            ),
            relation="<=",
            rhs=lambda x, arith: theory.trajectory_tvd(
                x["world"]["pi"], x["world"]["beta"], x["world"]["env"], x["world"]["horizon"], arith=arith
            ),
        ),
        True,
        "values",
        "|E_P U − E_Q U| ≤ TVD(P, Q)·(sup U − inf U) and U takes values in [0, 1]; equality for U the indicator "
        "of the set where P > Q.",
        tight={
            "world": {"pi": _constant(0, 2), "beta": _constant(1, 2), "env": _ECHO, "horizon": 1},
            "utility": theory.MeanReward([[1, 1], [0, 0]]),
        },
    )
)

_true.append(
    Statement(
        Claim(
            id="regularized-optimum-beats-base",
            title="V of the KL-regularized optimum ≥ V of β",
            given=_regularization_problem(),
            lhs=lambda x, arith: (
                theory.kl_regularized_policy(
                    x["beta"], x["env"], x["utility"], x["horizon"], x["temperature"], arith=arith
                ).value
            ),
            relation=">=",
            rhs=lambda x, arith: theory.value(x["beta"], x["env"], x["utility"], x["horizon"], arith=arith),
        ),
        True,
        "regularized optima",
        "β itself is a candidate with KL 0, so V(π_λ) − λ·KL(π_λ‖β) ≥ V(β), and KL ≥ 0. Equality when every action "
        "is equally good.",
        tight={
            "beta": _fair(2),
            "env": _ECHO,
            "utility": theory.MeanReward([[HALF, HALF], [HALF, HALF]]),
            "horizon": 1,
            "temperature": Fraction(1),
        },
        decide_in="exact",
    )
)

_true.append(
    Statement(
        Claim(
            id="true-component-gains-in-expectation",
            title="E_{a∼ν_i(·|h)} w_i(ha) ≥ w_i(h)",
            given=_mixture_with_history(),
            parts=lambda x, arith: [
                Part(
                    f"component {i}",
                    sum(
                        c.probs(x["history"], arith=arith)[a]
                        * x["xi"].posterior(x["history"] + ((a, 0),), arith=arith)[i]
                        for a in range(2)
                        if x["xi"].probs(x["history"], arith="exact")[a] > 0
                    ),
                    ">=",
                    x["xi"].posterior(x["history"], arith=arith)[i],
                )
                for i, c in enumerate(x["xi"].components)
            ],
        ),
        True,
        "posteriors",
        "w_i(ha) = w_i(h)·ν_i(a|h)/ξ(a|h), so the left side is w_i(h)·Σ_a ν_i(a|h)²/ξ(a|h) ≥ w_i(h)·(Σ_a ν_i(a|h))²/Σ_a "
        "ξ(a|h) ≥ w_i(h) by Cauchy–Schwarz (ν_i sums to 1 on ξ's support when w_i(h) > 0; both sides are 0 "
        "otherwise). Equality iff ν_i = ξ at h.",
        tight={"xi": theory.BayesianMixture([_fair(2), _fair(2)], [HALF, Fraction(1, 4)]), "history": ((0, 1),)},
    )
)


@st.composite
def _agent_and_imitator(draw):
    """An action law π over two actions, a mixture of finite-state policies, α, and a history the mixture can
    produce."""
    xi = draw(S.mixtures(n_actions=2, n_observations=2, min_components=2, max_components=3, max_states=2))
    return {
        "pi": draw(S.distributions(2)),
        "xi": xi,
        "alpha": draw(S.alphas()),
        "history": draw(S.histories(xi, max_length=2)),
    }


_true.append(
    Statement(
        Claim(
            id="imitator-costs-at-least-any-plausible-model",
            title="KL(π‖ν_α(·|h)) ≥ KL(π‖ν_i(·|h)) for every i in the top set",
            given=_agent_and_imitator(),
            parts=lambda x, arith: [
                Part(
                    f"top-set member {i}",
                    theory.kl(
                        x["pi"],
                        theory.PessimisticImitator(x["xi"], x["alpha"]).probs(x["history"], arith=arith),
                        arith=arith,
                    ),
                    ">=",
                    theory.kl(x["pi"], x["xi"].components[i].probs(x["history"], arith=arith), arith=arith),
                )
                for i in theory.top_set(x["xi"], x["history"], x["alpha"], arith="exact")
            ],
        ),
        True,
        "imitation",
        "ν_α(a|h) = min over the top set ≤ ν_i(a|h) for each member i, so ln(π(a)/ν_α(a|h)) ≥ ln(π(a)/ν_i(a|h)) "
        "termwise; π never abstains, so its KL to the semi-distribution ν_α is that sum (⊥ carries no π-mass). "
        "Equality when the top set is one component.",
        tight={
            "pi": (HALF, HALF),
            "xi": theory.BayesianMixture([_fair(2), _constant(0, 2)], [HALF, Fraction(1, 4)]),
            "alpha": Fraction(1),
            "history": (),
        },
    )
)

FALSE_STATEMENTS: tuple = tuple(_false)
"""The false statements, each with a hand-written counterexample."""
TRUE_STATEMENTS: tuple = tuple(_true)
"""The true statements, each with the reason it holds and a tight instance."""
STATEMENTS: tuple = FALSE_STATEMENTS + TRUE_STATEMENTS
"""All statements, false ones first."""


class UnknownStatementError(KeyError, ValueError):
    """No benchmark statement has the given id (a ValueError, and a KeyError as for a missing key).

    >>> issubclass(UnknownStatementError, ValueError)
    True
    """


def statement(id: str) -> Statement:
    """The benchmark statement with this claim id.

    >>> statement("posterior-martingale").true
    True
    >>> statement("no-such-statement")
    Traceback (most recent call last):
    ...
    tests.benchmark_statements.UnknownStatementError: "no benchmark statement 'no-such-statement'; ..."
    """
    for s in STATEMENTS:
        if s.id == id:
            return s
    raise UnknownStatementError(f"no benchmark statement {id!r}; known: {', '.join(s.id for s in STATEMENTS)}")
