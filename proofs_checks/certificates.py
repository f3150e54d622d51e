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

import contextlib
import datetime
import json
import math
import os
import platform
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from theory.validation import MAX_BALL_PRECISION, MAX_EXACT_DIGITS

from theory.errors import ResourceLimitError

from .claim import CheckResult, Claim, ClaimError, ClaimSideError, Evaluation, certify, check
from .instances import InstanceError, decode, encode

__all__ = [
    "CertificateError",
    "make_certificate",
    "write",
    "read",
    "replay",
    "ReplayResult",
    "FORMAT",
    "VERSION",
    "assert_holds",
    "save_counterexample",
    "saved_counterexamples",
    "EXAMPLES_DIR",
    "MAX_CERTIFICATE_BYTES",
    "REPLAY_TIMEOUT",
]

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
    return [
        {
            "name": p.name,
            "relation": p.relation,
            "lhs": _record(p.lhs, prec),
            "rhs": _record(p.rhs, prec),
            "margin": _record(p.margin, prec),
            "holds": p.holds,
        }
        for p in ev.parts
    ]


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
    if claim.certificate_data is not None:  # what the independent kernel needs beyond the instance (LP duals)
        out.update(claim.certificate_data(instance))
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


# -- reading: a size limit and an explicit schema ----------------------------------------------------------------
#: Largest certificate file :func:`read` accepts, in bytes; a longer file (or ``/dev/zero``) is refused after
#: reading one byte more than this.
MAX_CERTIFICATE_BYTES = 16 * 2**20
#: Deepest nesting of JSON arrays and objects accepted in a certificate (instances are a few levels deep).
MAX_DEPTH = 64
#: Most JSON values (numbers, strings, arrays, objects) accepted in a certificate's instance.
MAX_VALUES = 1_000_000
#: Longest string accepted in a certificate: an exact number or expression, an enclosure, a name.
MAX_TEXT = 4 * MAX_EXACT_DIGITS
#: Most parts a certificate may record.
MAX_PARTS = 10_000

#: The top-level fields: name -> (accepted types, required). No other field is accepted.
_FIELDS = {
    "format": ((str,), True),
    "version": ((int,), True),
    "claim": ((str,), True),
    "kind": ((str,), True),
    "statement": ((str,), True),
    "instance": (None, True),
    "arith": ((str,), True),
    "precision": ((int, type(None)), True),
    "parts": ((list,), True),
    "versions": ((dict,), False),
    "created": ((str,), False),
    "module": ((str,), False),
    "module_file": ((str,), False),
    "lp_dual": ((list,), False),
}
_PART_FIELDS = {
    "name": (str,),
    "relation": (str,),
    "lhs": (dict,),
    "rhs": (dict,),
    "margin": (dict,),
    "holds": (bool, type(None)),
}
_SIDE_FIELDS = {"exact": (str,), "enclosure": (str,), "float": (float,), "infinite": (str,)}


