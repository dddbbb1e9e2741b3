"""A SOQL subset: a recursive-descent parser over the lexer's tokens, producing a small syntax tree.

Grammar (keywords case-insensitive; AND and OR may not be mixed without parentheses, as in SOQL):
    query     := SELECT items FROM name [WHERE condition] [ORDER BY order (',' order)*] [LIMIT n] [OFFSET n]
    items     := COUNT '(' ')' | name (',' name)*
    condition := unary (AND unary)* | unary (OR unary)*
    unary     := NOT unary | '(' condition ')' | name op value | name [NOT] IN '(' value (',' value)* ')'
                 | name LIKE string
    value     := string | number | date | datetime | NULL | TRUE | FALSE
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from health_pipeline.sandbox.salesforce_soql_lexer import SoqlError, Token, tokenize

__all__ = ["BoolOp", "Compare", "FieldRef", "InList", "Like", "Literal", "Not", "OrderItem", "Query", "SoqlError",
           "parse"]

RESERVED = frozenset({"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
                      "NULL", "TRUE", "FALSE", "GROUP", "HAVING", "WITH", "ASC", "DESC", "NULLS", "INCLUDES",
                      "EXCLUDES", "USING", "FOR"})


@dataclass(frozen=True)
class Literal:
    """A value in a condition: kind STRING, NUMBER, DATE, DATETIME, BOOLEAN or NULL."""

    kind: str
    value: Any
    pos: int
    like: str | None = None


@dataclass(frozen=True)
class FieldRef:
    """A field named in the query, with its offset for error messages."""

    name: str
    pos: int


@dataclass(frozen=True)
class Compare:
    """`field op value`."""

    field: FieldRef
    op: str
    value: Literal


@dataclass(frozen=True)
class InList:
    """`field [NOT] IN (values)`."""

    field: FieldRef
    values: tuple[Literal, ...]
    negate: bool


@dataclass(frozen=True)
class Like:
    """`field LIKE 'pattern'`."""

    field: FieldRef
    pattern: Literal


@dataclass(frozen=True)
class BoolOp:
    """`a AND b ...` or `a OR b ...`."""

    op: str
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    """`NOT condition`."""

    item: Any


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY term."""

    field: FieldRef
    descending: bool
    nulls_first: bool


@dataclass
class Query:
    """A parsed SELECT."""

    sobject: FieldRef
    fields: list[FieldRef] = field(default_factory=list)
    count: bool = False
    where: Any = None
    order: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0


class _Parser:
    """Recursive descent over the token list."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.i += 1
        return token

    def unexpected(self, token: Token | None = None) -> SoqlError:
        token = token or self.peek()
        return SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}'", token.pos)

    def accept(self, word: str) -> bool:
        if self.peek().word() == word:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            raise self.unexpected()

    def punct(self, text: str) -> bool:
        if self.peek().kind == "PUNCT" and self.peek().text == text:
            self.i += 1
            return True
        return False

    def name(self) -> FieldRef:
        token = self.advance()
        if token.kind != "IDENT" or token.word() in RESERVED:
            raise self.unexpected(token)
        return FieldRef(token.text, token.pos)

    def integer(self) -> int:
        token = self.advance()
        if token.kind != "NUMBER" or not isinstance(token.value, int) or token.value < 0:
            raise self.unexpected(token)
        return token.value

    def query(self) -> Query:
        self.expect("SELECT")
        fields, count = self.items()
        self.expect("FROM")
        result = Query(sobject=self.name(), fields=fields, count=count)
        if self.accept("WHERE"):
            result.where = self.condition()
        if self.accept("ORDER"):
            self.expect("BY")
            result.order.append(self.order_item())
            while self.punct(","):
                result.order.append(self.order_item())
        if self.accept("LIMIT"):
            result.limit = self.integer()
        if self.accept("OFFSET"):
            result.offset = self.integer()
        if self.peek().kind != "EOF":
            raise self.unexpected()
        return result

    def items(self) -> tuple[list[FieldRef], bool]:
        if self.peek().word() == "COUNT" and self.peek(1).text == "(":
            start = self.advance()
            self.advance()
            if not self.punct(")"):
                raise SoqlError("MALFORMED_QUERY", "the sandbox supports COUNT() only, not COUNT(field)", start.pos)
            if self.peek().text == ",":
                raise SoqlError("MALFORMED_QUERY", "COUNT() must be the only element in the SELECT list", start.pos)
            return [], True
        fields = [self.name()]
        while self.punct(","):
            fields.append(self.name())
        return fields, False

    def order_item(self) -> OrderItem:
        ref = self.name()
        descending = self.accept("DESC")
        if not descending:
            self.accept("ASC")
        nulls_first = not descending
        if self.accept("NULLS"):
            if self.accept("FIRST"):
                nulls_first = True
            else:
                self.expect("LAST")
                nulls_first = False
        return OrderItem(ref, descending, nulls_first)

    def condition(self) -> Any:
        items = [self.unary()]
        joiner = self.peek().word() if self.peek().word() in ("AND", "OR") else None
        while self.peek().word() in ("AND", "OR"):
            if self.peek().word() != joiner:
                raise self.unexpected()
            self.advance()
            items.append(self.unary())
        return items[0] if len(items) == 1 else BoolOp(joiner, tuple(items))

    def unary(self) -> Any:
        if self.accept("NOT"):
            return Not(self.unary())
        if self.punct("("):
            inner = self.condition()
            if not self.punct(")"):
                raise self.unexpected()
            return inner
        ref = self.name()
        token = self.peek()
        if token.kind == "OP":
            self.advance()
            return Compare(ref, "!=" if token.text == "<>" else token.text, self.value())
        negate = self.accept("NOT")
        if self.accept("IN"):
            if not self.punct("("):
                raise self.unexpected()
            values = [self.value()]
            while self.punct(","):
                values.append(self.value())
            if not self.punct(")"):
                raise self.unexpected()
            return InList(ref, tuple(values), negate)
        if negate:
            raise self.unexpected()
        if self.accept("LIKE"):
            pattern = self.value()
            if pattern.kind != "STRING":
                raise SoqlError("MALFORMED_QUERY", "LIKE needs a quoted string pattern", pattern.pos)
            return Like(ref, pattern)
        raise self.unexpected()

    def value(self) -> Literal:
        token = self.advance()
        word = token.word()
        if token.kind in ("STRING", "NUMBER", "DATE", "DATETIME"):
            return Literal(token.kind, token.value, token.pos, token.like)
        if word == "NULL":
            return Literal("NULL", None, token.pos)
        if word in ("TRUE", "FALSE"):
            return Literal("BOOLEAN", word == "TRUE", token.pos)
        raise self.unexpected(token)


def parse(soql: str) -> Query:
    """Parse one SOQL statement (SoqlError with MALFORMED_QUERY when it is not in the subset)."""
    if not soql or not soql.strip():
        raise SoqlError("MALFORMED_QUERY", "The query string is empty")
    return _Parser(tokenize(soql)).query()
