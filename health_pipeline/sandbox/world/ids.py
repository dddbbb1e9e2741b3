"""Deterministic, unique identifiers in each vendor's own format."""
from __future__ import annotations

import hashlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_MASK64 = (1 << 64) - 1
_SPACE6 = 62 ** 6
_MULTIPLIER = 1_000_000_007  # coprime with 62**6 = 2**6 * 31**6, so idx -> idx*M+B is a bijection

# Conversation ids: 12 digits, (10000 + month ordinal) * 10**7 + row index, so a GET can be
# answered by regenerating the month alone and numeric order equals string order.
CONVERSATION_ROWS = 10_000_000
CONVERSATION_BASE = 10_000


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of the parts, stable across processes (unlike hash())."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def splitmix64(value: int) -> int:
    """The splitmix64 finaliser: a bijection on 64-bit integers that looks random."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def salesforce_checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character Salesforce ID case-insensitively unique."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(id15[chunk * 5:chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SUFFIX[bits]
    return suffix


def salesforce_id(prefix: str, seed: int, index: int) -> str:
    """An 18-character Salesforce ID with key prefix `prefix`, unique per (prefix, seed, index)."""
    offset = stable_hash("sf", prefix, seed) % _SPACE6
    value = (index * _MULTIPLIER + offset) % _SPACE6
    chars = []
    for _ in range(6):
        value, digit = divmod(value, 62)
        chars.append(BASE62[digit])
    pod = "abcdefghjkmnpqrstuvwxyz"[stable_hash("pod", seed) % 23]
    id15 = f"{prefix}5{pod}0000{''.join(chars)}"
    return id15 + salesforce_checksum(id15)


def intercom_id(kind: str, seed: int, index: int) -> str:
    """A 24-hex object id (like Intercom's) unique per (kind, seed, index)."""
    salt = stable_hash("intercom", kind, seed)
    created = 0x5C2A_AD80 + (splitmix64(salt ^ index) % (4 * 365 * 86400))  # 2019 .. 2022
    return f"{created:08x}{splitmix64((salt + index) & _MASK64):016x}"


def conversation_id(month: int, row: int) -> str:
    """The conversation id of row `row` of month ordinal `month`."""
    return str((CONVERSATION_BASE + month) * CONVERSATION_ROWS + row)


def parse_conversation_id(value: str) -> tuple[int, int] | None:
    """(month ordinal, row) encoded in a world conversation id, or None."""
    if not isinstance(value, str) or len(value) != 12 or not value.isdigit():
        return None
    head, row = divmod(int(value), CONVERSATION_ROWS)
    return head - CONVERSATION_BASE, row


def _unsplitmix64(value: int) -> int:
    """The inverse of splitmix64."""
    z = value ^ (value >> 31) ^ (value >> 62)
    z = (z * pow(0x94D049BB133111EB, -1, 1 << 64)) & _MASK64
    z = z ^ (z >> 27) ^ (z >> 54)
    z = (z * pow(0xBF58476D1CE4E5B9, -1, 1 << 64)) & _MASK64
    z = z ^ (z >> 30) ^ (z >> 60)
    return (z - 0x9E3779B97F4A7C15) & _MASK64


def intercom_index(kind: str, seed: int, value: str) -> int | None:
    """The index an `intercom_id(kind, seed, index)` was made from, or None for an id of another kind or seed."""
    if not isinstance(value, str) or len(value) != 24:
        return None
    try:
        low = int(value[8:], 16)
    except ValueError:
        return None
    index = (_unsplitmix64(low) - stable_hash("intercom", kind, seed)) & _MASK64
    return index if intercom_id(kind, seed, index) == value else None
