"""A constructor is one class: a new one, defined here and nowhere else, is built, coded, decoded, enumerated,
counted, parsed, printed, shown in the code table and run by a language that registers it; the default language's
codes do not change; and a class whose count disagrees with its enumeration is caught."""

import itertools
from fractions import Fraction

import pytest

import theory
from theory.programs import CONSTRUCTORS, DEFAULT_CONSTRUCTORS, PolicyLanguage, Program, elias_gamma
from theory.programs.codes import _gamma_count, _gamma_length, _gamma_values


class Delay(Program):
    """``delay(k, P)``: take action 0 for the first k steps, then act like P (which sees the whole history).
    Code: tag, Elias-gamma(k), P."""

    kind = "delay"

    def __init__(self, language, steps, then):
        super().__init__(language)
        self.steps, self.then = steps, then

    @property
    def semi(self):
        return self.then.semi

    @classmethod
    def build(cls, language, steps, then):
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise theory.ProgramError(f"delay needs k >= 1 steps, got {steps!r}")
        return cls(language, steps, language.check_program(then, "delay's program"))

    @classmethod
    def read(cls, language, reader):
        steps = reader.gamma("a delay")
        return cls(language, steps, language.read_program(reader))

    @classmethod
    def of_body_length(cls, language, body):
        for g in range(1, body - language.tag_width + 1):
            for steps in _gamma_values(g):
                yield from (cls(language, steps, p) for p in language.programs_of_length(body - g))

    @classmethod
    def count(cls, language, body, table):
        return sum(_gamma_count(g) * table.programs[body - g] for g in range(1, body - language.tag_width + 1))

    @classmethod
    def table_row(cls, language):
        return "delay(k, P)", "tag + gamma(k) + ℓ(P)"

    @classmethod
    def parse(cls, parser):
        parser.eat("(")
        steps = parser.natural("a number of steps")
        parser.eat(",")
        then = parser.program()
        parser.eat(")")
        return cls.build(parser.lang, steps, then)

    def _body(self):
        return elias_gamma(self.steps) + self.then.code

    def _body_length(self):
        return _gamma_length(self.steps) + self.then.length

    def _ref(self, history):
        if len(history) < self.steps:
            return [Fraction(int(a == 0)) for a in range(self.language.n_actions)]
        return self.then._ref(history)

    def __str__(self):
        return f"delay({self.steps}, {self.then})"


DEFAULT = PolicyLanguage(2, 2)
WITH_DELAY = PolicyLanguage(2, 2, constructors=DEFAULT_CONSTRUCTORS + (Delay,))


def test_the_new_constructor_gets_the_next_tag_and_the_default_language_is_unchanged():
    assert WITH_DELAY.constructors == CONSTRUCTORS[:8] + ("delay",)
    assert (WITH_DELAY.tag_width, DEFAULT.tag_width) == (4, 3)  # 9 constructors need 4 bits
    assert "delay" not in DEFAULT.constructors and DEFAULT.const(1).code == "0001"
    with_primitive = PolicyLanguage(
        2, 1, primitives={"t": (theory.FiniteStatePolicy.iid([1, 0]), 1)}, constructors=DEFAULT_CONSTRUCTORS + (Delay,)
    )
    assert with_primitive.constructors[-2:] == ("primitive", "delay")
    assert with_primitive.delay(1, with_primitive.copy_obs()).code == "1001" + "1" + "0101"


def test_code_decode_parse_and_print_by_hand():
    p = WITH_DELAY.delay(2, WITH_DELAY.const(1))
    # tag 8 in 4 bits, gamma(2) = 010, const(1) = tag 0000 and action 1.
    assert p.code == "1000" + "010" + "0000" + "1"
    assert p.length == len(p.code) == 12
    assert str(p) == "delay(2, const(1))"
    assert WITH_DELAY.decode(p.code) == p == WITH_DELAY.parse(" delay( 2 ,const(1)) ")
    nested = WITH_DELAY.parse("switch(delay(1, copy_obs), obs_occurred(1), delay(3, const(0)))")
    assert str(WITH_DELAY.decode(nested.code)) == str(nested)
    assert nested.length == 4 + (4 + 1 + 4) + 3 + (4 + 3 + 5)


def test_code_table_row():
    rows = WITH_DELAY.code_table().splitlines()
    assert rows[9] == "  1000 delay(k, P)         tag + gamma(k) + ℓ(P)"
    assert rows[1] == "  0000 const(a)            tag + 1"


