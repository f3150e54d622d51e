"""The policy language: alphabets, grid distributions and a registry of constructor classes, dispatched to for
building, decoding, parsing, enumerating and counting programs; and the 2^-ℓ mixture of its programs.

>>> lang = PolicyLanguage(2, 2)
>>> lang.constructors
('const', 'iid', 'markov_action', 'markov_obs', 'periodic', 'copy_obs', 'switch', 'hazard')
>>> print(lang.const(1)), lang.decode("0001") == lang.const(1) == lang.parse("const(1)")
const(1)
(None, True)
"""

from __future__ import annotations

import itertools
import math
import numbers
from fractions import Fraction
from math import comb

import numpy as np

from ..errors import ProgramError, ResourceLimitError
from ..kernels import Policy
from ..mixtures import BayesianMixture
from ..validation import MAX_PROGRAMS, guard_size, integer as _integer
from .codes import BitReader, _canonical_code, _check_bits, _fixed, fixed_width
from .events import EVENT_KINDS, EVENT_TAG_WIDTH, EventExpression
from .fields import _rank
from .integers import CODE_TABLE_ROW as _INTEGER_ROW, _integer_counts
from .nodes import DEFAULT_CONSTRUCTORS, Program
from .text import Parser

__all__ = ["MAX_COUNT_OPERATIONS", "MAX_DISTRIBUTION_BITS", "PolicyLanguage", "mixture_from_programs"]

#: Default limit on the big-integer operations of the counting table behind :meth:`PolicyLanguage.counts`
#: (about ``max_bits²/2``, on integers of up to ``max_bits`` bits; ``max_operations=`` raises it): 10^6 is reached
#: near 1,400 bits, a few seconds.
MAX_COUNT_OPERATIONS = 1_000_000

#: Largest code width, in bits, of one grid distribution (``log2`` of their number) a language accepts.
MAX_DISTRIBUTION_BITS = 4096


def _check_max(value, name: str, default: int) -> int:
    return default if value is None else _integer(value, name=name, minimum=1)


def _is_count(value) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Integral)


