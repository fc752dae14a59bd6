"""The RFC 9162 Merkle trees of the format core (verifier/format/_merkle.py).

Independent vectors first (transparency-dev/merkle's testdata, tests/verifier/vectors/
rfc9162-merkle/), then the RFC's own recursive definitions written out here as oracles, then
properties over random trees: proofs built from a node store verify, every mutation is
rejected, multiproofs are as small as promised, and proofs need O(log n) lookups.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from verifier.format import (
    EMPTY_ROOT,
    Code,
    MemoryTree,
    NodeSource,
    UsageError,
    VerificationFailure,
    completed_nodes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    multi_inclusion_proof,
    node_hash,
    root_of,
    subtree_root,
    tree_root,
    verify_consistency,
    verify_inclusion,
    verify_multi_inclusion,
)

VECTORS = Path(__file__).parent / "vectors" / "rfc9162-merkle"

#: Vectors provenote judges differently from upstream, and why.
DEVIATIONS = {
    "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json":
        "its equal roots are 12 bytes; every hash must be 32 bytes",
}

MAX = 300
LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX)]


def _reference_tree() -> MemoryTree:
    tree = MemoryTree()
    for leaf in LEAVES:
        tree.append(leaf)
    return tree


TREE = _reference_tree()  # holds every complete subtree of every prefix of LEAVES


def _rejected(call: Callable[[], None]) -> bool:
    """Whether ``call`` raises the proof failure (and nothing else)."""
    try:
        call()
    except VerificationFailure as failure:
        assert failure.code is Code.LOG_PROOF_INVALID
        return True
    return False


class Prefix:
    """A NodeSource for the first ``size`` leaves of TREE that fails on any lookup outside them
    and counts lookups."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lookups = 0

    def subtree(self, level: int, index: int) -> bytes:
        assert (index + 1) << level <= self.size, f"subtree ({level}, {index}) is beyond size {self.size}"
        self.lookups += 1
        return TREE.subtree(level, index)


# -- the oracles: RFC 9162 §2.1 written as recursion over the leaf hashes ------------------------


