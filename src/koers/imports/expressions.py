"""Computed columns of a mapping: a Koers column from an expression over the file's headers.

    computed:
      external_id: "[OrderID] & '-' & [ProductID]"          # text joined with &
      amount: "[UnitPrice] * [Quantity] * (1 - [Discount])"  # arithmetic

A header is written in square brackets (``[Unit Price]``), or bare when it is one word
(``Quantity``); numbers as ``0.5``; text in quotes. Arithmetic takes ``+ - * /`` and
parentheses; ``&`` joins text, and an expression that joins does no arithmetic. That is the
whole grammar: the text is read by Python's parser and every node is checked against it
before a Polars expression is built from it; nothing is evaluated as code. Arithmetic is
exact (decimals of 10 places, as Polars' Decimal); the result is rounded where its column
is: an amount to the cent, half away from zero, as every amount in Koers.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

from koers.imports.table import MappingError

MAX_LENGTH = 500
DECIMAL = pl.Decimal(38, 10)
BRACKETED = re.compile(r"\[([^\[\]]+)\]")
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class ExpressionError(MappingError):
    """An expression outside the grammar, named."""


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.expr
    names: dict[str, str]  # placeholder → the file's header
    joins: bool  # text joined with &

    @property
    def headers(self) -> list[str]:
        """Every header the expression reads, bracketed or bare, in order."""
        found = [
            self.names.get(node.id, node.id)
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Name)
        ]
        return list(dict.fromkeys(found))

    def to_polars(self, styles: dict[str, str]) -> pl.Expr:
        """The expression over the file's text columns; ``styles``: each header's number
        style ("nl": 1.234,56; "en": 1,234.56). Numbers come out as plain decimal text."""
        if self.joins:
            return self._text(self.tree)
        return self._number(self.tree, styles).cast(pl.Utf8)

    def _text(self, node: ast.expr) -> pl.Expr:
        if isinstance(node, ast.BinOp):
            return pl.concat_str([self._text(node.left), self._text(node.right)])
        if isinstance(node, ast.Constant):
            return pl.lit(_plain(node.value))
        assert isinstance(node, ast.Name)
        return pl.col(self.names.get(node.id, node.id)).fill_null("").str.strip_chars()

    def _number(self, node: ast.expr, styles: dict[str, str]) -> pl.Expr:
        from koers.imports.parse import normalise_number_expr

        if isinstance(node, ast.BinOp):
            left, right = self._number(node.left, styles), self._number(node.right, styles)
            op = OPERATORS[type(node.op)]
            if op == "+":
                return left + right
            if op == "-":
                return left - right
            if op == "*":
                return left * right
            return pl.when(right != 0).then(left / right).otherwise(None)
        if isinstance(node, ast.UnaryOp):
            inner = self._number(node.operand, styles)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Constant):
            return pl.lit(_plain(node.value)).cast(DECIMAL)
        assert isinstance(node, ast.Name)
        header = self.names.get(node.id, node.id)
        text = normalise_number_expr(
            pl.col(header).fill_null("").str.strip_chars(), styles.get(header, "en")
        )
        return pl.when(text == "").then(pl.lit("0")).otherwise(text).cast(DECIMAL, strict=False)


def _plain(value: object) -> str:
    if isinstance(value, float):
        return format(value, "f").rstrip("0").rstrip(".") or "0"
    return str(value)


def compile_expression(text: str, headers: list[str] | None = None) -> Expression:
    """Check ``text`` against the grammar; ExpressionError names what is outside it, and a
    header the file does not have (when ``headers`` is given)."""
    text = str(text or "").strip()
    if not text:
        raise ExpressionError(_("An expression is empty."))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_("An expression has at most %(n)s characters.") % {"n": MAX_LENGTH})
    names: dict[str, str] = {}

    def placeholder(match: re.Match) -> str:
        name = f"_h{len(names)}"
        names[name] = match.group(1).strip()
        return name

    python = BRACKETED.sub(placeholder, text)
    try:
        tree = ast.parse(python, mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(
            _("“%(text)s” is not an expression Koers reads: %(problem)s.")
            % {"text": text, "problem": error.msg}
        ) from None
    joins = _check(tree, text)
    if joins and _has_arithmetic(tree):
        raise ExpressionError(
            _("“%(text)s” both joins text with & and calculates: do one or the other.")
            % {"text": text}
        )
    expression = Expression(text, tree, names, joins)
    if headers is not None:
        missing = [h for h in expression.headers if h not in headers]
        if missing:
            raise ExpressionError(
                _("“%(text)s” uses %(missing)s, which the file does not have.")
                % {"text": text, "missing": ", ".join(missing)}
            )
    return expression


def _check(node: ast.AST, text: str, depth: int = 0) -> bool:
    """Every node within the grammar; whether it joins text."""
    if depth > 50:
        raise ExpressionError(_("“%(text)s” is nested too deeply.") % {"text": text})
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, (*OPERATORS, ast.BitAnd)):
            raise ExpressionError(_("“%(text)s”: only + - * / and & are allowed.") % {"text": text})
        left = _check(node.left, text, depth + 1)
        right = _check(node.right, text, depth + 1)
        return isinstance(node.op, ast.BitAnd) or left or right
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _check(node.operand, text, depth + 1)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        return False
    what = {
        ast.Call: _("a function call"),
        ast.Attribute: _("an attribute"),
        ast.Subscript: _("an index"),
        ast.Compare: _("a comparison"),
    }.get(type(node), type(node).__name__)
    raise ExpressionError(
        _("“%(text)s”: %(what)s is not part of an expression.") % {"text": text, "what": what}
    )


def _has_arithmetic(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.BinOp) and not isinstance(n.op, ast.BitAnd) or isinstance(n, ast.UnaryOp)
        for n in ast.walk(node)
    )
