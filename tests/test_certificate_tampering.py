"""Tampered certificates: every recorded field is recomputed on replay, so any edit is rejected, with one line.

Two genuine refutations (conj-pinsker-quarter: three parts, exact values that are rationals, logarithms and
zeros; conj-kl-triangle: one part with long exact expressions) are mutated field by field: each exact string by
one character, each float by one ulp, each enclosure widened, shifted, emptied of its radius or set to
[+/- inf], each relation and holds changed, parts duplicated, removed and reordered, the kind, statement, claim,
arithmetic and precision changed, unknown fields added and required ones removed, the instance edited. The
genuine certificates replay; every variant is rejected, either as malformed (CertificateError) or as not
verifying (``ok`` False), and the reason is one line.
"""

import copy
import json
import math

import pytest
from flint import arb, ctx

from proofs_checks import check, registry
from proofs_checks.certificates import CertificateError, make_certificate, replay, write

CLAIMS = ("conj-pinsker-quarter", "conj-kl-triangle")
RELATIONS = ("<=", "<", ">=", ">", "==")


@pytest.fixture(scope="module")
def genuine():
    out = {}
    for claim_id in CLAIMS:
        claim = registry.get(claim_id)
        found = check(claim, seed=0)
        out[claim_id] = make_certificate(claim, found.counterexample, kind="refutation", evaluation=found.evaluation)
    return out


def _one_char(text: str) -> str:
    """``text`` with one character changed: its last digit incremented (mod 10), else a character appended."""
    for i in range(len(text) - 1, -1, -1):
        if text[i].isdigit():
            return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1 :]
    return text + "x"


def _balls(enclosure: str) -> dict:
    """Edited enclosures: widened a thousandfold, shifted by three radii, without radius, infinite, nan."""
    old = ctx.prec
    ctx.prec = 256
    try:
        ball = arb(enclosure)
        mid, rad = ball.mid(), ball.rad()
        tiny = arb(2) ** -100 * max(arb(1), abs(mid))
        return {
            "widened": arb(mid, 1000 * rad + tiny).str(60, radius=True),
            "shifted": arb(mid + 3 * rad + tiny, rad).str(60, radius=True),
            "shifted down": arb(mid - 3 * rad - tiny, rad).str(60, radius=True),
            "radius dropped": mid.str(60) if rad != 0 else arb(mid + tiny).str(60),
            "[+/- inf]": "[+/- inf]",
            "infinite midpoint": "[inf +/- 1]",
            "nan": "nan",
            "not a number": "zero",
        }
    finally:
        ctx.prec = old


def _side_variants(side: dict) -> dict:
    out = {}
    if "exact" in side:
        out["exact one character"] = dict(side, exact=_one_char(side["exact"]))
        out["exact removed"] = {k: v for k, v in side.items() if k != "exact"}
        out["exact as a number"] = dict(side, exact=0)
    if "float" in side:
        f = side["float"]
        out["float +1 ulp"] = dict(side, float=math.nextafter(f, math.inf))
        out["float -1 ulp"] = dict(side, float=math.nextafter(f, -math.inf))
        out["float as a string"] = dict(side, float=repr(f))
        out["float negated"] = dict(side, float=-f if f else 1.0)
        out["float huge"] = dict(side, float=1e308)
    if "enclosure" in side:
        for what, ball in _balls(side["enclosure"]).items():
            out[f"enclosure {what}"] = dict(side, enclosure=ball)
        out["enclosure removed"] = {k: v for k, v in side.items() if k != "enclosure"}
    out["set infinite"] = {"infinite": "+inf"}
    out["unknown field"] = dict(side, note="x")
    out["not an object"] = [side]
    return out


