"""reactive-worst-case: the reactive worst case W (the expected KL maximized over environments) equals an
independent enumeration, is attained, and bounds the expected KL and Definition 2; Definition 2 bounds the
expected KL for action-blind environments. False variants are refuted, and an engine computing W wrong is caught."""

import math

import pytest

import theory
from proofs_checks import check, registry
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import reactive_worst_case as rwc
from proofs_checks.worlds import delayed_echo, echo_example
from proofs_checks.instances import decode, encode

EXACT = theory.get_context("exact")
LN2 = theory.LogLinear.log(2)


@pytest.fixture(scope="module")
def result():
    # Through the registry: the claim as `mightnt check` runs it, with the registry's budget.
    return check(registry.get("reactive-worst-case"))


def test_holds_with_its_evidence(result):
    assert result.verdict == "holds" and result.met
    ev = result.evidence
    assert not ev.cut_by_budget  # sized by counts, not by the clock
    assert ev.scope_instances > 0 and ev.random_examples > 0 and ev.certified >= len(rwc.examples())
    assert all(e.context == "exact" and e.holds for _, e in result.certified)
    assert "ours" in rwc.CLAIM.derived.lower()


def test_echo_example_exactly():
    parts = {p.name: p for p in rwc.CLAIM.evaluate(echo_example(), "exact").parts}
    w = theory.reactive_worst_case_kl(*(echo_example()[k] for k in ("pi", "beta", "env", "horizon")), arith="exact")
    assert w == LN2
    expected = parts["expected KL under the drawn μ ≤ W"]
    assert expected.lhs == LN2 and expected.rhs == LN2  # the echo attains W
    open_loop = parts["Definition 2 ≤ W"]
    assert open_loop.lhs == LN2 / 2 and open_loop.holds  # Definition 2 is half of it
    # The coin-flip environment ignores the actions: each of its observation sequences gives ½ ln 2 when held
    # fixed, so does their average, and Definition 2 bounds it with equality.
    blind = parts["expected KL under an action-blind μ ≤ Definition 2"]
    assert blind.holds and blind.lhs == blind.rhs == LN2 / 2


def test_delayed_echo_fits_the_theorem_but_not_the_rows_only_hypothesis():
    x = delayed_echo()
    w = theory.reactive_worst_case_kl(x["pi"], x["beta"], x["env"], 3, arith="exact")
    assert theory.trajectory_kl(x["pi"], x["beta"], x["env"], 3, arith="exact") == LN2 == w
    assert theory.worst_case_kl(x["pi"], x["beta"], x["env"], 3, arith="exact") == LN2 / 2
    assert rwc.CLAIM.evaluate(rwc.examples()[1], "exact").holds
    assert rwc.make(blind="rows").evaluate(rwc.examples("rows")[1], "exact").holds is False


@pytest.mark.parametrize(
    "params, part",
    [
        ({"bound": "definition-2"}, "Definition 2 = max over adaptive"),
        ({"blind": "dropped"}, "(any μ, false)"),
        ({"blind": "rows"}, "(μ blind to the current action only, false)"),
    ],
)
def test_false_variants_are_refuted(params, part):
    variant = rwc.make(**params)
    found = check(variant)
    assert found.verdict == "refuted" and found.evaluation.context == "exact"
    assert any(part in p.name for p in found.evaluation.violated_parts())


def test_the_search_itself_refutes_dropping_the_hypothesis():
    # Without the named examples, the small scope finds the echo on its own.
    variant = rwc.make(blind="dropped")
    variant.examples = None
    found = check(variant)
    assert found.verdict == "refuted" and "name" not in found.counterexample
    assert found.counterexample["horizon"] == 2 and found.counterexample["history"] == ()


def _doubled(*args, **kw):
    w = REAL(*args, **kw)
    return w if math.isinf(w) else 2 * w


REAL = theory.reactive_worst_case_kl


@pytest.mark.parametrize("wrong", [theory.worst_case_kl, _doubled], ids=["too-small", "too-large"])
def test_an_engine_computing_w_wrong_is_caught(monkeypatch, wrong):
    monkeypatch.setattr(theory, "reactive_worst_case_kl", wrong)
    found = check(rwc.make(id="reactive-worst-case-broken-engine"), max_examples=10)
    assert found.verdict == "refuted"
    assert any("leaves" in p.name or "attains" in p.name for p in found.evaluation.violated_parts())


def test_reference_enumeration_and_maximizing_environment():
    x = echo_example()
    env, w = rwc.maximizing_environment(x["pi"], x["beta"], 2, 2)
    assert w == LN2
    assert theory.trajectory_kl(x["pi"], x["beta"], env, 2, arith="exact") == w
    # β ruling out what π does after some observation: the enumeration is infinite, as the engine is.
    late = theory.FiniteStatePolicy([["1/2", "1/2"], [1, 0]], [[[0, 1], [0, 1]], [[0, 1], [0, 1]]])
    pi = theory.FiniteStatePolicy.iid(["1/2", "1/2"], n_observations=2)
    assert math.isinf(rwc.adaptive_leaf_kl(pi, late, 2, 2, arith=EXACT))
    assert math.isinf(theory.reactive_worst_case_kl(pi, late, 2, 2, arith="exact"))
    # One step: no observation is seen yet, so W is the one-step KL.
    assert rwc.adaptive_leaf_kl(pi, late, 2, 1, arith=EXACT) == 0


def test_make_rejects_unknown_options():
    with pytest.raises(ValueError, match="'tight'"):
        rwc.make(bound="tight")
    with pytest.raises(ValueError, match="'none'"):
        rwc.make(blind="none")


def test_certificate_of_a_refuted_variant_replays(tmp_path):
    variant = rwc.make(blind="dropped")
    found = check(variant)
    path = tmp_path / "reactive.json"
    write(make_certificate(variant, found.counterexample, kind="refutation", evaluation=found.evaluation), path)
    assert replay(path, claim=variant).ok
    assert not replay(path, claim=rwc.CLAIM).ok  # the theorem does not accept it as a refutation


def test_examples_round_trip():
    for x in rwc.examples():
        y = decode(encode(x))
        assert rwc.CLAIM.evaluate(y, "exact").holds, x["name"]
