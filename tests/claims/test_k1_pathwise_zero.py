"""k1-pathwise-zero: the expected pathwise gradient of k1 is exactly 0 (token and sequence level); the belief that
it is ∇KL(π‖π_ref) is refuted, exactly, with a replayable certificate."""

import numpy as np
import pytest

import theory
from proofs_checks import check
from proofs_checks.certificates import make_certificate, replay, write
from proofs_checks.claims import k1_pathwise_zero as k1
from proofs_checks.instances import decode, encode

ln = theory.LogLinear.log


def test_holds_and_certifies_its_examples_exactly():
    result = check(k1.CLAIM, max_examples=20, scope_limit=100)
    assert result.verdict == "holds" and result.met and result.unconfirmed == 0
    assert len(result.certified) >= len(k1.examples())
    assert all(ev.context == "exact" and ev.holds for _, ev in result.certified)


def test_false_variant_is_refuted_exactly():
    result = check(k1.make(target_gradient="forward"), max_examples=20)
    assert result.verdict == "refuted"
    assert result.evaluation.context == "exact" and result.evaluation.violated_parts()


def test_hand_instance():
    # Two tokens, π = (1/2, 1/2) i.i.d.; π_ref plays (1/4, 3/4) until token 1, then (1/2, 1/2). ∇k1 = ∇ ln π(a_t)
    # is the score e_{a_t} − π, whose mean under π is 0 at every step, whatever π_ref does.
    x = k1.examples()[1]
    ev = k1.CLAIM.evaluate(x, "exact")
    assert ev.holds and [p.lhs for p in ev.parts] == [0, 0, 0, 0]
    # KL(π‖π_ref) over the two tokens is (1 + π(0))·K(π), K = KL(π‖(1/4, 3/4)) = ln 2 − ½ ln 3 (token 0 keeps
    # π_ref's first row for the second token). Its gradient: (3/2)·(¼ ln 3, −¼ ln 3) + K·(¼, −¼) = ±¼ ln 6.
    false = k1.make(target_gradient="forward").evaluate(x, "exact")
    assert false.holds is False
    assert [p.rhs for p in false.parts[:2]] == [ln(6) / 4, -ln(6) / 4]


def test_echo_mixture_round_trips_and_holds():
    x = k1.examples()[2]
    y = decode(encode(x))
    assert isinstance(y["pi"], theory.SoftmaxPolicy) and isinstance(y["ref"], theory.BayesianMixture)
    ev = k1.CLAIM.evaluate(y, "exact")
    assert ev.holds and len(ev.parts) == 2 * 2 * 2  # two levels, two states, two actions


def test_float_evaluation_is_no_candidate():
    # In float the components are rounding noise around 0, within the claim's tolerance: no candidate violation.
    ev = k1.CLAIM.evaluate(k1.examples()[2], "float")
    assert not k1.CLAIM.float_candidate(ev) and np.allclose([float(p.lhs) for p in ev.parts], 0, atol=1e-12)


def test_refutation_certificate_replays(tmp_path):
    variant = k1.make(target_gradient="forward")
    result = check(variant, max_examples=20)
    cert = make_certificate(variant, result.counterexample, kind="refutation", evaluation=result.evaluation)
    path = tmp_path / "k1.json"
    write(cert, path)
    assert replay(path, claim=variant).ok
    assert not replay(path, claim=k1.CLAIM).ok  # the true claim holds there


def test_bad_option_is_named():
    with pytest.raises(ValueError, match="target_gradient 'reverse'"):
        k1.make(target_gradient="reverse")
