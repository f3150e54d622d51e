"""The programs of the policy language: the :class:`Program` base and one class per constructor.

A constructor class is the one place that says what the constructor means: how it is built and validated
(:meth:`Program.build`, called as ``language.<kind>(...)``), read from bits (:meth:`Program.read`), coded
(``_body``), enumerated and counted by body length (:meth:`Program.of_body_length`, :meth:`Program.count`), shown
in the code table (:meth:`Program.table_row`), parsed and printed (:meth:`Program.parse`, ``str``), and run
(``_machine``, ``_general``, ``_ref``). A :class:`~theory.programs.PolicyLanguage` holds a tuple of constructor
classes in code order (:data:`DEFAULT_CONSTRUCTORS` by default) and dispatches to them.

>>> [cls.kind for cls in DEFAULT_CONSTRUCTORS] == list(CONSTRUCTORS)
True
>>> from theory.programs import PolicyLanguage
>>> type(PolicyLanguage(2, 2).decode("0001")).__name__
'Const'
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from ..arith import to_fraction
from ..combinators import Hazard as _HazardPolicy, Machine as _Machine, Switch as _SwitchPolicy
from ..combinators import switch_product as _product
from ..errors import ArithmeticContextError, ProgramError, RuledOutHistoryError
from ..kernels import FiniteStatePolicy, Policy
from .codes import _Coded, _gamma_count, _gamma_length, _gamma_values, elias_gamma
from .fields import ACTION, DISTRIBUTION, OBSERVATION, Field, Letter

__all__ = ["CONSTRUCTORS", "DEFAULT_CONSTRUCTORS", "Program"]


def _onehot(a: int, n: int) -> list[Fraction]:
    row = [Fraction(0)] * n
    row[a] = Fraction(1)
    return row


def _last(history, index: int) -> int:
    return int(history[-1][index]) if history else 0


class Program(_Coded):
    """A program of a :class:`~theory.programs.PolicyLanguage`: a policy with an exact code and code length.

    ``code`` is the bit string, ``length`` its length in bits (the prior weight is ``2^-length``), ``str()`` the
    readable form (which :meth:`PolicyLanguage.parse` reads back), ``compile()`` the fast kernel and
    ``reference()`` a direct interpreter of the definition (a Python function of the history, for tests).

    Subclasses are the constructors; see ``docs/programs.md`` ("Adding a constructor") for what one defines.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 1)
    >>> p = lang.periodic(0, 1, 1)
    >>> print(p)
    periodic(0,1,1)
    >>> p.length, p.compile().probs(((0, 0), (1, 0)))
    (9, array([0., 1.]))
    """

    #: The constructor's name in program text (and ``language.<kind>(...)`` builds one).
    kind: str = ""
    sort = "program"

    def __init__(self, language):
        self.language = language
        self._code = None
        self._compiled = None

    # -- one place per constructor -----------------------------------------------------------------------------
    @classmethod
    def build(cls, language, *args) -> "Program":
        """The program with these fields, validated; ``language.<kind>(*args)`` calls it."""
        raise NotImplementedError

    @classmethod
    def available(cls, language) -> bool:
        """Whether ``language`` has this constructor (and gives it a tag); all but ``primitive`` always do."""
        return True

    @classmethod
    def read(cls, language, reader) -> "Program":
        """The program whose body the :class:`~theory.programs.codes.BitReader` is at (its tag has been read)."""
        raise NotImplementedError

    @classmethod
    def of_body_length(cls, language, body: int):
        """Every program of this constructor whose body (the code after the tag) has exactly ``body`` bits, in
        any order (the language sorts by code)."""
        raise NotImplementedError

    @classmethod
    def count(cls, language, body: int, table) -> int:
        """How many programs :meth:`of_body_length` gives, without building them. ``table`` is the language's
        counting table (``table.programs[L]``, ``table.events[L]``: counts of shorter programs and events)."""
        raise NotImplementedError

    @classmethod
    def table_row(cls, language) -> tuple[str, str]:
        """The constructor's row of :meth:`PolicyLanguage.code_table`: its form and its length formula."""
        raise NotImplementedError

    @classmethod
    def parse(cls, parser) -> "Program":
        """The program whose text the :class:`~theory.programs.text.Parser` is at, after the constructor's name."""
        raise NotImplementedError

    def _body(self) -> str:
        raise NotImplementedError

    def _body_length(self) -> int:
        raise NotImplementedError

    # -- code --------------------------------------------------------------------------------------------------
    @property
    def tag(self) -> str:
        """The constructor tag bits."""
        return self.language.tag_of(type(self))

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

    @property
    def semi(self) -> bool:
        """Whether the program may abstain (only primitives that are semi-policies do)."""
        return False

    # -- semantics ---------------------------------------------------------------------------------------------
    def _machine(self) -> _Machine | None:
        """Finite-state tables when the program is finite-state within ``max_states``; else None."""
        return None

    def _general(self) -> Policy:
        """The policy when ``_machine`` gives none: by default the reference interpreter."""
        return self.reference()

    def compile(self) -> Policy:
        """The program as a :class:`theory.Policy`: one :class:`~theory.FiniteStatePolicy` (product machine)
        whenever the program is finite-state with at most ``language.max_states`` states, otherwise the
        combinators :class:`~theory.combinators.Switch` and :class:`~theory.combinators.Hazard` over compiled
        parts. Cached.

        >>> from theory.programs import PolicyLanguage
        >>> lang = PolicyLanguage(2, 1)
        >>> lang.parse("switch(const(0), length_ge(3), periodic(0,1))").compile()
        FiniteStatePolicy([[1, 0], [1, 0], [1, 0], [0, 1], [1, 0]], [[[1], [1]], [[2], [2]], [[3], [3]], [[4], [4]], [[3], [3]]], name='switch(const(0), length_ge(3), periodic(0,1))')
        >>> lang.parse("switch(const(0), length_ge((10^100)), const(1))").compile()
        Switch(FiniteStatePolicy([[1, 0]], [[[0], [0]]], name='const(0)'), LengthAtLeast(4611686018427387905), FiniteStatePolicy([[0, 1]], [[[0], [0]]], name='const(1)'))
        """
        if self._compiled is None:
            m = self._machine()
            if m is not None:
                self._compiled = FiniteStatePolicy(m.emission, m.transition, m.initial, semi=self.semi, name=str(self))
            else:
                self._compiled = self._general()
        return self._compiled

    def _ref(self, history: tuple) -> list:
        """Action probabilities at a plain history, computed directly from the definition (exact)."""
        raise NotImplementedError

    def reference(self) -> Policy:
        """A direct interpreter of the program: ``Policy.from_function`` of the definition (the slow path,
        exact Fractions; for testing :meth:`compile`).

        >>> from theory.programs import PolicyLanguage
        >>> lang = PolicyLanguage(2, 2)
        >>> p = lang.parse("hazard(const(0), 1/2, const(1))")
        >>> p.reference().probs(((0, 0),), arith="exact")
        array([Fraction(1, 2), Fraction(1, 2)], dtype=object)
        """
        lang = self.language
        return Policy.from_function(
            lang.n_actions, lambda h: self._ref(tuple(h)), n_observations=lang.n_observations, semi=self.semi
        )


