"""Program text: the tokenizer and the recursive-descent :class:`Parser` that constructor and event classes read
their fields with (``str()`` of a program prints the same form).

>>> from theory.programs import PolicyLanguage
>>> print(PolicyLanguage(2, 2).parse(" switch( const(0) , length_ge((2×3)), copy_obs ) "))
switch(const(0), length_ge((2*3)), copy_obs)
"""

from __future__ import annotations

import re

from ..errors import MightntError, ProgramError
from .codes import _positive_int
from .integers import IntegerExpression, IntegerLiteral, IntegerOperation

__all__ = ["Parser"]

_TOKEN = re.compile(r"\s*(?:(\d+(?:/\d+|\.\d*)?)|([A-Za-z_][A-Za-z_0-9]*)|(\S))")


def _tokens(text: str) -> list[str]:
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        tokens.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return [t for t in tokens if t]


class Parser:
    """A cursor over the tokens of program text in ``language``; every error names the text, the token and what
    was expected. Programs are small trees; this is not a hot path.

    >>> from theory.programs import PolicyLanguage
    >>> parser = Parser(PolicyLanguage(2, 2), "periodic(0,1)")
    >>> print(parser.program()); parser.end()
    periodic(0,1)
    >>> Parser(PolicyLanguage(2, 2), "const(x)").program()
    Traceback (most recent call last):
    ...
    theory.errors.ProgramError: cannot parse 'const(x)' at 'x': expected an action
    """

    def __init__(self, language, text: str):
        self.lang, self.text, self.tokens, self.i = language, text, _tokens(text), 0

    def fail(self, expected: str):
        """Refuse the text at the current token."""
        at = self.tokens[self.i] if self.i < len(self.tokens) else "the end"
        raise ProgramError(f"cannot parse {self.text!r} at {at!r}: expected {expected}")

    def peek(self):
        """The current token (None at the end)."""
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def eat(self, token: str):
        """Step over ``token``, which must be the current one."""
        if self.peek() != token:
            self.fail(repr(token))
        self.i += 1

    def end(self):
        """Check that the whole text was read."""
        if self.i != len(self.tokens):
            self.fail("the end of the program")

    def number(self, what: str) -> str:
        """The current token, a number (``3``, ``1/4``, ``0.25``), as written."""
        tok = self.peek()
        if tok is None or not tok[0].isdigit():
            self.fail(what)
        self.i += 1
        return tok

    def natural(self, what: str) -> int:
        """The current token, a whole number."""
        tok = self.number(what)
        if not tok.isdigit():
            self.i -= 1
            self.fail(what)
        return int(tok)

    def numbers(self, closing: str, what: str) -> list[str]:
        """Comma-separated numbers up to and including ``closing``."""
        out = [self.number(what)]
        while self.peek() == ",":
            self.eat(",")
            out.append(self.number(what))
        self.eat(closing)
        return out

    def program(self):
        """A program of the language, dispatched to its constructor class by name."""
        lang = self.lang
        cls = lang.constructor(self.peek())
        if cls is None:
            self.fail("a program (" + ", ".join(lang.constructors) + ")")
        self.i += 1
        try:
            return cls.parse(self)
        except ProgramError:
            raise
        except MightntError as err:  # pragma: no cover - constructors raise ProgramError
            raise ProgramError(str(err)) from err

    def event(self):
        """An event, dispatched to its kind's class by name."""
        kind = self.lang.event_kind(self.peek())
        if kind is None:
            self.fail("an event (" + ", ".join(self.lang.event_kinds) + ")")
        self.i += 1
        return kind.parse(self)

    def integer(self) -> IntegerExpression:
        """An integer expression: a literal, or ``(T+T)``, ``(T*T)`` (or ``×``), ``(T^T)``."""
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
