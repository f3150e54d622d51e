"""proofs_checks.sequence_form: the independent linear program's optima and face bounds on the toys, by hand,
and the decision nodes a policy reaches."""

from fractions import Fraction

import theory
from proofs_checks.sequence_form import SequenceForm, decision_nodes, surely_positive
from proofs_checks.worlds import gamble, three_armed_bandit

EXACT = theory.get_context("exact")


def test_three_armed_bandit_by_hand():
    # Leaves (a1, a2) are worth (r[a1] + r[a2])/2 with r = (0, 1/2, 1); β puts 1/9 on each. The budget 1/9 moves
    # exactly the mass of the worst leaf (0, 0) onto the best (2, 2): value 1/2 + 1/9 = 11/18.
    x = three_armed_bandit()
    form = SequenceForm(x["beta"], x["env"], x["utility"], 2)
    assert form.optimum(x["budget"]) == Fraction(11, 18)
    assert form.optimum(0) == Fraction(1, 2)  # no budget: β's own value
    assert form.max_probability(x["budget"], 2, Fraction(11, 18)) == Fraction(4, 9)
    assert form.min_raise(((0, 0),), 1, x["budget"], Fraction(11, 18)) == Fraction(1, 27)
    # In floats the optimum comes from HiGHS, to its tolerance.
    assert abs(form.optimum(x["budget"], "float") - 11 / 18) < 1e-7


def test_gamble_by_hand():
    x = gamble()
    assert SequenceForm(x["beta"], x["env"], x["utility"], 2).optimum(x["budget"]) == Fraction(9, 20)


def test_decision_nodes_follow_the_policys_support_and_the_observations():
    x = gamble()
    safe = theory.FiniteStatePolicy.iid([1, 0], n_observations=2)
    assert decision_nodes(safe, x["env"], (), 2, EXACT) == [((), 0), (((0, 0),), 1)]
    fair = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    nodes = decision_nodes(fair, x["env"], (), 2, EXACT)
    assert [steps for steps, depth in nodes if depth == 1] == [((0, 0),), ((1, 0),), ((1, 1),)]


def test_surely_positive_decides_exactly_and_thresholds_floats():
    assert surely_positive(EXACT, Fraction(1, 10**30))
    assert not surely_positive(theory.get_context("float"), 1e-30)
