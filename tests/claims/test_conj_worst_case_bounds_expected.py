"""conj-worst-case-bounds-expected: refuted by the small scope (the echo counterexample, shrunk, certified,
replayable); its true versions (the reactive worst case, or action-blind environments) hold."""

import pytest

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import conj_worst_case_bounds_expected as conj
from proofs_checks.worlds import echo_example

LN2 = theory.LogLinear.log(2)


@pytest.fixture(scope="module")
def seed0():
    return check(conj.CLAIM, seed=0)


def test_refuted_by_a_small_reactive_counterexample(seed0):
    assert seed0.verdict == "refuted" and seed0.met and seed0.evaluation.context == "exact"
    assert seed0.evidence.scope_instances <= 120 and seed0.evidence.random_examples == 0  # the small scope
    x = seed0.counterexample
    assert x["horizon"] == 2 and x["history"] == () and x["env"].n_observations == 2
    part = seed0.evaluation.parts[0]
    assert part.holds is False
    # Recomputed from the instance: the expected KL exceeds Definition 2, and the reactive worst case bounds both.
    pi, beta, env = x["pi"], x["beta"], x["env"]
    expected = theory.trajectory_kl(pi, beta, env, 2, arith="exact")
    definition_2 = theory.worst_case_kl(pi, beta, env, 2, arith="exact")
    assert part.lhs == expected and part.rhs == definition_2
    assert theory.get_context("exact").sign(expected - definition_2) > 0
    w = theory.reactive_worst_case_kl(pi, beta, env, 2, arith="exact")
    assert theory.get_context("exact").sign(w - expected) >= 0
    # The environment reacts to the action: its observation laws differ across actions.
    assert list(env.probs((), 0, arith="exact")) != list(env.probs((), 1, arith="exact"))


def test_refuted_under_another_seed():
    result = check(conj.CLAIM, seed=3)
    assert result.verdict == "refuted" and result.met


def test_the_spec_echo_example():
    ev = conj.CLAIM.evaluate(echo_example(), "exact")
    assert ev.holds is False
    assert ev.parts[0].lhs == LN2 and ev.parts[0].rhs == LN2 / 2
    assert conj.make(bound="reactive").evaluate(echo_example(), "exact").holds


@pytest.mark.parametrize("params", [{"bound": "reactive"}, {"environments": "action-blind"}])
def test_true_versions_hold(params):
    result = check(conj.make(kind="theorem", id="worst-case-true-version", **params))
    assert result.verdict == "holds" and result.met
    assert result.evidence.certified >= 1


def test_certificate_replays(tmp_path, seed0):
    path = tmp_path / "worst-case.json"
    write(make_certificate(conj.CLAIM, seed0.counterexample, kind="refutation", evaluation=seed0.evaluation), path)
    assert replay(path).ok
    # The reactive worst case is not refuted by it.
    assert not replay(path, claim=conj.make(bound="reactive")).ok


def test_bad_parameters():
    with pytest.raises(ValueError, match="'open-loop'"):
        conj.make(bound="open-loop")
    with pytest.raises(ValueError, match="'some'"):
        conj.make(environments="some")
