"""``provenote licence`` (draft, sign, show a licence document) and ``provenote usage-report``
(spec/licensing.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.context import Context, emit_json, fail, json_option, pass_ctx
from cli.words import plural
from ledger import (
    LedgerError,
    LicencePrivate,
    LicenceStatus,
    check_signable,
    draft_licence,
    encode_usage_report,
    inspect_licence,
    party_names,
    private_path,
    read_document,
    resolve_party,
    sign_licence,
    usage_report,
    write_atomic,
)
from verifier.format import AI_TRAINING, DERIVATIVES, DIRECTIONS, key_id
from verifier.render import inert


@click.group()
def licence() -> None:
    """Draft, sign and show licence documents (signed by every party before they are recorded)."""


def _list(values: tuple[str, ...], *, upper: bool = False) -> list[str]:
    """Options given as A,B or repeated, in order, blanks dropped."""
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    return [item.upper() for item in items] if upper else items


@licence.command("draft")
@click.option("--licensor", "licensors", multiple=True, required=True, metavar="KEY",
              help="A key name, a public key file (PEM) or 64 hex characters (repeatable).")
@click.option("--licensee", "licensees", multiple=True, required=True, metavar="KEY",
              help="A key name, a public key file (PEM) or 64 hex characters (repeatable).")
@click.option("--direction", required=True, type=click.Choice(DIRECTIONS),
              help="in: the studio takes the licence; out: it grants it.")
@click.option("--subject", required=True, metavar="TEXT", help="What is licensed.")
@click.option("--subject-asset", "subject_assets", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="A file licensed, named by its hash (repeatable).")
@click.option("--subject-model", metavar="NAME", help="The AI model whose output terms these are.")
@click.option("--scope", required=True, metavar="TEXT", help="The scope in free text (kept private).")
@click.option("--territory", "territories", multiple=True, required=True, metavar="CC[,CC...]",
              help="ISO 3166-1 alpha-2 codes, or WORLD; comma-separated or repeatable.")
@click.option("--media", "media", multiple=True, required=True, metavar="M[,M...]",
              help="streaming, broadcast, sync, live, download, ai-training, public-performance, advertising, "
                   "games, other; comma-separated or repeatable.")
@click.option("--start", required=True, metavar="DATE", help="First day of the term (YYYY-MM-DD).")
@click.option("--end", required=True, metavar="DATE", help="Last day of the term (YYYY-MM-DD).")
@click.option("--fee", required=True, metavar="AMOUNT", help="A decimal amount, e.g. 1200.00 (kept private).")
@click.option("--currency", required=True, metavar="CUR", help="ISO 4217, e.g. EUR.")
@click.option("--revenue-share", metavar="PCT", help="A decimal percentage.")
@click.option("--attribution", is_flag=True, help="Attribution is required.")
@click.option("--derivatives", type=click.Choice(DERIVATIVES), default="forbidden", show_default=True,
              help="Whether the licensee may make derivative works (approval: only with the licensor's).")
@click.option("--ai-training", type=click.Choice(AI_TRAINING), default="forbidden", show_default=True,
              help="Whether the licensed material may be used to train AI models.")
@click.option("--commercial-use", type=click.Choice(("yes", "no")), default="yes", show_default=True,
              help="Whether commercial use is allowed.")
@click.option("--transferable", is_flag=True, help="The licensee may transfer the licence.")
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Write the licence document to FILE (and its private file to FILE.private.json).")
@json_option
@pass_ctx
def licence_draft(obj: Context, licensors: tuple[str, ...], licensees: tuple[str, ...], direction: str,
                  subject: str, subject_assets: tuple[Path, ...], subject_model: str | None, scope: str,
                  territories: tuple[str, ...], media: tuple[str, ...], start: str, end: str, fee: str, currency: str,
                  revenue_share: str | None, attribution: bool, derivatives: str, ai_training: str,
                  commercial_use: str, transferable: bool, out: Path, as_json: bool) -> None:
    """Write an unsigned licence document; the fee and scope are committed in it, and their salts
    and plaintexts go to FILE.private.json beside it (0600: keep it; record licence needs it)."""
    document, private = draft_licence(
        licensors=[resolve_party(k, obj.keys, what="--licensor") for k in licensors],
        licensees=[resolve_party(k, obj.keys, what="--licensee") for k in licensees],
        direction=direction, subject=subject, scope=scope, territory=_list(territories, upper=True),
        media=_list(media), start=start, end=end, amount=fee, currency=currency, subject_assets=subject_assets,
        subject_model=subject_model, commercial_use=commercial_use == "yes", derivatives=derivatives,
        attribution=attribution, revenue_share=revenue_share, transferable=transferable, ai_training=ai_training)
    secret = private_path(out)
    if secret.exists() or secret.is_symlink():  # it may hold the only salts of a document already signed
        raise fail(f"{secret} exists: it holds an earlier draft's fee and scope; move it away or choose another -o")
    write_atomic(secret, private.to_json().encode("utf-8"), mode=0o600)
    write_atomic(out, document.encode())
    if as_json:
        emit_json({"document": str(out), "private": str(secret),
                   "parties": [k.hex() for k in document.terms.parties]})
        return
    click.echo(inert(f"wrote {out} (unsigned: each party signs it with provenote licence sign) and {secret} "
                     "(the fee and scope with their salts: keep it private)"))


@licence.command("sign")
@click.argument("document", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--as", "as_key", required=True, metavar="KEY", help="The signing party's key.")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), metavar="OUT",
              help="Write the signed document here (default: FILE, in place).")
@json_option
@pass_ctx
def licence_sign(obj: Context, document: Path, as_key: str, out: Path | None, as_json: bool) -> None:
    """Add one party's signature to a licence document."""
    data = read_document(document)
    check_signable(data, obj.keys.info(as_key).public_key, as_key)  # refused before a passphrase is asked
    signer = obj.signer(as_key)
    signed = sign_licence(data, signer)
    target = out if out is not None else document
    write_atomic(target, signed)
    status = inspect_licence(signed)
    names = party_names(obj.keys)
    missing = [names.get(pk) or key_id(pk).hex()[:16] for pk in status.unsigned]
    if as_json:
        emit_json({"document": str(target), "signed_by": signer.info.public_key,
                   "unsigned": [pk.hex() for pk in status.unsigned], "complete": status.complete})
        return
    rest = f"still to sign: {', '.join(missing)}" if missing else "every party has signed"
    click.echo(inert(f"signed {target} as {signer.info.name}; {rest}"))