@functools.cache
def head(size: int) -> bytes:
    """MTH of the first ``size`` leaves of LEAVES, by the RFC's recursion (memoised)."""
    return mth(LEAVES[:size])


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _k(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def multiproof(lo: int, hi: int, chosen: frozenset[int], leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(lo, hi, S) of the multiproof definition (verifier/format/_merkle.py docstring)."""
    inside = [i for i in chosen if lo <= i < hi]
    if not inside:
        return [mth(leaves[lo:hi])]
    if hi - lo == 1:
        return []
    k = _k(hi - lo)
    return multiproof(lo, lo + k, chosen, leaves) + multiproof(lo + k, hi, chosen, leaves)


# -- independent vectors ------------------------------------------------------------------------


def _cases(kind: str) -> list[str]:
    return sorted(p.relative_to(VECTORS).as_posix() for p in (VECTORS / kind).rglob("*.json"))


def _load(name: str) -> tuple[dict[str, Any], bool]:
    case: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return case, bool(case["wantErr"]) or name in DEVIATIONS


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _proof(value: list[str] | None) -> list[bytes]:
    return [_b64(p) for p in value or []]


def test_the_vectors_are_all_there() -> None:
    assert len(_cases("inclusion")) == 98 and len(_cases("consistency")) == 98
    assert (VECTORS / "LICENSE").read_text(encoding="utf-8").lstrip().startswith("Apache License")
    for name in DEVIATIONS:
        assert json.loads((VECTORS / name).read_text(encoding="utf-8"))["wantErr"] is False


@pytest.mark.parametrize("name", _cases("inclusion"))
def test_inclusion_vector(name: str) -> None:
    case, want_err = _load(name)
    assert _rejected(lambda: verify_inclusion(case["leafIdx"], case["treeSize"], _b64(case["leafHash"]),
                                              _proof(case["proof"]), _b64(case["root"]))) is want_err


@pytest.mark.parametrize("name", _cases("consistency"))
def test_consistency_vector(name: str) -> None:
    case, want_err = _load(name)
    assert _rejected(lambda: verify_consistency(case["size1"], case["size2"], _b64(case["root1"]),
                                                _b64(case["root2"]), _proof(case["proof"]))) is want_err


# The upstream vectors are made over the 8 leaves of RFC 6962's reference tests.
REFERENCE = [leaf_hash(bytes.fromhex(x)) for x in
             ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
REFERENCE_ROOTS = (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)


def test_known_answers() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_of([]) == EMPTY_ROOT == MemoryTree().root()
    assert leaf_hash(b"").hex() == REFERENCE_ROOTS[0]
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    tree = MemoryTree()
    for size, (leaf, want) in enumerate(zip(REFERENCE, REFERENCE_ROOTS, strict=True), start=1):
        tree.append(leaf)
        assert root_of(REFERENCE[:size]).hex() == want
        assert tree.root().hex() == want == tree_root(tree, size).hex()


@pytest.mark.parametrize("name", [n for n in _cases("inclusion") if n.endswith("/happy-path.json")])
def test_built_inclusion_proofs_equal_the_vectors(name: str) -> None:
    case, _ = _load(name)
    tree = MemoryTree()
    for leaf in REFERENCE[:case["treeSize"]]:
        tree.append(leaf)
    assert tree.root() == _b64(case["root"])
    assert inclusion_proof(tree, case["leafIdx"], case["treeSize"]) == _proof(case["proof"])


@pytest.mark.parametrize("name", [n for n in _cases("consistency") if n.endswith("/happy-path.json")])
def test_built_consistency_proofs_equal_the_vectors(name: str) -> None:
    case, _ = _load(name)
    tree = MemoryTree()
    for leaf in REFERENCE[:case["size2"]]:
        tree.append(leaf)
    assert (tree_root(tree, case["size1"]), tree.root()) == (_b64(case["root1"]), _b64(case["root2"]))
    assert consistency_proof(tree, case["size1"], case["size2"]) == _proof(case["proof"])


# -- roots and the node store -------------------------------------------------------------------


def test_roots_agree_at_every_size() -> None:
    """root_of (iterative), tree_root over the stored complete subtrees, a tree grown by
    completed_nodes, and the RFC's recursion give one root at every size."""
    grown = MemoryTree()
    for size in range(MAX + 1):
        want = head(size)
        assert root_of(LEAVES[:size]) == want
        assert tree_root(Prefix(size), size) == want
        assert grown.root() == want and grown.size == size
        if size < MAX:
            grown.append(LEAVES[size])


def test_completed_nodes_store_every_complete_subtree_two_per_leaf() -> None:
    store: dict[tuple[int, int], bytes] = {}

    class Store:
        def subtree(self, level: int, index: int) -> bytes:
            return store[level, index]

    for size, leaf in enumerate(LEAVES):
        nodes = completed_nodes(Store(), size, leaf)
        assert nodes[0] == (0, size, leaf)
        for (level, index, value), (up_level, up_index, up_value) in itertools.pairwise(nodes):
            assert index % 2 == 1 and (up_level, up_index) == (level + 1, index // 2)
            assert up_value == node_hash(store[level, index - 1], value)
        assert nodes[-1][1] % 2 == 0  # it stops at the first even index
        for level, index, value in nodes:
            store[level, index] = value
        complete = {(level, index) for level in range((size + 1).bit_length())
                    for index in range((size + 1) >> level)}
        assert set(store) == complete
        assert len(store) <= 2 * (size + 1)
    for (level, index), value in store.items():
        assert value == mth(LEAVES[index << level:(index + 1) << level])


def test_subtree_root_of_every_recursion_range() -> None:
    for size in range(1, 70):
        stack = [(0, size)]
        while stack:
            lo, hi = stack.pop()
            assert subtree_root(Prefix(size), lo, hi) == mth(LEAVES[lo:hi])
            if hi - lo > 1:
                k = _k(hi - lo)
                stack += [(lo, lo + k), (lo + k, hi)]


@pytest.mark.parametrize(("lo", "hi"), [(0, 0), (3, 3), (5, 4), (1, 3), (2, 5), (4, 13), (-1, 1), (0, 2**64)])
def test_subtree_root_refuses_ranges_outside_the_recursion(lo: int, hi: int) -> None:
    with pytest.raises(UsageError):
        subtree_root(TREE, lo, hi)


def test_misuse_of_the_builders_is_a_usage_error() -> None:
    not_bytes: Any = "x" * 32
    for call in (lambda: inclusion_proof(TREE, 5, 5), lambda: inclusion_proof(TREE, -1, 5),
                 lambda: consistency_proof(TREE, 0, 5), lambda: consistency_proof(TREE, 6, 5),
                 lambda: multi_inclusion_proof(TREE, 5, [2, 2]), lambda: multi_inclusion_proof(TREE, 5, [5]),
                 lambda: multi_inclusion_proof(TREE, 5, [True]), lambda: tree_root(TREE, -1),
                 lambda: completed_nodes(TREE, 0, b"short"), lambda: MemoryTree().append(b"x" * 31),
                 lambda: MemoryTree().subtree(0, 0), lambda: root_of([b"x" * 33]), lambda: root_of([not_bytes])):
        with pytest.raises(UsageError):
            call()
    assert multi_inclusion_proof(TREE, 5, []) == []


# -- inclusion ----------------------------------------------------------------------------------


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX))
    return size, draw(st.integers(0, size - 1))


def _mutations(proof: list[bytes]) -> list[list[bytes]]:
    """Every single-bit flip, every truncation and every extension of a proof."""
    out = []
    for i, item in enumerate(proof):
        for bit in range(len(item) * 8):
            flipped = bytearray(item)
            flipped[bit // 8] ^= 1 << bit % 8
            out.append([*proof[:i], bytes(flipped), *proof[i + 1:]])
        out.append(proof[:i] + proof[i + 1:])  # one hash removed
    out += [proof[:n] for n in range(len(proof))]  # truncated
    extra = hashlib.sha256(b"extra").digest()
    out += [[*proof[:i], extra, *proof[i:]] for i in range(len(proof) + 1)]  # one hash inserted
    out += [[*proof, EMPTY_ROOT], [*proof, *proof], [*proof, b""], [EMPTY_ROOT, *proof]]
    if proof:
        out.append([*proof[:-1], proof[-1][:31]])
    return [m for m in out if m != proof]


@settings(max_examples=60, deadline=None)
@given(size_and_index())
@example((1, 0))
@example((256, 255))
@example((MAX, MAX - 1))
def test_inclusion_proofs_verify_and_every_mutation_fails(case: tuple[int, int]) -> None:
    size, index = case
    source = Prefix(size)
    proof = inclusion_proof(source, index, size)
    assert proof == path(index, LEAVES[:size])
    assert source.lookups <= 2 * math.log2(size) + 2
    root, leaf = head(size), LEAVES[index]
    verify_inclusion(index, size, leaf, proof, root)
    verify_inclusion(index, size, leaf, tuple(proof), root)
    for mutated in _mutations(proof):
        assert _rejected(lambda m=mutated: verify_inclusion(index, size, leaf, m, root))  # type: ignore[misc]
    for wrong_index in range(size):
        if wrong_index != index:
            assert _rejected(lambda i=wrong_index: verify_inclusion(i, size, leaf, proof, root))  # type: ignore[misc]
        assert _rejected(lambda i=wrong_index: verify_inclusion(index, size, LEAVES[i] if i != index else EMPTY_ROOT,
                                                                 proof, root))  # type: ignore[misc]
    for wrong_size in range(index + 1, min(2 * size + 3, MAX + 1)):
        if wrong_size != size:  # with the root of the size claimed, a proof for another size fails
            wrong_root = head(wrong_size)
            assert _rejected(lambda n=wrong_size, r=wrong_root: verify_inclusion(index, n, leaf, proof, r))  # type: ignore[misc]
    for wrong in (size, size + 1, -1, 2**64):
        assert _rejected(lambda i=wrong: verify_inclusion(i, size, leaf, proof, root))  # type: ignore[misc]
    assert _rejected(lambda: verify_inclusion(index, size, leaf, proof, head(size - 1)))


def test_a_proof_binds_the_tree_size_only_through_the_root() -> None:
    """RFC 9162's verifier reads the size only as the shape of the path, so a proof for leaf 0 of
    3 leaves also verifies as leaf 0 of 4 leaves *against the 3-leaf root*: the size and the root
    are one claim (a signed tree head) and must be checked together."""
    proof3 = inclusion_proof(TREE, 0, 3)
    verify_inclusion(0, 4, LEAVES[0], proof3, head(3))
    assert _rejected(lambda: verify_inclusion(0, 4, LEAVES[0], proof3, head(4)))


# -- consistency --------------------------------------------------------------------------------


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(1, MAX))
    return draw(st.integers(1, size2)), size2


@settings(max_examples=60, deadline=None)
@given(two_sizes())
@example((1, 1))
@example((1, MAX))
@example((256, MAX))
@example((MAX - 1, MAX))
@example((MAX, MAX))
def test_consistency_proofs_verify_and_every_mutation_fails(case: tuple[int, int]) -> None:
    size1, size2 = case
    source = Prefix(size2)
    proof = consistency_proof(source, size1, size2)
    assert proof == subproof(size1, LEAVES[:size2], True)
    assert source.lookups <= 2 * math.log2(size2) + 2
    root1, root2 = head(size1), head(size2)
    verify_consistency(size1, size2, root1, root2, proof)
    for mutated in _mutations(proof):
        assert _rejected(lambda m=mutated: verify_consistency(size1, size2, root1, root2, m))  # type: ignore[misc]
    for wrong1 in range(1, size2 + 1):
        if wrong1 != size1:
            wrong_root = head(wrong1)
            assert _rejected(lambda n=wrong1, r=wrong_root: verify_consistency(n, size2, r, root2, proof))  # type: ignore[misc]
            assert _rejected(lambda n=wrong1: verify_consistency(n, size2, root1, root2, proof))  # type: ignore[misc]
    for wrong2 in range(size1, min(2 * size2 + 3, MAX + 1)):
        if wrong2 != size2:
            wrong_root = head(wrong2)
            assert _rejected(lambda n=wrong2, r=wrong_root: verify_consistency(size1, n, root1, r, proof))  # type: ignore[misc]
    if size1 != size2:
        assert _rejected(lambda: verify_consistency(size2, size1, root2, root1, proof))
        assert _rejected(lambda: verify_consistency(size1, size2, root2, root1, proof))


def test_consistency_edge_cases() -> None:
    root3 = head(3)
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 3, EMPTY_ROOT, root3, [])  # every tree extends the empty one
    verify_consistency(3, 3, root3, root3, [])
    for args in ((0, 3, EMPTY_ROOT, root3, [root3]), (0, 3, root3, root3, []), (0, 0, root3, root3, []),
                 (0, 0, EMPTY_ROOT, root3, []), (3, 3, root3, root3, [root3]), (3, 3, root3, EMPTY_ROOT, []),
                 (4, 3, root3, root3, []), (2, 3, head(2), root3, [])):
        assert _rejected(lambda a=args: verify_consistency(*a))  # type: ignore[misc]


