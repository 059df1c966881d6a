#!/usr/bin/python3
"""Cross-checks adledger's Merkle proofs and signed checkpoints against RFC 9162.

  check_proofs.py --vectors BIN [--adledger BIN --root REPO] [--self-test] [--keep]

What: this file holds its own implementation of RFC 9162 section 2.1,
written from the RFC's recursive definitions and first checked against the
reference vectors of Certificate Transparency's implementations (the eight
leaves, their roots, and the inclusion and consistency proofs of
transparency-dev/merkle's tests), and against a second, list-slicing copy
of the same definitions:

    MTH(D[n])          = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),  k the largest power of two < n
    PATH(m, D[n])      = PATH(m, D[0:k]) : MTH(D[k:n])       if m < k
                       = PATH(m - k, D[k:n]) : MTH(D[0:k])   if m >= k
    PROOF(m, D[n])     = SUBPROOF(m, D[n], true)
    SUBPROOF(m, D[m], true) = {},  SUBPROOF(m, D[m], false) = {MTH(D[m])}
    SUBPROOF(m, D[n], b)    = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          if m <= k
                            = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  if m > k

plus the RFC's verification algorithms (sections 2.1.3.2 and 2.1.4.2).
Its keys and signed notes (C2SP signed-note, Ed25519) are likewise
checked first against the example of golang.org/x/mod/sumdb/note.
The levels of complete subtrees are built bottom-up once, and the MTH of
any other range is memoised by (begin, end), so a tree of a million leaves
takes a few seconds.

With --vectors: runs adledger_merkle_vectors, which prints roots and
proofs made by adledger's own proof code over the tree whose leaf i is
leaf_hash("leaf i"), every proof of every size up to 300, 64 and 100 (its
node store kept from levels 8, 0 and 2) and random proofs in trees of up to
a million and 4097 leaves, and compares every line with the proof computed
here: the same hashes in the same order. Every path is also verified with
the RFC's algorithms, and a sample of them must fail once corrupted: a hash
flipped, a hash dropped or added, the size or the index off by one (checked
against the root of that other size), the roots swapped.

With --adledger and --root: builds the founding case's ledger, generates
a signing key, signs checkpoints, proves every record's inclusion at the
current size and at earlier ones and the consistency of every pair of sizes
(a sample when there are many), compares each proof with the one computed
here, has both tools/adledger-check and `adledger check` accept them, and
has both refuse forged ones: a checkpoint signed by another key, with its
size or root line altered or its signature removed; a proof with a hash
flipped; a record's line edited; a consistency proof against a checkpoint
of a forked ledger. `adledger prove` must refuse impossible requests.
Then reports with proofs (`report advertiser|platform|pledges --proofs
CHECKPOINT --key KEY.pub --format json`), of the founding case and of a
richer ledger (spend ranges, a reversed entry, two currencies, a disclosed
total, a pledge with a disbursement, rates, spend inside a ban, a withdrawn
policy action): their proofs must be the ones computed here, of exactly
the records the report cites, and `tools/adledger-check report` must accept
each report and recompute figures from the proven records, and refuse
forged copies (a proof's hash flipped, a record's amount edited, a figure's
amount changed, a cited entry's proof removed, the checkpoint signed by
another key, ...). adledger must refuse a checkpoint of an earlier size and
--key without --proofs, and its HTML must offer the JSON output with its proofs
for download.

--self-test: checks tools/adledger-check on its own, with a key generated
here and checkpoints, proofs and a report written here from this file's
implementation, and that it refuses the same forgeries and malformed input.

Whatever the mode, the comparison of adledger_merkle_vectors' lines is first run on proofs made
here, as they are and with one deliberate change each, which it must
notice: a check that cannot fail proves nothing.

Why: a proof is only worth what its checking is worth. The proofs are
compared with ones made from the RFC's text, not from adledger's code, and
the checkers must be seen to refuse what they exist to refuse.

Exit 0 with a summary when every check holds; exit 1 with FAIL lines
otherwise (exit 2 for a usage error).
"""

import argparse
import base64
import collections
import hashlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PYTHON = "/usr/bin/python3"
NOW = "2026-11-22T12:00:00.000Z"
ALGORITHM = "RFC 9162, SHA-256"
EMPTY_ROOT = hashlib.sha256(b"").digest()
HEX64 = re.compile(r"[0-9a-f]{64}")
EM_DASH = "\u2014"
ED25519 = b"\x01"  # the signature-algorithm byte before Ed25519 keys

# RFC 6962/9162 reference vectors, as Certificate Transparency's
# implementations test their trees (transparency-dev/merkle,
# proof/verify_test.go): eight leaf inputs, the roots of the trees of their
# first 1..8, and proofs in those trees. Inclusion: (index, size, path);
# consistency: (first, second, path).
CT_LEAF_INPUTS = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
                  bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]

# The example of golang.org/x/mod/sumdb/note (its documentation and tests),
# whose key formats and signed notes adledger's follow: a private key (its
# base64 holds a '+'), its verifier key, and the note it signs of a text.
# Ed25519 signatures are deterministic, so the note is reproduced here byte
# for byte.
GO_PRIVATE_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann "
           "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")

# The runs of adledger_merkle_vectors: (arguments, what they print).
VECTOR_RUNS = [["all", "300", "8"], ["all", "64", "0"], ["all", "100", "2"],
               ["sample", "1000000", "200", "7", "8"], ["sample", "4097", "500", "3", "2"]]
SHOWN_MISMATCHES = 5  # per run; the rest are counted


class Failures:
    SHOWN = 60  # a broken command fails hundreds of checks: the first ones say enough

    def __init__(self):
        self.lines = []

    def add(self, message):
        self.lines.append(message)
        if len(self.lines) <= self.SHOWN:
            print("FAIL " + message, flush=True)
        elif len(self.lines) == self.SHOWN + 1:
            print("FAIL ... (further failures are counted, not shown)", flush=True)


# RFC 9162 section 2.1, written from the RFC.

def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n):
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def vector_leaf(i):
    """Leaf i of adledger_merkle_vectors' tree."""
    return leaf_hash(b"leaf %d" % i)


class Tree:
    """MTH, PATH and PROOF over a list of leaf hashes, by the RFC's recursion
    on ranges [begin, end) of the leaves. The roots of aligned power-of-two
    ranges (complete subtrees) are built bottom-up once, level by level, as
    concatenated 32-byte hashes; the MTH of other ranges is memoised."""

    def __init__(self, leaves):
        self.size = len(leaves)
        self.levels = [b"".join(leaves)]
        while len(self.levels[-1]) >= 64:
            below = self.levels[-1]
            self.levels.append(b"".join(hashlib.sha256(b"\x01" + below[i:i + 64]).digest()
                                        for i in range(0, len(below) - 63, 64)))
        self.memo = {}

    def leaf(self, i):
        return self.levels[0][32 * i:32 * i + 32]

    def mth(self, begin, end):
        n = end - begin
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and begin % n == 0:  # a complete subtree: look it up
            level, index = n.bit_length() - 1, begin // n
            return self.levels[level][32 * index:32 * index + 32]
        root = self.memo.get((begin, end))
        if root is None:
            k = split_point(n)
            root = self.memo[(begin, end)] = node_hash(self.mth(begin, begin + k), self.mth(begin + k, end))
        return root

    def root(self, size):
        return self.mth(0, size)

    def path(self, m, begin, end):
        """PATH(m - begin, D[begin:end]), m the absolute index of the leaf."""
        n = end - begin
        if n == 1:
            return []
        k = split_point(n)
        if m < begin + k:
            return self.path(m, begin, begin + k) + [self.mth(begin + k, end)]
        return self.path(m, begin + k, end) + [self.mth(begin, begin + k)]

    def subproof(self, m, begin, end, b):
        """SUBPROOF(m, D[begin:end], b), m counted from begin."""
        n = end - begin
        if m == n:
            return [] if b else [self.mth(begin, end)]
        k = split_point(n)
        if m <= k:
            return self.subproof(m, begin, begin + k, b) + [self.mth(begin + k, end)]
        return self.subproof(m - k, begin + k, end, False) + [self.mth(begin, begin + k)]

    def inclusion(self, index, size):
        return self.path(index, 0, size)

    def consistency(self, first, second):
        return self.subproof(first, 0, second, True)


# The same definitions once more, on Python lists and slices, without
# levels or memo: slow, but with nothing to get wrong but the RFC itself.

def mth_list(d):
    if not d:
        return EMPTY_ROOT
    if len(d) == 1:
        return d[0]
    k = split_point(len(d))
    return node_hash(mth_list(d[:k]), mth_list(d[k:]))


def path_list(m, d):
    if len(d) == 1:
        return []
    k = split_point(len(d))
    if m < k:
        return path_list(m, d[:k]) + [mth_list(d[k:])]
    return path_list(m - k, d[k:]) + [mth_list(d[:k])]


def subproof_list(m, d, b):
    if m == len(d):
        return [] if b else [mth_list(d)]
    k = split_point(len(d))
    if m <= k:
        return subproof_list(m, d[:k], b) + [mth_list(d[k:])]
    return subproof_list(m - k, d[k:], False) + [mth_list(d[:k])]


# The RFC's verification algorithms: the root(s) a proof leads to, or None
# when the path does not fit the sizes.

def root_from_inclusion(index, size, leaf, path):
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def roots_from_consistency(first, second, first_root, path):
    """RFC 9162 section 2.1.4.2, for 1 <= first <= second. Equal sizes have
    the empty proof (SUBPROOF(m, D[m], true) = {}) and equal roots."""
    if not 1 <= first <= second:
        return None
    if first == second:
        return None if path else (first_root, first_root)
    if not path:
        return None
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return (fr, sr) if sn == 0 else None


def inclusion_holds(tree, index, size, leaf, path):
    return root_from_inclusion(index, size, leaf, path) == tree.root(size)


def consistency_holds(tree, first, second, path, first_root=None, second_root=None):
    first_root = tree.root(first) if first_root is None else first_root
    second_root = tree.root(second) if second_root is None else second_root
    return roots_from_consistency(first, second, first_root, path) == (first_root, second_root)


def flipped(h, bit=0):
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


def inclusion_forgeries(tree, index, size, path):
    """Variants of a good inclusion proof that must all fail:
    (description, index, size, leaf, path)."""
    leaf = tree.leaf(index)
    out = [(f"path[{j}] flipped", index, size, leaf, path[:j] + [flipped(path[j], j % 8)] + path[j + 1:])
           for j in range(len(path))]
    out += [("an extra hash", index, size, leaf, path + [tree.root(size)]),
            ("another leaf", index, size, flipped(leaf), path)]
    if path:
        out.append(("the last hash dropped", index, size, leaf, path[:-1]))
    if size < tree.size:
        out.append(("size + 1", index, size + 1, leaf, path))
    if size > 1:
        out.append(("size - 1", index, size - 1, leaf, path))
    out += [(f"index {i}", i, size, leaf, path) for i in (index - 1, index + 1, index ^ 2) if 0 <= i < size]
    return out


def consistency_forgeries(tree, first, second, path):
    """Variants of a good consistency proof that must all fail:
    (description, first, second, path, first_root, second_root)."""
    r1, r2 = tree.root(first), tree.root(second)
    out = [(f"path[{j}] flipped", first, second, path[:j] + [flipped(path[j], j % 8)] + path[j + 1:], r1, r2)
           for j in range(len(path))]
    out.append(("an extra hash", first, second, path + [r2], r1, r2))
    if path:
        out.append(("the last hash dropped", first, second, path[:-1], r1, r2))
    if r1 != r2:
        out.append(("the roots swapped", first, second, path, r2, r1))
    for label, f, s in (("first - 1", first - 1, second), ("first + 1", first + 1, second),
                        ("second - 1", first, second - 1), ("second + 1", first, second + 1)):
        if 1 <= f <= s <= tree.size:
            out.append((label, f, s, path, tree.root(f), tree.root(s)))
    return out


