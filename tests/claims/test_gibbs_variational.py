"""gibbs-variational: holds (attained, not exceeded, the gap identity); false variants (perturbations do at least
as well; a wrong temperature) are refuted and their certificates replay; the one-step toy by hand."""

import math

from flint import arb, ctx as flint_ctx

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import gibbs_variational as gibbs


def test_holds_in_ball_arithmetic():
    result = check(gibbs.CLAIM, max_examples=60)
    assert result.verdict == "holds" and result.met
    assert all(ev.context == "ball" and ev.holds for _, ev in result.certified)


def test_perturbations_doing_at_least_as_well_is_refuted(tmp_path):
    variant = gibbs.make(perturbed=">=", id="gibbs-perturbed-geq")
    result = check(variant, max_examples=60)
    assert result.verdict == "refuted" and result.evaluation.context == "ball"
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "cert.json"
    write(cert, path)
    assert replay(path, claim=variant).ok


def test_a_wrong_temperature_is_refuted():
    # On the named examples alone (no search): the objective recomputed with 2λ misses W(λ) by λ·KL(π*‖β).
    result = check(gibbs.make(temperature_factor=2, id="gibbs-2-lambda", given={}))
    assert result.verdict == "refuted" and result.counterexample["name"] == gibbs.one_step()["name"]
    assert any(p.name.startswith("attained") for p in result.evaluation.violated_parts())


def test_one_step_by_hand():
    # β = (1/2, 1/2), rewards (0, 1), λ = 1: π* = (1, e)/(1 + e), W = ln((1 + e)/2). The perturbation
    # π_ε = (π* + (1, 0))/2 has J(π_ε) = W − KL(π_ε‖π*) < W.
    x = gibbs.one_step()
    pi = theory.kl_regularized_policy(x["beta"], x["env"], x["utility"], 1, 1, arith="ball:128")
    with flint_ctx.workprec(128):
        e = arb(1).exp()
        assert pi.objective.overlaps(((1 + e) / 2).log())
        star = [1 / (1 + e), e / (1 + e)]
        mixed = [(star[0] + 1) / 2, star[1] / 2]
        j = mixed[1] - sum(p * (2 * p).log() for p in mixed)  # V − KL(π_ε‖β) with β = 1/2
        gap = sum(p * (p / q).log() for p, q in zip(mixed, star))
        ev = gibbs.CLAIM.evaluate(x, "ball:128")
        assert ev.holds is True
        (attained, exceeded, identity) = ev.parts
        assert exceeded.lhs.overlaps(j) and exceeded.lhs < pi.objective
        assert (pi.objective - j).overlaps(gap)
    assert abs(float(j.mid()) - (math.log((1 + math.e) / 2) - float(gap.mid()))) < 1e-15


def test_step_mixture_is_a_policy():
    first = theory.FiniteStatePolicy([[1, 0], [0, 1]], [[[1], [1]], [[0], [0]]])  # alternates 0, 1, 0, ...
    mixed = gibbs.StepMixture(first, theory.FiniteStatePolicy.iid(["1/2", "1/2"]), "1/4")
    assert list(mixed.probs(((0, 0),), arith="exact")) == [
        theory.arith.to_fraction("1/8"),
        theory.arith.to_fraction("7/8"),
    ]
    env = theory.sequence_environment(2)
    v = theory.value(mixed, env, theory.MeanReward([[0], [1]]), 2, arith="exact")
    assert v == theory.arith.to_fraction("1/2")  # (1/8 + 7/8)/2 averaged over the two steps
