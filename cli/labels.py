"""``provenote label``, ``provenote ddex`` and ``provenote key csr/cert``: AI labels written from
the verified record (spec/labels.md). The work is exported and verified first; the labels state
the class the verifier computes for the release, so they cannot claim less AI than the chain."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from cli.context import Context, emit_json, fail, pass_ctx
from ledger import Ledger, export_bundle, find_assets, parse_time, sha256_file
from verifier import Report, verify_bundle
from verifier.analysis import release_class, released_lineage
from verifier.format import AUDIBLE_WHERE, CONTAINS_AI, WorkId, format_time, key_id
from verifier.render import inert

_INSTALL = "AI labels need the optional extra: pip install 'provenote[label]' (mutagen, numpy, soundfile)"
#: The asset-level IPTC source type a C2PA manifest states for each ContainsAI class.
_ASSET_SOURCE = {"All": "trainedAlgorithmicMedia", "Partly": "compositeSynthetic", "None": "digitalCreation"}


def _labels() -> ModuleType:
    """``ledger.labels``, or one line saying how to install what it needs (exit 2)."""
    try:
        import ledger.labels as labels
    except ImportError as e:
        raise fail(f"{_INSTALL} ({e.name or e} is missing)") from e
    return labels


@dataclass(frozen=True)
class _Verified:
    report: Report
    release: Any  # the last release's EventSummary
    contains_ai: str


def _verified_release(book: Ledger, work: WorkId, signer: Any, asset: Path | None) -> _Verified:
    """Export the work, verify it, and find its last release (whose file must be ``asset``)."""
    with tempfile.TemporaryDirectory(prefix="provenote-label-") as scratch:
        bundle = Path(scratch) / "work.bundle"
        export_bundle(book, work, signer, bundle, embed=False)
        report = verify_bundle(bundle)
    if not report.valid:
        first = report.errors[0] if report.errors else report.fatal
        raise fail(f"the work does not verify, so nothing can be derived from it: {first.code if first else '?'}")
    release, _lineage = released_lineage(report.kept)
    if release is None:
        raise fail("the work has no release: record the release first (provenote record release)")
    if asset is not None:
        digest, _size = sha256_file(asset)
        released = release.body["asset"]
        if digest != released["sha256"]:
            raise fail(f"{asset} is not the file of the work's last release (#{release.seq}, "
                       f"{released.get('name') or released['sha256'].hex()[:16]})")
    return _Verified(report, release, release_class(report.kept, release.hash))


def _projection(labels: ModuleType, report: Report, release: Any, book: Ledger, work: WorkId) -> Any:
    """The chain's lineage of the released file as C2PA actions (spec/labels-c2pa-ddex.md §1.1):
    the first creating event ``c2pa.created``, later ones ``c2pa.placed``; a selection
    ``org.provenote.selected`` (``c2pa.opened`` only when first); edits and assists
    ``c2pa.edited``; the release ``c2pa.published``. Never a prompt, lyric or note: each action
    carries its event's hash."""
    _release, lineage = released_lineage(report.kept)
    actions: list[Any] = []
    for event in [*lineage, release]:
        body = event.body
        first = not actions
        fields: dict[str, Any] = {"event_hash": bytes(event.hash), "when": format_time(event.time)}
        if event.type in ("generation", "parameter-edit"):
            agent = " ".join(str(body[k]) for k in ("model", "model_version") if k in body) or None
            if event.type == "parameter-edit":
                fields["related_event"] = bytes(body["of"])
            action = dict(fields, action="c2pa.created" if first else "c2pa.placed",
                          digital_source_type="trainedAlgorithmicMedia", software_agent=agent)
        elif event.type == "selection":
            action = dict(fields, action="c2pa.opened" if first else "org.provenote.selected")
        elif event.type in ("human-input", "import"):
            action = dict(fields, action="c2pa.created" if first else "c2pa.placed",
                          digital_source_type=body.get("digital_source_type"),
                          changes=[tuple(s) for s in body.get("segments", [])] or None,
                          custom=body.get("layer"))
        elif event.type == "human-edit":
            if first:
                continue  # an edit needs something to edit: C2PA's first action creates or opens
            action = dict(fields, action="c2pa.edited", digital_source_type=body.get("digital_source_type"),
                          software_agent=body.get("tool"), changes=[tuple(s) for s in body.get("segments", [])] or None,
                          custom=body.get("kind"))
        elif event.type == "assist":
            if first:
                continue
            action = dict(fields, action="c2pa.edited", digital_source_type="algorithmicallyEnhanced",
                          software_agent=body.get("tool"))
        elif event.type == "release":
            if first:
                continue
            action = dict(fields, action="c2pa.published")
        else:
            continue
        actions.append(labels.ProjectedAction(**action))
    if not actions:
        raise fail("the release's lineage has no event a C2PA manifest can start from")
    head = book.head(work)
    latest = book.latest_checkpoint()
    record = labels.RecordAssertion(bytes(work), bytes(head.hash), latest[1].decode() if latest else None,
                                    report.events)
    return actions, record


