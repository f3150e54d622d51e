"""The claim registry: the paper's claims in the spec's order, then the KL-estimator lab's, plus any a user
registers.

A user's claims come from a module: :func:`import_claims` imports it (by module name, ``module:function``, or
the path of a ``.py`` file) and registers its ``CLAIMS = [...]`` list, or the claims it registers on import with
:func:`register`; installed packages declare such modules in the entry-point group ``mightnt.claims``
(:func:`load_entry_points`, run when an id is unknown). The registry remembers which module registered each
claim (:func:`origin`), so a certificate can name it and a replay can import it.

>>> from proofs_checks import registry
>>> registry.get("pinsker").kind
'theorem'
>>> registry.get("pinskr")
Traceback (most recent call last):
...
KeyError: "unknown claim 'pinskr'; did you mean 'pinsker'? (mightnt list shows them all; --import MODULE adds your own)"
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import os
import re
import sys
from importlib import metadata
from pathlib import Path
from types import ModuleType

from .claim import Claim, ClaimError

__all__ = [
    "SPEC_ORDER",
    "LAB_ORDER",
    "BUILTIN",
    "PAPER_BUDGET",
    "get",
    "all_claims",
    "register",
    "ids",
    "import_claims",
    "load_entry_points",
    "origin",
    "ImportClaimsError",
    "ENTRY_POINT_GROUP",
]

#: The spec's claim ids, in its order: paper results, foundations, conjectures that must be refuted.
SPEC_ORDER = (
    "prop1-no-triangle",
    "thm1-novel-situations",
    "prop2-simple-unprecedented",
    "thm2-tvd-constraint",
    "thm3-top-set",
    "thm4-pessimistic-kl",
    "chain-rule",
    "telescoping",
    "mixture-dominance",
    "posterior-martingale",
    "pinsker",
    "gibbs-variational",
    "top-set-size",
    "imitator-domination",
    "reactive-worst-case",
    "conj-kl-triangle",
    "conj-pinsker-quarter",
    "conj-kl-boosts-only-optimal",
    "conj-tvd-boosts-only-optimal-everywhere",
    "conj-bayes-kl-transfers",
    "conj-worst-case-bounds-expected",
)

#: The KL-estimator lab's claim ids (:mod:`theory.estimators`: what the sampled KL penalties of RL fine-tuning
#: optimize in exact expectation): its theorems, then the conjectures that must be refuted.
LAB_ORDER = (
    "k1-pathwise-zero",
    "k2-pathwise-forward",
    "k3-pathwise-reverse",
    "k1-reward-forward",
    "conj-k2-token-sum-forward",
    "conj-k3-loss-forward",
    "conj-token-ratio-corrects",
)

#: Every claim that ships with mightnt, in order: the paper's (:data:`SPEC_ORDER`), then the lab's
#: (:data:`LAB_ORDER`). Each has a module ``proofs_checks.claims.<id>`` and a page ``docs/claims/<id>.md``.
BUILTIN = SPEC_ORDER + LAB_ORDER

#: Time budget (seconds) of each built-in claim (:data:`BUILTIN`) that does not set its own. Their searches are sized by
#: counts (small-scope instances, draws, optimizer evaluations) that fit well inside it on 2 cores, so the
#: budget is only a guard and ``mightnt check`` gives the same report on every run and with any ``--jobs``.
PAPER_BUDGET = 20.0

_USER: dict[str, Claim] = {}
_LOADED: dict[str, Claim] = {}


def _module_name(claim_id: str) -> str:
    return "proofs_checks.claims." + claim_id.replace("-", "_")


def _load(claim_id: str) -> Claim:
    if claim_id not in _LOADED:
        module = importlib.import_module(_module_name(claim_id))
        claim = module.CLAIM
        if claim.id != claim_id:
            raise ClaimError(f"module {module.__name__} defines claim {claim.id!r}, expected {claim_id!r}")
        if claim.budget is None:
            claim.budget = PAPER_BUDGET
        _LOADED[claim_id] = claim
    return _LOADED[claim_id]


def ids() -> list[str]:
    """Every registered claim id: the spec's, the lab's, then the user's.

    >>> ids()[:2], ids()[len(SPEC_ORDER)]
    (['prop1-no-triangle', 'thm1-novel-situations'], 'k1-pathwise-zero')
    """
    return list(BUILTIN) + [i for i in _USER if i not in BUILTIN]


def get(claim_id: str) -> Claim:
    """The claim with this id (KeyError naming close matches otherwise)."""
    if claim_id in _USER:
        return _USER[claim_id]
    if claim_id in BUILTIN:
        return _load(claim_id)
    # Installed packages' claims are imported only when needed: an unknown id may be one of theirs.
    failed = [message for message in load_entry_points().values() if message is not None]
    if claim_id in _USER:
        return _USER[claim_id]
    close = difflib.get_close_matches(claim_id, ids(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    broken = f"; {failed[0]}" + (f" (and {len(failed) - 1} more)" if len(failed) > 1 else "") if failed else ""
    raise KeyError(
        f"unknown claim {claim_id!r}{hint} (mightnt list shows them all; --import MODULE adds your own){broken}"
    )


def all_claims() -> list[Claim]:
    """Every registered claim, in order."""
    return [get(i) for i in ids()]


def register(claim: Claim, *, replace: bool = False, origin: str | None = None) -> Claim:
    """Add a user's claim (so ``mightnt``-style tools, reports and replays find it).

    ``origin`` is what to pass to ``--import`` (a module name or a ``.py`` path) to register the claim again
    in another process; certificates store it, so a replay finds the claim. By default it is the module being
    imported by :func:`import_claims`, else the module that calls ``register`` (none from an interactive
    session or ``exec``).

    >>> from proofs_checks import Claim, strategies as S
    >>> c = register(Claim(id="my-claim", title="1 <= 2", given={"x": S.budgets()},
    ...                    lhs=lambda x, a: 1, relation="<=", rhs=lambda x, a: 2), replace=True)
    >>> get("my-claim") is c
    True
    """
    if not isinstance(claim, Claim):
        raise ClaimError(f"register needs a proofs_checks.Claim, got {claim!r}")
    if claim.id in BUILTIN:
        whose = "the paper's" if claim.id in SPEC_ORDER else "the KL-estimator lab's"
        raise ClaimError(f"{claim.id!r} is one of {whose} claims; pick another id")
    if claim.id in _USER and not replace and _USER[claim.id] is not claim:
        raise ClaimError(
            f"a claim {claim.id!r} is already registered"
            + (f" by {_ORIGIN[claim.id]}" if _ORIGIN.get(claim.id) else "")
            + "; pass replace=True to replace it"
        )
    if origin is None:
        origin = _IMPORTING[-1] if _IMPORTING else _calling_module()
    if origin is None and _USER.get(claim.id) is claim:  # registered again, from nowhere in particular
        origin = _ORIGIN.get(claim.id)
    _USER[claim.id] = claim
    _ORIGIN[claim.id] = origin
    return claim


# -- users' claims from modules ----------------------------------------------------------------------------------
#: The entry-point group through which installed packages declare their claims (``module`` or
#: ``module:function``, the same values ``--import`` takes).
ENTRY_POINT_GROUP = "mightnt.claims"

_ORIGIN: dict[str, str | None] = {}  # user claim id -> the --import value whose import registers it
_IMPORTED: dict[str, list] = {}  # --import value (a file as its resolved path) -> the claims it gave
_IMPORTING: list[str] = []  # the --import values being imported, innermost last
_FILE_MODULES: dict[str, str] = {}  # module name a .py file was imported under -> the file's path
_ENTRY_POINTS: dict | None = None  # entry point -> None (loaded) or why it failed; None: not loaded yet


class ImportClaimsError(ClaimError):
    """A module of claims cannot be imported, does not exist, or does not define a list of claims.

    >>> import_claims("no_such_module_of_claims")
    Traceback (most recent call last):
    ...
    proofs_checks.registry.ImportClaimsError: cannot import claims from module 'no_such_module_of_claims': ModuleNotFoundError: No module named 'no_such_module_of_claims'
    """


def origin(claim_id: str) -> str | None:
    """What imports the user claim ``claim_id`` (a module name, ``module:function``, or a ``.py`` file's path);
    None for the paper's claims and for claims registered outside any module.

    >>> origin("pinsker") is None
    True
    """
    return _ORIGIN.get(claim_id)


def _calling_module() -> str | None:
    """The importable name (or file) of the module that called :func:`register`, so importing it registers
    the claim again; None for code with no module (``exec``, an interactive session, a doctest of this file)."""
    frame = sys._getframe(2)  # _calling_module <- register <- the caller
    name = frame.f_globals.get("__name__")
    if name in _FILE_MODULES:
        return _FILE_MODULES[name]
    file = frame.f_globals.get("__file__")
    if name == "__main__":  # a script: importing its file registers the claim (its main guard stays off)
        return str(Path(file).resolve()) if isinstance(file, str) and file.endswith(".py") else None
    module = sys.modules.get(name) if isinstance(name, str) else None
    if module is None or getattr(module, "__file__", None) != file or name == __name__:
        return None
    return name


def _one_line(err: BaseException) -> str:
    return f"{type(err).__name__}: " + " ".join(str(err).split())


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or os.sep in spec


def import_claims(spec: str) -> list[Claim]:
    r"""Import a module of claims and register them; return them.

    ``spec`` is a module name importable from the current directory (``my_claims``, ``pkg.claims``), the path
    of a ``.py`` file, or ``module:function`` for a function returning a list of claims. The module either
    defines ``CLAIMS = [Claim(...), ...]`` or registers its claims on import with :func:`register`. Importing
    the same value twice imports once. Raises :class:`ImportClaimsError` naming ``spec`` when the module
    cannot be imported, the file does not exist, or ``CLAIMS`` is not a list of claims.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "one_claim.py"
    >>> _ = path.write_text(
    ...     "from proofs_checks import Claim\n"
    ...     "CLAIMS = [Claim(id='one-le-two', title='1 <= 2', examples=lambda: [{}],\n"
    ...     "                lhs=lambda x, a: 1, relation='<=', rhs=lambda x, a: 2)]\n")
    >>> [c.id for c in import_claims(str(path))], origin("one-le-two") == str(path.resolve())
    (['one-le-two'], True)
    >>> import_claims(str(path.with_name("missing.py")))
    Traceback (most recent call last):
    ...
    proofs_checks.registry.ImportClaimsError: cannot import claims from .../missing.py: no such file
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ImportClaimsError(f"{spec!r} names no module: give a module name or the path of a .py file")
    spec = spec.strip()
    function = None
    if _is_path(spec):
        key = str(Path(spec).expanduser().resolve())
    else:
        module_name, _, function = spec.partition(":")
        key = spec
    if key in _IMPORTED:
        return list(_IMPORTED[key])
    _IMPORTING.append(key)
    try:
        module = _import_file(spec, key) if _is_path(spec) else _import_module(module_name)
        if function:
            claims = _call_for_claims(module, function, spec)
            for c in claims:
                _register_from(c, key, spec)
        else:
            claims = _claims_of(module, key, spec)
    finally:
        _IMPORTING.pop()
    _IMPORTED[key] = claims
    return list(claims)


def _import_module(name: str) -> ModuleType:
    # ``mightnt`` runs from its script's folder, not the current one: look there too, as ``python -m`` does.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.append(os.getcwd())
    importlib.invalidate_caches()  # a module written after this process started
    if not name or not all(part.isidentifier() for part in name.split(".")):
        raise ImportClaimsError(f"cannot import claims from {name!r}: not a module name (nor a .py file)")
    try:
        return importlib.import_module(name)
    except Exception as err:  # not found, a syntax error, or the module's own code raised: all one answer
        raise ImportClaimsError(f"cannot import claims from module {name!r}: {_one_line(err)}") from err


def _import_file(spec: str, path: str) -> ModuleType:
    file = Path(path)
    if not file.exists():
        raise ImportClaimsError(f"cannot import claims from {spec}: no such file")
    if not file.is_file() or file.suffix != ".py":
        raise ImportClaimsError(f"cannot import claims from {spec}: not a .py file")
    # A name of its own per file, so two files named claims.py do not replace each other.
    name = "mightnt_user_" + re.sub(r"\W", "_", file.stem) + "_" + hashlib.sha1(path.encode()).hexdigest()[:8]
    module_spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(module_spec)
    _FILE_MODULES[name] = path
    sys.modules[name] = module
    if str(file.parent) not in sys.path:  # its sibling modules import as they would beside a script
        sys.path.append(str(file.parent))
    try:
        module_spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise ImportClaimsError(f"cannot import claims from {spec}: {_one_line(err)}") from err
    return module


def _register_from(claim: Claim, key: str, spec: str) -> None:
    try:
        register(claim, origin=key)
    except ClaimError as err:
        raise ImportClaimsError(f"cannot import claims from {spec}: {err}") from err


def _claims_of(module: ModuleType, key: str, spec: str) -> list[Claim]:
    declared = getattr(module, "CLAIMS", None)
    if declared is not None:
        if not isinstance(declared, (list, tuple)):
            raise ImportClaimsError(
                f"{spec}: CLAIMS must be a list of proofs_checks.Claim, not a {type(declared).__name__}"
            )
        for i, c in enumerate(declared):
            if not isinstance(c, Claim):
                raise ImportClaimsError(
                    f"{spec}: CLAIMS must be a list of proofs_checks.Claim, but CLAIMS[{i}] is {c!r:.80}"
                )
        for c in declared:
            _register_from(c, key, spec)
    # Claims the module registered itself, now or when something imported it earlier.
    registered = [c for i, c in _USER.items() if _ORIGIN.get(i) in (key, module.__name__)]
    claims = list(dict.fromkeys(list(declared or []) + registered))
    if not claims:
        raise ImportClaimsError(
            f"{spec} defines no claims: give it CLAIMS = [Claim(...), ...] "
            f"or call proofs_checks.registry.register(...) in it"
        )
    return claims


def _call_for_claims(module: ModuleType, function: str, spec: str) -> list[Claim]:
    make = getattr(module, function, None)
    if not callable(make):
        raise ImportClaimsError(f"cannot import claims from {spec}: {module.__name__} has no function {function!r}")
    try:
        claims = make()
    except Exception as err:
        raise ImportClaimsError(f"cannot import claims from {spec}: {function}() raised {_one_line(err)}") from err
    if isinstance(claims, Claim):
        claims = [claims]
    if not isinstance(claims, (list, tuple)) or not all(isinstance(c, Claim) for c in claims):
        raise ImportClaimsError(f"{spec}: {function}() must return a list of proofs_checks.Claim, got {claims!r:.80}")
    return list(claims)


def load_entry_points() -> dict[str, str | None]:
    """Import the claims installed packages declare in the entry-point group :data:`ENTRY_POINT_GROUP` (once
    per process); return each entry point's name -> None when it loaded, or why it failed (a broken package
    does not hide the others' claims).

    A package declares, in its ``pyproject.toml``::

        [project.entry-points."mightnt.claims"]
        my-claims = "my_package.claims"            # a module with CLAIMS = [...]

    >>> isinstance(load_entry_points(), dict)
    True
    """
    global _ENTRY_POINTS
    if _ENTRY_POINTS is None:
        _ENTRY_POINTS = {}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            value = re.sub(r"\s*\[.*\]\s*$", "", ep.value)  # extras ("module [extra]") are not ours to install
            try:
                import_claims(value)
                _ENTRY_POINTS[ep.name] = None
            except ClaimError as err:
                _ENTRY_POINTS[ep.name] = f"entry point {ep.name!r} ({ENTRY_POINT_GROUP}): {err}"
    return dict(_ENTRY_POINTS)
