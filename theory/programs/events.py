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

from ..events import LENGTH_CAP, ActionOccurred, LengthAtLeast, ObservationOccurred
from .codes import _Coded, _fixed, _positive_int
from .fields import ACTION, OBSERVATION, Letter
from .integers import IntegerExpression, IntegerLiteral, _integers_of_length, _read_integer

__all__ = ["EVENT_KINDS", "EVENT_TAGS", "EventExpression"]

#: Bits of an event tag.
EVENT_TAG_WIDTH = 2


class EventExpression(_Coded):
    """An event of the policy language: ``obs_occurred(x)``, ``action_occurred(a)`` or ``length_ge(T)``.

    Code: a 2-bit tag (``00``, ``01``, ``10``; ``11`` unused), then the observation in ``ceil(log2 |O|)`` bits, the
    action in ``ceil(log2 |A|)`` bits, or the integer expression T.

    Each kind is a subclass that states its field once, as the classmethods ``build(language, arg)`` (validate;
    ``language.<kind>(arg)`` calls it), ``read(language, reader)`` (the field, after the tag),
    ``of_length(language, length)`` and ``count(language, length, integers)`` (the events of exactly ``length``
    bits, tag included, and how many; ``integers[L]`` counts integer expressions of L bits),
    ``table_size(language)`` (the length formula after ``2 + ``) and ``parse(parser)`` (after the kind's name);
    and the methods ``_field_length``, ``_field_code``, ``compile`` and ``_holds(steps)``.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 3)
    >>> e = lang.obs_occurred(2)
    >>> e.code, e.length, e.holds(((0, 2),)), e.compile()
    ('0010', 4, True, ObservationOccurred(2))
    """

    #: The kind's name in program text.
    kind: str = ""
    sort = "event"
    #: How its field is written in the code table.
    field: str = ""

    def __init__(self, language, arg):
        self.language, self.arg = language, arg
        self.length = EVENT_TAG_WIDTH + self._field_length()
        self._code = None

    # -- shared by all kinds -----------------------------------------------------------------------------------
    @classmethod
    def tag(cls) -> str:
        """This kind's tag bits."""
        return _fixed(EVENT_KINDS.index(cls), EVENT_TAG_WIDTH)

    def _field_code(self) -> str:
        raise NotImplementedError

    def _holds(self, steps) -> bool:
        raise NotImplementedError

    @property
    def code(self) -> str:
        """The bit string of this event."""
        if self._code is None:
            self._code = self.tag() + self._field_code()
        return self._code

    def holds(self, history) -> bool:
        """Direct evaluation on one plain history (the reference semantics)."""
        return self._holds([(int(s[0]), int(s[1])) for s in history])

    def __str__(self):
        return f"{self.kind}({self.arg})"


class _LetterOccurred(EventExpression):
    """Some step so far has this letter of an alphabet (its index in a step: 0 the action, 1 the observation)."""

    alphabet: Letter
    step_index: int
    #: The event of :mod:`theory.events` it compiles to.
    compiled: type

    @classmethod
    def build(cls, language, x):
        return cls(language, cls.alphabet.check(language, x))

    @classmethod
    def read(cls, language, reader):
        return cls(language, cls.alphabet.read(language, reader))

    @classmethod
    def of_length(cls, language, length):
        if length != EVENT_TAG_WIDTH + cls.alphabet.width(language):
            return []
        return [cls(language, x) for x in cls.alphabet.values(language)]

    @classmethod
    def count(cls, language, length, integers):
        return cls.alphabet.size(language) if length == EVENT_TAG_WIDTH + cls.alphabet.width(language) else 0

    @classmethod
    def table_size(cls, language):
        return str(cls.alphabet.width(language))

    @classmethod
    def parse(cls, parser):
        parser.eat("(")
        return cls.build(parser.lang, cls.alphabet.parse(parser, ")"))

    def _field_length(self):
        return self.alphabet.width(self.language)

    def _field_code(self):
        return self.alphabet.code(self.language, self.arg)

    def compile(self):
        """The event as a :class:`theory.events.Event`."""
        return self.compiled(self.arg)

    def _holds(self, steps):
        return any(s[self.step_index] == self.arg for s in steps)


class ObservationOccurredExpression(_LetterOccurred):
    """``obs_occurred(x)``: some step so far has observation x. Code: ``00``, x in ``ceil(log2 |O|)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> PolicyLanguage(2, 4).obs_occurred(3).code
    '0011'
    """

    kind, field = "obs_occurred", "obs_occurred(x)"
    alphabet, step_index, compiled = OBSERVATION, 1, ObservationOccurred


class ActionOccurredExpression(_LetterOccurred):
    """``action_occurred(a)``: some step so far has action a. Code: ``01``, a in ``ceil(log2 |A|)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> e = PolicyLanguage(2, 1).action_occurred(1)
    >>> e.code, e.holds(((0, 0), (1, 0)))
    ('011', True)
    """

    kind, field = "action_occurred", "action_occurred(a)"
    alphabet, step_index, compiled = ACTION, 0, ActionOccurred


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
    def parse(cls, parser):
        parser.eat("(")
        T = parser.integer()
        parser.eat(")")
        return cls.build(parser.lang, T)

    def _field_length(self):
        return self.arg.length

    def _field_code(self):
        return self.arg.code

    def compile(self):
        """The event as a :class:`theory.events.Event`: ``LengthAtLeast(T)``, and ``LengthAtLeast(2**62 + 1)``
        for T above 2^62: no storable history is that long, so the two agree on every history (and
        astronomically large T never need be written out)."""
        return LengthAtLeast(self.arg.capped(LENGTH_CAP + 1))

    def _holds(self, steps):
        return self.arg.capped(len(steps) + 1) <= len(steps)


#: The event kinds in tag order: kind i has tag i written in 2 bits.
EVENT_KINDS = (ObservationOccurredExpression, ActionOccurredExpression, LengthAtLeastExpression)
#: Event tags (2 bits; ``11`` is unused).
EVENT_TAGS = {kind.kind: kind.tag() for kind in EVENT_KINDS}