@click.command("label")
@click.argument("work_prefix", metavar="WORK")
@click.option("--asset", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="The released file to label (required): the file of the work's last release.")
@click.option("--as", "as_key", required=True, metavar="KEY", help="Name of the signing key (required).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Where to write the labelled copy (required; never the released file itself).")
@click.option("--audible", type=click.Choice(AUDIBLE_WHERE), help="Add GB 45438-2025's audible label here.")
@click.option("--aigc", is_flag=True, help="Embed GB 45438-2025's implicit label (the AIGC JSON).")
@click.option("--producer", metavar="CODE", help="ContentProducer of the AIGC label (with --aigc).")
@click.option("--produce-id", metavar="ID", help="ProduceID of the AIGC label (with --aigc).")
@click.option("--c2pa", "with_c2pa", is_flag=True,
              help="Embed C2PA Content Credentials signed by KEY (it needs a certificate: key csr, key cert).")
@click.option("--tsa", metavar="URL", help="An RFC 3161 timestamp authority for the C2PA signature.")
@click.option("--contains-ai", type=click.Choice(CONTAINS_AI),
              help="The class the labels state (default: the one the verified chain shows; more AI may be stated, "
                   "never less).")
@click.option("--aigc-label", type=click.Choice(("1", "2", "3")), default="1", show_default=True,
              help="The AIGC label's Label value (\"1\": AI-generated; \"2\"/\"3\" only where there is no AI material).")
@click.option("--occurred", metavar="TIME", help="When the labelling happened, if earlier than now (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print the label events as JSON.")
@pass_ctx
def label(obj: Context, work_prefix: str, asset: Path, as_key: str, output: Path, audible: str | None, aigc: bool,
          producer: str | None, produce_id: str | None, with_c2pa: bool, tsa: str | None, contains_ai: str | None,
          aigc_label: str, occurred: str | None, as_json: bool) -> None:
    """Write a labelled copy of the released FILE — audible label, then the AIGC implicit label,
    then C2PA last — stating the class the verified chain shows, and record one `label` event per
    label. The released file is never changed."""
    labels = _labels()
    if aigc and not (producer and produce_id):
        raise fail("--aigc needs --producer CODE and --produce-id ID (GB 45438-2025's ContentProducer, ProduceID)")
    signer = obj.signer(as_key)
    chain_pem = None
    if with_c2pa:
        chain_pem = labels.certificate(obj.keys, as_key)
        if chain_pem is None:
            raise fail(f"key {as_key} has no signing certificate for C2PA: provenote key csr {as_key}, "
                       f"then provenote key cert {as_key} CHAIN.pem")
    try:
        with obj.ledger() as book:
            work = book.resolve_work(work_prefix)
            verified = _verified_release(book, work, signer, asset)
            stated = _stated(verified.contains_ai, contains_ai, aigc_label if aigc else "1")
            c2pa = None
            if with_c2pa:
                actions, record = _projection(labels, verified.report, verified.release, book, work)
                manifest = labels.ManifestInput(tuple(actions), record, _ASSET_SOURCE[stated],
                                                title=output.name)
                c2pa = (manifest, chain_pem, tsa)
            plan = labels.LabelPlan(verified.release.hash, stated, audible,
                                    (producer, produce_id) if aigc else None, c2pa)
            results = labels.write_labels(book, work, signer, asset, output, plan,
                                          occurred=parse_time(occurred) if occurred else None)
    except (labels.LabelError, labels.C2paError) as e:
        raise fail(str(e)) from e
    kinds = [k for k, on in (("aigc-audible", audible), ("aigc-implicit", aigc), ("c2pa", with_c2pa)) if on]
    if as_json:
        emit_json({"output": str(output), "contains_ai": stated, "chain_contains_ai": verified.contains_ai,
                   "release": verified.release.seq,
                   "labels": [{"kind": k, "event": r.hash, "seq": r.seq} for k, r in zip(kinds, results, strict=True)]})
        return
    click.echo(inert(f"wrote {output}: {', '.join(kinds)} — ContainsAI {stated} (the verified chain shows "
                     f"{verified.contains_ai} for release #{verified.release.seq})"))
    for kind, result in zip(kinds, results, strict=True):
        click.echo(f"recorded label #{result.seq} ({kind}) {result.hash.hex()}")


