"""The policy language: programs with a prefix-free binary code, a complexity prior 2^-ℓ, and compilation to kernels.

This finite, enumerable class of policies is the library's stand-in for Solomonoff's mixture: every program ``s``
has an exact code length ``ℓ(s)`` in bits, the codes are prefix-free (so ``Σ 2^-ℓ(s) ≤ 1``, the Kraft inequality),
and :func:`mixture_from_programs` builds the Bayesian mixture of all programs up to a length with prior weights
``2^-ℓ(s)``. The language includes the paper's switch programs, "behave like P until event E first happens, then
like Q", whose length is ``ℓ(P) + ℓ(E) + ℓ(Q)`` plus a constructor tag; see ``docs/programs.md`` for the grammar
and the exact code table.

Grammar (A = action alphabet, O = observation alphabet, ``grid`` = denominator of the probabilities)::

    program := const(a) | iid(p) | markov_action([p_0],...,[p_|A|-1]) | markov_obs([p_0],...,[p_|O|-1])
             | periodic(a_1,...,a_k) | copy_obs | switch(program, event, program)
             | hazard(program, 1/2^j, program) | primitive(name)
    event   := obs_occurred(x) | action_occurred(a) | length_ge(integer)
    integer := n | (integer+integer) | (integer*integer) | (integer^integer)

>>> lang = PolicyLanguage(2, 2, grid=4)
>>> s = lang.switch(lang.iid(["1/4", "3/4"]), lang.obs_occurred(1), lang.const(0))
>>> print(s)
switch(iid(1/4,3/4), obs_occurred(1), const(0))
>>> s.code, s.length
('1100010010010000', 16)
>>> lang.decode(s.code) == s, lang.parse(str(s)) == s
(True, True)
>>> s.compile()
FiniteStatePolicy([['1/4', '3/4'], [1, 0]], [[[0, 1], [0, 1]], [[1, 1], [1, 1]]], name='switch(iid(1/4,3/4), obs_occurred(1), const(0))')
>>> s.compile().probs(((1, 0),), arith="exact"), s.compile().probs(((1, 1),), arith="exact")
(array([Fraction(1, 4), Fraction(3, 4)], dtype=object), array([Fraction(1, 1), Fraction(0, 1)], dtype=object))
>>> lang.kraft_sum(12) <= 1
True
"""

from __future__ import annotations

import itertools
import numbers
import re
from fractions import Fraction
import math
from math import comb

import numpy as np

from .arith import to_fraction
from .combinators import Hazard, Machine as _Machine, Switch, switch_product as _product
from .errors import ArithmeticContextError, MightntError, ProgramError, ResourceLimitError, RuledOutHistoryError
from .events import LENGTH_CAP, ActionOccurred, LengthAtLeast, ObservationOccurred
from .kernels import FiniteStatePolicy, Policy
from .mixtures import BayesianMixture
from .validation import guard_size, integer as _integer, MAX_PROGRAMS

__all__ = [
    "PolicyLanguage",
    "Program",
    "EventExpression",
    "IntegerExpression",
    "integer",
    "elias_gamma",
    "integer_code_length",
    "shortest_integer_expression",
    "min_code_length_at_least",
    "largest_integer_expression",
    "mixture_from_programs",
    "CONSTRUCTORS",
    "EVENT_TAGS",
    "INTEGER_TAGS",
]

#: Program constructors in tag order: constructor i has tag i written in ``tag_width`` bits.
CONSTRUCTORS = ("const", "iid", "markov_action", "markov_obs", "periodic", "copy_obs", "switch", "hazard", "primitive")
#: Event tags (2 bits; ``11`` is unused).
EVENT_TAGS = {"obs_occurred": "00", "action_occurred": "01", "length_ge": "10"}
#: Integer-expression tags (2 bits).
INTEGER_TAGS = {"literal": "00", "+": "01", "*": "10", "^": "11"}
_INTEGER_OPS = {"01": "+", "10": "*", "11": "^"}

#: An integer expression whose value has more bits than this is not materialized (``.value`` refuses it).
VALUE_BITS_LIMIT = 1 << 20

#: Default limit on the big-integer operations of the counting table behind :meth:`PolicyLanguage.counts`
#: (about ``max_bits²/2``, on integers of up to ``max_bits`` bits; ``max_operations=`` raises it): 10^6 is reached
#: near 1,400 bits, a few seconds.
MAX_COUNT_OPERATIONS = 1_000_000

#: Largest code width, in bits, of one grid distribution (``log2`` of their number) a language accepts.
MAX_DISTRIBUTION_BITS = 4096


def _check_max(value, name: str, default: int) -> int:
    return default if value is None else _integer(value, name=name, minimum=1)


# ---------------------------------------------------------------------------------------------------------------
# Bits
# ---------------------------------------------------------------------------------------------------------------
def fixed_width(n: int) -> int:
    """Bits of a fixed-width index into ``n`` choices: ``ceil(log2 n)`` (0 when n = 1).

    >>> [fixed_width(n) for n in (1, 2, 3, 4, 5, 9)]
    [0, 1, 2, 2, 3, 4]
    """
    return (int(n) - 1).bit_length()


def _fixed(value: int, width: int) -> str:
    return format(value, f"0{width}b") if width else ""


def elias_gamma(n: int) -> str:
    """The Elias-gamma code of a positive integer: ``⌊log2 n⌋`` zeros, then n in binary (``2⌊log2 n⌋ + 1`` bits).

    >>> [elias_gamma(n) for n in (1, 2, 3, 4, 9)]
    ['1', '010', '011', '00100', '0001001']
    >>> elias_gamma(0)
    Traceback (most recent call last):
    ...
    theory.errors.ProgramError: Elias-gamma codes positive integers only, got 0; use n >= 1
    """
    n = _positive_int(n, "Elias-gamma codes positive integers only")
    return "0" * (n.bit_length() - 1) + format(n, "b")


def _gamma_length(n: int) -> int:
    return 2 * (n.bit_length() - 1) + 1


