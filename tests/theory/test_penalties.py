"""theory.penalties: the policy each practical KL penalty converges to, checked against the paper's optimum where
the two must agree and against the exact engine's expected gradients (a fixed point is where they vanish), each
check shown to fail on a point that is not the fixed point."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import theory
from theory import penalties as P

# A two-step world with observations: a reference that learns (a mixture), a reward that depends on both.
REF = theory.BayesianMixture(
    [
        theory.FiniteStatePolicy.iid(["1/4", "3/4"], n_observations=2),
        theory.FiniteStatePolicy.iid(["2/3", "1/3"], n_observations=2),
    ],
    ["1/2", "1/2"],
)
ENV = theory.FiniteStateEnvironment([[["3/4", "1/4"], ["1/4", "3/4"]]], [[[0, 0], [0, 0]]])
UTILITY = theory.MeanReward([[0, "1/2"], [1, 0]])
# A one-step bandit with three actions.
BANDIT = (
    theory.FiniteStatePolicy.iid(["1/2", "1/3", "1/6"]),
    theory.sequence_environment(3),
    theory.MeanReward([[0], ["1/2"], [1]]),
)

#: The regularizers whose expected gradient is ∇(V − c·KL): their fixed point is the paper's optimum.
KL_EQUIVALENT = [("k1", "reward"), ("k1", "both"), ("k3", "both"), ("full", "both")]
#: Every (estimator, placement) with an interior fixed point in the small worlds at c = 2.
INTERIOR = KL_EQUIVALENT + [("k2", "loss"), ("k2", "both"), ("k3", "loss"), ("full", "loss")]


def _histories(env, horizon):
    """Every history of ``env`` before the horizon (all actions)."""
    out, frontier = [()], [()]
    for _ in range(horizon - 1):
        frontier = [
            h + ((a, o),)
            for h in frontier
            for a in range(env.n_actions)
            for o, q in enumerate(env.probs(h, a))
            if q > 0
        ]
        out += frontier
    return out


def _largest_difference(policy, other, env, horizon):
    return max(float(np.abs(policy.probs(h) - other.probs(h)).max()) for h in _histories(env, horizon))


def _residual(policy, base, env, utility, horizon, c, estimator, placement):
    """The exact engine's expected gradient of V − c·penalty at ``policy``, one logit vector per history."""
    soft = theory.tabular_softmax(policy, env, horizon)
    grad = theory.value_gradient(soft, env, utility, horizon)
    moments = theory.estimator_moments(soft, base, env, horizon, estimator=estimator, placement=placement)
    return grad - c * moments.expected_gradient, moments


# -- the paper's optimum -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("estimator, placement", KL_EQUIVALENT)
@pytest.mark.parametrize("c", [0.2, 1, 3])
def test_the_kl_equivalent_regularizers_converge_to_the_papers_optimum(estimator, placement, c):
    fp = theory.practical_fixed_point(REF, ENV, UTILITY, 2, c, estimator=estimator, placement=placement)
    paper = theory.kl_regularized_policy(REF, ENV, UTILITY, 2, c)
    assert fp.converged and not fp.boundary
    assert _largest_difference(fp.policy, paper.policy, ENV, 2) < 1e-9
    assert fp.value == pytest.approx(paper.value, abs=1e-9)
    assert fp.kl_spent == pytest.approx(paper.kl_spent, abs=1e-9)
    assert fp.penalty == pytest.approx(paper.kl_spent, abs=1e-9)  # each is unbiased for the KL on-policy


@pytest.mark.parametrize("estimator, placement", [("k2", "loss"), ("full", "loss"), ("k3", "loss")])
def test_the_other_regularizers_do_not(estimator, placement):
    fp = theory.practical_fixed_point(REF, ENV, UTILITY, 2, 0.1, estimator=estimator, placement=placement)
    paper = theory.kl_regularized_policy(REF, ENV, UTILITY, 2, 0.1)
    assert fp.converged and not fp.boundary
    assert _largest_difference(fp.policy, paper.policy, ENV, 2) > 1e-3


