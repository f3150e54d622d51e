"""Fuzzing the KL-estimator lab: random instances and random cases, the engine in all three arithmetics (merged
and unmerged) against the independent brute force of :mod:`tests.theory.brute_estimators` (sympy-differentiated
surrogates over every trajectory).

* exact results equal the brute force exactly (estimate, variance, every gradient entry);
* ball results enclose them, narrowly; float results agree to 1e-9 (relative, or absolute below 1);
* the unmerged tree (``merge=False``) gives the same exact answers.

The ``ci`` profile runs a small slice; ``HYPOTHESIS_PROFILE=fuzz python -m pytest tests/fuzz/test_estimators_fuzz.py``
runs a long campaign. Every instance checked is counted (``tests/fuzz/conftest.py``).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

import theory
from proofs_checks.estimator_cases import estimator_cases
from tests.fuzz._counts import count
from tests.theory import brute_estimators as B


@st.composite
def lab_cases(draw):
    x = draw(estimator_cases(max_horizon=2, sampling=True, max_actions=2, max_observations=2, max_states=2))
    estimator = draw(st.sampled_from(theory.estimators.ESTIMATORS))
    level = draw(st.sampled_from(theory.estimators.LEVELS))
    placement = draw(st.sampled_from(theory.estimators.PLACEMENTS))
    off = draw(st.booleans())
    ratios = [None, "sequence"] if (level == "sequence" or estimator == "full") else [None, "token", "sequence"]
    ratio = draw(st.sampled_from(ratios)) if off else None
    return x, dict(
        estimator=estimator, placement=placement, level=level, sampling=x["pi_old"] if off else None, ratio=ratio
    )


def _values(m):
    return [m.expected_estimate, m.variance, *m.expected_gradient.reshape(-1)]


@given(lab_cases())
def test_random_cases_against_the_brute_force(case):
    x, kw = case
    args = (x["pi"], x["ref"], x["env"], x["horizon"])
    brute = B.Model(*args).moments(kw["estimator"], kw["placement"], kw["level"], kw["sampling"], kw["ratio"])
    expected = _values(brute)
    exact = theory.estimator_moments(*args, arith="exact", **kw)
    unmerged = theory.estimator_moments(*args, arith="exact", merge=False, **kw)
    ball = theory.estimator_moments(*args, arith="ball", **kw)
    flt = theory.estimator_moments(*args, arith="float", **kw)
    ball_ctx = theory.get_context("ball")
    for want, e, u, b, f in zip(expected, _values(exact), _values(unmerged), _values(ball), _values(flt)):
        assert B.equal(e, want), (kw, e, want)
        assert B.equal(u, want), (kw, u, want)
        lo, hi = ball_ctx.rational_bounds(b)
        value = B.to_float(want)
        assert float(lo) - 1e-12 * max(1, abs(value)) <= value <= float(hi) + 1e-12 * max(1, abs(value)), (kw, b)
        assert hi - lo <= Fraction(1, 10**15) * max(1, abs(Fraction(value))), (kw, b)
        assert abs(float(f) - value) <= 1e-9 * max(1.0, abs(value)), (kw, f, value)
    count("estimator_moments")