@licence.command("show")
@click.argument("document", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--private", "private", type=click.Path(path_type=Path), metavar="FILE",
              help="Show the fee and scope from this private file (default: FILE.private.json, if there).")
@json_option
@pass_ctx
def licence_show(obj: Context, document: Path, private: Path | None, as_json: bool) -> None:
    """The terms, the parties and which have signed (every signature is verified; exit 1 if one
    does not verify)."""
    status = inspect_licence(read_document(document))
    names = party_names(obj.keys)
    secret = _private_for(status, private if private is not None else private_path(document), private is not None)
    view = _describe(status, names, secret)
    if as_json:
        emit_json(view)
    else:
        _print(view)
    if status.invalid:
        raise SystemExit(1)


def _private_for(status: LicenceStatus, path: Path, given: bool) -> LicencePrivate | None:
    if not given and not path.is_file():
        return None
    secret = LicencePrivate.read(path)
    wrong = secret.mismatched(status.terms)
    if wrong and not given:  # a stale file beside the document: shown as withheld
        return None
    if wrong:
        raise fail(f"private file {path}: its {' and '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not what "
                   "the document commits to")
    return secret


def _describe(status: LicenceStatus, names: dict[bytes, str], secret: LicencePrivate | None) -> dict[str, Any]:
    terms = status.terms
    by_key = {s.public_key: s for s in status.signatures if s.public_key is not None}
    parties = []
    for role, keys in (("licensor", terms.licensors), ("licensee", terms.licensees)):
        for pk in keys:
            signature = by_key.get(pk)
            state = "unsigned" if signature is None else "signed" if signature.valid else "invalid"
            parties.append({"role": role, "public_key": pk, "key_id": key_id(pk), "name": names.get(pk),
                            "signature": state, "problem": signature.problem if signature else None})
    outsiders = [{"key_id": s.kid, "problem": s.problem} for s in status.signatures if s.public_key is None]
    subject: dict[str, Any] = {"text": terms.subject, "assets": list(terms.subject_assets),
                               "model": terms.subject_model}
    return {"direction": terms.direction, "subject": subject, "territory": list(terms.territory),
            "media": list(terms.media), "term": {"start": terms.start, "end": terms.end},
            "terms": {"commercial_use": terms.commercial_use, "derivatives": terms.derivatives,
                      "attribution": terms.attribution, "transferable": terms.transferable,
                      "ai_training": terms.ai_training, "revenue_share": terms.revenue_share},
            "commitments": dict(terms.commitments),
            "fee": secret.fee if secret else None, "scope": secret.scope if secret else None,
            "parties": parties, "non_party_signatures": outsiders,
            "complete": status.complete, "valid": not status.invalid}