class _CountingTable:
    """The counts behind :meth:`PolicyLanguage.counts`, filled by increasing length: ``programs[L]`` and
    ``events[L]`` (events are final, programs final below the length being counted)."""

    def __init__(self, language: "PolicyLanguage", max_bits: int):
        self.language, self.max_bits = language, max_bits
        integers = _integer_counts(max_bits)
        self.events = [sum(kind.count(language, L, integers) for kind in EVENT_KINDS) for L in range(max_bits + 1)]
        self.programs = [0] * (max_bits + 1)
        self._tails: dict = {}

    def composite(self, key, middle_count, body: int) -> int:
        """The number of triples (P, m, Q) with ``ℓ(P) + ℓ(m) + ℓ(Q) = body``, ``middle_count(b)`` middles of b
        bits.

        ``tails[k]`` (one list per ``key``) counts the ways ``Σ_b middle_count(b)·programs[k − b]`` to complete
        the triple after a first program, with k bits left; it is extended as soon as the programs it needs are
        counted, so the whole table costs O(max_bits²) operations rather than O(max_bits³). A first program has
        at least ``tag_width`` bits, so the tails needed have k <= body − tag_width bits and read programs
        shorter than the one being counted only.
        """
        tw = self.language.tag_width
        middles, tails = self._tails.setdefault(key, ([], []))
        while len(tails) <= body - tw:
            k = len(tails)
            middles.append(middle_count(k))
            tails.append(sum(middles[b] * self.programs[k - b] for b in range(1, k + 1) if middles[b]))
        return sum(self.programs[L1] * tails[body - L1] for L1 in range(tw, body - tw + 1))

    def fill(self, each=None) -> list[int]:
        """Count the programs of every length up to ``max_bits``, constructor by constructor (``each(L, cls, n)``
        is told each constructor's count), and return ``programs``."""
        lang = self.language
        for L in range(lang.tag_width, self.max_bits + 1):
            for cls in lang.constructor_classes:
                n = cls.count(lang, L - lang.tag_width, self)
                if each is not None:
                    each(L, cls, n)
                self.programs[L] += n
        return self.programs


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
    constructors : tuple of Program subclasses, keyword-only
        The constructor classes in code order (default :data:`~theory.programs.DEFAULT_CONSTRUCTORS`); the
        language builds, reads, parses, enumerates and counts programs by asking them. ``language.<kind>(...)``
        builds a program of the constructor named ``kind``.

    The exact code table is in ``docs/programs.md`` and :meth:`code_table`.

    >>> lang = PolicyLanguage(2, 2)
    >>> [str(p) for p in lang.enumerate(4)]
    ['copy_obs', 'const(0)', 'const(1)']
    >>> lang.count(16), lang.kraft_sum(16)
    (957, Fraction(36795, 65536))
    """

    def __init__(
        self,
        n_actions: int,
        n_observations: int,
        *,
        grid: int = 4,
        primitives: dict | None = None,
        max_states: int = 4096,
        constructors: tuple = DEFAULT_CONSTRUCTORS,
    ):
        for value, what in (
            (n_actions, "n_actions"),
            (n_observations, "n_observations"),
            (grid, "grid"),
            (max_states, "max_states"),
        ):
            if not _is_count(value) or value < 1:
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
                "coarser grid"
            )
        self.primitives = self._check_primitives(primitives)
        self._registry = self._check_constructors(constructors)
        #: The constructor classes this language has, in code order (constructor i has tag i).
        self.constructor_classes = tuple(cls for cls in self._registry if cls.available(self))
        self.constructors = tuple(cls.kind for cls in self.constructor_classes)
        self.tag_width = fixed_width(len(self.constructors))
        self.action_width = fixed_width(self.n_actions)
        self.observation_width = fixed_width(self.n_observations)
        self.n_distributions = comb(self.grid + self.n_actions - 1, self.n_actions - 1)
        self.distribution_width = fixed_width(self.n_distributions)
        self.primitive_codes = _canonical_code({name: b for name, (_, b) in self.primitives.items()})
        self.event_kinds = tuple(kind.kind for kind in EVENT_KINDS)
        self.signature = (
            self.n_actions,
            self.n_observations,
            self.grid,
            tuple((n, id(p), b) for n, (p, b) in self.primitives.items()),
            self._registry,
        )
        self._programs: dict[int, list[Program]] = {}
        self._counts: dict = {}
        self._events: dict[int, list[EventExpression]] = {}
        self._distributions: list | None = None
        for cls in self._registry:
            if cls.kind in self.__dict__:
                raise ProgramError(f"constructor name {cls.kind!r} of {cls.__name__} is taken; choose another kind")

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
            if not _is_count(bits) or bits < 0:
                raise ProgramError(f"description_bits of primitive {name!r} must be an integer >= 0, got {bits!r}")
            out[name] = (policy, int(bits))
        kraft = sum((Fraction(1, 2**b) for _, b in out.values()), Fraction(0))
        if kraft > 1:
            raise ProgramError(
                f"primitive description lengths {[b for _, b in out.values()]} have Kraft sum {kraft} > 1, so no "
                "prefix code has them; lengthen some descriptions"
            )
        return out

    @staticmethod
    def _check_constructors(constructors) -> tuple:
        if not isinstance(constructors, (tuple, list)) or not constructors:
            raise ProgramError(f"constructors must be a non-empty tuple of Program subclasses, got {constructors!r}")
        names = set()
        for cls in constructors:
            if not (isinstance(cls, type) and issubclass(cls, Program)):
                raise ProgramError(f"constructor {cls!r} is not a subclass of theory.programs.Program")
            kind = cls.kind
            if not isinstance(kind, str) or not kind.isidentifier() or kind.startswith("_"):
                raise ProgramError(
                    f"constructor {cls.__name__} needs a name: set kind = '...' (an identifier), got {kind!r}"
                )
            if kind in names or hasattr(PolicyLanguage, kind) or any(kind == e.kind for e in EVENT_KINDS):
                raise ProgramError(f"constructor name {kind!r} of {cls.__name__} is taken; choose another kind")
            names.add(kind)
        return tuple(constructors)

    def constructor(self, kind):
        """The constructor class of this language named ``kind``, or None.

        >>> PolicyLanguage(2, 2).constructor("switch").__name__, PolicyLanguage(2, 2).constructor("primitive")
        ('Switch', None)
        """
        for cls in self.constructor_classes:
            if cls.kind == kind:
                return cls
        return None

    def event_kind(self, kind):
        """The event class named ``kind``, or None.

        >>> PolicyLanguage(2, 2).event_kind("length_ge").__name__
        'LengthAtLeastExpression'
        """
        for cls in EVENT_KINDS:
            if cls.kind == kind:
                return cls
        return None

    def tag_of(self, cls) -> str:
        """The tag bits of constructor class ``cls`` in this language.

        >>> lang = PolicyLanguage(2, 2)
        >>> lang.tag_of(lang.constructor("hazard"))
        '111'
        """
        return _fixed(self.constructor_classes.index(cls), self.tag_width)

    def __getattr__(self, name):
        # language.<kind>(...) builds a program or event: the registry is the one list of constructors.
        if name.startswith("_"):
            raise AttributeError(name)
        for cls in self.__dict__.get("_registry", ()) + EVENT_KINDS:
            if cls.kind == name:

                def build(*args, cls=cls):
                    return cls.build(self, *args)

                build.__name__, build.__doc__ = name, cls.__doc__
                return build
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | {cls.kind for cls in self._registry + EVENT_KINDS})

    def check_program(self, p, role: str) -> Program:
        """``p`` as a program of this language (the ``role`` it plays names it in the error).

        >>> lang = PolicyLanguage(2, 2)
        >>> lang.check_program(lang.const(0), "a part") == lang.const(0)
        True
        """
        if not isinstance(p, Program):
            raise ProgramError(f"{role} must be a program of this language, got {p!r}")
        if p.language.signature != self.signature:
            raise ProgramError(f"{role} {p} belongs to a different language (alphabets, grid or primitives differ)")
        return p

    def is_event(self, event) -> bool:
        """Whether ``event`` is an event of this language.

        >>> lang = PolicyLanguage(2, 2)
        >>> lang.is_event(lang.obs_occurred(1)), lang.is_event(PolicyLanguage(3, 2).obs_occurred(1))
        (True, False)
        """
        return isinstance(event, EventExpression) and event.language.signature == self.signature

    # -- grid distributions ------------------------------------------------------------------------------------
    def distributions(self, *, max_programs: int | None = None) -> list[tuple]:
        """All grid distributions, in code order (index i is coded as i in ``distribution_width`` bits). More
        than ``max_programs`` (default :data:`~theory.validation.MAX_PROGRAMS`) are refused before listing.

        >>> PolicyLanguage(2, 1, grid=2).distributions()
        [(Fraction(0, 1), Fraction(1, 1)), (Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 1), Fraction(0, 1))]
        """
        if self._distributions is None:
            guard_size(
                self.n_distributions,
                limit=_check_max(max_programs, "max_programs", MAX_PROGRAMS),
                what=f"grid distributions ({self.n_actions} actions, grid {self.grid})",
                option="max_programs",
            )
            out = []
            for cut in itertools.combinations(range(self.grid + self.n_actions - 1), self.n_actions - 1):
                bounds = (-1,) + cut + (self.grid + self.n_actions - 1,)
                counts = [bounds[i + 1] - bounds[i] - 1 for i in range(self.n_actions)]
                out.append(tuple(Fraction(c, self.grid) for c in counts))
            out.sort(key=lambda d: _rank(self.grid, [int(p * self.grid) for p in d]))
            self._distributions = out
        return list(self._distributions)

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
        reader = BitReader(_check_bits(bits))
        program = self.read_program(reader)
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
        reader = BitReader(_check_bits(bits))
        event = self.read_event(reader)
        if reader.pos != len(bits):
            raise ProgramError(f"code {bits!r} has trailing bits after the event {event}")
        return event

    def read_event(self, reader) -> EventExpression:
        """The event the reader is at: its tag, then its kind's field.

        >>> print(PolicyLanguage(2, 2).read_event(BitReader("011")))
        action_occurred(1)
        """
        tag = reader.fixed(EVENT_TAG_WIDTH, "an event tag")
        if tag >= len(EVENT_KINDS):
            reader.bad(f"the unused event tag {_fixed(tag, EVENT_TAG_WIDTH)}")
        return EVENT_KINDS[tag].read(self, reader)

    def read_program(self, reader) -> Program:
        """The program the reader is at: its tag, then its constructor's body.

        >>> print(PolicyLanguage(2, 2).read_program(BitReader("101")))
        copy_obs
        """
        t = reader.fixed(self.tag_width, "a constructor tag")
        if t >= len(self.constructor_classes):
            reader.bad(f"constructor tag {t} (there are {len(self.constructor_classes)} constructors)")
        return self.constructor_classes[t].read(self, reader)

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
        parser = Parser(self, text)
        program = parser.program()
        parser.end()
        return program

    # -- enumeration -------------------------------------------------------------------------------------------
    def events_of_length(self, L: int) -> list[EventExpression]:
        """Every event of exactly L bits, sorted by code.

        >>> [str(e) for e in PolicyLanguage(2, 2).events_of_length(3)]
        ['obs_occurred(0)', 'obs_occurred(1)', 'action_occurred(0)', 'action_occurred(1)']
        """
        if L not in self._events:
            out = [e for kind in EVENT_KINDS for e in kind.of_length(self, L)]
            out.sort(key=lambda e: e.code)
            self._events[L] = out
        return self._events[L]

    def programs_of_length(self, L: int) -> list[Program]:
        """Every program of exactly L bits, sorted by code (cached; :meth:`enumerate` guards the number).

        >>> [str(p) for p in PolicyLanguage(2, 1).programs_of_length(5)]
        ['periodic(0)', 'periodic(1)']
        """
        if L in self._programs:
            return self._programs[L]
        body = L - self.tag_width
        out = [p for cls in self.constructor_classes for p in cls.of_body_length(self, body)] if body >= 0 else []
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
            yield from self.programs_of_length(L)

    def _guard_programs(self, max_bits: int, max_programs) -> None:
        """Refuse, before building any, more programs of at most ``max_bits`` bits than ``max_programs``."""
        limit = _check_max(max_programs, "max_programs", MAX_PROGRAMS)
        guard_size(
            self.count(max_bits), limit=limit, option="max_programs", what=f"programs ({self!r} up to {max_bits} bits)"
        )

    def _check_bits(self, max_bits) -> int:
        if not _is_count(max_bits) or max_bits < 0:
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
        guard_size(
            (max_bits + 1) * (max_bits + 2) // 2,
            limit=limit,
            option="max_operations",
            what=f"big-integer operations (the counting table up to {max_bits} bits)",
        )
        cached = self._counts.get("table")
        if cached is not None and len(cached) > max_bits:
            return cached[: max_bits + 1]
        progs = self._counts["table"] = _CountingTable(self, max_bits).fill()
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

    def check_constructors(self, max_bits: int, *, max_programs: int | None = None) -> None:
        """Check every constructor class of this language on all programs of at most ``max_bits`` bits: its
        count agrees with its enumeration at every length, and each program it enumerates has that length, a
        code no other program has, and decodes and parses back to itself (printing the same text). A
        disagreement raises a ProgramError naming the constructor; run this on a new constructor class.
        ``max_programs`` as for :meth:`enumerate`.

        >>> PolicyLanguage(2, 2).check_constructors(12)
        """
        max_bits = self._check_bits(max_bits)
        self._guard_programs(max_bits, max_programs)
        codes: dict[str, str] = {}

        def check(L, cls, n):
            made = list(cls.of_body_length(self, L - self.tag_width))
            if len(made) != n:
                raise ProgramError(
                    f"constructor {cls.kind!r} ({cls.__name__}) counts {n} programs of {L} bits but "
                    f"enumerates {len(made)}; make count() agree with of_body_length()"
                )
            for p in made:
                problem = (
                    f"is a {type(p).__name__}"
                    if type(p) is not cls
                    else f"has {p.length} bits and a code of {len(p.code)}"
                    if not p.length == len(p.code) == L
                    else f"has the code of {codes[p.code]}"
                    if p.code in codes
                    else "does not decode to itself"
                    if str(self.decode(p.code)) != str(p)
                    else "does not parse to itself"
                    if self.parse(str(p)) != p
                    else None
                )
                if problem:
                    raise ProgramError(
                        f"constructor {cls.kind!r} ({cls.__name__}) enumerates {p} among the programs "
                        f"of {L} bits, which {problem}"
                    )
                codes[p.code] = str(p)

        _CountingTable(self, max_bits).fill(check)

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
        lines = [
            f"tag width: {self.tag_width} bits; action: {self.action_width} bits; observation: "
            f"{self.observation_width} bits; grid distribution: {self.distribution_width} bits "
            f"({self.n_distributions} distributions, grid {self.grid})"
        ]
        for cls in self.constructor_classes:
            name, size = cls.table_row(self)
            lines.append(f"  {self.tag_of(cls)} {name:<19} {size}")
        lines.append(
            "events: "
            + "; ".join(
                f"{kind.tag()} {kind.field} {EVENT_TAG_WIDTH} + {kind.table_size(self)}" for kind in EVENT_KINDS
            )
        )
        lines.append(_INTEGER_ROW)
        return "\n".join(lines)

    def __repr__(self):
        prims = f", primitives={list(self.primitives)}" if self.primitives else ""
        return f"PolicyLanguage({self.n_actions}, {self.n_observations}, grid={self.grid}{prims})"


# ---------------------------------------------------------------------------------------------------------------
# The complexity prior
# ---------------------------------------------------------------------------------------------------------------
def mixture_from_programs(
    max_bits: int, *, language: PolicyLanguage, update: str = "all", max_programs: int | None = None
) -> BayesianMixture:
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
    return BayesianMixture(
        [p.compile() for p in programs],
        [Fraction(1, 2**p.length) for p in programs],
        names=[str(p) for p in programs],
        update=update,
    )