def test_in_the_loss_k2_and_full_are_gibbs_with_the_utility_alone_and_k3_the_reverse_kl_optimum():
    base, env, u = BANDIT
    r, q, c = np.array([1 / 2, 1 / 3, 1 / 6]), np.array([0, 1 / 2, 1]), 0.3
    gibbs = r * np.exp(q / c) / (r * np.exp(q / c)).sum()
    for estimator in ("k2", "full"):
        fp = theory.practical_fixed_point(base, env, u, 1, c, estimator=estimator, placement="loss")
        assert np.abs(fp.policy.probs() - gibbs).max() < 1e-12
    p = theory.practical_fixed_point(base, env, u, 1, c, estimator="k3", placement="loss").policy.probs()
    v = p @ q
    assert np.abs(p - c * r / (c + v - q)).max() < 1e-12


# -- fixed points: the exact engine's expected gradient vanishes there ----------------------------------------------
@pytest.mark.parametrize("estimator, placement", INTERIOR)
def test_the_expected_gradient_vanishes_at_interior_fixed_points(estimator, placement):
    c = 2
    fp = theory.practical_fixed_point(REF, ENV, UTILITY, 2, c, estimator=estimator, placement=placement)
    assert fp.converged and not fp.boundary
    residual, moments = _residual(fp.policy, REF, ENV, UTILITY, 2, c, estimator, placement)
    assert np.abs(residual).max() < 1e-7
    # The penalty is the engine's expected estimate, and the KL spent the engine's trajectory KL.
    assert fp.penalty == pytest.approx(moments.expected_estimate, abs=1e-9)
    assert fp.kl_spent == pytest.approx(theory.trajectory_kl(fp.policy, REF, ENV, 2), abs=1e-12)


@pytest.mark.parametrize("estimator, placement", [("k2", "loss"), ("k3", "loss"), ("full", "loss")])
def test_the_check_fails_away_from_the_fixed_point(estimator, placement):
    # The paper's optimum is not where these penalties come to rest: the same check sees a gradient.
    paper = theory.kl_regularized_policy(REF, ENV, UTILITY, 2, 0.1).policy
    residual, _ = _residual(paper, REF, ENV, UTILITY, 2, 0.1, estimator, placement)
    assert np.abs(residual).max() > 1e-4
    fp = theory.practical_fixed_point(REF, ENV, UTILITY, 2, 0.1, estimator=estimator, placement=placement)
    assert np.abs(_residual(fp.policy, REF, ENV, UTILITY, 2, 0.1, estimator, placement)[0]).max() < 1e-7


def test_k2_in_both_has_a_boundary_limit_at_small_coefficients_and_an_interior_one_at_large():
    # c = 0.3: from the reference, k2 in both runs to the boundary (E_p[ℓ²/2] bounds nothing near it) ...
    base, env, u = BANDIT
    assert theory.practical_fixed_point(base, env, u, 1, 0.3, estimator="k2", placement="both").boundary
    # ... and at c = 1 an interior one, where the engine's gradient vanishes.
    fp = theory.practical_fixed_point(base, env, u, 1, 1, estimator="k2", placement="both")
    assert not fp.boundary and fp.converged
    assert np.abs(_residual(fp.policy, base, env, u, 1, 1, "k2", "both")[0]).max() < 1e-7


# -- the boundary ----------------------------------------------------------------------------------------------------
def test_k1_in_the_loss_has_no_regularizing_gradient_so_its_limit_is_greedy():
    soft = theory.SoftmaxPolicy.iid(["1/5", "3/10", "1/2"])
    zero = theory.estimator_moments(soft, BANDIT[0], BANDIT[1], 1, estimator="k1", placement="loss", arith="exact")
    assert all(g == 0 for g in zero.expected_gradient.ravel())
    fp = theory.practical_fixed_point(*BANDIT, 1, 5, estimator="k1", placement="loss")
    assert fp.boundary and fp.converged and fp.policy.probs().tolist() == [0, 0, 1]
    assert fp.value == 1


