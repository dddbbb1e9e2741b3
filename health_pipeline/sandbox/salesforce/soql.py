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

from typing import Any

from health_pipeline.sandbox.salesforce.soql_ast import (
    BoolOp,
    Compare,
    FieldRef,
    InList,
    Like,
    Literal,
    Not,
    OrderItem,
    Query,
)
from health_pipeline.sandbox.salesforce.soql_lexer import SoqlError, Token, tokenize

__all__ = ["BoolOp", "Compare", "FieldRef", "InList", "Like", "Literal", "Not", "OrderItem", "Query", "SoqlError",
           "parse"]

RESERVED = frozenset({"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
                      "NULL", "TRUE", "FALSE", "GROUP", "HAVING", "WITH", "ASC", "DESC", "NULLS", "INCLUDES",
                      "EXCLUDES", "USING", "FOR"})


class _Parser:
    """Recursive descent over the token list."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> Token:
        """The token `ahead` positions on (EOF at the end)."""
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        """Consume and return the current token."""
        token = self.peek()
        self.i += 1
        return token

    def unexpected(self, token: Token | None = None) -> SoqlError:
        """Salesforce's error for a token the grammar does not allow here."""
        token = token or self.peek()
        return SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}'", token.pos)

    def accept(self, word: str) -> bool:
        """Consume the keyword `word` if it comes next."""
        if self.peek().word() == word:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        """Consume the keyword `word` or fail."""
        if not self.accept(word):
            raise self.unexpected()

    def punct(self, text: str) -> bool:
        """Consume the punctuation `text` if it comes next."""
        if self.peek().kind == "PUNCT" and self.peek().text == text:
            self.i += 1
            return True
        return False

    def name(self) -> FieldRef:
        """A field or object name (not a reserved word)."""
        token = self.advance()
        if token.kind != "IDENT" or token.word() in RESERVED:
            raise self.unexpected(token)
        return FieldRef(token.text, token.pos)

    def integer(self) -> int:
        """A non-negative integer literal (LIMIT, OFFSET)."""
        token = self.advance()
        if token.kind != "NUMBER" or not isinstance(token.value, int) or token.value < 0:
            raise self.unexpected(token)
        return token.value

    def query(self) -> Query:
        """query := SELECT items FROM name [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n]."""
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
        """items := COUNT() | name (',' name)*."""
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
        """name [ASC|DESC] [NULLS FIRST|LAST]."""
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
        """condition := unary (AND unary)* | unary (OR unary)*."""
        items = [self.unary()]
        joiner = self.peek().word() if self.peek().word() in ("AND", "OR") else None
        while self.peek().word() in ("AND", "OR"):
            if self.peek().word() != joiner:
                raise self.unexpected()
            self.advance()
            items.append(self.unary())
        return items[0] if len(items) == 1 else BoolOp(joiner, tuple(items))

    def unary(self) -> Any:
        """unary := NOT unary | '(' condition ')' | comparison."""
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
        """A literal: string, number, date, datetime, NULL, TRUE or FALSE."""
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
