"""Certificates: a refutation or a witness saved as JSON, and its replay from scratch.

A certificate holds the claim id, the instance in exact rationals, every part of the claim evaluated on it in
a certified context (exact values as text, and enclosures as midpoint and radius), the precision, and the
versions of the software that made it; for a user's claim, also the module that registers it (what
``--import`` takes), so a replay in another process finds the claim. :func:`replay` rebuilds the instance,
re-evaluates the claim in the recorded context, and accepts the file only if the recomputed evaluation proves
what the certificate says (a certified violation for a refutation, certified parts for a witness) and agrees
with the recorded numbers.

:func:`assert_holds` (also :meth:`Claim.assert_holds`) is the pytest form of a check: a failure's message has
the certified counterexample and its certificate's path, and the counterexample is saved in an example database
(:func:`save_counterexample`) so that the next run certifies it first.

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
import os
import platform
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .claim import CheckResult, Claim, ClaimError, Evaluation, certify, check
from .instances import InstanceError, decode, encode

__all__ = ["CertificateError", "make_certificate", "write", "read", "replay", "ReplayResult", "FORMAT", "VERSION",
           "assert_holds", "save_counterexample", "saved_counterexamples", "EXAMPLES_DIR"]

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
    from . import registry

    ev = evaluation or certify(claim, instance)
    _require(ev, kind, claim.id)
    prec = ev.prec or 128
    out = {
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
    # A user's claim: the module whose import registers it (only if this very claim is the registered one).
    module = registry.origin(claim.id) if registry._USER.get(claim.id) is claim else None
    if module is not None:
        out["module"] = module
        file = getattr(sys.modules.get(module), "__file__", None) if not registry._is_path(module) else None
        if isinstance(file, str) and file.endswith(".py"):  # so a replay from another folder finds it too
            out["module_file"] = file
    return out


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


def _registered_claim(data: dict, path) -> Claim:
    """The claim a certificate names: registered already, or registered by importing its module."""
    from . import registry

    claim_id, module = data["claim"], data.get("module")
    try:
        return registry.get(claim_id)
    except KeyError as err:
        unknown = str(err.args[0]) if err.args else f"unknown claim {claim_id!r}"
    if module is None:
        raise CertificateError(f"{unknown}; the certificate names no module: replay with --import MODULE")
    if not isinstance(module, str):
        raise CertificateError(f"{path} has a malformed module {module!r} (a module name or a .py path)")
    candidates = [module]
    if isinstance(data.get("module_file"), str):  # the module's file, for a replay from another folder
        candidates.append(data["module_file"])
    if registry._is_path(candidates[-1]):  # a certificate moved with its module: look beside it too
        candidates.append(str(Path(path).resolve().parent / Path(candidates[-1]).name))
    first_error = None
    for spec in dict.fromkeys(candidates):
        try:
            registry.import_claims(spec)
            break
        except ClaimError as err:
            first_error = first_error or err
    else:
        raise CertificateError(f"{path}: the claim {claim_id!r} comes from {module}, which cannot be imported: "
                               f"{first_error}") from first_error
    try:
        return registry.get(claim_id)
    except KeyError:
        raise CertificateError(f"{path}: importing {module} did not register the claim {claim_id!r}") from None


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

    ``claim`` replays a certificate of a user-defined claim. Without it the claim is looked up in the registry
    (the paper's claims, registered ones, installed packages'), and if unknown, the module the certificate
    names is imported (as ``mightnt --import`` would: its code runs) and must register it."""
    data = read(path)
    target = claim if claim is not None else _registered_claim(data, path)
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


# -- pytest: assert that a claim meets its expected outcome ------------------------------------------------------
#: Where :func:`assert_holds` saves counterexamples by default (relative to the current directory).
EXAMPLES_DIR = ".mightnt/examples"


def _database(database):
    """A hypothesis example database from a folder, a database, or None."""
    from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

    if database is None or isinstance(database, ExampleDatabase):
        return database
    if isinstance(database, (str, os.PathLike)) and str(database):
        return DirectoryBasedExampleDatabase(os.fspath(database))
    raise CertificateError(f"database={database!r} must be a folder, a hypothesis ExampleDatabase, or None")


def _key(claim_id: str) -> bytes:
    return b"mightnt-counterexample:" + claim_id.encode("utf-8")