def _stated(chain: str, asked: str | None, aigc_label: str) -> str:
    """The class the labels state: the chain's, or more AI if asked; never less (spec/labels.md §3:
    the writer refuses what the analysis would flag as label.understates_ai)."""
    stated = asked or chain
    if CONTAINS_AI.index(stated) < CONTAINS_AI.index(chain):
        raise fail(f"refused: a label stating ContainsAI {stated} would understate the chain, which shows {chain} "
                   "for this release")
    if aigc_label != "1" and chain != "None":
        raise fail(f'refused: the AIGC label\'s Label "{aigc_label}" would understate the chain: this release holds AI '
                   'material, so it is "1" (AI-generated)')
    return stated


@click.command("ddex")
@click.argument("work_prefix", metavar="WORK")
@click.option("--as", "as_key", required=True, metavar="KEY", help="Name of the signing key (required).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Where to write the SoundRecording fragment (required); its PartyList goes beside it.")
@click.option("--assets-from", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Folder holding the released file (found by its hash).")
@click.option("--isrc", help="The recording's ISRC (default: the release's, else the work's).")
@click.option("--json", "as_json", is_flag=True, help="Print the label event as JSON.")
@pass_ctx
def ddex(obj: Context, work_prefix: str, as_key: str, output: Path, assets_from: Path, isrc: str | None,
         as_json: bool) -> None:
    """Write a DDEX ERN 4.3.2 SoundRecording fragment for the work's last release — ISRC, title,
    ContainsAI from the verified chain, contributors from the key cards — and record a `ddex`
    label event with the fragment's hash."""
    labels = _labels()
    signer = obj.signer(as_key)
    try:
        with obj.ledger() as book:
            work = book.resolve_work(work_prefix)
            verified = _verified_release(book, work, signer, None)
            report, release = verified.report, verified.release
            released = release.body["asset"]
            master = find_assets(assets_from, {released["sha256"]: released}).get(released["sha256"])
            if master is None:
                raise fail(f"the released file ({released.get('name') or released['sha256'].hex()[:16]}) is not in "
                           f"{assets_from}: give --assets-from")
            genesis = next((e for e in report.kept if e.type == "work.created"), None)
            code = isrc or release.body.get("isrc") or (genesis.body.get("isrc") if genesis else None)
            if not code:
                raise fail("no ISRC: give --isrc (or record the release with --isrc)")
            contributors = [(s.name, s.role) for s in report.signers if s.name and s.role]
            result = labels.ddex_label(book, work, signer, master, output, release=release.hash,
                                       contains_ai=verified.contains_ai, isrc=code, title=report.title or "",
                                       contributors=_roles(contributors), duration_ms=released.get("duration_ms"))
    except (labels.LabelError, labels.DdexError) as e:
        raise fail(str(e)) from e
    if as_json:
        emit_json({"output": str(output), "contains_ai": verified.contains_ai, "event": result.hash, "seq": result.seq})
        return
    click.echo(inert(f"wrote {output} (ContainsAI {verified.contains_ai}, ISRC {code})"))
    click.echo(f"recorded label #{result.seq} (ddex) {result.hash.hex()}")


#: provenote key roles → DDEX contributor roles (ledger._ddex.CONTRIBUTOR_ROLES).
_DDEX_ROLES = {"composer": "Composer", "producer": "StudioProducer", "creator": "Composer", "lyricist": "Lyricist",
               "arranger": "Arranger", "performer": "Performer", "vocalist": "Vocalist", "engineer": "Engineer"}


def _roles(contributors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, _DDEX_ROLES[role]) for name, role in contributors if role in _DDEX_ROLES]


def register_key_commands(group: click.Group) -> None:
    """``provenote key csr`` and ``provenote key cert``."""
    group.add_command(key_csr)
    group.add_command(key_cert)


@click.command("csr")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the request here (default: stdout).")
@pass_ctx
def key_csr(obj: Context, name: str, output: Path | None) -> None:
    """A certificate signing request (PKCS #10, PEM) for key NAME's Ed25519 public key, signed by
    the key: send it to a certificate authority to get a C2PA signing certificate."""
    labels = _labels()
    signer = obj.signer(name)
    request = labels.make_csr(name, signer.info.public_key, signer.sign)
    if output is None:
        click.echo(request.decode(), nl=False)
    else:
        output.write_bytes(request)
        click.echo(f"wrote {output}: a request for key {name} ({key_id(signer.info.public_key).hex()[:16]})")


@click.command("cert")
@click.argument("name")
@click.argument("chain", type=click.Path(path_type=Path), metavar="CHAIN.pem")
@pass_ctx
def key_cert(obj: Context, name: str, chain: Path) -> None:
    """Attach the certificate chain issued for key NAME (leaf first, then intermediates), after
    checking it holds the key and fits the C2PA signer profile."""
    labels = _labels()
    from cli.context import read_text_file

    text = read_text_file(chain, "CHAIN.pem", limit=1 << 20)
    try:
        path = labels.attach_certificate(obj.keys, name, text.encode())
    except labels.C2paError as e:
        raise fail(str(e)) from e
    click.echo(f"attached the certificate chain of key {name}: {path}")
