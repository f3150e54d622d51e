"""Integer expressions: literals n >= 1 and ``(T+T)``, ``(T*T)``, ``(T^T)``, with their prefix code, their
enumeration and counting by code length, and the integer complexities ℓ(n) and g(t) = min over T >= t of ℓ(T).

This part of the language is independent of the alphabets: ``length_ge(T)`` events carry one.

>>> t = integer(10) ** 100
>>> t.length, integer_code_length(10**100), min_code_length_at_least(10**100)
(26, 26, 21)
"""

from __future__ import annotations

from ..errors import ProgramError, ResourceLimitError
from ..validation import integer as _integer
from .codes import BitReader, _fixed, _gamma_length, _positive_int, elias_gamma

__all__ = [
    "INTEGER_TAGS",
    "IntegerExpression",
    "integer",
    "integer_code_length",
    "largest_integer_expression",
    "min_code_length_at_least",
    "shortest_integer_expression",
]

#: Integer-expression tags (2 bits).
INTEGER_TAGS = {"literal": "00", "+": "01", "*": "10", "^": "11"}
_INTEGER_OPS = {tag: op for op, tag in INTEGER_TAGS.items() if op != "literal"}
#: This part's rows of :meth:`PolicyLanguage.code_table`.
CODE_TABLE_ROW = (
    "integers: 00 literal n 2 + gamma(n); 01 (T+T), 10 (T*T), 11 (T^T) 2 + ℓ(T1) + ℓ(T2); gamma(n) = 2⌊log2 n⌋ + 1"
)

#: An integer expression whose value has more bits than this is not materialized (``.value`` refuses it).
VALUE_BITS_LIMIT = 1 << 20


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
    _code: str | None

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


def _read_integer(reader: BitReader) -> IntegerExpression:
    tag = _fixed(reader.fixed(2, "an integer-expression tag"), 2)
    if tag == INTEGER_TAGS["literal"]:
        return IntegerLiteral(reader.gamma("an integer literal"))
    left = _read_integer(reader)
    right = _read_integer(reader)
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
        cand: tuple | None = None
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
            witness: IntegerExpression
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
    best: tuple | None = None
    for L, value, witness in _max_table(cap, lambda L, entry: L >= max_bits):
        if value is not None and value >= cap:
            # The maximum of L bits was capped: candidates at the cap cannot be ranked, so no answer is certain.
            raise ResourceLimitError(
                f"largest_integer_expression({max_bits}): the largest value of an expression of {L} bits has more "
                f"than {max_value_bits} bits (a value this large cannot be compared exactly with the other "
                f"candidates); pass max_value_bits=... (at most {MAX_VALUE_BITS}) to raise the limit, or ask for "
                f"at most {L - 1} bits"
            )
        if value is not None and (best is None or value > best[0]):
            best = (value, witness)
    assert best is not None, "some expression of every length >= 3 bits"
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
            seen: set = set()
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
            out: list = []
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
