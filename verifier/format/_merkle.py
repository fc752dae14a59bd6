"""Merkle trees of RFC 9162 (Certificate Transparency 2.0, §2.1) over SHA-256: hashes, roots,
proofs, and their verification. Pure: bytes and ints in, bytes out or a coded error.

Notation as in RFC 9162 §2.1.1: ``D[n]`` is the list of ``n`` leaves, ``D[lo:hi]`` the leaves
``lo`` to ``hi - 1``, ``MTH`` the Merkle Tree Hash, and ``k`` the largest power of two strictly
smaller than the number of leaves of the range being split. Functions here take *leaf hashes*
(``leaf_hash(entry)``), not entries. Tree sizes and indices are non-negative ``int`` below
2**64 (RFC 9162's uint64); a ``bool`` is not an ``int`` here.

Every ``verify_*`` function raises ``VerificationFailure(Code.LOG_PROOF_INVALID, ...)`` on any
failure — a hash that is not exactly 32 ``bytes``, a size or index that is negative, not an
``int`` or out of range, a proof that is too short or too long, a root that does not match — and
never any other exception for bad input. The functions that build proofs from a
:class:`NodeSource` raise ``UsageError`` when called with arguments that make no sense.

Multi-leaf inclusion proof ("multiproof", provenote's own; not part of RFC 9162)
---------------------------------------------------------------------------------
For a tree of ``size`` leaves and a non-empty, strictly increasing list ``S`` of leaf indices,
all smaller than ``size``, the proof is the list of hashes emitted by ``PROOF(0, size, S)``::

    PROOF(lo, hi, S):               # S = the indices of S within [lo, hi)
      if S is empty: emit MTH(D[lo:hi])      # one hash for a subtree holding none of the leaves
      elif hi - lo == 1: emit nothing        # the verifier has this leaf's hash
      else:
        k = the largest power of 2 smaller than hi - lo
        PROOF(lo, lo + k, S ∩ [lo, lo + k))
        PROOF(lo + k, hi, S ∩ [lo + k, hi))

in that order (left before right, depth first). The verifier, given ``size``, ``S``, the leaf
hash of each member of ``S`` and the proof, recomputes ``ROOT(0, size, S)``::

    ROOT(lo, hi, S):
      if S is empty: take the next hash of the proof (fail if there is none)
      elif hi - lo == 1: the leaf hash given for the one index in S
      else: node_hash(ROOT(lo, lo + k, S ∩ [lo, lo + k)), ROOT(lo + k, hi, S ∩ [lo + k, hi)))

It must consume the proof exactly (fail if a hash is left over) and the result must equal the
expected root. For a single index the proof holds the same hashes as the RFC 9162 inclusion
proof, in another order. Its length is at most ``|S| · ceil(log2(size))`` hashes, and far less
when the leaves cluster. If ``S`` is empty the proof must be empty and nothing is checked
against the root (the root must still be a 32-byte hash): an empty set of leaves proves nothing.

Storage
-------
A writer stores every *complete* subtree — the hash of ``D[i·2**l : (i+1)·2**l]`` under
``(level l, index i)`` — as :func:`completed_nodes` hands them out on each append (two nodes
per leaf, amortised). Any root or proof then needs O(log n) lookups (:class:`NodeSource`).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Sequence
from typing import Protocol

from verifier.format._codes import Code, UsageError, VerificationFailure

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = SHA-256()
MAX_SIZE = 2**64 - 1  # tree sizes are uint64 (RFC 9162 §4.1 and §4.10)

_LEAF_PREFIX = b"\x00"  # RFC 9162 §2.1.1: leaf hashes and node hashes are domain-separated
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d) (RFC 9162 §2.1.1)."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an inner node (RFC 9162 §2.1.1)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """k: the largest power of two strictly smaller than n (n > 1), RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def _fail(message: str) -> VerificationFailure:
    return VerificationFailure(Code.LOG_PROOF_INVALID, message)


def _is_hash(value: object) -> bool:
    return type(value) is bytes and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_SIZE