def test_enumeration_count_and_decoding_agree_end_to_end():
    max_bits = 11
    programs = list(WITH_DELAY.enumerate(max_bits))
    counts = WITH_DELAY.counts(max_bits)
    assert [sum(1 for p in programs if p.length == L) for L in range(max_bits + 1)] == counts
    delays = [p for p in programs if isinstance(p, Delay)]
    # By the code table: delay(k, P) with gamma(k) = g bits has 4 + g + ℓ(P) bits.
    expected = sorted(
        (4 + g + q.length, str(Delay(WITH_DELAY, k, q)))
        for g in range(1, max_bits)
        for k in _gamma_values(g)
        for q in programs
        if 4 + g + q.length <= max_bits
    )
    assert sorted((p.length, str(p)) for p in delays) == expected and delays
    decodable = []
    for L in range(max_bits + 1):
        for bits in itertools.product("01", repeat=L):
            try:
                WITH_DELAY.decode("".join(bits))
            except theory.ProgramError:
                continue
            decodable.append("".join(bits))
    assert [p.code for p in programs] == decodable
    assert WITH_DELAY.kraft_sum(max_bits) == sum(Fraction(1, 2**p.length) for p in programs) <= 1
    WITH_DELAY.check_constructors(13)


def test_the_new_constructor_runs():
    p = WITH_DELAY.parse("delay(2, copy_obs)")
    for h in ((), ((0, 1),), ((0, 1), (0, 1)), ((1, 0), (0, 1), (1, 1))):
        assert list(p.compile().probs(h, arith="exact")) == list(p.reference().probs(h, arith="exact"))
    assert list(p.compile().probs(((0, 1), (0, 1)), arith="exact")) == [0, 1]
    assert list(p.compile().probs(((0, 1),), arith="exact")) == [1, 0]
    xi = theory.mixture_from_programs(9, language=WITH_DELAY)
    assert "delay(1, copy_obs)" in xi.names


def test_bad_delays_are_refused():
    with pytest.raises(theory.ProgramError, match="k >= 1 steps, got 0"):
        WITH_DELAY.delay(0, WITH_DELAY.copy_obs())
    with pytest.raises(theory.ProgramError, match="different language"):
        WITH_DELAY.delay(1, DEFAULT.copy_obs())  # the default language's programs are not this language's
    with pytest.raises(theory.ProgramError, match="expected a program"):
        DEFAULT.parse("delay(1, copy_obs)")
    with pytest.raises(theory.ProgramError, match="truncated"):
        WITH_DELAY.decode("1000" + "01")


class Miscounted(Delay):
    """Says it has one program more of each length than it enumerates."""

    kind = "miscounted"

    @classmethod
    def count(cls, language, body, table):
        return super().count(language, body, table) + 1


class Misprinted(Delay):
    """Prints a text that parses to another program."""

    kind = "misprinted"

    def __str__(self):
        return f"misprinted({self.steps + 1}, {self.then})"


@pytest.mark.parametrize(
    "cls, message",
    [
        (Miscounted, "counts 1 programs of 4 bits but enumerates 0"),
        (Misprinted, "does not parse to itself"),
    ],
)
def test_check_constructors_catches_a_false_constructor(cls, message):
    lang = PolicyLanguage(2, 2, constructors=DEFAULT_CONSTRUCTORS + (cls,))
    with pytest.raises(theory.ProgramError, match=f"constructor '{cls.kind}' .*{message}"):
        lang.check_constructors(12)


@pytest.mark.parametrize(
    "constructors, message",
    [
        (DEFAULT_CONSTRUCTORS + (int,), "not a subclass"),
        (DEFAULT_CONSTRUCTORS + (Delay, Delay), "'delay' of Delay is taken"),
        (DEFAULT_CONSTRUCTORS + (type("Parse", (Delay,), {"kind": "parse"}),), "'parse' of Parse is taken"),
        (DEFAULT_CONSTRUCTORS + (type("Grid", (Delay,), {"kind": "grid"}),), "'grid' of Grid is taken"),
        (DEFAULT_CONSTRUCTORS + (type("Event", (Delay,), {"kind": "length_ge"}),), "'length_ge' of Event is taken"),
        (DEFAULT_CONSTRUCTORS + (type("Nameless", (Delay,), {"kind": ""}),), "set kind"),
        ((), "non-empty"),
    ],
)
def test_bad_registries_are_refused(constructors, message):
    with pytest.raises(theory.ProgramError, match=message):
        PolicyLanguage(2, 2, constructors=constructors)
