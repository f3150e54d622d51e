"""thm4-pessimistic-kl: the theorem holds; dropping the top-set hypothesis makes the check fail; the refutation's
certificate replays; the demonstration's numbers; regression test for the empty-level bug in mixtures."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest

import theory
from theory.arith import LogLinear
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks import kl_transfer
from proofs_checks.claims import thm4_pessimistic_kl as thm4
from proofs_checks.instances import decode, encode
from proofs_checks.worlds import world


def test_the_theorem_holds():
    result = check(thm4.CLAIM, max_examples=30)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


@pytest.fixture(scope="module")
def dropped():
    claim = thm4.make(hypothesis=False, id="thm4-no-hypothesis")
    return claim, check(claim, seed=1, budget=60)  # a budget no stage reaches: the same instances on any machine


def test_dropping_the_top_set_hypothesis_is_refuted(dropped):
    _, result = dropped
    assert result.verdict == "refuted"
    names = {p.name for p in result.evaluation.violated_parts()}
    assert "ν_α(a|h') ≤ μ(a|h') for every action and history of the horizon" in names
    # μ leaves the top set somewhere on the horizon (at h or at a history μ can produce): that is what makes the
    # shrunk instance a counterexample.
    x = result.counterexample
    nodes = kl_transfer.requirement_histories(
        x["mixture"].components[x["mu"]], x["history"], x["horizon"], x["env"].n_observations
    )
    assert any(x["mu"] not in theory.top_set(x["mixture"], g, x["alpha"], arith="exact") for g in nodes)


def test_certificate_replays(tmp_path, dropped):
    claim, result = dropped
    path = tmp_path / "thm4.json"
    write(make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation), path)
    assert replay(path, claim=claim).ok


def test_hand_derived_instance():
    # ξ = (½ fair coin, ½ always-0), μ = always-0 (top set {μ} at α = 1 after one step of 0: weights 1/3, 2/3).
    # ν_α = μ, so for π = fair coin: KL(π‖ν_α) = ∞ and for π = always-0: KL = 0 = KL(π‖μ).
    fair, zero = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid([1, 0])
    xi = theory.BayesianMixture([fair, zero], ["1/2", "1/2"])
    h = ((0, 0),)
    assert list(xi.posterior(h, arith="exact")) == [Fraction(1, 3), Fraction(2, 3)]
    x = {
        "mixture": xi,
        "mu": 1,
        "env": theory.sequence_environment(2),
        "history": h,
        "horizon": 2,
        "alpha": Fraction(1, 2),
        "pi_kind": "component",
        "pi_component": 0,
        "pi": None,
    }
    ev = thm4.CLAIM.evaluate(x, "exact")
    assert ev.holds
    parts = {p.name: p for p in ev.parts}
    # top set at h: ν_1 (2/3 ≥ ½·2/3) in, ν_0 (1/3 < ½·1) out; margin 2/3 − ½·2/3 = 1/3 at h (and more after 0s).
    assert parts["hypothesis: μ in the top set at h and at every μ-possible history of the horizon"].lhs == Fraction(
        1, 3
    )
    assert parts["expected KL^μ_{h,m}(π‖μ) ≤ KL^μ_{h,m}(π‖ν_α)"].rhs == float("inf")
    # With α = 1/4 both are in the top set at h: ν_α(·|h) = (1/2, 0) with ⊥ 1/2, so π = always-0 pays ln 2 at the
    # first step; after it the posterior is (1/5, 4/5), the fair coin leaves the top set (1/5 < 1/4), ν_α = μ and
    # the second step is free: KL(π‖ν_α) = ln 2 in total, and KL(π‖μ) = 0.
    y = dict(x, alpha=Fraction(1, 4), pi_component=1)
    ev = thm4.CLAIM.evaluate(y, "exact")
    kl = {p.name: p for p in ev.parts}["expected KL^μ_{h,m}(π‖μ) ≤ KL^μ_{h,m}(π‖ν_α)"]
    assert ev.holds and kl.lhs == 0 and kl.rhs == theory.kl([1, 0], ["1/2", 0], arith="exact")


def test_demonstration_numbers():
    w = world("novel-situation")
    h = w.novel_history(50)
    assert theory.top_set(w.mixture, h, "1/100", arith="exact") == [0]
    assert theory.top_set(w.mixture, h, "1/2000", arith="exact") == [0, 2]
    assert list(w.imitator("1/100").probs(h, arith="exact")) == [1, 0]
    assert w.imitator("1/2000").abstain(h, arith="exact") == 1
    ev = thm4.CLAIM.evaluate(thm4.examples()[0], "exact")
    assert ev.holds and len(ev.parts) >= 20


@pytest.mark.parametrize("arith", ["float", "exact", "ball"])
def test_regression_empty_tree_level_with_a_mixture(arith):
    # Bug fixed in theory/mixtures.py: when π takes only actions the base gives probability 0, a level of the tree
    # is empty, and BayesianMixture.advance crashed reshaping a size-0 array (horizon ≥ 3).
    stay, leave = theory.FiniteStatePolicy.iid([1, 0]), theory.FiniteStatePolicy.iid([0, 1])
    nu = theory.PessimisticImitator(theory.BayesianMixture([stay, leave], ["1/2", "1/2"]), "1/10")
    env = theory.sequence_environment(2)
    assert theory.worst_case_kl(stay, nu, env, 3, arith=arith) == float("inf")
    assert theory.trajectory_kl(stay, nu, env, 4, arith=arith) == float("inf")


def test_instances_round_trip_as_exact_json():
    x = thm4.examples()[0]
    y = decode(json.loads(json.dumps(encode(x))))
    assert y == x
    a, b = thm4.CLAIM.evaluate(x, "exact"), thm4.CLAIM.evaluate(y, "exact")
    assert [(p.name, str(p.lhs)) for p in a.parts] == [(p.name, str(p.lhs)) for p in b.parts]


def test_the_imitator_is_pinned_to_definition_4(monkeypatch):
    # ξ = (½ fair coin, ½ always-0) after one step of 0: posterior (1/3, 2/3). At α = 1/4 both are in the top set
    # and ν_α(·|h) = min((1/2, 1/2), (1, 0)) = (1/2, 0): the Definition 4 part is exactly 0.
    fair, zero = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid([1, 0])
    x = {
        "mixture": theory.BayesianMixture([fair, zero], ["1/2", "1/2"]),
        "mu": 1,
        "env": theory.sequence_environment(2),
        "history": ((0, 0),),
        "horizon": 1,
        "alpha": Fraction(1, 4),
        "pi_kind": "component",
        "pi_component": 1,
        "pi": None,
    }
    name = "ν_α(·|h) = Definition 4: min over the Definition 3 top set of the Bayes posterior (Σ_a |difference|)"
    ev = thm4.CLAIM.evaluate(x, "exact")
    assert ev.holds and {p.name: p for p in ev.parts}[name].lhs == 0

    # An imitator taking the maximum over the components, (1, 1/2), is off by |1 − 1/2| + |1/2 − 0| = 1.
    def maximum(self, history=(), *, arith=None):
        rows = [c.probs(history, arith="exact") for c in self.mixture.components]
        return np.array([max(col) for col in zip(*rows)], dtype=object)

    monkeypatch.setattr(theory.PessimisticImitator, "probs", maximum)
    ev = thm4.CLAIM.evaluate(x, "exact")
    assert ev.holds is False and {p.name: p for p in ev.violated_parts()}[name].lhs == 1


# ---------------------------------------------------------------------------------------------------------------
# Abstaining π: the paper's convention (raw sum over actions), ⊥ as an outcome, and the delegated policy
# ---------------------------------------------------------------------------------------------------------------
EXPECTED = "expected KL^μ_{h,m}(π‖μ) ≤ KL^μ_{h,m}(π‖ν_α)"
WORST = "worst-case KL_{h,m}(π‖μ) ≤ KL_{h,m}(π‖ν_α)"
ANSWERED = "abstentions answered by μ: expected KL^μ_{h,m}(π‖μ) ≤ KL^μ_{h,m}(π‖ν_α) along the delegated trajectories"
DELEGATED = "delegated: KL^μ_{h,m}(π→μ ‖ μ) ≤ KL^μ_{h,m}(π‖ν_α) along the delegated trajectories"
BOUND = DELEGATED + " + E Σ_t (1−θ_t) ln(1/(1−θ_t))"
LN = LogLinear.log


def fair_and_zero(mu):
    """ξ = ½·fair coin + ½·"always 0" at the empty history, α = 1/2: both in the top set (weights tie), so
    ν_α = min((1/2, 1/2), (1, 0)) = (1/2, 0) with ⊥ = 1/2; μ is component ``mu``; π = ν_α; horizon 1."""
    fair, zero = theory.FiniteStatePolicy.iid(["1/2", "1/2"]), theory.FiniteStatePolicy.iid([1, 0])
    return {
        "mixture": theory.BayesianMixture([fair, zero], ["1/2", "1/2"]),
        "mu": mu,
        "env": theory.sequence_environment(2),
        "history": (),
        "horizon": 1,
        "alpha": Fraction(1, 2),
        "pi_kind": "imitator-itself",
        "pi_component": 0,
        "pi": None,
    }


def test_pi_equal_to_the_imitator_under_the_papers_convention_and_as_an_outcome():
    x = fair_and_zero(mu=0)
    ev = thm4.CLAIM.evaluate(x, "exact")
    parts = {p.name: p for p in ev.parts}
    assert ev.holds
    # Raw sums: KL(ν_α‖ν_α) = 0 and KL(ν_α‖μ) = ½ ln(½/½) + 0 = 0 (μ the fair coin).
    assert parts[EXPECTED].lhs == 0 and parts[EXPECTED].rhs == 0 and parts[WORST].rhs == 0
    # With ⊥ as one more outcome the same π is free relative to ν_α and infinitely far from μ (μ never
    # abstains): the implication fails.
    ev = thm4.make(convention="outcome", id="thm4-outcome").evaluate(x, "exact")
    bad = {p.name: p for p in ev.violated_parts()}
    assert ev.holds is False and bad[EXPECTED].rhs == 0 and math.isinf(bad[EXPECTED].lhs)
    assert bad[EXPECTED].lhs.where == ((), "⊥") and math.isinf(bad[WORST].lhs)


def test_the_delegated_policy_needs_the_acting_term():
    # π = ν_α = (1/2, 0), θ = 1/2, μ = fair coin: π→μ = (1/2 + 1/4, 1/4) = (3/4, 1/4).
    x = fair_and_zero(mu=0)
    ev = thm4.CLAIM.evaluate(x, "exact")
    parts = {p.name: p for p in ev.parts}
    lhs = LN(Fraction(3, 2)) * Fraction(3, 4) + LN(Fraction(1, 2)) * Fraction(1, 4)  # ≈ 0.1308 > 0
    assert parts[BOUND].lhs == lhs
    # The bound: KL_actions(π‖ν_α) = 0 plus (1 − θ) ln(1/(1 − θ)) = ½ ln 2 ≈ 0.3466.
    assert ev.holds and parts[BOUND].rhs == LN(Fraction(2)) * Fraction(1, 2)
    assert parts[ANSWERED].lhs == 0 and parts[ANSWERED].rhs == 0
    # Without it: 0.1308 ≤ 0 is false.
    ev = thm4.make(delegation="bare", id="thm4-bare").evaluate(x, "exact")
    bad = {p.name: p for p in ev.violated_parts()}
    assert ev.holds is False and list(bad) == [DELEGATED] and bad[DELEGATED].rhs == 0 and bad[DELEGATED].lhs == lhs


def test_abstaining_within_the_imitator_scores_negative_raw_kl():
    # μ = "always 0" = ν_α (α = 1/2 after ξ = ½·fair + ½·zero: the tie keeps both, ν_α = (1/2, 0); with μ = zero
    # the raw KL of π = ν_α to μ is ½ ln ½ < 0: abstaining lowers the raw sum, which is why the delegated bound
    # needs the acting term: π→μ = μ here, KL 0.
    x = fair_and_zero(mu=1)
    ev = thm4.CLAIM.evaluate(x, "exact")
    parts = {p.name: p for p in ev.parts}
    assert ev.holds and parts[EXPECTED].lhs == LN(Fraction(1, 2)) * Fraction(1, 2) and parts[BOUND].lhs == 0


@pytest.fixture(scope="module")
def as_outcome():
    claim = thm4.make(convention="outcome", id="thm4-outcome")
    return claim, check(claim, budget=60)


@pytest.fixture(scope="module")
def bare():
    claim = thm4.make(delegation="bare", id="thm4-bare")
    return claim, check(claim, budget=60)


def test_the_theorem_with_bot_as_an_outcome_is_refuted_by_an_abstaining_pi(as_outcome):
    _, result = as_outcome
    assert result.verdict == "refuted"
    x = result.counterexample
    names = {p.name for p in result.evaluation.violated_parts()}
    assert EXPECTED in names or WORST in names
    # The counterexample's π abstains at h while μ never does (the theorem itself holds for it).
    pi = kl_transfer.pi_of(x, theory.PessimisticImitator(x["mixture"], x["alpha"]))
    assert x["pi_kind"] in kl_transfer.ABSTAINING_KINDS and pi.abstain(x["history"], arith="exact") > 0
    assert thm4.CLAIM.evaluate(x, "exact").holds


def test_the_delegated_bound_without_the_acting_term_is_refuted(bare, tmp_path):
    claim, result = bare
    assert result.verdict == "refuted"
    assert {p.name for p in result.evaluation.violated_parts()} == {DELEGATED}
    x = result.counterexample
    assert thm4.CLAIM.evaluate(x, "exact").holds
    path = tmp_path / "bare.json"
    write(make_certificate(claim, x, kind="refutation", evaluation=result.evaluation), path)
    assert replay(path, claim=claim).ok


def test_make_rejects_a_bad_convention_or_delegation():
    with pytest.raises(theory.MightntError, match="convention 'raw'"):
        thm4.make(convention="raw")
    with pytest.raises(ValueError, match="delegation 'none'"):
        thm4.make(delegation="none")
