#!/usr/bin/env python3
"""The audit transparency log, checked from outside with code the project does not own.

Against a running ggzy server, following the wire spec of the audit log (v1:
RFC 6962 / RFC 9162 Merkle tree over the audit events, C2SP signed-note
checkpoints with Ed25519). Everything cryptographic is done here, by hand, from
the standards, not from the project's Rust code: the tree head MTH (RFC 6962
section 2.1), inclusion and consistency proof verification (RFC 9162 sections
2.1.3.2 and 2.1.4.2), the signed note (c2sp.org/signed-note, key id, em-dash
signature line; the Ed25519 signature itself by Python `cryptography`).

0. self-check first: the Merkle code against the published RFC 6962 reference
   vectors (roots of sizes 0..8, inclusion and consistency proofs), and every
   verifier must say no to a flipped byte in a proof, a root or a note, so
   that no check below can pass silently;
1. `GET /audit/log/key`: the vkey string agrees with the SPKI PEM (name, key
   id recomputed from name and raw key, the key itself); `GET
   /audit/log/checkpoint`: the signed note verifies with that key, its origin
   is the key name;
2. every entry [0, size) with the operator's bearer token, in pages of 1000:
   indices 0..size-1 without gaps, leaf_hash = SHA-256(0x00 || leaf_input),
   leaf_input decoded per the spec field by field against the `event` JSON
   (occurred_at as microseconds since the epoch), each event once; the root of
   all leaf hashes (MTH computed here) is the checkpoint's. An entry that names
   a bidder of a tender not yet opened is sealed, to operators too: it comes as
   its leaf hash alone (leaf_input and event null), which still counts in the
   root; so is, to a league's operator, an entry about a tender's committee
   or evaluation room (a member acted, or the action is committee.* or
   room.*) until the tender is awarded or closed; with --sqlite, each such
   leaf hash is recomputed here from the row in the database, encoded per
   the spec, so the seal hides nothing from the hashes;
3. every signed checkpoint (`/audit/log/checkpoints`, paged with from_size):
   its note verifies and says what the listing says, the root of its first
   tree_size leaves (MTH here) is its root, times do not decrease with size,
   each `prev <size> <root>` line names the checkpoint listed before it,
   and a consistency proof (RFC 9162) verifies between each consecutive pair
   and from each to the latest;
4. inclusion proofs (RFC 9162) of every leaf when size <= 3000, else of 300
   random leaves plus the first and the last, against the checkpoint's root;
   some against an older checkpoint and against a tree size that was never
   signed; a real proof and root with one byte flipped must fail;
5. refusals: 400 application/problem+json (type, title, status, detail) for
   an inclusion proof beyond the signed tree or with index >= tree_size, a
   consistency proof with first > second or beyond the tree, entries with
   end < start, a non-numeric start, more than 1000 at once or beyond the
   tree; 401 for the entries without a token;
6. with --sqlite (the server's SQLite file; the server keeps running): one
   signed event is altered in the database (action || '.x'); the entry the
   server then serves must no longer fit the signed checkpoint (root differs,
   inclusion proof fails against it); the row is restored and the root must
   match again. THE ONLY WRITE behind the API, undone before the script ends.

Any mismatch ends the script with exit status 1 and a message saying what was
expected and what came; a summary is printed at the end.

    python3 tests/independent/audit_log.py --url http://127.0.0.1:18799 \
        --token OPERATOR_TOKEN [--sqlite /tmp/x/ggzy.db]

Needs Python 3.10+ and `cryptography` (Ed25519); HTTP with urllib.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import random
import re
import sqlite3
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class Mismatch(Exception):
    """What the platform did differs from what it must do."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Mismatch(what)


def equal(actual, expected, what: str) -> None:
    if actual != expected:
        raise Mismatch(f"{what}: expected {expected!r}, got {actual!r}")


def say(text: str) -> None:
    print(text, flush=True)


def ok(text: str) -> None:
    say(f"  ok  {text}")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text, what: str, length: int | None = None) -> bytes:
    """Standard base64 with padding, canonical, optionally of a given length."""
    check(isinstance(text, str), f"{what}: expected a base64 string, got {text!r}")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as e:
        raise Mismatch(f"{what}: not standard base64 ({e}): {text!r}")
    check(b64(raw) == text, f"{what}: not canonical standard base64 with padding: {text!r}")
    if length is not None:
        check(len(raw) == length, f"{what}: expected {length} bytes, got {len(raw)}: {text!r}")
    return raw


def flip(data: bytes, at: int = 0) -> bytes:
    """The same bytes with one bit of one byte flipped."""
    b = bytearray(data)
    b[at % len(b)] ^= 0x01
    return bytes(b)


# ---------------------------------------------------------------------------
# RFC 6962 / RFC 9162 Merkle tree: hashes, MTH, proof verification
# ---------------------------------------------------------------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf_input: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k of RFC 6962 2.1: the largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


