"""A small JQL tokenizer and recursive-descent parser for the subset the sandbox serves.

Grammar (keywords case-insensitive):
    query   := [or] [ORDER BY sort ("," sort)*]
    or      := and (OR and)*
    and     := not (AND not)*
    not     := NOT not | "(" or ")" | clause
    clause  := field op value | field [NOT] IN "(" value ("," value)* ")" | field IS [NOT] (EMPTY|NULL)
    sort    := field [ASC|DESC]
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timezone, tzinfo

KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC"}
FIELDS = {"project": "project", "issuetype": "issuetype", "type": "issuetype", "created": "created",
          "createddate": "created", "updated": "updated", "updateddate": "updated",
          "resolutiondate": "resolutiondate", "resolved": "resolutiondate", "resolution": "resolution",
          "status": "status", "statuscategory": "statusCategory", "priority": "priority",
          "component": "component", "labels": "labels", "cf[10042]": "customfield_10042",
          "customfield_10042": "customfield_10042", "id": "id", "issue": "id", "key": "key", "issuekey": "key"}
DATE_FIELDS = {"created", "updated", "resolutiondate"}
ORDERED_FIELDS = DATE_FIELDS | {"id"}
SORTABLE = DATE_FIELDS | {"priority", "id", "key"}
_TOKEN = re.compile(r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|<=|>=|!~|=|<|>|~)
                        |(?P<punct>[(),])|(?P<word>[^\s"'(),=!<>~]+))""", re.VERBOSE)
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")


class JqlError(ValueError):
    """A query Jira would refuse; the message is Jira's `errorMessages` entry."""


def unbounded() -> JqlError:
    """The error for a query without any restriction."""
    return JqlError("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")


@dataclass(frozen=True)
class Token:
    """One lexical token: kind (string, op, punct, word, keyword, end), text and position."""

    kind: str
    text: str
    pos: int


@dataclass
class Clause:
    """`field op values`; a value of None stands for EMPTY; dates are UNIX seconds."""

    field: str
    op: str  # = != < <= > >= in "not in" is "is not"
    values: list = dataclass_field(default_factory=list)


@dataclass
class Bool:
    """AND / OR over sub-queries, or NOT over one."""

    op: str
    items: list


@dataclass
class Query:
    """A parsed query: the restriction (None = none) and the ORDER BY list of (field, ascending)."""

    where: Clause | Bool | None
    order: list[tuple[str, bool]]


def tokenize(text: str) -> list[Token]:
    """Split JQL into tokens; raises JqlError on anything unreadable."""
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            start = len(text) - len(text[pos:].lstrip())
            if text[start] in "\"'":
                raise _error("Expecting a closing quote for the string that starts here", start)
            raise _error(f"The character '{text[start]}' is a reserved JQL character", start)
        kind = match.lastgroup
        value = match.group(kind)
        start = match.start(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word" and value.upper() in KEYWORDS:
            kind, value = "keyword", value.upper()
        tokens.append(Token(kind, value, start))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _error(message: str, pos: int) -> JqlError:
    return JqlError(f"Error in the JQL Query: {message}. The query position is line 1, character {pos + 1}.")


def _found(token: Token) -> str:
    return f"but got '{token.text}'" if token.kind != "end" else "before the end of the query"


def parse_date(text: str, field: str, zone: tzinfo = timezone.utc) -> int:
    """UNIX seconds of a JQL date value 'YYYY-MM-DD' or 'YYYY-MM-DD HH:mm' (also with '/'), read as Jira does:
    in the time zone of the API user's profile."""
    match = _DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        year, month, day, hour, minute = (int(g) if g else 0 for g in match.groups())
        if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1] and hour < 24 and minute < 60):
            raise ValueError(text)
        return int(datetime(year, month, day, hour, minute, tzinfo=zone).timestamp())
    except ValueError:
        raise JqlError(f"Error in the JQL Query: Date value '{text}' for field '{field}' is invalid. Valid formats "
                       "include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd'.") from None