def _variants(cert: dict) -> dict:
    """name -> a tampered copy of ``cert``."""
    out = {}

    def variant(name, edit):
        data = copy.deepcopy(cert)
        edit(data)
        assert json.dumps(data) != json.dumps(cert), name  # (True == 1 in Python, not in JSON)
        out[name] = data

    others = [c for c in CLAIMS if c != cert["claim"]]
    variant("claim id of another claim", lambda d: d.update(claim=others[0]))
    variant("claim id unknown", lambda d: d.update(claim=_one_char(d["claim"])))
    variant("claim id a number", lambda d: d.update(claim=7))
    variant("kind witness", lambda d: d.update(kind="witness"))
    variant("kind unknown", lambda d: d.update(kind="proof"))
    variant("statement one character", lambda d: d.update(statement=d["statement"] + "."))
    variant("statement removed", lambda d: d.pop("statement"))
    variant("arith ball without precision", lambda d: d.update(arith="ball"))
    variant("arith float", lambda d: d.update(arith="float"))
    variant("precision on exact", lambda d: d.update(precision=128))
    variant("precision huge", lambda d: d.update(arith="ball", precision=10**9))
    variant("precision astronomical", lambda d: d.update(arith="ball", precision=10**400))
    variant("precision a string", lambda d: d.update(precision="128"))
    variant("precision true", lambda d: d.update(arith="ball", precision=True))
    variant("version true", lambda d: d.update(version=True))
    variant("version 2", lambda d: d.update(version=2))
    variant("format", lambda d: d.update(format="mightnt-certificat"))
    variant("unknown top-level field", lambda d: d.update(extra=1))
    for key in ("claim", "kind", "instance", "arith", "precision", "parts"):
        variant(f"{key} removed", lambda d, key=key: d.pop(key))
    variant("parts empty", lambda d: d.update(parts=[]))
    variant("instance a list", lambda d: d.update(instance=[d["instance"]]))
    variant("instance with a float", lambda d: d["instance"]["dict"].update(extra=0.5))
    variant("instance nested deep", lambda d: d["instance"]["dict"].update(extra=json.loads("[" * 500 + "]" * 500)))
    first = next(iter(cert["instance"]["dict"]))
    variant("instance value replaced", lambda d: d["instance"]["dict"].update({first: {"q": "1/3"}}))
    variant("instance key removed", lambda d: d["instance"]["dict"].pop(first))
    text = json.dumps(cert["instance"])
    variant("instance one digit", lambda d: d.update(instance=_edit_fraction(text)))
    # (A key the claim never reads is not rejected: it changes nothing the certificate proves.)
    variant("instance number not in lowest terms", lambda d: d.update(instance=_edit_fraction(text, scale=True)))
    if '"horizon": ' in text:
        variant("instance horizon 10^9", lambda d: d["instance"]["dict"].update(horizon=10**9))
        variant("instance horizon negative", lambda d: d["instance"]["dict"].update(horizon=-1))

    parts = cert["parts"]
    for i, part in enumerate(parts):
        variant(
            f"part {i} name one character", lambda d, i=i: d["parts"][i].update(name=_one_char(d["parts"][i]["name"]))
        )
        for rel in RELATIONS:
            if rel != part["relation"]:
                variant(f"part {i} relation {rel}", lambda d, i=i, rel=rel: d["parts"][i].update(relation=rel))
        for holds in (True, False, None, "true", 1):
            if holds is not part["holds"]:
                variant(f"part {i} holds {holds!r}", lambda d, i=i, h=holds: d["parts"][i].update(holds=h))
        variant(f"part {i} duplicated", lambda d, i=i: d["parts"].insert(i, copy.deepcopy(d["parts"][i])))
        variant(f"part {i} removed", lambda d, i=i: d["parts"].pop(i))
        variant(f"part {i} unknown field", lambda d, i=i: d["parts"][i].update(note="x"))
        for side in ("lhs", "rhs", "margin"):
            variant(f"part {i} {side} removed", lambda d, i=i, side=side: d["parts"][i].pop(side))
            for what, new in _side_variants(part[side]).items():
                variant(f"part {i} {side} {what}", lambda d, i=i, side=side, new=new: d["parts"][i].update({side: new}))
        if part["lhs"] != part["rhs"]:
            variant(
                f"part {i} lhs and rhs swapped",
                lambda d, i=i: d["parts"][i].update(lhs=d["parts"][i]["rhs"], rhs=d["parts"][i]["lhs"]),
            )
    if len(parts) > 1:
        variant("parts reversed", lambda d: d["parts"].reverse())
        variant("parts rotated", lambda d: d["parts"].append(d["parts"].pop(0)))
    return out


def _edit_fraction(instance_text: str, *, scale: bool = False) -> dict:
    """The instance with one digit of its first exact number changed (``scale``: the same number, not in lowest
    terms)."""
    from fractions import Fraction

    mark = '"q": "' if '"q": "' in instance_text else '["'
    head, tail = instance_text.split(mark, 1)
    number, rest = tail.split('"', 1)
    if scale:
        q = Fraction(number)
        edited = f"{2 * q.numerator}/{2 * q.denominator}"
    else:
        edited = _one_char(number)
    return json.loads(head + mark + edited + '"' + rest)


def _rejection(path) -> str:
    """The one-line reason ``path`` is rejected (fails the test when it is accepted)."""
    try:
        result = replay(path, timeout=20)
    except CertificateError as err:
        return str(err)
    assert not result.ok, f"accepted: {path.name}"
    return result.message


def test_genuine_certificates_replay(tmp_path, genuine):
    for claim_id, cert in genuine.items():
        write(cert, tmp_path / f"{claim_id}.json")
        result = replay(tmp_path / f"{claim_id}.json")
        assert result.ok, result.message


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_every_tampered_variant_is_rejected_on_one_line(tmp_path, genuine, claim_id):
    variants = _variants(genuine[claim_id])
    assert len(variants) >= 90  # pinsker-quarter (3 parts) gives about 220, kl-triangle (1 part) about 100
    accepted, multiline = [], []
    for n, (name, data) in enumerate(variants.items()):
        path = tmp_path / f"v{n}.json"
        path.write_text(json.dumps(data))
        try:
            reason = _rejection(path)
        except AssertionError:
            accepted.append(name)
            continue
        if not reason or "\n" in reason:
            multiline.append(name)
    assert accepted == [], f"{len(accepted)} of {len(variants)} tampered variants accepted: {accepted}"
    assert multiline == []


def test_specific_reasons_name_the_tampered_field(tmp_path, genuine):
    cert = genuine["conj-pinsker-quarter"]
    violated = next(i for i, p in enumerate(cert["parts"]) if p["holds"] is False)
    cases = {
        "float +1 ulp": ("float", f"part {violated} rhs float +1 ulp"),
        "exact": ("exact", f"part {violated} rhs exact one character"),
        "widened": ("wider than", f"part {violated} rhs enclosure widened"),
        "shifted": ("does not contain", f"part {violated} rhs enclosure shifted"),
        "infinite": ("not finite", f"part {violated} rhs enclosure [+/- inf]"),
        "duplicated": ("recorded 2 times", "part 0 duplicated"),
        "removed": ("is not recorded", "part 0 removed"),
        "reordered": ("order", "parts reversed"),
        "statement": ("statement", "statement one character"),
        "precision": ("precision", "precision huge"),
        "relation": ("relation", f"part {violated} relation <"),
        "holds": ("holds", f"part {violated} holds True"),
    }
    variants = _variants(cert)
    for label, (expected, name) in cases.items():
        path = tmp_path / "v.json"
        path.write_text(json.dumps(variants[name]))
        assert expected in _rejection(path), label