# -- multiproofs --------------------------------------------------------------------------------


@st.composite
def size_and_indices(draw: st.DrawFn) -> tuple[int, list[int]]:
    size = draw(st.integers(1, MAX))
    chosen = draw(st.one_of(
        st.sets(st.integers(0, size - 1), min_size=1, max_size=40),  # spread
        st.integers(0, size - 1).flatmap(lambda lo: st.integers(lo + 1, min(size, lo + 40)).map(
            lambda hi: set(range(lo, hi)))),  # clustered
    ))
    return size, sorted(chosen)


@settings(max_examples=100, deadline=None)
@given(size_and_indices())
@example((1, [0]))
@example((MAX, [0, MAX - 1]))
@example((MAX, list(range(MAX))))
@example((MAX, list(range(0, MAX, 2))))
def test_multiproofs_verify_are_small_and_hold_no_more_than_the_single_proofs(case: tuple[int, list[int]]) -> None:
    size, indices = case
    proof = multi_inclusion_proof(Prefix(size), size, indices)
    assert proof == multiproof(0, size, frozenset(indices), LEAVES[:size])
    assert len(proof) <= len(indices) * math.ceil(math.log2(size))
    root, leaves = head(size), [LEAVES[i] for i in indices]
    verify_multi_inclusion(size, indices, leaves, proof, root)
    verify_multi_inclusion(size, tuple(indices), tuple(leaves), tuple(proof), root)
    singles = set()
    for index in indices:
        single = inclusion_proof(TREE, index, size)
        verify_inclusion(index, size, LEAVES[index], single, root)
        singles.update(single)
    assert set(proof) <= singles  # nothing a single proof would not have given
    if len(indices) == 1:
        assert sorted(proof) == sorted(inclusion_proof(TREE, indices[0], size))
    # mutations: one flipped bit per hash, removed, inserted and truncated hashes
    mutated = []
    for i, item in enumerate(proof):
        mutated.append([*proof[:i], bytes([item[0] ^ 1]) + item[1:], *proof[i + 1:]])
        mutated.append([*proof[:i], *proof[i + 1:]])
    mutated += [[*proof, EMPTY_ROOT], [EMPTY_ROOT, *proof], proof[:-1], [*proof, b"x" * 33]]
    for bad in mutated:
        if bad != proof:
            assert _rejected(lambda p=bad: verify_multi_inclusion(size, indices, leaves, p, root))  # type: ignore[misc]
    assert _rejected(lambda: verify_multi_inclusion(size, indices, leaves, proof, EMPTY_ROOT))
    wrong_leaves = [*leaves[:-1], node_hash(leaves[-1], leaves[-1])]
    assert _rejected(lambda: verify_multi_inclusion(size, indices, wrong_leaves, proof, root))
    if indices[-1] + 1 < size:  # a member moved to another index
        moved = [*indices[:-1], indices[-1] + 1]
        assert _rejected(lambda: verify_multi_inclusion(size, moved, leaves, proof, root))
    for wrong_size in range(indices[-1] + 1, min(2 * size + 3, MAX + 1)):
        if wrong_size != size:
            wrong_root = head(wrong_size)
            assert _rejected(lambda n=wrong_size, r=wrong_root: verify_multi_inclusion(n, indices, leaves, proof, r))  # type: ignore[misc]


