"""The verifier's offline check of an RFC 3161 timestamp token over a checkpoint note.

Three questions, in this order: can the token be read (``log.malformed`` if not), is it over
exactly these bytes with this nonce (``timestamp.mismatch`` if not), and can it be traced to a
``--tsa-root`` (a ``TimestampCheck`` with ``trusted`` False and the reason if not; never an
error). The third is rfc3161-client's ``Verifier``: the CMS signature, the certificate chain to a
given root with every certificate valid at the token's genTime (not now), OpenSSL's
time-stamping purpose and the critical id-kp-timeStamping EKU of the signing certificate.

rfc3161-client is imported inside the functions only: importing the verifier does not load it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from verifier._files import read_regular_file
from verifier.format import Code, UsageError, VerificationFailure

if TYPE_CHECKING:  # cryptography.x509 is imported where a token or a root is read: start-up stays light
    from cryptography import x509
    from rfc3161_client import TimeStampResponse

_SHA256_OID = "2.16.840.1.101.3.4.2.1"
_MAX_ROOT_FILE = 1 << 20
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
NO_ROOTS = "no --tsa-root given"


@dataclass(frozen=True)
class TimestampCheck:
    """What a well-formed token over the right bytes says, and whether a given root vouches for it."""

    gen_time: int  # microseconds since the epoch, UTC
    tsa: str  # the signer certificate's subject (RFC 4514), else the TSTInfo's tsa name, else "unknown TSA"
    trusted: bool
    reason: str | None  # why not trusted; None when trusted
    accuracy: int = 0  # the TSTInfo's accuracy (RFC 3161 §2.4.2), microseconds; 0 when absent


def load_tsa_roots(paths: Sequence[Path]) -> list[x509.Certificate]:
    """The certificates in ``paths``: PEM (any number of CERTIFICATE blocks per file) or DER (one).
    Duplicates are dropped; the order is kept.

    Raises: UsageError (one line naming the file): missing, not a regular file, unreadable,
        larger than 1 MiB, or holding no certificate.
    """
    from cryptography import x509

    roots: list[x509.Certificate] = []
    for path in paths:
        data = read_regular_file(Path(path), limit=_MAX_ROOT_FILE, what="TSA root")
        try:
            if b"-----BEGIN" in data:
                found = x509.load_pem_x509_certificates(data)
            else:
                found = [x509.load_der_x509_certificate(data)]
        except ValueError as e:
            raise UsageError(f"TSA root {path}: not a PEM or DER X.509 certificate") from e
        roots += [cert for cert in found if cert not in roots]
    return roots


def _is_library_failure(error: BaseException) -> bool:
    """An exception the parser may raise on hostile bytes: any Exception, or a Rust panic
    (pyo3's PanicException derives from BaseException)."""
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


def _micros(moment: dt.datetime) -> int:
    if moment.tzinfo is None:  # GeneralizedTime is UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def _name_of(general_name: object) -> str | None:
    from cryptography import x509

    value = getattr(general_name, "value", None)
    if isinstance(value, x509.Name):
        return value.rfc4514_string()
    return None if value is None else str(value)


def _signer(reply: TimeStampResponse) -> x509.Certificate | None:
    """The embedded certificate named by the single SignerInfo, if there is exactly one of each.
    Raises ValueError for an embedded certificate that cannot be read."""
    from cryptography import x509

    certificates = [x509.load_der_x509_certificate(raw) for raw in reply.signed_data.certificates]
    signer_infos = list(reply.signed_data.signer_infos)
    if len(signer_infos) != 1:
        return None
    issuer, serial = signer_infos[0].issuer, signer_infos[0].serial_number
    return next((c for c in certificates if c.issuer == issuer and c.serial_number == serial), None)


def _tsa_name(signer: x509.Certificate | None, tst_name: object) -> str:
    """The TSA's name for the report: the signing certificate's subject, else the TSTInfo's tsa
    name, else "unknown TSA". Certificates are parsed lazily: a subject that cannot be read
    (hostile bytes) falls back like an absent one."""
    try:
        if signer is not None:
            return signer.subject.rfc4514_string()
        return (_name_of(tst_name) if tst_name is not None else None) or "unknown TSA"
    except ValueError:
        return "unknown TSA (its name cannot be read)"


def _has_timestamping_eku(certificate: x509.Certificate) -> bool:
    """RFC 3161 §2.3: an ExtendedKeyUsage extension, critical, with id-kp-timeStamping as its only purpose."""
    from cryptography import x509

    try:
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    except ValueError:  # an extension that cannot be parsed
        return False
    return eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]