def check_implementation(failures):
    """This file's RFC 9162 against the reference vectors, and the memoised
    range recursion against the list-slicing one. Returns what it checked."""
    leaves = [leaf_hash(d) for d in CT_LEAF_INPUTS]
    tree = Tree(leaves)
    if tree.root(0) != EMPTY_ROOT:
        failures.add("this file's MTH of the empty tree is not SHA-256(\"\")")
    for n, expected in enumerate(CT_ROOTS, start=1):
        for name, got in (("MTH", tree.root(n)), ("list MTH", mth_list(leaves[:n]))):
            if got.hex() != expected:
                failures.add(f"this file's {name} of the first {n} reference leaves is {got.hex()}, "
                             f"the reference vector says {expected}")
    for index, size, path in CT_INCLUSION:
        got = [h.hex() for h in tree.inclusion(index, size)]
        if got != path:
            failures.add(f"this file's PATH({index}, D[{size}]) is {got}, the reference vector says {path}")
        if not inclusion_holds(tree, index, size, leaves[index], [bytes.fromhex(h) for h in path]):
            failures.add(f"the reference inclusion proof of leaf {index} in {size} does not verify here")
    for first, second, path in CT_CONSISTENCY:
        got = [h.hex() for h in tree.consistency(first, second)]
        if got != path:
            failures.add(f"this file's PROOF({first}, D[{second}]) is {got}, the reference vector says {path}")
        if not consistency_holds(tree, first, second, [bytes.fromhex(h) for h in path]):
            failures.add(f"the reference consistency proof from {first} to {second} does not verify here")
    for index, size, path in CT_INCLUSION:
        for label, *forged in inclusion_forgeries(tree, index, size, [bytes.fromhex(h) for h in path]):
            if inclusion_holds(tree, *forged):
                failures.add(f"the reference inclusion proof of leaf {index} in {size} with {label} verifies here")
    for first, second, path in CT_CONSISTENCY:
        for label, *forged in consistency_forgeries(tree, first, second, [bytes.fromhex(h) for h in path]):
            if consistency_holds(tree, *forged):
                failures.add(f"the reference consistency proof from {first} to {second} with {label} verifies here")
    count = 0
    small = Tree([vector_leaf(i) for i in range(48)])
    d = [small.leaf(i) for i in range(48)]
    for size in range(1, 49):
        if small.root(size) != mth_list(d[:size]):
            failures.add(f"the memoised MTH of {size} leaves differs from the list recursion's")
        for i in range(size):
            count += 1
            if small.inclusion(i, size) != path_list(i, d[:size]):
                failures.add(f"the memoised PATH({i}, D[{size}]) differs from the list recursion's")
        for m in range(1, size + 1):
            count += 1
            if small.consistency(m, size) != subproof_list(m, d[:size], True):
                failures.add(f"the memoised PROOF({m}, D[{size}]) differs from the list recursion's")
    return count


# adledger_merkle_vectors' lines against this file's proofs.

class Mismatch(Exception):
    pass


def parse_vector(text):
    """A line of adledger_merkle_vectors as (kind, parameters, hashes)."""
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise Mismatch(f"not JSON ({e})")
    shapes = {"root": ["kind", "size", "root"], "inclusion": ["kind", "size", "index", "path"],
              "consistency": ["kind", "first", "second", "path"]}
    kind = obj.get("kind") if isinstance(obj, dict) else None
    if kind not in shapes or sorted(obj) != sorted(shapes[kind]):
        raise Mismatch("not a root, inclusion or consistency line of the documented shape")
    params = tuple(obj[k] for k in shapes[kind][1:-1])
    if any(type(p) is not int for p in params):
        raise Mismatch("its sizes are not integers")
    hashes = [obj["root"]] if kind == "root" else obj["path"]
    if not isinstance(hashes, list) or not all(isinstance(h, str) and HEX64.fullmatch(h) for h in hashes):
        raise Mismatch("a hash is not 64 lowercase hex digits")
    return kind, params, [bytes.fromhex(h) for h in hashes]


