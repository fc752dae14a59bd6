"""spec/anchoring.md §6, recomputed: every value of the worked example, from the text of the spec."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from verifier.format import (
    Checkpoint,
    MemoryTree,
    SigningKey,
    VerifierKey,
    checkpoint_imprint,
    consistency_proof,
    cosign,
    leaf_hash,
    log_origin,
    multi_inclusion_proof,
    node_hash,
    note_key_id,
    sign_note,
)

SPEC = (Path(__file__).resolve().parents[2] / "spec" / "anchoring.md").read_text(encoding="utf-8")
SECTION = SPEC[SPEC.index("## 6. A worked example"):]


def _row(label: str) -> str:
    match = re.search(rf"^\| {re.escape(label)} \| `([0-9a-f]+)` \|$", SECTION, re.M)
    assert match, label
    return match.group(1)


def test_the_worked_example_recomputes() -> None:
    leaves = [hashlib.sha256(b"\x00" + bytes([i]) * 32).digest() for i in (1, 2, 3)]
    assert [leaf_hash(bytes([i]) * 32) for i in (1, 2, 3)] == leaves
    assert leaves[0].hex() == _row("leaf 0 = SHA-256(00 ‖ 01×32)")
    assert leaves[1].hex() == _row("leaf 1 = SHA-256(00 ‖ 02×32)")
    assert leaves[2].hex() == _row("leaf 2 = SHA-256(00 ‖ 03×32)")
    n01 = hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()
    assert n01 == node_hash(leaves[0], leaves[1]) and n01.hex() == _row("node(0,1) = SHA-256(01 ‖ leaf 0 ‖ leaf 1)")
    root = hashlib.sha256(b"\x01" + n01 + leaves[2]).digest()
    assert root.hex() == _row("root(3) = SHA-256(01 ‖ node(0,1) ‖ leaf 2)")
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    assert tree.root() == root

    origin = log_origin(bytes(range(16)))
    key = SigningKey(bytes([7]) * 32)
    assert key.public_key.hex() == _row("public key")
    kid = hashlib.sha256(origin.encode() + b"\n\x01" + key.public_key).digest()[:4]
    assert kid == note_key_id(origin, 1, key.public_key) and kid.hex() == _row(
        "key id = SHA-256(origin ‖ 0a ‖ 01 ‖ public key)[:4]")
    note = sign_note(Checkpoint(origin, 3, root).text(), origin, key).encode()
    block = re.search(r"The signed checkpoint:\n\n```\n(.*?)```", SECTION, re.S)
    assert block and block.group(1).encode() == note
    assert VerifierKey(origin, 1, key.public_key).format() in SECTION
    assert checkpoint_imprint(note).hex() in SECTION

    assert multi_inclusion_proof(tree, 3, [0, 2]) == [leaves[1]]
    assert multi_inclusion_proof(tree, 3, [2]) == [n01]
    assert consistency_proof(tree, 2, 3) == [leaves[2]]

    witness = SigningKey(bytes([9]) * 32)
    line = cosign(Checkpoint(origin, 3, root).text(), "notary.example", witness, 1767225600).line()
    assert line.rstrip("\n") in SECTION
    raw = base64.b64decode(line.split()[-1])
    assert raw[:4].hex() == "39c9590b" and raw[4:12].hex() == "000000006955b900"
    assert "`000000006955b900`" in SECTION
    assert VerifierKey("notary.example", 4, witness.public_key).format() in SECTION