def _checked_proof(proof: object) -> Sequence[bytes]:
    """The proof if it is a sequence of 32-byte hashes. Raises VerificationFailure otherwise."""
    if not isinstance(proof, Sequence) or isinstance(proof, (str, bytes, bytearray)):
        raise _fail("a proof is a list of hashes")
    for item in proof:
        if not _is_hash(item):
            raise _fail(f"a proof hash is not {HASH_SIZE} bytes")
    return proof


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the given leaf hashes (RFC 9162 §2.1.1), iteratively in O(n): pairing level
    by level, an odd last node moving up unchanged, gives the same tree as the RFC's split at
    k. EMPTY_ROOT for no leaves. Raises UsageError if a leaf hash is not 32 bytes."""
    level = list(leaves)
    for item in level:
        if not _is_hash(item):
            raise UsageError(f"a leaf hash is {HASH_SIZE} bytes, not {item!r}")
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        even = len(level) & ~1
        parents = [_sha256(_NODE_PREFIX + left + right).digest()
                   for left, right in zip(level[0:even:2], level[1:even:2], strict=True)]
        if even != len(level):
            parents.append(level[-1])
        level = parents
    return level[0]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` (a leaf hash) is leaf number ``index`` of the tree of ``size`` leaves
    whose root is ``root``, by the audit path ``proof`` (RFC 9162 §2.1.3.2).
    Raises VerificationFailure(LOG_PROOF_INVALID) on any failure."""
    if not _is_count(index) or not _is_count(size):
        raise _fail("the leaf index and tree size are integers from 0 to 2**64 - 1")
    if index >= size:
        raise _fail(f"leaf index {index} is not below tree size {size}")
    if not _is_hash(leaf) or not _is_hash(root):
        raise _fail(f"the leaf hash and the root are {HASH_SIZE} bytes")
    path = _checked_proof(proof)
    # The path's length is fixed by (index, size): one hash per level below the highest bit in
    # which index and size - 1 differ, plus one per set bit of index above it (RFC 9162 §2.1.3.1).
    inner = (index ^ (size - 1)).bit_length()
    expected = inner + (index >> inner).bit_count()
    if len(path) != expected:
        raise _fail(f"the inclusion proof has {len(path)} hashes, expected {expected}")
    # RFC 9162 §2.1.3.2, steps 1-5.
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise _fail("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = _sha256(_NODE_PREFIX + p + r).digest()
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _sha256(_NODE_PREFIX + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("the inclusion proof is too short")
    if r != root:
        raise _fail("the inclusion proof does not lead to the root")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``size1`` leaves with root ``root1`` is a prefix of the tree of
    ``size2`` leaves with root ``root2`` (RFC 9162 §2.1.4.2). Equal sizes: the proof must be
    empty and the roots equal. ``size1 == 0``: the proof must be empty and ``root1`` must be
    EMPTY_ROOT (every tree extends the empty one). ``size1 > size2`` fails.
    Raises VerificationFailure(LOG_PROOF_INVALID) on any failure."""
    if not _is_count(size1) or not _is_count(size2):
        raise _fail("tree sizes are integers from 0 to 2**64 - 1")
    if size1 > size2:
        raise _fail(f"tree size {size1} is larger than {size2}")
    if not _is_hash(root1) or not _is_hash(root2):
        raise _fail(f"roots are {HASH_SIZE} bytes")
    path = _checked_proof(proof)
    if size1 == size2:
        if path:
            raise _fail("trees of equal size need an empty consistency proof")
        if root1 != root2:
            raise _fail("trees of equal size have different roots")
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise _fail("the root of the empty tree is not SHA-256 of nothing")
        return
    if size1 == 0:
        if path:
            raise _fail("consistency with the empty tree needs an empty proof")
        if root1 != EMPTY_ROOT:
            raise _fail("the root of the empty tree is not SHA-256 of nothing")
        return
    # Length check up front (as RFC 9162 §2.1.4.2's loop would find at its end): strip the
    # levels where size1's subtree is complete, then an inclusion path for the node left of
    # the border, plus the seed hash when size1 is not a power of two.
    shift = (size1 & -size1).bit_length() - 1
    fn0, sn0 = (size1 - 1) >> shift, (size2 - 1) >> shift
    inner = (fn0 ^ sn0).bit_length()
    power_of_two = size1 & (size1 - 1) == 0
    expected = inner + (fn0 >> inner).bit_count() + (0 if power_of_two else 1)
    if len(path) != expected:
        raise _fail(f"the consistency proof has {len(path)} hashes, expected {expected}")
    # RFC 9162 §2.1.4.2, steps 2-7.
    hashes = [root1, *path] if power_of_two else list(path)  # step 2
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = hashes[0]  # step 5
    for c in hashes[1:]:  # step 6
        if sn == 0:
            raise _fail("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = _sha256(_NODE_PREFIX + c + fr).digest()
            sr = _sha256(_NODE_PREFIX + c + sr).digest()
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _sha256(_NODE_PREFIX + sr + c).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 7
        raise _fail("the consistency proof is too short")
    if fr != root1:
        raise _fail("the consistency proof does not lead to the first root")
    if sr != root2:
        raise _fail("the consistency proof does not lead to the second root")


def verify_multi_inclusion(size: int, indices: Sequence[int], leaves: Sequence[bytes],
                           proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaves[j]`` (leaf hashes) is leaf number ``indices[j]`` of the tree of
    ``size`` leaves whose root is ``root``, for every j, by the multiproof defined in the module
    docstring. ``indices`` must be strictly increasing and below ``size``. No indices: the proof
    must be empty and the root is not compared (nothing is proved).
    Raises VerificationFailure(LOG_PROOF_INVALID) on any failure."""
    if not _is_count(size):
        raise _fail("the tree size is an integer from 0 to 2**64 - 1")
    if not _is_hash(root):
        raise _fail(f"the root is {HASH_SIZE} bytes")
    for name, value in (("leaf indices", indices), ("leaf hashes", leaves)):
        if not isinstance(value, Sequence) or isinstance(value, (str, bytes, bytearray)):
            raise _fail(f"the {name} are a list")
    path = _checked_proof(proof)
    if len(indices) != len(leaves):
        raise _fail(f"{len(indices)} leaf indices but {len(leaves)} leaf hashes")
    previous = -1
    for index in indices:
        if type(index) is not int or not previous < index < size:
            raise _fail("the leaf indices are integers, strictly increasing and below the tree size")
        previous = index
    for item in leaves:
        if not _is_hash(item):
            raise _fail(f"a leaf hash is not {HASH_SIZE} bytes")
    if not indices:
        if path:
            raise _fail("a multiproof for no leaves is empty")
        return
    position = 0
    available = len(path)

    def subroot(lo: int, hi: int, a: int, b: int) -> bytes:
        # ROOT(lo, hi, S) of the module docstring; S = indices[a:b], all within [lo, hi).
        nonlocal position
        if a == b:
            if position == available:
                raise _fail("the multiproof is too short")
            position += 1
            return path[position - 1]
        if hi - lo == 1:
            return leaves[a]
        mid = lo + (1 << ((hi - lo - 1).bit_length() - 1))
        c = bisect_left(indices, mid, a, b)
        left = subroot(lo, mid, a, c)
        return _sha256(_NODE_PREFIX + left + subroot(mid, hi, c, b)).digest()

    computed = subroot(0, size, 0, len(indices))
    if position != available:
        raise _fail("the multiproof is too long")
    if computed != root:
        raise _fail("the multiproof does not lead to the root")


class NodeSource(Protocol):
    """Where complete subtrees are looked up: a writer's store, or :class:`MemoryTree`."""

    def subtree(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree holding leaves [index * 2**level, (index + 1) * 2**level):
        the leaf hash itself at level 0."""
        ...


def _check_range(lo: object, hi: object) -> None:
    if not _is_count(lo) or not _is_count(hi):
        raise UsageError(f"leaf positions are integers from 0 to 2**64 - 1, not {lo!r}, {hi!r}")


def subtree_root(source: NodeSource, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for a range the RFC 9162 §2.1.1 recursion produces: ``lo < hi`` and ``lo`` a
    multiple of the smallest power of two >= ``hi - lo``. Folds the complete subtrees of the
    range's binary decomposition, right to left: one lookup per set bit of ``hi - lo``.
    Raises UsageError for any other range."""
    _check_range(lo, hi)
    width = hi - lo
    if width <= 0 or lo % (1 << (width - 1).bit_length()):
        raise UsageError(f"[{lo}, {hi}) is not a range of the Merkle tree's recursion")
    parts: list[bytes] = []
    position = lo
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            parts.append(source.subtree(level, position >> level))
            position += 1 << level
    result = parts.pop()
    while parts:
        result = _sha256(_NODE_PREFIX + parts.pop() + result).digest()
    return result


def tree_root(source: NodeSource, size: int) -> bytes:
    """MTH(D[size]): EMPTY_ROOT for 0, else from at most log2(size) + 1 lookups."""
    _check_range(0, size)
    return EMPTY_ROOT if size == 0 else subtree_root(source, 0, size)


def _complete(source: NodeSource, lo: int, width: int) -> bytes:
    """MTH(D[lo:lo+width]) for a power of two ``width`` with ``lo`` a multiple of it."""
    level = width.bit_length() - 1
    return source.subtree(level, lo >> level)


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, the sibling nearest the leaf first; verify with
    :func:`verify_inclusion`. At most 2·log2(size) + 1 lookups.
    Raises UsageError unless 0 <= index < size."""
    _check_range(index, size)
    if index >= size:
        raise UsageError(f"leaf index {index} is not below tree size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:  # walk down from the root; the RFC appends each sibling after the subpath
        k = _split(hi - lo)
        if index < lo + k:  # m < k: PATH(m, D[0:k]) : MTH(D[k:n])
            path.append(subtree_root(source, lo + k, hi))
            hi = lo + k
        else:  # m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append(_complete(source, lo, k))
            lo += k
    path.reverse()
    return path


def consistency_proof(source: NodeSource, size1: int, size2: int) -> list[bytes]:
    """PROOF(size1, D[size2]) = SUBPROOF(size1, D[size2], true) of RFC 9162 §2.1.4.1; verify with
    :func:`verify_consistency`. At most 2·log2(size2) + 2 lookups.
    Raises UsageError unless 0 < size1 <= size2."""
    _check_range(size1, size2)
    if not 0 < size1 <= size2:
        raise UsageError(f"a consistency proof needs 0 < size1 <= size2, not {size1}, {size2}")
    tail: list[bytes] = []  # the hashes SUBPROOF appends after its recursive part, outermost first
    lo, hi, m, whole = 0, size2, size1, True
    while m != hi - lo:  # m < n
        k = _split(hi - lo)
        if m <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            tail.append(subtree_root(source, lo + k, hi))
            hi = lo + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            tail.append(_complete(source, lo, k))
            lo += k
            m -= k
            whole = False
    # SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}
    proof: list[bytes] = [] if whole else [subtree_root(source, lo, hi)]
    proof.extend(reversed(tail))
    return proof


def multi_inclusion_proof(source: NodeSource, size: int, indices: Sequence[int]) -> list[bytes]:
    """The multiproof of the module docstring for the leaves ``indices`` (strictly increasing,
    below ``size``) of the tree of ``size`` leaves; empty for no indices. Verify with
    :func:`verify_multi_inclusion`. Raises UsageError for bad indices."""
    _check_range(0, size)
    previous = -1
    for index in indices:
        if type(index) is not int or not previous < index < size:
            raise UsageError("leaf indices are integers, strictly increasing and below the tree size")
        previous = index
    proof: list[bytes] = []
    if not indices:
        return proof

    def emit(lo: int, hi: int, a: int, b: int) -> None:
        # PROOF(lo, hi, S) of the module docstring; S = indices[a:b], all within [lo, hi).
        if a == b:
            proof.append(subtree_root(source, lo, hi))
        elif hi - lo > 1:
            mid = lo + _split(hi - lo)
            c = bisect_left(indices, mid, a, b)
            emit(lo, mid, a, c)
            emit(mid, hi, c, b)

    emit(0, size, 0, len(indices))
    return proof


def completed_nodes(source: NodeSource, size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """The complete subtrees that appending ``leaf`` (a leaf hash) as leaf number ``size`` (0-based)
    completes, as (level, index, hash): ``(0, size, leaf)``, then each parent while the node's
    index at its level is odd, its left sibling read from ``source``. Storing exactly these on
    every append keeps every complete subtree stored: two nodes per leaf, amortised.
    Raises UsageError for a bad size or a leaf that is not a 32-byte hash."""
    _check_range(0, size)
    if not _is_hash(leaf):
        raise UsageError(f"a leaf hash is {HASH_SIZE} bytes, not {leaf!r}")
    nodes = [(0, size, leaf)]
    level, index, value = 0, size, leaf
    while index & 1:
        value = _sha256(_NODE_PREFIX + source.subtree(level, index - 1) + value).digest()
        level += 1
        index >>= 1
        nodes.append((level, index, value))
    return nodes


class MemoryTree:
    """A :class:`NodeSource` in a dict, for tests and benches: every complete subtree, as a writer
    stores them."""

    __slots__ = ("_nodes", "_size")

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._size = 0

    @property
    def size(self) -> int:
        """The number of leaves appended."""
        return self._size

    def append(self, leaf: bytes) -> None:
        """Append a leaf hash. Raises UsageError if it is not a 32-byte hash."""
        for level, index, value in completed_nodes(self, self._size, leaf):
            self._nodes[level, index] = value
        self._size += 1

    def subtree(self, level: int, index: int) -> bytes:
        """The stored complete subtree. Raises UsageError if it is not complete (not stored)."""
        try:
            return self._nodes[level, index]
        except KeyError:
            raise UsageError(f"no complete subtree at level {level}, index {index}") from None

    def root(self) -> bytes:
        """MTH of all the leaves appended."""
        return tree_root(self, self._size)