def test_k3_in_the_reward_pushes_rarely_sampled_actions_to_zero():
    base, env, _ = BANDIT
    r = np.array([1 / 2, 1 / 3, 1 / 6])
    # The score-function term of k3 at an action π rarely samples tends to r_b: the penalty's gradient keeps
    # lowering the logit (−c·r_b), while the value's gradient there vanishes with p_b.
    for tiny in (1e-4, 1e-8):
        soft = theory.SoftmaxPolicy.iid([tiny, 0.4, 0.6 - tiny])
        g = theory.estimator_moments(soft, base, env, 1, estimator="k3", placement="reward").expected_gradient[0]
        assert g[0] == pytest.approx(r[0], abs=10 * tiny * (1 + abs(np.log(tiny))))
    # So the flow leaves the interior, for every coefficient, and k3's expectation stays the KL at the limit.
    for c in (0.1, 1, 10):
        fp = theory.practical_fixed_point(*BANDIT, 1, c, estimator="k3", placement="reward")
        assert fp.boundary and fp.converged
        assert (fp.policy.probs() == 0).any()
        assert fp.penalty == pytest.approx(fp.kl_spent, abs=1e-12)


def test_the_boundary_flag_is_not_raised_by_a_small_but_interior_probability():
    # Gibbs with probabilities spanning e^-80: interior, however small.
    base = theory.FiniteStatePolicy.iid(["1/2", "1/2"])
    fp = theory.practical_fixed_point(
        base, theory.sequence_environment(2), theory.MeanReward([[0], [1]]), 1, 1 / 80, estimator="k1", placement="both"
    )
    assert not fp.boundary and fp.converged and 0 < fp.policy.probs()[0] < 1e-30


def test_a_symmetric_start_does_not_leave_the_flow_at_a_saddle():
    # Two equal actions the reference favours: k3 in the reward is at a saddle on the symmetric line; the fixed
    # point returned is one a generic start reaches (on the boundary), found within the tolerance.
    base = theory.FiniteStatePolicy.iid(["3/8", "3/8", "1/4"])
    u = theory.MeanReward([[0], [0], ["1/10"]])
    fp = theory.practical_fixed_point(
        base, theory.sequence_environment(3), u, 1, 0.1, estimator="k3", placement="reward"
    )
    assert fp.converged and fp.boundary


def test_every_case_of_the_small_worlds_converges_quickly():
    for (estimator, placement), c in itertools.product(P.POTENTIALS, (0.1, 1)):
        for world in ((REF, ENV, UTILITY), BANDIT):
            fp = theory.practical_fixed_point(
                *world, 2 if world[1] is ENV else 1, c, estimator=estimator, placement=placement
            )
            assert fp.converged, (estimator, placement, c)


# -- bad inputs ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"estimator": "k4", "placement": "loss"}, theory.OptionError, "estimator"),
        ({"estimator": "k1", "placement": "advantage"}, theory.OptionError, "placement"),
        ({"estimator": "k1", "placement": "loss", "coefficient": -1}, ValueError, "coefficient -1"),
        ({"estimator": "k1", "placement": "loss", "coefficient": float("nan")}, ValueError, "coefficient nan"),
        ({"estimator": "k1", "placement": "loss", "tolerance": 0}, ValueError, "tolerance 0"),
    ],
)
def test_bad_options_are_refused_naming_them(kwargs, error, message):
    kwargs = {"coefficient": 1, **kwargs}
    c = kwargs.pop("coefficient")
    with pytest.raises(error, match=message):
        theory.practical_fixed_point(*BANDIT, 1, c, **kwargs)


def test_a_reference_that_abstains_is_refused():
    semi = theory.FiniteStatePolicy.iid(["1/2", "1/4", "0"], semi=True)
    with pytest.raises(theory.ProbabilityError, match="abstains"):
        theory.practical_fixed_point(semi, *BANDIT[1:], 1, 1, estimator="k3", placement="loss")


def test_tabular_softmax_has_one_state_per_history_and_refuses_too_many():
    soft = theory.tabular_softmax(REF, ENV, 3)
    assert soft.n_states == 1 + 4 + 16
    for h in _histories(ENV, 3):
        assert np.abs(soft.probs(h) - REF.probs(h)).max() < 1e-15
    with pytest.raises(theory.ResourceLimitError, match="max_states"):
        theory.tabular_softmax(REF, ENV, 40)
