"""The events of the policy language, one class per kind: each owns its code, its enumeration and counting by
length, its code-table entry, its text form and its meaning.

Code: a 2-bit tag (the kind's place in :data:`EVENT_KINDS`: ``00``, ``01``, ``10``; ``11`` is unused), then the
kind's field.

>>> from theory.programs import PolicyLanguage
>>> lang = PolicyLanguage(2, 3)
>>> [type(lang.parse(f"switch(copy_obs, {e}, copy_obs)").event).__name__
...  for e in ("obs_occurred(2)", "action_occurred(1)", "length_ge(3)")]
['ObservationOccurredExpression', 'ActionOccurredExpression', 'LengthAtLeastExpression']
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ProgramError
from ..events import LENGTH_CAP, ActionOccurred, LengthAtLeast, ObservationOccurred
from .codes import _fixed, _positive_int
from .integers import IntegerExpression, IntegerLiteral, _integers_of_length, _read_integer

__all__ = ["EVENT_KINDS", "EVENT_TAGS", "EventExpression"]

#: Bits of an event tag.
EVENT_TAG_WIDTH = 2


class EventExpression:
    """An event of the policy language: ``obs_occurred(x)``, ``action_occurred(a)`` or ``length_ge(T)``.

    Code: a 2-bit tag (``00``, ``01``, ``10``; ``11`` unused), then the observation in ``ceil(log2 |O|)`` bits, the
    action in ``ceil(log2 |A|)`` bits, or the integer expression T. Each kind is a subclass that states its
    field once: how it is built, read, coded, enumerated, counted, parsed and printed.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 3)
    >>> e = lang.obs_occurred(2)
    >>> e.code, e.length, e.holds(((0, 2),)), e.compile()
    ('0010', 4, True, ObservationOccurred(2))
    """

    #: The kind's name in program text.
    kind: str = ""
    #: How its field is written in the code table.
    field: str = ""

    def __init__(self, language, arg):
        self.language, self.arg = language, arg
        self.length = EVENT_TAG_WIDTH + self._field_length()
        self._code = None

    # -- one place per kind: the field -------------------------------------------------------------------------
    @classmethod
    def build(cls, language, arg) -> "EventExpression":
        """The event with this field, validated (``language.<kind>(arg)`` calls it)."""
        raise NotImplementedError

    @classmethod
    def read(cls, language, reader) -> "EventExpression":
        """The event whose field the reader is at (the tag has been read)."""
        raise NotImplementedError

    @classmethod
    def of_length(cls, language, length: int) -> list:
        """Every event of this kind of exactly ``length`` bits (tag included)."""
        raise NotImplementedError

    @classmethod
    def count(cls, language, length: int, integers: list[int]) -> int:
        """How many events of this kind have exactly ``length`` bits; ``integers[L]`` counts integer
        expressions of L bits."""
        raise NotImplementedError

    @classmethod
    def table_size(cls, language) -> str:
        """The length formula in the code table, after ``2 + ``."""
        raise NotImplementedError

    @classmethod
    def parse(cls, parser) -> "EventExpression":
        """The event whose text the parser is at, after the kind's name."""
        parser.eat("(")
        arg = cls._parse_field(parser)
        parser.eat(")")
        return cls.build(parser.lang, arg)

    @classmethod
    def _parse_field(cls, parser):
        raise NotImplementedError

    def _field_length(self) -> int:
        raise NotImplementedError

    def _field_code(self) -> str:
        raise NotImplementedError

    # -- shared by all kinds -----------------------------------------------------------------------------------
    @classmethod
    def tag(cls) -> str:
        """This kind's tag bits."""
        return _fixed(EVENT_KINDS.index(cls), EVENT_TAG_WIDTH)

    @property
    def code(self) -> str:
        """The bit string of this event."""
        if self._code is None:
            self._code = self.tag() + self._field_code()
        return self._code

    def compile(self):
        """The event as a :class:`theory.events.Event`.

        ``length_ge(T)`` with T above 2^62 compiles to ``LengthAtLeast(2**62 + 1)``: no storable history is that
        long, so the two agree on every history (and astronomically large T never need be written out).
        """
        raise NotImplementedError

    def holds(self, history) -> bool:
        """Direct evaluation on one plain history (the reference semantics)."""
        return self._holds([(int(s[0]), int(s[1])) for s in history])

    def _holds(self, steps: list) -> bool:
        raise NotImplementedError

    def __str__(self):
        return f"{self.kind}({self.arg})"

    def __repr__(self):
        return f"<event {self}: {self.length} bits>"

    def __eq__(self, other):
        return (isinstance(other, EventExpression) and self.language.signature == other.language.signature
                and self.code == other.code)

    def __hash__(self):
        return hash(("event", self.code))


