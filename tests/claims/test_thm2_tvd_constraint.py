"""thm2-tvd-constraint: holds (for the returned optimum and for every maximizer); fails when over-read (every
history) or when V-optimality is replaced by one-step optimality; the toys' numbers by hand."""

from fractions import Fraction

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import thm2_tvd_constraint as thm2
from proofs_checks.sequence_form import SequenceForm
from proofs_checks.worlds import gamble, three_armed_bandit


def test_theorem_holds_and_is_certified_exactly():
    result = check(thm2.CLAIM, max_examples=30)
    assert result.verdict == "holds" and result.met
    assert result.certified and all(ev.context == "exact" and ev.holds for _, ev in result.certified)
    # The certified evaluations include the sanity parts (π_c feasible and optimal) and the every-maximizer LP.
    names = {p.name for _, ev in result.certified for p in ev.parts}
    assert "π_c is feasible: TVD_{h,m}(π_c, β) ≤ c" in names
    assert any(n.startswith("every maximizer") for n in names)


def test_three_armed_bandit_by_hand():
    # Leaves (a1, a2) are worth (r[a1] + r[a2])/2 with r = (0, 1/2, 1); β puts 1/9 on each. The budget 1/9 moves
    # exactly the mass of the worst leaf (0, 0) onto the best (2, 2): value 1/2 + 1/9 = 11/18.
    x = three_armed_bandit()
    pi = theory.tvd_constrained_policy(x["beta"], x["env"], x["utility"], 2, x["budget"], arith="exact")
    assert list(pi.policy.probs((), arith="exact")) == [Fraction(2, 9), Fraction(1, 3), Fraction(4, 9)]
    assert list(pi.policy.probs(((0, 0),), arith="exact")) == [0, Fraction(1, 2), Fraction(1, 2)]
    assert list(pi.policy.probs(((2, 0),), arith="exact")) == [Fraction(1, 4), Fraction(1, 4), Fraction(1, 2)]
    assert pi.value == Fraction(11, 18) and pi.tvd_spent == Fraction(1, 9)
    assert theory.optimal_actions(x["env"], x["utility"], 2, arith="exact") == [2]
    # The independent LP: same optimum; no maximizer gives arm 0 more than 2/9 or arm 1 more than 1/3 at h.
    form = SequenceForm(x["beta"], x["env"], x["utility"], 2)
    assert form.optimum(x["budget"]) == Fraction(11, 18)
    assert form.max_probability(x["budget"], 0, Fraction(11, 18)) == Fraction(2, 9)
    assert form.max_probability(x["budget"], 1, Fraction(11, 18)) == Fraction(1, 3)
    # ... but every maximizer raises arm 1 after a first pull of arm 0: x(0)·(π(1|0) − 1/3) >= (2/9)(1/6) = 1/27.
    assert form.min_raise(((0, 0),), 1, x["budget"], Fraction(11, 18)) == Fraction(1, 27)
    assert thm2.CLAIM.evaluate(x, "exact").holds is True


def test_gamble_by_hand():
    # Per step: safe pays 2/5, the gamble 1/2 on average, so the gamble is the optimal action; β takes it 1/4 of
    # the time. The budget 1/4 doubles the gamble's probability at the start; value 9/20.
    x = gamble()
    pi = theory.tvd_constrained_policy(x["beta"], x["env"], x["utility"], 2, x["budget"], arith="exact")
    assert list(pi.policy.probs((), arith="exact")) == [Fraction(1, 2), Fraction(1, 2)]
    assert pi.value == Fraction(9, 20) and pi.tvd_spent == Fraction(1, 4)
    assert SequenceForm(x["beta"], x["env"], x["utility"], 2).optimum(x["budget"]) == Fraction(9, 20)
    assert thm2.CLAIM.evaluate(x, "exact").holds is True


def test_over_reading_at_every_history_is_refuted(tmp_path):
    # The named examples alone (no search): the three-armed bandit refutes the property below h.
    variant = thm2.make(scope="everywhere", id="thm2-everywhere", given={})
    result = check(variant)
    assert result.verdict == "refuted" and result.evaluation.context == "exact"
    assert result.counterexample["name"] == three_armed_bandit()["name"]
    (bad,) = result.evaluation.violated_parts()
    assert "a=1|h·(0,0)" in bad.name and bad.lhs == Fraction(1, 27)
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "everywhere.json"
    write(cert, path)
    assert replay(path, claim=variant).ok


def test_one_step_optimality_instead_of_v_optimality_fails():
    # U = 1 iff the last action is 0; β always takes 0. Over two steps both actions are V-optimal at h (the last
    # step decides), but only action 0 is optimal for one step. Some maximizer spends the budget on action 1 at
    # h (value stays 1): the one-step reading of the theorem fails for it, the theorem does not.
    from proofs_checks.strategies import HistoryTableUtility

    x = {
        "beta": theory.FiniteStatePolicy([[1, 0]], [[[0], [0]]]),
        "env": theory.sequence_environment(2),
        "utility": HistoryTableUtility(values=(0, 1), multiplier=0, action_coef=1, observation_coef=0),
        "horizon": 2,
        "budget": Fraction(1, 1000),
        "history": (),
    }
    assert theory.optimal_actions(x["env"], x["utility"], 2, arith="exact") == [0, 1]
    assert theory.optimal_actions(x["env"], x["utility"], 1, arith="exact") == [0]
    assert thm2.CLAIM.evaluate(x, "exact").holds is True
    ev = thm2.make(optimality="myopic", id="thm2-myopic").evaluate(x, "exact")
    (bad,) = ev.violated_parts()
    assert bad.name == "every maximizer π: π(a=1|h) ≤ β(a=1|h)" and bad.lhs == Fraction(1, 1000)
