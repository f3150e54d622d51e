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

The package has one module per concern: :mod:`~theory.programs.codes` (prefix codes and the bit reader),
:mod:`~theory.programs.fields` (the fixed-width fields: an action, an observation, a grid distribution),
:mod:`~theory.programs.integers` (integer expressions and integer complexity), :mod:`~theory.programs.events`
(one class per event kind), :mod:`~theory.programs.nodes` (the :class:`Program` base and one class per
constructor), :mod:`~theory.programs.text` (the parser) and :mod:`~theory.programs.language`
(:class:`PolicyLanguage`, which dispatches to its registry of constructor classes, and
:func:`mixture_from_programs`). A new constructor is one :class:`Program` subclass, registered with
``PolicyLanguage(..., constructors=DEFAULT_CONSTRUCTORS + (NewConstructor,))``; see ``docs/programs.md``.
"""

from .codes import BitReader, elias_gamma, fixed_width
from .events import EVENT_KINDS, EVENT_TAGS, EventExpression
from .integers import (
    INTEGER_TAGS,
    MAX_VALUE_BITS,
    VALUE_BITS_LIMIT,
    IntegerExpression,
    IntegerLiteral,
    IntegerOperation,
    integer,
    integer_code_length,
    largest_integer_expression,
    min_code_length_at_least,
    shortest_integer_expression,
)
from .language import MAX_COUNT_OPERATIONS, MAX_DISTRIBUTION_BITS, PolicyLanguage, mixture_from_programs
from .nodes import CONSTRUCTORS, DEFAULT_CONSTRUCTORS, Program
from .text import Parser

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
    "DEFAULT_CONSTRUCTORS",
    "EVENT_KINDS",
    "EVENT_TAGS",
    "INTEGER_TAGS",
    "BitReader",
    "Parser",
    "fixed_width",
    "MAX_VALUE_BITS",
    "VALUE_BITS_LIMIT",
    "IntegerLiteral",
    "IntegerOperation",
    "MAX_COUNT_OPERATIONS",
    "MAX_DISTRIBUTION_BITS",
]
