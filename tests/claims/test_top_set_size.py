"""top-set-size: |T| ≤ 1 + ln(1/w_max)/ln(1/(1−α)) and |T| ≤ 1/α (derived here); dropping the "1 +" is refuted."""

import math
from fractions import Fraction

from hypothesis import given, settings

import theory
from proofs_checks import check, reference, strategies as S
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import top_set_size as ts
from proofs_checks.instances import decode, encode


def test_top_set_size_holds():
    result = check(ts.CLAIM, max_examples=60)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


def test_dropping_the_one_is_refuted_and_replays(tmp_path):
    variant = ts.make(plus_one=False)
    result = check(variant, max_examples=60)
    assert result.verdict == "refuted" and result.evaluation.context == "exact"
    # Shrunk to a single component (w_max = 1, |T| = 1): (1−α)^1 ≥ 1 fails for every α > 0.
    assert len(result.counterexample["xi"]) == 1
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    write(cert, tmp_path / "size.json")
    assert replay(tmp_path / "size.json", claim=variant).ok


@settings(max_examples=60, deadline=None)
@given(S.priors(min_size=1, max_size=8, normalized=True), S.alphas())
def test_theory_top_set_matches_definition_3_and_the_bounds(weights, alpha):
    xi = theory.BayesianMixture([theory.FiniteStatePolicy.iid([1])] * len(weights), weights)
    members = theory.top_set(xi, (), alpha, arith="exact")
    assert members == reference.top_set(list(weights), alpha)  # Definition 3, independent of theory.imitation
    w_max = max(weights)
    assert (1 - alpha) ** (len(members) - 1) >= w_max and alpha * len(members) <= 1
    if alpha < 1 and w_max < 1:  # the log form, as a float cross-check (the verdicts never use it)
        assert len(members) <= 1 + math.log(1 / w_max) / math.log(1 / (1 - alpha)) + 1e-9


def test_hand_numbers():
    uniform, two, geometric, alpha_one, *_ = ts.examples()
    ctx = theory.get_context("exact")
    # Uniform over 8, α = 1/8: each w_n = 1/8 ≥ (1/8)(n/8): all 8 members, α·|T| = 1 (the 1/α bound attained).
    assert theory.top_set(uniform["xi"], (), uniform["alpha"], arith="exact") == list(range(8))
    assert ts.CLAIM.parts(uniform, ctx)[2].lhs == 1
    # (2/3, 1/3), α = 1/3: 1/3 ≥ (1/3)·1, so |T| = 2 and (1−α)^1 = 2/3 = w_max: the derived bound attained.
    mass, size, _, posterior, top = ts.CLAIM.parts(two, ctx)
    assert posterior.lhs == 0 and top.lhs == 0
    assert mass.lhs == mass.rhs == size.lhs == size.rhs == Fraction(2, 3)
    # Weights ∝ 16, 8, 4, 2, 1, α = 1/10: 2/31 < (1/10)(30/31), so |T| = 3 ≤ 1 + ln(31/16)/ln(10/9) ≈ 7.28.
    assert theory.top_set(geometric["xi"], (), geometric["alpha"], arith="exact") == [0, 1, 2]
    assert round(ts.size_bound(Fraction(16, 31), Fraction(1, 10)), 2) == 7.28
    assert theory.top_set(alpha_one["xi"], (), 1, arith="exact") == [0]


def test_examples_round_trip():
    for x in ts.examples():
        assert ts.CLAIM.evaluate(decode(encode(x)), "exact").holds, x["name"]


def test_the_reference_parts_pin_posterior_and_top_set():
    ctx = theory.get_context("exact")
    own, demo = ts.examples()[4:]
    # (1/2, 1/4, 1/4), α = 1/2: 1/4 < (1/2)(3/4) = 3/8, so only component 0 (w_n ≥ α·w_{<n} would admit 1 and 2).
    assert theory.top_set(own["xi"], (), own["alpha"], arith="exact") == [0]
    # Only the flagged second step counts: posterior ∝ (1/2·1, 1/2·1/2) = (2/3, 1/3), top set {0} at α = 1/2.
    assert list(demo["xi"].posterior(demo["history"], arith="exact")) == [Fraction(2, 3), Fraction(1, 3)]
    assert theory.top_set(demo["xi"], demo["history"], demo["alpha"], arith="exact") == [0]
    for x in (own, demo):
        parts = ts.CLAIM.parts(x, ctx)
        assert parts[3].lhs == 0 and parts[4].lhs == 0 and ts.CLAIM.evaluate(x, "exact").holds


def test_a_wrong_top_set_is_a_violation(monkeypatch):
    # An engine that admits every component fails the Definition 3 part (and here the 1/α bound too).
    own = ts.examples()[4]
    monkeypatch.setattr(theory, "top_set", lambda xi, h, alpha, arith=None: list(range(len(xi))))
    ev = ts.CLAIM.evaluate(own, "exact")
    assert ev.holds is False and ev.violated_parts()[-1].name.startswith("theory.top_set = Definition 3")