class VectorCheck:
    """Compares runs of adledger_merkle_vectors with `tree`, counting."""

    def __init__(self, tree, failures, forgeries_every=10):
        self.tree, self.failures = tree, failures
        self.counts = collections.Counter()
        self.rng = random.Random(9162)
        self.forgeries_every = forgeries_every

    def expected(self, kind, params):
        if kind == "root":
            return [self.tree.root(params[0])]
        if kind == "inclusion":
            return self.tree.inclusion(params[1], params[0])
        return self.tree.consistency(*params)

    def check_line(self, kind, params, hashes, limit):
        """Compares one line and verifies its proof; raises Mismatch."""
        valid = {"root": lambda s: 1 <= s <= limit, "inclusion": lambda s, i: 0 <= i < s <= limit,
                 "consistency": lambda m, s: 1 <= m <= s <= limit}[kind]
        what = {"root": "the root of size {}", "inclusion": "the inclusion path in size {} of leaf {}",
                "consistency": "the consistency path from {} to {}"}[kind].format(*params)
        if not valid(*params):
            raise Mismatch(f"{what} is outside a tree of {limit} leaves")
        want = self.expected(kind, params)
        if kind == "root" and hashes != want:
            raise Mismatch(f"{what} is {hashes[0].hex()}, expected {want[0].hex()}")
        if hashes != want:
            n = next((j for j, (a, b) in enumerate(zip(hashes, want)) if a != b), min(len(hashes), len(want)))
            raise Mismatch(f"{what} has {len(hashes)} hashes, expected {len(want)}; the first difference is at "
                           f"[{n}]: {hashes[n].hex() if n < len(hashes) else 'none'}, expected "
                           f"{want[n].hex() if n < len(want) else 'none'}")
        self.counts[kind] += 1
        if kind == "root":
            return
        forge = self.rng.randrange(self.forgeries_every) == 0
        if kind == "inclusion":
            size, index = params
            if not inclusion_holds(self.tree, index, size, self.tree.leaf(index), hashes):
                raise Mismatch(f"{what} does not verify with RFC 9162's algorithm")
            forgeries = inclusion_forgeries(self.tree, index, size, hashes) if forge else []
            for label, *forged in forgeries:
                if inclusion_holds(self.tree, *forged):
                    raise Mismatch(f"{what} with {label} still verifies")
        else:
            if not consistency_holds(self.tree, params[0], params[1], hashes):
                raise Mismatch(f"{what} does not verify with RFC 9162's algorithm")
            forgeries = consistency_forgeries(self.tree, params[0], params[1], hashes) if forge else []
            for label, *forged in forgeries:
                if consistency_holds(self.tree, *forged):
                    raise Mismatch(f"{what} with {label} still verifies")
        self.counts["forgeries"] += len(forgeries)

    def check_run(self, words, lines):
        """Checks the lines printed for `words`; returns the problems."""
        problems = []
        mode, limit = words[0], int(words[1])
        if mode == "all":
            expected = []
            for s in range(1, limit + 1):
                expected += [("root", (s,))] + [("inclusion", (s, i)) for i in range(s)]
                expected += [("consistency", (m, s)) for m in range(1, s + 1)]
        else:
            count = int(words[2])
            expected = None
            kinds = collections.Counter()
        for number, text in enumerate(lines, start=1):
            try:
                kind, params, hashes = parse_vector(text)
                if expected is not None:
                    if number > len(expected):
                        raise Mismatch(f"one line too many (expected {len(expected)})")
                    if (kind, params) != expected[number - 1]:
                        problems.append(f"line {number}: {kind} {params}, expected {expected[number - 1][0]} "
                                        f"{expected[number - 1][1]}; the rest is not compared")
                        break
                else:
                    kinds[kind] += 1
                    if number == 1 and (kind, params) != ("root", (limit,)):
                        raise Mismatch(f"the first line is not the root of size {limit}")
                self.check_line(kind, params, hashes, limit)
            except Mismatch as e:
                problems.append(f"line {number}: {e}: {text[:200]}")
        if expected is not None and len(lines) < len(expected):
            problems.append(f"{len(lines)} lines, expected {len(expected)}")
        if expected is None and (kinds["root"], kinds["inclusion"], kinds["consistency"]) != (1, count, count):
            problems.append(f"{kinds['root']} root, {kinds['inclusion']} inclusion and {kinds['consistency']} "
                            f"consistency lines, expected 1, {count} and {count}")
        return problems

    def run(self, binary, words):
        started = time.monotonic()
        try:
            r = subprocess.run([binary] + words, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            self.failures.add(f"adledger_merkle_vectors {' '.join(words)}: {e}")
            return
        if r.returncode != 0:
            self.failures.add(f"adledger_merkle_vectors {' '.join(words)}: exit {r.returncode}: "
                              f"{r.stderr.strip()[:300]}")
            return
        lines = r.stdout.split("\n")
        if lines[-1] == "":
            lines.pop()
        problems = self.check_run(words, lines)
        for p in problems[:SHOWN_MISMATCHES]:
            self.failures.add(f"adledger_merkle_vectors {' '.join(words)}: {p}")
        if len(problems) > SHOWN_MISMATCHES:
            self.failures.add(f"adledger_merkle_vectors {' '.join(words)}: {len(problems)} problems in all")
        self.counts["runs"] += 1
        self.counts["lines"] += len(lines)
        print(f"  adledger_merkle_vectors {' '.join(words)}: {len(lines)} lines, {len(problems)} problems "
              f"({time.monotonic() - started:.1f} s)", flush=True)


def vector_lines(tree, words, rng=None):
    """The lines adledger_merkle_vectors should print, made here: for
    checking the comparison itself."""
    def line(kind, params):
        if kind == "root":
            return json.dumps({"kind": "root", "size": params[0], "root": tree.root(params[0]).hex()})
        keys = ("size", "index") if kind == "inclusion" else ("first", "second")
        path = tree.inclusion(params[1], params[0]) if kind == "inclusion" else tree.consistency(*params)
        return json.dumps({"kind": kind, keys[0]: params[0], keys[1]: params[1], "path": [h.hex() for h in path]})

    n = int(words[1])
    if words[0] == "all":
        for s in range(1, n + 1):
            yield line("root", (s,))
            for i in range(s):
                yield line("inclusion", (s, i))
            for m in range(1, s + 1):
                yield line("consistency", (m, s))
    else:
        yield line("root", (n,))
        for _ in range(int(words[2])):
            s = rng.randint(1, n)
            yield line("inclusion", (s, rng.randrange(s)))
        for _ in range(int(words[2])):
            s = rng.randint(1, n)
            yield line("consistency", (rng.randint(1, s), s))


def check_the_comparison(failures, tree):
    """The comparison of adledger_merkle_vectors' lines must accept proofs made here and notice each of
    a few deliberate changes to them."""
    checker = VectorCheck(tree, Failures(), forgeries_every=1)
    faithful = list(vector_lines(tree, ["all", "12", "0"]))
    problems = checker.check_run(["all", "12", "0"], faithful)
    if problems:
        failures.add(f"the comparison of vector lines refuses proofs made here: {problems[0]}")
    sample = list(vector_lines(tree, ["sample", str(tree.size), "20", "1", "0"], random.Random(1)))
    problems = checker.check_run(["sample", str(tree.size), "20", "1", "0"], sample)
    if problems:
        failures.add(f"the comparison of vector lines refuses sampled proofs made here: {problems[0]}")

    def edit(lines, number, change):
        out = list(lines)
        obj = json.loads(out[number])
        change(obj)
        out[number] = json.dumps(obj)
        return out

    def flip_hex(h):
        return ("1" if h[0] == "0" else "0") + h[1:]

    def first(kind, size):  # the number of the first line of that kind in the tree of that size
        key = "size" if kind != "consistency" else "second"
        return next(j for j, t in enumerate(faithful) if json.loads(t)["kind"] == kind and json.loads(t)[key] == size)

    root_at, inclusion_at, consistency_at = first("root", 5), first("inclusion", 7) + 3, first("consistency", 7) + 2
    changes = {
        "a flipped root": edit(faithful, root_at, lambda o: o.update(root=flip_hex(o["root"]))),
        "a flipped inclusion hash": edit(faithful, inclusion_at, lambda o: o["path"].__setitem__(
            -1, flip_hex(o["path"][-1]))),
        "swapped consistency hashes": edit(faithful, consistency_at, lambda o: o.update(path=o["path"][::-1])),
        "an extra inclusion hash": edit(faithful, inclusion_at, lambda o: o["path"].append(o["path"][0])),
        "a wrong index": edit(faithful, inclusion_at, lambda o: o.update(index=o["index"] ^ 1)),
        "a missing line": faithful[:consistency_at] + faithful[consistency_at + 1:],
        "a missing last line": faithful[:-1],
        "a wrong sampled path": edit(sample, 3, lambda o: o["path"].__setitem__(0, flip_hex(o["path"][0]))),
    }
    for what, lines in changes.items():
        words = ["sample", str(tree.size), "20", "1", "0"] if "sampled" in what else ["all", "12", "0"]
        if not checker.check_run(words, lines):
            failures.add(f"the comparison of vector lines does not notice {what}")
    return len(changes)


# Signed notes, keys and checkpoints, from the C2SP signed-note and
# tlog-checkpoint specifications (independently of tools/adledger-check).

def b64(data):
    return base64.b64encode(data).decode("ascii")


def key_id(name, public):
    return hashlib.sha256(name.encode("utf-8") + b"\n\x01" + public).digest()[:4]


def public_bytes(private):
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def private_key_text(name, seed):
    private = Ed25519PrivateKey.from_private_bytes(seed)
    return f"PRIVATE+KEY+{name}+{key_id(name, public_bytes(private)).hex()}+{b64(ED25519 + seed)}"


def verifier_text(name, public):
    return f"{name}+{key_id(name, public).hex()}+{b64(ED25519 + public)}"


def parse_private_key(text):
    """(name, seed) of a PRIVATE+KEY+... line, or None."""
    m = re.fullmatch(r"PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)\n?", text)
    if not m:
        return None
    raw = base64.b64decode(m.group(3))
    if len(raw) != 33 or raw[0] != 1:
        return None
    name, seed = m.group(1), raw[1:]
    public = public_bytes(Ed25519PrivateKey.from_private_bytes(seed))
    return (name, seed) if key_id(name, public).hex() == m.group(2) else None


def parse_verifier(text):
    """(name, public key) of a NAME+ID+BASE64 line, or None."""
    m = re.fullmatch(r"([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)\n?", text)
    if not m:
        return None
    raw = base64.b64decode(m.group(3))
    if len(raw) != 33 or raw[0] != 1 or key_id(m.group(1), raw[1:]).hex() != m.group(2):
        return None
    return m.group(1), raw[1:]


def sign_note(text, name, seed):
    """The signed note of `text` (which ends with a newline)."""
    private = Ed25519PrivateKey.from_private_bytes(seed)
    signature = key_id(name, public_bytes(private)) + private.sign(text.encode("utf-8"))
    return f"{text}\n{EM_DASH} {name} {b64(signature)}\n"


def sign_checkpoint(origin, size, root, name, seed):
    return sign_note(f"{origin}\n{size}\n{b64(root)}\n", name, seed)


def check_note_format(failures):
    """This file's keys and signed notes against Go's example."""
    parsed = parse_private_key(GO_PRIVATE_KEY)
    if parsed is None:
        failures.add(f"this file cannot read Go's example private key {GO_PRIVATE_KEY}")
        return
    name, seed = parsed
    public = public_bytes(Ed25519PrivateKey.from_private_bytes(seed))
    for what, got, want in (("private key", private_key_text(name, seed), GO_PRIVATE_KEY),
                            ("verifier key", verifier_text(name, public), GO_VERIFIER_KEY),
                            ("signed note", sign_note(GO_TEXT, name, seed), GO_NOTE)):
        if got != want:
            failures.add(f"this file makes the {what} {got!r} of Go's example, which is {want!r}")
    if parse_verifier(GO_VERIFIER_KEY) != (name, public):
        failures.add("this file does not read Go's example verifier key as the key of its private key")


def parse_checkpoint(text):
    """(origin, size, root, [(name, key id, signature)], signed text) or a
    string saying what is wrong."""
    body, blank, rest = text.partition("\n\n")
    lines = body.split("\n")
    if not blank or len(lines) != 3:
        return "not three lines, a blank line and signatures"
    origin, size, root = lines
    if not origin or not re.fullmatch(r"0|[1-9][0-9]*", size):
        return f"origin {origin!r} or size {size!r} malformed"
    try:
        root_bytes = base64.b64decode(root, validate=True)
    except ValueError:
        root_bytes = b""
    if len(root_bytes) != 32 or b64(root_bytes) != root:
        return f"root {root!r} is not base64 of 32 bytes"
    signatures = []
    if not rest.endswith("\n"):
        return "the signatures do not end with a newline"
    for line in rest[:-1].split("\n"):
        m = re.fullmatch(EM_DASH + r" ([^+\s]+) ([A-Za-z0-9+/]+=*)", line)
        if not m:
            return f"signature line {line!r} malformed"
        raw = base64.b64decode(m.group(2))
        signatures.append((m.group(1), raw[:4], raw[4:]))
    return origin, int(size), root_bytes, signatures, (body + "\n").encode("utf-8")


def signed_by(checkpoint, name, public):
    """Whether the parsed checkpoint holds a good signature by the key."""
    _, _, _, signatures, message = checkpoint
    for n, i, s in signatures:
        if n == name and i == key_id(name, public):
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(s, message)
                return True
            except InvalidSignature:
                return False
    return False


def record_line(seq, kind, ref, content):
    return json.dumps({"content": content, "kind": kind, "recorded_at": NOW, "ref": ref, "seq": seq},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def inclusion_proof(tree, lines, seq, size):
    """The inclusion proof `adledger prove SEQ --size SIZE` must print."""
    record = json.loads(lines[seq - 1])
    return {"proof": "inclusion", "algorithm": ALGORITHM, "tree_size": size, "leaf_index": seq - 1,
            "record": {"seq": seq, "kind": record["kind"], "ref": record["ref"], "line": lines[seq - 1]},
            "leaf_hash": tree.leaf(seq - 1).hex(), "root": tree.root(size).hex(),
            "path": [h.hex() for h in tree.inclusion(seq - 1, size)]}


def consistency_proof(tree, first, second):
    """The consistency proof `adledger prove --from FIRST --to SECOND` must print."""
    return {"proof": "consistency", "algorithm": ALGORITHM, "first_size": first, "second_size": second,
            "first_root": tree.root(first).hex(), "second_root": tree.root(second).hex(),
            "path": [h.hex() for h in tree.consistency(first, second)]}


def same_json(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def json_difference(got, expected, where=""):
    """The first difference between two JSON values, in a few words."""
    if isinstance(got, dict) and isinstance(expected, dict):
        for k in sorted(set(got) | set(expected)):
            if k not in got or k not in expected:
                return f"{where}{k} is {'missing' if k not in got else 'not expected'}"
            if not same_json(got[k], expected[k]):
                return json_difference(got[k], expected[k], f"{where}{k}.")
    if isinstance(got, list) and isinstance(expected, list) and got and expected:
        if len(got) != len(expected):
            return f"{where.rstrip('.')} has {len(got)} items, expected {len(expected)}"
        j = next(j for j, (a, b) in enumerate(zip(got, expected)) if not same_json(a, b))
        return json_difference(got[j], expected[j], f"{where.rstrip('.')}[{j}].")
    return f"{where.rstrip('.') or 'the value'} is {json.dumps(got)[:200]}, expected {json.dumps(expected)[:200]}"


class Files:
    """Writes files into a directory by name and returns their paths."""

    def __init__(self, directory):
        self.directory = directory

    def write(self, name, content):
        path = os.path.join(self.directory, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False))
        return path


def one_line(stderr):
    lines = stderr.rstrip("\n").split("\n")
    return lines[0] if len(lines) == 1 and lines[0] else None


class Tool:
    """Runs tools/adledger-check."""

    def __init__(self, root, failures):
        self.path = os.path.join(root, "tools", "adledger-check")
        self.failures = failures
        self.runs = 0

    def run(self, words):
        self.runs += 1
        return subprocess.run([PYTHON, self.path] + words, capture_output=True, text=True, timeout=60)

    def accepts(self, label, words, expected=None):
        r = self.run(words)
        if r.returncode != 0 or ("--key" in words and r.stderr):  # no warning when the key is given
            self.failures.add(f"{label}: adledger-check {' '.join(words[:1])} exits {r.returncode}: "
                              f"{r.stderr.strip()}")
        elif expected is not None and r.stdout != expected + "\n":
            self.failures.add(f"{label}: adledger-check printed {r.stdout!r}, expected {expected!r}")
        return r

    def refuses(self, label, words, *fragments):
        """Exit 1 and one line 'adledger-check: error: ...' holding every fragment."""
        r = self.run(words)
        line = one_line(r.stderr)
        if r.returncode != 1 or line is None or not line.startswith("adledger-check: error: "):
            self.failures.add(f"{label}: adledger-check exits {r.returncode} (expected 1) with stderr "
                              f"{r.stderr.strip()[:300]!r} (expected one error line)")
        elif any(f not in line for f in fragments):
            self.failures.add(f"{label}: adledger-check says {line!r}, which does not mention "
                              f"{' and '.join(repr(f) for f in fragments)}")
        return r


# adledger's key, head --sign, prove and check commands, on a real ledger.

class Runner:
    def __init__(self, binary, tmp):
        self.binary, self.tmp = binary, tmp
        self.env = dict(os.environ, ADLEDGER_NOW=NOW, ADLEDGER_TODAY="2026-11-22", TZ="UTC", LC_ALL="C.UTF-8")
        for k in ("ADLEDGER_DB", "ADLEDGER_FORMAT"):
            self.env.pop(k, None)
        self.runs = 0

    def run(self, words, db=None):
        self.runs += 1
        return subprocess.run([self.binary] + (["--db", db] if db else []) + words, env=self.env, cwd=self.tmp,
                              capture_output=True, text=True, timeout=120)

    def must(self, failures, words, db=None):
        r = self.run(words, db)
        if r.returncode != 0:
            failures.add(f"adledger {' '.join(words)}: exit {r.returncode}: {r.stderr.strip()}")
        return r


class LedgerCheck:
    KEY_NAME = "adledger.example/founding-case"

    def __init__(self, failures, binary, root, tmp):
        self.failures, self.tmp = failures, tmp
        self.root = root
        self.adledger = Runner(binary, tmp)
        self.tool = Tool(root, failures)
        self.files = Files(tmp)
        self.db = os.path.join(tmp, "ledger.db")
        self.counts = collections.Counter()

    def fail(self, message):
        self.failures.add(message)

    # The ledger and what is recomputed here from its log.

    def build(self, db, extra_platforms):
        self.adledger.must(self.failures, ["init"], db)
        self.adledger.must(self.failures, ["import", os.path.join(self.root, "fixtures", "founding-case.jsonl")], db)
        for name in extra_platforms:
            self.adledger.must(self.failures, ["platform", "add", name, "--name", name.title()], db)

    def log(self, db):
        r = self.adledger.must(self.failures, ["log"], db)
        lines = r.stdout.split("\n")
        if lines[-1] != "":
            self.fail("adledger log: the output does not end with a newline")
        lines = lines[:-1]
        return lines, Tree([leaf_hash(line.encode("utf-8")) for line in lines])

    # Keys.

    def generate_key(self, name, out):
        r = self.adledger.run(["key", "generate", name, "--out", out])
        if r.returncode != 0:
            self.fail(f"adledger key generate {name} --out {out}: exit {r.returncode}: {r.stderr.strip()}")
            return None
        try:
            mode = stat.S_IMODE(os.stat(out).st_mode)
            private_text = open(out, encoding="utf-8").read()
            public_text = open(out + ".pub", encoding="utf-8").read()
        except OSError as e:
            self.fail(f"adledger key generate: {e}")
            return None
        if mode != 0o600:
            self.fail(f"adledger key generate: {out} has mode {mode:o}, not 600")
        private, public = parse_private_key(private_text), parse_verifier(public_text)
        if private is None:
            self.fail(f"adledger key generate: {out} is not one line PRIVATE+KEY+NAME+ID+BASE64(0x01 || seed) "
                      f"whose id is its key's")
            return None
        if public is None:
            self.fail(f"adledger key generate: {out}.pub is not one line NAME+ID+BASE64(0x01 || key) whose id "
                      f"is its key's: {public_text!r}")
            return None
        seed = private[1]
        if private[0] != name or public != (name, public_bytes(Ed25519PrivateKey.from_private_bytes(seed))):
            self.fail(f"adledger key generate: {out}.pub is not the verifier of {out}, named {name}")
        if not private_text.endswith("\n") or not public_text.endswith("\n"):
            self.fail("adledger key generate: the key files do not end with a newline")
        # It must refuse to overwrite the key, and leave it as it was.
        r = self.adledger.run(["key", "generate", name, "--out", out])
        if r.returncode != 3 or one_line(r.stderr) is None:
            self.fail(f"adledger key generate over an existing key exits {r.returncode} with stderr "
                      f"{r.stderr.strip()!r}; expected exit 3 and one line")
        if open(out, encoding="utf-8").read() != private_text or open(out + ".pub").read() != public_text \
                or stat.S_IMODE(os.stat(out).st_mode) != mode:
            self.fail(f"adledger key generate over an existing key changed {out} or {out}.pub")
        return name, seed, public[1]

    # Checkpoints.

    def head(self, db, key_path, key, tree, size, origin=None):
        """`head --sign` checked here; returns the checkpoint's path."""
        words = ["head", "--sign", key_path] + (["--origin", origin] if origin else [])
        r = self.adledger.must(self.failures, words, db)
        parsed = parse_checkpoint(r.stdout)
        if isinstance(parsed, str):
            self.fail(f"adledger {' '.join(words)}: not a checkpoint ({parsed}): {r.stdout!r}")
            return None
        name, _, public = key
        want_origin = origin or name
        if parsed[:3] != (want_origin, size, tree.root(size)):
            self.fail(f"adledger {' '.join(words)}: origin {parsed[0]!r}, size {parsed[1]}, root {parsed[2].hex()}; "
                      f"recomputed here: {want_origin!r}, {size}, {tree.root(size).hex()}")
        if len(parsed[3]) != 1 or not signed_by(parsed, name, public):
            self.fail(f"adledger {' '.join(words)}: not one good Ed25519 signature by {name}: {r.stdout!r}")
        self.counts["checkpoints"] += 1
        return self.files.write(f"checkpoint-{self.counts['checkpoints']}", r.stdout)

    # Proofs.

    def both_accept(self, label, kind, checkpoint, proof, pub, expected, since=None):
        """Both checkers accept; adledger-check prints `expected`."""
        extra = ["--since", since] if since else []
        self.tool.accepts(label, [kind, checkpoint, proof, "--key", pub] + extra, expected)
        r = self.adledger.run(["check", checkpoint, proof, "--key", pub] + extra, self.db)
        if r.returncode != 0:
            self.fail(f"{label}: adledger check exits {r.returncode}: {r.stderr.strip()}")
        self.counts["accepted"] += 1

    def both_refuse(self, label, kind, checkpoint, proof, pub, pattern, since=None):
        """Both checkers exit non-zero with one line on stderr matching
        `pattern` (case-insensitive)."""
        extra = ["--since", since] if since else []
        for who, r in (("adledger-check", self.tool.run([kind, checkpoint, proof, "--key", pub] + extra)),
                       ("adledger check", self.adledger.run(["check", checkpoint, proof, "--key", pub] + extra,
                                                            self.db))):
            line = one_line(r.stderr)
            if r.returncode == 0:
                self.fail(f"{label}: {who} accepts it")
            elif line is None:
                self.fail(f"{label}: {who} exits {r.returncode} but prints {r.stderr.strip()!r}, not one line")
            elif not re.search(pattern, line, re.I):
                self.fail(f"{label}: {who} says {line!r}, which does not match /{pattern}/")
        self.counts["forged"] += 1

    def prove(self, words, expected, label):
        """`adledger prove WORDS` must print `expected`; returns the file
        holding what it printed."""
        r = self.adledger.must(self.failures, ["prove"] + words, self.db)
        try:
            got = json.loads(r.stdout)
        except ValueError:
            self.fail(f"{label}: adledger prove {' '.join(words)} printed no JSON: {r.stdout[:200]!r}")
            return None
        if not same_json(got, expected):
            self.fail(f"{label}: adledger prove {' '.join(words)} differs from the proof computed here: "
                      f"{json_difference(got, expected)}")
        self.counts["proofs"] += 1
        return self.files.write(f"proof-{'_'.join(w.strip('-') for w in words)}.json", r.stdout)

    def prove_inclusion(self, tree, lines, size, checkpoint, pub, origin, current):
        """Proves every record at `size` (also without --size when that is
        the current size) and has both checkers check each proof. Returns
        the proofs' files by seq."""
        proofs = {}
        for seq in range(1, size + 1):
            expected = inclusion_proof(tree, lines, seq, size)
            proofs[seq] = self.prove([str(seq), "--size", str(size)], expected, f"record {seq} at {size}")
            if current:
                self.prove([str(seq)], expected, f"record {seq} at the current size")
            if proofs[seq]:
                record = expected["record"]
                self.both_accept(f"record {seq} at {size}", "inclusion", checkpoint, proofs[seq], pub,
                                 f"ok: record {seq} ({record['kind']} {record['ref']}) is in {origin} at {size} "
                                 f"records")
        return proofs

    def refuse_prove(self, words):
        r = self.adledger.run(["prove"] + words, self.db)
        if r.returncode != 3 or one_line(r.stderr) is None:
            self.fail(f"adledger prove {' '.join(words)} exits {r.returncode} with stderr {r.stderr.strip()!r}; "
                      f"expected exit 3 and one line")
        self.counts["impossible"] += 1

    def run(self):
        f = self.files
        self.build(self.db, [])
        if self.failures.lines:
            return
        key_path, other_path = os.path.join(self.tmp, "key"), os.path.join(self.tmp, "other-key")
        key = self.generate_key(self.KEY_NAME, key_path)
        other = self.generate_key(self.KEY_NAME, other_path)  # same name, another key
        if key is None or other is None:
            return
        pub = key_path + ".pub"
        name, seed, _ = key

        # The founding case: every record at its size.
        lines0, tree0 = self.log(self.db)
        n0 = len(lines0)
        if n0 < 4:
            self.fail(f"the founding case has {n0} records, too few to test proofs")
            return
        cp0 = self.head(self.db, key_path, key, tree0, n0)
        self.head(self.db, key_path, key, tree0, n0, origin="adledger.example/another-origin")
        if cp0 is None:
            return
        self.tool.accepts("the founding case's checkpoint", ["checkpoint", cp0, "--key", pub],
                          f"ok: {name}: {n0} records, root {tree0.root(n0).hex()}, signed by {name}")
        self.prove_inclusion(tree0, lines0, n0, cp0, pub, name, current=True)

        # Grown by three records: every record at the new size and at a few
        # earlier ones. Checkpoints of the sizes adledger did not sign are
        # signed here, with the same key.
        for platform in ("extra-one", "extra-two", "extra-three"):
            self.adledger.must(self.failures, ["platform", "add", platform, "--name", platform.title()], self.db)
        lines, tree = self.log(self.db)
        n = len(lines)
        if lines[:n0] != lines0 or n != n0 + 3:
            self.fail(f"after adding 3 platforms the log has {n} lines, its first {n0} "
                      f"{'' if lines[:n0] == lines0 else 'not '}those of the founding case")
            return
        cp = self.head(self.db, key_path, key, tree, n)
        if cp is None:
            return
        signed = {size: f.write(f"checkpoint-here-{size}", sign_checkpoint(name, size, tree.root(size), name, seed))
                  for size in range(1, n)}
        signed.update({n0: cp0, n: cp})
        grown = self.prove_inclusion(tree, lines, n, cp, pub, name, current=True)
        for size in sorted({1, 2, 3, split_point(n0), n0, n0 + 1, n - 1}):
            self.prove_inclusion(tree, lines, size, signed[size], pub, name, current=False)

        # Consistency: every pair of sizes (a sample when there are many)
        # against the proof computed here, and checked by both checkers
        # (when there are more than 300 pairs, those ending at adledger's
        # checkpoints and a sample of the others), every other one with
        # --since.
        pairs = [(a, b) for b in range(1, n + 1) for a in range(1, b + 1)]
        rng = random.Random(6962)
        if len(pairs) > 600:
            keep = {(a, b) for a, b in pairs if b in (n0, n) or a in (1, n0, n)}
            pairs = sorted(keep | set(rng.sample(pairs, max(0, 600 - len(keep)))))
        proofs = {}
        for a, b in pairs:
            proofs[a, b] = self.prove(["--from", str(a), "--to", str(b)], consistency_proof(tree, a, b),
                                      f"consistency from {a} to {b}")
        for a in (1, n0, n):
            self.prove(["--from", str(a)], consistency_proof(tree, a, n), f"consistency from {a} to the current size")
        checked = [p for p in pairs if p[1] in (n0, n)]
        others = [p for p in pairs if p[1] not in (n0, n)]
        checked += others if len(pairs) <= 300 else rng.sample(others, min(100, len(others)))
        for number, (a, b) in enumerate(checked):
            if proofs[a, b]:
                self.both_accept(f"consistency from {a} to {b}", "consistency", signed[b], proofs[a, b], pub,
                                 f"ok: {name} at {a} records is a prefix of {name} at {b} records",
                                 since=signed[a] if number % 2 == 0 else None)

        # Forgeries, each refused by both checkers.
        proof1, proof_grown = grown.get(1), proofs.get((n0, n))
        other_cp = self.head(self.db, other_path, other, tree, n)
        if not proof1 or not proof_grown or not other_cp:
            return
        text = open(cp, encoding="utf-8").read()
        body, _, sigs = text.partition("\n\n")
        origin_line, size_line, root_line = body.split("\n")
        forged_root = b64(flipped(base64.b64decode(root_line)))
        for what, checkpoint, pattern in (
                ("signed by another key", other_cp, r"sign|key"),
                ("with its size line altered",
                 f.write("cp-size", f"{origin_line}\n{n - 1}\n{root_line}\n\n{sigs}"), r"sign"),
                ("with its root line altered",
                 f.write("cp-root", f"{origin_line}\n{size_line}\n{forged_root}\n\n{sigs}"), r"sign"),
                ("with its signature line removed", f.write("cp-unsigned", f"{body}\n\n"), r"sign"),
                ("with its blank line and signature removed", f.write("cp-text", f"{body}\n"), r"sign")):
            self.both_refuse(f"a checkpoint {what}", "inclusion", checkpoint, proof1, pub, pattern)
        good = json.load(open(proof1))
        bad = json.loads(json.dumps(good))
        bad["path"][-1] = flipped(bytes.fromhex(bad["path"][-1])).hex()
        self.both_refuse("an inclusion proof with a hash flipped", "inclusion", cp, f.write("p-flip", bad), pub,
                         r"root|path")
        bad = json.load(open(proof_grown))
        bad["path"][0] = flipped(bytes.fromhex(bad["path"][0])).hex()
        self.both_refuse("a consistency proof with a hash flipped", "consistency", cp, f.write("c-flip", bad), pub,
                         r"root|path")
        # The first letter of the line's content changes case: still JSON,
        # the same seq, kind and ref, another leaf.
        edited = json.loads(json.dumps(good))
        line = edited["record"]["line"]
        at = next(i for i in range(line.index('"content":') + len('"content":'), len(line)) if line[i].isalpha())
        edited["record"]["line"] = line[:at] + line[at].swapcase() + line[at + 1:]
        self.both_refuse("an inclusion proof whose record line was edited", "inclusion", cp,
                         f.write("p-line", edited), pub, r"leaf|line|hash")
        edited["leaf_hash"] = leaf_hash(edited["record"]["line"].encode("utf-8")).hex()
        self.both_refuse("an inclusion proof whose record line was edited, with its leaf hash", "inclusion", cp,
                         f.write("p-line-leaf", edited), pub, r"root|path")
        # The record named beside the line is another than the line's: the
        # proof holds, but would be shown as a proof of that other record.
        renamed = json.loads(json.dumps(good))
        renamed["record"]["kind"], renamed["record"]["ref"] = "pledge", "totally-different"
        self.both_refuse("an inclusion proof naming another record than its line", "inclusion", cp,
                         f.write("p-renamed", renamed), pub, r"kind")

        # A fork: the founding case plus one other record, signed with the
        # same key; the grown log is not its extension.
        fork_db = os.path.join(self.tmp, "fork.db")
        self.build(fork_db, ["forked-platform"])
        fork_lines, fork_tree = self.log(fork_db)
        if len(fork_lines) != n0 + 1 or fork_tree.root(n0 + 1) == tree.root(n0 + 1):
            self.fail(f"the forked ledger has {len(fork_lines)} records, not {n0 + 1} of a different root")
            return
        fork_cp = self.head(fork_db, key_path, key, fork_tree, n0 + 1)
        fork_proof = proofs.get((n0 + 1, n))
        if fork_cp and fork_proof:
            self.both_refuse("a consistency proof against a forked ledger's checkpoint", "consistency", cp,
                             fork_proof, pub, r"root|fork|consisten", since=fork_cp)
        for words in (["0"], [str(n + 1)], ["1", "--size", str(n + 1)], ["--from", "5", "--to", "3"],
                      ["--from", str(n + 1)]):
            self.refuse_prove(words)
        # verify --since with the published log: the fork's first differing
        # record is named; a "log" of one 17 MiB line is refused, never
        # read whole.
        grown_log = os.path.join(self.tmp, "grown.log")
        with open(grown_log, "w", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines[:n]))
        r = self.adledger.run(["verify", "--since", cp, "--key", pub, "--log", grown_log], fork_db)
        if r.returncode != 1 or not re.search(r"record \d+ \(platform forked-platform\) is not the one in the "
                                              r"published log", r.stderr):
            self.fail(f"verify --since --log of a fork: exit {r.returncode}, {r.stderr.strip()[:300]!r}")
        long_line = os.path.join(self.tmp, "long.log")
        with open(long_line, "wb") as out:
            out.write(b"a" * (17 << 20))
        r = self.adledger.run(["verify", "--since", cp, "--log", long_line], self.db)
        if r.returncode != 3 or "longer than any record's line" not in (one_line(r.stderr) or ""):
            self.fail(f"verify --log of one 17 MiB line: exit {r.returncode}, {r.stderr.strip()[:300]!r}")
        self.counts["records"] = n


# Reports with proofs (report ... --proofs CHECKPOINT), checked by
# tools/adledger-check report.

# A ledger richer than the founding case: spend ranges (one open at the top,
# one of 0 to an upper bound), a reversed entry, spend in EUR and USD, a
# disclosed total, a pledge with a disbursement, exchange rates, spend found
# inside a ban recorded after it (violations, one of them pro rata), and a
# policy action withdrawn.
RICH_LEDGER = [
    ["spend", "record", "--advertiser", "sputnik", "--platform", "facebook", "--amount", "0", "--upper", "99",
     "--currency", "EUR", "--period", "2019-04", "--market", "FR", "--precision", "range", "--source", "meta"],
    ["spend", "record", "--advertiser", "sputnik", "--platform", "facebook", "--amount", "1,200", "--currency", "EUR",
     "--period", "2019-04", "--market", "FR", "--precision", "approximate", "--source", "meta", "--tag", "video"],
    ["import", "{ROOT}/tests/e2e/data/lines-ranges.jsonl"],
    ["spend", "record", "--advertiser", "sputnik", "--platform", "facebook", "--amount", "500", "--currency", "USD",
     "--period", "2019-07", "--market", "US", "--source", "s", "--items", "12", "--tag", "video", "--tag", "news"],
    ["spend", "record", "--advertiser", "sputnik", "--platform", "facebook", "--amount", "300", "--currency", "EUR",
     "--period", "2019-08", "--market", "FR", "--source", "s", "--items", "3"],
    ["spend", "record", "--advertiser", "sputnik", "--platform", "twitter", "--amount", "700", "--currency", "EUR",
     "--period", "2017-09", "--market", "FR", "--source", "s"],
    ["spend", "reverse", "9", "--reason", "withdrawn by the source", "--source", "erratum"],
    ["disclosure", "record", "--platform", "facebook", "--advertiser", "sputnik", "--amount", "10,000", "--currency",
     "EUR", "--period", "2019", "--date", "2020-02-01", "--source", "facebook report"],
    ["pledge", "record", "--platform", "facebook", "--amount", "1000", "--currency", "EUR", "--date", "2020-03-01",
     "--beneficiary", "a fund", "--basis-advertiser", "sputnik", "--basis-period", "2019", "--source", "pledge"],
    ["pledge", "disburse", "facebook-pledge-2020-03-01", "--amount", "400", "--date", "2020-06-01", "--source", "paid"],
    ["import", "{ROOT}/tests/e2e/data/lines-rates.jsonl"],
    ["spend", "record", "--advertiser", "sputnik", "--platform", "google", "--amount", "610", "--currency", "USD",
     "--period", "2019-10-01..2019-11-30", "--market", "US", "--source", "s2", "--items", "61"],
    ["spend", "record", "--advertiser", "sputnik", "--platform", "google", "--amount", "90", "--currency", "USD",
     "--period", "2019-11", "--market", "US", "--source", "s3"],
    ["policy", "ban", "--platform", "google", "--advertiser", "sputnik", "--effective", "2019-10-15", "--reason", "r",
     "--source", "ban"],
    ["policy", "lift", "--platform", "google", "--advertiser", "sputnik", "--date", "2020-03-01", "--reason", "r",
     "--source", "lift"],
    ["policy", "record", "--kind", "suspension", "--platform", "google", "--advertiser", "rt", "--date", "2018-01-10",
     "--description", "suspends accounts", "--source", "suspension"],
    ["policy", "withdraw", "google-suspension-2018-01-10", "--reason", "recorded by mistake", "--source", "erratum"],
]
OK_REPORT = re.compile(r"ok: (\d+) records proven in (.+) at (\d+) records; (\d+) figures recomputed from them, "
                       r"(\d+) pro rata or converted figures not recomputed")
DOWNLOAD = re.compile(r'<a download="report-with-proofs\.json" href="data:application/json;base64,([A-Za-z0-9+/=]*)">')
CITING_LISTS = {"disclosures": "disclosed_total", "disclosed": "disclosed_total", "pledges": "pledge",
                "disbursements": "disbursement", "policy_actions": "policy_action"}


def cited_records(report, reversed_entries, withdrawn_actions):
    """The records a report cites, by the documented rule, as (kind, ref):
    the spend entries of every "entries", "other_currency_entries" and
    "unconverted" list and "entry" field, with their reversals; the ids of
    disclosed totals, pledges, disbursements and policy actions listed; the
    policy actions named by "action", "lifted_by", "lifts" and "ban", with
    their withdrawals."""
    out = set()

    def walk(value, context):
        if isinstance(value, list):
            for item in value:
                walk(item, context)
        elif isinstance(value, dict):
            if context in CITING_LISTS and isinstance(value.get("id"), str):
                out.add((CITING_LISTS[context], value["id"]))
            for key, item in value.items():
                if key == "proofs" and context is None:
                    continue
                if key in ("entries", "other_currency_entries", "unconverted") and isinstance(item, list):
                    out.update(("spend", str(i)) for i in item if type(i) is int)
                if key == "entry" and type(item) is int:
                    out.add(("spend", str(item)))
                if key in ("action", "lifted_by", "lifts", "ban") and isinstance(item, str):
                    out.add(("policy_action", item))
                walk(item, key)

    walk(report, None)
    out |= {("spend_reversal", ref) for kind, ref in list(out) if kind == "spend" and ref in reversed_entries}
    out |= {("policy_withdrawal", ref) for kind, ref in list(out)
            if kind == "policy_action" and ref in withdrawn_actions}
    return out


def money_text(money, minor=None):
    """An amount's text with `minor` units in its decimals."""
    minor = money["minor"] if minor is None else minor
    decimals = len(money["amount"].partition(".")[2])
    digits = str(abs(minor)).rjust(decimals + 1, "0")
    text = digits[:len(digits) - decimals] + ("." + digits[len(digits) - decimals:] if decimals else "")
    return ("-" if minor < 0 else "") + text


def bumped(money, delta):
    """The amount `delta` minor units more, its text changed with it."""
    return dict(money, minor=money["minor"] + delta, amount=money_text(money, money["minor"] + delta))


class ReportCheck:
    """Reports with proofs: adledger prints them, tools/adledger-check
    report checks them and refuses forged ones."""

    KEY_NAME = "adledger.example/reports"

    def __init__(self, failures, binary, root, tmp):
        self.failures, self.root, self.tmp = failures, root, tmp
        self.adledger = Runner(binary, tmp)
        self.tool = Tool(root, failures)
        self.files = Files(tmp)
        self.counts = collections.Counter()

    def fail(self, message):
        self.failures.add(message)

    def ledger(self, name, commands):
        db = os.path.join(self.tmp, name + ".db")
        self.adledger.must(self.failures, ["init"], db)
        self.adledger.must(self.failures, ["import", os.path.join(self.root, "fixtures", "founding-case.jsonl")], db)
        for words in commands:
            self.adledger.must(self.failures, [w.replace("{ROOT}", self.root) for w in words], db)
        return db

    def log(self, db):
        lines = self.adledger.must(self.failures, ["log"], db).stdout.split("\n")[:-1]
        return lines, Tree([leaf_hash(line.encode("utf-8")) for line in lines])

    def sign(self, db, key, label):
        r = self.adledger.must(self.failures, ["head", "--sign", key], db)
        return self.files.write(f"cp-{label}", r.stdout)

    def json_report(self, label, db, words, cp, pub):
        r = self.adledger.run(words + ["--proofs", cp, "--key", pub, "--format", "json"], db)
        if r.returncode != 0:
            self.fail(f"{label}: adledger {' '.join(words)} --proofs exits {r.returncode}: {r.stderr.strip()}")
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            self.fail(f"{label}: adledger {' '.join(words)} --proofs --format json printed no JSON")
            return None

    def accepted(self, label, db, words, cp, pub, recomputes=True, not_recomputed=False):
        """The report with proofs: its proofs are this file's, of the records
        it cites, and adledger-check report accepts it, recomputing figures
        (and counting pro rata or converted ones when `not_recomputed`).
        Returns the report, or None."""
        report = self.json_report(label, db, words, cp, pub)
        if report is None:
            return None
        self.counts["reports"] += 1
        proofs = report.get("proofs")
        checkpoint_text = open(cp, encoding="utf-8").read()
        parsed = parse_checkpoint(checkpoint_text)
        if not isinstance(proofs, dict) or sorted(proofs) != ["checkpoint", "origin", "records", "root", "tree_size"]:
            self.fail(f"{label}: proofs is {json.dumps(proofs)[:200]}, not {{checkpoint, origin, tree_size, root, "
                      f"records}}")
            return None
        if proofs["checkpoint"] != checkpoint_text or isinstance(parsed, str) or \
                (proofs["origin"], proofs["tree_size"], proofs["root"]) != (parsed[0], parsed[1], parsed[2].hex()):
            self.fail(f"{label}: proofs.checkpoint, origin, tree_size or root are not those of {cp}")
        lines, tree = self.log(db)
        size = len(lines)
        seqs = [p.get("record", {}).get("seq") for p in proofs["records"]]
        if seqs != sorted(set(seqs)):
            self.fail(f"{label}: the proofs' records are not in log order, each once: {seqs}")
        for p in proofs["records"]:
            seq = p.get("record", {}).get("seq")
            if type(seq) is not int or not 1 <= seq <= size:
                self.fail(f"{label}: a proof of record {seq!r}, not in the log of {size} records")
            elif not same_json(p, inclusion_proof(tree, lines, seq, size)):
                self.fail(f"{label}: the proof of record {seq} differs from the one computed here: "
                          f"{json_difference(p, inclusion_proof(tree, lines, seq, size))}")
        reversed_entries = {json.loads(line)["ref"] for line in lines if json.loads(line)["kind"] == "spend_reversal"}
        withdrawn_actions = {json.loads(line)["ref"] for line in lines
                             if json.loads(line)["kind"] == "policy_withdrawal"}
        expected = cited_records(report, reversed_entries, withdrawn_actions)
        got = {(p["record"]["kind"], p["record"]["ref"]) for p in proofs["records"]}
        if got != expected:
            self.fail(f"{label}: the proofs are of {len(got)} records, the report cites {len(expected)}: "
                      f"missing {sorted(expected - got)[:5]}, not cited {sorted(got - expected)[:5]}")
        path = self.files.write(f"report-{self.counts['reports']}.json", report)
        r = self.tool.run(["report", path, "--key", pub])
        m = OK_REPORT.fullmatch(r.stdout.rstrip("\n"))
        if r.returncode != 0 or r.stderr or not m:
            self.fail(f"{label}: adledger-check report exits {r.returncode}: {(r.stderr or r.stdout).strip()[:400]}")
            return None
        n, origin, at, recomputed, counted = m.groups()
        if (int(n), origin, int(at)) != (len(proofs["records"]), self.KEY_NAME, size):
            self.fail(f"{label}: adledger-check report says {r.stdout.strip()!r}; expected {len(proofs['records'])} "
                      f"records in {self.KEY_NAME} at {size}")
        if recomputes and int(recomputed) == 0:
            self.fail(f"{label}: adledger-check report recomputes no figure: {r.stdout.strip()!r}")
        if not_recomputed and int(counted) == 0:
            self.fail(f"{label}: adledger-check report counts no pro rata or converted figure: {r.stdout.strip()!r}")
        self.counts["figures"] += int(recomputed)
        self.counts["counted"] += int(counted)
        return report

    def refuses(self, label, report, pub, *fragments):
        path = self.files.write(f"forged-{self.counts['forged']}.json", report)
        self.tool.refuses(f"a report with proofs, {label}", ["report", path, "--key", pub], *fragments)
        self.counts["forged"] += 1

    def forgeries(self, report, pub, other_cp, another_size_cp):
        """Forged copies of an accepted report, each refused."""
        def copy():
            return json.loads(json.dumps(report))

        records = report["proofs"]["records"]
        spend_at = next(i for i, p in enumerate(records) if p["record"]["kind"] == "spend")
        spend = records[spend_at]
        entry = int(spend["record"]["ref"])
        at = f"$.proofs.records[{spend_at}]"

        forged = copy()
        proof = forged["proofs"]["records"][spend_at]
        proof["path"][0] = flipped(bytes.fromhex(proof["path"][0])).hex()
        self.refuses("a proof's path hash flipped", forged, pub, at, "the path gives root")

        minor = json.loads(spend["record"]["line"])["content"]["minor"]
        line = spend["record"]["line"].replace(f'"minor":{minor},', f'"minor":{minor + 100},', 1)
        if line == spend["record"]["line"]:
            self.fail(f"the line of spend record {spend['record']['seq']} has no \"minor\":{minor}")
            return
        forged = copy()
        forged["proofs"]["records"][spend_at]["record"]["line"] = line
        self.refuses("a record's amount edited", forged, pub, f"{at}: record.line", "not leaf_hash")
        forged["proofs"]["records"][spend_at]["leaf_hash"] = leaf_hash(line.encode("utf-8")).hex()
        self.refuses("a record's amount edited, with its leaf hash", forged, pub, at, "the path gives root")

        # A figure's minor units changed, alone and with its text: the
        # recomputation must catch both; its text alone, the amount's own
        # check; its currency, the recomputation.
        figure = next((k, i) for k in ("totals", "by_market", "by_precision", "by_tag")
                      for i, f in enumerate(report.get(k, [])) if f["pro_rata"] is False)
        where = f"$.{figure[0]}[{figure[1]}].amount"
        forged = copy()
        amount, ids = forged[figure[0]][figure[1]]["amount"], report[figure[0]][figure[1]]["entries"]
        said, recomputed = (f"the report says {money_text(amount, amount['minor'] + 100)} {amount['currency']}",
                            f"{'entry' if len(ids) == 1 else 'entries'} {' '.join(f'#{i}' for i in ids)} "
                            f"give{'s' if len(ids) == 1 else ''} {money_text(amount)} {amount['currency']}")
        forged[figure[0]][figure[1]]["amount"] = dict(amount, minor=amount["minor"] + 100)
        self.refuses("a figure's minor units changed", forged, pub, where, said, recomputed)
        forged[figure[0]][figure[1]]["amount"] = bumped(amount, 100)
        self.refuses("a figure's amount changed, its text with it", forged, pub, where, said, recomputed)
        forged[figure[0]][figure[1]]["amount"] = dict(amount, amount=money_text(amount, amount["minor"] + 100))
        self.refuses("a figure's text alone changed", forged, pub, where, "is not minor")
        forged = copy()
        forged[figure[0]][figure[1]]["amount"]["currency"] = "XTS" if amount["currency"] != "XTS" else "XXX"
        self.refuses("a figure's currency changed", forged, pub, where, amount["currency"])

        forged = copy()
        del forged["proofs"]["records"][spend_at]
        self.refuses("a cited entry's proof removed", forged, pub, f"entry #{entry} has no proven spend record")
        forged = copy()
        forged["proofs"]["records"].insert(spend_at, forged["proofs"]["records"][spend_at])
        self.refuses("a proof given twice", forged, pub, f"record {spend['record']['seq']} appears twice")

        forged = copy()
        forged["proofs"]["checkpoint"] = open(other_cp, encoding="utf-8").read()
        self.refuses("its checkpoint signed by another key", forged, pub, "$.proofs.checkpoint",
                     f"no signature by key {self.KEY_NAME}", "another key")
        forged = copy()
        forged["proofs"]["checkpoint"] = open(another_size_cp, encoding="utf-8").read()
        self.refuses("a checkpoint of another size", forged, pub, "$.proofs.tree_size", "is not the checkpoint's size")
        forged = copy()
        forged["proofs"]["origin"] = "another.example/log"
        self.refuses("another origin", forged, pub, "$.proofs.origin", "another.example/log")
        forged = copy()
        forged["entries"][0]["period"]["first"] = "2000-01-01"
        self.refuses("a spend entry's period changed", forged, pub, "$.entries[0].period.first", "2000-01-01")
        forged = copy()
        forged["extra"] = {"note": {"amount": "1.00", "currency": "USD", "minor": 100}}
        self.refuses("an amount tied to no record", forged, pub, "$.extra.note", "cannot tie")
        forged = copy()
        del forged["proofs"]
        self.refuses("no proofs", forged, pub, "has no proofs")
        self.refuses("the proofs alone", report["proofs"], pub, "proofs without their report")

    def rich_forgeries(self, report, pub):
        """Forgeries of figures only the richer ledger has."""
        def copy():
            return json.loads(json.dumps(report))

        def find(key, test):
            return next(i for i, f in enumerate(report[key]) if test(f))

        ranged = find("totals", lambda f: f["precision"] == "range" and f["upper"] is None)
        forged = copy()
        forged["totals"][ranged]["upper"] = dict(forged["totals"][ranged]["amount"])
        self.refuses("an open range given an upper bound", forged, pub, f"$.totals[{ranged}].upper", "null (open)")
        reversed_at = find("entries", lambda e: e["reversal"] is not None)
        entry = report["entries"][reversed_at]
        exact = find("totals", lambda f: f["amount"]["currency"] == entry["amount"]["currency"] and not f["pro_rata"])
        forged = copy()
        f = forged["totals"][exact]
        f["entries"] = sorted(f["entries"] + [entry["entry"]])
        f["amount"] = bumped(f["amount"], entry["amount"]["minor"])
        self.refuses("a reversed entry counted in a figure", forged, pub, f"$.totals[{exact}].entries",
                     f"entry #{entry['entry']}, which record", "reverses")
        forged = copy()
        forged["entries"][reversed_at]["reversal"] = None
        self.refuses("a reversal hidden", forged, pub, f"$.entries[{reversed_at}].reversal", "reversed by the proven")
        forged = copy()
        forged["proofs"]["records"] = [p for p in forged["proofs"]["records"]
                                       if p["record"]["kind"] != "spend_reversal"]
        self.refuses("a reversal's proof removed", forged, pub, f"$.entries[{reversed_at}].reversal",
                     "no spend_reversal record")
        forged = copy()
        pledge = forged["pledges"][0]
        pledge["disbursed"] = bumped(pledge["disbursed"], -100)
        pledge["outstanding"] = bumped(pledge["outstanding"], 100)
        self.refuses("a pledge's disbursed amount changed", forged, pub, "$.pledges[0].disbursed",
                     "its proven disbursements come to")
        forged = copy()
        forged["disclosures"][0]["disclosed"] = bumped(forged["disclosures"][0]["disclosed"], 1)
        self.refuses("a disclosed total changed", forged, pub, "$.disclosures[0].disclosed")
        violation = find("violations", lambda v: v["pro_rata"] is False)
        forged = copy()
        forged["violations"][violation]["inside"] = bumped(forged["violations"][violation]["inside"], -1)
        self.refuses("spend inside a ban changed", forged, pub, f"$.violations[{violation}].inside", "the whole entry")

    def run(self):
        key, other = os.path.join(self.tmp, "key"), os.path.join(self.tmp, "other-key")
        for path in (key, other):
            self.adledger.must(self.failures, ["key", "generate", self.KEY_NAME, "--out", path])
        pub = key + ".pub"
        founding = self.ledger("founding", [])
        rich = self.ledger("rich", RICH_LEDGER)
        if self.failures.lines:
            return
        cp, rich_cp = self.sign(founding, key, "founding"), self.sign(rich, key, "rich")
        other_cp = self.sign(founding, other, "founding-other")

        reports = {}
        for label, db, checkpoint, words, counted in (
                ("the founding case's advertiser report", founding, cp, ["report", "advertiser", "rt"], False),
                ("the founding case's platform report", founding, cp, ["report", "platform", "twitter"], False),
                ("the founding case's pledges report", founding, cp, ["report", "pledges"], False),
                ("an advertiser report", rich, rich_cp, ["report", "advertiser", "sputnik"], True),
                ("an advertiser report by month from a day", rich, rich_cp,
                 ["report", "advertiser", "sputnik", "--by", "month", "--from", "2019-04-15"], True),
                ("an advertiser report converted", rich, rich_cp,
                 ["report", "advertiser", "sputnik", "--convert", "USD"], True),
                ("a platform report", rich, rich_cp, ["report", "platform", "facebook"], False),
                ("a pledges report", rich, rich_cp, ["report", "pledges"], False),
                ("an advertiser report showing a withdrawn policy action", rich, rich_cp,
                 ["report", "advertiser", "rt"], False)):
            reports[label] = self.accepted(label, db, words, checkpoint, pub, not_recomputed=counted)

        base = reports["the founding case's advertiser report"]
        if base:
            self.forgeries(base, pub, other_cp, rich_cp)
        if reports["an advertiser report"]:
            self.rich_forgeries(reports["an advertiser report"], pub)
        big = os.path.join(self.tmp, "big.json")
        with open(big, "wb") as f:
            f.truncate(256 * 1024 * 1024 + 1)
        self.tool.refuses("a report larger than 256 MiB", ["report", big, "--key", pub], "256 MiB")
        os.remove(big)
        if self.tool.run(["report", self.files.write("nokey.json", base or {})]).returncode != 2:
            self.fail("adledger-check report without --key does not exit 2")

        # adledger refuses a checkpoint of an earlier size, and --key alone.
        n = len(self.log(founding)[0])
        self.adledger.must(self.failures, ["platform", "add", "late-platform", "--name", "Late"], founding)
        r = self.adledger.run(["report", "advertiser", "rt", "--proofs", cp, "--format", "json"], founding)
        line = one_line(r.stderr)
        if r.returncode != 3 or line is None or f"the checkpoint is of {n} records" not in line \
                or f"the ledger now has {n + 1}" not in line or r.stdout:
            self.fail(f"report --proofs with a checkpoint of {n} records, the ledger having {n + 1}: exit "
                      f"{r.returncode}, stderr {r.stderr.strip()!r}; expected exit 3 and one line saying both sizes")
        r = self.adledger.run(["report", "advertiser", "rt", "--key", pub, "--format", "json"], founding)
        if r.returncode != 2:
            self.fail(f"report --key without --proofs exits {r.returncode}, not 2: {r.stderr.strip()!r}")

        # HTML offers the report with its proofs for download: the JSON output itself.
        for label, words in (("the founding case's advertiser report", None),
                             ("an advertiser report", ["report", "advertiser", "sputnik"])):
            report = reports[label]
            if report is None:
                continue
            db, checkpoint = (rich, rich_cp) if words else (founding, None)
            if words is None:  # the founding ledger has grown: sign it again
                checkpoint = self.sign(founding, key, "founding-grown")
                words = ["report", "advertiser", "rt"]
                report = self.json_report(label, db, words, checkpoint, pub)
                if report is None:
                    continue
            r = self.adledger.must(self.failures, words + ["--proofs", checkpoint, "--key", pub, "--format", "html"],
                                   db)
            links = DOWNLOAD.findall(r.stdout)
            try:
                payload = json.loads(base64.b64decode(links[0], validate=True)) if len(links) == 1 else None
            except ValueError:
                payload = None
            if payload is None or not same_json(payload, report):
                self.fail(f"{label} in HTML: {len(links)} download links of report-with-proofs.json"
                          + ("" if payload is None else f"; the report offered differs from the JSON output: "
                                                        f"{json_difference(payload, report)}"))
            r = self.adledger.must(self.failures, words + ["--proofs", checkpoint, "--key", pub], db)
            if "\nProofs\n" not in r.stdout:
                self.fail(f"{label} as a table has no Proofs section")
            self.counts["html"] += 1


# Self-test: tools/adledger-check against checkpoints and proofs made here.

def tool_self_test(failures, root, tmp):
    """Has tools/adledger-check accept proofs made by this file's RFC 9162
    and refuse forged and malformed ones. Returns the number of runs."""
    tool = Tool(root, failures)
    f = Files(tmp)
    name = "example.org/log"
    # A key whose base64 holds a '+', the separator of a verifier key's fields.
    seed = next(s for s in (hashlib.sha256(b"self-test key %d" % k).digest() for k in range(1000))
                if "+" in verifier_text(name, public_bytes(Ed25519PrivateKey.from_private_bytes(s))).split("+", 2)[2])
    public = public_bytes(Ed25519PrivateKey.from_private_bytes(seed))
    other_seed = hashlib.sha256(b"another key").digest()
    pub = f.write("log.pub", verifier_text(name, public) + "\n")
    kinds = ["platform", "advertiser", "handle", "spend", "spend_reversal", "pledge"]
    lines = [record_line(s, kinds[s % len(kinds)], str(s), {"n": s, "text": "é \u2028 😀"}) for s in range(1, 38)]
    tree = Tree([leaf_hash(line.encode("utf-8")) for line in lines])
    n = len(lines)

    def checkpoint(size, key_seed=seed, origin=name, key_name=name):
        return f.write(f"cp-{size}-{origin.replace('/', '_')}-{key_seed[:2].hex()}-{key_name.replace('/', '_')}",
                       sign_checkpoint(origin, size, tree.root(size), key_name, key_seed))

    cps = {size: checkpoint(size) for size in (1, 2, 5, 8, 13, 16, 36, 37)}
    cp = cps[n]
    tool.accepts("a checkpoint", ["checkpoint", cp, "--key", pub],
                 f"ok: {name}: {n} records, root {tree.root(n).hex()}, signed by {name}")
    tool.accepts("a verifier key given as text", ["checkpoint", cp, "--key", verifier_text(name, public)])
    go_name, go_seed = parse_private_key(GO_PRIVATE_KEY)
    tool.accepts("a checkpoint signed with Go's example key", ["checkpoint", f.write("cp-go", sign_checkpoint(
        name, n, tree.root(n), go_name, go_seed)), "--key", GO_VERIFIER_KEY],
        f"ok: {name}: {n} records, root {tree.root(n).hex()}, signed by {go_name}")
    for size, path in cps.items():
        for seq in sorted({1, 2, (size + 1) // 2, size} - {0}):
            if seq <= size:
                proof = f.write(f"incl-{seq}-{size}.json", inclusion_proof(tree, lines, seq, size))
                tool.accepts(f"inclusion of {seq} at {size}", ["inclusion", path, proof, "--key", pub],
                             f"ok: record {seq} ({json.loads(lines[seq - 1])['kind']} {seq}) is in {name} at "
                             f"{size} records")
        for first in sorted(cps):
            if first <= size:
                proof = f.write(f"cons-{first}-{size}.json", consistency_proof(tree, first, size))
                tool.accepts(f"consistency from {first} to {size}",
                             ["consistency", path, proof, "--key", pub, "--since", cps[first]],
                             f"ok: {name} at {first} records is a prefix of {name} at {size} records")
    proof = f.write("incl.json", inclusion_proof(tree, lines, 7, n))
    cons = f.write("cons.json", consistency_proof(tree, 13, n))
    r = tool.accepts("no key", ["inclusion", cp, proof])
    if r.stderr != "warning: signature not checked (give --key)\n":
        failures.add(f"adledger-check without --key prints {r.stderr!r} on stderr, not the warning")

    # Checkpoints forged or malformed.
    text = open(cp, encoding="utf-8").read()
    body, _, sig = text.partition("\n\n")
    o, s, rt = body.split("\n")
    other_key = checkpoint(n, key_seed=other_seed)
    second_signature = open(checkpoint(n, other_seed, key_name="another/key")).read().split("\n\n")[1]
    two_keys = f.write("cp-two", text + second_signature)
    tool.accepts("a checkpoint with a second signature", ["inclusion", two_keys, proof, "--key", pub])
    refusals = [
        ("signed by another key", other_key, ["no signature by key example.org/log (key id"]),
        ("signed by another key of another name", checkpoint(n, other_seed, key_name="another/key"),
         ["no signature by key example.org/log"]),
        ("size altered", f.write("cp-s", f"{o}\n{n - 1}\n{rt}\n\n{sig}"), ["does not verify", "was altered"]),
        ("root altered", f.write("cp-r", f"{o}\n{s}\n{b64(flipped(base64.b64decode(rt)))}\n\n{sig}"),
         ["signature by example.org/log+", "does not verify"]),
        ("origin altered", f.write("cp-o", f"{o}x\n{s}\n{rt}\n\n{sig}"), ["does not verify"]),
        ("signature removed", f.write("cp-u", body + "\n\n"), ["no signature by key"]),
        ("unsigned", f.write("cp-u2", body + "\n"), ["no signature by key"]),
        ("signature corrupted", f.write("cp-c", f"{body}\n\n{sig[:-6]}AAAA=\n"), ["does not verify"]),
        ("size with a leading zero", f.write("cp-z", f"{o}\n0{s}\n{rt}\n\n{sig}"), ["line 2", "leading zeros"]),
        ("size of 2^63", f.write("cp-big", f"{o}\n{2 ** 63}\n{rt}\n\n{sig}"), ["line 2"]),
        ("root of 31 bytes", f.write("cp-31", f"{o}\n{s}\n{b64(bytes(31))}\n\n{sig}"), ["line 3", "32-byte"]),
        ("root without padding", f.write("cp-pad", f"{o}\n{s}\n{rt.rstrip('=')}\n\n{sig}"), ["line 3"]),
        ("empty origin", f.write("cp-e", f"\n{s}\n{rt}\n\n{sig}"), ["origin is empty"]),
        ("a fourth line", f.write("cp-4", f"{body}\nextra\n\n{sig}"), ["4 lines"]),
        ("a malformed signature line", f.write("cp-m", f"{body}\n\n- {name} AAAA\n"), ["line 5", "signature line"]),
        ("a signature line without key id", f.write("cp-k", f"{body}\n\n{EM_DASH} {name} AAA=\n"), ["line 5"]),
        ("no final newline", f.write("cp-n", text[:-1]), ["newline"]),
        ("a control character", f.write("cp-t", text.replace(o, o + "\t", 1)), ["control character"]),
    ]
    for what, path, fragments in refusals:
        tool.refuses(f"a checkpoint {what}", ["inclusion", path, proof, "--key", pub], path, *fragments)
    tool.refuses("an empty checkpoint given no key", ["inclusion", f.write("cp-zero", f"{o}\n0\n{rt}\n"), proof],
                 "a tree of 0 records")
    tool.refuses("a checkpoint too large", ["checkpoint", f.write("big", "x" * (16 * 1024 * 1024 + 1)), "--key", pub],
                 "16 MiB")
    tool.refuses("a missing checkpoint", ["checkpoint", os.path.join(tmp, "missing"), "--key", pub], "cannot read")

    # Verifier keys.
    vt = verifier_text(name, public)
    for what, key, fragment in (
            ("a wrong key id", vt.replace(vt.split("+")[1], "00000000"), "does not match the key"),
            ("an upper-case key id", vt.replace(vt.split("+")[1], vt.split("+")[1].upper()), "8 lowercase hex"),
            ("a key of 31 bytes", f"{name}+00000000+{b64(ED25519 + bytes(31))}", "32-byte Ed25519 key"),
            ("a private key", f.write("key", private_key_text(name, seed) + "\n"), "private key"),
            ("a key file of two lines", f.write("two.pub", vt + "\n" + vt + "\n"), "one line"),
            ("two fields", f"{name}+00000000", "is not a verifier key"),
            ("a key name with a space", f"a b+00000000+{b64(ED25519 + public)}", "whitespace")):
        tool.refuses(f"a verifier with {what}", ["checkpoint", cp, "--key", key], fragment)

    # Inclusion proofs forged or malformed.
    good = inclusion_proof(tree, lines, 7, n)

    def variant(change):
        p = json.loads(json.dumps(good))
        change(p)
        return p

    def flip_hex(h):
        return flipped(bytes.fromhex(h)).hex()

    edited_line = lines[6].replace('"n":7', '"n":8')
    for what, proof_obj, fragments in (
            ("a hash flipped", variant(lambda p: p["path"].__setitem__(2, flip_hex(p["path"][2]))),
             ["the path gives root", "not the checkpoint's root " + tree.root(n).hex()]),
            ("its line edited", variant(lambda p: p["record"].update(line=edited_line)),
             ["record.line", "not leaf_hash"]),
            ("its line edited and leaf recomputed", variant(lambda p: (p["record"].update(line=edited_line), p.update(
                leaf_hash=leaf_hash(edited_line.encode()).hex()))), ["the path gives root"]),
            ("another tree size", variant(lambda p: p.update(tree_size=n - 1)),
             [f"tree_size {n - 1} is not the checkpoint's size {n}"]),
            ("another leaf index", variant(lambda p: p.update(leaf_index=7)),
             ["leaf_index: 7 is not record.seq - 1"]),
            ("a record of another seq", variant(lambda p: p["record"].update(seq=8)), ["record.seq", "line's seq"]),
            ("a record of another kind", variant(lambda p: p["record"].update(kind="pledge")), ["record.kind"]),
            ("an empty ref", variant(lambda p: p["record"].update(ref="")), ["record.ref", "non-empty string"]),
            ("a bad hex hash", variant(lambda p: p["path"].__setitem__(3, "zz" * 32)),
             ['path[3]: "zzzz', "is not 64 lowercase hex digits"]),
            ("an upper-case hash", variant(lambda p: p.update(leaf_hash=p["leaf_hash"].upper())), ["leaf_hash"]),
            ("an extra hash", variant(lambda p: p["path"].append(p["root"])),
             [f"path has {len(good['path']) + 1} hashes", f"has {len(good['path'])}"]),
            ("a hash missing", variant(lambda p: p["path"].pop()), [f"has {len(good['path'])}"]),
            ("a path of 65 hashes", variant(lambda p: p.update(path=[p["root"]] * 65)), ["path", "64"]),
            ("its root field wrong", variant(lambda p: p.update(root=flip_hex(p["root"]))), ["root:"]),
            ("a float size", variant(lambda p: p.update(tree_size=37.0)), ["is not an integer"]),
            ("a boolean index", variant(lambda p: p.update(leaf_index=True)), ["leaf_index"]),
            ("a size of 0", variant(lambda p: p.update(tree_size=0)), ["tree_size: 0 is not an integer from 1"]),
            ("an unknown field", variant(lambda p: p.update(extra=1)), ["extra: unknown field"]),
            ("a missing field", variant(lambda p: p.pop("leaf_hash")), ["leaf_hash: missing"]),
            ("another algorithm", variant(lambda p: p.update(algorithm="RFC 6962")), ["algorithm"]),
            ("the other kind", variant(lambda p: p.update(proof="consistency")), ["adledger-check consistency"])):
        path = f.write(f"bad-incl-{len(what)}-{what[:12].replace(' ', '_')}.json", proof_obj)
        tool.refuses(f"an inclusion proof with {what}", ["inclusion", cp, path, "--key", pub], path, *fragments)
    tool.refuses("an inclusion proof with a key twice", ["inclusion", cp, f.write(
        "dup.json", json.dumps(good)[:-1] + ', "root": "00"}'), "--key", pub], 'key "root" appears twice')
    tool.refuses("an inclusion proof that is not JSON", ["inclusion", cp, f.write("nj.json", "{"), "--key", pub],
                 "not JSON")
    tool.refuses("an inclusion proof nested deeply", ["inclusion", cp, f.write("deep.json", "[" * 100000),
                                                      "--key", pub], "nested")

    # Consistency proofs forged or malformed.
    fork_lines = lines[:20] + [record_line(21, "spend", "forked", {"n": 0})]
    fork = Tree([leaf_hash(line.encode("utf-8")) for line in fork_lines])
    fork_cp = f.write("cp-fork", sign_checkpoint(name, 21, fork.root(21), name, seed))
    elsewhere_cp = f.write("cp-elsewhere", sign_checkpoint("other.example/log", 13, tree.root(13), name, seed))
    unsigned_old = f.write("cp-old-unsigned", f"{name}\n13\n{b64(tree.root(13))}\n")
    cons21 = f.write("cons21.json", consistency_proof(tree, 21, n))
    good = consistency_proof(tree, 13, n)
    for what, proof_path, since, fragments in (
            ("against a forked log", cons21, fork_cp, ["first_root", "is not the root", "of a fork"]),
            ("against another origin", cons, elsewhere_cp, ["origin", "other.example/log"]),
            ("against an unsigned old checkpoint", cons, unsigned_old, ["no signature by key"]),
            ("against a checkpoint of another size", cons, cps[16], ["first_size 13 is not the size 16"]),
            ("with a hash flipped", f.write("c1.json", variant(lambda p: p["path"].__setitem__(
                0, flip_hex(p["path"][0])))), None, ["the path gives"]),
            ("with its first root altered", f.write("c2.json", variant(lambda p: p.update(
                first_root=flip_hex(p["first_root"])))), None, ["the path gives"]),
            ("of another second size", f.write("c3.json", variant(lambda p: p.update(second_size=n - 1))), None,
             [f"second_size {n - 1} is not the checkpoint's size {n}"]),
            ("with first above second", f.write("c4.json", variant(lambda p: p.update(first_size=n + 1))), None,
             ["first_size", "larger than second_size"]),
            ("with an extra hash", f.write("c5.json", variant(lambda p: p["path"].append(p["first_root"]))), None,
             [f"path has {len(good['path']) + 1} hashes", f"has {len(good['path'])}"]),
            ("of equal sizes with a hash", f.write("c6.json", dict(consistency_proof(tree, n, n), path=[
                tree.root(n).hex()])), None, ["path has 1 hashes", "has 0"]),
            ("with a wrong second_root field", f.write("c7.json", variant(lambda p: p.update(
                second_root=flip_hex(p["second_root"])))), None, ["second_root:"])):
        words = ["consistency", cp, proof_path, "--key", pub] + (["--since", since] if since else [])
        tool.refuses(f"a consistency proof {what}", words, *fragments)
    tool.refuses("an inclusion proof given as consistency", ["consistency", cp, proof, "--key", pub],
                 "adledger-check inclusion")
    report_self_test(tool, f, name, seed, pub)
    for words in ([], ["checkpoint", cp], ["inclusion", cp], ["nonsense", cp, proof], ["report", proof]):
        r = tool.run(words)
        if r.returncode != 2:
            failures.add(f"adledger-check {' '.join(words[:1])} (a usage error) exits {r.returncode}, not 2")
    return tool.runs


def report_self_test(tool, f, name, seed, pub):
    """adledger-check report on a report written here: its figures
    recomputed as counted here, and forged ones refused."""
    def spend(entry, minor, precision="exact", upper=KeyError, items=None, currency="EUR"):
        content = {"advertiser": "a", "currency": currency, "entry": entry, "external_id": None,
                   "first": "2019-01-01", "handle": None, "items": items, "last": "2019-01-31", "market": "FR",
                   "minor": minor, "note": None, "platform": "p", "precision": precision, "source": "s", "tags": [],
                   "txn": {"id": entry}}
        if upper is not KeyError:
            content["upper"] = upper
        return content

    def money(minor, currency="EUR"):
        return {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": currency, "minor": minor}

    def row(entry, content, reversal=None):
        details = None
        if any(k in content for k in ("source_url", "source_accessed", "source_quote")):
            details = {"url": content.get("source_url"), "accessed": content.get("source_accessed"),
                       "quote": content.get("source_quote")}
        return {"advertiser": "a", "amount": money(content["minor"], content["currency"]), "entry": entry,
                "source_details": details,
                "handle": None, "id": None, "items": content["items"], "market": "FR", "note": None,
                "period": {"first": "2019-01-01", "last": "2019-01-31", "text": "2019-01"}, "platform": "p",
                "precision": content["precision"], "reversal": reversal, "source": "s", "tags": [],
                "txn": entry, "upper": None if content.get("upper") is None else money(content["upper"])}

    contents = {1: spend(1, 1000, items=3), 2: spend(2, 0, "range", 500), 3: spend(3, 200, "range", None),
                4: spend(4, 50), 5: spend(5, 700, currency="USD")}
    contents[1].update(source_url="https://example.org/s?a=1", source_quote="a \"quoted\" line")
    lines = [record_line(1, "platform", "p", {"id": "p"})]
    lines += [record_line(1 + e, "spend", str(e), c) for e, c in contents.items()]
    lines.append(record_line(7, "spend_reversal", "4", {"entry": 4, "reason": "r", "source": "s", "txn": {"id": 6}}))
    tree = Tree([leaf_hash(line.encode("utf-8")) for line in lines])
    n = len(lines)
    checkpoint = sign_checkpoint(name, n, tree.root(n), name, seed)

    def figure(entries, minor, precision="exact", pro_rata=False, items=0, complete=False, currency="EUR", **more):
        return dict({"amount": money(minor, currency), "entries": entries, "items": items,
                     "items_complete": complete, "items_precision": "exact", "platform": "p",
                     "precision": precision, "pro_rata": pro_rata},
                    **more)

    report = {
        "report": "advertiser",
        "totals": [figure([1], 1000, items=3, complete=True), figure([2, 3], 200, "range", upper=None),
                   figure([5], 700, currency="USD")],
        "periods": [figure([1], 400, pro_rata=True, items=1, complete=True)],
        "entries": [row(1, contents[1]), row(2, contents[2]), row(4, contents[4], {"reason": "r", "source": "s",
                                                                                   "source_details": None,
                                                                                   "txn": 6})],
        "proofs": {"checkpoint": checkpoint, "origin": name, "tree_size": n, "root": tree.root(n).hex(),
                   "records": [inclusion_proof(tree, lines, seq, n) for seq in range(2, n + 1)]},
    }
    tool.accepts("a report written here", ["report", f.write("report.json", report), "--key", pub],
                 f"ok: {n - 1} records proven in {name} at {n} records; 6 figures recomputed from them, 1 pro rata "
                 f"or converted figures not recomputed")
    converted = json.loads(json.dumps(report))
    converted["totals"][2] = figure([5, 1], 1700, currency="USD")
    converted["conversion"] = {"currency": "USD", "converted": [{"entry": 1}], "unconverted": []}
    tool.accepts("a report written here, converted", ["report", f.write("report-c.json", converted), "--key", pub],
                 f"ok: {n - 1} records proven in {name} at {n} records; 5 figures recomputed from them, 2 pro rata "
                 f"or converted figures not recomputed")

    def forged(change):
        copy = json.loads(json.dumps(report))
        change(copy)
        return copy

    for what, change, fragments in (
            ("a range's upper bound", lambda r: r["totals"][1].update(upper=money(500)),
             ["$.totals[1].upper", "the report says 5.00 EUR", "null (open)"]),
            ("its items", lambda r: r["totals"][0].update(items=4), ["$.totals[0].items", "gives 3"]),
            ("items complete", lambda r: r["totals"][1].update(items_complete=True),
             ["$.totals[1].items_complete", "give false"]),
            ("its items' precision", lambda r: r["totals"][0].update(items_precision="approximate"),
             ["$.totals[0].items_precision", "the report says \"approximate\""]),
            ("a range's lower bound", lambda r: r["totals"][1].update(amount=money(700)),
             ["$.totals[1].amount", "the report says 7.00 EUR", "entries #2 #3 give 2.00 EUR"]),
            ("a reversed entry counted", lambda r: r["totals"][0].update(entries=[1, 4], amount=money(1050)),
             ["$.totals[0].entries", "entry #4", "reverses"]),
            ("entries of two currencies", lambda r: r["totals"][0].update(entries=[1, 5], amount=money(1700)),
             ["$.totals[0].amount", "USD"]),
            ("a pro rata share above the whole", lambda r: r["periods"][0].update(amount=money(1001)),
             ["$.periods[0].amount", "more than the whole"]),
            ("a figure without pro_rata", lambda r: r["totals"][0].pop("pro_rata"), ["$.totals[0].pro_rata"]),
            ("an entry's upper bound", lambda r: r["entries"][1].update(upper=money(400)),
             ["$.entries[1].upper", "says upper 5.00 EUR"]),
            ("an entry's amount", lambda r: r["entries"][0].update(amount=money(999)),
             ["$.entries[0].amount", "the report says 9.99 EUR", "says minor 10.00 EUR"]),
            ("an entry's external id", lambda r: r["entries"][0].update(id="x"), ["$.entries[0].id", "external_id"]),
            ("an amount of three decimals", lambda r: r["entries"][0].update(amount={
                "amount": "1.000", "currency": "EUR", "minor": 1000}), ["$.entries[0].amount", "3 decimals"]),
            ("an entry listed twice", lambda r: r["totals"][1].update(entries=[2, 2, 3]),
             ["$.totals[1].entries", "twice"]),
            ("a source's address", lambda r: r["entries"][0]["source_details"].update(url="https://example.org/x"),
             ["$.entries[0].source_details.url", "says source_url \"https://example.org/s?a=1\""]),
            ("a source's details left out", lambda r: r["entries"][0].update(source_details=None),
             ["$.entries[0].source_details", "gives its source's details"]),
            ("an access date made up", lambda r: r["entries"][0]["source_details"].update(accessed="2019-02-01"),
             ["$.entries[0].source_details.accessed", "says source_accessed null"]),
            ("a correction's source given details", lambda r: r["entries"][2]["reversal"].update(
                source_details={"url": None, "accessed": None, "quote": "q"}),
             ["$.entries[2].reversal.source_details.quote"]),
            ("records out of order", lambda r: r["proofs"]["records"].reverse(), ["not in log order"]),
            ("a float", lambda r: r["totals"][0].update(items=3.0), ["is not an integer"])):
        tool.refuses(f"a report written here with {what} changed",
                     ["report", f.write("report-forged.json", forged(change)), "--key", pub], *fragments)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vectors", help="the adledger_merkle_vectors binary")
    ap.add_argument("--adledger", help="the adledger binary (with --root)")
    ap.add_argument("--root", help="the repository root (for fixtures/ and tools/)")
    ap.add_argument("--self-test", action="store_true", help="check tools/adledger-check with proofs made here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    args = ap.parse_args()
    if not (args.vectors or args.adledger or args.self_test):
        ap.error("give --vectors, --adledger with --root, or --self-test")
    if args.adledger and not args.root:
        ap.error("--adledger needs --root")
    root = os.path.abspath(args.root or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    started = time.monotonic()
    failures = Failures()
    summary = []

    # This file's implementation, and its comparison of vector lines.
    checked = check_implementation(failures)
    check_note_format(failures)
    perturbed = check_the_comparison(failures, Tree([vector_leaf(i) for i in range(64)]))
    summary.append(f"this file's RFC 9162 agrees with the {len(CT_ROOTS)} reference roots, "
                   f"{len(CT_INCLUSION)} inclusion and {len(CT_CONSISTENCY)} consistency reference proofs (which "
                   f"fail once corrupted) and with a list-slicing copy on {checked} proofs, its keys and notes with "
                   f"golang.org/x/mod/sumdb/note's example; the comparison "
                   f"notices each of {perturbed} deliberate changes")

    if args.vectors:
        limit = max(int(words[1]) for words in VECTOR_RUNS)
        t = time.monotonic()
        tree = Tree([vector_leaf(i) for i in range(limit)])
        print(f"  built the tree of {limit} leaves ({time.monotonic() - t:.1f} s)", flush=True)
        check = VectorCheck(tree, failures)
        for words in VECTOR_RUNS:
            check.run(os.path.abspath(args.vectors), words)
        c = check.counts
        summary.append(f"{c['lines']} lines of adledger_merkle_vectors in {c['runs']} runs are this "
                       f"file's: {c['root']} roots, {c['inclusion']} inclusion and {c['consistency']} consistency "
                       f"paths, each verified by RFC 9162's algorithms, and {c['forgeries']} corrupted copies "
                       f"of a sample of them refused")

    tmp = tempfile.mkdtemp(prefix="adledger-proofs-")
    try:
        if args.self_test:
            os.makedirs(os.path.join(tmp, "self-test"))
            runs = tool_self_test(failures, root, os.path.join(tmp, "self-test"))
            summary.append(f"tools/adledger-check accepts checkpoints, proofs and a report made here and refuses "
                           f"forged and malformed ones ({runs} runs)")
        if args.adledger:
            os.makedirs(os.path.join(tmp, "ledger"))
            part = LedgerCheck(failures, os.path.abspath(args.adledger), root, os.path.join(tmp, "ledger"))
            part.run()
            c = part.counts
            summary.append(f"on the founding case's ledger ({c['records']} records), the {c['proofs']} proofs "
                           f"adledger prove printed are the ones computed here and the {c['checkpoints']} "
                           f"checkpoints head --sign printed verify here; tools/adledger-check and adledger check "
                           f"both accept {c['accepted']} proofs and both refuse {c['forged']} forgeries; adledger "
                           f"prove refuses {c['impossible']} impossible requests")
            os.makedirs(os.path.join(tmp, "reports"))
            part = ReportCheck(failures, os.path.abspath(args.adledger), root, os.path.join(tmp, "reports"))
            part.run()
            c = part.counts
            summary.append(f"{c['reports']} reports printed with --proofs prove, with the proofs computed here, "
                           f"the records they cite; tools/adledger-check report accepts them, recomputing "
                           f"{c['figures']} figures from the proven records (and counting {c['counted']} pro rata or "
                           f"converted ones), and refuses {c['forged']} forged copies; adledger refuses a checkpoint "
                           f"of an earlier size; {c['html']} HTML reports offer the JSON output with its proofs")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    elapsed = time.monotonic() - started
    if failures.lines:
        print(f"check_proofs: {len(failures.lines)} failure(s) in {elapsed:.1f} s")
        return 1
    print(f"check_proofs: OK. {'; '.join(summary)} ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
