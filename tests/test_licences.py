"""Licences, payments and usage on the writer's side (spec/licensing.md): drafting, signing and
recording licence documents, payments, usage and its coverage warning, the usage report, the
erasure of a private field (forget), and every bad input as one line and exit 2."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import (
    USAGE_COLUMNS,
    DisclosureRequest,
    DraftBuilder,
    EventDraft,
    KeyStore,
    Ledger,
    LedgerError,
    LicencePrivate,
    Signer,
    draft_licence,
    export_bundle,
    inspect_licence,
    licence_event_draft,
)
from tests.helpers import ROOT, Cli, assert_one_line_error, fixed_signer, write_wav
from verifier import format as fmt
from verifier import verify_bundle
from verifier.format import (
    CTYPE_EVENT,
    FORMAT_VERSION,
    EventPayload,
    LicenceDocument,
    LicenceTerms,
    WorkId,
    disclosure_digest,
    encode_cbor,
    event_hash,
    key_id,
    protected_header,
    sign1,
)

SCOPE = "one sync use in episode 3, thirty seconds at most"
ALICE = fixed_signer(1, "alice", "composer")
LEE = fixed_signer(4, "lee", "licensor")
MALLORY = fixed_signer(5, "mallory", "creator")
LEGAL = fixed_signer(3, "legal", "exporter")
TAG = b"\xd8\x62"  # COSE_Sign


# -- helpers ----------------------------------------------------------------------------------


def draft_args(out: str = "offer.cbor", licensors: tuple[str, ...] = ("lee",),
               licensees: tuple[str, ...] = ("alice",), **options: str) -> list[str]:
    args = ["licence", "draft"]
    for key in licensors:
        args += ["--licensor", key]
    for key in licensees:
        args += ["--licensee", key]
    values = {"direction": "in", "subject": "temple bell sample", "scope": SCOPE, "territory": "CN,FR",
              "media": "sync,streaming", "start": "2026-01-01", "end": "2027-12-31", "fee": "1200.00",
              "currency": "EUR"}
    values.update(options)
    for name, value in values.items():
        args += [f"--{name.replace('_', '-')}", value]
    return [*args, "-o", out]


def ok(result: Any) -> Any:
    assert result.code == 0, result.err
    return result


def signed_offer(cli: Cli, name: str = "offer.cbor", signers: tuple[str, ...] = ("lee", "alice")) -> Path:
    ok(cli(*draft_args(name)))
    for key in signers:
        ok(cli("licence", "sign", name, "--as", key))
    return cli.home / name


def record_licence(cli: Cli, work: str, document: str = "offer.cbor", *extra: str) -> str:
    result = ok(cli("record", "licence", work, "--as", "alice", "--document", document, "--json", *extra))
    return str(json.loads(result.out)["event"])


def chain(cli: Cli, work: str) -> list[dict[str, Any]]:
    return list(json.loads(ok(cli("log", work, "--json")).out))


def unlock(cli: Cli, name: str) -> Signer:
    return KeyStore(cli.home / "keys").unlock(name, cli.passphrase)


def cose_parts(data: bytes) -> list[Any]:
    return list(fmt.decode_cbor(data[len(TAG):], what="test"))


def cose_bytes(parts: list[Any]) -> bytes:
    return TAG + encode_cbor(parts)


def signature_item(signer: Signer, payload: bytes) -> list[Any]:
    """A COSE_Signature by any key over ``payload`` (what a forger or a non-party can make)."""
    protected = encode_cbor({1: -19, 4: bytes(key_id(signer.info.public_key))})
    body_protected = encode_cbor({3: fmt.CTYPE_LICENCE})
    message = encode_cbor(["Signature", body_protected, protected, b"", payload])
    return [protected, {}, signer.sign(message)]


def tamper(data: bytes, how: str, outsider: Signer) -> bytes:
    """A fully signed document made bad in one way after signing."""
    parts = cose_parts(data)
    signatures = parts[3]
    if how == "forged":  # one party's signature replaced by bytes that do not verify
        signatures[0] = [signatures[0][0], {}, bytes(b ^ 0x5A for b in signatures[0][2])]
    elif how == "non-party":  # a signature by a key that is neither licensor nor licensee
        signatures.append(signature_item(outsider, parts[2]))
        signatures.sort(key=lambda item: fmt.decode_cbor(item[0], what="test")[4])
    elif how == "swapped":  # the licensee replaced after both had signed
        terms = LicenceTerms.from_cbor(fmt.decode_cbor(parts[2], what="test"))
        swapped = LicenceTerms(terms.licensors, (outsider.info.public_key,), terms.direction, terms.subject,
                               terms.territory, terms.media, terms.start, terms.end, dict(terms.commitments))
        parts[2] = encode_cbor(swapped.to_cbor())
    elif how == "missing":  # one party's signature taken out
        del signatures[0]
    else:
        raise AssertionError(how)
    return cose_bytes(parts)


# -- draft, sign, show, record ----------------------------------------------------------------


def test_draft_sign_by_both_then_record(cli: Cli, work: str) -> None:
    audio = write_wav(cli.home / "bell.wav", 1.0)
    contract = cli.home / "contract.pdf"
    contract.write_bytes(b"%PDF-1.4 the contract\n")
    drafted = ok(cli(*draft_args(subject_asset=str(audio), revenue_share="2.5", derivatives="approval"),
                     "--attribution", "--json"))
    out = json.loads(drafted.out)
    document, secret = cli.home / "offer.cbor", cli.home / "offer.cbor.private.json"
    assert out["private"].endswith("offer.cbor.private.json") and secret.stat().st_mode & 0o777 == 0o600
    private = json.loads(secret.read_text())
    assert private["fee"]["value"] == "1200.00 EUR" and private["scope"]["value"] == SCOPE
    assert len(bytes.fromhex(private["fee"]["salt"])) == 16 != private["scope"]["salt"]
    assert SCOPE.encode() not in document.read_bytes() and b"1200.00" not in document.read_bytes()
    assert not list(cli.home.glob(".*.tmp"))  # temp + rename leaves nothing behind

    shown = json.loads(cli("licence", "show", "offer.cbor", "--json").out)
    assert [p["signature"] for p in shown["parties"]] == ["unsigned", "unsigned"]
    assert [p["name"] for p in shown["parties"]] == ["lee", "alice"] and not shown["complete"]
    assert shown["fee"] == "1200.00 EUR" and shown["terms"]["revenue_share"] == "2.5"

    first = ok(cli("licence", "sign", "offer.cbor", "--as", "lee"))
    assert "still to sign: alice" in first.out
    ok(cli("licence", "sign", "offer.cbor", "--as", "alice", "-o", "signed.cbor"))
    assert len(inspect_licence(document.read_bytes()).signed) == 1  # -o left the input as it was
    shown = json.loads(ok(cli("licence", "show", "signed.cbor", "--private", "offer.cbor.private.json",
                              "--json")).out)
    assert shown["complete"] and [p["signature"] for p in shown["parties"]] == ["signed", "signed"]
    text = ok(cli("licence", "show", "signed.cbor")).out
    assert "every party has signed" in text and "withheld" in text  # no private file beside signed.cbor

    event = record_licence(cli, work, "signed.cbor", "--private", "offer.cbor.private.json", "--attach",
                           "contract.pdf")
    row = chain(cli, work)[-1]
    assert row["type"] == "licence" and row["private_fields"] == ["fee", "scope"]
    assert row["body"]["attachments"][0]["name"] == "contract.pdf"
    stored = cli.home / "ledger" / "attachments" / row["body"]["attachments"][0]["sha256"][:2]
    assert (stored / row["body"]["attachments"][0]["sha256"]).read_bytes() == contract.read_bytes()
    with Ledger.open(cli.home / "ledger", readonly=True) as book:
        payload = next(s for s in book.chain(WorkId(bytes.fromhex(work))) if s.event.hash.hex() == event).event.payload
        document_terms = LicenceDocument.parse(payload.body["document"]).terms
        assert dict(payload.commitments) == dict(document_terms.commitments)  # the same salts: V5.2
        assert book.private_fields(fmt.EventHash(bytes.fromhex(event)))["fee"][1] == "1200.00 EUR"

    receipt = cli.home / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 paid\n")
    paid = ok(cli("record", "payment", work, "--as", "alice", "--licence", event[:12], "--amount", "1200.00",
                  "--currency", "EUR", "--paid-on", "2026-02-01", "--reference", "INV-114", "--attach",
                  "receipt.pdf", "--json"))
    assert set(json.loads(paid.out)) == {"event", "seq"}
    used = ok(cli("record", "usage", work, "--as", "alice", "--licence", event[:12], "--production", "Night Market",
                  "--episode", "3", "--platform", "ExampleTV", "--territory", "CN", "--media", "sync",
                  "--date", "2026-03-01", "--asset", "bell.wav", "--json"))
    assert used.err == ""  # covered: no warning
    write_wav(cli.home / "gen.wav", 1.0, seed=3)
    ok(cli("record", "generation", work, "--as", "alice", "--model", "cue-gen", "--prompt", "bells",
           "--output", "gen.wav", "--licence", event[:12]))
    rows = chain(cli, work)
    assert [r["type"] for r in rows[-3:]] == ["payment", "usage", "generation"]
    assert rows[-3]["private_fields"] == ["reference"] and rows[-1]["body"]["licence"] == event
    assert rows[-2]["body"]["episode"] == 3 and rows[-2]["body"]["licence"] == event
    ok(cli("check"))

    ok(cli("export", work, "-o", "w.bundle", "--as", "alice", "--disclose-all"))
    report = verify_bundle(cli.home / "w.bundle")
    assert report.valid, [(e.code, e.message) for e in report.errors]
    assert report.disclosed == {"fee": 1, "scope": 1, "reference": 1, "prompt": 1}


def test_parties_by_key_name_public_key_file_or_hex(cli: Cli) -> None:
    (cli.home / "lee.pem").write_text(ok(cli("key", "export", "lee")).out)
    (cli.home / "bob.json").write_text(ok(cli("key", "export", "bob", "--json")).out)
    alice = json.loads(ok(cli("key", "export", "alice", "--json")).out)["public_key"]
    outsider = fixed_signer(9).info.public_key.hex()
    ok(cli(*draft_args(licensors=("lee.pem", "bob.json"), licensees=(alice.upper(), outsider))))
    shown = json.loads(ok(cli("licence", "show", "offer.cbor", "--json")).out)
    assert [(p["role"], p["name"]) for p in shown["parties"]] == [
        ("licensor", "lee"), ("licensor", "bob"), ("licensee", "alice"), ("licensee", None)]
    assert shown["parties"][3]["public_key"] == outsider
    assert "(not in the key store)" in ok(cli("licence", "show", "offer.cbor")).out


def test_json_events_record_licences_and_payments(cli: Cli, work: str) -> None:
    signed_offer(cli)
    (cli.home / "receipt.txt").write_text("paid in full\n")
    lines = [{"type": "licence", "body": {"document": "offer.cbor", "fee": "1200.00 EUR"}}]
    (cli.home / "one.json").write_text(json.dumps(lines[0]))
    event = json.loads(ok(cli("record", "event", work, "--as", "alice", "--file", "one.json", "--json")).out)["event"]
    payment = {"type": "payment", "body": {"licence": event[:10], "amount": "600", "currency": "EUR",
                                           "paid_on": "2026-02-01", "attachments": ["receipt.txt"]}}
    usage = {"type": "usage", "body": {"production": "Night Market", "platform": "X", "territory": "JP",
                                       "media": "sync", "date": "2026-03-01", "licence": event}}
    (cli.home / "more.jsonl").write_text(json.dumps(payment) + "\n" + json.dumps(usage) + "\n")
    ok(cli("record", "batch", work, "--as", "alice", "--file", "more.jsonl"))
    rows = chain(cli, work)
    assert [r["type"] for r in rows] == ["work.created", "licence", "payment", "usage"]
    digest = rows[2]["body"]["attachments"][0]["sha256"]
    assert (cli.home / "ledger" / "attachments" / digest[:2] / digest).read_text() == "paid in full\n"
    wrong = {"type": "licence", "body": {"document": "offer.cbor", "scope": "something else"}}
    (cli.home / "wrong.json").write_text(json.dumps(wrong))
    assert_one_line_error(cli("record", "event", work, "--as", "alice", "--file", "wrong.json"))


@pytest.mark.parametrize("how", ["forged", "missing", "non-party", "swapped"])
def test_a_bad_licence_is_refused_at_record_time(cli: Cli, work: str, how: str) -> None:
    document = signed_offer(cli)
    bad = tamper(document.read_bytes(), how, unlock(cli, "bob"))
    (cli.home / "bad.cbor").write_bytes(bad)
    (cli.home / "bad.cbor.private.json").write_bytes((cli.home / "offer.cbor.private.json").read_bytes())
    before = chain(cli, work)
    result = cli("record", "licence", work, "--as", "alice", "--document", "bad.cbor")
    assert_one_line_error(result)
    expected = "lacks the signature of licens" if how == "missing" else "licence.signature_invalid"
    assert expected in result.err
    assert chain(cli, work) == before
    shown = cli("licence", "show", "bad.cbor", "--json")
    assert shown.code == (0 if how == "missing" else 1), shown.err
    assert json.loads(shown.out)["complete"] is False


def test_record_refuses_a_private_file_that_does_not_match(cli: Cli, work: str) -> None:
    signed_offer(cli)
    ok(cli(*draft_args("other.cbor")))  # the same terms, other salts
    result = cli("record", "licence", work, "--as", "alice", "--document", "offer.cbor", "--private",
                 "other.cbor.private.json")
    assert_one_line_error(result)
    assert "does not match the document" in result.err and "fee and scope" in result.err
    secret = json.loads((cli.home / "offer.cbor.private.json").read_text())
    secret["scope"]["value"] = "two sync uses"
    (cli.home / "edited.json").write_text(json.dumps(secret))
    result = cli("record", "licence", work, "--as", "alice", "--document", "offer.cbor", "--private", "edited.json")
    assert_one_line_error(result)
    assert "its scope is not what the document commits to" in result.err
    assert len(chain(cli, work)) == 1


def test_the_python_api_cannot_bypass_the_licence_check(tmp_path: Path) -> None:
    """The check runs on the append path: a draft built by hand is refused like the CLI's."""
    book = Ledger.init(tmp_path / "ledger")
    work = book.create_work(ALICE, "Night Market").work
    document, private = draft_licence(licensors=[LEE.info.public_key], licensees=[ALICE.info.public_key],
                                      direction="in", subject="bell", scope=SCOPE, territory=["CN"], media=["sync"],
                                      start="2026-01-01", end="2027-12-31", amount="10", currency="EUR")
    half = document.sign(LEE.info.public_key, LEE.sign)
    whole = half.sign(ALICE.info.public_key, ALICE.sign)
    unsigned = EventDraft("licence", {"document": half.encode()}, private.values, None, private.salts)
    with pytest.raises(LedgerError, match="lacks the signature of licensee"):
        book.append(work, ALICE, unsigned)
    fresh_salts = EventDraft("licence", {"document": whole.encode()}, private.values)
    with pytest.raises(LedgerError, match=r"licence\.signature_invalid: the event's fee and scope commitments"):
        book.append(work, ALICE, fresh_salts)
    forged = EventDraft("licence", {"document": tamper(whole.encode(), "forged", MALLORY)}, private.values, None,
                        private.salts)
    with pytest.raises(LedgerError, match=r"licence\.signature_invalid"):
        book.append(work, ALICE, forged)
    with pytest.raises(LedgerError, match="16 bytes"):
        EventDraft("licence", {"document": whole.encode()}, private.values, None, {"fee": b"short"})
    with pytest.raises(LedgerError, match="not a private field of this draft"):
        EventDraft("note", {}, {"text": "x"}, None, {"prompt": bytes(16)})
    assert book.head(work).seq == 0
    appended = book.append(work, ALICE, licence_event_draft(whole.encode(), private))
    assert appended.seq == 1
    book.close()