def _saved(db, claim_id: str) -> list:
    """``(stored value, instance)`` of the counterexamples saved for a claim, in a fixed order (the folder's
    order is the filesystem's); entries that no longer decode are deleted."""
    out = []
    for value in sorted(db.fetch(_key(claim_id))):
        try:
            out.append((value, decode(json.loads(value.decode("utf-8")))))
        except (ValueError, InstanceError):  # written by another version of mightnt, or damaged
            db.delete(_key(claim_id), value)
    return out


def saved_counterexamples(claim_id: str, *, database=EXAMPLES_DIR) -> list[dict]:
    """The instances saved as counterexamples to ``claim_id`` in ``database`` (see :func:`assert_holds`).

    >>> import tempfile
    >>> from fractions import Fraction
    >>> folder = tempfile.mkdtemp()
    >>> save_counterexample("my-claim", {"p": Fraction(1, 3)}, database=folder)
    True
    >>> saved_counterexamples("my-claim", database=folder)
    [{'p': Fraction(1, 3)}]
    """
    db = _database(database)
    return [] if db is None else [instance for _, instance in _saved(db, claim_id)]


def save_counterexample(claim_id: str, instance: dict, *, database=EXAMPLES_DIR) -> bool:
    """Save ``instance`` (as exact JSON) as a counterexample to ``claim_id`` in ``database``, a folder or a
    hypothesis ``ExampleDatabase``; False when it has no exact JSON form (nothing is saved).

    >>> import tempfile
    >>> save_counterexample("my-claim", {"f": print}, database=tempfile.mkdtemp())
    False
    """
    db = _database(database)
    try:
        value = json.dumps(encode(instance), sort_keys=True).encode("utf-8")
    except InstanceError:
        return False
    if db is not None:
        db.save(_key(claim_id), value)
    return db is not None


def _side_text(side: dict) -> str:
    exact, flt = side.get("exact"), side.get("float")
    flt = f"{flt:.10g}" if isinstance(flt, float) else str(flt)
    return flt if exact in (None, flt) else f"{flt} (= {exact})"


def assert_holds(claim: Claim, *, database=EXAMPLES_DIR, certificates=None, **check_options) -> CheckResult:
    """Check ``claim`` and raise ``AssertionError`` unless its verdict is the expected one; see
    :meth:`Claim.assert_holds`. Counterexamples saved in ``database`` are certified before the search (the
    ``try_first`` of :func:`check`); a refutation is saved there; when no saved instance refutes any more, they
    are deleted (as hypothesis forgets examples that pass).

    >>> from proofs_checks import registry
    >>> claim = registry.get("conj-pinsker-quarter")      # a false conjecture: the check must refute it
    >>> assert_holds(claim, database=None).verdict
    'refuted'
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    db = _database(database)
    saved = _saved(db, claim.id) if db is not None else []
    result = check(claim, try_first=[instance for _, instance in saved], **check_options)
    refuted = result.verdict == "refuted" and result.counterexample is not None
    if db is not None and refuted:
        save_counterexample(claim.id, result.counterexample, database=db)
    elif db is not None and result.verdict != "error":  # fixed: the saved counterexamples refute no more
        for value, _ in saved:
            db.delete(_key(claim.id), value)
    if result.met:
        return result
    lines = [f"claim {claim.id!r} ({claim.kind}) should be {claim.expected!r} but is {result.verdict!r}: "
             f"{result.message}"]
    if refuted:
        from .claim import counterexample_record

        record = counterexample_record(result.counterexample, result.evaluation)
        where = record["arith"] + (f" at {record['precision']} bits" if record.get("precision") else "")
        first = "; saved by an earlier run and tried first" if result.examples <= len(saved) else ""
        lines.append(f"counterexample (certified in {where}{first}): {record['shown']}")
        for part in record["parts"]:
            status = {True: "holds", False: "VIOLATED", None: "undecided"}[part["holds"]]
            lines.append(f"  {part['name']}: {_side_text(part['lhs'])} {part['relation']} "
                         f"{_side_text(part['rhs'])}  ({status})")
        try:
            folder = Path(certificates) if certificates is not None else Path(tempfile.mkdtemp(prefix="mightnt-"))
            folder.mkdir(parents=True, exist_ok=True)
            out = (folder / f"{claim.id}.json").resolve()
            write(make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation),
                  out)
            lines.append(f"certificate: {out}  (re-verify: mightnt replay {out})")
        except (CertificateError, InstanceError, OSError) as err:
            lines.append(f"certificate: not written ({err})")
    else:
        lines.append(f"evidence: {result.evidence.summary()}")
    raise AssertionError("\n".join(lines))
