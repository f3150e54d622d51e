"""conj-bayes-kl-transfers: refuted (shrunk, certified, replayable) under several seeds; its true version, with the
pessimistic imitator in place of ξ (Theorem 4), holds."""

from fractions import Fraction

import pytest

import theory
from proofs_checks import check

# The budget `mightnt check` gives the paper's claims: a guard the count-sized search stays well inside, so a
# loaded machine does not cut the search (and its shrinking) short.
from proofs_checks.registry import PAPER_BUDGET
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_bayes_kl_transfers as conj


@pytest.fixture(scope="module")
def seed0():
    return check(conj.CLAIM, seed=0, budget=PAPER_BUDGET)


def test_refuted_and_shrunk(seed0):
    assert seed0.verdict == "refuted" and seed0.met and seed0.evaluation.context == "exact"
    x = seed0.counterexample
    # Found in the small scope: two components, one step, π the other component.
    assert len(x["mixture"]) == 2 and x["horizon"] == 1 and x["history"] == ()
    assert x["pi_kind"] == "component" and x["pi_component"] != x["mu"]
    part = seed0.evaluation.parts[1]
    assert part.holds is False and part.lhs > part.rhs
    # Recomputed by hand from the instance: KL(π‖μ) for one step against KL(π‖ξ).
    pi, mu = (x["mixture"].components[i].probs(arith="exact") for i in (x["pi_component"], x["mu"]))
    assert part.lhs == theory.kl(pi, mu, arith="exact")
    assert part.rhs == theory.kl(pi, x["mixture"].probs(arith="exact"), arith="exact")


def test_refuted_under_another_seed():
    # Seeds 2 and 3 find it too (about 5 s each); one more seed keeps this file fast.
    result = check(conj.CLAIM, seed=1, budget=PAPER_BUDGET)
    assert result.verdict == "refuted" and result.met


def test_the_imitator_version_holds():
    result = check(conj.make(base="imitator", id="bayes-kl-transfers-imitator", kind="theorem"), max_examples=40)
    assert result.verdict == "holds" and result.met


def test_certificate_replays(tmp_path, seed0):
    path = tmp_path / "bayes.json"
    write(make_certificate(conj.CLAIM, seed0.counterexample, kind="refutation", evaluation=seed0.evaluation), path)
    assert replay(path).ok


def test_hand_derived():
    # ξ = ½·always-0 + ½·always-1, μ = always-0, π = always-1, one step: KL(π‖ξ) = ln 2 but KL(π‖μ) = ∞;
    # over two steps (ξ has learned π after one step): KL(π‖ξ) is still ln 2 while KL(π‖μ) = ∞.
    stay, leave = theory.FiniteStatePolicy.constant(0, n_actions=2), theory.FiniteStatePolicy.constant(1, n_actions=2)
    xi = theory.BayesianMixture([stay, leave], ["1/2", "1/2"])
    x = {
        "mixture": xi,
        "mu": 0,
        "env": theory.sequence_environment(2),
        "history": (),
        "horizon": 2,
        "alpha": Fraction(1, 2),
        "pi_kind": "component",
        "pi_component": 1,
        "pi": None,
    }
    ev = conj.CLAIM.evaluate(x, "exact")
    assert ev.holds is False
    parts = {p.name: p for p in ev.parts}
    kl = parts["expected KL^μ_{h,m}(π‖μ) ≤ KL^μ_{h,m}(π‖ξ)"]
    assert kl.rhs == theory.kl([0, 1], ["1/2", "1/2"], arith="exact") and kl.lhs == float("inf")