class _OneRow(Program):
    """A constructor with one field whose value fixes one row of action probabilities, the same at every
    history."""

    #: The field, the constructor's form in the code table, and the field's role in errors.
    field: Field
    form: str
    role: str

    def __init__(self, language, value):
        super().__init__(language)
        self.value = value

    def _row(self) -> list:
        raise NotImplementedError

    @classmethod
    def build(cls, language, value):
        return cls(language, cls.field.check(language, value, cls.role))

    @classmethod
    def read(cls, language, reader):
        return cls(language, cls.field.read(language, reader))

    @classmethod
    def of_body_length(cls, language, body):
        return [cls(language, v) for v in cls.field.values(language)] if body == cls.field.width(language) else []

    @classmethod
    def count(cls, language, body, table):
        return cls.field.size(language) if body == cls.field.width(language) else 0

    @classmethod
    def table_row(cls, language):
        return cls.form, f"tag + {cls.field.width(language)}"

    @classmethod
    def parse(cls, parser):
        parser.eat("(")
        return cls.build(parser.lang, cls.field.parse(parser, ")"))

    def _body(self):
        return self.field.code(self.language, self.value)

    def _body_length(self):
        return self.field.width(self.language)

    def _machine(self):
        lang = self.language
        return _Machine([self._row()], np.zeros((1, lang.n_actions, lang.n_observations), dtype=np.int64))

    def _ref(self, history):
        return self._row()

    def __str__(self):
        return f"{self.kind}({self.field.text(self.value)})"


