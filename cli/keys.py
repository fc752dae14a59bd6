"""``provenote key``: create, list and export signing keys."""

from __future__ import annotations

import click

from cli.context import Context, emit_json, json_option, pass_ctx


@click.group()
def key() -> None:
    """Create, list and export signing keys."""


@key.command("new")
@click.argument("name")
@click.option("--role", default="creator", show_default=True, help="What the key's holder does.")
@json_option
@pass_ctx
def key_new(obj: Context, name: str, role: str, as_json: bool) -> None:
    """Generate an Ed25519 key, encrypted under a passphrase (scrypt + ChaCha20-Poly1305)."""
    info = obj.keys.create(name, role, obj.passphrase(confirm=True, key=name))
    if as_json:
        emit_json({"name": info.name, "role": info.role, "key_id": info.key_id,
                   "public_key": info.public_key})
    else:
        click.echo(f"created key {info.name} ({info.role}) {info.key_id.hex()}")


@key.command("list")
@json_option
@pass_ctx
def key_list(obj: Context, as_json: bool) -> None:
    """List the keys in the key directory."""
    infos = obj.keys.list()
    if as_json:
        emit_json([{"name": i.name, "role": i.role, "key_id": i.key_id, "public_key": i.public_key}
                   for i in infos])
        return
    for i in infos:
        click.echo(f"{i.name:20} {i.role:12} {i.key_id.hex()}")


@key.command("export")
@click.argument("name")
@json_option
@pass_ctx
def key_export(obj: Context, name: str, as_json: bool) -> None:
    """Print a key's public half (PEM), to give to an auditor as a trusted key."""
    info = obj.keys.info(name)
    if as_json:
        emit_json({"name": info.name, "role": info.role, "key_id": info.key_id,
                   "public_key": info.public_key})
    else:
        click.echo(info.pem(), nl=False)
