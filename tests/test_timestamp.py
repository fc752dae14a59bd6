"""RFC 3161 timestamps end to end: the local TSA (cli.localtsa) answers the writer's request
(ledger, request_timestamp) and the verifier checks the token offline (check_timestamp)."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cli.localtsa import Eku, LocalTsa
from ledger import TsaError, request_timestamp
from verifier import check_timestamp, load_tsa_roots
from verifier.format import Code, UsageError, VerificationFailure

if shutil.which("openssl") is None:
    pytest.skip("the local TSA needs the openssl command", allow_module_level=True)

NOTE = b"provenote.example/log\n42\nq1u4fV5hfDkYyFcIQZ9bTKXcbP6Th0bl1c1aH1l5Qzc=\n"
TSA_NAME = "O=provenote test,CN=provenote local TSA"


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    with LocalTsa(tmp_path_factory.mktemp("tsa")) as authority:
        yield authority


@pytest.fixture(scope="module")
def token(tsa: LocalTsa) -> tuple[bytes, int]:
    return request_timestamp(tsa.url, NOTE)


# --- the good path ------------------------------------------------------------------------------


def test_a_token_from_the_local_tsa_is_trusted_under_its_root(tsa: LocalTsa, token: tuple[bytes, int]) -> None:
    response, nonce = token
    check = check_timestamp(response, NOTE, nonce, load_tsa_roots([tsa.root_path]))
    assert check.trusted and check.reason is None
    assert check.tsa == TSA_NAME
    now = dt.datetime.now(dt.UTC).timestamp() * 1_000_000
    assert abs(check.gen_time - now) < 60_000_000


def test_an_rsa_tsa_works_too(tmp_path: Path) -> None:
    with LocalTsa(tmp_path, key_type="rsa") as rsa_tsa:
        response, nonce = request_timestamp(rsa_tsa.url, NOTE)
        assert check_timestamp(response, NOTE, nonce, [rsa_tsa.root]).trusted


# --- mismatches: the token is not for these bytes -----------------------------------------------


def test_a_token_over_other_bytes_is_a_mismatch(tsa: LocalTsa, token: tuple[bytes, int]) -> None:
    response, nonce = token
    with pytest.raises(VerificationFailure) as failure:
        check_timestamp(response, NOTE + b"x", nonce, [tsa.root])
    assert failure.value.code is Code.TIMESTAMP_MISMATCH


def test_a_token_with_another_nonce_is_a_mismatch(tsa: LocalTsa, token: tuple[bytes, int]) -> None:
    response, nonce = token
    with pytest.raises(VerificationFailure) as failure:
        check_timestamp(response, NOTE, nonce + 1, [tsa.root])
    assert failure.value.code is Code.TIMESTAMP_MISMATCH
    assert "nonce" in failure.value.message


# --- trust: untrusted, never an error ------------------------------------------------------------


def test_no_root_leaves_the_token_untrusted(token: tuple[bytes, int]) -> None:
    response, nonce = token
    check = check_timestamp(response, NOTE, nonce, [])
    assert (check.trusted, check.reason, check.tsa) == (False, "no --tsa-root given", TSA_NAME)


def test_another_cas_root_does_not_vouch_for_the_token(tmp_path: Path, token: tuple[bytes, int]) -> None:
    response, nonce = token
    with LocalTsa(tmp_path, name="another TSA") as other:
        check = check_timestamp(response, NOTE, nonce, [other.root])
    assert not check.trusted
    assert check.reason is not None and "unable to get local issuer certificate" in check.reason


@pytest.mark.parametrize("eku", ["non-critical", "absent"])
def test_a_tsa_certificate_without_the_critical_timestamping_eku_is_untrusted(tmp_path: Path, eku: Eku) -> None:
    with LocalTsa(tmp_path, tsa_eku=eku) as bad:
        response, nonce = request_timestamp(bad.url, NOTE)
        check = check_timestamp(response, NOTE, nonce, [bad.root])
    assert not check.trusted
    assert check.reason is not None and "EKU" in check.reason and "unsuitable certificate purpose" in check.reason


def test_the_re_signed_token_with_a_good_certificate_is_trusted(tmp_path: Path) -> None:
    """The control for the EKU test: the same openssl-cms path, the same key and root, only the
    EKU differs. Also shows that rfc3161-client does not require the ESS signing-certificate
    attribute (openssl cms does not add it)."""
    with LocalTsa(tmp_path, via_cms=True) as control:
        response, nonce = request_timestamp(control.url, NOTE)
        check = check_timestamp(response, NOTE, nonce, [control.root])
    assert check.trusted, check.reason


def test_a_tampered_signature_is_untrusted(tsa: LocalTsa, token: tuple[bytes, int]) -> None:
    response, nonce = token
    tampered = response[:-1] + bytes([response[-1] ^ 1])  # the last byte of the signature value
    check = check_timestamp(tampered, NOTE, nonce, [tsa.root])
    assert not check.trusted
    assert check.reason is not None and "signature failure" in check.reason


def test_an_embedded_self_signed_certificate_is_not_a_trust_anchor(tmp_path: Path) -> None:
    """rfc3161-client up to 1.0.7 added the token's own certificates to the trusted store."""
    with LocalTsa(tmp_path, self_signed=True) as rogue:
        response, nonce = request_timestamp(rogue.url, NOTE)
        check = check_timestamp(response, NOTE, nonce, [rogue.root])
    assert not check.trusted
    assert check.reason is not None and "self-signed certificate" in check.reason