def _reason(error: Exception, signer: x509.Certificate | None) -> str:
    """rfc3161-client's reason in one line: OpenSSL's error stack reduced to its verify errors, and
    an unsuitable purpose spelled out when the signing certificate lacks the time-stamping EKU."""
    text = " ".join(str(error).split())
    stack = re.search(r"ErrorStack\(\[.*\]\)", text)
    if stack:
        details: list[str] = []
        for entry in re.findall(r"Error \{([^}]*)\}", stack.group()):
            data = re.search(r'data: "Verify error: ([^"]*)"', entry)
            reason = re.search(r'reason: "([^"]*)"', entry)
            detail = data.group(1) if data else reason.group(1) if reason else None
            if detail and detail not in details:
                details.append(detail)
        text = text[:stack.start()] + ("; ".join(details) or "OpenSSL error")
    if signer is not None and not _has_timestamping_eku(signer):
        text += " (the TSA certificate lacks the critical id-kp-timeStamping extended key usage, EKU)"
    return text


def check_timestamp(response: bytes, message: bytes, nonce: int,
                    roots: Sequence[x509.Certificate]) -> TimestampCheck:
    """Check the DER TimeStampResp ``response`` against ``message`` (the exact checkpoint bytes)
    and ``nonce`` offline; trust it only through ``roots``.

    Returns a TimestampCheck: ``trusted`` False with a reason when no root was given or
    rfc3161-client's Verifier rejects the token (signature, chain to a root, validity at genTime,
    time-stamping EKU).

    Raises:
        VerificationFailure(Code.LOG_MALFORMED): not a DER TimeStampResp, status not granted, or a
            part of the token (TSTInfo, certificates, SignerInfo) cannot be read.
        VerificationFailure(Code.TIMESTAMP_MISMATCH): the imprint is not SHA-256 of ``message``,
            or the token's nonce is not ``nonce``.
    """
    from rfc3161_client import PKIStatus, VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        reply = decode_timestamp_response(bytes(response))
        status = reply.status
        if status != PKIStatus.GRANTED:
            raise VerificationFailure(Code.LOG_MALFORMED, f"timestamp token: status {status}, not granted")
        info = reply.tst_info
        algorithm = info.message_imprint.hash_algorithm.dotted_string
        digest = info.message_imprint.message
        token_nonce = info.nonce
        gen_time = _micros(info.gen_time)
        accuracy = _accuracy(info)
        tst_name = info.name
        signer = _signer(reply)
    except VerificationFailure:
        raise
    except BaseException as e:
        if not _is_library_failure(e):
            raise
        raise VerificationFailure(Code.LOG_MALFORMED, f"timestamp token cannot be read: {e}") from e

    if algorithm != _SHA256_OID:
        raise VerificationFailure(Code.TIMESTAMP_MISMATCH, f"timestamp imprint is not SHA-256 (algorithm {algorithm})")
    if digest != hashlib.sha256(message).digest():
        raise VerificationFailure(Code.TIMESTAMP_MISMATCH, "timestamp imprint is not SHA-256 of the checkpoint")
    if token_nonce != nonce:
        raise VerificationFailure(Code.TIMESTAMP_MISMATCH, f"timestamp nonce {token_nonce} is not the recorded {nonce}")

    tsa = _tsa_name(signer, tst_name)
    if not roots:
        return TimestampCheck(gen_time, tsa, trusted=False, reason=NO_ROOTS, accuracy=accuracy)
    verifier = VerifierBuilder(roots=list(roots), nonce=nonce if nonce >= 0 else None).build()
    try:
        verifier.verify_message(reply, message)
    except VerificationError as e:
        return TimestampCheck(gen_time, tsa, trusted=False, reason=_reason(e, signer), accuracy=accuracy)
    except BaseException as e:
        if not _is_library_failure(e):
            raise
        raise VerificationFailure(Code.LOG_MALFORMED, f"timestamp token cannot be verified: {e}") from e
    return TimestampCheck(gen_time, tsa, trusted=True, reason=None, accuracy=accuracy)


def _accuracy(info: object) -> int:
    """The TSTInfo's accuracy in microseconds (0 when absent)."""
    value = getattr(info, "accuracy", None)
    if value is None:
        return 0
    seconds = getattr(value, "seconds", None) or 0
    millis = getattr(value, "millis", None) or 0
    micros = getattr(value, "micros", None) or 0
    return int(seconds) * 1_000_000 + int(millis) * 1_000 + int(micros)