# -- forced into a bundle, bypassing the writer -----------------------------------------------


def _items(data: bytes) -> list[bytes]:
    reader = fmt.ItemReader(io.BytesIO(data), len(data))
    return [item.raw_head + item.content for item in reader]


def forced_bundle(tmp: Path, document: bytes, private: LicencePrivate) -> Path:
    """A bundle whose last event is a licence built and signed directly with the format core
    (EventPayload + sign1), never through the writer, sealed with a correct trailer."""
    book = Ledger.init(tmp / "ledger")
    work = book.create_work(ALICE, "Night Market").work
    book.append(work, ALICE, EventDraft("note", {}, {"text": "before the licence"}))
    head = book.head(work)
    valid = tmp / "valid.bundle"
    export_bundle(book, work, LEGAL, valid)
    book.close()
    commitments = {name: disclosure_digest(private.salts[name], name, value) for name, value in private.values.items()}
    payload = EventPayload(FORMAT_VERSION, "licence", work, head.seq + 1, head.hash, head.time + 1, None,
                           ALICE.info.public_key, {"document": document}, commitments)
    envelope = sign1(protected_header(CTYPE_EVENT, ALICE.info.public_key, work.hex()), payload.encode(), ALICE.sign)
    items = _items(valid.read_bytes())
    header, body = items[0], [*items[1:-1], fmt.frame(["event", envelope, []])]
    digest = fmt.BUNDLE_DIGEST_PREFIX + header + b"".join(body)
    keys = sum(1 for item in body if fmt.decode_cbor(fmt.decode_cbor(item, what="t"), what="t")[0] == "key")
    claims = fmt.TrailerClaims(work, fmt.header_hash(header), head.seq + 2, event_hash(envelope), keys, 0,
                               hashlib.sha256(digest).digest())
    out = tmp / "forced.bundle"
    out.write_bytes(header + b"".join(body) + fmt.frame(["trailer", claims.sign(LEGAL.info.public_key, LEGAL.sign)]))
    return out