def test_multiproof_input_rules() -> None:
    size, indices = 20, [3, 7, 8]
    root, leaves = head(size), [LEAVES[i] for i in indices]
    proof = multi_inclusion_proof(TREE, size, indices)
    verify_multi_inclusion(size, indices, leaves, proof, root)
    verify_multi_inclusion(size, [], [], [], hashlib.sha256(b"any root").digest())  # nothing proved
    verify_multi_inclusion(0, [], [], [], EMPTY_ROOT)
    for args in ((size, [], [], [root], root), (size, [], [], [], b"short"), (size, [7, 3, 8], leaves, proof, root),
                 (size, [3, 3, 8], leaves, proof, root), (size, [3, 7], leaves, proof, root),
                 (size, [3, 7, 20], leaves, proof, root), (size, [-3, 7, 8], leaves, proof, root),
                 (size, [3, True, 8], leaves, proof, root), (size, [3, 7.0, 8], leaves, proof, root),
                 (size, (3, 7, "8"), leaves, proof, root), (size, indices, leaves[:2], proof, root),
                 (size, indices, [*leaves[:2], b"x" * 31], proof, root), (size, indices, leaves, None, root),
                 (size, indices, leaves, b"".join(proof), root), (size, indices, "abc", proof, root),
                 (size, 3, leaves, proof, root), (True, indices, leaves, proof, root),
                 (-1, indices, leaves, proof, root), (2**64, indices, leaves, proof, root),
                 (size, indices, leaves, proof, bytearray(root))):
        assert _rejected(lambda a=args: verify_multi_inclusion(*a))  # type: ignore[misc]


