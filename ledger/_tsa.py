"""The writer's side of RFC 3161: ask a time-stamp authority to timestamp a checkpoint note.

The reply is checked to be a granted TimeStampResp over SHA-256 of exactly these bytes, with the
nonce we sent, carrying a certificate; whether its signer is trusted is the verifier's question
(``--tsa-root``), not the writer's.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.parse
import urllib.request
from typing import IO

from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder, decode_timestamp_response

from verifier.format import UsageError

MAX_REPLY = 1 << 20  # 1 MiB: a token with a long chain is a few KiB
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
_SHA256_OID = "2.16.840.1.101.3.4.2.1"


class TsaError(UsageError):
    """The TSA could not be reached or its reply is not the timestamp we asked for. The message is
    one line for a person."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the HTTP error it is: a POST is not replayed elsewhere."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: http.client.HTTPMessage, newurl: str) -> None:
        return None


def _is_library_failure(error: BaseException) -> bool:
    """What rfc3161-client may raise on bad bytes: any Exception, or a Rust panic (pyo3's
    PanicException derives from BaseException)."""
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


def _post(url: str, body: bytes, timeout: float) -> tuple[bytes, str]:
    """POST ``body``; the reply's bytes (at most MAX_REPLY) and Content-Type. Raises TsaError."""
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 -- http(s) only, checked by the caller
                                     headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as reply:
            data: bytes = reply.read(MAX_REPLY + 1)
            content_type = str(reply.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as e:
        e.close()
        raise TsaError(f"TSA {url} answered HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise TsaError(f"TSA {url} did not answer within {timeout:g} s") from e
        reason = e.reason.strerror if isinstance(e.reason, OSError) and e.reason.strerror else e.reason
        raise TsaError(f"cannot reach TSA {url}: {reason}") from e
    except TimeoutError as e:
        raise TsaError(f"TSA {url} did not answer within {timeout:g} s") from e
    except (OSError, http.client.HTTPException) as e:
        raise TsaError(f"TSA {url} broke off the exchange: {e or type(e).__name__}") from e
    if len(data) > MAX_REPLY:
        raise TsaError(f"TSA {url} sent a reply larger than {MAX_REPLY} bytes")
    return data, content_type


def request_timestamp(url: str, message: bytes, *, timeout: float = 10.0) -> tuple[bytes, int]:
    """Timestamp ``message`` at the RFC 3161 TSA at ``url`` (http:// or https://).

    Sends a TimeStampReq over SHA-256(message) with a fresh nonce and certReq true, and returns
    (the DER TimeStampResp exactly as received, the nonce). ``timeout`` bounds the connection and
    each read, in seconds.

    Raises:
        TsaError: the URL is not http(s); the TSA is unreachable, times out, answers an HTTP error
            or more than 1 MiB; the reply is not a TimeStampResp, is not granted, carries no
            certificate, or its imprint or nonce is not ours.
        ValueError: ``message`` is empty.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TsaError(f"a TSA URL starts with http:// or https://, not {url!r}")
    if not message:
        raise ValueError("cannot timestamp an empty message")
    query = (TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256)
             .nonce(nonce=True).cert_request(cert_request=True).build())
    nonce = query.nonce
    assert nonce is not None  # the builder was asked for one
    body, content_type = _post(url, query.as_bytes(), timeout)
    check_reply(body, message, nonce, f"TSA {url}", content_type)
    return body, nonce


def check_reply(body: bytes, message: bytes, nonce: int, source: str, content_type: str = "") -> None:
    """That ``body`` is a granted TimeStampResp over SHA-256(``message``) with ``nonce``, carrying
    the TSA's certificate — what the writer requires before it stores a token (so it never stores
    one the verifier would call ``timestamp.mismatch``). ``source`` names the reply in messages.

    Raises: TsaError.
    """
    try:
        reply = decode_timestamp_response(body)
        status = reply.status
    except BaseException as e:
        if not _is_library_failure(e):
            raise
        kind = content_type or "no Content-Type"
        raise TsaError(f"{source} is not a timestamp reply ({kind}, {len(body)} bytes)") from e
    if status != PKIStatus.GRANTED:
        try:
            label = PKIStatus(status).name.lower()
        except ValueError:
            label = str(status)
        text = "; ".join(reply.status_string)
        raise TsaError(f"{source} did not grant the timestamp: {label}" + (f" ({text})" if text else ""))
    try:
        info = reply.tst_info
        imprint = info.message_imprint
        algorithm, digest, got_nonce = imprint.hash_algorithm.dotted_string, imprint.message, info.nonce
        certificates = reply.signed_data.certificates
    except BaseException as e:
        if not _is_library_failure(e):
            raise
        raise TsaError(f"{source} is a timestamp reply that cannot be read: {e}") from e
    if algorithm != _SHA256_OID or digest != hashlib.sha256(message).digest():
        raise TsaError(f"{source} timestamped something else than the bytes sent (imprint mismatch)")
    if got_nonce != nonce:
        raise TsaError(f"{source} answered with another nonce than the one sent")
    if not certificates:
        raise TsaError(f"{source} left its certificate out of the reply although it was asked for it")