@pytest.mark.parametrize("how", ["forged", "non-party", "swapped", "missing", "none"])
def test_a_bad_licence_forced_into_a_bundle_makes_it_invalid(tmp_path: Path, how: str) -> None:
    document, private = draft_licence(licensors=[LEE.info.public_key], licensees=[ALICE.info.public_key],
                                      direction="in", subject="bell", scope=SCOPE, territory=["CN"], media=["sync"],
                                      start="2026-01-01", end="2027-12-31", amount="10", currency="EUR")
    whole = document.sign(LEE.info.public_key, LEE.sign).sign(ALICE.info.public_key, ALICE.sign).encode()
    data = whole if how == "none" else tamper(whole, how, MALLORY)
    report = verify_bundle(forced_bundle(tmp_path, data, private))
    codes = {f.code for f in report.errors}
    if how in ("none", "missing"):  # an unsigned party is a finding (V13), not an error
        assert report.valid, codes
        warnings = {f.code for f in report.warnings}
        assert ("licence.unsigned_party" in warnings) == (how == "missing")
    else:
        assert not report.valid and report.exit_code == 1
        assert "licence.signature_invalid" in codes


# -- usage and its warning --------------------------------------------------------------------


def test_usage_is_recorded_even_when_not_covered_with_a_warning(cli: Cli, work: str) -> None:
    signed_offer(cli)
    event = record_licence(cli, work)
    common = ["--production", "Night Market", "--platform", "ExampleTV"]
    cases = [
        ([], ["usage.unlicensed"]),
        (["--licence", event[:12], "--territory", "KR"], ["usage.outside_territory"]),
        (["--licence", event[:12], "--media", "broadcast"], ["usage.outside_media"]),
        (["--licence", event[:12], "--date", "2028-01-01"], ["usage.outside_term"]),
        (["--licence", event[:12], "--territory", "US", "--media", "games", "--date", "2025-12-31"],
         ["usage.outside_territory", "usage.outside_media", "usage.outside_term"]),
        (["--licence", event[:12], "--territory", "fr"], []),
    ]
    for extra, codes in cases:
        options = {"--territory": "CN", "--media": "sync", "--date": "2026-06-01"}
        for name, value in zip(extra[2::2], extra[3::2], strict=True):
            options[name] = value
        args = [*extra[:2], *common, *[x for pair in options.items() for x in pair]]
        result = cli("record", "usage", work, "--as", "alice", *args)
        assert result.code == 0, result.err
        assert result.out.startswith("recorded usage #")
        if codes:
            lines = result.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("provenote: warning: ")
            assert all(code in lines[0] for code in codes), lines[0]
        else:
            assert result.err == ""
    assert [r["type"] for r in chain(cli, work)].count("usage") == len(cases)
    assert chain(cli, work)[-1]["body"]["territory"] == "FR"