class Const(_OneRow):
    """``const(a)``: always take action a. Code: tag, a in ``ceil(log2 |A|)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> PolicyLanguage(3, 1).const(2).code
    '00010'
    """

    kind, form, field, role = "const", "const(a)", ACTION, "action"

    @property
    def action(self) -> int:
        """The action a."""
        return self.value

    def _row(self):
        return _onehot(self.action, self.language.n_actions)


class IID(_OneRow):
    """``iid(p)``: draw each action from p (entries multiples of 1/grid). Code: tag, the index of p among the
    C(grid+|A|−1, |A|−1) grid distributions in fixed width.

    >>> from theory.programs import PolicyLanguage
    >>> print(PolicyLanguage(2, 1).iid([0.25, 0.75]))
    iid(1/4,3/4)
    >>> PolicyLanguage(2, 1).iid(["1/3", "2/3"])
    Traceback (most recent call last):
    ...
    theory.errors.ProgramError: iid distribution entry 1/3 is not a multiple of 1/4 in [0, 1]; the language's probabilities are k/4
    """

    kind, form, field, role = "iid", "iid(p)", DISTRIBUTION, "iid distribution"

    @property
    def dist(self) -> tuple:
        """The distribution p."""
        return self.value

    def _row(self):
        return list(self.dist)


class _Markov(Program):
    """One grid distribution per letter of an alphabet; the state is the last letter seen (0 before any)."""

    #: The alphabet (its letter's index in a step: 0 the action, 1 the observation).
    alphabet: Letter
    step_index: int

    def __init__(self, language, rows):
        super().__init__(language)
        self.rows = rows

    @classmethod
    def build(cls, language, *rows):
        n = cls.alphabet.size(language)
        if len(rows) != n:
            raise ProgramError(f"{cls.kind} needs one distribution per {cls.alphabet.letter} ({n}), got {len(rows)}")
        return cls(language, tuple(DISTRIBUTION.check(language, r, f"{cls.kind} row {b}") for b, r in enumerate(rows)))

    @classmethod
    def read(cls, language, reader):
        return cls(language, tuple(DISTRIBUTION.read(language, reader) for _ in cls.alphabet.values(language)))

    @classmethod
    def of_body_length(cls, language, body):
        n = cls.alphabet.size(language)
        if body != n * DISTRIBUTION.width(language):
            return []
        return [cls(language, rows) for rows in itertools.product(DISTRIBUTION.values(language), repeat=n)]

    @classmethod
    def count(cls, language, body, table):
        n = cls.alphabet.size(language)
        return DISTRIBUTION.size(language) ** n if body == n * DISTRIBUTION.width(language) else 0

    @classmethod
    def table_row(cls, language):
        return f"{cls.kind}(...)", f"tag + {cls.alphabet.size(language)} × {DISTRIBUTION.width(language)}"

    @classmethod
    def parse(cls, parser):
        parser.eat("(")
        rows = []
        while True:
            parser.eat("[")
            rows.append(DISTRIBUTION.parse(parser, "]"))
            if parser.peek() != ",":
                break
            parser.eat(",")
        parser.eat(")")
        return cls.build(parser.lang, *rows)

    def _body(self):
        return "".join(DISTRIBUTION.code(self.language, r) for r in self.rows)

    def _body_length(self):
        return len(self.rows) * DISTRIBUTION.width(self.language)

    def _machine(self):
        lang = self.language
        A, O = lang.n_actions, lang.n_observations
        t = np.zeros((len(self.rows), A, O), dtype=np.int64)
        if self.step_index == 0:
            t[:] = np.arange(A)[None, :, None]
        else:
            t[:] = np.arange(O)[None, None, :]
        return _Machine([list(r) for r in self.rows], t)

    def _ref(self, history):
        # Before any step, behave as after symbol 0.
        return list(self.rows[_last(history, self.step_index)])

    def __str__(self):
        return f"{self.kind}(" + ",".join(f"[{DISTRIBUTION.text(r)}]" for r in self.rows) + ")"


class MarkovAction(_Markov):
    """``markov_action(p_0, ..., p_{|A|-1})``: the next action is drawn from p_b after action b (from p_0
    before any action). Code: tag, then each row's grid index.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 1)
    >>> lang.markov_action([1, 0], [0, 1]).compile().probs(((1, 0),))
    array([0., 1.])
    """

    kind, alphabet, step_index = "markov_action", ACTION, 0


