"""The claim registry: the paper's claims in the spec's order, plus any a user registers.

>>> from proofs_checks import registry
>>> registry.get("pinsker").kind
'theorem'
>>> registry.get("pinskr")
Traceback (most recent call last):
...
KeyError: "unknown claim 'pinskr'; did you mean 'pinsker'? (mightnt list shows them all)"
"""

from __future__ import annotations

import difflib
import importlib

from .claim import Claim, ClaimError

__all__ = ["SPEC_ORDER", "PAPER_BUDGET", "get", "all_claims", "register", "ids"]

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
    "conj-kl-triangle",
    "conj-pinsker-quarter",
    "conj-kl-boosts-only-optimal",
    "conj-tvd-boosts-only-optimal-everywhere",
    "conj-bayes-kl-transfers",
)

#: Time budget (seconds) of each of the paper's claims that does not set its own. Their searches are sized by
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
    """Every registered claim id: the spec's, then the user's."""
    return list(SPEC_ORDER) + [i for i in _USER if i not in SPEC_ORDER]


def get(claim_id: str) -> Claim:
    """The claim with this id (KeyError naming close matches otherwise)."""
    if claim_id in _USER:
        return _USER[claim_id]
    if claim_id in SPEC_ORDER:
        return _load(claim_id)
    close = difflib.get_close_matches(claim_id, ids(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise KeyError(f"unknown claim {claim_id!r}{hint} (mightnt list shows them all)")


def all_claims() -> list[Claim]:
    """Every registered claim, in order."""
    return [get(i) for i in ids()]


def register(claim: Claim, *, replace: bool = False) -> Claim:
    """Add a user's claim (so ``mightnt``-style tools, reports and replays find it).

    >>> from proofs_checks import Claim, strategies as S
    >>> c = register(Claim(id="my-claim", title="1 <= 2", given={"x": S.budgets()},
    ...                    lhs=lambda x, a: 1, relation="<=", rhs=lambda x, a: 2), replace=True)
    >>> get("my-claim") is c
    True
    """
    if not isinstance(claim, Claim):
        raise ClaimError(f"register needs a proofs_checks.Claim, got {claim!r}")
    if claim.id in SPEC_ORDER:
        raise ClaimError(f"{claim.id!r} is one of the paper's claims; pick another id")
    if claim.id in _USER and not replace:
        raise ClaimError(f"a claim {claim.id!r} is already registered; pass replace=True to replace it")
    _USER[claim.id] = claim
    return claim
