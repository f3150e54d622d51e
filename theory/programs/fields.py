"""The fixed-width fields of the language's codes: a letter of an alphabet (an action, an observation) and a grid
distribution. A field knows its width and values in a language, and how a value is checked, read, coded, parsed
and printed; constructor and event classes are written in terms of fields.

>>> from theory.programs import PolicyLanguage
>>> lang = PolicyLanguage(3, 2)
>>> ACTION.width(lang), ACTION.code(lang, 2), OBSERVATION.size(lang), DISTRIBUTION.size(lang)
(2, '10', 2, 15)
>>> ACTION.check(lang, 3, "periodic action")
Traceback (most recent call last):
...
theory.errors.ProgramError: periodic action 3 is outside the action alphabet 0..2
"""

from __future__ import annotations

import numbers
from math import comb

import numpy as np

from ..arith import to_fraction
from ..errors import ArithmeticContextError, ProgramError
from .codes import _fixed

__all__ = ["ACTION", "DISTRIBUTION", "OBSERVATION", "Field"]


def _fmt_dist(dist) -> str:
    return ",".join(str(p) for p in dist)


def _rank(grid: int, counts) -> int:
    """The lexicographic rank of the count vector (k_0, ..., k_{m-1}) among all with Σ k = grid."""
    rank, remaining, m = 0, grid, len(counts)
    for i in range(m - 1):
        parts = m - i - 1
        for v in range(counts[i]):
            rank += comb(remaining - v + parts - 1, parts - 1)
        remaining -= counts[i]
    return rank


class Field:
    """A fixed-width field: its values in a language are coded by their index, in ``width(language)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 2)
    >>> [DISTRIBUTION.code(lang, d) for d in DISTRIBUTION.values(lang)]
    ['000', '001', '010', '011', '100']
    """

    def width(self, language) -> int:
        """Bits of one value."""
        raise NotImplementedError

    def size(self, language) -> int:
        """The number of values."""
        raise NotImplementedError

    def values(self, language):
        """Every value, in code order."""
        raise NotImplementedError

    def check(self, language, value, what: str):
        """``value`` as a value of this field, or a ProgramError naming it as ``what``."""
        raise NotImplementedError

    def read(self, language, reader):
        """The value the :class:`~theory.programs.BitReader` is at."""
        raise NotImplementedError

    def code(self, language, value) -> str:
        """The bits of ``value``."""
        raise NotImplementedError

    def parse(self, parser, closing: str):
        """The value written at the parser, up to and including ``closing`` (unchecked, as written)."""
        raise NotImplementedError

    def text(self, value) -> str:
        """How ``value`` is printed."""
        raise NotImplementedError


class Letter(Field):
    """A letter of one of the language's alphabets, coded in ``ceil(log2 n)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> list(OBSERVATION.values(PolicyLanguage(2, 3))), OBSERVATION.width(PolicyLanguage(2, 3))
    ([0, 1, 2], 2)
    """

    def __init__(self, letter: str, size_name: str, width_name: str):
        self.letter, self._size_name, self._width_name = letter, size_name, width_name

    def width(self, language):
        return getattr(language, self._width_name)

    def size(self, language):
        return getattr(language, self._size_name)

    def values(self, language):
        return range(self.size(language))

    def check(self, language, value, what=None):
        n = self.size(language)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not 0 <= value < n:
            raise ProgramError(f"{what or self.letter} {value!r} is outside the {self.letter} alphabet 0..{n - 1}")
        return int(value)

    def read(self, language, reader):
        x = reader.fixed(self.width(language), f"an {self.letter}")
        if x >= self.size(language):
            reader.bad(f"{self.letter} {x} outside 0..{self.size(language) - 1}")
        return x

    def code(self, language, value):
        return _fixed(value, self.width(language))

    def parse(self, parser, closing):
        x = parser.natural(f"an {self.letter}")
        parser.eat(closing)
        return x

    def text(self, value):
        return str(value)


class GridDistribution(Field):
    """A distribution over the actions with entries ``k/grid``, coded by the rank of its count vector
    ``(k_0, ..., k_|A|-1)`` in lexicographic order.

    >>> from theory.programs import PolicyLanguage
    >>> DISTRIBUTION.check(PolicyLanguage(2, 2), ["1/4", 0.75], "iid distribution")
    (Fraction(1, 4), Fraction(3, 4))
    """

    def width(self, language):
        return language.distribution_width

    def size(self, language):
        return language.n_distributions

    def values(self, language):
        return language.distributions()

    def check(self, language, value, what="distribution"):
        try:
            values = [to_fraction(p) for p in value]
        except (ArithmeticContextError, TypeError) as err:
            raise ProgramError(f"{what} {value!r} is not a sequence of numbers") from err
        if len(values) != language.n_actions:
            raise ProgramError(
                f"{what} {_fmt_dist(values)} has {len(values)} entries; give one per action ({language.n_actions})"
            )
        for v in values:
            if v < 0 or (v * language.grid).denominator != 1:
                raise ProgramError(
                    f"{what} entry {v} is not a multiple of 1/{language.grid} in [0, 1]; the language's "
                    f"probabilities are k/{language.grid}"
                )
        if sum(values) != 1:
            raise ProgramError(f"{what} {_fmt_dist(values)} sums to {sum(values)}, not 1")
        return tuple(values)

    def read(self, language, reader):
        i = reader.fixed(language.distribution_width, "a grid distribution")
        if i >= language.n_distributions:
            reader.bad(f"grid distribution index {i} (there are {language.n_distributions})")
        return language.distributions()[i]

    def code(self, language, value):
        return _fixed(_rank(language.grid, [int(p * language.grid) for p in value]), language.distribution_width)

    def parse(self, parser, closing):
        return parser.numbers(closing, "a probability")

    def text(self, value):
        return _fmt_dist(value)


#: The fields of the language's codes.
ACTION = Letter("action", "n_actions", "action_width")
OBSERVATION = Letter("observation", "n_observations", "observation_width")
DISTRIBUTION = GridDistribution()