class MarkovObs(_Markov):
    """``markov_obs(p_0, ..., p_{|O|-1})``: the action is drawn from p_x after observation x (from p_0 before
    any observation). Code: tag, then each row's grid index.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 2)
    >>> lang.markov_obs([1, 0], [0, 1]).compile().probs(((0, 1),))
    array([0., 1.])
    """

    kind, alphabet, step_index = "markov_obs", OBSERVATION, 1


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


class Periodic(Program):
    """``periodic(a_1, ..., a_k)``: take a_1, a_2, ..., a_k, a_1, ... (step t takes a_{(t−1) mod k + 1},
    whatever was actually done). Code: tag, Elias-gamma(k), each action in ``ceil(log2 |A|)`` bits.

    >>> from theory.programs import PolicyLanguage
    >>> PolicyLanguage(2, 1).periodic(1, 0).code
    '10001010'
    """

    kind = "periodic"

    def __init__(self, language, actions):
        super().__init__(language)
        self.actions = actions

    @classmethod
    def build(cls, language, *actions):
        if not actions:
            raise ProgramError("periodic needs at least one action (k >= 1)")
        return cls(language, tuple(ACTION.check(language, a, "periodic action") for a in actions))

    @classmethod
    def read(cls, language, reader):
        k = reader.gamma("a period length")
        return cls(language, tuple(ACTION.read(language, reader) for _ in range(k)))

    @classmethod
    def of_body_length(cls, language, body):
        return [
            cls(language, acts)
            for k in itertools.chain.from_iterable(_periodic_lengths(body, language.action_width))
            for acts in itertools.product(range(language.n_actions), repeat=k)
        ]

    @classmethod
    def count(cls, language, body, table):
        A = language.n_actions
        # One action (width 0): each period k gives A**k = 1 program, so a range counts its length.
        return sum(
            ks.stop - ks.start if A == 1 else sum(A**k for k in ks)
            for ks in _periodic_lengths(body, language.action_width)
        )

    @classmethod
    def table_row(cls, language):
        return "periodic(a_1..a_k)", f"tag + gamma(k) + k × {language.action_width}"

    @classmethod
    def parse(cls, parser):
        parser.eat("(")
        acts = [int(a) if a.isdigit() else parser.fail("an action") for a in parser.numbers(")", "an action")]
        return cls.build(parser.lang, *acts)

    def _body(self):
        return elias_gamma(len(self.actions)) + "".join(ACTION.code(self.language, a) for a in self.actions)

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
        return Policy.from_function(
            lang.n_actions,
            lambda h: _onehot(acts[len(h) % len(acts)], lang.n_actions),
            n_observations=lang.n_observations,
        )

    def _ref(self, history):
        return _onehot(self.actions[len(history) % len(self.actions)], self.language.n_actions)

    def __str__(self):
        return "periodic(" + ",".join(str(a) for a in self.actions) + ")"


class CopyObs(Program):
    """``copy_obs``: take action (last observation mod |A|); action 0 before any observation. Code: tag only.

    >>> from theory.programs import PolicyLanguage
    >>> PolicyLanguage(2, 3).copy_obs().compile().probs(((0, 2),))
    array([1., 0.])
    """

    kind = "copy_obs"

    @classmethod
    def build(cls, language):
        return cls(language)

    @classmethod
    def read(cls, language, reader):
        return cls(language)

    @classmethod
    def of_body_length(cls, language, body):
        return [cls(language)] if body == 0 else []

    @classmethod
    def count(cls, language, body, table):
        return 1 if body == 0 else 0

    @classmethod
    def table_row(cls, language):
        return "copy_obs", "tag"

    @classmethod
    def parse(cls, parser):
        if parser.peek() == "(":
            parser.eat("(")
            parser.eat(")")
        return cls.build(parser.lang)

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


class _Rate:
    """A hazard rate r = 2^-j (j >= 1), coded as Elias-gamma(j) and printed as the fraction."""

    def __init__(self, exponent: int):
        self.exponent = exponent
        self.code, self.length = elias_gamma(exponent), _gamma_length(exponent)

    @property
    def value(self) -> Fraction:
        return Fraction(1, 2**self.exponent)

    def __str__(self):
        return str(self.value)


class _Middle:
    """The middle field of a composite ``kind(P, m, Q)``: its fewest bits, how it is read, listed and counted by
    length, and parsed. Its values have ``.code``, ``.length`` and ``str()``."""

    def __init__(self, min_bits: int, read, of_length, count, parse):
        self.min_bits, self.read, self.of_length, self.count, self.parse = min_bits, read, of_length, count, parse