class Mth:
    """MTH(D[lo:hi]) by the recursive definition of RFC 6962 section 2.1,
    over leaf hashes, remembering the hashes of full (power-of-two) subtrees
    so that the roots of many prefixes of a large log stay cheap."""

    def __init__(self, leaf_hashes: list[bytes]):
        self.leaves = leaf_hashes
        self.full: dict[tuple[int, int], bytes] = {}

    def root(self, n: int) -> bytes:
        check(0 <= n <= len(self.leaves), f"MTH of {n} leaves asked, {len(self.leaves)} known")
        return self.range(0, n)

    def range(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n == 1:
            return self.leaves[lo]
        full = n & (n - 1) == 0
        if full and (lo, hi) in self.full:
            return self.full[(lo, hi)]
        k = largest_power_of_two_below(n)
        h = node_hash(self.range(lo, lo + k), self.range(lo + k, hi))
        if full:
            self.full[(lo, hi)] = h
        return h


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, step by step."""
    if not (0 <= index < size):  # 1.
        return False
    if len(leaf) != 32 or len(root) != 32 or any(len(p) != 32 for p in path):
        return False
    fn, sn = index, size - 1  # 2.
    r = leaf  # 3.
    for p in path:  # 4.
        if sn == 0:  # a.
            return False
        if fn & 1 or fn == sn:  # b.
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # c.
        sn >>= 1
    return sn == 0 and r == root  # 5.


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes,
                       path: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2, step by step, for 0 < first < second; and
    first == second (the proof is empty, RFC 9162 2.1.4.1) with equal roots."""
    if len(first_hash) != 32 or len(second_hash) != 32 or any(len(c) != 32 for c in path):
        return False
    if not (0 < first <= second):
        return False
    if first == second:
        return not path and first_hash == second_hash
    if not path:  # 1.
        return False
    path = list(path)
    if first & (first - 1) == 0:  # 2. first is an exact power of two
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1  # 3.
    while fn & 1:  # 4.
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # 5.
    for c in path[1:]:  # 6.
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0  # 7.


# ---------------------------------------------------------------------------
# C2SP signed note (checkpoint), Ed25519
# ---------------------------------------------------------------------------

EM_DASH = "\u2014"


def key_id(name: str, raw_public: bytes) -> bytes:
    """c2sp.org/signed-note: SHA-256(name || 0x0A || 0x01 || key)[:4] for Ed25519."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + b"\x01" + raw_public).digest()[:4]


@dataclass
class NoteKey:
    name: str
    raw: bytes
    public: Ed25519PublicKey

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.raw)


@dataclass
class Checkpoint:
    origin: str
    size: int
    root: bytes
    time: int
    note: str
    prev: tuple[int, bytes] | None = None


DECIMAL = re.compile(r"0|[1-9][0-9]*")


def parse_note(text: str, key: NoteKey, what: str) -> Checkpoint:
    """The signed checkpoint, verified: one signature line by `key` over the
    body (every line up to and including the last "\\n" before the empty line)."""
    check(isinstance(text, str), f"{what}: the note is not text: {text!r}")
    check(text.endswith("\n"), f"{what}: a note ends with a newline: {text!r}")
    sep = text.find("\n\n")
    check(sep >= 0, f"{what}: no empty line between body and signature: {text!r}")
    body, signatures = text[: sep + 1], text[sep + 2:]
    lines = signatures.split("\n")
    equal(lines[-1], "", f"{what}: after the last signature line")
    lines = lines[:-1]
    equal(len(lines), 1, f"{what}: number of signature lines ({lines!r})")
    line = lines[0]
    check(line.startswith(EM_DASH + " "), f"{what}: a signature line starts with an em dash and a space: {line!r}")
    parts = line[2:].split(" ")
    equal(len(parts), 2, f"{what}: signature line fields (name, base64)")
    name, sig_b64 = parts
    equal(name, key.name, f"{what}: signing key name")
    sig = unb64(sig_b64, f"{what}: signature", 68)
    equal(sig[:4].hex(), key.id.hex(), f"{what}: key id in the signature")
    try:
        key.public.verify(sig[4:], body.encode("utf-8"))
    except InvalidSignature:
        raise Mismatch(f"{what}: the Ed25519 signature does not verify over the body {body!r}")
    fields = body[:-1].split("\n")
    check(len(fields) in (4, 5), f"{what}: body lines (origin, size, root, time[, prev]) in {body!r}")
    origin, size, root, tline = fields[:4]
    prev = None
    if len(fields) == 5:
        p = re.fullmatch(r"prev (0|[1-9][0-9]*) ([A-Za-z0-9+/=]+)", fields[4])
        check(p is not None, f"{what}: line {fields[4]!r} is not 'prev <size> <base64 root>'")
        prev = (int(p.group(1)), unb64(p.group(2), f"{what}: prev root", 32))
    equal(origin, key.name, f"{what}: origin line (the key name)")
    check(DECIMAL.fullmatch(size) is not None, f"{what}: tree size line is not a decimal: {size!r}")
    m = re.fullmatch(r"time (0|[1-9][0-9]*)", tline)
    check(m is not None, f"{what}: time line {tline!r} is not 'time <unix seconds>'")
    return Checkpoint(origin, int(size), unb64(root, f"{what}: root hash line", 32), int(m.group(1)), text, prev)


def note_verifies(text: str, key: NoteKey) -> bool:
    try:
        parse_note(text, key, "note")
        return True
    except Mismatch:
        return False


def sign_note(body: str, name: str, private: Ed25519PrivateKey) -> str:
    """For the self-check only: a note signed the way the spec says."""
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sig = key_id(name, raw) + private.sign(body.encode("utf-8"))
    return f"{body}\n{EM_DASH} {name} {b64(sig)}\n"


def parse_vkey(vkey: str, what: str) -> tuple[str, bytes, bytes]:
    """<name>+<hex key id>+<base64(0x01 || key)>; the name has no '+', the base64 may."""
    parts = vkey.split("+", 2)
    equal(len(parts), 3, f"{what}: fields of the vkey {vkey!r}")
    name, hex_id, key_b64 = parts
    check(re.fullmatch(r"[0-9a-f]{8}", hex_id) is not None, f"{what}: key id {hex_id!r} is not 8 lowercase hex digits")
    raw = unb64(key_b64, f"{what}: key", 33)
    equal(raw[0], 0x01, f"{what}: signature type byte (Ed25519)")
    return name, bytes.fromhex(hex_id), raw[1:]


# ---------------------------------------------------------------------------
# leaf_input, the canonical encoding of an audit event
# ---------------------------------------------------------------------------

STRING_FIELDS = ["actor_id", "actor_role", "action", "object_type", "object_id", "tender_id",
                 "client_addr", "request_id", "payload_sha256"]
EVENT_FIELDS = ["seq", "occurred_at"] + STRING_FIELDS


def decode_leaf(data: bytes, what: str) -> dict:
    """leaf_input -> {"seq": int, "occurred_at": int (µs), field: str | None}."""
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        check(pos + n <= len(data), f"{what}: leaf_input ends after {len(data)} bytes, {n} more needed at {pos}")
        out = data[pos: pos + n]
        pos += n
        return out

    equal(take(1), b"\x01", f"{what}: leaf_input version byte")
    out: dict = {
        "seq": int.from_bytes(take(8), "big", signed=False),
        "occurred_at": int.from_bytes(take(8), "big", signed=True),
    }
    for field in STRING_FIELDS:
        tag = take(1)[0]
        if tag == 0:
            out[field] = None
        elif tag == 1:
            n = int.from_bytes(take(4), "big")
            raw = take(n)
            try:
                out[field] = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise Mismatch(f"{what}: leaf_input {field} is not UTF-8 ({e}): {raw!r}")
        else:
            raise Mismatch(f"{what}: leaf_input {field}: presence byte {tag:#04x}, expected 0x00 or 0x01")
    equal(len(data) - pos, 0, f"{what}: bytes left over after the nine strings of leaf_input")
    return out


def encode_leaf(seq: int, micros: int, strings) -> bytes:
    """The canonical encoding of an event (the spec, written out here)."""
    out = b"\x01" + seq.to_bytes(8, "big", signed=False) + micros.to_bytes(8, "big", signed=True)
    for text in strings:
        if text is None:
            out += b"\x00"
        else:
            raw = text.encode("utf-8")
            out += b"\x01" + len(raw).to_bytes(4, "big") + raw
    return out


def sqlite_micros(text, what: str) -> int:
    """A UTC timestamp as SQLite holds it ('YYYY-MM-DD HH:MM:SS[.ffffff]')
    -> microseconds since the epoch."""
    check(isinstance(text, str), f"{what}: occurred_at in the database is not text: {text!r}")
    return rfc3339_micros(text.replace(" ", "T", 1) + "Z", f"{what}: occurred_at in the database")


RFC3339_Z = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def rfc3339_micros(text, what: str) -> int:
    """RFC 3339 in UTC with a trailing Z -> microseconds since the epoch
    (exact: no sub-microsecond digits other than zeros)."""
    check(isinstance(text, str), f"{what}: expected an RFC 3339 string, got {text!r}")
    m = RFC3339_Z.fullmatch(text)
    check(m is not None, f"{what}: {text!r} is not RFC 3339 UTC with a trailing Z")
    frac = m.group(7) or ""
    check(frac[6:].strip("0") == "", f"{what}: {text!r} has more than microsecond precision")
    try:
        t = dt.datetime(*(int(m.group(i)) for i in range(1, 7)), tzinfo=dt.timezone.utc)
    except ValueError as e:
        raise Mismatch(f"{what}: {text!r} is not a valid time ({e})")
    return (t - EPOCH) // dt.timedelta(microseconds=1) + int((frac + "000000")[:6])


def rfc3339_seconds(text, what: str) -> float:
    check(isinstance(text, str), f"{what}: expected an RFC 3339 string, got {text!r}")
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Mismatch(f"{what}: {text!r} is not RFC 3339")
    check(t.tzinfo is not None, f"{what}: {text!r} has no time zone")
    return t.timestamp()


# ---------------------------------------------------------------------------
# self-check: the code above against published vectors, and it says no
# ---------------------------------------------------------------------------

# RFC 6962 reference tree (certificate-transparency / transparency-dev test data).
KAT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
KAT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
KAT_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
KAT_CONSISTENCY = [
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def self_check() -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in KAT_LEAVES]
    tree = Mth(leaves)
    for n, want in enumerate(KAT_ROOTS):
        equal(tree.root(n).hex(), want, f"self-check: MTH of the RFC 6962 reference tree of size {n}")
    roots = [bytes.fromhex(r) for r in KAT_ROOTS]
    for index, size, proof in KAT_INCLUSION:
        path = [bytes.fromhex(p) for p in proof]
        check(verify_inclusion(index, size, leaves[index], path, roots[size]),
              f"self-check: reference inclusion proof ({index}, {size}) does not verify")
        for i in range(len(path)):
            bad = path[:i] + [flip(path[i], i)] + path[i + 1:]
            check(not verify_inclusion(index, size, leaves[index], bad, roots[size]),
                  f"self-check: inclusion ({index}, {size}) verifies with proof hash {i} flipped")
        for wrong in [(index ^ 1, size), (index, size + 1), (size, size)]:
            check(not verify_inclusion(*wrong, leaves[index], path, roots[size]),
                  f"self-check: inclusion verifies for {wrong} instead of ({index}, {size})")
        check(not verify_inclusion(index, size, leaves[index], path, flip(roots[size])),
              f"self-check: inclusion ({index}, {size}) verifies against a flipped root")
        check(not verify_inclusion(index, size, flip(leaves[index], 7), path, roots[size]),
              f"self-check: inclusion ({index}, {size}) verifies a flipped leaf")
        check(not verify_inclusion(index, size, leaves[index], path[:-1], roots[size]),
              f"self-check: inclusion ({index}, {size}) verifies with a hash missing")
        check(not verify_inclusion(index, size, leaves[index], path + [roots[0]], roots[size]),
              f"self-check: inclusion ({index}, {size}) verifies with a hash too many")
    for first, second, proof in KAT_CONSISTENCY:
        path = [bytes.fromhex(p) for p in proof]
        check(verify_consistency(first, second, roots[first], roots[second], path),
              f"self-check: reference consistency proof ({first}, {second}) does not verify")
        for i in range(len(path)):
            bad = path[:i] + [flip(path[i], 31)] + path[i + 1:]
            check(not verify_consistency(first, second, roots[first], roots[second], bad),
                  f"self-check: consistency ({first}, {second}) verifies with proof hash {i} flipped")
        check(not verify_consistency(first, second, flip(roots[first]), roots[second], path),
              f"self-check: consistency ({first}, {second}) verifies with the first root flipped")
        check(not verify_consistency(first, second, roots[first], flip(roots[second]), path),
              f"self-check: consistency ({first}, {second}) verifies with the second root flipped")
        check(not verify_consistency(first, second, roots[first], roots[second], path[:-1]),
              f"self-check: consistency ({first}, {second}) verifies with a hash missing")
        check(not verify_consistency(first - 1, second, roots[first - 1], roots[second], path),
              f"self-check: consistency ({first}, {second}) verifies for first - 1")
    check(verify_consistency(4, 4, roots[4], roots[4], []), "self-check: consistency of a tree with itself")
    check(not verify_consistency(4, 4, roots[4], roots[5], []), "self-check: equal sizes, different roots")
    check(not verify_consistency(5, 4, roots[5], roots[4], []), "self-check: consistency with first > second")
    # The signed note: one made here verifies; a flipped byte, another key,
    # another key name, a second signature line, all do not.
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = NoteKey("example.com/self-check", raw, private.public_key())
    body = f"{key.name}\n8\n{b64(roots[8])}\ntime 1700000000\n"
    note = sign_note(body, key.name, private)
    cp = parse_note(note, key, "self-check note")
    check((cp.size, cp.root, cp.time) == (8, roots[8], 1700000000), "self-check: the note's fields read back")
    check(not note_verifies(note.replace(b64(roots[8]), b64(flip(roots[8]))), key),
          "self-check: a note with a flipped root verifies")
    check(not note_verifies(note.replace("\n8\n", "\n9\n"), key), "self-check: a note with another size verifies")
    other = Ed25519PrivateKey.generate()
    check(not note_verifies(sign_note(body, key.name, other), key), "self-check: a note by another key verifies")
    check(not note_verifies(note + note.split("\n\n")[1], key), "self-check: two signature lines accepted")
    check(not note_verifies(note.replace(EM_DASH, "-"), key), "self-check: a hyphen instead of the em dash")
    renamed = NoteKey("example.com/other", raw, private.public_key())
    check(not note_verifies(note, renamed), "self-check: a note verifies under another key name")
    sig = base64.b64decode(note.rsplit(" ", 1)[1])
    forged = note.rsplit(" ", 1)[0] + " " + b64(flip(sig, 70)) + "\n"
    check(not note_verifies(forged, key), "self-check: a note with a flipped signature byte verifies")
    # The leaf encoding round trip on a hand-made leaf.
    leaf = (b"\x01" + (42).to_bytes(8, "big") + (-1).to_bytes(8, "big", signed=True) + b"\x00"
            + b"\x01" + (6).to_bytes(4, "big") + "机构".encode() + b"\x00" * 7)
    equal(decode_leaf(leaf, "self-check leaf"),
          {"seq": 42, "occurred_at": -1, "actor_id": None, "actor_role": "机构", **{f: None for f in STRING_FIELDS[2:]}},
          "self-check: hand-made leaf decoded")
    equal(rfc3339_micros("1970-01-01T00:00:00.000001Z", "t"), 1, "self-check: RFC 3339 to microseconds")
    equal(rfc3339_micros("2026-11-23T08:00:00Z", "t"), 1795420800 * 10**6, "self-check: RFC 3339 to microseconds")


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class Reply:
    def __init__(self, path: str, status: int, headers, body: bytes):
        self.path, self.status, self.headers, self.body = path, status, headers, body

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").strip()

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise Mismatch(f"GET {self.path}: not JSON ({e}): {self.body[:300]!r}")

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Api:
    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/api/v1/audit/log"
        self.calls = 0

    def get(self, path: str, token: str | None = None) -> Reply:
        headers = {"Accept": "application/json, application/problem+json, text/plain, */*"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, headers=headers, method="GET")
        self.calls += 1
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return Reply(path, r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Reply(path, e.code, e.headers, e.read())
        except (urllib.error.URLError, OSError) as e:
            raise Mismatch(f"GET {self.base}{path}: no answer ({getattr(e, 'reason', e)}); is the server up?")

    def expect(self, path: str, token: str | None = None, status: int = 200) -> Reply:
        r = self.get(path, token)
        if r.status != status:
            raise Mismatch(f"GET {path}: expected HTTP {status}, got {r.status}: {r.text()[:2000]}")
        return r

    def json(self, path: str, token: str | None = None) -> dict:
        r = self.expect(path, token)
        check(r.content_type.split(";")[0].strip() == "application/json",
              f"GET {path}: expected application/json, got {r.content_type!r}")
        body = r.json()
        check(isinstance(body, dict), f"GET {path}: expected a JSON object, got {body!r}"[:500])
        return body

    def problem(self, status: int, path: str, token: str | None = None) -> dict:
        """The request must be refused with this status, as RFC 9457 problem+json."""
        r = self.get(path, token)
        if r.status != status:
            raise Mismatch(f"GET {path}: expected a refusal {status}, got HTTP {r.status}: {r.text()[:2000]}")
        check(r.content_type.startswith("application/problem+json"),
              f"GET {path}: a refusal must be application/problem+json, not {r.content_type!r}")
        p = r.json()
        check(isinstance(p, dict), f"GET {path}: the problem is not a JSON object: {p!r}")
        for field, kind in [("type", str), ("title", str), ("status", int), ("detail", str)]:
            check(isinstance(p.get(field), kind) and not isinstance(p.get(field), bool),
                  f"GET {path}: the problem's {field!r} must be a {kind.__name__}: {p!r}")
        equal(p["status"], status, f"GET {path}: the problem's status")
        return p


def hashes_of(body: dict, what: str) -> list[bytes]:
    h = body.get("hashes")
    check(isinstance(h, list), f"{what}: 'hashes' must be a list: {body!r}"[:500])
    return [unb64(x, f"{what}: hashes[{i}]", 32) for i, x in enumerate(h)]


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


class Run:
    def __init__(self, args):
        self.args = args
        self.api = Api(args.url)
        self.token = args.token
        self.rng = random.Random(args.seed)
        self.key: NoteKey | None = None
        self.latest: Checkpoint | None = None
        self.leaf_hashes: list[bytes] = []
        self.entries: list[dict] = []
        self.tree: Mth | None = None
        self.checkpoints: list[Checkpoint] = []
        self.n_inclusion = 0
        self.n_consistency = 0
        self.caught: str | None = None
        self.caught_index: int | None = None
        self.summary: list[str] = []

    # -- helpers ----------------------------------------------------------

    def fetch_checkpoint(self) -> Checkpoint:
        r = self.api.expect("/checkpoint")
        check(r.content_type.replace(" ", "").lower() == "text/plain;charset=utf-8",
              f"GET /checkpoint: expected text/plain; charset=utf-8, got {r.content_type!r}")
        try:
            text = r.body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Mismatch(f"GET /checkpoint: the note is not UTF-8 ({e})")
        return parse_note(text, self.key, "GET /checkpoint")

    def inclusion(self, index: int, size: int, root: bytes, what: str) -> list[bytes]:
        path = f"/proof/inclusion?index={index}&tree_size={size}"
        body = self.api.json(path)
        equal(body.get("index"), index, f"GET {path}: index")
        equal(body.get("tree_size"), size, f"GET {path}: tree_size")
        equal(unb64(body.get("root_hash"), f"GET {path}: root_hash", 32).hex(), root.hex(),
              f"GET {path}: root_hash (the root of {what})")
        proof = hashes_of(body, f"GET {path}")
        check(verify_inclusion(index, size, self.leaf_hashes[index], proof, root),
              f"GET {path}: the inclusion proof of leaf {index} (leaf hash {b64(self.leaf_hashes[index])}) "
              f"does not verify against the root of {what} (RFC 9162 2.1.3.2); hashes {body['hashes']}")
        self.n_inclusion += 1
        return proof

    def consistency(self, first: Checkpoint, second: Checkpoint) -> list[bytes]:
        m, m_root, n = first.size, first.root, second.size
        path = f"/proof/consistency?first={m}&second={n}"
        body = self.api.json(path)
        equal(body.get("first"), m, f"GET {path}: first")
        equal(body.get("second"), n, f"GET {path}: second")
        proof = hashes_of(body, f"GET {path}")
        check(verify_consistency(m, n, m_root, second.root, proof),
              f"GET {path}: the consistency proof between the tree heads {m} ({b64(m_root)}) and {n} "
              f"({b64(second.root)}) does not verify (RFC 9162 2.1.4.2); hashes {body['hashes']}")
        self.n_consistency += 1
        return proof

    def fetch_entries(self, start: int, end: int, hash_must_match: bool = True) -> list[dict]:
        path = f"/entries?start={start}&end={end}"
        body = self.api.json(path, self.token)
        entries = body.get("entries")
        check(isinstance(entries, list), f"GET {path}: 'entries' must be a list")
        equal(len(entries), end - start, f"GET {path}: number of entries")
        out = []
        for offset, e in enumerate(entries):
            i = start + offset
            what = f"entry {i}"
            check(isinstance(e, dict), f"{what}: not an object: {e!r}")
            equal(e.get("index"), i, f"GET {path}: index of the entry in position {offset} (no gaps)")
            h = unb64(e.get("leaf_hash"), f"{what}: leaf_hash", 32)
            if e.get("leaf_input") is None and e.get("event") is None:
                # Sealed until its tender's opening: the leaf hash alone.
                out.append({"index": i, "leaf_hash": h, "leaf_input": None, "event": None})
                continue
            check(e.get("leaf_input") is not None and e.get("event") is not None,
                  f"{what}: one of leaf_input and event is null, the other not ({e!r})")
            data = unb64(e["leaf_input"], f"{what}: leaf_input")
            if hash_must_match:
                equal(b64(leaf_hash(data)), b64(h), f"{what}: leaf_hash against SHA-256(0x00 || leaf_input)")
            self.check_event(decode_leaf(data, what), e["event"], what)
            out.append({"index": i, "leaf_hash": h, "leaf_input": data, "event": e["event"]})
        return out

    @staticmethod
    def check_event(decoded: dict, event, what: str) -> None:
        check(isinstance(event, dict), f"{what}: event is not an object: {event!r}")
        equal(sorted(event), sorted(EVENT_FIELDS), f"{what}: the event's fields")
        check(isinstance(event["seq"], int) and not isinstance(event["seq"], bool),
              f"{what}: event seq is not an integer: {event['seq']!r}")
        equal(decoded["seq"], event["seq"], f"{what}: seq in leaf_input against the event")
        equal(decoded["occurred_at"], rfc3339_micros(event["occurred_at"], f"{what}: event occurred_at"),
              f"{what}: occurred_at (µs since the epoch) in leaf_input against the event's {event['occurred_at']!r}")
        for field in STRING_FIELDS:
            equal(decoded[field], event[field], f"{what}: {field} in leaf_input against the event")

    # -- the steps --------------------------------------------------------

    def step_key_and_checkpoint(self) -> None:
        say("1. the log's key and its latest signed checkpoint")
        k = self.api.json("/key")
        for field in ["name", "vkey", "public_key_pem"]:
            check(isinstance(k.get(field), str), f"GET /key: {field!r} must be a string: {k!r}")
        try:
            public = serialization.load_pem_public_key(k["public_key_pem"].encode())
        except ValueError as e:
            raise Mismatch(f"GET /key: public_key_pem does not load ({e})")
        check(isinstance(public, Ed25519PublicKey), f"GET /key: the key is {type(public).__name__}, not Ed25519")
        check(k["public_key_pem"].lstrip().startswith("-----BEGIN PUBLIC KEY-----"),
              "GET /key: public_key_pem is not an SPKI PEM (BEGIN PUBLIC KEY)")
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        name, vid, vraw = parse_vkey(k["vkey"], "GET /key: vkey")
        equal(name, k["name"], "GET /key: the vkey's name against 'name'")
        equal(vraw.hex(), raw.hex(), "GET /key: the vkey's key against public_key_pem")
        self.key = NoteKey(name, raw, public)
        equal(vid.hex(), self.key.id.hex(), "GET /key: the vkey's key id against SHA-256(name || 0x0A || 0x01 || key)[:4]")
        ok(f"key {name}, id {vid.hex()}: vkey and SPKI PEM agree")
        self.latest = self.fetch_checkpoint()
        ok(f"checkpoint: size {self.latest.size}, root {b64(self.latest.root)}, time {self.latest.time}; "
           f"signed by {name}, origin = key name")
        # The verifier on this very note must refuse a flipped root or size.
        tampered = self.latest.note.replace(b64(self.latest.root), b64(flip(self.latest.root, 5)), 1)
        check(not note_verifies(tampered, self.key), "self-check: the real note verifies with its root flipped")
        tampered = self.latest.note.replace(f"\n{self.latest.size}\n", f"\n{self.latest.size + 1}\n", 1)
        check(not note_verifies(tampered, self.key), "self-check: the real note verifies with another size")
        ok("the real note with a flipped root byte, or another size, does not verify")

    def step_entries(self) -> None:
        size = self.latest.size
        say(f"2. all {size} entries, in pages of 1000, against the events and the signed root")
        for start in range(0, size, 1000):
            self.entries.extend(self.fetch_entries(start, min(start + 1000, size)))
        equal(len(self.entries), size, "number of entries fetched")
        seqs: dict[int, int] = {}
        sealed = [e["index"] for e in self.entries if e["event"] is None]
        check(len(sealed) < size or size == 0, "every entry is sealed: is --token an operator's?")
        for e in self.entries:
            if e["event"] is None:
                continue
            s = e["event"]["seq"]
            check(s not in seqs, f"event seq {s} is in the log twice: entries {seqs.get(s)} and {e['index']}")
            seqs[s] = e["index"]
        self.leaf_hashes = [e["leaf_hash"] for e in self.entries]
        self.tree = Mth(self.leaf_hashes)
        root = self.tree.root(size)
        equal(b64(root), b64(self.latest.root), f"MTH (computed here) of the {size} leaves against the signed root")
        check(size == 0 or b64(Mth([flip(self.leaf_hashes[0])] + self.leaf_hashes[1:]).root(size)) != b64(root),
              "self-check: the root does not change when a leaf hash does")
        ok(f"{size} entries" + (f" 0..{size - 1}" if size else "") + " without gaps; each leaf_hash = "
           f"SHA-256(0x00 || leaf_input); each leaf_input decodes to its event; {len(seqs)} distinct events; "
           f"{len(sealed)} sealed until their tender's opening (leaf hash only); MTH = the signed root")
        if sealed and self.args.sqlite:
            self.check_sealed(sealed)

    def check_sealed(self, sealed: list[int]) -> None:
        """Each sealed entry's leaf hash is the hash of its row, encoded here."""
        db = sqlite3.connect(f"file:{self.args.sqlite}?mode=ro", uri=True, timeout=10)
        try:
            for k in sealed:
                row = db.execute("SELECT seq, occurred_at, " + ", ".join(STRING_FIELDS)
                                 + " FROM audit_events WHERE leaf_index = ?", (k,)).fetchone()
                check(row is not None, f"{self.args.sqlite}: no audit_events row with leaf_index = {k}")
                data = encode_leaf(row[0], sqlite_micros(row[1], f"entry {k}"), row[2:])
                equal(b64(leaf_hash(data)), b64(self.entries[k]["leaf_hash"]),
                      f"sealed entry {k}: leaf_hash against SHA-256(0x00 || the row encoded here)")
                decoded = decode_leaf(data, f"sealed entry {k}")
                # A trade's applicant (auction_applicant) is sealed as a
                # bidder is: who applied is not told until the trade is decided.
                bidder = decoded["actor_role"] == "bidder" or decoded["object_type"] in (
                    "bid", "bid_upload", "sealed_notification", "auction_applicant")
                committee = decoded["actor_role"] == "expert" or decoded["action"].startswith(("committee.", "room."))
                check(bidder or committee, f"sealed entry {k} names no bidder and tells nothing of a committee: "
                      f"{decoded!r}")
        finally:
            db.close()
        ok(f"the {len(sealed)} sealed entries: each leaf hash is that of its database row, encoded here; "
           "each names a bidder (actor bidder, or a bid, upload session or sealed message) or, for a league's "
           "operator, tells of a committee or its room")

    def step_checkpoints(self) -> None:
        say("3. every signed checkpoint: its note, its root, consistency with the next and the latest")
        seen: set[str] = set()
        listed: list[tuple[dict, Checkpoint]] = []
        from_size = 0
        while True:
            path = f"/checkpoints?from_size={from_size}&limit=1000"
            page = self.api.json(path).get("checkpoints")
            check(isinstance(page, list), f"GET {path}: 'checkpoints' must be a list")
            check(len(page) <= 1000, f"GET {path}: {len(page)} checkpoints, limit 1000")
            new = 0
            for item in page:
                check(isinstance(item, dict), f"GET {path}: not an object: {item!r}")
                check(isinstance(item.get("tree_size"), int), f"GET {path}: tree_size: {item!r}")
                check(item["tree_size"] >= from_size, f"GET {path}: a checkpoint of size {item['tree_size']} listed")
                if item.get("note") in seen:
                    continue
                what = f"checkpoint of size {item['tree_size']}"
                cp = parse_note(item.get("note"), self.key, what)
                equal(cp.size, item["tree_size"], f"{what}: the note's size against tree_size")
                equal(b64(cp.root), item.get("root_hash"), f"{what}: the note's root against root_hash")
                t = rfc3339_seconds(item.get("time"), f"{what}: time")
                equal(int(t // 1), cp.time, f"{what}: the note's time line against time {item['time']!r}")
                seen.add(cp.note)
                listed.append((item, cp))
                new += 1
            if len(page) < 1000 or new == 0:
                break
            from_size = listed[-1][1].size
        check(listed, "GET /checkpoints lists no checkpoint at all")
        for (_, a), (_, b) in zip(listed, listed[1:]):
            check(a.size <= b.size, f"the checkpoints are not ascending by size: {a.size} before {b.size}")
        one = self.api.json("/checkpoints?from_size=0&limit=1").get("checkpoints")
        check(isinstance(one, list) and len(one) == 1, f"GET /checkpoints?from_size=0&limit=1: {one!r}"[:500])
        later = [cp for _, cp in listed if cp.size > self.latest.size]
        cps = [cp for _, cp in listed if cp.size <= self.latest.size]
        check(any(cp.note == self.latest.note for cp in cps),
              f"the latest checkpoint (size {self.latest.size}) is not among the {len(listed)} listed")
        for a, b in zip(cps, cps[1:]):
            check(a.time <= b.time, f"checkpoint times decrease with size: {a.size} at {a.time}, {b.size} at {b.time}")
        # The chain: a checkpoint's prev line names the one listed just before
        # it; the first has none, and once one has a prev line all after do.
        check(cps[0].prev is None, f"the first checkpoint (size {cps[0].size}) names a predecessor {cps[0].prev!r}")
        for a, b in zip(cps, cps[1:]):
            if b.prev is None:
                check(a.prev is None, f"checkpoint of size {b.size} has no prev line after one that had")
                continue
            equal((b.prev[0], b64(b.prev[1])), (a.size, b64(a.root)), f"checkpoint of size {b.size}: its prev line")
        chained = sum(cp.prev is not None for cp in cps)
        for cp in cps:
            equal(b64(self.tree.root(cp.size)), b64(cp.root),
                  f"checkpoint of size {cp.size}: MTH (computed here) of its first {cp.size} leaves against its root")
            if cp.size == self.latest.size:
                equal(b64(cp.root), b64(self.latest.root), f"two checkpoints of size {cp.size}: roots")
        self.checkpoints = cps
        ok(f"{len(cps)} checkpoints (sizes {cps[0].size}..{cps[-1].size}) verify, each root = MTH of its prefix, "
           f"times do not decrease, {chained} chained to the one before" + (f"; {len(later)} signed since the run began, left aside" if later else ""))
        # Consistency: each consecutive pair, and each to the latest.
        pairs: list[tuple[Checkpoint, Checkpoint]] = []
        done: set[tuple[int, int]] = set()
        for a, b in list(zip(cps, cps[1:])) + [(cp, self.latest) for cp in cps]:
            if a.size == 0 or a.size >= b.size or (a.size, b.size) in done:
                continue
            done.add((a.size, b.size))
            pairs.append((a, b))
        first_real = None
        for a, b in pairs:
            proof = self.consistency(a, b)
            if first_real is None and proof:
                first_real = (a, b, proof)
        if self.latest.size > 0:
            equal(self.consistency(self.latest, self.latest), [],
                  f"the consistency proof of the tree {self.latest.size} with itself")
        if first_real:
            a, b, proof = first_real
            check(not verify_consistency(a.size, b.size, a.root, b.root, [flip(proof[0], 9)] + proof[1:]),
                  f"self-check: the real consistency proof {a.size} -> {b.size} verifies with a flipped hash")
            check(not verify_consistency(a.size, b.size, a.root, flip(b.root, 3), proof),
                  f"self-check: the real consistency proof {a.size} -> {b.size} verifies with a flipped root")
        ok(f"{len(pairs)} consistency proofs between checkpoints verify (RFC 9162 2.1.4.2)"
           + (f", and a flipped byte in one of them does not" if first_real else ""))

    def step_inclusion(self) -> None:
        size = self.latest.size
        if size == 0:
            say("4. inclusion proofs: none, the log is empty")
            return
        if size <= 3000:
            indices = list(range(size))
            say(f"4. inclusion proofs of every one of the {size} leaves")
        else:
            indices = sorted({0, size - 1} | set(self.rng.sample(range(1, size - 1), 300)))
            say(f"4. inclusion proofs of {len(indices)} leaves (300 random, the first and the last) of {size}")
        flipped = False
        for i in indices:
            proof = self.inclusion(i, size, self.latest.root, f"the latest checkpoint ({size})")
            if not flipped and proof:
                check(not verify_inclusion(i, size, self.leaf_hashes[i], proof[:-1] + [flip(proof[-1], 17)],
                                           self.latest.root),
                      f"self-check: the real inclusion proof of leaf {i} verifies with a flipped hash")
                check(not verify_inclusion(i, size, self.leaf_hashes[i], proof, flip(self.latest.root, 30)),
                      f"self-check: the real inclusion proof of leaf {i} verifies against a flipped root")
                flipped = True
        ok(f"{len(indices)} inclusion proofs verify against the signed root (RFC 9162 2.1.3.2)"
           + ("; one with a flipped hash, or against a flipped root, does not" if flipped else ""))
        older = [cp for cp in self.checkpoints if 0 < cp.size < size]
        if older:
            cp = self.rng.choice(older)
            some = sorted({0, cp.size - 1} | set(self.rng.sample(range(cp.size), min(5, cp.size))))
            for i in some:
                self.inclusion(i, cp.size, cp.root, f"the older checkpoint of size {cp.size}")
            ok(f"{len(some)} inclusion proofs against the older checkpoint of size {cp.size} verify")
        else:
            ok("no older checkpoint with leaves to prove against")
        sizes = {cp.size for cp in self.checkpoints}
        unsigned = [n for n in range(1, size) if n not in sizes]
        if unsigned:
            n = self.rng.choice(unsigned)
            i = self.rng.randrange(n)
            self.inclusion(i, n, self.tree.root(n), f"the first {n} leaves (never signed; MTH computed here)")
            ok(f"an inclusion proof in tree size {n}, never signed, verifies against the MTH computed here")

    def step_refusals(self) -> None:
        say("5. refusals")
        size = self.fetch_checkpoint().size  # now, in case the log grew
        cases = [
            (f"/proof/inclusion?index=0&tree_size={size + 1}", "an inclusion proof beyond the signed tree"),
            (f"/proof/inclusion?index={size}&tree_size={size}", "an inclusion proof with index >= tree_size"),
            (f"/proof/consistency?first={max(size, 2)}&second={max(size, 2) - 1}", "a consistency proof with first > second"),
            (f"/proof/consistency?first=1&second={size + 1}", "a consistency proof beyond the signed tree"),
            ("/proof/consistency?first=0&second=1", "a consistency proof from the empty tree (0 < first)"),
            ("/entries?start=1&end=0", "entries with end < start"),
            ("/entries?start=abc&end=1", "entries with start=abc"),
            ("/entries?start=0&end=1001", "1001 entries at once"),
            (f"/entries?start={size}&end={size + 1}", "entries beyond the signed tree"),
        ]
        for path, what in cases:
            token = self.token if path.startswith("/entries") else None
            self.api.problem(400, path, token)
        self.api.problem(401, f"/entries?start=0&end={min(size, 1)}", None)
        ok(f"{len(cases)} bad requests refused 400 as problem+json (type, title, status, detail); "
           "the entries without a token 401")

    def step_tamper(self) -> None:
        size = self.latest.size
        if not self.args.sqlite:
            return
        say("6. an event altered in the database must no longer fit the signed checkpoint")
        check(size > 0, "the log is empty: nothing to tamper with")
        readable = [e["index"] for e in self.entries if e["event"] is not None]
        k = self.args.tamper_index if self.args.tamper_index is not None else self.rng.choice(readable)
        check(0 <= k < size, f"--tamper-index {k} is outside the signed tree [0, {size})")
        check(self.entries[k]["event"] is not None, f"--tamper-index {k} is a sealed entry: pick a readable one")
        before = self.entries[k]
        db = sqlite3.connect(self.args.sqlite, timeout=10)
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            try:
                rows = db.execute("SELECT seq, action FROM audit_events WHERE leaf_index = ?", (k,)).fetchall()
            except sqlite3.Error as e:
                raise Mismatch(f"{self.args.sqlite}: cannot read audit_events.leaf_index ({e})")
            equal(len(rows), 1, f"{self.args.sqlite}: rows of audit_events with leaf_index = {k}")
            seq, action = rows[0]
            equal(seq, before["event"]["seq"], f"{self.args.sqlite}: seq of the row with leaf_index = {k}")
            equal(action, before["event"]["action"], f"{self.args.sqlite}: action of the row with leaf_index = {k}")
            try:
                with db:
                    n = db.execute("UPDATE audit_events SET action = action || '.x' WHERE leaf_index = ?",
                                   (k,)).rowcount
                equal(n, 1, "rows altered")
                say(f"      altered entry {k} (seq {seq}): action {action!r} -> {action + '.x'!r}")
                after = self.fetch_entries(k, k + 1, hash_must_match=False)[0]
                equal(after["event"]["action"], action + ".x", f"entry {k} after the change: action served")
                # The leaf as served now: its hash as a verifier computes it
                # from leaf_input (the spec's leaf hash; the server's own
                # leaf_hash should be the same, computed from the row).
                altered = leaf_hash(after["leaf_input"])
                check(altered != before["leaf_hash"], f"entry {k}: leaf_input did not change with the row")
                how = ("the served leaf_hash changed with it" if after["leaf_hash"] == altered else
                       f"the served leaf_hash {b64(after['leaf_hash'])} is no longer SHA-256(0x00 || leaf_input)")
                hashes = list(self.leaf_hashes)
                hashes[k] = altered
                root = Mth(hashes).root(size)
                check(root != self.latest.root,
                      f"entry {k} altered, yet the root of the served leaves is still the signed root")
                path = f"/proof/inclusion?index={k}&tree_size={size}"
                body = self.api.json(path)
                proof = hashes_of(body, f"GET {path}")
                check(not verify_inclusion(k, size, altered, proof, self.latest.root),
                      f"entry {k} altered, yet its inclusion proof verifies against the signed checkpoint")
                check(verify_inclusion(k, size, before["leaf_hash"], proof, self.latest.root),
                      f"entry {k} altered: the proof served now does not even verify the original leaf")
                self.caught = (f"entry {k} (seq {seq}, action {action!r} -> {action + '.x'!r}; {how}): root of the "
                               f"served leaves {b64(root)} is not the signed {b64(self.latest.root)}; its inclusion "
                               f"proof fails against the checkpoint of size {size}")
                self.caught_index = k
                ok(f"caught: {self.caught}")
            finally:
                with db:
                    db.execute("UPDATE audit_events SET action = ? WHERE leaf_index = ?", (action, k))
                say(f"      restored entry {k}: action {action!r}")
        finally:
            db.close()
        again = self.fetch_entries(k, k + 1)[0]
        equal(b64(again["leaf_hash"]), b64(before["leaf_hash"]), f"entry {k} restored: leaf_hash")
        equal(again["event"], before["event"], f"entry {k} restored: event")
        hashes = list(self.leaf_hashes)
        hashes[k] = again["leaf_hash"]
        equal(b64(Mth(hashes).root(size)), b64(self.latest.root), f"entry {k} restored: root against the signed root")
        self.inclusion(k, size, self.latest.root, f"the latest checkpoint ({size})")
        ok(f"entry {k} restored: the root is the signed one again and its inclusion proof verifies")

    def step_still_consistent(self) -> None:
        now = self.fetch_checkpoint()
        if now.size > self.latest.size:
            if self.latest.size > 0:
                self.consistency(self.latest, now)
            ok(f"the log grew during the run to {now.size}: consistent with the checkpoint checked ({self.latest.size})")
        else:
            equal(b64(now.root), b64(self.latest.root), f"the latest checkpoint's root at the end, size {now.size}")
            ok(f"the latest checkpoint at the end is still of size {now.size}, same root")

    def main(self) -> None:
        say(f"audit log, checked from outside, against {self.args.url} (seed {self.args.seed})")
        started = time.monotonic()
        say("0. self-check: Merkle code against the RFC 6962 reference vectors; flipped bytes refused")
        self_check()
        ok("reference roots 0..8, inclusion and consistency proofs verify; flipped bytes, wrong sizes, "
           "another key or key name, a hyphen for the em dash: all refused")
        self.step_key_and_checkpoint()
        self.step_entries()
        self.step_checkpoints()
        self.step_inclusion()
        self.step_refusals()
        self.step_tamper()
        self.step_still_consistent()
        self.summary.append(f"{self.api.calls} requests in {time.monotonic() - started:.1f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="the server's base URL")
    ap.add_argument("--token", required=True, help="an operator's bearer token (sees every entry)")
    ap.add_argument("--sqlite", help="the server's SQLite database: alter one event there and restore it")
    ap.add_argument("--tamper-index", type=int, help="the leaf to alter with --sqlite (default: a random one)")
    ap.add_argument("--seed", type=int, default=int(time.time()), help="seed of the random choices")
    args = ap.parse_args()
    run = Run(args)
    try:
        run.main()
    except Mismatch as e:
        print(f"\nFAILED: {e}", file=sys.stderr, flush=True)
        return 1
    except Exception:  # noqa: BLE001 - a failure of the script itself, not a finding
        traceback.print_exc()
        print("\nFAILED: the script itself failed (above), so nothing was concluded", file=sys.stderr)
        return 1
    line = (f"audit log: {len(run.entries)} entries, {len(run.checkpoints)} checkpoints, "
            f"{run.n_inclusion} inclusion proofs, {run.n_consistency} consistency proofs verified")
    if run.caught_index is not None:
        line += f"; tamper of entry {run.caught_index} caught"
    print("\nsummary")
    for s in run.summary:
        print(f"  - {s}")
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