def _one_line(text: str, limit: int = 400) -> str:
    """``text`` on one line (whitespace runs collapsed), cut to ``limit`` characters.

    >>> _one_line("a\\n  b " + "c" * 10, limit=8)
    'a b ccc…'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value) -> str:
    return _one_line(repr(value), 60)


def _type_ok(value, types) -> bool:
    # JSON true/false are Python bools, which are ints: a bool is accepted only where bool is named.
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def _type_names(types) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        dict: "an object",
        list: "an array",
        bool: "true or false",
        type(None): "null",
    }
    return " or ".join(names[t] for t in types)


def _check_value_tree(value, where: str) -> None:
    """JSON data (the instance) within :data:`MAX_DEPTH`, :data:`MAX_VALUES` and :data:`MAX_TEXT`; walked
    without recursion."""
    stack, count = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise CertificateError(f"{where} has more than {MAX_VALUES} values")
        if depth > MAX_DEPTH:
            raise CertificateError(f"{where} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            for key, sub in item.items():
                if len(key) > MAX_TEXT:
                    raise CertificateError(f"{where} has a key of {len(key)} characters, above {MAX_TEXT}")
                stack.append((sub, depth + 1))
        elif isinstance(item, list):
            stack.extend((sub, depth + 1) for sub in item)
        elif isinstance(item, str):
            if len(item) > MAX_TEXT:
                raise CertificateError(f"{where} has a string of {len(item)} characters, above {MAX_TEXT}")
        elif isinstance(item, float):
            raise CertificateError(
                f'{where} has the floating-point number {item!r}; instances hold exact numbers only ("1/3" strings)'
            )
        elif not (item is None or isinstance(item, (bool, int))):  # pragma: no cover - json makes no other type
            raise CertificateError(f"{where} has a value of type {type(item).__name__}")


def _check_fields(record: dict, fields: dict, where: str, *, required=None) -> None:
    unknown = sorted(set(record) - set(fields))
    if unknown:
        raise CertificateError(f"{where} has unknown fields {_shown(unknown)}; expected only {sorted(fields)}")
    for key in fields if required is None else required:
        if key not in record:
            raise CertificateError(f"{where} lacks the field {key!r}")
    for key, value in record.items():
        types = fields[key]
        if types is not None and not _type_ok(value, types):
            raise CertificateError(f"{where} field {key!r} is {_shown(value)}; expected {_type_names(types)}")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise CertificateError(f"{where} field {key!r} has {len(value)} characters, above {MAX_TEXT}")


def _check_schema(data, path) -> None:
    """The certificate's structure: required fields, their types, no unknown fields, bounded sizes."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CertificateError(f'{path} is not a mightnt certificate (no "format": "{FORMAT}")')
    if data.get("version") != VERSION or isinstance(data.get("version"), bool):
        raise CertificateError(
            f"{path} has certificate version {_shown(data.get('version'))}; this mightnt reads {VERSION}"
        )
    if "parts" in data and not (isinstance(data["parts"], list) and all(isinstance(p, dict) for p in data["parts"])):
        raise CertificateError(f"{path} has malformed parts (a list of named evaluations is expected)")
    _check_fields(
        data, {k: t for k, (t, _) in _FIELDS.items()}, str(path), required=[k for k, (_, req) in _FIELDS.items() if req]
    )
    if data["kind"] not in _KINDS:
        raise CertificateError(f"{path} has kind {_shown(data['kind'])}; expected one of {_KINDS}")
    prec = data["precision"]
    if prec is not None and not 8 <= prec <= MAX_BALL_PRECISION:
        raise CertificateError(
            f"{path} has precision {_shown(prec)} bits; a certificate's precision lies between "
            f"8 and {MAX_BALL_PRECISION} bits (theory.validation.MAX_BALL_PRECISION)"
        )
    _check_value_tree(data["instance"], f"{path}: the instance")
    versions = data.get("versions", {})
    if len(versions) > 100 or not all(
        isinstance(v, (str, type(None))) and len(str(v)) <= 200 for v in versions.values()
    ):
        raise CertificateError(f"{path} has malformed versions (a short object of version strings is expected)")
    parts = data["parts"]
    if len(parts) > MAX_PARTS:
        raise CertificateError(f"{path} records {len(parts)} parts, above the {MAX_PARTS} accepted")
    for i, part in enumerate(parts):
        where = f"{path}: part {i}"
        if not isinstance(part, dict) or "name" not in part:
            raise CertificateError(f"{path} has malformed parts (a list of named evaluations is expected)")
        _check_fields(part, _PART_FIELDS, where)
        for side in ("lhs", "rhs", "margin"):
            rec = part[side]
            _check_fields(
                rec,
                _SIDE_FIELDS,
                f"{where} {side}",
                required=("infinite",) if "infinite" in rec else ("enclosure", "float"),
            )
            if "infinite" in rec and (len(rec) != 1 or rec["infinite"] not in ("+inf", "-inf")):
                raise CertificateError(
                    f"{where} {side} is {_shown(rec)}; an infinite value is recorded as "
                    '{"infinite": "+inf"} or {"infinite": "-inf"} alone'
                )


def _no_constant(name: str):
    raise ValueError(f"the JSON constant {name} is not allowed")


