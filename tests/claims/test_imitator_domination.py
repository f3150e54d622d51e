"""imitator-domination (derived here): P_I(x, E) ≤ P_μ(x)·max Π(1+θ) ≤ P_μ(x)·max exp(Σθ) on the event that μ
stays in the top set; without the factor, or off the event, the check is refuted."""

from fractions import Fraction

import pytest
from hypothesis import given, settings

import theory
from proofs_checks import certify, check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import imitator_domination as imd
from proofs_checks.instances import decode, encode

EXACT = theory.get_context("exact")


def test_imitator_domination_holds():
    result = check(imd.CLAIM, max_examples=40)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.fixture(scope="module")
def no_factor():
    variant = imd.make(factor=False)
    return variant, check(variant, max_examples=20)


def test_dropping_the_factor_is_refuted(no_factor):
    _, result = no_factor
    assert result.verdict == "refuted" and result.evaluation.context == "exact"


def test_certificate_replays(tmp_path, no_factor):
    variant, result = no_factor
    write(
        make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation),
        tmp_path / "domination.json",
    )
    assert replay(tmp_path / "domination.json", claim=variant).ok


def test_dropping_the_event_is_refuted():
    variant = imd.make(event=False)
    ev = certify(variant, imd.examples(event=False)[-1])
    # Prior (3/4, 1/4), α = 3/4: only the always-0 component is in the top set; the imitator plays 0 surely,
    # while μ (a fair coin) plays it with probability 1/2.
    assert ev.holds is False and ev.parts[0].lhs == 1 and ev.parts[0].rhs == Fraction(1, 2)


def test_hand_numbers_fair_vs_zeros():
    x = imd.examples()[0]
    paths = imd.flagged_paths(x["xi"], x["mu"], x["env"], x["horizon"], x["alpha"], arith=EXACT)
    assert sum(v[0] for v in paths.values()) == 1
    # Both components stay in the top set (α = 1/10): ν_α = (1/2, 0), θ = 1/2 at every decision point.
    plain = {h: v for h, v in paths.items() if tuple((a, o) for a, o, _ in h) == ((0, 0), (0, 0))}
    assert len(plain) == 4 and all(v[2] and v[3] == 1 and v[4] == Fraction(9, 4) for v in plain.values())
    # P_I(x) = (1/2 + 1/2·1/2)² = 9/16 = P_μ(x)·(3/2)²: the product bound is attained.
    assert sum(v[0] for v in plain.values()) == Fraction(9, 16) and all(v[1] == Fraction(1, 4) for v in plain.values())
    flagged, product, exp = imd.CLAIM.parts(x, EXACT)
    assert product.lhs == product.rhs == Fraction(9, 16)
    assert exp.lhs == theory.kl([1], [Fraction(4, 9)], arith="exact") and exp.rhs == 1  # ln(9/4) ≤ 1


def test_examples_round_trip():
    for x in imd.examples():
        assert imd.CLAIM.evaluate(decode(encode(x)), "exact").holds, x["name"]


def _brute_law(xi, mu, env, horizon, alpha):
    """The online imitator's law from Definitions 3–4 by plain recursion: Bayes' rule on the demonstrator's
    steps only, the top set by the definition, ν_α the minimum over it, θ the missing mass."""
    comps, prior = xi.components, [Fraction(w) for w in xi.prior]

    def posterior(h):
        w = list(prior)
        for t, (a, _, asked) in enumerate(h):
            if asked:
                plain = tuple((b, o) for b, o, _ in h[:t])
                w = [wi * c.probs(plain, arith="exact")[a] for wi, c in zip(w, comps)]
        z = sum(w)
        return [wi / z for wi in w]

    def top(w):
        order = sorted(range(len(w)), key=lambda i: (-w[i], i))
        out, total = [], Fraction(0)
        for i in order:
            total += w[i]
            if w[i] < alpha * total:
                break
            out.append(i)
        return out

    law = {}

    def visit(h, p):
        if len(h) == horizon:
            law[h] = p
            return
        plain = tuple((a, o) for a, o, _ in h)
        members = top(posterior(h))
        n_a = comps[0].n_actions
        nu = [min(comps[i].probs(plain, arith="exact")[a] for i in members) for a in range(n_a)]
        theta = 1 - sum(nu)
        demo = comps[mu].probs(plain, arith="exact")
        for a in range(n_a):
            obs = env.probs(plain, a, arith="exact")
            for o in range(len(obs)):
                for asked, q in ((False, nu[a]), (True, theta * demo[a])):
                    if q * obs[o]:
                        visit(h + ((a, o, asked),), p * q * obs[o])

    visit((), Fraction(1))
    return law


@settings(max_examples=15, deadline=None)
@given(imd.domination_cases(max_components=3))
def test_theory_online_imitator_law_matches_definitions(x):
    online = theory.OnlineImitator(x["xi"], x["alpha"], demonstrator=x["xi"].components[x["mu"]])
    got = online.law(x["env"], min(x["horizon"], 2), arith="exact")
    assert got == _brute_law(x["xi"], x["mu"], x["env"], min(x["horizon"], 2), x["alpha"])