def test_certificates_are_checked_at_gen_time_not_now(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(days=60), now - dt.timedelta(days=1)
    with LocalTsa(tmp_path / "then", gen_time=now - dt.timedelta(days=30), not_before=start, not_after=end) as then:
        response, nonce = request_timestamp(then.url, NOTE)
        assert check_timestamp(response, NOTE, nonce, [then.root]).trusted  # expired now, valid then
    with LocalTsa(tmp_path / "expired", not_before=start, not_after=end) as expired:
        response, nonce = request_timestamp(expired.url, NOTE)
        check = check_timestamp(response, NOTE, nonce, [expired.root])
    assert not check.trusted
    assert check.reason is not None and "certificate has expired" in check.reason


# --- malformed tokens ---------------------------------------------------------------------------


def test_bytes_that_are_no_token_are_malformed(tsa: LocalTsa, token: tuple[bytes, int]) -> None:
    response, nonce = token
    granted_without_token = b"\x30\x05\x30\x03\x02\x01\x00"
    for garbage in (b"", b"garbage", response[:-5], response + b"\x00", granted_without_token):
        with pytest.raises(VerificationFailure) as failure:
            check_timestamp(garbage, NOTE, nonce, [tsa.root])
        assert failure.value.code is Code.LOG_MALFORMED
        assert isinstance(failure.value.__cause__, Exception)


def test_a_rejection_is_malformed_as_a_token_and_an_error_for_the_writer(tmp_path: Path) -> None:
    with LocalTsa(tmp_path, digests="sha512") as picky:
        with pytest.raises(TsaError, match="did not grant the timestamp: rejection"):
            request_timestamp(picky.url, NOTE)
        from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

        query = TimestampRequestBuilder().data(NOTE).hash_algorithm(HashAlgorithm.SHA256).build()
        rejection = picky.reply(query.as_bytes())
    with pytest.raises(VerificationFailure) as failure:
        check_timestamp(rejection, NOTE, query.nonce or 0, [picky.root])
    assert failure.value.code is Code.LOG_MALFORMED and "not granted" in failure.value.message


# --- the writer's request ------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_tsa_fails_quickly() -> None:
    start = time.monotonic()
    with pytest.raises(TsaError, match="cannot reach TSA"):
        request_timestamp(f"http://127.0.0.1:{_closed_port()}/tsa", NOTE, timeout=5)
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/tsa", "127.0.0.1:318", "http://"])
def test_only_http_urls_are_asked(url: str) -> None:
    with pytest.raises(TsaError, match="http:// or https://"):
        request_timestamp(url, NOTE)


def test_an_empty_message_is_the_callers_mistake(tsa: LocalTsa) -> None:
    with pytest.raises(ValueError, match="empty"):
        request_timestamp(tsa.url, b"")


class _Stub:
    """An HTTP server that answers every POST with a fixed status, type and body, after a delay."""

    def __init__(self) -> None:
        self.status, self.content_type, self.body, self.delay = 200, "application/timestamp-reply", b"", 0.0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(stub.delay)
                self.send_response(stub.status)
                self.send_header("Content-Type", stub.content_type)
                self.send_header("Content-Length", str(len(stub.body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    self.wfile.write(stub.body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def stub() -> Iterator[_Stub]:
    server = _Stub()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_http_errors_and_non_replies_are_tsa_errors(stub: _Stub) -> None:
    stub.status, stub.content_type, stub.body = 503, "text/plain", b"busy"
    with pytest.raises(TsaError, match="HTTP 503"):
        request_timestamp(stub.url, NOTE)
    stub.status, stub.content_type, stub.body = 200, "text/html", b"<html>hello</html>"
    with pytest.raises(TsaError, match=r"not a timestamp reply \(text/html"):
        request_timestamp(stub.url, NOTE)
    stub.status, stub.body = 302, b""
    with pytest.raises(TsaError, match="HTTP 302"):
        request_timestamp(stub.url, NOTE)


def test_a_reply_over_one_mebibyte_is_refused(stub: _Stub) -> None:
    stub.body = bytes((1 << 20) + 1)
    with pytest.raises(TsaError, match="larger than"):
        request_timestamp(stub.url, NOTE)


def test_a_slow_tsa_times_out(stub: _Stub) -> None:
    stub.delay = 3.0
    start = time.monotonic()
    with pytest.raises(TsaError, match=r"did not answer within 0\.3 s"):
        request_timestamp(stub.url, NOTE, timeout=0.3)
    assert time.monotonic() - start < 2


def test_a_replayed_reply_is_refused(stub: _Stub, tsa: LocalTsa, token: tuple[bytes, int]) -> None:
    stub.body = token[0]  # a genuine token over NOTE, for another request's nonce
    with pytest.raises(TsaError, match="another nonce"):
        request_timestamp(stub.url, NOTE)
    with pytest.raises(TsaError, match="imprint mismatch"):
        request_timestamp(stub.url, NOTE + b"x")


# --- roots -------------------------------------------------------------------------------------


def test_roots_load_from_pem_bundles_and_der(tmp_path: Path, tsa: LocalTsa) -> None:
    with LocalTsa(tmp_path / "b", name="b") as other:
        bundle = tmp_path / "bundle.pem"
        bundle.write_bytes(tsa.root_path.read_bytes() + other.root_path.read_bytes())
        der = tmp_path / "root.der"
        der.write_bytes(other.root.public_bytes(serialization.Encoding.DER))
        assert load_tsa_roots([bundle, der, tsa.root_path]) == [tsa.root, other.root]


def test_unusable_root_files_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    (tmp_path / "junk.der").write_bytes(b"\x30\x03\x02\x01\x00")
    for name, text in (("missing.pem", "file not found"), ("key.pem", "not a PEM or DER"),
                       ("junk.der", "not a PEM or DER"), (".", "not a regular file")):
        with pytest.raises(UsageError, match=text):
            load_tsa_roots([tmp_path / name])


def test_the_verifier_loads_rfc3161_client_only_when_checking() -> None:
    code = "import sys, verifier; assert 'rfc3161_client' not in sys.modules, 'imported early'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