_EVENT = _Middle(
    2,
    read=lambda language, reader: language.read_event(reader),
    of_length=lambda language, bits: language.events_of_length(bits),
    count=lambda language, bits, table: table.events[bits],
    parse=lambda parser: parser.event(),
)
_RATE = _Middle(
    1,
    read=lambda language, reader: _Rate(reader.gamma("a hazard exponent")),
    of_length=lambda language, bits: [_Rate(j) for j in _gamma_values(bits)],
    count=lambda language, bits, table: _gamma_count(bits),
    parse=lambda parser: parser.number("a hazard rate 2^-j"),
)


class _Composite(Program):
    """``kind(P, m, Q)``: a first program, a middle field, a last program, coded in that order."""

    #: The middle field, and the constructor's row of the code table.
    middle_field: _Middle
    form: str
    size: str

    def __init__(self, language, before, middle, after):
        super().__init__(language)
        self.before, self.middle, self.after = before, middle, after

    @property
    def semi(self):
        return self.before.semi or self.after.semi

    @classmethod
    def read(cls, language, reader):
        before = language.read_program(reader)
        middle = cls.middle_field.read(language, reader)
        return cls(language, before, middle, language.read_program(reader))

    @classmethod
    def of_body_length(cls, language, body):
        # ℓ(P) + ℓ(m) + ℓ(Q) = body; each program has at least the tag's bits.
        tw, least = language.tag_width, cls.middle_field.min_bits
        for L1 in range(tw, body - tw - least + 1):
            firsts = language.programs_of_length(L1)
            if not firsts:
                continue
            for LM in range(least, body - L1 - tw + 1):
                middles = cls.middle_field.of_length(language, LM)
                lasts = language.programs_of_length(body - L1 - LM)
                if middles and lasts:
                    yield from (cls(language, p, m, q) for p in firsts for m in middles for q in lasts)

    @classmethod
    def count(cls, language, body, table):
        return table.composite(cls, lambda LM: cls.middle_field.count(language, LM, table), body)

    @classmethod
    def table_row(cls, language):
        return cls.form, cls.size

    @classmethod
    def parse(cls, parser):
        parser.eat("(")
        before = parser.program()
        parser.eat(",")
        middle = cls.middle_field.parse(parser)
        parser.eat(",")
        after = parser.program()
        parser.eat(")")
        return cls.build(parser.lang, before, middle, after)

    @classmethod
    def _check_parts(cls, language, before, after):
        return (
            language.check_program(before, f"{cls.kind}'s first part"),
            language.check_program(after, f"{cls.kind}'s last part"),
        )

    def _body(self):
        return self.before.code + self.middle.code + self.after.code

    def _body_length(self):
        return self.before.length + self.middle.length + self.after.length

    def __str__(self):
        return f"{self.kind}({self.before}, {self.middle}, {self.after})"


class Switch(_Composite):
    """``switch(P, E, Q)``: behave like P until E first happens, then like Q. Code: tag, P, E, Q.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 2)
    >>> lang.switch(lang.const(0), lang.length_ge(3), lang.const(1)).length
    18
    """

    kind, middle_field = "switch", _EVENT
    form, size = "switch(P, E, Q)", "tag + ℓ(P) + ℓ(E) + ℓ(Q)"

    @property
    def event(self):
        """The event E."""
        return self.middle

    @classmethod
    def build(cls, language, before, event, after):
        before, after = cls._check_parts(language, before, after)
        if not language.is_event(event):
            raise ProgramError(f"switch's event must be an event of this language, got {event!r}")
        return cls(language, before, event, after)

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
        return _SwitchPolicy(self.before.compile(), self.event.compile(), self.after.compile())

    def _ref(self, history):
        return (self.after if self.event.holds(history) else self.before)._ref(history)