def read(path) -> dict:
    """Read and structurally validate a certificate file (raises CertificateError with the reason, one line).

    At most :data:`MAX_CERTIFICATE_BYTES` are read; the text must be UTF-8 JSON of the certificate's schema
    (known fields of the right types, strings and nesting bounded).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "deep.json"
    >>> _ = path.write_text("[" * 100000 + "]" * 100000)
    >>> read(path)
    Traceback (most recent call last):
    ...
    proofs_checks.certificates.CertificateError: ...deep.json is nested too deeply to be a certificate
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CERTIFICATE_BYTES + 1)
    except OSError as err:
        raise CertificateError(f"cannot read certificate {path}: {err.strerror or err}") from err
    if len(raw) > MAX_CERTIFICATE_BYTES:
        raise CertificateError(
            f"{path} is larger than {MAX_CERTIFICATE_BYTES} bytes "
            f"(certificates.MAX_CERTIFICATE_BYTES); not a certificate, refused"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CertificateError(
            f"{path} is not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start})"
        ) from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise CertificateError(f"{path} is not JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise CertificateError(f"{path} is nested too deeply to be a certificate") from None
    except ValueError as err:  # a number with more digits than Python reads, a NaN constant
        raise CertificateError(f"{path} is not a readable certificate: {_one_line(err)}") from None
    _check_schema(data, path)
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
        unknown = _one_line(err.args[0]) if err.args else f"unknown claim {_shown(claim_id)}"
    if module is None:
        raise CertificateError(f"{unknown}; the certificate names no module: replay with --import MODULE")
    if not isinstance(module, str):
        raise CertificateError(f"{path} has a malformed module {_shown(module)} (a module name or a .py path)")
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
        raise CertificateError(
            f"{path}: the claim {claim_id!r} comes from {module}, which cannot be imported: {_one_line(first_error)}"
        ) from first_error
    try:
        return registry.get(claim_id)
    except KeyError:
        raise CertificateError(f"{path}: importing {module} did not register the claim {claim_id!r}") from None


# -- replay: every recorded field recomputed ---------------------------------------------------------------------
def _enclosure_mismatch(recorded: str, expected: str, value, prec: int) -> str | None:
    """Why a recorded enclosure is wrong, or None. It must be the recomputed one, or (written by another version
    of python-flint) a finite ball that contains the recomputed enclosure of the value and is no wider than the
    recomputed one allows: radius at most 4·(recomputed radius) + 2^-prec·max(1, |midpoint|)."""
    if recorded == expected:
        return None
    from flint import arb

    from theory.arith import BallContext

    ball = BallContext(prec)
    with ball.scope():
        now = value if isinstance(value, arb) else ball.convert(value)
    with BallContext(min(prec + 64, MAX_BALL_PRECISION + 64)).scope():
        try:
            rec, printed = arb(recorded), arb(expected)
        except (ValueError, TypeError):
            return f"the enclosure {_shown(recorded)} is not a ball [midpoint +/- radius]"
        if not rec.is_finite():
            return f"the enclosure {_shown(recorded)} is not finite"
        if not rec.contains(now):
            return f"the enclosure {_shown(recorded)} does not contain the recomputed value {expected}"
        allowed = 4 * printed.rad() + arb(2) ** (-prec) * max(arb(1), abs(printed.mid()))
        if not rec.rad() <= allowed:
            return f"the enclosure {_shown(recorded)} is wider than {prec} bits allow (recomputed: {expected})"
    return None


def _side_mismatch(recorded: dict, expected: dict, value, prec: int) -> str | None:
    """Why a recorded side (lhs, rhs or margin) differs from its recomputation, or None."""
    if set(recorded) != set(expected):
        return f"records the fields {sorted(recorded)} where the recomputation has {sorted(expected)}"
    for key in ("infinite", "exact"):
        if key in expected and recorded[key] != expected[key]:
            return f"{key} {_shown(recorded[key])} is not the recomputed {_shown(expected[key])}"
    if "float" in expected and repr(recorded["float"]) != repr(expected["float"]):
        return f"float {recorded['float']!r} is not the recomputed {expected['float']!r}"
    if "enclosure" in expected:
        return _enclosure_mismatch(recorded["enclosure"], expected["enclosure"], value, prec)
    return None


def _parts_mismatch(recorded: list, ev: Evaluation, prec: int) -> str | None:
    """Why the recorded parts differ from the recomputed evaluation (names in order, relation, holds, each side,
    margin), or None."""
    expected = _parts_record(ev, prec)
    names, wanted = [p["name"] for p in recorded], [p["name"] for p in expected]
    if names != wanted:
        twice = sorted({n for n in names if names.count(n) > 1})
        missing, extra = [n for n in wanted if n not in names], [n for n in names if n not in wanted]
        why = (
            f"part {twice[0]!r} is recorded {names.count(twice[0])} times"
            if twice
            else f"the claim's part {missing[0]!r} is not recorded"
            if missing
            else f"the recorded part {extra[0]!r} is not one of the claim's"
            if extra
            else "the parts are recorded out of the claim's order"
        )
        return f"{why} (the claim's parts, in order: {_shown(wanted)})"
    for rec, exp, part in zip(recorded, expected, ev.parts):
        if rec["relation"] != exp["relation"]:
            return f"part {part.name!r}: relation {rec['relation']!r} is not the claim's {exp['relation']!r}"
        if rec["holds"] is not exp["holds"]:
            return f"part {part.name!r}: holds is recorded as {rec['holds']!r} but recomputed as {exp['holds']!r}"
        for side in ("lhs", "rhs", "margin"):
            why = _side_mismatch(rec[side], exp[side], getattr(part, side), prec)
            if why:
                return f"part {part.name!r}: the recorded {side} does not match the recomputed value: {why}"
    return None


class _ReplayTimeout(BaseException):
    """Raised by the replay's alarm (a BaseException, so that no claim code turns it into a verdict)."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise :class:`_ReplayTimeout` after ``seconds`` of wall-clock (only in the main thread, with SIGALRM)."""
    usable = (
        seconds is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def alarm(signum, frame):
        # Fired again every 0.1 s until the limit is left: an exception raised inside a callback that ignores
        # exceptions (the garbage collector's) would otherwise be lost.
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        raise _ReplayTimeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: Default wall-clock limit of a replay's evaluation, in seconds (``replay(timeout=...)``, ``--timeout``).
REPLAY_TIMEOUT = 60.0


def replay(path, *, claim: Claim | None = None, timeout: float | None = REPLAY_TIMEOUT) -> ReplayResult:
    """Re-verify a certificate from scratch: rebuild the instance, re-evaluate the claim in the recorded
    arithmetic, and check that it proves what the file says and that every recorded field is the recomputed
    one: the statement, the arithmetic and precision, the parts' names in order, each relation and ``holds``,
    and each side and margin (exact text equal, float equal to the last digit, enclosure containing the value
    and no wider than the precision allows).

    A malformed file (not UTF-8, not JSON, too large or deep, unknown fields or wrong types, an unknown claim,
    an instance that cannot be rebuilt, an evaluation longer than ``timeout`` seconds) raises CertificateError;
    a well-formed certificate that does not verify gives ``ok=False`` and the first mismatch as ``message``.
    Both messages are one line.

    ``claim`` replays a certificate of a user-defined claim. Without it the claim is looked up in the registry
    (the built-in claims, registered ones, installed packages'), and if unknown, the module the certificate
    names is imported (as ``mightnt --import`` would: its code runs) and must register it."""
    data = read(path)
    target = claim if claim is not None else _registered_claim(data, path)
    if target.id != data["claim"]:
        raise CertificateError(f"{path} is a certificate for {_shown(data['claim'])}, not {target.id!r}")
    try:
        instance = decode(data["instance"])
    except (ValueError, RecursionError) as err:  # InstanceError, or a theory error from a constructor
        raise CertificateError(f"{path}: the instance cannot be rebuilt: {_one_line(err)}") from err
    try:  # the canonical form only ("1/2", not "2/4" or "0.5"): what was recorded is what is replayed
        canonical = encode(instance) == data["instance"]
    except (ValueError, RecursionError):
        canonical = False
    if not canonical:
        raise CertificateError(
            f"{path}: the instance is not in the canonical form mightnt writes (exact numbers "
            "in lowest terms, every field of each object)"
        )
    arith, prec = data["arith"], data["precision"]
    if arith == "ball":
        if prec is None:
            raise CertificateError(f"{path}: ball arithmetic needs an integer precision, got null")
        arith = f"ball:{prec}"
    elif arith == "exact":
        if prec is not None:
            raise CertificateError(f"{path}: exact arithmetic has no precision, but {prec} bits are recorded")
    else:
        raise CertificateError(f"{path}: arithmetic {_shown(arith)} cannot certify; expected 'exact' or 'ball'")

    def rejected(why: str, ev=None) -> ReplayResult:
        return ReplayResult(False, _one_line(why), target.id, ev)

    statement = target.statement or target.title
    if data["statement"] != statement:
        return rejected(
            f"the recorded statement {_shown(data['statement'])} is not the statement of "
            f"{target.id}: {_shown(statement)}"
        )
    try:
        with _time_limit(timeout):
            ev = target.evaluate(instance, arith)
    except _ReplayTimeout:
        raise CertificateError(
            f"{path}: re-evaluating the instance took more than {timeout:g} s; the instance is "
            "too large to replay (raise the timeout to wait longer)"
        ) from None
    except RecursionError:
        raise CertificateError(f"{path}: the instance is nested too deeply to evaluate") from None
    except MemoryError:
        raise CertificateError(f"{path}: re-evaluating the instance ran out of memory") from None
    except ResourceLimitError as err:
        raise CertificateError(f"{path}: the instance is too large to replay: {_one_line(err)}") from err
    except ClaimSideError as err:
        if isinstance(err.__cause__, ResourceLimitError):
            raise CertificateError(f"{path}: the instance is too large to replay: {_one_line(err.__cause__)}") from err
        return rejected(f"evaluating the instance failed: {err}")
    except (ValueError, ArithmeticError) as err:
        return rejected(f"evaluating the instance failed: {err}")
    try:
        _require(ev, data["kind"], target.id)
    except CertificateError as err:
        return rejected(f"the certificate no longer proves its claim: {err}", ev)
    if ev.context != data["arith"] or ev.prec != prec:
        return rejected(
            f"the recorded arithmetic {data['arith']} ({prec} bits) is not the evaluation's "
            f"{ev.context} ({ev.prec} bits)",
            ev,
        )
    try:
        why = _parts_mismatch(data["parts"], ev, ev.prec or 128)
    except (ValueError, ArithmeticError) as err:  # a recomputed value with no enclosure (sympy's oo, say)
        why = f"the recomputed values cannot be compared with the recorded ones: {err}"
    if why:
        return rejected(why, ev)
    if target.certificate_data is not None or "lp_dual" in data:  # extra data recorded for the kernel: recomputed
        expected = target.certificate_data(instance) if target.certificate_data is not None else {}
        for key in ("lp_dual",):
            if data.get(key) != expected.get(key):
                return rejected(f"the recorded {key} is not the one recomputed from the instance", ev)
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
    lines = [
        f"claim {claim.id!r} ({claim.kind}) should be {claim.expected!r} but is {result.verdict!r}: {result.message}"
    ]
    if refuted:
        from .claim import counterexample_record

        record = counterexample_record(result.counterexample, result.evaluation)
        where = record["arith"] + (f" at {record['precision']} bits" if record.get("precision") else "")
        first = "; saved by an earlier run and tried first" if result.examples <= len(saved) else ""
        lines.append(f"counterexample (certified in {where}{first}): {record['shown']}")
        for part in record["parts"]:
            status = {True: "holds", False: "VIOLATED", None: "undecided"}[part["holds"]]
            lines.append(
                f"  {part['name']}: {_side_text(part['lhs'])} {part['relation']} {_side_text(part['rhs'])}  ({status})"
            )
        try:
            folder = Path(certificates) if certificates is not None else Path(tempfile.mkdtemp(prefix="mightnt-"))
            folder.mkdir(parents=True, exist_ok=True)
            out = (folder / f"{claim.id}.json").resolve()
            write(make_certificate(claim, result.counterexample, kind="refutation", evaluation=result.evaluation), out)
            lines.append(f"certificate: {out}  (re-verify: mightnt replay {out})")
        except (CertificateError, InstanceError, OSError) as err:
            lines.append(f"certificate: not written ({err})")
    else:
        lines.append(f"evidence: {result.evidence.summary()}")
    raise AssertionError("\n".join(lines))