def _print(view: dict[str, Any]) -> None:
    subject = view["subject"]
    extra = "".join([f"; model {subject['model']}" if subject["model"] else "",
                     f"; {len(subject['assets'])} file(s) by hash" if subject["assets"] else ""])
    terms = view["terms"]
    share = f", revenue share {terms['revenue_share']}%" if terms["revenue_share"] is not None else ""
    lines = [
        f"licence {view['direction']}: {subject['text']}{extra}",
        f"territory {', '.join(view['territory'])}; media {', '.join(view['media'])}; "
        f"term {view['term']['start']} to {view['term']['end']}",
        f"commercial use {'yes' if terms['commercial_use'] else 'no'}, derivatives {terms['derivatives']}, "
        f"attribution {'yes' if terms['attribution'] else 'no'}, transferable {'yes' if terms['transferable'] else 'no'}, "
        f"AI training {terms['ai_training']}{share}",
        f"fee {view['fee'] or 'withheld (committed)'}; scope {view['scope'] or 'withheld (committed)'}",
    ]
    for party in view["parties"]:
        who = party["name"] or "(not in the key store)"
        state = {"signed": "signed (verifies)", "unsigned": "not signed yet",
                 "invalid": f"SIGNATURE DOES NOT VERIFY: {party['problem']}"}[party["signature"]]
        lines.append(f"{party['role']:9} {party['key_id'].hex()[:16]}  {who:24} {state}")
    for outsider in view["non_party_signatures"]:
        lines.append(f"{'signature':9} {outsider['key_id'].hex()[:16]}  by a key that is not a party: "
                     f"{outsider['problem']}")
    lines.append("complete: every party has signed" if view["complete"]
                 else "not complete: record licence needs every party's signature, each verifying")
    for line in lines:
        click.echo(inert(line))


@click.command("usage-report")
@click.option("--work", "works", multiple=True, metavar="WORK",
              help="Only this work: its id, a unique prefix or its title (repeatable; default: all).")
@click.option("--from", "start", metavar="DATE", help="Only uses on or after DATE (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Only uses on or before DATE (YYYY-MM-DD).")
@click.option("--format", "form", required=True, type=click.Choice(("csv", "json")), help="The file's format.")
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Write the report to FILE.")
@pass_ctx
def usage_report_command(obj: Context, works: tuple[str, ...], start: str | None, end: str | None, form: str,
                         out: Path) -> None:
    """One row per use of the music, with its licence and whether it covers it — for collecting
    societies and distributors (columns: spec/licensing.md §5)."""
    with obj.readonly_ledger() as book:
        selected = [book.resolve_work(w) for w in works]
        rows = usage_report(book, selected, start, end)
    try:
        write_atomic(out, encode_usage_report(rows, form))
    except LedgerError as e:
        raise fail(f"-o {e}") from e
    uncovered = sum(1 for row in rows if not row["covered"])
    click.echo(f"wrote {out}: {plural(len(rows), 'use')}, {uncovered:,} not covered")