# -- forget -----------------------------------------------------------------------------------


def test_forget_erases_the_plaintext_from_the_file(cli: Cli, work: str) -> None:
    signed_offer(cli)
    event = record_licence(cli, work)
    prompt = "a prompt that stays private: lanterns over wet stone"
    write_wav(cli.home / "gen.wav", 0.5)
    gen = json.loads(ok(cli("record", "generation", work, "--as", "alice", "--model", "m", "--prompt", prompt,
                            "--output", "gen.wav", "--json")).out)["event"]
    data = cli.home / "ledger" / "data.mdb"
    salt = bytes.fromhex(json.loads((cli.home / "offer.cbor.private.json").read_text())["scope"]["salt"])
    assert SCOPE.encode() in data.read_bytes() and salt in data.read_bytes()

    result = ok(cli("forget", event[:12], "scope", "--as", "bob", "--json"))
    note = json.loads(result.out)["note"]["event"]
    raw = data.read_bytes()
    assert SCOPE.encode() not in raw and salt not in raw  # gone from the file's bytes, free pages too
    assert b"1200.00 EUR" in raw and prompt.encode() in raw  # the rest is kept
    rows = chain(cli, work)
    assert rows[-1]["hash"] == note and rows[-1]["type"] == "note" and rows[-1]["private_fields"] == ["text"]
    with Ledger.open(cli.home / "ledger", readonly=True) as book:
        text = book.private_fields(fmt.EventHash(bytes.fromhex(note)))["text"][1]
        assert event in text and "scope" in text and SCOPE not in text
        assert set(book.private_fields(fmt.EventHash(bytes.fromhex(event)))) == {"fee"}
    ok(cli("check"))

    (cli.home / "alice.pem").write_text(ok(cli("key", "export", "alice")).out)
    (cli.home / "bob.pem").write_text(ok(cli("key", "export", "bob")).out)
    ok(cli("export", work, "-o", "all.bundle", "--as", "alice", "--disclose-all"))
    report = verify_bundle(cli.home / "all.bundle")
    assert report.valid and report.disclosed.get("scope") is None and report.withheld.get("scope") == 1
    ok(cli("verify", "all.bundle", "--trust", "alice.pem", "--trust", "bob.pem", "--require-trusted"))
    assert SCOPE.encode() not in (cli.home / "all.bundle").read_bytes()
    refused = cli("export", work, "-o", "one.bundle", "--as", "alice", "--disclose", f"{event[:12]}:scope")
    assert_one_line_error(refused)
    assert "forgotten" in refused.err and SCOPE not in refused.err
    assert not (cli.home / "one.bundle").exists()
    ok(cli("export", work, "-o", "fee.bundle", "--as", "alice", "--disclose", f"{event[:12]}:fee"))

    again = ok(cli("forget", event[:12], "scope", "--as", "bob"))
    assert "forgotten already" in again.out and len(chain(cli, work)) == len(rows)
    ok(cli("forget", gen[:12], "prompt", "--as", "alice"))
    assert prompt.encode() not in data.read_bytes()
    ok(cli("check"))
    assert verify_bundle(_export(cli, work)).valid


