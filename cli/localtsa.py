"""A local RFC 3161 time-stamp authority for the demo and the tests: a throwaway root CA and a TSA
certificate made with ``cryptography``, ``openssl ts -reply`` to sign, and an HTTP endpoint on
127.0.0.1 that answers a DER TimeStampReq (``application/timestamp-query``) with a DER
TimeStampResp (``application/timestamp-reply``).

It is for demonstrations and tests only: the keys lie unencrypted in the directory it is given.

Variants for tests (all tokens still chain to this instance's root):

* ``tsa_eku="non-critical"`` or ``"absent"``: the TSA certificate lacks the critical
  id-kp-timeStamping extended key usage. ``openssl ts`` refuses to sign with such a certificate,
  so the token is signed by a helper certificate (same key, same subject, critical EKU), its
  TSTInfo is taken out and signed again with ``openssl cms -sign`` under the bad certificate.
* ``via_cms=True``: that same re-signing path with a good certificate (the control case).
* ``gen_time=datetime``: the re-signed TSTInfo carries this genTime instead of the real one.
* ``not_before`` / ``not_after``: the TSA certificate's validity.
* ``digests``: the digests ``openssl ts`` accepts (``"sha512"`` makes it reject SHA-256 requests).
* ``self_signed=True``: the TSA certificate is its own issuer (the root CA is made but signs nothing);
  the token embeds it, and embedding must not make it a trust anchor.
* ``seed=bytes``: the root's and the TSA's EC P-256 keys are derived from this seed (16+ bytes)
  rather than drawn at random, so a demo makes no key at run time and always has the same
  keys (for demonstrations only: anyone who knows the seed has the keys).

Tokens signed with ``openssl cms`` carry no ESS signing-certificate attribute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
POLICY_OID = "1.3.6.1.4.1.55555.1.1"  # a made-up policy for local tokens
_TSTINFO_OID = "1.2.840.113549.1.9.16.1.4"  # id-smime-ct-TSTInfo
_MAX_QUERY = 64 * 1024
_OPENSSL_TIMEOUT = 10.0
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # the group order n (SEC 2)

Eku = Literal["critical", "non-critical", "absent"]
KeyType = Literal["ec", "rsa"]


class LocalTsaUnavailable(RuntimeError):
    """The local TSA cannot run here (no ``openssl`` on the PATH)."""


class LocalTsaError(RuntimeError):
    """``openssl`` failed to answer a request (the message carries its stderr)."""


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _granted_response(token: bytes) -> bytes:
    """TimeStampResp { status PKIStatusInfo { granted }, timeStampToken } around a ContentInfo."""
    status = b"\x30\x03\x02\x01\x00"
    body = status + token
    return b"\x30" + _der_length(len(body)) + body


def _is_granted(response: bytes) -> bool:
    """Whether a DER TimeStampResp's PKIStatusInfo is exactly { granted }."""
    if len(response) < 2 or response[0] != 0x30:
        return False
    skip = 2 + (response[1] & 0x7F if response[1] & 0x80 else 0)
    return response[skip:skip + 5] == b"\x30\x03\x02\x01\x00"


