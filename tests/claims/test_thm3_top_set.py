"""thm3-top-set: exact exit probabilities on μ's tree; the theorem holds, and fails without its hypothesis or
with δ/2."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from proofs_checks import certify, check
from proofs_checks import strategies as S
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import thm3_top_set as t3
from proofs_checks.instances import decode, encode


def test_thm3_holds():
    result = check(t3.CLAIM, max_examples=40)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.fixture(scope="module")
def no_hypothesis():
    variant = t3.make(hypothesis=False)
    return variant, check(variant, max_examples=20)


def test_dropping_the_hypothesis_is_refuted(no_hypothesis):
    _, result = no_hypothesis
    assert result.verdict == "refuted" and result.evaluation.context == "exact"
    violated = result.evaluation.violated_parts()
    assert [p.name for p in violated] == ["P_μ(μ leaves the top set) <= δ"]  # α/w(μ) and Ville still hold


def test_certificate_replays(tmp_path, no_hypothesis):
    variant, result = no_hypothesis
    write(
        make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation),
        tmp_path / "thm3.json",
    )
    assert replay(tmp_path / "thm3.json", claim=variant).ok


def test_half_delta_is_refuted():
    variant = t3.make(delta_factor=Fraction(1, 2))
    assert check(variant, max_examples=20).verdict == "refuted"
    # At fair-vs-zeros the theorem's own event breaks δ/2: P = 1/2 > 9/20.
    ev = certify(variant, t3.examples()[0])
    assert ev.holds is False and ev.parts[0].holds is False and ev.parts[0].lhs == Fraction(1, 2)


@pytest.mark.parametrize("alpha, k", [(Fraction(2, 5), 1), (Fraction(1, 10), 4), (Fraction(1, 100), 7)])
def test_fair_vs_zeros_by_hand(alpha, k):
    # After k zeros μ's posterior is 1/(1 + 2^k); μ ranks second, so it leaves when 1/(1 + 2^k) < α·1.
    # The first such k is reached with probability 2^-k (all first k actions 0); any 1 rules the other out.
    x = t3.examples()[0]
    p_leave, p_ville, w_mu, _ = t3.leave_probabilities(x["xi"], 1, x["env"], 8, alpha, Fraction(9, 10), arith="exact")
    assert w_mu == Fraction(1, 2) and p_leave == Fraction(1, 2**k) and p_leave <= alpha / w_mu
    # R after j zeros is 2^(j−1) + 1/2 ≥ 10/9 first at j = 1: probability 1/2.
    assert p_ville == Fraction(1, 2)


def _brute_force(xi, mu, env, horizon, alpha):
    """P(μ leaves) by plain recursion over every history, Definition 3 applied to Bayes' rule by hand."""
    comps, prior = xi.components, [Fraction(w) for w in xi.prior]

    def post(h):
        lik = []
        for c in comps:
            p = Fraction(1)
            for t, (a, _) in enumerate(h):
                p *= c.probs(h[:t], arith="exact")[a]
            lik.append(p)
        z = sum(w * l for w, l in zip(prior, lik))
        return [w * l / z for w, l in zip(prior, lik)]

    def member(h):
        w = post(h)
        order = sorted(range(len(w)), key=lambda i: (-w[i], i))
        total = Fraction(0)
        for i in order:
            total += w[i]
            if w[i] < alpha * total:
                return False
            if i == mu:
                return True
        return True

    def visit(h, t):
        if not member(h):
            return Fraction(1)
        if t == horizon:
            return Fraction(0)
        out = Fraction(0)
        pa = comps[mu].probs(h, arith="exact")
        for a in range(len(pa)):
            if pa[a]:
                po = env.probs(h, a, arith="exact")
                for o in range(len(po)):
                    if po[o]:
                        out += pa[a] * po[o] * visit(h + ((a, o),), t + 1)
        return out

    return visit((), 0)


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_the_merged_walk_matches_brute_force(data):
    n_a, n_o = data.draw(st.sampled_from([(2, 1), (2, 2), (3, 1)]))
    xi = data.draw(S.mixtures(n_actions=n_a, n_observations=n_o, max_components=3, max_states=2))
    env = data.draw(S.finite_state_environments(n_actions=n_a, n_observations=n_o, max_states=2))
    mu, alpha, horizon = data.draw(st.integers(0, len(xi) - 1)), data.draw(S.alphas()), data.draw(st.integers(1, 4))
    p_leave = t3.leave_probabilities(xi, mu, env, horizon, alpha, Fraction(1, 2), arith="exact")[0]
    assert p_leave == _brute_force(xi, mu, env, horizon, alpha)


def test_examples_round_trip():
    for x in t3.examples():
        assert t3.CLAIM.evaluate(decode(encode(x)), "exact").holds, x["name"]
    # Outside the hypothesis the theorem is vacuous (no parts), its hypothesis-free variant is refuted.
    outside = t3.examples(hypothesis=False)[-1]
    assert t3.CLAIM.parts(outside, theory.get_context("exact")) == []
    assert t3.make(hypothesis=False).evaluate(outside, "exact").holds is False


def test_merging_on_a_deep_tree_matches_brute_force():
    x = t3.examples()[1]  # echo-three: |A| = |O| = 2
    p_leave, _, _, visited = t3.leave_probabilities(
        x["xi"], x["mu"], x["env"], 4, Fraction(1, 5), Fraction(1, 2), arith="exact"
    )
    assert p_leave > 0 and p_leave == _brute_force(x["xi"], x["mu"], x["env"], 4, Fraction(1, 5))
    # With nothing pruned (μ never leaves, R never reaches 1/δ), merging alone keeps the tree small.
    none = t3.leave_probabilities(x["xi"], x["mu"], x["env"], 4, Fraction(1, 1000), Fraction(1, 1000), arith="exact")
    assert none[:2] == (0, 0) and none[3] < 1 + 4 + 16 + 64 + 256