def _export(cli: Cli, work: str) -> Path:
    ok(cli("export", work, "-o", "last.bundle", "--as", "alice", "--disclose-all"))
    return cli.home / "last.bundle"


def test_forget_waits_for_no_one_and_changes_nothing_when_the_ledger_is_busy(cli: Cli, work: str) -> None:
    ok(cli("record", "note", work, "--as", "alice", "--text", "a private note"))
    note = chain(cli, work)[-1]["hash"]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from ledger import Ledger\n"
         f"book = Ledger.open(Path({str(cli.home / 'ledger')!r}), readonly=True)\nprint('open', flush=True)\n"
         "sys.stdin.readline()"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        busy = cli("forget", note[:12], "text", "--as", "alice")
        assert time.monotonic() - started < 30
        assert_one_line_error(busy)
        assert "open in another process" in busy.err
    finally:
        holder.communicate("\n", timeout=30)
    assert b"a private note" in (cli.home / "ledger" / "data.mdb").read_bytes()
    assert len(chain(cli, work)) == 2
    ok(cli("forget", note[:12], "text", "--as", "alice"))
    assert b"a private note" not in (cli.home / "ledger" / "data.mdb").read_bytes()


def test_forget_through_the_python_api(tmp_path: Path) -> None:
    book = Ledger.init(tmp_path / "ledger")
    work = book.create_work(ALICE, "Night Market").work
    secret = "remember the ferry at dawn " * 200  # long: an overflow page of its own
    noted = book.append(work, ALICE, EventDraft("note", {}, {"text": secret}))
    with pytest.raises(LedgerError, match="already open in this process"):  # one handle a process
        Ledger.open(tmp_path / "ledger", readonly=True)
    with pytest.raises(LedgerError, match="no private field 'prompt'"):
        book.forget(noted.hash, "prompt", ALICE)
    with pytest.raises(LedgerError, match="unknown event"):
        book.forget(fmt.EventHash(bytes(32)), "text", ALICE)
    recorded = book.forget(noted.hash, "text", ALICE)
    assert recorded is not None and recorded.seq == 2
    assert book.forget(noted.hash, "text", ALICE) is None
    probe = ("import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\ntry:\n"
             "    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)\n    print('free')\n"
             "except OSError:\n    print('held')")
    held = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "ledger" / "lock.mdb")], capture_output=True,
                          text=True, timeout=60)
    assert held.stdout.strip() == "held"  # still open here, as LMDB's own shared lock says to others
    book.append(work, ALICE, EventDraft("note", {}, {"text": "after the erasure"}))  # the reopened store works
    assert book.check() == (1, 4)
    book.close()
    assert secret[:40].encode() not in (tmp_path / "ledger" / "data.mdb").read_bytes()