class LocalTsa:
    """A running local TSA (a context manager; ``start()`` / ``close()`` by hand also work).

    ``directory`` receives ``root.pem`` (the root CA to give the verifier as ``--tsa-root``),
    ``tsa.pem`` and the keys, ``tsa.cnf`` for ``openssl ts``. Attributes once started: ``url``,
    ``root`` (x509.Certificate), ``root_path``, ``tsa_cert``, ``tsa_path``.

    Raises: LocalTsaUnavailable when ``openssl`` is not on the PATH (at construction).
    """

    def __init__(
        self,
        directory: Path,
        *,
        name: str = "provenote local TSA",
        key_type: KeyType = "ec",
        tsa_eku: Eku = "critical",
        via_cms: bool = False,
        gen_time: dt.datetime | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        digests: str = "sha256, sha384, sha512",
        self_signed: bool = False,
        seed: bytes | None = None,
    ) -> None:
        if seed is not None and (key_type != "ec" or len(seed) < 16):
            raise ValueError("a seed (16+ bytes) derives EC keys only")
        openssl = shutil.which("openssl")
        if openssl is None:
            raise LocalTsaUnavailable("the local TSA needs the openssl command, which is not on the PATH")
        self.openssl = openssl
        self.directory = Path(directory)
        self.name = name
        self.key_type = key_type
        self.tsa_eku = tsa_eku
        self.gen_time = gen_time
        self.via_cms = via_cms or tsa_eku != "critical" or gen_time is not None
        now = dt.datetime.now(dt.UTC)
        self.not_before = not_before or now - dt.timedelta(days=1)
        self.not_after = not_after or now + dt.timedelta(days=3650)
        self.digests = digests
        self.self_signed = self_signed
        self.seed = seed
        self.root_path = self.directory / "root.pem"
        self.tsa_path = self.directory / "tsa.pem"
        self._lock = threading.Lock()  # openssl ts updates its serial file: one reply at a time
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- certificates -------------------------------------------------------------------------

    def _new_key(self, role: bytes) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
        """The ``role``'s key (b"root" or b"tsa"): from the seed when there is one, else random."""
        if self.seed is not None:
            scalar = int.from_bytes(hashlib.sha512(b"provenote local TSA\x00" + role + b"\x00" + self.seed).digest())
            return ec.derive_private_key(scalar % (_P256_ORDER - 1) + 1, ec.SECP256R1())
        if self.key_type == "rsa":
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return ec.generate_private_key(ec.SECP256R1())

    def _write_key(self, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, path: Path) -> None:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)

    def _tsa_certificate(self, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, eku: Eku,
                         root_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> x509.Certificate:
        issuer_key = key if self.self_signed else root_key
        builder = (
            x509.CertificateBuilder()
            .subject_name(self._tsa_subject())
            .issuer_name(self._tsa_subject() if self.self_signed else self.root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                           critical=False)
        )
        if eku != "absent":
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                            critical=eku == "critical")
        return builder.sign(issuer_key, hashes.SHA256())

    def _tsa_subject(self) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provenote test")])

    def _make_pki(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        # the root covers the TSA certificate and any forged genTime, so that only they can be out of range
        root_from = min(now, self.not_before, self.gen_time or now) - dt.timedelta(days=1)
        root_until = max(now + dt.timedelta(days=3650), self.not_after)
        root_key = self._new_key(b"root")
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{self.name} root CA"),
                               x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provenote test")])
        self.root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(root_from)
            .not_valid_after(root_until)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        self.root_path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        self._write_key(root_key, self.directory / "root.key")

        tsa_key = self._new_key(b"tsa")
        self._write_key(tsa_key, self.directory / "tsa.key")
        self.tsa_cert = self._tsa_certificate(tsa_key, self.tsa_eku, root_key)
        self.tsa_path.write_bytes(self.tsa_cert.public_bytes(serialization.Encoding.PEM))
        # openssl ts signs only with a critical timeStamping EKU: in the re-signing path it signs
        # with this helper (same key and subject), and openssl cms signs again with tsa.pem.
        signer = self._tsa_certificate(tsa_key, "critical", root_key) if self.via_cms else self.tsa_cert
        self._signer_path = self.directory / ("ts-signer.pem" if self.via_cms else "tsa.pem")
        self._signer_path.write_bytes(signer.public_bytes(serialization.Encoding.PEM))

        (self.directory / "tsaserial").write_text("01\n", encoding="ascii")
        (self.directory / "tsa.cnf").write_text(
            "[ tsa ]\n"
            "default_tsa = local\n"
            "[ local ]\n"
            f"serial = {self.directory / 'tsaserial'}\n"
            "crypto_device = builtin\n"
            f"signer_cert = {self._signer_path}\n"
            f"signer_key = {self.directory / 'tsa.key'}\n"
            "signer_digest = sha256\n"
            f"default_policy = {POLICY_OID}\n"
            f"digests = {self.digests}\n"
            "accuracy = secs:1\n"
            "clock_precision_digits = 0\n"
            "ordering = no\n"
            "tsa_name = yes\n"
            "ess_cert_id_chain = no\n"
            "ess_cert_id_alg = sha256\n",
            encoding="ascii",
        )

    # --- signing ------------------------------------------------------------------------------

    def _run(self, *args: str) -> None:
        try:
            done = subprocess.run([self.openssl, *args], capture_output=True, timeout=_OPENSSL_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as e:
            raise LocalTsaError(f"openssl {args[0]} took longer than {_OPENSSL_TIMEOUT} s") from e
        if done.returncode != 0:
            error = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise LocalTsaError(f"openssl {args[0]} failed: {error[0] if error else done.returncode}")

    def reply(self, query: bytes) -> bytes:
        """The DER TimeStampResp for the DER TimeStampReq ``query`` (what the HTTP endpoint sends).
        A request openssl can read but will not grant (e.g. an unaccepted digest) gives a
        TimeStampResp with status rejection.

        Raises: LocalTsaError when openssl cannot read the request or fails.
        """
        with self._lock, tempfile.TemporaryDirectory(dir=self.directory) as tmp:
            work = Path(tmp)
            (work / "query.tsq").write_bytes(query)
            self._run("ts", "-reply", "-config", str(self.directory / "tsa.cnf"), "-queryfile",
                      str(work / "query.tsq"), "-out", str(work / "reply.tsr"))
            response = (work / "reply.tsr").read_bytes()
            if not self.via_cms or not _is_granted(response):
                return response  # a rejection stays as openssl made it
            return self._resign(work, response)

    def _resign(self, work: Path, response: bytes) -> bytes:
        self._run("ts", "-reply", "-in", str(work / "reply.tsr"), "-token_out", "-out", str(work / "token.der"))
        self._run("cms", "-verify", "-noverify", "-inform", "DER", "-in", str(work / "token.der"),
                  "-out", str(work / "tstinfo.der"))
        tst_info = (work / "tstinfo.der").read_bytes()
        if self.gen_time is not None:
            stamp = self.gen_time.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ").encode("ascii")
            tst_info, count = re.subn(rb"\x18\x0f\d{14}Z", b"\x18\x0f" + stamp, tst_info, count=1)
            if count != 1:
                raise LocalTsaError("no genTime of the expected form in the TSTInfo")
        (work / "tstinfo.der").write_bytes(tst_info)
        self._run("cms", "-sign", "-binary", "-nodetach", "-nosmimecap", "-md", "sha256",
                  "-econtent_type", _TSTINFO_OID, "-in", str(work / "tstinfo.der"),
                  "-signer", str(self.tsa_path), "-inkey", str(self.directory / "tsa.key"),
                  "-outform", "DER", "-out", str(work / "token.der"))
        return _granted_response((work / "token.der").read_bytes())

    # --- HTTP ---------------------------------------------------------------------------------

    def start(self) -> LocalTsa:
        """Make the PKI and start serving. Returns self."""
        self._make_pki()
        tsa = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
                try:
                    length = int(self.headers.get("Content-Length", ""))
                except ValueError:
                    self._answer(411, b"Content-Length required\n", "text/plain")
                    return
                if content_type != QUERY_TYPE:
                    self._answer(415, f"expected {QUERY_TYPE}\n".encode(), "text/plain")
                    return
                if not 0 < length <= _MAX_QUERY:
                    self._answer(413, b"request too large\n", "text/plain")
                    return
                try:
                    body = tsa.reply(self.rfile.read(length))
                except LocalTsaError as e:
                    self._answer(400, f"{e}\n".encode(), "text/plain")
                    return
                self._answer(200, body, REPLY_TYPE)

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up
                    return

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="local-tsa", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (the directory stays)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalTsa:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
