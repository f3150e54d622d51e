"""Certificates: a good one replays; edited, malformed, or mislabelled ones are rejected with a clear message."""

import json

import pytest

from proofs_checks import check, registry
from proofs_checks.certificates import CertificateError, make_certificate, read, replay, write


@pytest.fixture(scope="module")
def certificate():
    claim = registry.get("conj-pinsker-quarter")
    result = check(claim)
    return make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation)


def _write(tmp_path, data, name="cert.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_a_good_certificate_replays(tmp_path, certificate):
    path = tmp_path / "good.json"
    write(certificate, path)
    result = replay(path)
    assert result.ok and "refutes conj-pinsker-quarter" in result.message
    assert result.evaluation.holds is False


def test_the_certificate_records_what_a_reader_needs(certificate):
    assert certificate["claim"] == "conj-pinsker-quarter" and certificate["kind"] == "refutation"
    assert certificate["arith"] == "exact"
    part = next(p for p in certificate["parts"] if p["holds"] is False)
    assert "exact" in part["lhs"] and "enclosure" in part["rhs"]
    assert {"python", "python-flint", "sympy", "numpy"} <= set(certificate["versions"])


def test_an_edited_instance_no_longer_proves_its_claim(tmp_path, certificate):
    data = json.loads(json.dumps(certificate))
    # Make β equal to π and q equal to p: the laws coincide, so TVD = KL = 0 and nothing is refuted any more.
    data["instance"]["dict"]["beta"] = data["instance"]["dict"]["pi"]
    data["instance"]["dict"]["q"] = data["instance"]["dict"]["p"]
    result = replay(_write(tmp_path, data))
    assert not result.ok and "no longer proves its claim" in result.message


def test_edited_recorded_values_are_caught(tmp_path, certificate):
    data = json.loads(json.dumps(certificate))
    data["parts"][0]["lhs"]["enclosure"] = "[0.3 +/- 1e-10]"
    result = replay(_write(tmp_path, data))
    assert not result.ok and "does not match the recomputed" in result.message


def test_a_refutation_relabelled_as_a_witness_is_rejected(tmp_path, certificate):
    data = dict(certificate, kind="witness")
    result = replay(_write(tmp_path, data))
    assert not result.ok and "not a certified witness" in result.message


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("instance"), "lacks the field 'instance'"),
        (lambda d: d.update(format="something-else"), "not a mightnt certificate"),
        (lambda d: d.update(version=99), "certificate version 99"),
        (lambda d: d.update(claim="conj-pinsker-eighth"), "unknown claim 'conj-pinsker-eighth'"),
        (lambda d: d.update(kind="proof"), "has kind 'proof'"),
        (lambda d: d.update(parts="none"), "malformed parts"),
        (lambda d: d.update(arith="float"), "cannot certify"),
        (lambda d: d["instance"]["dict"].update(pi={"q": "x"}), "instance cannot be rebuilt"),
    ],
)
def test_malformed_certificates_are_rejected(tmp_path, certificate, mutate, message):
    data = json.loads(json.dumps(certificate))
    mutate(data)
    with pytest.raises(CertificateError, match=message):
        replay(_write(tmp_path, data))


def test_files_that_are_not_json_are_rejected(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "mightnt-certificate", ')
    with pytest.raises(CertificateError, match="is not JSON"):
        read(path)
    with pytest.raises(CertificateError, match="cannot read certificate"):
        read(tmp_path / "missing.json")


def test_only_proven_refutations_become_certificates():
    claim = registry.get("pinsker")
    result = check(claim, max_examples=5)
    instance, ev = result.certified[0]
    with pytest.raises(CertificateError, match="does not refute pinsker"):
        make_certificate(claim, instance, kind="refutation", evaluation=ev)