# -- bad input never escapes as another exception -----------------------------------------------

H = hashlib.sha256(b"h").digest()
BAD_INTS: list[Any] = [True, False, 1.0, "1", None, -1, 2**64, 2**200]
BAD_HASHES: list[Any] = [b"", b"x" * 31, b"x" * 33, bytearray(H), memoryview(H), H.hex(), None, 7]
BAD_PROOFS: list[Any] = [None, H, "ab", 5, [H[:31]], [bytearray(H)], [None], [H, "x" * 32], {H: 1}]


@pytest.mark.parametrize("bad", BAD_INTS)
def test_bad_numbers_are_proof_failures(bad: Any) -> None:
    root = head(3)
    proof = inclusion_proof(TREE, 1, 3)
    assert _rejected(lambda: verify_inclusion(bad, 3, LEAVES[1], proof, root))
    assert _rejected(lambda: verify_inclusion(1, bad, LEAVES[1], proof, root))
    cproof = consistency_proof(TREE, 2, 3)
    assert _rejected(lambda: verify_consistency(bad, 3, head(2), root, cproof))
    assert _rejected(lambda: verify_consistency(2, bad, head(2), root, cproof))
    assert _rejected(lambda: verify_multi_inclusion(bad, [1], [LEAVES[1]], proof, root))
    assert _rejected(lambda: verify_multi_inclusion(3, [bad], [LEAVES[1]], proof, root))