class Hazard(_Composite):
    """``hazard(P, r, Q)``: before each step, if not yet switched, switch for good with probability
    r = 2^-j (j >= 1); act with P before the switch, Q after. Code: tag, P, Elias-gamma(j), Q.

    >>> from theory.programs import PolicyLanguage
    >>> lang = PolicyLanguage(2, 1)
    >>> print(lang.hazard(lang.const(0), "1/8", lang.const(1)))
    hazard(const(0), 1/8, const(1))
    >>> lang.hazard(lang.const(0), "1/3", lang.const(1))
    Traceback (most recent call last):
    ...
    theory.errors.ProgramError: hazard rate '1/3' is not 2^-j for an integer j >= 1; use 1/2, 1/4, 1/8, ...
    """

    kind, middle_field = "hazard", _RATE
    form, size = "hazard(P, 2^-j, Q)", "tag + ℓ(P) + gamma(j) + ℓ(Q)"

    def __init__(self, language, before, rate, after):
        super().__init__(language, before, rate, after)
        self._memo: dict = {}

    @classmethod
    def build(cls, language, before, rate, after):
        before, after = cls._check_parts(language, before, after)
        try:
            r = to_fraction(rate)
        except ArithmeticContextError as err:
            raise ProgramError(f"hazard rate {rate!r} is not a number; use 1/2, 1/4, 1/8, ...") from err
        j = r.denominator.bit_length() - 1
        if r.numerator != 1 or r.denominator != 1 << j or j < 1:
            raise ProgramError(f"hazard rate {rate!r} is not 2^-j for an integer j >= 1; use 1/2, 1/4, 1/8, ...")
        return cls(language, before, _Rate(j), after)

    exponent = property(lambda self: self.middle.exponent, doc="j, of the switching probability r = 2^-j.")
    rate = property(lambda self: self.middle.value, doc="The switching probability r = 2^-j.")

    def _general(self):
        return _HazardPolicy(self.before.compile(), self.rate, self.after.compile())

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


def _ref_or_none(program: Program, history):
    """A part's reference probabilities, or None where the part is undefined (it rules the history out)."""
    try:
        return program._ref(history)
    except RuledOutHistoryError:
        return None


class Primitive(Program):
    """``primitive(name)``: a user-supplied policy. Code: tag, its canonical codeword of ``description_bits``.
    Only languages with ``primitives=`` have this constructor.

    >>> import theory
    >>> from theory.programs import PolicyLanguage
    >>> teacher = theory.FiniteStatePolicy.iid([0.5, 0.5])
    >>> lang = PolicyLanguage(2, 1, primitives={"teacher": (teacher, 2)})
    >>> lang.primitive("teacher").code, lang.primitive("teacher").length
    ('100000', 6)
    """

    kind = "primitive"

    def __init__(self, language, name):
        super().__init__(language)
        self.name = name

    @classmethod
    def available(cls, language):
        return bool(language.primitives)

    @classmethod
    def build(cls, language, name):
        if name not in language.primitives:
            known = ", ".join(language.primitives) or "none"
            raise ProgramError(f"no primitive named {name!r}; this language's primitives: {known}")
        return cls(language, name)

    @classmethod
    def read(cls, language, reader):
        # Read the canonical codeword bit by bit (the code is prefix-free).
        names = {c: n for n, c in language.primitive_codes.items()}
        word = ""
        longest = max(b for _, b in language.primitives.values())
        while word not in names:
            if len(word) >= longest:
                reader.bad(f"primitive codeword {word!r}, which names no primitive")
            word += str(reader.fixed(1, "a primitive codeword"))
        return cls(language, names[word])

    @classmethod
    def of_body_length(cls, language, body):
        return [cls(language, name) for name, (_, bits) in language.primitives.items() if bits == body]

    @classmethod
    def count(cls, language, body, table):
        return sum(1 for _, bits in language.primitives.values() if bits == body)

    @classmethod
    def table_row(cls, language):
        return "primitive(name)", "tag + " + ", ".join(
            f"{b} ({n}: {language.primitive_codes[n] or 'empty'})" for n, (_, b) in language.primitives.items()
        )

    @classmethod
    def parse(cls, parser):
        parser.eat("(")
        prim = parser.peek()
        if prim is None or not prim.isidentifier():
            parser.fail("a primitive name")
        parser.i += 1
        parser.eat(")")
        return cls.build(parser.lang, prim)

    @property
    def policy(self) -> Policy:
        """The user-supplied policy."""
        return self.language.primitives[self.name][0]

    @property
    def semi(self):
        return bool(self.policy.semi)

    def _body(self):
        return self.language.primitive_codes[self.name]

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


#: The default language's constructors in code order: constructor i has tag i written in ``tag_width`` bits
#: (``primitive`` only in languages with primitives).
DEFAULT_CONSTRUCTORS = (Const, IID, MarkovAction, MarkovObs, Periodic, CopyObs, Switch, Hazard, Primitive)
#: Their names.
CONSTRUCTORS = tuple(cls.kind for cls in DEFAULT_CONSTRUCTORS)
