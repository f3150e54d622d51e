"""``prop2-simple-unprecedented``: :data:`CLAIM`, with its ``statement`` and ``how``; the long prose is docs/claims/prop2-simple-unprecedented.md.

>>> CLAIM.kind, CLAIM.expected
('illustration', 'tabulated')
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import theory
from proofs_checks.claim import Claim, Part

__all__ = [
    "CLAIM",
    "make",
    "examples",
    "prop2_cases",
    "brute_force_maxima",
    "brute_force_g",
    "table",
    "BRUTE_FORCE_BITS",
    "BRUTE_FORCE_CAP",
]

#: The brute force enumerates every integer expression of at most this many bits (10 852 expressions) ...
BRUTE_FORCE_BITS = 21
#: ... with values capped here: it decides g(t) exactly for t up to 10^100.
BRUTE_FORCE_CAP = 10**100 + 1

_MAXIMA: list | None = None


def _pow_capped(a: int, b: int, cap: int) -> int:
    """min(a^b, cap) for a, b >= 1, never materializing a huge power."""
    if a == 1:
        return 1
    if (a.bit_length() - 1) * b >= cap.bit_length():  # a^b >= 2^((bits(a)-1)·b) >= cap
        return cap
    result = 1
    for _ in range(b):  # b < bits(cap) here, so at most a few hundred multiplications
        result *= a
        if result >= cap:
            return cap
    return result


def brute_force_maxima(max_bits: int = BRUTE_FORCE_BITS, cap: int = BRUTE_FORCE_CAP) -> list:
    """``M[L]``: the largest value, capped at ``cap``, of an integer expression of exactly L bits (None when no
    expression has L bits), for L up to ``max_bits``, by listing the distinct values of *every* expression.

    The grammar and code (``theory.programs``): a literal n >= 1 costs ``2 + 2⌊log2 n⌋ + 1`` bits (a 2-bit tag
    and the Elias-gamma code), ``(E op F)`` costs ``2 + ℓ(E) + ℓ(F)`` for op in +, ×, ^. Written here without the
    library's dynamic program (which relies on the monotonicity of the operations); values above ``cap`` are
    kept as ``cap``, which is exact for deciding ``value >= t`` with t < cap (each operation is non-decreasing on
    values >= 1, so a capped operand gives a capped result).

    >>> M = brute_force_maxima(9)
    >>> [M[L] for L in range(3, 10)]
    [1, None, 3, None, 7, 2, 15]
    """
    global _MAXIMA
    if _MAXIMA is not None and len(_MAXIMA) > max_bits and cap == BRUTE_FORCE_CAP:
        return _MAXIMA[: max_bits + 1]
    values: list[set] = [set() for _ in range(max_bits + 1)]
    for L in range(3, max_bits + 1):
        if (L - 3) % 2 == 0:  # literals with ⌊log2 n⌋ = (L − 3)/2
            k = (L - 3) // 2
            values[L].update(min(n, cap) for n in range(1 << k, 1 << (k + 1)))
        for L1 in range(3, L - 2 - 3 + 1):
            L2 = L - 2 - L1
            for a in values[L1]:
                for b in values[L2]:
                    values[L].add(min(a + b, cap))
                    values[L].add(min(a * b, cap))
                    values[L].add(_pow_capped(a, b, cap))
    maxima = [max(v) if v else None for v in values]
    if cap == BRUTE_FORCE_CAP:
        _MAXIMA = maxima
    return maxima


def brute_force_g(t: int) -> int:
    """g(t) = min over T >= t of ℓ(T), by the brute force of :func:`brute_force_maxima` (t <= 10^100).

    >>> [brute_force_g(t) for t in (1, 2, 100, 10**100)]
    [3, 5, 14, 21]
    """
    if not 1 <= t < BRUTE_FORCE_CAP:
        raise ValueError(f"the brute force decides g(t) for 1 <= t <= 10^100, got {t}")
    maxima = brute_force_maxima()
    return next(L for L, m in enumerate(maxima) if m is not None and m >= t)


@st.composite
def prop2_cases(draw, *, max_T=12, max_extra=3):
    """A time T, a history of T + 0..``max_extra`` steps (two actions, two observations), and a time t up to
    10^100 (small, a power of ten, or anything).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None, deadline=None)
    ... @given(prop2_cases())
    ... def check(x):
    ...     assert x["T"] <= len(x["history"]) <= x["T"] + 3 and 1 <= x["t"] <= 10**100
    >>> check()
    """
    T = draw(st.integers(1, max_T))
    n = T + draw(st.integers(0, max_extra))
    steps = draw(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=n, max_size=n))
    t = draw(st.one_of(st.integers(1, 2**20), st.integers(0, 100).map(lambda k: 10**k), st.integers(1, 10**100)))
    return {"T": T, "history": tuple(steps), "t": t}


def _happened(T: int, history) -> list[tuple[int, bool, bool, bool]]:
    """For every prefix length k: (k, direct, batched automaton, the language's length_ge(T))."""
    event = theory.LengthAtLeast(T)
    lang = theory.PolicyLanguage(2, 2)
    expression = lang.length_ge(theory.shortest_integer_expression(T))
    state = event.initial()
    out = []
    one = np.zeros(1, dtype=np.int64)
    for k in range(len(history) + 1):
        prefix = history[:k]
        out.append((k, event.holds(prefix), bool(event.happened(state)[0]), expression.holds(prefix)))
        if k < len(history):
            a, o = history[k]
            state = event.advance(state, one, np.array([a]), np.array([o]))
    return out


def examples() -> list[dict]:
    """The fixed example every check certifies: T = 3 and t = 10^100.

    >>> [x["T"] for x in examples()]
    [3]
    """
    return [{"name": "T = 3, t = 10^100", "T": 3, "history": ((0, 0), (1, 1), (0, 1), (1, 0), (0, 0)), "t": 10**100}]


def make(
    *,
    happened_before: bool = False,
    g_versus_log: str | None = None,
    id: str = "prop2-simple-unprecedented",
    kind: str = "illustration",
    max_examples: int = 100,
) -> Claim:
    """The checkable parts of Proposition 2; ``happened_before=True`` claims that "length ≥ T" has already
    happened before T, ``g_versus_log=">="`` claims g(t) ≥ log2 t (both false).

    >>> make(happened_before=True, id="prop2-before", kind="theorem").kind
    'theorem'
    """

    def parts(x, arith):
        T, history, t = x["T"], tuple(x["history"]), x["t"]
        rows = _happened(T, history)
        before = [r for r in rows if r[0] < T]
        after = [r for r in rows if r[0] >= T]
        fired_before = sum(1 for r in before if any(r[1:]))
        missing_after = sum(1 for r in after if not all(r[1:]))
        out = []
        if happened_before:
            out.append(
                Part(
                    "(false variant) length ≥ T has happened at some prefix shorter than T",
                    arith.convert(fired_before),
                    ">=",
                    arith.convert(1),
                )
            )
        else:
            out.append(
                Part(
                    "unprecedented until T: prefixes shorter than T where length ≥ T holds",
                    arith.convert(fired_before),
                    "==",
                    arith.convert(0),
                )
            )
        out.append(
            Part(
                "happens at T: prefixes of length ≥ T where it does not hold (direct, automaton, language)",
                arith.convert(missing_after),
                "==",
                arith.convert(0),
            )
        )
        g = theory.min_code_length_at_least(t)
        out.append(
            Part(
                "g(t) from the library's dynamic program = g(t) by enumerating every expression",
                arith.convert(g),
                "==",
                arith.convert(brute_force_g(t)),
            )
        )
        witness = theory.largest_integer_expression(g)
        out.append(
            Part(
                "attained: a T ≥ t has an expression of g(t) bits",
                arith.convert(witness.capped(t)),
                ">=",
                arith.convert(t),
            )
        )
        out.append(
            Part(
                "g(t) ≤ 2⌊log2 t⌋ + 3, the length of the literal t",
                arith.convert(g),
                "<=",
                arith.convert(2 * (t.bit_length() - 1) + 3),
            )
        )
        if g_versus_log == ">=":
            # g(t) >= log2 t  <=>  2^g(t) >= t, exactly in integers.
            out.append(
                Part("(false variant) g(t) ≥ log2 t, i.e. 2^g(t) ≥ t", arith.convert(2**g), ">=", arith.convert(t))
            )
        return out

    return Claim(
        id=id,
        title="The simplest event still to happen after t costs g(t) = min_{T≥t} ℓ(T) bits, far below log2 t"
        + (" (false variant)" if happened_before or g_versus_log else ""),
        kind=kind,
        reference="Cohen, Hutter, Bengio, Russell (arXiv 2410.06213), Proposition 2",
        statement=(
            "The complexity of the simplest event that has not happened by time t grows more slowly than every "
            "computable unbounded function. Checkable part: 'the history has length ≥ T' is unprecedented "
            "until T and happens at T; the simplest such event after t costs g(t) = min over T ≥ t of ℓ(T) "
            "bits (+2 for the event tag) in the policy language."
        ),
        latex=r"g(t) = \min_{T \ge t} \ell(T), \qquad g(t) \ll \log_2 t",
        how=(
            "Exact: the event 'length ≥ T' (T ≤ 12) holds at no prefix shorter than T and at every longer one; "
            "g(t) for drawn t ≤ 10^100 by theory against a brute force, attained by a witness T ≥ t, at most the "
            "literal's bits; a table of g(10^k), k ≤ 1000."
        ),
        derived=(
            "Only the checkable parts are decided; the asymptotic statement is illustrated by the table. The "
            "integer code is this library's (literals, +, ×, ^ with a prefix-free code), a stand-in for "
            "Solomonoff's universal machine, so the numbers are specific to it: here g is the inverse of a "
            "tower of exponentials (computable, like log*), whereas with a universal machine it is the inverse "
            "of a busy-beaver function, which is what makes it slower than every computable unbounded function."
        ),
        given=prop2_cases(),
        parts=parts,
        examples=examples,
        tabulate=table,
        certify_in=("exact",),
        max_examples=max_examples,
    )


def table(arith=None, exponents=(0, 1, 2, 3, 6, 10, 20, 50, 100, 1000)) -> dict:
    """g(t) for t = 10^k next to log2 t, the event's length and a witness T ≥ t of g(t) bits.

    >>> tab = table(exponents=(2, 100))
    >>> tab["columns"][:3], [row[:3] for row in tab["rows"]]
    (['t', 'log2 t', 'g(t) = min over T ≥ t of ℓ(T) (bits)'], [['10^2', 6.644, 14], ['10^100', 332.193, 21]])
    """
    rows = []
    for k in exponents:
        t = 10**k
        g = theory.min_code_length_at_least(t)
        rows.append(
            [
                f"10^{k}",
                round(k * math.log2(10), 3),
                g,
                g + 2,
                str(theory.largest_integer_expression(g)),
                theory.integer_code_length(t),
            ]
        )
    return {
        "columns": [
            "t",
            "log2 t",
            "g(t) = min over T ≥ t of ℓ(T) (bits)",
            "bits of the event length_ge(T)",
            "a T ≥ t with ℓ(T) = g(t)",
            "ℓ(t) (bits to name t itself)",
        ],
        "rows": rows,
    }


CLAIM = make()