class Parser:
    """Recursive-descent parser over the token list."""

    def __init__(self, text: str, zone: tzinfo = timezone.utc) -> None:
        self.zone = zone
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        """The next token, not consumed."""
        return self.tokens[self.i]

    def take(self) -> Token:
        """Consume and return the next token."""
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        """Consume the next token if it is of `kind` (and `text`), else return None."""
        token = self.peek()
        if token.kind == kind and (text is None or token.text == text):
            return self.take()
        return None

    def expect(self, kind: str, text: str, what: str) -> Token:
        """Consume a required token or raise Jira's "Expecting ..." error."""
        token = self.accept(kind, text)
        if token is None:
            raise _error(f"Expecting {what} {_found(self.peek())}", self.peek().pos)
        return token

    def query(self) -> Query:
        """query := [or] [ORDER BY sort ("," sort)*]"""
        where = None
        if not (self.peek().kind in ("end",) or (self.peek().kind == "keyword" and self.peek().text == "ORDER")):
            where = self.or_()
        order = []
        if self.accept("keyword", "ORDER"):
            self.expect("keyword", "BY", "'by'")
            while True:
                name = self.field(sorting=True)
                ascending = not self.accept("keyword", "DESC")
                if ascending:
                    self.accept("keyword", "ASC")
                order.append((name, ascending))
                if not self.accept("punct", ","):
                    break
        end = self.peek()
        if end.kind != "end":
            raise _error(f"Expecting either 'OR' or 'AND' but got '{end.text}'", end.pos)
        return Query(where, order)

    def or_(self) -> Clause | Bool:
        """or := and (OR and)*"""
        items = [self.and_()]
        while self.accept("keyword", "OR"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else Bool("OR", items)

    def and_(self) -> Clause | Bool:
        """and := not (AND not)*"""
        items = [self.not_()]
        while self.accept("keyword", "AND"):
            items.append(self.not_())
        return items[0] if len(items) == 1 else Bool("AND", items)

    def not_(self) -> Clause | Bool:
        """not := NOT not | "(" or ")" | clause"""
        if self.accept("keyword", "NOT"):
            return Bool("NOT", [self.not_()])
        if self.accept("punct", "("):
            inner = self.or_()
            self.expect("punct", ")", "')'")
            return inner
        return self.clause()

    def field(self, sorting: bool = False) -> str:
        """A field name, canonicalised; unknown fields are Jira's "does not exist" error."""
        token = self.take()
        if token.kind not in ("word", "string"):
            raise _error(f"Expecting a field name {_found(token)}", token.pos)
        name = FIELDS.get(token.text.lower())
        if name == "key" and not sorting:
            raise JqlError("Error in the JQL Query: Searching by 'key' is not supported by the sandbox.")
        if name is None or (sorting and name not in SORTABLE):
            reason = ("cannot be used for ordering here" if name
                      else "does not exist or you do not have permission to view it")
            raise JqlError(f"Error in the JQL Query: Field '{token.text}' {reason}.")
        return name

    def clause(self) -> Clause:
        """clause := field op value | field [NOT] IN (values) | field IS [NOT] EMPTY"""
        name = self.field()
        token = self.take()
        if token.kind == "keyword" and token.text == "IS":
            negated = bool(self.accept("keyword", "NOT"))
            value = self.take()
            if value.kind != "keyword" or value.text not in ("EMPTY", "NULL"):
                raise _error("Expecting 'EMPTY' or 'NULL' after 'is'", value.pos)
            return Clause(name, "is not" if negated else "is")
        if token.kind == "keyword" and token.text in ("IN", "NOT"):
            if token.text == "NOT":
                self.expect("keyword", "IN", "'in'")
            self.expect("punct", "(", "'('")
            values = [self.value(name)]
            while self.accept("punct", ","):
                values.append(self.value(name))
            self.expect("punct", ")", "')'")
            return Clause(name, "in" if token.text == "IN" else "not in", values)
        if token.kind != "op":
            raise _error(f"Expecting operator {_found(token)}", token.pos)
        if token.text in ("~", "!~"):
            raise JqlError(f"Error in the JQL Query: The operator '{token.text}' is not supported by the "
                           f"'{name}' field.")
        if token.text in ("<", "<=", ">", ">=") and name not in ORDERED_FIELDS:
            raise JqlError(f"Error in the JQL Query: The operator '{token.text}' is not supported by the "
                           f"'{name}' field.")
        value = self.value(name)
        if value is None:
            if token.text not in ("=", "!="):
                raise _error(f"The operator '{token.text}' cannot be used with EMPTY", token.pos)
            return Clause(name, "is" if token.text == "=" else "is not")
        return Clause(name, token.text, [value])

    def value(self, name: str) -> str | int | None:
        """One value: a word or string (dates become UNIX seconds), or None for EMPTY/NULL."""
        token = self.take()
        if token.kind == "keyword" and token.text in ("EMPTY", "NULL"):
            return None
        if token.kind not in ("word", "string"):
            raise _error(f"Expecting either a value, list or function {_found(token)}", token.pos)
        if self.peek().kind == "punct" and self.peek().text == "(":
            raise JqlError(f"Error in the JQL Query: The function '{token.text}' is not supported by the sandbox.")
        if name in DATE_FIELDS:
            return parse_date(token.text, name, self.zone)
        return token.text


def parse(text: str, zone: tzinfo = timezone.utc) -> Query:
    """Parse JQL (dates in `zone`); raises JqlError (Jira's message) when it is invalid or unbounded."""
    if not isinstance(text, str):
        raise JqlError("Error in the JQL Query: jql must be a string.")
    query = Parser(text, zone).query()
    if query.where is None:
        raise unbounded()
    return query