@pytest.mark.parametrize("bad", BAD_HASHES)
def test_bad_hashes_are_proof_failures(bad: Any) -> None:
    root, root2 = head(3), head(2)
    proof, cproof = inclusion_proof(TREE, 1, 3), consistency_proof(TREE, 2, 3)
    assert _rejected(lambda: verify_inclusion(1, 3, bad, proof, root))
    assert _rejected(lambda: verify_inclusion(1, 3, LEAVES[1], proof, bad))
    assert _rejected(lambda: verify_inclusion(1, 3, LEAVES[1], [bad, *proof[1:]], root))
    assert _rejected(lambda: verify_consistency(2, 3, bad, root, cproof))
    assert _rejected(lambda: verify_consistency(2, 3, root2, bad, cproof))
    assert _rejected(lambda: verify_consistency(3, 3, bad, bad, []))
    assert _rejected(lambda: verify_multi_inclusion(3, [1], [bad], proof, root))
    assert _rejected(lambda: verify_multi_inclusion(3, [1], [LEAVES[1]], proof, bad))


@pytest.mark.parametrize("bad", BAD_PROOFS)
def test_bad_proofs_are_proof_failures(bad: Any) -> None:
    root = head(3)
    assert _rejected(lambda: verify_inclusion(1, 3, LEAVES[1], bad, root))
    assert _rejected(lambda: verify_consistency(2, 3, head(2), root, bad))
    assert _rejected(lambda: verify_consistency(3, 3, root, root, bad))
    assert _rejected(lambda: verify_multi_inclusion(3, [1], [LEAVES[1]], bad, root))


# -- O(log n) lookups ---------------------------------------------------------------------------


class LazySource:
    """A NodeSource for a tree of ``size`` leaves that stores nothing: each subtree "hash" is
    SHA-256 of its coordinates (only the number of lookups matters here). Fails on any lookup
    beyond the tree."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lookups = 0

    def subtree(self, level: int, index: int) -> bytes:
        assert level >= 0 and index >= 0 and (index + 1) << level <= self.size
        self.lookups += 1
        return hashlib.sha256(f"{level}/{index}".encode()).digest()


N = 1_000_000
BOUND = 2 * math.log2(N) + 2


@pytest.mark.parametrize("index", [0, 1, 2, 999, 524_287, 524_288, 700_001, 999_423, 999_998, 999_999])
def test_an_inclusion_proof_needs_log_n_lookups(index: int) -> None:
    source = LazySource(N)
    proof = inclusion_proof(source, index, N)
    assert source.lookups <= BOUND
    assert len(proof) <= math.ceil(math.log2(N))
    roots = LazySource(N)
    tree_root(roots, N)
    assert roots.lookups <= math.log2(N) + 1


@pytest.mark.parametrize("size1", [1, 2, 3, 1000, 524_287, 524_288, 524_289, 777_777, 999_999, 1_000_000])
def test_a_consistency_proof_needs_log_n_lookups(size1: int) -> None:
    source = LazySource(N)
    proof = consistency_proof(source, size1, N)
    assert source.lookups <= BOUND
    assert len(proof) <= math.ceil(math.log2(N)) + 1


def test_memory_tree_is_a_node_source() -> None:
    source: NodeSource = TREE
    assert source.subtree(0, 5) == LEAVES[5] and TREE.size == MAX
