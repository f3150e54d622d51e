"""Certificates: a refutation or a witness saved as JSON, and its replay from scratch.

A certificate holds the claim id, the instance in exact rationals, every part of the claim evaluated on it in
a certified context (exact values as text, and enclosures as midpoint and radius), the precision, and the
versions of the software that made it. :func:`replay` rebuilds the instance, re-evaluates the claim in the
recorded context, and accepts the file only if the recomputed evaluation proves what the certificate says (a
certified violation for a refutation, certified parts for a witness) and agrees with the recorded numbers.

>>> import tempfile, pathlib
>>> from proofs_checks import registry, check
>>> claim = registry.get("conj-pinsker-quarter")
>>> found = check(claim)
>>> cert = make_certificate(claim, found.counterexample, kind="refutation", evaluation=found.evaluation)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pinsker.json"
>>> write(cert, path)
>>> replay(path).ok
True
"""

from __future__ import annotations

import datetime
import json
import math
import platform
from dataclasses import dataclass
from pathlib import Path

from .claim import Claim, Evaluation, certify
from .instances import InstanceError, decode, encode

__all__ = ["CertificateError", "make_certificate", "write", "read", "replay", "ReplayResult", "FORMAT", "VERSION"]

FORMAT = "mightnt-certificate"
VERSION = 1
_KINDS = ("refutation", "witness")


class CertificateError(ValueError):
    """A certificate file is malformed, names an unknown claim, or no longer proves what it says."""


