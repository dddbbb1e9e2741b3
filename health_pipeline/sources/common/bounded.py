"""Every vendor reply read whole under two bounds: a total deadline per request and a maximum body size."""
from __future__ import annotations

import time
from typing import Callable

import requests

CHUNK_BYTES = 256 * 1024
# what a refusal's message starts with, so that a client library that turns it into text keeps it recognisable
REFUSED = "reply refused: "


class ReplyRefused(requests.exceptions.RequestException):
    """A reply the HTTP layer will not accept: too slow overall, or too large. Not retried."""


class DeadlineExceeded(ReplyRefused):
    """The request took longer than its total deadline (connect, headers and every byte of the body)."""


class BodyTooLarge(ReplyRefused):
    """The reply's body is larger than the configured maximum."""


def _mib(size: int) -> str:
    return f"{size / 1048576:.1f} MiB"


def read_bounded(response: requests.Response, started: float, deadline_seconds: float, max_bytes: int,
                 endpoint: str, clock: Callable[[], float] = time.monotonic) -> requests.Response:
    """Read the streamed body of `response` into memory, refusing it past the deadline or the size limit.

    Reads with `read1`, which returns whatever has arrived, so a body trickled a byte at a time is checked
    against the deadline between reads (a single read waits at most the read timeout). The size counts the
    decoded bytes, so a compressed body cannot expand past the limit either.
    """
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise BodyTooLarge(f"{REFUSED}{endpoint} announced a body of {_mib(int(declared))}, over the "
                           f"{_mib(max_bytes)} limit (max_reply_mb)")
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if clock() - started > deadline_seconds:
                raise DeadlineExceeded(f"{REFUSED}{endpoint} was still sending its reply after the "
                                       f"{deadline_seconds:g} s deadline (request_deadline_seconds)")
            chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise BodyTooLarge(f"{REFUSED}{endpoint} sent more than the {_mib(max_bytes)} limit "
                                   f"(max_reply_mb)")
            chunks.append(chunk)
    except ReplyRefused:
        response.close()
        raise
    response._content = b"".join(chunks)  # what requests itself does when it preloads a body
    response._content_consumed = True
    return response


def send_bounded(send: Callable[..., requests.Response], request: requests.PreparedRequest, endpoint: str,
                 deadline_seconds: float, max_bytes: int, **kwargs: object) -> requests.Response:
    """Send through an adapter's `send` with the body streamed, then read it under the bounds.

    A caller that asked to stream the body itself gets the response untouched (no vendor client does).
    """
    if kwargs.get("stream"):
        return send(request, **kwargs)
    started = time.monotonic()
    kwargs["stream"] = True
    response = send(request, **kwargs)
    return read_bounded(response, started, deadline_seconds, max_bytes, endpoint)