# -- the usage report -------------------------------------------------------------------------


def test_usage_report_csv_and_json(cli: Cli, work: str) -> None:
    other = json.loads(ok(cli("work", "new", "--title", "夜市 Night Market II", "--as", "bob", "--isrc",
                              "CNA0X2600002", "--json")).out)["work"]
    signed_offer(cli)
    event = record_licence(cli, work)
    base = ["--platform", "ExampleTV", "--media", "sync"]
    ok(cli("record", "usage", work, "--as", "alice", "--licence", event, "--production", "Night Market", "--episode",
           "3", "--territory", "CN", "--date", "2026-03-01", *base))
    ok(cli("record", "usage", work, "--as", "bob", "--licence", event, "--production", "=HYPERLINK(\"x\")",
           "--territory", "KR", "--date", "2026-04-01", *base))
    ok(cli("record", "usage", other, "--as", "bob", "--production", "短剧, \"quoted\"", "--territory", "JP",
           "--date", "2027-01-01", *base))
    ok(cli("usage-report", "--format", "csv", "-o", "usage.csv"))
    raw = (cli.home / "usage.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == list(USAGE_COLUMNS) and len(rows) == 3
    first, second, third = rows
    assert (first["title"], first["covered"], first["reason"], first["episode"], first["signer"]) == \
        ("Night Market", "yes", "", "3", "alice")
    assert first["licence"] == event and first["work"] == work and len(first["usage"]) == 64
    assert second["covered"] == "no" and second["reason"] == "usage.outside_territory" and second["signer"] == "bob"
    assert second["production"] == "'=HYPERLINK(\"x\")"  # never a formula in a spreadsheet
    assert third["title"] == "夜市 Night Market II" and third["isrc"] == "CNA0X2600002"
    assert third["production"] == "短剧, \"quoted\"" and third["reason"] == "usage.unlicensed" and third["licence"] == ""

    ok(cli("usage-report", "--format", "json", "-o", "usage.json", "--work", work[:12], "--from", "2026-03-02"))
    only = json.loads((cli.home / "usage.json").read_text(encoding="utf-8"))
    assert len(only) == 1 and only[0]["covered"] is False and only[0]["reason"] == ["usage.outside_territory"]
    assert only[0]["episode"] is None and list(only[0]) == list(USAGE_COLUMNS)
    ok(cli("usage-report", "--format", "json", "-o", "none.json", "--to", "2026-02-28"))
    assert json.loads((cli.home / "none.json").read_text()) == []


# -- every bad input: one line, exit 2 --------------------------------------------------------


def test_every_bad_input_is_one_line_and_exit_2(cli: Cli, work: str) -> None:
    signed_offer(cli)
    event = record_licence(cli, work)
    ok(cli(*draft_args("half.cbor")))
    ok(cli("licence", "sign", "half.cbor", "--as", "lee"))
    (cli.home / "garbage.cbor").write_bytes(b"\xd8\x62not a licence")
    (cli.home / "folder").mkdir()
    genesis = chain(cli, work)[0]["hash"]
    usage = ["--production", "P", "--platform", "X", "--territory", "CN", "--media", "sync", "--date", "2026-03-01"]
    payment = ["--amount", "10", "--currency", "EUR", "--paid-on", "2026-02-01"]
    bad: dict[str, list[str]] = {
        "unknown licensor": draft_args(licensors=("nobody",)),
        "licensor file not a key": draft_args(licensors=("garbage.cbor",)),
        "territory": draft_args(territory="C1"),
        "media": draft_args(media="sync,radio"),
        "term backwards": draft_args(start="2027-01-01", end="2026-01-01"),
        "date not a date": draft_args(end="2027-02-30"),
        "fee": draft_args(fee="12,00"),
        "currency": draft_args(currency="eur"),
        "revenue share": draft_args(revenue_share="150"),
        "one key both sides": draft_args(licensees=("lee",)),
        "subject asset missing": draft_args(subject_asset="missing.wav"),
        "output a folder": draft_args("folder"),
        "output in no folder": draft_args("no/such/offer.cbor"),
        "direction": draft_args(direction="sideways"),
        "draft over a private file": draft_args("offer.cbor"),
        "sign non-party": ["licence", "sign", "half.cbor", "--as", "bob"],
        "sign twice": ["licence", "sign", "half.cbor", "--as", "lee"],
        "sign garbage": ["licence", "sign", "garbage.cbor", "--as", "lee"],
        "sign missing file": ["licence", "sign", "missing.cbor", "--as", "lee"],
        "show garbage": ["licence", "show", "garbage.cbor"],
        "show wrong private": ["licence", "show", "offer.cbor", "--private", "half.cbor.private.json"],
        "record unsigned": ["record", "licence", work, "--as", "alice", "--document", "half.cbor"],
        "record garbage": ["record", "licence", work, "--as", "alice", "--document", "garbage.cbor"],
        "record no private": ["record", "licence", work, "--as", "alice", "--document", "garbage.cbor",
                              "--private", "missing.json"],
        "record attach missing": ["record", "licence", work, "--as", "alice", "--document", "offer.cbor",
                                  "--attach", "missing.pdf"],
        "payment amount": ["record", "payment", work, "--as", "alice", "--licence", event, *payment[2:],
                           "--amount", "-5"],
        "payment currency": ["record", "payment", work, "--as", "alice", "--licence", event, "--amount", "1",
                             "--currency", "euro", "--paid-on", "2026-02-01"],
        "payment date": ["record", "payment", work, "--as", "alice", "--licence", event, *payment[:4],
                         "--paid-on", "2026-13-01"],
        "payment of no licence": ["record", "payment", work, "--as", "alice", "--licence", genesis, *payment],
        "payment unknown event": ["record", "payment", work, "--as", "alice", "--licence", "deadbeefdead", *payment],
        "usage territory": ["record", "usage", work, "--as", "alice", *usage[:4], "--territory", "CHN", *usage[6:]],
        "usage media": ["record", "usage", work, "--as", "alice", *usage[:6], "--media", "radio", *usage[8:]],
        "usage date": ["record", "usage", work, "--as", "alice", *usage[:8], "--date", "1 March"],
        "usage names a non-licence": ["record", "usage", work, "--as", "alice", "--licence", genesis, *usage],
        "usage episode": ["record", "usage", work, "--as", "alice", "--episode", "-1", *usage],
        "generation licence": ["record", "generation", work, "--as", "alice", "--model", "m", "--prompt", "p",
                               "--output", "offer.cbor", "--licence", genesis],
        "forget unknown field": ["forget", event, "title", "--as", "alice"],
        "forget field of another type": ["forget", event, "prompt", "--as", "alice"],
        "forget unknown event": ["forget", "deadbeefdead", "fee", "--as", "alice"],
        "report date": ["usage-report", "--format", "csv", "-o", "r.csv", "--from", "2026-1-1"],
        "report work": ["usage-report", "--format", "csv", "-o", "r.csv", "--work", "deadbeefdead"],
        "report format": ["usage-report", "--format", "xlsx", "-o", "r.csv"],
        "report output": ["usage-report", "--format", "csv", "-o", "folder"],
    }
    before = chain(cli, work)
    alone = {name for name in bad if name.startswith("forget")}  # forget needs the ledger to itself
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(zip(sorted(set(bad) - alone), pool.map(lambda n: cli(*bad[n]), sorted(set(bad) - alone)),
                           strict=True))
    results.update({name: cli(*bad[name]) for name in sorted(alone)})
    for name, result in results.items():
        try:
            assert_one_line_error(result)
        except AssertionError as e:
            raise AssertionError(f"{name}: {result.code} {result.err!r}") from e
    assert "no private field 'prompt'" in results["forget field of another type"].err
    assert "lacks the signature of licensee alice" in results["record unsigned"].err
    assert "is not a party" in results["sign non-party"].err and "already" in results["sign twice"].err
    assert chain(cli, work) == before  # nothing recorded
    assert not list(cli.home.glob(".*.tmp")) and not (cli.home / "r.csv").exists()


# -- the property: nothing private leaks, every disclosure verifies ----------------------------

_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
_FEE = st.tuples(st.integers(0, 10**12), st.integers(0, 99), st.sampled_from(["EUR", "CNY", "USD", "JPY"]))
_FIELDS = ("prompt", "fee", "scope", "text", "reference")


def _build(folder: Path, prompt: str, fee: tuple[int, int, str], scope: str, note: str, reference: str) -> tuple[
        Ledger, WorkId, dict[str, str]]:
    book = Ledger.init(folder / "ledger")
    work = book.create_work(ALICE, "Night Market").work
    take = write_wav(folder / "take.wav", 0.1)
    builder = DraftBuilder(book)
    amount, currency = f"{fee[0]}.{fee[1]:02d}", fee[2]
    document, private = draft_licence(licensors=[LEE.info.public_key], licensees=[ALICE.info.public_key],
                                      direction="in", subject="bell", scope=scope, territory=["WORLD"],
                                      media=["sync"], start="2026-01-01", end="2027-12-31", amount=amount,
                                      currency=currency)
    signed = document.sign(LEE.info.public_key, LEE.sign).sign(ALICE.info.public_key, ALICE.sign).encode()
    licence = book.append(work, ALICE, licence_event_draft(signed, private))
    book.append_batch(work, ALICE, [
        builder.draft("generation", {"model": "m", "outputs": [builder.asset(take)]}, {"prompt": prompt}, None),
        EventDraft("note", {}, {"text": note}),
        builder.draft("payment", {"licence": bytes(licence.hash), "amount": amount, "currency": currency,
                                  "paid_on": "2026-02-01"}, {"reference": reference}, None),
    ])
    return book, work, {"prompt": prompt, "fee": f"{amount} {currency}", "scope": scope, "text": note,
                        "reference": reference}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prompt=_TEXT, fee=_FEE, scope=_TEXT, note=_TEXT, reference=_TEXT, altered=st.sampled_from(_FIELDS))
