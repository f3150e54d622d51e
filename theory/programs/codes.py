"""Prefix codes the policy language is written in: fixed-width indices, Elias gamma, and a cursor that reads them.

>>> fixed_width(5), elias_gamma(9)
(3, '0001001')
>>> reader = BitReader("0001001" + "10")
>>> reader.gamma("a period length"), reader.fixed(2, "an action"), reader.pos
(9, 2, 9)
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ProgramError

__all__ = ["BitReader", "elias_gamma", "fixed_width"]


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


def _gamma_values(bits: int) -> range:
    """The positive integers whose Elias-gamma code has exactly ``bits`` bits (none for an even number)."""
    if bits < 1 or bits % 2 == 0:
        return range(0)
    m = (bits - 1) // 2
    return range(1 << m, 1 << (m + 1))


def _gamma_count(bits: int) -> int:
    """How many positive integers have an Elias-gamma code of exactly ``bits`` bits: ``len(_gamma_values(bits))``
    (which ``len`` cannot give beyond 2^63)."""
    return 1 << ((bits - 1) // 2) if bits >= 1 and bits % 2 else 0


def _positive_int(n, what: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise ProgramError(f"{what}, got {n!r}; use n >= 1")
    return int(n)


def _canonical_code(lengths: dict[str, int]) -> dict[str, str]:
    """The canonical prefix code with the given codeword lengths (shorter first, then dict order); the lengths'
    Kraft sum must be at most 1.

    >>> _canonical_code({"teacher": 1, "echo": 2, "coin": 3})
    {'teacher': '0', 'echo': '10', 'coin': '110'}
    """
    order = sorted(lengths, key=lambda n: (lengths[n], list(lengths).index(n)))
    codes, value, prev = {}, 0, None
    for name in order:
        bits = lengths[name]
        if prev is not None:
            value = (value + 1) << (bits - prev)
        codes[name] = _fixed(value, bits)
        prev = bits
    return codes


class BitReader:
    """A cursor over a code being decoded; every error names the code, the position and what was being read.

    >>> reader = BitReader("0011")
    >>> reader.fixed(1, "an action"), reader.gamma("a period length")
    (0, 3)
    >>> BitReader("00").gamma("a period length")
    Traceback (most recent call last):
    ...
    theory.errors.ProgramError: code '00' ends at bit 2 inside a period length; the code is truncated
    """

    def __init__(self, bits: str):
        self.bits, self.pos = bits, 0

    def _fail(self, what: str):
        raise ProgramError(f"code {self.bits!r} ends at bit {len(self.bits)} inside {what}; the code is truncated")

    def fixed(self, width: int, what: str) -> int:
        """The next ``width`` bits as an unsigned integer (0 for width 0)."""
        if self.pos + width > len(self.bits):
            self._fail(what)
        chunk = self.bits[self.pos : self.pos + width]
        self.pos += width
        return int(chunk, 2) if width else 0

    def gamma(self, what: str) -> int:
        """The next Elias-gamma coded positive integer."""
        zeros = 0
        while True:
            if self.pos + zeros >= len(self.bits):
                self._fail(what)
            if self.bits[self.pos + zeros] == "1":
                break
            zeros += 1
        if self.pos + 2 * zeros + 1 > len(self.bits):
            self._fail(what)
        value = int(self.bits[self.pos + zeros : self.pos + 2 * zeros + 1], 2)
        self.pos += 2 * zeros + 1
        return value

    def bad(self, what: str):
        """Refuse the code: it has ``what`` (an unused codeword) at the current position."""
        raise ProgramError(f"code {self.bits!r} has {what} at bit {self.pos}; no program has this code")


class _Coded:
    """A value with a code in a language (a program, an event): equal to a value of the same sort with the same
    code in a language of the same signature."""

    #: The sort of value, in ``repr`` and hashes.
    sort: str

    def __eq__(self, other):
        return (
            isinstance(other, _Coded)
            and other.sort == self.sort
            and self.language.signature == other.language.signature
            and self.code == other.code
        )

    def __hash__(self):
        return hash((self.sort, self.code))

    def __repr__(self):
        return f"<{self.sort} {self}: {self.length} bits>"


def _check_bits(bits) -> str:
    if not isinstance(bits, str) or any(c not in "01" for c in bits):
        raise ProgramError(f"a code is a string of '0' and '1' characters, got {bits!r}")
    return bits