def _versions() -> dict:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("mightnt", "python-flint", "sympy", "numpy", "hypothesis", "mpmath"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _record(value, prec: int) -> dict:
    """A value as exact text (when exact), an enclosure ``[mid +/- rad]`` and a float."""
    from flint import arb

    from theory.arith import BallContext

    if isinstance(value, float) and math.isinf(value):
        return {"infinite": "+inf" if value > 0 else "-inf"}
    out: dict = {}
    if not isinstance(value, arb):
        out["exact"] = str(value)
    ball = BallContext(prec)
    with ball.scope():
        enc = value if isinstance(value, arb) else ball.convert(value)
        out["enclosure"] = enc.str(max(20, int(prec * 0.30103) + 2), radius=True)
        out["float"] = float(enc.mid())
    return out


def _parts_record(ev: Evaluation, prec: int) -> list:
    return [{"name": p.name, "relation": p.relation, "lhs": _record(p.lhs, prec), "rhs": _record(p.rhs, prec),
             "margin": _record(p.margin, prec), "holds": p.holds} for p in ev.parts]


def make_certificate(claim: Claim, instance: dict, *, kind: str, evaluation: Evaluation | None = None) -> dict:
    """The certificate of ``instance`` for ``claim``: a ``"refutation"`` (some part certified violated) or a
    ``"witness"`` (every part certified to hold). Raises CertificateError when the evaluation does not prove it."""
    if kind not in _KINDS:
        raise CertificateError(f"certificate kind {kind!r} is not one of {_KINDS}")
    ev = evaluation or certify(claim, instance)
    _require(ev, kind, claim.id)
    prec = ev.prec or 128
    return {
        "format": FORMAT,
        "version": VERSION,
        "claim": claim.id,
        "kind": kind,
        "statement": claim.statement or claim.title,
        "instance": encode(instance),
        "arith": ev.context,
        "precision": ev.prec,
        "parts": _parts_record(ev, prec),
        "versions": _versions(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _require(ev: Evaluation, kind: str, claim_id: str) -> None:
    if kind == "refutation" and ev.holds is not False:
        state = "holds" if ev.holds else "is undecided"
        raise CertificateError(
            f"the instance does not refute {claim_id}: every part {state} in {ev.context} arithmetic"
            + (f" at {ev.prec} bits" if ev.prec else "")
        )
    if kind == "witness" and ev.holds is not True:
        bad = [p.name for p in ev.parts if p.holds is not True]
        raise CertificateError(f"the instance is not a certified witness for {claim_id}: parts {bad} do not hold")


def write(certificate: dict, path) -> None:
    """Write a certificate as indented JSON."""
    Path(path).write_text(json.dumps(certificate, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path) -> dict:
    """Read and structurally validate a certificate file (raises CertificateError with the reason)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise CertificateError(f"cannot read certificate {path}: {err.strerror or err}") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CertificateError(f"{path} is not JSON: {err.msg} at line {err.lineno} column {err.colno}") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CertificateError(f"{path} is not a mightnt certificate (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise CertificateError(f"{path} has certificate version {data.get('version')!r}; this mightnt reads {VERSION}")
    for key in ("claim", "kind", "instance", "arith", "parts"):
        if key not in data:
            raise CertificateError(f"{path} lacks the field {key!r}")
    if data["kind"] not in _KINDS:
        raise CertificateError(f"{path} has kind {data['kind']!r}; expected one of {_KINDS}")
    if not isinstance(data["parts"], list) or not all(isinstance(p, dict) and "name" in p for p in data["parts"]):
        raise CertificateError(f"{path} has malformed parts (a list of named evaluations is expected)")
    return data


@dataclass
class ReplayResult:
    """The outcome of :func:`replay`: ``ok``, a one-line ``message``, and the recomputed evaluation."""

    ok: bool
    message: str
    claim: str
    evaluation: Evaluation | None = None


def _consistent(recorded: dict, value, prec: int) -> bool:
    """Does a recorded value agree with the recomputed one (same infinity, or overlapping enclosures)?"""
    from flint import arb

    from theory.arith import BallContext

    if "infinite" in recorded:
        return isinstance(value, float) and math.isinf(value) and (value > 0) == (recorded["infinite"] == "+inf")
    if isinstance(value, float) and math.isinf(value):
        return False
    enc = recorded.get("enclosure")
    if not isinstance(enc, str):
        raise CertificateError(f"recorded value {recorded!r} has no enclosure")
    ball = BallContext(max(prec, 64))
    with ball.scope():
        try:
            rec = arb(enc)
        except (ValueError, TypeError) as err:
            raise CertificateError(f"recorded enclosure {enc!r} is not a number") from err
        now = value if isinstance(value, arb) else ball.convert(value)
        return bool(rec.overlaps(now))


def replay(path, *, claim: Claim | None = None) -> ReplayResult:
    """Re-verify a certificate from scratch: rebuild the instance, re-evaluate the claim in the recorded
    arithmetic, and check that it proves what the file says and matches the recorded values.

    ``claim`` replays a certificate of a user-defined claim (the registry knows the paper's claims)."""
    from . import registry

    data = read(path)
    try:
        target = claim if claim is not None else registry.get(data["claim"])
    except KeyError as err:
        raise CertificateError(str(err.args[0]) if err.args else f"unknown claim {data['claim']!r}") from err
    if target.id != data["claim"]:
        raise CertificateError(f"{path} is a certificate for {data['claim']!r}, not {target.id!r}")
    try:
        instance = decode(data["instance"])
    except InstanceError as err:
        raise CertificateError(f"{path}: the instance cannot be rebuilt: {err}") from err
    arith = data["arith"]
    prec = data.get("precision")
    if arith == "ball":
        if not isinstance(prec, int) or prec < 8:
            raise CertificateError(f"{path}: ball arithmetic needs an integer precision, got {prec!r}")
        arith = f"ball:{prec}"
    elif arith not in ("exact",):
        raise CertificateError(f"{path}: arithmetic {arith!r} cannot certify; expected 'exact' or 'ball'")
    try:
        ev = target.evaluate(instance, arith)
    except (ValueError, ArithmeticError) as err:
        return ReplayResult(False, f"evaluating the instance failed: {err}", target.id)
    try:
        _require(ev, data["kind"], target.id)
    except CertificateError as err:
        return ReplayResult(False, f"the certificate no longer proves its claim: {err}", target.id, ev)
    recorded = {p["name"]: p for p in data["parts"]}
    if sorted(recorded) != sorted(p.name for p in ev.parts):
        return ReplayResult(False, f"recorded parts {sorted(recorded)} differ from the claim's parts "
                                   f"{sorted(p.name for p in ev.parts)}", target.id, ev)
    for p in ev.parts:
        rec = recorded[p.name]
        for side in ("lhs", "rhs"):
            if side not in rec or not isinstance(rec[side], dict):
                raise CertificateError(f"{path}: part {p.name!r} lacks a recorded {side}")
            if not _consistent(rec[side], getattr(p, side), prec or 128):
                return ReplayResult(False, f"part {p.name!r}: the recorded {side} {rec[side].get('float', rec[side])} "
                                           f"does not match the recomputed {getattr(p, side)}", target.id, ev)
    what = "refutes" if data["kind"] == "refutation" else "witnesses"
    where = f"{ev.context}" + (f" at {ev.prec} bits" if ev.prec else "")
    return ReplayResult(True, f"certificate verified: the instance {what} {target.id} ({where})", target.id, ev)
