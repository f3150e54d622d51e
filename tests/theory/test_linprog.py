"""theory.linprog: the exact rational simplex against HiGHS (scipy), feasibility checked exactly."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

from theory.linprog import InfeasibleError, maximize

from .compare import enclose

small = st.integers(-4, 4)


@st.composite
def programs(draw, bounded=True):
    """maximize c·x s.t. A_eq x = b_eq, A_ub x ≤ b_ub, x ≥ 0, feasible by construction (b from a point x0 ≥ 0);
    bounded when a row Σx ≤ 16 is added (x0 sums to at most 15)."""
    n = draw(st.integers(1, 5))
    m_eq, m_ub = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    x0 = draw(st.lists(st.fractions(0, 3, max_denominator=4), min_size=n, max_size=n))
    c = draw(st.lists(small, min_size=n, max_size=n))
    a_eq = [draw(st.lists(small, min_size=n, max_size=n)) for _ in range(m_eq)]
    a_ub = [draw(st.lists(small, min_size=n, max_size=n)) for _ in range(m_ub)]
    if m_eq and draw(st.booleans()):
        a_eq.append(list(a_eq[0]))  # a redundant equality: artificials must be driven out of the basis
    b_eq = [sum(a * x for a, x in zip(row, x0)) for row in a_eq]
    b_ub = [sum(a * x for a, x in zip(row, x0)) + draw(st.fractions(0, 2, max_denominator=3)) for row in a_ub]
    if bounded:
        a_ub.append([1] * n)
        b_ub.append(Fraction(16))
    return c, a_eq, b_eq, a_ub, b_ub


def scipy_value(c, a_eq, b_eq, a_ub, b_ub):
    res = linprog(
        -np.array(c, dtype=float),
        A_ub=np.array(a_ub, dtype=float) if a_ub else None,
        b_ub=np.array(b_ub, dtype=float) if b_ub else None,
        A_eq=np.array(a_eq, dtype=float) if a_eq else None,
        b_eq=np.array(b_eq, dtype=float) if b_eq else None,
        bounds=(0, None),
        method="highs",
    )
    return res.status, (-res.fun if res.status == 0 else None)


def kw(a_eq, b_eq, a_ub, b_ub):
    return dict(a_eq=a_eq or None, b_eq=b_eq or None, a_ub=a_ub or None, b_ub=b_ub or None)


@given(programs())
def test_exact_simplex_matches_highs_and_its_point_is_exactly_feasible(lp):
    c, a_eq, b_eq, a_ub, b_ub = lp
    status, reference = scipy_value(c, a_eq, b_eq, a_ub, b_ub)
    assert status == 0
    x, value = maximize(c, arith="exact", **kw(a_eq, b_eq, a_ub, b_ub))
    assert all(isinstance(v, Fraction) and v >= 0 for v in x)
    for row, b in zip(a_eq, b_eq):
        assert sum(a * v for a, v in zip(row, x)) == b
    for row, b in zip(a_ub, b_ub):
        assert sum(a * v for a, v in zip(row, x)) <= b
    assert value == sum(ci * v for ci, v in zip(c, x))
    assert abs(float(value) - reference) <= 1e-7 * max(1, abs(reference))
    xf, vf = maximize(c, **kw(a_eq, b_eq, a_ub, b_ub))
    assert abs(vf - float(value)) <= 1e-7 * max(1, abs(vf))


@given(programs(bounded=False))
def test_unbounded_programs_are_reported_as_such(lp):
    c, a_eq, b_eq, a_ub, b_ub = lp
    status, reference = scipy_value(c, a_eq, b_eq, a_ub, b_ub)
    if status == 3:
        with pytest.raises(InfeasibleError, match="unbounded"):
            maximize(c, arith="exact", **kw(a_eq, b_eq, a_ub, b_ub))
        with pytest.raises(InfeasibleError):
            maximize(c, **kw(a_eq, b_eq, a_ub, b_ub))
    else:
        assert status == 0
        _, value = maximize(c, arith="exact", **kw(a_eq, b_eq, a_ub, b_ub))
        assert abs(float(value) - reference) <= 1e-7 * max(1, abs(reference))


def test_infeasible_program():
    with pytest.raises(InfeasibleError, match="infeasible"):
        maximize([1, 1], a_eq=[[1, 1]], b_eq=[-1], arith="exact")
    with pytest.raises(InfeasibleError):
        maximize([1, 1], a_eq=[[1, 1]], b_eq=[-1])
    with pytest.raises(InfeasibleError, match="infeasible"):
        maximize([1], a_ub=[[1], [-1]], b_ub=[1, -2], arith="exact")  # x ≤ 1 and x ≥ 2
    assert issubclass(InfeasibleError, ValueError)


def test_beale_cycling_example_terminates_with_blands_rule():
    # Beale (1955): the textbook simplex cycles on this degenerate program; Bland's rule must not.
    c = [Fraction(3, 4), -20, Fraction(1, 2), -6]
    a_ub = [[Fraction(1, 4), -8, -1, 9], [Fraction(1, 2), -12, Fraction(-1, 2), 3], [0, 0, 1, 0]]
    x, value = maximize(c, a_ub=a_ub, b_ub=[0, 0, 1], arith="exact")
    assert value == Fraction(5, 4) and x == [1, 0, 1, 0]


def test_negative_right_hand_sides_and_the_documented_example():
    x, v = maximize([1, 1], a_ub=[[1, 2], [3, 1]], b_ub=[4, 6], arith="exact")
    assert (x, v) == ([Fraction(8, 5), Fraction(6, 5)], Fraction(14, 5))
    # -x1 - x2 = -2 (negated row) and x1 ≤ 1/2: optimum x2 = 3/2 for c = (0, 1).
    x, v = maximize([0, 1], a_eq=[[-1, -1]], b_eq=[-2], a_ub=[[1, 0]], b_ub=["1/2"], arith="exact")
    assert v == 2 and x[1] == 2
    x, v = maximize([0, 1], a_eq=[[-1, -1]], b_eq=[-2], a_ub=[[0, 1]], b_ub=["3/2"], arith="exact")
    assert x == [Fraction(1, 2), Fraction(3, 2)] and v == Fraction(3, 2)


def test_ball_results_are_the_exact_optimum_converted():
    x, v = maximize([1, 1], a_ub=[[1, 2], [3, 1]], b_ub=[4, 6], arith="ball")
    assert v.contains(enclose(Fraction(14, 5))) and v.rad() < 1e-30
    assert all(a.contains(enclose(b)) for a, b in zip(x, [Fraction(8, 5), Fraction(6, 5)]))
