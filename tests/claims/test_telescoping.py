"""telescoping: the expected form splits exactly at any step; the worst-case form only satisfies an inequality."""

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import telescoping
from proofs_checks.cases import trajectory_cases
from proofs_checks.instances import decode, encode

ECHO = theory.FiniteStateEnvironment([[["9/10", "1/10"], ["1/10", "9/10"]]], [[[0, 0], [0, 0]]])
COPY = theory.FiniteStatePolicy([["3/4", "1/4"], ["1/4", "3/4"]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
LEAN = theory.FiniteStatePolicy.iid(["2/3", "1/3"], n_observations=2)


def test_telescoping_holds():
    result = check(telescoping.CLAIM, max_examples=40)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.mark.parametrize("params", [{"weights": "beta"}, {"worst_case": "equality"}])
def test_false_variants_are_refuted(params):
    result = check(telescoping.make(**params), max_examples=40)
    assert result.verdict == "refuted" and result.evaluation.context == "exact"


def test_hand_instance_worst_case_is_strict():
    # π copies the last observation, β leans to 0, μ echoes the action with probability 9/10.
    x = {"pi": COPY, "beta": LEAN, "env": ECHO, "horizon": 2, "split": 1, "history": ()}
    ctx = theory.get_context("exact")
    expected, worst = telescoping.CLAIM.parts(x, ctx)
    assert expected.lhs == expected.rhs
    # Step 1: KL((3/4, 1/4) ‖ (2/3, 1/3)) in state 0. Step 2 under μ: state 1 (after observation 1) has probability
    # 3/4·1/10 + 1/4·9/10 = 3/10.
    k0 = theory.kl(["3/4", "1/4"], ["2/3", "1/3"], arith="exact")
    k1 = theory.kl(["1/4", "3/4"], ["2/3", "1/3"], arith="exact")
    assert expected.lhs == k0 + Fraction(7, 10) * k0 + Fraction(3, 10) * k1
    # Worst case: observation 1 at step 1 (state 1) is worse; the bound WC_1 + max_h' WC_1(h') is attained here.
    assert worst.lhs == k0 + k1 and worst.rhs == k0 + k1
    # The μ-expectation of the continuation does not give the worst case: the equality variant fails.
    false = telescoping.make(worst_case="equality").evaluate(x, "exact")
    assert false.holds is False and false.parts[1].rhs == k0 + Fraction(7, 10) * k0 + Fraction(3, 10) * k1


def test_split_at_the_ends_is_trivial():
    for j in (0, 3):
        x = {"pi": COPY, "beta": LEAN, "env": ECHO, "horizon": 3, "split": j, "history": ((1, 1),)}
        assert telescoping.CLAIM.evaluate(x, "exact").holds


def test_refutation_certificate_replays(tmp_path):
    variant = telescoping.make(worst_case="equality")
    result = check(variant, max_examples=30)
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "telescoping.json"
    write(cert, path)
    assert replay(path, claim=variant).ok


def test_examples_round_trip():
    for x in telescoping.examples():
        assert telescoping.CLAIM.evaluate(decode(encode(x)), "exact").holds, x["name"]


def _brute_worst_case(pi, beta, n_obs, m, h=()):
    """max over observation sequences o_{1:m} of KL between the action-sequence laws (⊥ ends a sequence)."""
    ctx = theory.get_context("exact")
    best = None
    for obs in itertools.product(range(n_obs), repeat=m):
        leaves = []

        def visit(hist, t, p_pi, p_beta):
            if t == m:
                leaves.append((p_pi, p_beta))
                return
            a_pi, a_beta = pi.probs(hist, arith=ctx), beta.probs(hist, arith=ctx)
            if pi.semi or beta.semi:
                leaves.append((p_pi * pi.abstain(hist, arith=ctx), p_beta * beta.abstain(hist, arith=ctx)))
            for a in range(len(a_pi)):
                if a_pi[a]:
                    visit(hist + ((a, obs[t]),), t + 1, p_pi * a_pi[a], p_beta * a_beta[a])

        visit(tuple(h), 0, Fraction(1), Fraction(1))
        total = Fraction(0)
        for p, q in leaves:
            if p == 0:
                continue
            if q == 0:
                return math.inf
            total = total + p * ctx.log(p / q)
        if best is None or ctx.compare(total, best) > 0:
            best = total
    return best


@settings(max_examples=25, deadline=None)
@given(trajectory_cases(max_horizon=2))
def test_theory_worst_case_matches_brute_force(x):
    got = theory.worst_case_kl(x["pi"], x["beta"], x["env"], x["horizon"], x["history"], arith="exact")
    want = _brute_worst_case(x["pi"], x["beta"], x["env"].n_observations, x["horizon"], x["history"])
    assert got == want