def test_no_private_plaintext_leaks_and_every_disclosure_verifies(
        prompt: str, fee: tuple[int, int, str], scope: str, note: str, reference: str, altered: str) -> None:
    marked = {name: f"\u2042{name}\u2042{value}" for name, value in  # a mark no public field holds
              (("prompt", prompt), ("scope", scope), ("text", note), ("reference", reference))}
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        book, work, plain = _build(folder, marked["prompt"], fee, marked["scope"], marked["text"],
                                   marked["reference"])
        with book.snapshot() as view:
            salts = [salt for stored in view.chain(work) for salt, _ in view.private_fields(stored.event.hash).values()]
        withheld = folder / "withheld.bundle"
        export_bundle(book, work, LEGAL, withheld)
        data = withheld.read_bytes()
        for name, value in plain.items():
            assert value.encode("utf-8") not in data, name
        assert not any(salt in data for salt in salts)
        report = verify_bundle(withheld)
        assert report.valid and report.withheld == {name: 1 for name in _FIELDS}

        disclosed = folder / "disclosed.bundle"
        export_bundle(book, work, LEGAL, disclosed, disclose=DisclosureRequest(all=True))
        book.close()
        report = verify_bundle(disclosed)
        assert report.valid, [(e.code, e.message) for e in report.errors]
        assert report.disclosed == {name: 1 for name in _FIELDS}
        items = _items(disclosed.read_bytes())
        for index, raw in enumerate(items):
            record = fmt.decode_cbor(fmt.decode_cbor(raw, what="t"), what="t")
            if record[0] != "event":
                continue
            for position, (salt, name, value) in enumerate(record[2]):
                assert value == plain[name]  # every value disclosed is the plaintext recorded
                if name == altered:
                    record[2][position] = [salt, name, value + "!"]
                    items[index] = fmt.frame(["event", record[1], record[2]])
        tampered = folder / "tampered.bundle"
        tampered.write_bytes(b"".join(items))
        report = verify_bundle(tampered)
        assert not report.valid and "disclosure.mismatch" in {f.code for f in report.errors}
