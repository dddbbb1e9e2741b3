"""The SOQL tokenizer: identifiers, operators, numbers, date and datetime literals, and quoted strings with escapes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from health_pipeline.sandbox.salesforce.values import parse_datetime

_TOKENS = re.compile(r"""
    (?P<WS>\s+)
  | (?P<DATETIME>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<DATE>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<NUMBER>[+-]?(?:\d+\.\d*|\.\d+|\d+)(?![\w.]))
  | (?P<IDENT>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<OP>!=|<>|<=|>=|=|<|>)
  | (?P<PUNCT>[(),])
""", re.VERBOSE)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


class SoqlError(Exception):
    """A query Salesforce would reject: `code` is its errorCode, `position` the offending offset."""

    def __init__(self, code: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position

    def render(self, soql: str) -> str:
        """The message as Salesforce words it, pointing at the row and column."""
        if self.position is None:
            return self.message
        line_start = soql.rfind("\n", 0, self.position) + 1
        line_end = soql.find("\n", self.position)
        line = soql[line_start:line_end if line_end >= 0 else None]
        row, column = soql.count("\n", 0, self.position) + 1, self.position - line_start + 1
        return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{self.message}"


@dataclass(frozen=True)
class Token:
    """One lexical token: `kind` is IDENT, STRING, NUMBER, DATE, DATETIME, OP, PUNCT or EOF."""

    kind: str
    text: str
    pos: int
    value: Any = None
    like: str | None = None

    def word(self) -> str | None:
        """The upper-cased identifier text, or None for other tokens."""
        return self.text.upper() if self.kind == "IDENT" else None


def _string(soql: str, start: int) -> Token:
    """Scan a quoted string literal at `start`, decoding SOQL escapes and building its LIKE regex."""
    plain, like, i = [], [], start + 1
    while i < len(soql):
        ch = soql[i]
        if ch == "'":
            return Token("STRING", soql[start:i + 1], start, "".join(plain), "".join(like))
        if ch == "\\":
            nxt = soql[i + 1:i + 2]
            if nxt.lower() in _ESCAPES or nxt in ("%", "_"):
                decoded = _ESCAPES.get(nxt.lower(), nxt)
                plain.append(decoded)
                like.append(re.escape(decoded))
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", soql[i + 2:i + 6]):
                decoded = chr(int(soql[i + 2:i + 6], 16))
                plain.append(decoded)
                like.append(re.escape(decoded))
                i += 6
                continue
            raise SoqlError("MALFORMED_QUERY", f"Invalid string literal. Illegal character sequence '\\{nxt}' in "
                                               "string literal.", i)
        plain.append(ch)
        like.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    raise SoqlError("MALFORMED_QUERY", "Invalid string literal: missing closing quote.", start)


def tokenize(soql: str) -> list[Token]:
    """Split a SOQL statement into tokens, ending with an EOF token."""
    tokens, i = [], 0
    while i < len(soql):
        if soql[i] == "'":
            token = _string(soql, i)
            tokens.append(token)
            i += len(token.text)
            continue
        found = _TOKENS.match(soql, i)
        if not found:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{soql[i:].split()[0]}'", i)
        kind, text = found.lastgroup, found.group()
        i = found.end()
        if kind == "WS":
            continue
        value: Any = None
        if kind == "NUMBER":
            value = float(text) if "." in text else int(text)
        elif kind == "DATE":
            try:
                value = date.fromisoformat(text)
            except ValueError:
                raise SoqlError("MALFORMED_QUERY", f"line 1:{found.start()} no viable alternative at character "
                                                   f"'{text}'", found.start()) from None
        elif kind == "DATETIME":
            value = parse_datetime(text)
            if value is None:
                raise SoqlError("MALFORMED_QUERY", f"invalid datetime: {text}", found.start())
        tokens.append(Token(kind, text, found.start(), value))
    tokens.append(Token("EOF", "<EOF>", len(soql)))
    return tokens
