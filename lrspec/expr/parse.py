"""Tokenizer and recursive-descent parser for the expression grammar (spec/expression.md).

Allowlist only: a name is the context variable, a constant, a declared parameter or an allowed
function; anything else is refused with the column where it starts. Nothing is ever executed.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .tree import (COMPARE_OPS, CONSTANTS, FUNCTIONS, Binary, Call, Compare, Const, Expr, Num,
                   Param, Unary, Var, Where)

__all__ = ["ExpressionError", "parse", "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "RESERVED"]

MAX_LENGTH = 1000
MAX_DEPTH = 32
MAX_NODES = 256
#: Words that can never name a parameter.
RESERVED = frozenset({"x", "t", "if", "else", *CONSTANTS, *FUNCTIONS, *keyword.kwlist})
_PY_KEYWORDS = frozenset({"and", "or", "not", "lambda", "import", "in", "is", "for", "None", "True", "False"})

_TOKEN = re.compile(r"""
    (?P<ws>[ \t]+)
  | (?P<bad><<|>>|:=|[-+*/%]=)
  | (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|//|<=|>=|==|!=|[-+*/%<>(),])
""", re.VERBOSE)


class ExpressionError(ValueError):
    """An expression is not in the grammar; ``column`` (1-based) points at the offending character."""

    def __init__(self, message: str, column: int, source: str = "", field: str = "expression"):
        self.message, self.column, self.source, self.field = message, column, source, field
        super().__init__(f"{field}:1:{column}: {message}")


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, name, op, end
    text: str
    col: int


def _tokenize(src: str, field: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None:
            ch = src[pos]
            what = {"'": "strings are not allowed", '"': "strings are not allowed",
                    "[": "subscripts and lists are not allowed", "]": "subscripts and lists are not allowed",
                    ".": "attribute access is not allowed", "=": "assignment is not allowed; use == to compare",
                    ";": "only one expression is allowed", "\n": "an expression is one line",
                    "@": "the matrix operator '@' is not allowed"}.get(ch)
            if what is None and ch in "&|^~":
                what = f"bitwise operator {ch!r} is not allowed"
            toks.append(_Tok("bad", what or f"unexpected character {ch!r}", pos + 1))
            break
        kind = m.lastgroup or ""
        if kind == "bad":
            text = m.group()
            toks.append(_Tok("bad", f"bitwise operator {text!r} is not allowed" if text in ("<<", ">>")
                             else "assignment is not allowed", pos + 1))
            break
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), pos + 1))
        pos = m.end()
        if kind == "num" and pos < len(src) and (src[pos].isascii() and (src[pos].isalpha() or src[pos] == "_")):
            # spec/expression.md: a number must not run into a name (`1_000`, `0x10`, `2if t < 1 else 3`)
            word = re.match(r"[A-Za-z0-9_]*", src[pos:]).group()  # type: ignore[union-attr]
            toks.append(_Tok("bad", f"unexpected {word!r} after a complete expression", pos + 1))
            break
    else:
        toks.append(_Tok("end", "", len(src) + 1))
    return toks


def _keyword_message(word: str) -> str:
    if word in ("and", "or"):
        return f"{word!r} is not allowed; combine conditions with nested where(c, a, b) or 'a if c else b'"
    if word == "not":
        return "'not' is not allowed; write the opposite comparison instead (t >= 10 for not t < 10)"
    if word == "lambda":
        return ("'lambda' is not allowed: write the function's body as an expression of the step "
                "('lambda epoch: 0.95 ** epoch' is '0.95 ** t'); lrspec never runs Python code")
    return f"the keyword {word!r} is not allowed"


class _Parser:
    def __init__(self, src: str, variable: str, params: Mapping[str, float], field: str):
        self.src, self.variable, self.params, self.field = src, variable, params, field
        self.toks = _tokenize(src, field)
        self.i = 0
        self.depth = 0
        self.nodes = 0

    # -- helpers -----------------------------------------------------------------------------
    def fail(self, message: str, col: int | None = None) -> ExpressionError:
        return ExpressionError(message, col if col is not None else self.peek().col, self.src, self.field)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        if tok.kind == "bad":
            raise self.fail(tok.text, tok.col)
        self.i += 1
        return tok

    def accept(self, text: str) -> _Tok | None:
        tok = self.peek()
        if tok.kind in ("op", "name") and tok.text == text:
            self.i += 1
            return tok
        return None

    def expect(self, text: str, what: str) -> _Tok:
        tok = self.accept(text)
        if tok is None:
            found = self.peek()
            if found.kind == "bad":
                raise self.fail(found.text, found.col)
            if found.kind == "name" and found.text in _PY_KEYWORDS:
                raise self.fail(_keyword_message(found.text), found.col)
            raise self.fail(f"expected {what}, found {self.describe(found)}")
        return tok

    @staticmethod
    def describe(tok: _Tok) -> str:
        return "the end of the expression" if tok.kind == "end" else repr(tok.text)

    def made(self, node: Expr, col: int) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"the expression has more than {MAX_NODES} parts", col)
        return node

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"the expression nests deeper than {MAX_DEPTH} levels", col)

    def number(self, node: Expr, col: int) -> Expr:
        if isinstance(node, Compare):
            raise self.fail("a comparison can only be the condition of where(c, a, b) or 'a if c else b'", col)
        return node

    # -- grammar -----------------------------------------------------------------------------
    def expression(self) -> Expr:
        col = self.peek().col
        self.enter(col)
        node = self.comparison()
        if self.peek().kind == "name" and self.peek().text == "if":
            self.next()
            node = self.number(node, col)
            ccol = self.peek().col
            cond = self.comparison()
            if not isinstance(cond, Compare):
                raise self.fail("the condition of 'a if c else b' must be a comparison such as x < 10", ccol)
            self.expect("else", "'else'")
            ecol = self.peek().col
            other = self.number(self.expression(), ecol)
            node = self.made(Where(cond, node, other), col)
        self.depth -= 1
        return node

    def comparison(self) -> Expr:
        col = self.peek().col
        left = self.sum()
        tok = self.peek()
        if tok.kind == "op" and tok.text in COMPARE_OPS:
            self.next()
            left = self.number(left, col)
            right = self.number(self.sum(), self.peek().col)
            nxt = self.peek()
            if nxt.kind == "op" and nxt.text in COMPARE_OPS:
                raise self.fail("chained comparisons are not allowed; use where() twice", nxt.col)
            return self.made(Compare(tok.text, left, right), tok.col)
        return left

    def sum(self) -> Expr:
        col = self.peek().col
        left = self.term()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            tok = self.next()
            rcol = self.peek().col
            right = self.term()
            left = self.made(Binary(tok.text, self.number(left, col), self.number(right, rcol)), tok.col)
        return left

    def term(self) -> Expr:
        col = self.peek().col
        left = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/", "//", "%"):
            tok = self.next()
            rcol = self.peek().col
            right = self.unary()
            left = self.made(Binary(tok.text, self.number(left, col), self.number(right, rcol)), tok.col)
        return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("-", "+"):
            self.next()
            self.enter(tok.col)
            ocol = self.peek().col
            operand = self.number(self.unary(), ocol)
            self.depth -= 1
            if tok.text == "+":
                return operand
            return self.made(Unary("-", operand), tok.col)
        return self.power()

    def power(self) -> Expr:
        col = self.peek().col
        base = self.atom()
        if self.peek().kind == "op" and self.peek().text == "**":
            tok = self.next()
            self.enter(tok.col)
            ecol = self.peek().col
            exponent = self.unary()
            self.depth -= 1
            return self.made(Binary("**", self.number(base, col), self.number(exponent, ecol)), tok.col)
        return base

    def atom(self) -> Expr:
        tok = self.next()
        if tok.kind == "num":
            value = float(tok.text)
            if not math.isfinite(value):
                raise self.fail(f"the number {tok.text} is too large for binary64", tok.col)
            return self.made(Num(value), tok.col)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expression()
            self.expect(")", "')'")
            return inner
        if tok.kind == "name":
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(tok)
            return self.made(self.name(tok), tok.col)
        if tok.kind == "end":
            raise self.fail("the expression ends too early", tok.col)
        raise self.fail(f"unexpected {tok.text!r}", tok.col)

    def name(self, tok: _Tok) -> Expr:
        name = tok.text
        if name == self.variable:
            return Var(name)
        if name in CONSTANTS:
            return Const(name)
        if name in self.params:
            return Param(name, float(self.params[name]))
        if name in FUNCTIONS:
            raise self.fail(f"{name} is a function; call it as {name}(...)", tok.col)
        if name in _PY_KEYWORDS:
            raise self.fail(_keyword_message(name), tok.col)
        if name in ("if", "else"):
            raise self.fail(f"the keyword {name!r} is not allowed here", tok.col)
        if self.peek().kind == "bad":  # `a.b`, `a[0]`, `a = 1`: the operator is the real problem
            raise self.fail(self.peek().text, self.peek().col)
        allowed = ", ".join([self.variable, *sorted(self.params), *CONSTANTS])
        raise self.fail(f"unknown name {name!r}; allowed names: {allowed}", tok.col)

    def call(self, tok: _Tok) -> Expr:
        func = tok.text
        if func not in FUNCTIONS:
            allowed = ", ".join(FUNCTIONS)
            raise self.fail(f"unknown function {func!r}; allowed functions: {allowed}", tok.col)
        self.enter(tok.col)
        self.expect("(", "'('")
        args: list[tuple[Expr, int]] = []
        if not self.accept(")"):
            while True:
                acol = self.peek().col
                args.append((self.expression(), acol))
                if self.accept(")"):
                    break
                self.expect(",", "',' or ')'")
        self.depth -= 1
        lo, hi = FUNCTIONS[func]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise self.fail(f"{func}() takes {want} argument{'s' if hi > 1 else ''}, got {len(args)}", tok.col)
        if func == "where":
            (cond, ccol), (a, acol), (b, bcol) = args
            if not isinstance(cond, Compare):
                raise self.fail("the first argument of where() must be a comparison such as t < 100", ccol)
            return self.made(Where(cond, self.number(a, acol), self.number(b, bcol)), tok.col)
        return self.made(Call(func, tuple(self.number(a, c) for a, c in args)), tok.col)


def parse(src: str, variable: str, params: Mapping[str, float] | None = None,
          field: str = "expression") -> Expr:
    """Parse ``src`` into a tree; ``variable`` is the one free name (``x`` or ``t``).

    >>> parse("2 ** -x", "x")
    Binary(op='**', left=Num(value=2.0), right=Unary(op='-', operand=Var(name='x')))
    """
    if not isinstance(src, str):
        raise ExpressionError("an expression must be a string", 1, "", field)
    if len(src) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters", MAX_LENGTH + 1, src, field)
    if not src.strip():
        raise ExpressionError("the expression is empty", 1, src, field)
    parser = _Parser(src, variable, params or {}, field)
    tree = parser.expression()
    end = parser.peek()
    if end.kind != "end":
        if end.kind == "bad":
            raise parser.fail(end.text, end.col)
        if end.kind == "name" and end.text in _PY_KEYWORDS:
            raise parser.fail(_keyword_message(end.text), end.col)
        raise parser.fail(f"unexpected {end.text!r} after a complete expression", end.col)
    if isinstance(tree, Compare):
        raise ExpressionError("the expression must give a number, not a comparison", 1, src, field)
    return tree