def _periodic_lengths(body: int, width: int) -> list[range]:
    """The periods k of ``periodic(a_1..a_k)`` programs whose body has exactly ``body`` bits, ``gamma(k) + k·width``,
    as ranges, found per bit length of k rather than k by k (with one action, ``width`` is 0 and a body of g bits
    holds every k with gamma(k) = g: 2^((g−1)/2) of them).

    >>> _periodic_lengths(5, 1), _periodic_lengths(5, 0)
    ([range(2, 3)], [range(4, 8)])
    """
    out = []
    b = 1
    while 2 * (b - 1) + 1 <= body:
        g, lo, hi = 2 * (b - 1) + 1, 1 << (b - 1), (1 << b) - 1
        if width == 0:
            if g == body:
                out.append(range(lo, hi + 1))
        elif (body - g) % width == 0 and lo <= (body - g) // width <= hi:
            out.append(range((body - g) // width, (body - g) // width + 1))
        b += 1
    return out


def _positive_int(n, what: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise ProgramError(f"{what}, got {n!r}; use n >= 1")
    return int(n)


class _Reader:
    """A cursor over a code being decoded; every error names the code, the position and what was being read."""

    def __init__(self, bits: str):
        self.bits, self.pos = bits, 0

    def _fail(self, what: str):
        raise ProgramError(f"code {self.bits!r} ends at bit {len(self.bits)} inside {what}; the code is truncated")

    def fixed(self, width: int, what: str) -> int:
        if self.pos + width > len(self.bits):
            self._fail(what)
        chunk = self.bits[self.pos:self.pos + width]
        self.pos += width
        return int(chunk, 2) if width else 0

    def gamma(self, what: str) -> int:
        zeros = 0
        while True:
            if self.pos + zeros >= len(self.bits):
                self._fail(what)
            if self.bits[self.pos + zeros] == "1":
                break
            zeros += 1
        if self.pos + 2 * zeros + 1 > len(self.bits):
            self._fail(what)
        value = int(self.bits[self.pos + zeros:self.pos + 2 * zeros + 1], 2)
        self.pos += 2 * zeros + 1
        return value

    def bad(self, what: str):
        raise ProgramError(f"code {self.bits!r} has {what} at bit {self.pos}; no program has this code")


def _check_bits(bits) -> str:
    if not isinstance(bits, str) or any(c not in "01" for c in bits):
        raise ProgramError(f"a code is a string of '0' and '1' characters, got {bits!r}")
    return bits


# ---------------------------------------------------------------------------------------------------------------
# Integer expressions (language-independent)
# ---------------------------------------------------------------------------------------------------------------
def _cap_pow(a: int, b: int, cap: int) -> int:
    """``min(a**b, cap)`` without materializing astronomically large powers (a, b >= 1)."""
    if a == 1:
        return 1
    if b >= cap.bit_length():
        return cap  # a >= 2, so a**b >= 2**b > cap
    if (a.bit_length() - 1) * b >= cap.bit_length():
        return cap  # a**b >= 2**((bitlen a - 1) b) >= 2**bitlen(cap) > cap
    return min(a**b, cap)


def _cap_op(op: str, a: int, b: int, cap: int) -> int:
    # +, × and ^ are non-decreasing in each argument on values >= 1 (^ in its exponent only for bases >= 2, and
    # a base of 1 gives 1 whatever the exponent), so capping the arguments first gives min(true value, cap).
    if op == "+":
        return min(a + b, cap)
    if op == "*":
        return cap if a >= cap or b >= cap else min(a * b, cap)  # a, b >= 1: no product of huge integers
    return _cap_pow(a, b, cap)


class IntegerExpression:
    """An integer expression: a literal n >= 1, or ``(T+T)``, ``(T*T)``, ``(T^T)``.

    Code: a 2-bit tag (``00`` literal, ``01`` +, ``10`` ×, ``11`` ^), then the Elias-gamma code of the literal or
    the codes of the two operands. Build expressions with :func:`integer` and the operators ``+``, ``*``, ``**``.

    >>> t = integer(10) ** 100
    >>> print(t)
    (10^100)
    >>> t.length, t.code
    (26, '11000001010000000001100100')
    >>> t.value == 10**100, t.capped(1000)
    (True, 1000)
    >>> print(integer(2) + 3 * integer(4))
    (2+(3*4))
    """

    length: int

    @property
    def code(self) -> str:
        """The bit string of this expression."""
        if self._code is None:
            self._code = self._encode()
        return self._code

    def _encode(self) -> str:
        raise NotImplementedError

    def capped(self, cap: int) -> int:
        """``min(value, cap)``, computed without materializing huge intermediate values (cap >= 1)."""
        raise NotImplementedError

    @property
    def value(self) -> int:
        """The exact value (refused, with :class:`~theory.errors.ProgramError`, beyond 2^20 bits)."""
        cap = (1 << VALUE_BITS_LIMIT) + 1
        v = self.capped(cap)
        if v == cap:
            raise ProgramError(
                f"the value of {self} has more than {VALUE_BITS_LIMIT} bits; use .capped(cap) to compare it with a "
                "bound"
            )
        return v

    @staticmethod
    def _lift(x) -> "IntegerExpression":
        return x if isinstance(x, IntegerExpression) else integer(x)

    def __add__(self, other):
        return IntegerOperation("+", self, self._lift(other))

    def __radd__(self, other):
        return IntegerOperation("+", self._lift(other), self)

    def __mul__(self, other):
        return IntegerOperation("*", self, self._lift(other))

    def __rmul__(self, other):
        return IntegerOperation("*", self._lift(other), self)

    def __pow__(self, other):
        return IntegerOperation("^", self, self._lift(other))

    def __rpow__(self, other):
        return IntegerOperation("^", self._lift(other), self)

    def __eq__(self, other):
        return isinstance(other, IntegerExpression) and self.code == other.code

    def __hash__(self):
        return hash(("int", self.code))

    def __repr__(self):
        return f"<integer {self}: {self.length} bits>"


class IntegerLiteral(IntegerExpression):
    """A literal n >= 1: ``00`` then the Elias-gamma code of n (``2 + 2⌊log2 n⌋ + 1`` bits).

    >>> integer(5).code, integer(5).length
    ('0000101', 7)
    """

    def __init__(self, n: int):
        self.n = _positive_int(n, "an integer literal is a positive integer")
        self.length = 2 + _gamma_length(self.n)
        self._code = None

    def _encode(self):
        return INTEGER_TAGS["literal"] + elias_gamma(self.n)

    def capped(self, cap):
        return min(self.n, cap)

    def __str__(self):
        return str(self.n)


class IntegerOperation(IntegerExpression):
    """``(left op right)`` for op in ``+``, ``*``, ``^``: the op's 2-bit tag, then both operands' codes.

    >>> e = integer(3) ** (integer(3) ** 3)
    >>> print(e)
    (3^(3^3))
    >>> e.length, e.value
    (19, 7625597484987)
    """

    def __init__(self, op: str, left: IntegerExpression, right: IntegerExpression):
        if op not in ("+", "*", "^"):
            raise ProgramError(f"integer operation {op!r} is not one of '+', '*', '^'")
        if not isinstance(left, IntegerExpression) or not isinstance(right, IntegerExpression):
            raise ProgramError(f"operands of {op!r} must be integer expressions, got {left!r} and {right!r}")
        self.op, self.left, self.right = op, left, right
        self.length = 2 + left.length + right.length
        self._code = None

    def _encode(self):
        return INTEGER_TAGS[self.op] + self.left.code + self.right.code

    def capped(self, cap):
        return _cap_op(self.op, self.left.capped(cap), self.right.capped(cap), cap)

    def __str__(self):
        return f"({self.left}{self.op}{self.right})"


def integer(n: int) -> IntegerLiteral:
    """The integer literal n (n >= 1); combine literals with ``+``, ``*`` and ``**`` (printed ``^``).

    >>> print(integer(2) ** integer(8))
    (2^8)
    >>> (integer(2) ** 8).value
    256
    """
    return IntegerLiteral(n)


def _decode_integer(reader: _Reader) -> IntegerExpression:
    tag = _fixed(reader.fixed(2, "an integer-expression tag"), 2)
    if tag == INTEGER_TAGS["literal"]:
        return IntegerLiteral(reader.gamma("an integer literal"))
    left = _decode_integer(reader)
    right = _decode_integer(reader)
    return IntegerOperation(_INTEGER_OPS[tag], left, right)


_INTEGERS_BY_LENGTH: dict[int, list[IntegerExpression]] = {}


def _integers_of_length(L: int) -> list[IntegerExpression]:
    """Every integer expression of exactly L bits, sorted by code."""
    if L in _INTEGERS_BY_LENGTH:
        return _INTEGERS_BY_LENGTH[L]
    out: list[IntegerExpression] = []
    if L >= 3 and (L - 3) % 2 == 0:
        k = (L - 3) // 2
        out.extend(IntegerLiteral(n) for n in range(1 << k, 1 << (k + 1)))
    for op in ("+", "*", "^"):
        for L1 in range(3, L - 2 - 3 + 1):
            rights = _integers_of_length(L - 2 - L1)
            for a in _integers_of_length(L1):
                out.extend(IntegerOperation(op, a, b) for b in rights)
    out.sort(key=lambda e: e.code)
    _INTEGERS_BY_LENGTH[L] = out
    return out


def _integer_counts(max_bits: int) -> list[int]:
    counts = [0] * (max_bits + 1)
    for L in range(max_bits + 1):
        if L >= 3 and (L - 3) % 2 == 0:
            counts[L] += 1 << ((L - 3) // 2)
        for L1 in range(3, L - 5 + 1):
            counts[L] += 3 * counts[L1] * counts[L - 2 - L1]
    return counts


# -- the largest value reachable in L bits (for g(t) = min over T >= t of ℓ(T)) --------------------------------
def _max_table(cap: int, stop):
    """Yield ``(L, M_L, witness)`` for L = 3, 4, ...: M_L is min(cap, the largest value of an expression of
    exactly L bits) (None when no expression has L bits), witness an expression attaining it."""
    best: list = [None] * 3  # best[L] = (capped max, witness)
    L = 3
    while True:
        cand = None
        if (L - 3) % 2 == 0:
            k = (L - 3) // 2
            n = (1 << (k + 1)) - 1
            cand = (min(n, cap), None, n)
        for L1 in range(3, L - 5 + 1):
            left, right = best[L1], best[L - 2 - L1]
            if left is None or right is None:
                continue
            # Each op is non-decreasing in both arguments on values >= 1, so its largest value over two sets is
            # its value at their two maxima (a base of 1 gives 1 whatever the exponent, also covered).
            for op in ("+", "*", "^"):
                v = _cap_op(op, left[0], right[0], cap)
                if cand is None or v > cand[0]:
                    cand = (v, (op, L1, L - 2 - L1), None)
        if cand is None:
            best.append(None)
        else:
            value, how, lit = cand
            if how is None:
                witness = IntegerLiteral(lit)
            else:
                op, L1, L2 = how
                witness = IntegerOperation(op, best[L1][1], best[L2][1])
            best.append((value, witness))
        entry = best[L]
        yield L, (None if entry is None else entry[0]), (None if entry is None else entry[1])
        if stop(L, entry):
            return
        L += 1


def min_code_length_at_least(t: int) -> int:
    """g(t) = min over T >= t of ℓ(T): the fewest bits of an integer expression whose value is at least t.

    Computed exactly by dynamic programming over code lengths: the largest value reachable with exactly L bits
    is the largest literal of L bits or the best of ``M(L1) op M(L2)`` over splits ``L1 + L2 = L − 2`` (+, × and ^
    are non-decreasing on values >= 1), with values capped at t. Fast for t up to 10^100 and far beyond. This is
    the paper's Proposition 2 in miniature: the simplest event "length >= T" still to happen after time t costs
    g(t) bits, which grows far more slowly than log2 t.

    >>> [min_code_length_at_least(t) for t in (1, 2, 4, 8, 16, 10**6, 10**100)]
    [3, 5, 7, 9, 11, 16, 21]
    """
    t = _positive_int(t, "min_code_length_at_least needs a positive integer t")
    for L, value, _ in _max_table(t, lambda L, entry: entry is not None and entry[0] >= t):
        if value is not None and value >= t:
            return L
    raise AssertionError("unreachable")  # pragma: no cover


#: Largest ``max_value_bits=`` :func:`largest_integer_expression` accepts (values of 2^25 bits take 4 MiB each).
MAX_VALUE_BITS = 1 << 25


def largest_integer_expression(max_bits: int, *, max_value_bits: int = VALUE_BITS_LIMIT) -> IntegerExpression:
    """An integer expression of at most ``max_bits`` bits with the largest value (its value may be far too large
    to write down; the expression is what is returned).

    Candidates are compared by their exact values, so every maximum on the way must have at most
    ``max_value_bits`` bits (default :data:`VALUE_BITS_LIMIT`, 2^20; at most :data:`MAX_VALUE_BITS`). The
    maxima grow as towers of exponents (the 21-bit one, 3^(3^7), has 3,467 bits; the 23-bit one, 3^(3^15), about
    2.3·10^7), so a ``max_bits`` whose maxima exceed the limit is refused with a ResourceLimitError, at the first
    length that exceeds it and before any work on longer ones, rather than answered by an expression that is
    not the largest. The work is about 1.5·L² operations up to that length L (a few dozen bits at most).

    >>> print(largest_integer_expression(9))
    15
    >>> print(largest_integer_expression(21))
    (3^(3^7))
    >>> largest_integer_expression(10**6)
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: largest_integer_expression(1000000): the largest value of an expression of 23 bits has more than 1048576 bits (a value this large cannot be compared exactly with the other candidates); pass max_value_bits=... (at most 33554432) to raise the limit, or ask for at most 22 bits
    """
    max_bits = _positive_int(max_bits, "largest_integer_expression needs a positive number of bits")
    max_value_bits = _integer(max_value_bits, name="max_value_bits", minimum=1, maximum=MAX_VALUE_BITS)
    if max_bits < 3:
        raise ProgramError(f"no integer expression has at most {max_bits} bits; the shortest (1) has 3")
    cap = 1 << (max_value_bits + 1)  # above every value of at most max_value_bits bits
    best = None
    for L, value, witness in _max_table(cap, lambda L, entry: L >= max_bits):
        if value is not None and value >= cap:
            # The maximum of L bits was capped: candidates at the cap cannot be ranked, so no answer is certain.
            raise ResourceLimitError(
                f"largest_integer_expression({max_bits}): the largest value of an expression of {L} bits has more "
                f"than {max_value_bits} bits (a value this large cannot be compared exactly with the other "
                f"candidates); pass max_value_bits=... (at most {MAX_VALUE_BITS}) to raise the limit, or ask for "
                f"at most {L - 1} bits")
        if value is not None and (best is None or value > best[0]):
            best = (value, witness)
    return best[1]


# -- the shortest expression of a given value ------------------------------------------------------------------
class _ShortestSearch:
    """Exact shortest integer expressions, by bounded search (see :func:`shortest_integer_expression`)."""

    def __init__(self):
        self.bound = 0
        self.levels: list[dict[int, IntegerExpression]] = []  # levels[L]: values whose shortest code has L bits
        self.small: dict[int, list] = {}
        self.found: dict[int, IntegerExpression] = {}  # x -> the shortest expression of x found so far
        self.infeasible: dict[int, int] = {}  # x -> the largest budget known to admit no expression of x
        self.powers: dict[int, list] = {}
        self.max_prefix: list = []

    def _reset(self, bound: int):
        self.bound = bound
        self.levels = [dict(), dict(), dict()]
        self.small = {}
        # Largest value (capped at bound + 1) reachable with at most L bits, to reject hopeless searches early.
        self.max_prefix = [0, 0, 0]
        cap = bound + 1
        gen = _max_table(cap, lambda L, entry: False)
        self._max_gen = gen

    def _max_at_most(self, B: int) -> int:
        while len(self.max_prefix) <= B:
            L, value, _ = next(self._max_gen)
            self.max_prefix.append(max(self.max_prefix[-1], value or 0))
        return self.max_prefix[B]

    def _level(self, L: int) -> dict[int, IntegerExpression]:
        """Values <= bound whose shortest expression has exactly L bits (with one such expression)."""
        while len(self.levels) <= L:
            M = len(self.levels)
            seen = set()
            for lv in self.levels:
                seen.update(lv)
            new: dict[int, IntegerExpression] = {}
            if (M - 3) % 2 == 0 and M >= 3:
                k = (M - 3) // 2
                for n in range(1 << k, min(1 << (k + 1), self.bound + 1)):
                    if n not in seen:
                        new[n] = IntegerLiteral(n)
            for L1 in range(3, M - 5 + 1):
                L2 = M - 2 - L1
                for a, ea in self.levels[L1].items():
                    for b, eb in self.levels[L2].items():
                        for op in ("+", "*", "^"):
                            v = _cap_op(op, a, b, self.bound + 1)
                            if v <= self.bound and v not in seen and v not in new:
                                new[v] = IntegerOperation(op, ea, eb)
            self.levels.append(new)
        return self.levels[L]

    def _small(self, m: int) -> list:
        """(value, length, expression) for every value <= bound with a shortest expression of <= m bits."""
        if m not in self.small:
            out = []
            for L in range(3, m + 1):
                out.extend((v, L, e) for v, e in self._level(L).items())
            out.sort(key=lambda item: item[0])
            self.small[m] = out
        return self.small[m]

    def fits(self, x: int, B: int):
        """An expression of value x with at most B bits, or None."""
        known = self.found.get(x)
        if known is not None and known.length <= B:
            return known
        if B <= self.infeasible.get(x, 0):
            return None
        out = None
        if 2 + _gamma_length(x) <= B:
            out = IntegerLiteral(x)
        elif B >= 8 and x <= self._max_at_most(B):
            out = self._fits_operation(x, B)
        if out is None:
            self.infeasible[x] = B
        elif known is None or out.length < known.length:
            self.found[x] = out
        return out

    def _powers(self, x: int) -> list[tuple[int, int]]:
        """(a, b) with a^b = x, a >= 2, b >= 2."""
        out = self.powers.get(x)
        if out is None:
            out = []
            for b in range(2, x.bit_length() + 1):
                a = _iroot(x, b)
                if a < 2:
                    break
                if a**b == x:
                    out.append((a, b))
            self.powers[x] = out
        return out

    def _fits_operation(self, x: int, B: int):
        rest = B - 2
        small = self._small(rest // 2)
        # x = a + b or a * b: the operand with the shorter code has at most (B − 2)/2 bits, so it is among the
        # `small` values with its exact shortest length; the other must fit in what is left.
        for a, la, ea in small:
            if a >= x:
                break
            e = self.fits(x - a, rest - la)
            if e is not None:
                return IntegerOperation("+", ea, e)
        for a, la, ea in small:
            if a > x:
                break
            if a >= 2 and x % a == 0:
                e = self.fits(x // a, rest - la)
                if e is not None:
                    return IntegerOperation("*", ea, e)
        # x = a ^ b with b >= 2 (a ^ 1 and 1 ^ b are never shortest): b <= log2 x, a its exact b-th root.
        for a, b in self._powers(x):
            eb = self.shortest(b)
            if eb.length + 3 <= rest:
                ea = self.fits(a, rest - eb.length)
                if ea is not None:
                    return IntegerOperation("^", ea, eb)
        return None

    def shortest(self, n: int) -> IntegerExpression:
        if n > self.bound:
            self._reset(max(n, 2 * self.bound))
        for B in range(3, IntegerLiteral(n).length + 1):
            e = self.fits(n, B)
            if e is not None:
                return e
        raise AssertionError("unreachable")  # pragma: no cover


def _iroot(x: int, b: int) -> int:
    """The integer part of the b-th root of x >= 1."""
    lo, hi = 1, 1 << (x.bit_length() // b + 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid**b <= x:
            lo = mid
        else:
            hi = mid - 1
    return lo


_SEARCH = _ShortestSearch()


def shortest_integer_expression(n: int) -> IntegerExpression:
    """A shortest integer expression whose value is n (exact; ties broken deterministically).

    A bounded search by increasing length: a sum or product has an operand whose code is at most half the
    budget, found among the few values with such short codes; a power has an exponent at most log2 n. Fast for
    numbers up to about 10^6 and for large numbers with a short expression (such as 10^100); for a large number
    with no short expression the search is exponential in its bit length.

    >>> [str(shortest_integer_expression(n)) for n in (1, 9, 27, 1000, 10**100)]
    ['1', '9', '27', '(10^3)', '(10^100)']
    """
    n = _positive_int(n, "an integer expression has a positive value")
    return _SEARCH.shortest(n)


def integer_code_length(n: int) -> int:
    """ℓ(n): the length in bits of the shortest integer expression whose value is n.

    >>> [integer_code_length(n) for n in (1, 2, 3, 4, 1000, 2**64, 10**100)]
    [3, 5, 5, 7, 16, 21, 26]
    """
    return shortest_integer_expression(n).length


# ---------------------------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------------------------
class EventExpression:
    """An event of the policy language: ``obs_occurred(x)``, ``action_occurred(a)`` or ``length_ge(T)``.

    Code: a 2-bit tag (``00``, ``01``, ``10``; ``11`` unused), then the observation in ``ceil(log2 |O|)`` bits, the
    action in ``ceil(log2 |A|)`` bits, or the integer expression T.

    >>> lang = PolicyLanguage(2, 3)
    >>> e = lang.obs_occurred(2)
    >>> e.code, e.length, e.holds(((0, 2),)), e.compile()
    ('0010', 4, True, ObservationOccurred(2))
    """

    def __init__(self, language: "PolicyLanguage", kind: str, arg):
        self.language, self.kind, self.arg = language, kind, arg
        if kind == "length_ge":
            self.length = 2 + arg.length
        elif kind == "obs_occurred":
            self.length = 2 + language.observation_width
        else:
            self.length = 2 + language.action_width
        self._code = None

    @property
    def code(self) -> str:
        if self._code is None:
            tag = EVENT_TAGS[self.kind]
            if self.kind == "length_ge":
                self._code = tag + self.arg.code
            elif self.kind == "obs_occurred":
                self._code = tag + _fixed(self.arg, self.language.observation_width)
            else:
                self._code = tag + _fixed(self.arg, self.language.action_width)
        return self._code

    def compile(self):
        """The event as a :class:`theory.events.Event`.

        ``length_ge(T)`` with T above 2^62 compiles to ``LengthAtLeast(2**62 + 1)``: no storable history is that
        long, so the two agree on every history (and astronomically large T never need be written out).
        """
        if self.kind == "obs_occurred":
            return ObservationOccurred(self.arg)
        if self.kind == "action_occurred":
            return ActionOccurred(self.arg)
        return LengthAtLeast(self.arg.capped(LENGTH_CAP + 1))

    def holds(self, history) -> bool:
        """Direct evaluation on one plain history (the reference semantics)."""
        steps = [(int(s[0]), int(s[1])) for s in history]
        if self.kind == "obs_occurred":
            return any(o == self.arg for _, o in steps)
        if self.kind == "action_occurred":
            return any(a == self.arg for a, _ in steps)
        return self.arg.capped(len(steps) + 1) <= len(steps)

    def __str__(self):
        return f"{self.kind}({self.arg})"

    def __repr__(self):
        return f"<event {self}: {self.length} bits>"

    def __eq__(self, other):
        return (isinstance(other, EventExpression) and self.language.signature == other.language.signature
                and self.code == other.code)

    def __hash__(self):
        return hash(("event", self.code))


# ---------------------------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------------------------
def _onehot(a: int, n: int) -> list[Fraction]:
    row = [Fraction(0)] * n
    row[a] = Fraction(1)
    return row


def _fmt_dist(dist) -> str:
    return ",".join(str(p) for p in dist)


class Program:
    """A program of a :class:`PolicyLanguage`: a policy with an exact code and code length.

    ``code`` is the bit string, ``length`` its length in bits (the prior weight is ``2^-length``), ``str()`` the
    readable form (which :meth:`PolicyLanguage.parse` reads back), ``compile()`` the fast kernel and
    ``reference()`` a direct interpreter of the definition (a Python function of the history, for tests).

    >>> lang = PolicyLanguage(2, 1)
    >>> p = lang.periodic(0, 1, 1)
    >>> print(p)
    periodic(0,1,1)
    >>> p.length, p.compile().probs(((0, 0), (1, 0)))
    (9, array([0., 1.]))
    """

    kind: str = ""

    def __init__(self, language: "PolicyLanguage"):
        self.language = language
        self._code = None
        self._compiled = None

    # -- code --------------------------------------------------------------------------------------------------
    @property
    def tag(self) -> str:
        """The constructor tag bits."""
        return _fixed(CONSTRUCTORS.index(self.kind), self.language.tag_width)

    @property
    def code(self) -> str:
        """The bit string of this program."""
        if self._code is None:
            self._code = self.tag + self._body()
        return self._code

    @property
    def length(self) -> int:
        """ℓ(s) in bits, computed from the code table (and equal to ``len(self.code)``)."""
        return self.language.tag_width + self._body_length()

    def _body(self) -> str:
        raise NotImplementedError

    def _body_length(self) -> int:
        raise NotImplementedError

    @property
    def semi(self) -> bool:
        """Whether the program may abstain (only primitives that are semi-policies do)."""
        return False

    # -- semantics ---------------------------------------------------------------------------------------------
    def _machine(self) -> _Machine | None:
        """Finite-state tables when the program is finite-state within ``max_states``; else None."""
        return None

    def _general(self) -> Policy:
        raise NotImplementedError  # pragma: no cover - every non-finite kind overrides it

    def compile(self) -> Policy:
        """The program as a :class:`theory.Policy`: one :class:`~theory.FiniteStatePolicy` (product machine)
        whenever the program is finite-state with at most ``language.max_states`` states, otherwise the
        combinators :class:`~theory.combinators.Switch` and :class:`~theory.combinators.Hazard` over compiled
        parts. Cached.

        >>> lang = PolicyLanguage(2, 1)
        >>> lang.parse("switch(const(0), length_ge(3), periodic(0,1))").compile()
        FiniteStatePolicy([[1, 0], [1, 0], [1, 0], [0, 1], [1, 0]], [[[1], [1]], [[2], [2]], [[3], [3]], [[4], [4]], [[3], [3]]], name='switch(const(0), length_ge(3), periodic(0,1))')
        >>> lang.parse("switch(const(0), length_ge((10^100)), const(1))").compile()
        Switch(FiniteStatePolicy([[1, 0]], [[[0], [0]]], name='const(0)'), LengthAtLeast(4611686018427387905), FiniteStatePolicy([[0, 1]], [[[0], [0]]], name='const(1)'))
        """
        if self._compiled is None:
            m = self._machine()
            if m is not None:
                self._compiled = FiniteStatePolicy(m.emission, m.transition, m.initial, semi=self.semi,
                                                   name=str(self))
            else:
                self._compiled = self._general()
        return self._compiled

    def _ref(self, history: tuple) -> list:
        """Action probabilities at a plain history, computed directly from the definition (exact)."""
        raise NotImplementedError

    def reference(self) -> Policy:
        """A direct interpreter of the program: ``Policy.from_function`` of the definition (the slow path,
        exact Fractions; for testing :meth:`compile`).

        >>> lang = PolicyLanguage(2, 2)
        >>> p = lang.parse("hazard(const(0), 1/2, const(1))")
        >>> p.reference().probs(((0, 0),), arith="exact")
        array([Fraction(1, 2), Fraction(1, 2)], dtype=object)
        """
        lang = self.language
        return Policy.from_function(lang.n_actions, lambda h: self._ref(tuple(h)),
                                    n_observations=lang.n_observations, semi=self.semi)

    # -- values ------------------------------------------------------------------------------------------------
    def __eq__(self, other):
        return (isinstance(other, Program) and self.language.signature == other.language.signature
                and self.code == other.code)

    def __hash__(self):
        return hash(("program", self.code))

    def __repr__(self):
        return f"<program {self}: {self.length} bits>"


def _last(history, index: int) -> int:
    return int(history[-1][index]) if history else 0


class _Const(Program):
    kind = "const"

    def __init__(self, language, action):
        super().__init__(language)
        self.action = action

    def _body(self):
        return _fixed(self.action, self.language.action_width)

    def _body_length(self):
        return self.language.action_width

    def _machine(self):
        lang = self.language
        return _Machine([_onehot(self.action, lang.n_actions)],
                        np.zeros((1, lang.n_actions, lang.n_observations), dtype=np.int64))

    def _ref(self, history):
        return _onehot(self.action, self.language.n_actions)

    def __str__(self):
        return f"const({self.action})"


class _IID(Program):
    kind = "iid"

    def __init__(self, language, dist):
        super().__init__(language)
        self.dist = dist

    def _body(self):
        return self.language._encode_distribution(self.dist)

    def _body_length(self):
        return self.language.distribution_width

    def _machine(self):
        lang = self.language
        return _Machine([list(self.dist)], np.zeros((1, lang.n_actions, lang.n_observations), dtype=np.int64))

    def _ref(self, history):
        return list(self.dist)

    def __str__(self):
        return f"iid({_fmt_dist(self.dist)})"


class _Markov(Program):
    """Shared by markov_action (state = last action) and markov_obs (state = last observation)."""

    def __init__(self, language, rows):
        super().__init__(language)
        self.rows = rows

    def _body(self):
        return "".join(self.language._encode_distribution(r) for r in self.rows)

    def _body_length(self):
        return len(self.rows) * self.language.distribution_width

    def _machine(self):
        lang = self.language
        A, O = lang.n_actions, lang.n_observations
        S = len(self.rows)
        t = np.zeros((S, A, O), dtype=np.int64)
        if self.kind == "markov_action":
            t[:] = np.arange(A)[None, :, None]
        else:
            t[:] = np.arange(O)[None, None, :]
        return _Machine([list(r) for r in self.rows], t)

    def _ref(self, history):
        # Before any step, behave as after symbol 0.
        return list(self.rows[_last(history, 0 if self.kind == "markov_action" else 1)])

    def __str__(self):
        return f"{self.kind}(" + ",".join(f"[{_fmt_dist(r)}]" for r in self.rows) + ")"


class _MarkovAction(_Markov):
    kind = "markov_action"


class _MarkovObs(_Markov):
    kind = "markov_obs"


class _Periodic(Program):
    kind = "periodic"

    def __init__(self, language, actions):
        super().__init__(language)
        self.actions = actions

    def _body(self):
        w = self.language.action_width
        return elias_gamma(len(self.actions)) + "".join(_fixed(a, w) for a in self.actions)

    def _body_length(self):
        return _gamma_length(len(self.actions)) + len(self.actions) * self.language.action_width

    def _machine(self):
        lang = self.language
        k = len(self.actions)
        if k > lang.max_states:
            return None
        t = np.broadcast_to(((np.arange(k) + 1) % k)[:, None, None], (k, lang.n_actions, lang.n_observations))
        return _Machine([_onehot(a, lang.n_actions) for a in self.actions], t.copy())

    def _general(self):
        lang = self.language
        acts = self.actions
        return Policy.from_function(lang.n_actions, lambda h: _onehot(acts[len(h) % len(acts)], lang.n_actions),
                                    n_observations=lang.n_observations)

    def _ref(self, history):
        return _onehot(self.actions[len(history) % len(self.actions)], self.language.n_actions)

    def __str__(self):
        return "periodic(" + ",".join(str(a) for a in self.actions) + ")"


class _CopyObs(Program):
    kind = "copy_obs"

    def _body(self):
        return ""

    def _body_length(self):
        return 0

    def _machine(self):
        lang = self.language
        A, O = lang.n_actions, lang.n_observations
        t = np.broadcast_to(np.arange(O)[None, None, :], (O, A, O)).copy()
        # State o = last observation (0 before any, where the action is 0 = 0 mod |A| as required).
        return _Machine([_onehot(o % A, A) for o in range(O)], t)

    def _ref(self, history):
        return _onehot(_last(history, 1) % self.language.n_actions, self.language.n_actions)

    def __str__(self):
        return "copy_obs"


class _Switch(Program):
    kind = "switch"

    def __init__(self, language, before, event, after):
        super().__init__(language)
        self.before, self.event, self.after = before, event, after

    @property
    def semi(self):
        return self.before.semi or self.after.semi

    def _body(self):
        return self.before.code + self.event.code + self.after.code

    def _body_length(self):
        return self.before.length + self.event.length + self.after.length

    def _machine(self):
        lang = self.language
        ev = self.event.compile()
        if ev.n_states is None or ev.n_states > lang.max_states:
            return None
        p, q = self.before._machine(), self.after._machine()
        if p is None or q is None:
            return None
        te, he = ev.table(lang.n_actions, lang.n_observations)
        return _product(p, te, he, q, lang.max_states)

    def _general(self):
        return Switch(self.before.compile(), self.event.compile(), self.after.compile())

    def _ref(self, history):
        return (self.after if self.event.holds(history) else self.before)._ref(history)

    def __str__(self):
        return f"switch({self.before}, {self.event}, {self.after})"


class _Hazard(Program):
    kind = "hazard"

    def __init__(self, language, before, exponent, after):
        super().__init__(language)
        self.before, self.exponent, self.after = before, exponent, after
        self._memo: dict = {}

    @property
    def rate(self) -> Fraction:
        return Fraction(1, 2**self.exponent)

    @property
    def semi(self):
        return self.before.semi or self.after.semi

    def _body(self):
        return self.before.code + elias_gamma(self.exponent) + self.after.code

    def _body_length(self):
        return self.before.length + _gamma_length(self.exponent) + self.after.length

    def _general(self):
        return Hazard(self.before.compile(), self.rate, self.after.compile())

    def _ref(self, history):
        # The explicit mixture over switch times τ = 0, 1, ..., n (steps i >= τ use `after`), prior r(1−r)^τ, and
        # "not switched by the next step", prior (1−r)^(n+1): ν(a|h) = joint(h, a) / joint(h). Independent of the
        # two-mode filter that compile() uses. Strict like the filter: undefined if some prefix h_<i (i <= n) has
        # joint probability 0, or a part needed there is undefined (Q always, P while "not switched" is possible).
        key = tuple(history)
        if key in self._memo:
            out = self._memo[key]
        else:
            out = self._memo[key] = self._ref_uncached(key)
        if isinstance(out, RuledOutHistoryError):
            raise out
        return out

    def _ref_uncached(self, history):
        r = self.rate
        n = len(history)
        P = [_ref_or_none(self.before, history[:i]) for i in range(n + 1)]
        Q = [_ref_or_none(self.after, history[:i]) for i in range(n + 1)]
        acts = [int(s[0]) for s in history]
        zero = [Fraction(0)] * self.language.n_actions
        p_prefix = [Fraction(1)]  # p_prefix[i] = Π_{k<i} P_k(a_k)
        for i in range(n):
            p_prefix.append(p_prefix[-1] * (P[i] or zero)[acts[i]])
        for i in range(n + 1):
            # joint(h_<i) = Σ_{τ<i} r(1−r)^τ p_prefix[τ] Π_{τ<=k<i} Q_k(a_k) + (1−r)^i p_prefix[i]
            joint = (1 - r) ** i * p_prefix[i]
            for tau in range(i):
                q = Fraction(1)
                for k in range(tau, i):
                    q *= (Q[k] or zero)[acts[k]]
                joint += r * (1 - r) ** tau * p_prefix[tau] * q
            if joint == 0 or Q[i] is None or (P[i] is None and p_prefix[i] != 0):
                return RuledOutHistoryError(f"program {self} is undefined at history {history[:i]!r}")
        q_suffix = [Fraction(1)] * (n + 1)  # q_suffix[i] = Π_{i<=k<n} Q_k(a_k)
        for i in range(n - 1, -1, -1):
            q_suffix[i] = q_suffix[i + 1] * Q[i][acts[i]]
        switched = sum((r * (1 - r) ** tau * p_prefix[tau] * q_suffix[tau] for tau in range(n + 1)), Fraction(0))
        stay = (1 - r) ** (n + 1) * p_prefix[n]
        total = joint  # joint(h), from the last pass of the loop
        Pn = P[n] or zero
        return [(switched * Q[n][a] + stay * Pn[a]) / total for a in range(self.language.n_actions)]

    def __str__(self):
        return f"hazard({self.before}, {self.rate}, {self.after})"


def _ref_or_none(program: Program, history):
    """A part's reference probabilities, or None where the part is undefined (it rules the history out)."""
    try:
        return program._ref(history)
    except RuledOutHistoryError:
        return None


class _Primitive(Program):
    kind = "primitive"

    def __init__(self, language, name):
        super().__init__(language)
        self.name = name

    @property
    def policy(self) -> Policy:
        return self.language.primitives[self.name][0]

    @property
    def semi(self):
        return bool(self.policy.semi)

    def _body(self):
        return self.language._primitive_codes[self.name]

    def _body_length(self):
        return self.language.primitives[self.name][1]

    def _machine(self):
        pol = self.policy
        if isinstance(pol, FiniteStatePolicy) and pol.n_states <= self.language.max_states:
            return _Machine(pol.emission("exact"), pol.transition, pol.initial_state)
        return None

    def _general(self):
        return self.policy

    def _ref(self, history):
        return list(self.policy.probs(history, arith="exact"))

    def __str__(self):
        return f"primitive({self.name})"


# ---------------------------------------------------------------------------------------------------------------
# The language
# ---------------------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:(\d+(?:/\d+|\.\d*)?)|([A-Za-z_][A-Za-z_0-9]*)|(\S))")


class PolicyLanguage:
    """A small prefix-free language of policies over ``n_actions`` actions and ``n_observations`` observations.

    Parameters
    ----------
    n_actions, n_observations : int
        The alphabets |A| and |O| (>= 1).
    grid : int, keyword-only
        Probabilities in ``iid`` and ``markov_*`` are multiples of ``1/grid`` (default 4).
    primitives : dict, keyword-only
        ``name -> (policy, description_bits)``: user-supplied policies (a trusted teacher's model, say), each
        coded in exactly ``description_bits`` bits after its tag (a canonical prefix code; the bits must satisfy
        ``Σ 2^-bits <= 1``). Adds the constructor ``primitive(name)`` and widens the tag to 4 bits.
    max_states : int, keyword-only
        Largest product machine :meth:`Program.compile` builds as one FiniteStatePolicy (default 4096).

    The exact code table is in ``docs/programs.md`` and :meth:`code_table`.

    >>> lang = PolicyLanguage(2, 2)
    >>> [str(p) for p in lang.enumerate(4)]
    ['copy_obs', 'const(0)', 'const(1)']
    >>> lang.count(16), lang.kraft_sum(16)
    (957, Fraction(36795, 65536))
    """

    def __init__(self, n_actions: int, n_observations: int, *, grid: int = 4, primitives: dict | None = None,
                 max_states: int = 4096):
        for value, what in ((n_actions, "n_actions"), (n_observations, "n_observations"), (grid, "grid"),
                            (max_states, "max_states")):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
                raise ProgramError(f"{what} must be a positive integer, got {value!r}")
        self.n_actions, self.n_observations = int(n_actions), int(n_observations)
        self.grid, self.max_states = int(grid), int(max_states)
        # log2 of the number of grid distributions, C(grid + |A| − 1, |A| − 1), estimated before computing it.
        k, n = self.n_actions - 1, self.grid + self.n_actions - 1
        bits = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(2)
        if bits > MAX_DISTRIBUTION_BITS:
            raise ResourceLimitError(
                f"{self.n_actions} actions with grid {self.grid} give about 2^{bits:.0f} grid distributions, a code "
                f"of {bits:.0f} bits each, above the {MAX_DISTRIBUTION_BITS} bits accepted; use fewer actions or a "
                "coarser grid")
        self.primitives = self._check_primitives(primitives)
        self.constructors = CONSTRUCTORS if self.primitives else CONSTRUCTORS[:8]
        self.tag_width = fixed_width(len(self.constructors))
        self.action_width = fixed_width(self.n_actions)
        self.observation_width = fixed_width(self.n_observations)
        self.n_distributions = comb(self.grid + self.n_actions - 1, self.n_actions - 1)
        self.distribution_width = fixed_width(self.n_distributions)
        self._primitive_codes = self._canonical_codes()
        self._primitive_names = {c: n for n, c in self._primitive_codes.items()}
        self.signature = (self.n_actions, self.n_observations, self.grid,
                          tuple((n, id(p), b) for n, (p, b) in self.primitives.items()))
        self._programs: dict[int, list[Program]] = {}
        self._counts: dict = {}
        self._events: dict[int, list[EventExpression]] = {}
        self._distributions: list | None = None

    # -- validation --------------------------------------------------------------------------------------------
    def _check_primitives(self, primitives) -> dict:
        if primitives is None:
            return {}
        if not isinstance(primitives, dict):
            raise ProgramError(f"primitives must be a dict name -> (policy, description_bits), got {primitives!r}")
        out = {}
        for name, entry in primitives.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ProgramError(f"primitive name {name!r} must be an identifier (letters, digits, underscores)")
            if not isinstance(entry, (tuple, list)) or len(entry) != 2:
                raise ProgramError(f"primitive {name!r} must map to (policy, description_bits), got {entry!r}")
            policy, bits = entry
            if not isinstance(policy, Policy):
                raise ProgramError(f"primitive {name!r} is {policy!r}, not a theory.Policy")
            if policy.n_actions != self.n_actions:
                raise ProgramError(
                    f"primitive {name!r} has {policy.n_actions} actions but the language has {self.n_actions}"
                )
            if policy.n_observations not in (None, self.n_observations):
                raise ProgramError(
                    f"primitive {name!r} has {policy.n_observations} observations but the language has "
                    f"{self.n_observations}"
                )
            if isinstance(bits, (bool, np.bool_)) or not isinstance(bits, numbers.Integral) or bits < 0:
                raise ProgramError(f"description_bits of primitive {name!r} must be an integer >= 0, got {bits!r}")
            out[name] = (policy, int(bits))
        kraft = sum((Fraction(1, 2**b) for _, b in out.values()), Fraction(0))
        if kraft > 1:
            raise ProgramError(
                f"primitive description lengths {[b for _, b in out.values()]} have Kraft sum {kraft} > 1, so no "
                "prefix code has them; lengthen some descriptions"
            )
        return out

    def _canonical_codes(self) -> dict[str, str]:
        """The canonical prefix code with the primitives' description lengths (shorter first, then dict order)."""
        order = sorted(self.primitives, key=lambda n: (self.primitives[n][1], list(self.primitives).index(n)))
        codes, value, prev = {}, 0, None
        for name in order:
            bits = self.primitives[name][1]
            if prev is not None:
                value = (value + 1) << (bits - prev)
            codes[name] = _fixed(value, bits)
            prev = bits
        return codes

    # -- grid distributions ------------------------------------------------------------------------------------
    def _distribution(self, probs, what: str) -> tuple:
        try:
            values = [to_fraction(p) for p in probs]
        except (ArithmeticContextError, TypeError) as err:
            raise ProgramError(f"{what} {probs!r} is not a sequence of numbers") from err
        if len(values) != self.n_actions:
            raise ProgramError(f"{what} {_fmt_dist(values)} has {len(values)} entries; give one per action "
                               f"({self.n_actions})")
        for v in values:
            if v < 0 or (v * self.grid).denominator != 1:
                raise ProgramError(
                    f"{what} entry {v} is not a multiple of 1/{self.grid} in [0, 1]; the language's probabilities are "
                    f"k/{self.grid}"
                )
        if sum(values) != 1:
            raise ProgramError(f"{what} {_fmt_dist(values)} sums to {sum(values)}, not 1")
        return tuple(values)

    def _rank(self, counts) -> int:
        # Lexicographic rank of the count vector (k_0, ..., k_{|A|-1}) among all with Σ k = grid.
        rank, remaining, m = 0, self.grid, len(counts)
        for i in range(m - 1):
            parts = m - i - 1
            for v in range(counts[i]):
                rank += comb(remaining - v + parts - 1, parts - 1)
            remaining -= counts[i]
        return rank

    def _encode_distribution(self, dist) -> str:
        return _fixed(self._rank([int(p * self.grid) for p in dist]), self.distribution_width)

    def distributions(self, *, max_programs: int | None = None) -> list[tuple]:
        """All grid distributions, in code order (index i is coded as i in ``distribution_width`` bits). More
        than ``max_programs`` (default :data:`~theory.validation.MAX_PROGRAMS`) are refused before listing.

        >>> PolicyLanguage(2, 1, grid=2).distributions()
        [(Fraction(0, 1), Fraction(1, 1)), (Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 1), Fraction(0, 1))]
        """
        if self._distributions is None:
            guard_size(self.n_distributions, limit=_check_max(max_programs, "max_programs", MAX_PROGRAMS),
                       what=f"grid distributions ({self.n_actions} actions, grid {self.grid})", option="max_programs")
            out = []
            for cut in itertools.combinations(range(self.grid + self.n_actions - 1), self.n_actions - 1):
                bounds = (-1,) + cut + (self.grid + self.n_actions - 1,)
                counts = [bounds[i + 1] - bounds[i] - 1 for i in range(self.n_actions)]
                out.append(tuple(Fraction(c, self.grid) for c in counts))
            out.sort(key=lambda d: self._rank([int(p * self.grid) for p in d]))
            self._distributions = out
        return list(self._distributions)

    # -- constructors ------------------------------------------------------------------------------------------
    def _action(self, a, what="action") -> int:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral) or not 0 <= a < self.n_actions:
            raise ProgramError(f"{what} {a!r} is outside the action alphabet 0..{self.n_actions - 1}")
        return int(a)

    def _program(self, p, role: str) -> Program:
        if not isinstance(p, Program):
            raise ProgramError(f"{role} must be a program of this language, got {p!r}")
        if p.language.signature != self.signature:
            raise ProgramError(f"{role} {p} belongs to a different language (alphabets, grid or primitives differ)")
        return p

    def const(self, a: int) -> Program:
        """``const(a)``: always take action a. Code: tag, a in ``ceil(log2 |A|)`` bits.

        >>> PolicyLanguage(3, 1).const(2).code
        '00010'
        """
        return _Const(self, self._action(a))

    def iid(self, p) -> Program:
        """``iid(p)``: draw each action from p (entries multiples of 1/grid). Code: tag, the index of p among the
        C(grid+|A|−1, |A|−1) grid distributions in fixed width.

        >>> print(PolicyLanguage(2, 1).iid([0.25, 0.75]))
        iid(1/4,3/4)
        >>> PolicyLanguage(2, 1).iid(["1/3", "2/3"])
        Traceback (most recent call last):
        ...
        theory.errors.ProgramError: iid distribution entry 1/3 is not a multiple of 1/4 in [0, 1]; the language's probabilities are k/4
        """
        return _IID(self, self._distribution(p, "iid distribution"))

    def markov_action(self, *rows) -> Program:
        """``markov_action(p_0, ..., p_{|A|-1})``: the next action is drawn from p_b after action b (from p_0
        before any action). Code: tag, then each row's grid index.

        >>> lang = PolicyLanguage(2, 1)
        >>> lang.markov_action([1, 0], [0, 1]).compile().probs(((1, 0),))
        array([0., 1.])
        """
        if len(rows) != self.n_actions:
            raise ProgramError(f"markov_action needs one distribution per action ({self.n_actions}), got {len(rows)}")
        return _MarkovAction(self, tuple(self._distribution(r, f"markov_action row {b}") for b, r in enumerate(rows)))

    def markov_obs(self, *rows) -> Program:
        """``markov_obs(p_0, ..., p_{|O|-1})``: the action is drawn from p_x after observation x (from p_0 before
        any observation). Code: tag, then each row's grid index.

        >>> lang = PolicyLanguage(2, 2)
        >>> lang.markov_obs([1, 0], [0, 1]).compile().probs(((0, 1),))
        array([0., 1.])
        """
        if len(rows) != self.n_observations:
            raise ProgramError(
                f"markov_obs needs one distribution per observation ({self.n_observations}), got {len(rows)}"
            )
        return _MarkovObs(self, tuple(self._distribution(r, f"markov_obs row {x}") for x, r in enumerate(rows)))

    def periodic(self, *actions) -> Program:
        """``periodic(a_1, ..., a_k)``: take a_1, a_2, ..., a_k, a_1, ... (step t takes a_{(t−1) mod k + 1},
        whatever was actually done). Code: tag, Elias-gamma(k), each action in ``ceil(log2 |A|)`` bits.

        >>> PolicyLanguage(2, 1).periodic(1, 0).code
        '10001010'
        """
        if not actions:
            raise ProgramError("periodic needs at least one action (k >= 1)")
        return _Periodic(self, tuple(self._action(a, "periodic action") for a in actions))

    def copy_obs(self) -> Program:
        """``copy_obs``: take action (last observation mod |A|); action 0 before any observation. Code: tag only.

        >>> PolicyLanguage(2, 3).copy_obs().compile().probs(((0, 2),))
        array([1., 0.])
        """
        return _CopyObs(self)

    def switch(self, before: Program, event: EventExpression, after: Program) -> Program:
        """``switch(P, E, Q)``: behave like P until E first happens, then like Q. Code: tag, P, E, Q.

        >>> lang = PolicyLanguage(2, 2)
        >>> lang.switch(lang.const(0), lang.length_ge(3), lang.const(1)).length
        18
        """
        before, after = self._program(before, "switch's first part"), self._program(after, "switch's last part")
        if not isinstance(event, EventExpression) or event.language.signature != self.signature:
            raise ProgramError(f"switch's event must be an event of this language, got {event!r}")
        return _Switch(self, before, event, after)

    def hazard(self, before: Program, rate, after: Program) -> Program:
        """``hazard(P, r, Q)``: before each step, if not yet switched, switch for good with probability
        r = 2^-j (j >= 1); act with P before the switch, Q after. Code: tag, P, Elias-gamma(j), Q.

        >>> lang = PolicyLanguage(2, 1)
        >>> print(lang.hazard(lang.const(0), "1/8", lang.const(1)))
        hazard(const(0), 1/8, const(1))
        >>> lang.hazard(lang.const(0), "1/3", lang.const(1))
        Traceback (most recent call last):
        ...
        theory.errors.ProgramError: hazard rate '1/3' is not 2^-j for an integer j >= 1; use 1/2, 1/4, 1/8, ...
        """
        before, after = self._program(before, "hazard's first part"), self._program(after, "hazard's last part")
        try:
            r = to_fraction(rate)
        except ArithmeticContextError as err:
            raise ProgramError(f"hazard rate {rate!r} is not a number; use 1/2, 1/4, 1/8, ...") from err
        j = r.denominator.bit_length() - 1
        if r.numerator != 1 or r.denominator != 1 << j or j < 1:
            raise ProgramError(f"hazard rate {rate!r} is not 2^-j for an integer j >= 1; use 1/2, 1/4, 1/8, ...")
        return _Hazard(self, before, j, after)

    def primitive(self, name: str) -> Program:
        """``primitive(name)``: a user-supplied policy. Code: tag, its canonical codeword of ``description_bits``.

        >>> import theory
        >>> teacher = theory.FiniteStatePolicy.iid([0.5, 0.5])
        >>> lang = PolicyLanguage(2, 1, primitives={"teacher": (teacher, 2)})
        >>> lang.primitive("teacher").code, lang.primitive("teacher").length
        ('100000', 6)
        """
        if name not in self.primitives:
            known = ", ".join(self.primitives) or "none"
            raise ProgramError(f"no primitive named {name!r}; this language's primitives: {known}")
        return _Primitive(self, name)

    def obs_occurred(self, x: int) -> EventExpression:
        """The event ``obs_occurred(x)``: some step has observation x. Code: ``00``, x in ``ceil(log2 |O|)`` bits.

        >>> PolicyLanguage(2, 4).obs_occurred(3).code
        '0011'
        """
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or not 0 <= x < self.n_observations:
            raise ProgramError(f"observation {x!r} is outside the observation alphabet 0..{self.n_observations - 1}")
        return EventExpression(self, "obs_occurred", int(x))

    def action_occurred(self, a: int) -> EventExpression:
        """The event ``action_occurred(a)``: some step has action a. Code: ``01``, a in ``ceil(log2 |A|)`` bits.

        >>> e = PolicyLanguage(2, 1).action_occurred(1)
        >>> e.code, e.holds(((0, 0), (1, 0)))
        ('011', True)
        """
        return EventExpression(self, "action_occurred", self._action(a))

    def length_ge(self, T) -> EventExpression:
        """The event ``length_ge(T)``: the history has at least T steps. T is an integer expression (an int is
        taken as a literal; use :func:`shortest_integer_expression` for the shortest code). Code: ``10``, T.

        >>> lang = PolicyLanguage(2, 1)
        >>> lang.length_ge(1000).length, lang.length_ge(shortest_integer_expression(1000)).length
        (23, 18)
        """
        if not isinstance(T, IntegerExpression):
            T = IntegerLiteral(_positive_int(T, "length_ge needs a positive integer T"))
        return EventExpression(self, "length_ge", T)

    # -- decoding and parsing ----------------------------------------------------------------------------------
    def decode(self, bits: str) -> Program:
        """The program whose code is ``bits`` (the whole string; a truncated code, trailing bits or an unused
        codeword raise :class:`~theory.errors.ProgramError`).

        >>> lang = PolicyLanguage(2, 2)
        >>> print(lang.decode("0001"))
        const(1)
        >>> lang.decode("00011")
        Traceback (most recent call last):
        ...
        theory.errors.ProgramError: code '00011' has 1 trailing bit(s) after the program const(1) (4 bits); a code is exactly one program
        """
        reader = _Reader(_check_bits(bits))
        program = self._read_program(reader)
        if reader.pos != len(bits):
            raise ProgramError(
                f"code {bits!r} has {len(bits) - reader.pos} trailing bit(s) after the program {program} "
                f"({reader.pos} bits); a code is exactly one program"
            )
        return program

    def decode_event(self, bits: str) -> EventExpression:
        """The event whose code is ``bits``.

        >>> print(PolicyLanguage(2, 2).decode_event("100000101"))
        length_ge(5)
        """
        reader = _Reader(_check_bits(bits))
        event = self._read_event(reader)
        if reader.pos != len(bits):
            raise ProgramError(f"code {bits!r} has trailing bits after the event {event}")
        return event

    def _read_distribution(self, reader) -> tuple:
        i = reader.fixed(self.distribution_width, "a grid distribution")
        if i >= self.n_distributions:
            reader.bad(f"grid distribution index {i} (there are {self.n_distributions})")
        return self.distributions()[i]

    def _read_action(self, reader) -> int:
        a = reader.fixed(self.action_width, "an action")
        if a >= self.n_actions:
            reader.bad(f"action {a} outside 0..{self.n_actions - 1}")
        return a

    def _read_event(self, reader) -> EventExpression:
        tag = _fixed(reader.fixed(2, "an event tag"), 2)
        if tag == EVENT_TAGS["obs_occurred"]:
            x = reader.fixed(self.observation_width, "an observation")
            if x >= self.n_observations:
                reader.bad(f"observation {x} outside 0..{self.n_observations - 1}")
            return EventExpression(self, "obs_occurred", x)
        if tag == EVENT_TAGS["action_occurred"]:
            return EventExpression(self, "action_occurred", self._read_action(reader))
        if tag == EVENT_TAGS["length_ge"]:
            return EventExpression(self, "length_ge", _decode_integer(reader))
        reader.bad("the unused event tag 11")

    def _read_program(self, reader) -> Program:
        t = reader.fixed(self.tag_width, "a constructor tag")
        if t >= len(self.constructors):
            reader.bad(f"constructor tag {t} (there are {len(self.constructors)} constructors)")
        kind = self.constructors[t]
        if kind == "const":
            return _Const(self, self._read_action(reader))
        if kind == "iid":
            return _IID(self, self._read_distribution(reader))
        if kind == "markov_action":
            return _MarkovAction(self, tuple(self._read_distribution(reader) for _ in range(self.n_actions)))
        if kind == "markov_obs":
            return _MarkovObs(self, tuple(self._read_distribution(reader) for _ in range(self.n_observations)))
        if kind == "periodic":
            k = reader.gamma("a period length")
            return _Periodic(self, tuple(self._read_action(reader) for _ in range(k)))
        if kind == "copy_obs":
            return _CopyObs(self)
        if kind == "switch":
            before = self._read_program(reader)
            event = self._read_event(reader)
            return _Switch(self, before, event, self._read_program(reader))
        if kind == "hazard":
            before = self._read_program(reader)
            j = reader.gamma("a hazard exponent")
            return _Hazard(self, before, j, self._read_program(reader))
        # primitive: read its canonical codeword bit by bit (the code is prefix-free).
        word = ""
        longest = max(b for _, b in self.primitives.values())
        while word not in self._primitive_names:
            if len(word) >= longest:
                reader.bad(f"primitive codeword {word!r}, which names no primitive")
            word += str(reader.fixed(1, "a primitive codeword"))
        return _Primitive(self, self._primitive_names[word])

    def parse(self, text: str) -> Program:
        """The program written ``text`` (the form ``str()`` prints).

        >>> lang = PolicyLanguage(2, 2)
        >>> p = lang.parse("switch(iid(1/4, 3/4), length_ge((10^100)), markov_obs([1,0],[0,1]))")
        >>> p.length
        46
        >>> lang.parse("switch(const(0), const(1))")
        Traceback (most recent call last):
        ...
        theory.errors.ProgramError: cannot parse 'switch(const(0), const(1))' at 'const': expected an event (obs_occurred, action_occurred, length_ge)
        """
        if not isinstance(text, str):
            raise ProgramError(f"parse needs program text, got {text!r}")
        tokens = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                break
            tokens.append(m.group(1) or m.group(2) or m.group(3))
            pos = m.end()
        parser = _Parser(self, text, [t for t in tokens if t])
        program = parser.program()
        parser.end()
        return program

    # -- enumeration -------------------------------------------------------------------------------------------
    def _events_of_length(self, L: int) -> list[EventExpression]:
        if L not in self._events:
            out = []
            if L == 2 + self.observation_width:
                out.extend(EventExpression(self, "obs_occurred", x) for x in range(self.n_observations))
            if L == 2 + self.action_width:
                out.extend(EventExpression(self, "action_occurred", a) for a in range(self.n_actions))
            if L >= 5:
                out.extend(EventExpression(self, "length_ge", t) for t in _integers_of_length(L - 2))
            out.sort(key=lambda e: e.code)
            self._events[L] = out
        return self._events[L]

    def _programs_of_length(self, L: int) -> list[Program]:
        if L in self._programs:
            return self._programs[L]
        tw = self.tag_width
        body = L - tw
        out: list[Program] = []
        if body >= 0:
            if body == self.action_width:
                out.extend(_Const(self, a) for a in range(self.n_actions))
            dists = self.distributions()
            if body == self.distribution_width:
                out.extend(_IID(self, d) for d in dists)
            if body == self.n_actions * self.distribution_width:
                out.extend(_MarkovAction(self, rows) for rows in itertools.product(dists, repeat=self.n_actions))
            if body == self.n_observations * self.distribution_width:
                out.extend(_MarkovObs(self, rows) for rows in itertools.product(dists, repeat=self.n_observations))
            for k in itertools.chain.from_iterable(_periodic_lengths(body, self.action_width)):
                out.extend(_Periodic(self, acts) for acts in itertools.product(range(self.n_actions), repeat=k))
            if body == 0:
                out.append(_CopyObs(self))
            # switch: P, E, Q with ℓ(P) + ℓ(E) + ℓ(Q) = body; each part is at least tw (programs) or 2 (events).
            for L1 in range(tw, body - tw - 2 + 1):
                firsts = self._programs_of_length(L1)
                if not firsts:
                    continue
                for LE in range(2, body - L1 - tw + 1):
                    events = self._events_of_length(LE)
                    lasts = self._programs_of_length(body - L1 - LE)
                    if events and lasts:
                        out.extend(_Switch(self, p, e, q) for p in firsts for e in events for q in lasts)
            # hazard: P, j, Q with ℓ(P) + gamma(j) + ℓ(Q) = body.
            for L1 in range(tw, body - tw - 1 + 1):
                firsts = self._programs_of_length(L1)
                if not firsts:
                    continue
                for g in range(1, body - L1 - tw + 1, 2):
                    lasts = self._programs_of_length(body - L1 - g)
                    if lasts:
                        m = (g - 1) // 2
                        out.extend(_Hazard(self, p, j, q) for p in firsts for j in range(1 << m, 1 << (m + 1))
                                   for q in lasts)
            for name, (_, bits) in self.primitives.items():
                if body == bits:
                    out.append(_Primitive(self, name))
        out.sort(key=lambda p: p.code)
        self._programs[L] = out
        return out

    def enumerate(self, max_bits: int, *, max_programs: int | None = None):
        """Yield every program with ``length <= max_bits``, ordered by length, then code.

        The number of programs grows exponentially with ``max_bits``; :meth:`count` says how many there are
        without building them, and more than ``max_programs`` (default
        :data:`~theory.validation.MAX_PROGRAMS`) are refused with a ResourceLimitError before any is built.

        >>> lang = PolicyLanguage(2, 1)
        >>> [(str(p), p.length) for p in lang.enumerate(5)]
        [('copy_obs', 3), ('const(0)', 4), ('const(1)', 4), ('periodic(0)', 5), ('periodic(1)', 5)]
        >>> lang.enumerate(40)
        Traceback (most recent call last):
        ...
        theory.errors.ResourceLimitError: this computation needs about 1770412462 programs (PolicyLanguage(2, 1, grid=4) up to 40 bits), above the limit 1000000; pass max_programs=... to raise it (or shrink the input)
        """
        max_bits = self._check_bits(max_bits)
        self._guard_programs(max_bits, max_programs)
        return self._enumerate(max_bits)

    def _enumerate(self, max_bits: int):
        for L in range(max_bits + 1):
            yield from self._programs_of_length(L)

    def _guard_programs(self, max_bits: int, max_programs) -> None:
        """Refuse, before building any, more programs of at most ``max_bits`` bits than ``max_programs``."""
        limit = _check_max(max_programs, "max_programs", MAX_PROGRAMS)
        guard_size(self.count(max_bits), limit=limit, option="max_programs",
                   what=f"programs ({self!r} up to {max_bits} bits)")

    def _check_bits(self, max_bits) -> int:
        if isinstance(max_bits, (bool, np.bool_)) or not isinstance(max_bits, numbers.Integral) or max_bits < 0:
            raise ProgramError(f"max_bits must be a non-negative integer, got {max_bits!r}")
        return int(max_bits)

    def counts(self, max_bits: int, *, max_operations: int | None = None) -> list[int]:
        """``counts[L]`` = the number of programs of exactly L bits, for L = 0..max_bits (by dynamic programming
        over the code table, without building the programs).

        The table costs about ``max_bits²/2`` big-integer operations; beyond ``max_operations`` (default
        :data:`MAX_COUNT_OPERATIONS`) it is refused with a ResourceLimitError before it starts.

        >>> PolicyLanguage(2, 1).counts(8)
        [0, 0, 0, 1, 2, 2, 10, 0, 4]
        >>> PolicyLanguage(2, 1).counts(10**6)
        Traceback (most recent call last):
        ...
        theory.errors.ResourceLimitError: this computation needs about 500001500001 big-integer operations (the counting table up to 1000000 bits), above the limit 1000000; pass max_operations=... to raise it (or shrink the input)
        """
        max_bits = self._check_bits(max_bits)
        limit = _check_max(max_operations, "max_operations", MAX_COUNT_OPERATIONS)
        guard_size((max_bits + 1) * (max_bits + 2) // 2, limit=limit, option="max_operations",
                   what=f"big-integer operations (the counting table up to {max_bits} bits)")
        cached = self._counts.get("table")
        if cached is not None and len(cached) > max_bits:
            return cached[:max_bits + 1]
        tw, wa, wd = self.tag_width, self.action_width, self.distribution_width
        A, O, C = self.n_actions, self.n_observations, self.n_distributions
        ints = _integer_counts(max_bits)
        events = [0] * (max_bits + 1)
        for L in range(max_bits + 1):
            events[L] = (O if L == 2 + self.observation_width else 0) + (A if L == 2 + wa else 0)
            events[L] += ints[L - 2] if L >= 2 else 0
        progs = [0] * (max_bits + 1)
        # tails[k]: the ways to complete a switch or hazard whose first part is followed by k more bits, i.e.
        # Σ_LE events[LE]·progs[k − LE] + Σ_{g odd} 2^((g−1)/2)·progs[k − g] (an event, or a rate 2^-j with
        # gamma(j) = g bits, then the last program). Filled as soon as the programs it needs are counted, so
        # the whole table costs O(max_bits²) operations rather than O(max_bits³).
        tails: list[int] = []
        for L in range(tw, max_bits + 1):
            body = L - tw
            n = (A if body == wa else 0) + (C if body == wd else 0) + (1 if body == 0 else 0)
            n += (C**A if body == A * wd else 0) + (C**O if body == O * wd else 0)
            for ks in _periodic_lengths(body, wa):
                # One action (wa = 0): each period k gives A**k = 1 program, so a range counts its length.
                n += ks.stop - ks.start if A == 1 else sum(A**k for k in ks)
            # A first program has at least tw bits, so the tails needed have k <= body − tw < L − 1 bits and
            # read progs below L only.
            while len(tails) <= body - tw:
                k = len(tails)
                t = sum(events[LE] * progs[k - LE] for LE in range(2, k + 1))
                t += sum((1 << ((g - 1) // 2)) * progs[k - g] for g in range(1, k + 1, 2))
                tails.append(t)
            n += sum(progs[L1] * tails[body - L1] for L1 in range(tw, body - tw + 1))
            n += sum(1 for _, bits in self.primitives.values() if bits == body)
            progs[L] = n
        self._counts["table"] = progs
        return list(progs)

    def count(self, max_bits: int, *, max_operations: int | None = None) -> int:
        """The number of programs with ``length <= max_bits`` (``max_operations`` as for :meth:`counts`).

        >>> PolicyLanguage(2, 1).count(8)
        19
        """
        return sum(self.counts(max_bits, max_operations=max_operations))

    def kraft_sum(self, max_bits: int, *, max_operations: int | None = None) -> Fraction:
        """The exact Kraft sum Σ 2^-ℓ(s) over programs with ``length <= max_bits`` (at most 1: the code is
        prefix-free). ``max_operations`` as for :meth:`counts`: ``kraft_sum(10**6)`` is refused at once.

        >>> PolicyLanguage(2, 1).kraft_sum(6)
        Fraction(15, 32)
        """
        counts = self.counts(max_bits, max_operations=max_operations)
        # One common denominator: Σ n_L 2^(max − L) / 2^max, rather than a Fraction addition per length.
        top = len(counts) - 1
        return Fraction(sum(n << (top - L) for L, n in enumerate(counts)), 1 << top)

    def code_table(self) -> str:
        """This language's exact code table (field widths in bits), for recomputing lengths by hand.

        >>> print(PolicyLanguage(2, 2).code_table())
        tag width: 3 bits; action: 1 bits; observation: 1 bits; grid distribution: 3 bits (5 distributions, grid 4)
          000 const(a)            tag + 1
          001 iid(p)              tag + 3
          010 markov_action(...)  tag + 2 × 3
          011 markov_obs(...)     tag + 2 × 3
          100 periodic(a_1..a_k)  tag + gamma(k) + k × 1
          101 copy_obs            tag
          110 switch(P, E, Q)     tag + ℓ(P) + ℓ(E) + ℓ(Q)
          111 hazard(P, 2^-j, Q)  tag + ℓ(P) + gamma(j) + ℓ(Q)
        events: 00 obs_occurred(x) 2 + 1; 01 action_occurred(a) 2 + 1; 10 length_ge(T) 2 + ℓ(T)
        integers: 00 literal n 2 + gamma(n); 01 (T+T), 10 (T*T), 11 (T^T) 2 + ℓ(T1) + ℓ(T2); gamma(n) = 2⌊log2 n⌋ + 1
        """
        tw, wa, wo, wd = self.tag_width, self.action_width, self.observation_width, self.distribution_width
        rows = {
            "const": ("const(a)", f"tag + {wa}"),
            "iid": ("iid(p)", f"tag + {wd}"),
            "markov_action": ("markov_action(...)", f"tag + {self.n_actions} × {wd}"),
            "markov_obs": ("markov_obs(...)", f"tag + {self.n_observations} × {wd}"),
            "periodic": ("periodic(a_1..a_k)", f"tag + gamma(k) + k × {wa}"),
            "copy_obs": ("copy_obs", "tag"),
            "switch": ("switch(P, E, Q)", "tag + ℓ(P) + ℓ(E) + ℓ(Q)"),
            "hazard": ("hazard(P, 2^-j, Q)", "tag + ℓ(P) + gamma(j) + ℓ(Q)"),
            "primitive": ("primitive(name)",
                          "tag + " + ", ".join(f"{b} ({n}: {self._primitive_codes[n] or 'empty'})"
                                               for n, (_, b) in self.primitives.items())),
        }
        lines = [f"tag width: {tw} bits; action: {wa} bits; observation: {wo} bits; grid distribution: {wd} bits "
                 f"({self.n_distributions} distributions, grid {self.grid})"]
        for i, kind in enumerate(self.constructors):
            name, size = rows[kind]
            lines.append(f"  {_fixed(i, tw)} {name:<19} {size}")
        lines.append(f"events: 00 obs_occurred(x) 2 + {wo}; 01 action_occurred(a) 2 + {wa}; 10 length_ge(T) 2 + ℓ(T)")
        lines.append("integers: 00 literal n 2 + gamma(n); 01 (T+T), 10 (T*T), 11 (T^T) 2 + ℓ(T1) + ℓ(T2); "
                     "gamma(n) = 2⌊log2 n⌋ + 1")
        return "\n".join(lines)

    def __repr__(self):
        prims = f", primitives={list(self.primitives)}" if self.primitives else ""
        return f"PolicyLanguage({self.n_actions}, {self.n_observations}, grid={self.grid}{prims})"


class _Parser:
    """Recursive-descent parser of program text (programs are small trees; this is not a hot path)."""

    def __init__(self, language: PolicyLanguage, text: str, tokens: list[str]):
        self.lang, self.text, self.tokens, self.i = language, text, tokens, 0

    def fail(self, expected: str):
        at = self.tokens[self.i] if self.i < len(self.tokens) else "the end"
        raise ProgramError(f"cannot parse {self.text!r} at {at!r}: expected {expected}")

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def eat(self, token: str):
        if self.peek() != token:
            self.fail(repr(token))
        self.i += 1

    def end(self):
        if self.i != len(self.tokens):
            self.fail("the end of the program")

    def number(self, what: str) -> str:
        tok = self.peek()
        if tok is None or not tok[0].isdigit():
            self.fail(what)
        self.i += 1
        return tok

    def natural(self, what: str) -> int:
        tok = self.number(what)
        if not tok.isdigit():
            self.i -= 1
            self.fail(what)
        return int(tok)

    def numbers(self, closing: str, what: str) -> list[str]:
        out = [self.number(what)]
        while self.peek() == ",":
            self.eat(",")
            out.append(self.number(what))
        self.eat(closing)
        return out

    def program(self) -> Program:
        lang = self.lang
        name = self.peek()
        if name not in CONSTRUCTORS[:8] + (("primitive",) if lang.primitives else ()):
            self.fail("a program (" + ", ".join(lang.constructors) + ")")
        self.i += 1
        try:
            if name == "copy_obs":
                if self.peek() == "(":
                    self.eat("(")
                    self.eat(")")
                return lang.copy_obs()
            self.eat("(")
            if name == "const":
                a = self.natural("an action")
                self.eat(")")
                return lang.const(a)
            if name == "iid":
                return lang.iid(self.numbers(")", "a probability"))
            if name in ("markov_action", "markov_obs"):
                rows = []
                while True:
                    self.eat("[")
                    rows.append(self.numbers("]", "a probability"))
                    if self.peek() != ",":
                        break
                    self.eat(",")
                self.eat(")")
                return getattr(lang, name)(*rows)
            if name == "periodic":
                acts = [int(a) if a.isdigit() else self.fail("an action") for a in self.numbers(")", "an action")]
                return lang.periodic(*acts)
            if name == "primitive":
                prim = self.peek()
                if prim is None or not prim.isidentifier():
                    self.fail("a primitive name")
                self.i += 1
                self.eat(")")
                return lang.primitive(prim)
            before = self.program()
            self.eat(",")
            if name == "switch":
                event = self.event()
            else:
                event = self.number("a hazard rate 2^-j")
            self.eat(",")
            after = self.program()
            self.eat(")")
            return lang.switch(before, event, after) if name == "switch" else lang.hazard(before, event, after)
        except ProgramError:
            raise
        except MightntError as err:  # pragma: no cover - constructors raise ProgramError
            raise ProgramError(str(err)) from err

    def event(self) -> EventExpression:
        name = self.peek()
        if name not in EVENT_TAGS:
            self.fail("an event (obs_occurred, action_occurred, length_ge)")
        self.i += 1
        self.eat("(")
        if name == "length_ge":
            T = self.integer()
            self.eat(")")
            return self.lang.length_ge(T)
        x = self.natural("an observation" if name == "obs_occurred" else "an action")
        self.eat(")")
        return getattr(self.lang, name)(x)

    def integer(self) -> IntegerExpression:
        if self.peek() == "(":
            self.eat("(")
            left = self.integer()
            op = self.peek()
            if op not in ("+", "*", "×", "^"):
                self.fail("an operation +, *, ^")
            self.i += 1
            right = self.integer()
            self.eat(")")
            return IntegerOperation("*" if op == "×" else op, left, right)
        n = self.natural("a positive integer")
        return IntegerLiteral(_positive_int(n, "an integer literal is a positive integer"))


# ---------------------------------------------------------------------------------------------------------------
# The complexity prior
# ---------------------------------------------------------------------------------------------------------------
def mixture_from_programs(max_bits: int, *, language: PolicyLanguage, update: str = "all",
                          max_programs: int | None = None) -> BayesianMixture:
    """The Bayesian mixture of every program of ``language`` with ``length <= max_bits``, with prior weight
    ``2^-length`` (exact Fractions; their sum is the Kraft sum, at most 1, and is not renormalized: the
    posterior is normalized anyway). Component names are the programs' ``str()``.

    The programs are counted first (:meth:`PolicyLanguage.count`): more than ``max_programs`` (default
    :data:`~theory.validation.MAX_PROGRAMS`) are refused with a ResourceLimitError before any is built.

    >>> lang = PolicyLanguage(2, 1)
    >>> xi = mixture_from_programs(6, language=lang)
    >>> len(xi), xi.names[:3], xi.prior[:3]
    (15, ('copy_obs', 'const(0)', 'const(1)'), (Fraction(1, 8), Fraction(1, 16), Fraction(1, 16)))
    >>> xi.probs(((1, 0),) * 3, arith="exact")
    array([Fraction(23, 584), Fraction(561, 584)], dtype=object)
    >>> mixture_from_programs(40, language=lang)
    Traceback (most recent call last):
    ...
    theory.errors.ResourceLimitError: this computation needs about 1770412462 programs (PolicyLanguage(2, 1, grid=4) up to 40 bits), above the limit 1000000; pass max_programs=... to raise it (or shrink the input)
    """
    if not isinstance(language, PolicyLanguage):
        raise ProgramError(f"language must be a PolicyLanguage, got {language!r}")
    programs = list(language.enumerate(max_bits, max_programs=max_programs))
    if not programs:
        raise ProgramError(
            f"no program of {language!r} has at most {max_bits} bits; the shortest has {language.tag_width}"
        )
    return BayesianMixture([p.compile() for p in programs], [Fraction(1, 2**p.length) for p in programs],
                           names=[str(p) for p in programs], update=update)