class _LetterOccurred(EventExpression):
    """Some step so far has this letter of an alphabet (observations: index 1 of a step; actions: index 0)."""

    step_index: int
    letter: str
    size_name: str
    width_name: str

    @classmethod
    def read(cls, language, reader):
        return cls(language, getattr(language, f"read_{cls.letter}")(reader))

    @classmethod
    def of_length(cls, language, length):
        if length != EVENT_TAG_WIDTH + getattr(language, cls.width_name):
            return []
        return [cls(language, x) for x in range(getattr(language, cls.size_name))]

    @classmethod
    def count(cls, language, length, integers):
        return getattr(language, cls.size_name) if length == EVENT_TAG_WIDTH + getattr(language, cls.width_name) \
            else 0

    @classmethod
    def table_size(cls, language):
        return str(getattr(language, cls.width_name))

    @classmethod
    def _parse_field(cls, parser):
        return parser.natural(f"an {cls.letter}")

    def _field_length(self):
        return getattr(self.language, self.width_name)

    def _field_code(self):
        return _fixed(self.arg, self._field_length())

    def _holds(self, steps):
        return any(s[self.step_index] == self.arg for s in steps)


class ObservationOccurredExpression(_LetterOccurred):
    """``obs_occurred(x)``: some step so far has observation x. Code: ``00``, x in ``ceil(log2 |O|)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> PolicyLanguage(2, 4).obs_occurred(3).code
    '0011'
    """

    kind, field = "obs_occurred", "obs_occurred(x)"
    step_index, letter, size_name, width_name = 1, "observation", "n_observations", "observation_width"

    @classmethod
    def build(cls, language, x):
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or not 0 <= x < language.n_observations:
            raise ProgramError(
                f"observation {x!r} is outside the observation alphabet 0..{language.n_observations - 1}")
        return cls(language, int(x))

    def compile(self):
        return ObservationOccurred(self.arg)


class ActionOccurredExpression(_LetterOccurred):
    """``action_occurred(a)``: some step so far has action a. Code: ``01``, a in ``ceil(log2 |A|)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> e = PolicyLanguage(2, 1).action_occurred(1)
    >>> e.code, e.holds(((0, 0), (1, 0)))
    ('011', True)
    """

    kind, field = "action_occurred", "action_occurred(a)"
    step_index, letter, size_name, width_name = 0, "action", "n_actions", "action_width"

    @classmethod
    def build(cls, language, a):
        return cls(language, language.check_action(a))

    def compile(self):
        return ActionOccurred(self.arg)


class LengthAtLeastExpression(EventExpression):
    """``length_ge(T)``: the history has at least T steps. T is an integer expression (an int is taken as a
    literal; use :func:`~theory.programs.shortest_integer_expression` for the shortest code). Code: ``10``, T.

    >>> from theory.programs import PolicyLanguage, shortest_integer_expression
    >>> lang = PolicyLanguage(2, 1)
    >>> lang.length_ge(1000).length, lang.length_ge(shortest_integer_expression(1000)).length
    (23, 18)
    """

    kind, field = "length_ge", "length_ge(T)"

    @classmethod
    def build(cls, language, T):
        if not isinstance(T, IntegerExpression):
            T = IntegerLiteral(_positive_int(T, "length_ge needs a positive integer T"))
        return cls(language, T)

    @classmethod
    def read(cls, language, reader):
        return cls(language, _read_integer(reader))

    @classmethod
    def of_length(cls, language, length):
        if length < EVENT_TAG_WIDTH + 3:
            return []
        return [cls(language, t) for t in _integers_of_length(length - EVENT_TAG_WIDTH)]

    @classmethod
    def count(cls, language, length, integers):
        return integers[length - EVENT_TAG_WIDTH] if length >= EVENT_TAG_WIDTH else 0

    @classmethod
    def table_size(cls, language):
        return "ℓ(T)"

    @classmethod
    def _parse_field(cls, parser):
        return parser.integer()

    def _field_length(self):
        return self.arg.length

    def _field_code(self):
        return self.arg.code

    def compile(self):
        return LengthAtLeast(self.arg.capped(LENGTH_CAP + 1))

    def _holds(self, steps):
        return self.arg.capped(len(steps) + 1) <= len(steps)


#: The event kinds in tag order: kind i has tag i written in 2 bits.
EVENT_KINDS = (ObservationOccurredExpression, ActionOccurredExpression, LengthAtLeastExpression)
#: Event tags (2 bits; ``11`` is unused).
EVENT_TAGS = {kind.kind: kind.tag() for kind in EVENT_KINDS}
