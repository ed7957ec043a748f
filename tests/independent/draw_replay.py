#!/usr/bin/env python3
"""The expert-committee draw (ggzy-draw-v1), replayed from outside with code the project does not own.

Written from the published specification of `ggzy-draw-v1`, not from the
project's Rust code: from a draw record (the JSON of
`GET /api/v1/tenders/{id}/committee/draw-record`) it recomputes

1. the seed: SHA-256 of the text
   "ggzy-draw-v1\\ntender <id>\\nsnapshot <sha256 hex>\\nrules <sha256 hex>\\n"
   "platform <value>\\nsupervisor <sha256 hex>\\ntree <size> <base64 root>\\n";
2. who is excluded, and why (the first rule that applies, in the spec's order:
   unavailable, no_venue, tenderer, bidder, same_league, recent_committee,
   declines, specialty);
3. the draw order: eligible experts by SHA-256(seed || id), ascending;
4. the committee (quotas, the cross-site minimum, venues) and
5. the ordered reserves;
6. every replacement in turn, and the committee after them;
7. the commitments (snapshot, rules, platform value) and the times
   (committed before the deadline, tree head signed at or before it);
8. the audit payload hash of the commitment (canonical JSON, SHA-256),
9. the bidders against their salted commitment: SHA-256 of the salt (hex),
   a line feed and the bidders as a compact JSON array (the bidders and the
   salt are sealed until the tender's opening; a record fetched before it
   has `"bidders_sealed": true` and cannot be replayed),

and compares each with the record. With --url it downloads the record and
also verifies the tree head's signed note with the log's Ed25519 key, and
proves that the `draw.committed` audit entry (holding that payload hash) is
inside the tree head the seed used (RFC 9162 inclusion proof), i.e. that the
commitment was made before anyone could know the seed. The signed-note and
Merkle code is that of `audit_log.py` (same folder), also independent.

Self-check first, so that no check can pass silently: known answers for the
seed text and the exclusion rules, a synthetic record made here must replay,
and tampered copies of it must not; after the real record replays, tampered
copies of it (supervisor contribution, platform value, committee, a
replacement, the snapshot) must each be refused too.

    python3 tests/independent/draw_replay.py --record record.json
    python3 tests/independent/draw_replay.py --url http://127.0.0.1:18799 \\
        --tender TENDER_ID --token TOKEN
    python3 tests/independent/draw_replay.py --record tampered.json --expect-mismatch

Exit 0 when everything matches (with --expect-mismatch: when the record does
NOT match), 1 otherwise, with a message naming what differs. Python 3.11,
standard library; `cryptography` only for --url (the Ed25519 signature).
Reads no standard input.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request

VERSION = "ggzy-draw-v1"
REASONS = ["unavailable", "no_venue", "tenderer", "bidder", "same_league",
           "recent_committee", "declines", "specialty"]


class Malformed(Exception):
    """An input of the record cannot be read as the spec says it is."""


class Fatal(Exception):
    """The script could not do its work (network, file): nothing concluded."""


def say(text: str = "") -> None:
    print(text, flush=True)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def canonical_json(obj) -> bytes:
    """serde_json of a Value: keys sorted, no whitespace, non-ASCII as is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def payload_hash(obj) -> str:
    return sha256_hex(canonical_json(obj))


# ---------------------------------------------------------------------------
# Reading the inputs (typed, so that a malformed record is a finding, not a crash)
# ---------------------------------------------------------------------------

def need(obj, key: str, kinds, what: str, nullable: bool = False):
    if not isinstance(obj, dict):
        raise Malformed(f"{what}: expected a JSON object, got {type(obj).__name__}")
    if key not in obj:
        raise Malformed(f"{what}: field {key!r} is missing")
    v = obj[key]
    if v is None and nullable:
        return None
    ok = isinstance(v, kinds)
    if ok and kinds in (int, (int,)) and isinstance(v, bool):
        ok = False
    if not ok:
        raise Malformed(f"{what}: field {key!r} has the wrong type: {v!r}"[:300])
    return v


def need_uint(obj, key: str, what: str, nullable: bool = False):
    v = need(obj, key, int, what, nullable)
    if v is not None and v < 0:
        raise Malformed(f"{what}: field {key!r} is negative: {v}")
    return v


def str_list(obj, key: str, what: str) -> list[str]:
    v = need(obj, key, list, what)
    if not all(isinstance(x, str) for x in v):
        raise Malformed(f"{what}: {key!r} must be a list of strings: {v!r}"[:300])
    return v


def read_snapshot(text) -> dict:
    if not isinstance(text, str):
        raise Malformed("snapshot: expected the snapshot's JSON text as a string")
    try:
        snap = json.loads(text)
    except ValueError as e:
        raise Malformed(f"snapshot: not JSON ({e})")
    need(snap, "taken_at", str, "snapshot")
    experts = need(snap, "experts", list, "snapshot")
    out = []
    for i, e in enumerate(experts):
        what = f"snapshot expert {i}"
        out.append({
            "id": need(e, "id", str, what),
            "league": need(e, "league", str, what),
            "employer": need(e, "employer", str, what, nullable=True),
            "related": str_list(e, "related", what),
            "specialties": str_list(e, "specialties", what),
            "available": need(e, "available", bool, what),
            "recent_with_tenderer": need_uint(e, "recent_with_tenderer", what),
            "declines": need_uint(e, "declines", what),
        })
    ids = [e["id"] for e in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise Malformed(f"snapshot: expert ids appear more than once: {dup}")
    return {"taken_at": snap["taken_at"], "experts": out}


def read_rules(text) -> dict:
    if not isinstance(text, str):
        raise Malformed("rules: expected the rules' JSON text as a string")
    try:
        r = json.loads(text)
    except ValueError as e:
        raise Malformed(f"rules: not JSON ({e})")
    quotas = []
    for i, q in enumerate(need(r, "quotas", list, "rules")):
        quotas.append({"specialty": need(q, "specialty", str, f"rules quota {i}"),
                       "count": need_uint(q, "count", f"rules quota {i}")})
    cross = need(r, "cross_site", dict, "rules", nullable=True)
    venues = []
    for i, v in enumerate(need(r, "venues", list, "rules")):
        venues.append({"league": need(v, "league", str, f"rules venue {i}"),
                       "name": need(v, "name", str, f"rules venue {i}"),
                       "main": need(v, "main", bool, f"rules venue {i}")})
    return {
        "size": need_uint(r, "size", "rules"),
        "quotas": quotas,
        "cross_site": None if cross is None else
        {"min_other_league_percent": need_uint(cross, "min_other_league_percent", "rules cross_site")},
        "venues": venues,
        "tender_league": need(r, "tender_league", str, "rules"),
        "tenderer": need(r, "tenderer", str, "rules", nullable=True),
        "history_days": need_uint(r, "history_days", "rules"),
        "avoid_recent_committees": need(r, "avoid_recent_committees", bool, "rules"),
        "max_declines": need_uint(r, "max_declines", "rules"),
        # The tenderer's representatives: named, not drawn; absent (0) in rules committed before them.
        "representatives": need_uint(r, "representatives", "rules") if "representatives" in r else 0,
    }


TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})")


def nanos(text, what: str) -> int:
    """RFC 3339 -> integer nanoseconds since the epoch (exact, no float)."""
    import datetime as dt
    if not isinstance(text, str):
        raise Malformed(f"{what}: expected an RFC 3339 time, got {text!r}")
    m = TIME.fullmatch(text)
    if not m:
        raise Malformed(f"{what}: {text!r} is not an RFC 3339 time")
    try:
        t = dt.datetime(*(int(m.group(i)) for i in range(1, 7)), tzinfo=dt.timezone.utc)
    except ValueError as e:
        raise Malformed(f"{what}: {text!r}: {e}")
    off = 0
    if m.group(8) not in ("Z", "z"):
        sign = 1 if m.group(8)[0] == "+" else -1
        off = sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
    secs = int(t.timestamp()) - off
    return secs * 10**9 + int(((m.group(7) or "") + "000000000")[:9])


# ---------------------------------------------------------------------------
# The algorithm, from the spec
# ---------------------------------------------------------------------------

def seed_text(tender_id: str, snapshot: str, rules: str, platform_value: str,
              supervisor: str, tree_size: int, tree_root_b64: str) -> str:
    lines = [
        VERSION,
        f"tender {tender_id}",
        f"snapshot {sha256_hex(snapshot.encode('utf-8'))}",
        f"rules {sha256_hex(rules.encode('utf-8'))}",
        f"platform {platform_value}",
        f"supervisor {sha256_hex(supervisor.encode('utf-8'))}",
        f"tree {tree_size} {tree_root_b64}",
    ]
    return "".join(line + "\n" for line in lines)


def under(code: str, ancestor: str) -> bool:
    """"is under" in the spec: string prefix (a code is under itself)."""
    return code.startswith(ancestor)


def venue_for(rules: dict, league: str):
    for v in rules["venues"]:
        if v["league"] == league:
            return v
    return None


def why_excluded(e: dict, rules: dict, bidders: list[str]):
    def tied_to(code: str) -> bool:
        return e["employer"] == code or code in e["related"]

    cross = rules["cross_site"]
    if not e["available"]:
        return "unavailable"
    if venue_for(rules, e["league"]) is None:
        return "no_venue"
    if rules["tenderer"] is not None and tied_to(rules["tenderer"]):
        return "tenderer"
    if any(tied_to(b) for b in bidders):
        return "bidder"
    if cross is not None and cross["min_other_league_percent"] >= 100 and e["league"] == rules["tender_league"]:
        return "same_league"
    if rules["avoid_recent_committees"] and e["recent_with_tenderer"] > 0:
        return "recent_committee"
    if rules["max_declines"] > 0 and e["declines"] >= rules["max_declines"]:
        return "declines"
    if rules["quotas"] and not any(under(s, q["specialty"]) for q in rules["quotas"] for s in e["specialties"]):
        return "specialty"
    return None


def other_league_seats(rules: dict) -> int:
    cross = rules["cross_site"]
    if cross is None:
        return 0
    return -(-rules["size"] * cross["min_other_league_percent"] // 100)  # ceiling


class DrawState:
    """The committee being filled, the reserves, who left."""

    def __init__(self, rules: dict, experts: dict[str, dict]):
        self.rules = rules
        self.experts = experts
        self.committee: list[dict] = []
        self.reserves: list[str] = []
        self.left: list[str] = []

    def seat_if_fits(self, e: dict) -> dict | None:
        rules = self.rules
        size = rules["size"]
        if len(self.committee) >= size:
            return None
        quota_needs = []
        for q in rules["quotas"]:
            filled = sum(1 for s in self.committee if s["quota"] == q["specialty"])
            quota_needs.append(max(0, q["count"] - filled))
        other_need = max(0, other_league_seats(rules) - sum(1 for s in self.committee if s["other_league"]))
        quota = None
        for q, n in zip(rules["quotas"], quota_needs):
            if n > 0 and any(under(s, q["specialty"]) for s in e["specialties"]):
                quota = q["specialty"]
                break
        other = e["league"] != rules["tender_league"]
        quota_after = sum(quota_needs) - (1 if quota is not None else 0)
        other_after = other_need - (1 if other and other_need > 0 else 0)
        seats_after = size - len(self.committee) - 1
        if max(quota_after, other_after) > seats_after:
            return None
        venue = venue_for(rules, e["league"])
        if venue is None:  # cannot happen to an eligible expert
            return None
        seat = {"expert": e["id"], "quota": quota, "other_league": other, "venue": venue["league"]}
        self.committee.append(seat)
        return seat

    def replace(self, leaving: str):
        """Returns (error, seat): the member leaves; the first reserve that fits takes a seat."""
        at = [i for i, s in enumerate(self.committee) if s["expert"] == leaving]
        if not at:
            return f"{leaving} is not on the committee at that point", None
        del self.committee[at[0]]
        self.left.append(leaving)
        for rid in list(self.reserves):
            seat = self.seat_if_fits(self.experts[rid])
            if seat is not None:
                self.reserves.remove(rid)
                return None, seat
        return None, None


def draw(snapshot: dict, rules: dict, bidders: list[str], seed: bytes):
    excluded, eligible = [], []
    for e in snapshot["experts"]:
        reason = why_excluded(e, rules, bidders)
        if reason is None:
            eligible.append(e)
        else:
            excluded.append({"expert": e["id"], "reason": reason})
    eligible.sort(key=lambda e: (hashlib.sha256(seed + e["id"].encode("utf-8")).digest(), e["id"].encode("utf-8")))
    state = DrawState(rules, {e["id"]: e for e in snapshot["experts"]})
    for e in eligible:
        if state.seat_if_fits(e) is None:
            state.reserves.append(e["id"])
    return state, excluded, [e["id"] for e in eligible]


# ---------------------------------------------------------------------------
# The replay of one record
# ---------------------------------------------------------------------------

class Report:
    def __init__(self, loud: bool):
        self.loud = loud
        self.passed: list[str] = []
        self.findings: list[tuple[str, str]] = []  # (check, what differs)
        self.notes: list[str] = []

    def check(self, cond: bool, name: str, good: str, bad) -> bool:
        if cond:
            self.passed.append(name)
            if self.loud:
                say(f"  ok  {name}: {good}")
        else:
            text = bad() if callable(bad) else bad
            self.findings.append((name, text))
            if self.loud:
                say(f"  XX  {name}: {text}")
        return cond

    def fail(self, name: str, text: str) -> None:
        self.check(False, name, "", text)

    def note(self, text: str) -> None:
        self.notes.append(text)
        if self.loud:
            say(f"  --  {text}")

    @property
    def failed_checks(self) -> list[str]:
        return [n for n, _ in self.findings]


def ids(seats) -> list:
    return [s.get("expert") if isinstance(s, dict) else s for s in (seats or [])]


def differ(record_value, replayed, show=lambda x: x) -> str:
    return f"the record says {show(record_value)!r}, the replay gives {show(replayed)!r}"


def replay(record, loud: bool) -> Report:
    rep = Report(loud)
    try:
        replay_into(record, rep)
    except Malformed as e:
        rep.fail("record readable", str(e))
    return rep


def replay_into(record, rep: Report) -> None:
    if not isinstance(record, dict):
        raise Malformed(f"the record is not a JSON object but {type(record).__name__}")
    version = need(record, "version", str, "record")
    rep.check(version == VERSION, "algorithm", VERSION, f"the record's algorithm is {version!r}, this replays {VERSION}")
    tender = need(record, "tender_id", str, "record")
    snapshot_text = need(record, "snapshot", str, "record")
    rules_text = need(record, "rules", str, "record")
    platform_value = need(record, "platform_value", str, "record")
    contribution = need(record, "supervisor_contribution", str, "record")
    head = need(record, "tree_head", dict, "record")
    if record.get("bidders_sealed") is True:
        raise Malformed("the bidders are sealed until the tender's opening (招标投标法 第22条): "
                        "fetch the record again after the opening to replay the draw")
    bidders = str_list(record, "bidders", "record")
    drawn = need(record, "drawn", dict, "record")
    replacements = need(record, "replacements", list, "record")
    final = need(record, "committee", list, "record")

    # 7. commitments
    c = need(record, "commitment", dict, "record")
    rep.check(set(c) == {"tender_id", "snapshot_sha256", "rules_sha256", "platform_commitment"},
              "commitment fields", "tender_id, snapshot_sha256, rules_sha256, platform_commitment",
              lambda: f"the commitment has the fields {sorted(c)}")
    rep.check(c.get("tender_id") == tender, "commitment names the tender", tender,
              lambda: f"the commitment is for {c.get('tender_id')!r}, the record for {tender!r}")
    s_hash = sha256_hex(snapshot_text.encode("utf-8"))
    rep.check(c.get("snapshot_sha256") == s_hash, "snapshot against its commitment", s_hash,
              lambda: f"SHA-256 of the snapshot text is {s_hash}, the commitment says {c.get('snapshot_sha256')!r}")
    r_hash = sha256_hex(rules_text.encode("utf-8"))
    rep.check(c.get("rules_sha256") == r_hash, "rules against their commitment", r_hash,
              lambda: f"SHA-256 of the rules text is {r_hash}, the commitment says {c.get('rules_sha256')!r}")
    lower_hex = re.fullmatch(r"(?:[0-9a-f]{2})*", platform_value) is not None
    rep.check(lower_hex and platform_value != "", "platform value is lower-case hex",
              f"{len(platform_value) // 2} bytes", lambda: f"{platform_value!r} is not non-empty lower-case hex")
    p_hash = sha256_hex(bytes.fromhex(platform_value)) if lower_hex else None
    rep.check(p_hash is not None and c.get("platform_commitment") == p_hash, "platform value against its commitment",
              f"SHA-256 of its bytes = {p_hash}",
              lambda: f"SHA-256 of the revealed value's bytes is {p_hash}, the commitment says "
                      f"{c.get('platform_commitment')!r}")
    rep.note(f"audit payload hash of the commitment (canonical JSON): {payload_hash(c)}")

    # 9. the bidders against their salted commitment (absent on draws made before it existed)
    b_commit = record.get("bidders_commitment")
    if b_commit is None:
        rep.note("bidders_commitment is null: a draw made before the bidders were committed to")
    else:
        salt = need(record, "bidders_salt", str, "record")
        listed = json.dumps(bidders, separators=(",", ":"), ensure_ascii=False)
        b_hash = sha256_hex(f"{salt}\n{listed}".encode("utf-8"))
        rep.check(b_commit == b_hash, "bidders against their salted commitment", b_hash,
                  lambda: f"SHA-256 of the salt, a line feed and the bidders is {b_hash}, "
                          f"the record says {b_commit!r}")

    # Times
    deadline = nanos(record.get("bid_deadline"), "bid_deadline")
    committed = nanos(record.get("committed_at"), "committed_at")
    signed = nanos(head.get("signed_at"), "tree_head.signed_at")
    drawn_at = nanos(record.get("drawn_at"), "drawn_at")
    rep.check(committed < deadline, "committed before the bid deadline",
              f"{record['committed_at']} < {record['bid_deadline']}",
              f"committed at {record['committed_at']}, not before the deadline {record['bid_deadline']}")
    rep.check(signed <= deadline, "tree head signed at or before the deadline",
              f"{head['signed_at']} <= {record['bid_deadline']}",
              f"the tree head was signed at {head['signed_at']}, after the deadline {record['bid_deadline']}")
    rep.check(drawn_at >= deadline, "drawn after the deadline", f"{record['drawn_at']}",
              f"drawn at {record['drawn_at']}, before the deadline {record['bid_deadline']} (the tree head "
              "at the deadline could not be known)")

    # Tree head, and the checkpoint naming it
    size = need_uint(head, "size", "tree_head")
    root_b64 = need(head, "root", str, "tree_head")
    try:
        root = base64.b64decode(root_b64, validate=True)
    except ValueError:
        root = b""
    root_ok = len(root) == 32 and b64(root) == root_b64
    rep.check(root_ok, "tree head root", "32 bytes, standard base64",
              f"{root_b64!r} is not 32 bytes in canonical standard base64")
    note = need(head, "checkpoint", str, "tree_head")
    lines = note.split("\n")
    rep.check(len(lines) >= 4 and lines[1] == str(size) and lines[2] == root_b64,
              "checkpoint note names the tree head", f"size {size}, root {root_b64}",
              lambda: f"the note's lines 2 and 3 are {lines[1:3]!r}, the tree head is {[str(size), root_b64]!r}")
    m = re.fullmatch(r"time (0|[1-9][0-9]*)", lines[3]) if len(lines) >= 4 else None
    rep.check(m is not None and int(m.group(1)) == signed // 10**9, "checkpoint time is signed_at",
              f"time {signed // 10**9}",
              lambda: f"the note's 4th line is {lines[3] if len(lines) > 3 else None!r}, "
                      f"signed_at is {head['signed_at']} ({signed // 10**9} s)")
    ci = record.get("commitment_index")
    if ci is None:
        rep.note("commitment_index is null: the commitment's place in the audit log is not known")
    else:
        rep.check(isinstance(ci, int) and not isinstance(ci, bool) and 0 <= ci < size,
                  "commitment inside the tree head", f"entry {ci} < size {size}",
                  f"the commitment is entry {ci!r}, not inside the tree head of {size} entries")

    # Inputs of the draw
    snapshot = read_snapshot(snapshot_text)
    rules = read_rules(rules_text)
    taken = nanos(snapshot["taken_at"], "snapshot taken_at")
    # At microseconds: committed_at is served to the microsecond (as stored), while the snapshot's
    # text keeps the nanoseconds of the same instant (…03.667292950Z against …03.667292Z).
    rep.check(taken // 1000 <= committed // 1000, "snapshot taken before the commitment",
              f"{snapshot['taken_at']} (to the microsecond)",
              f"the snapshot was taken at {snapshot['taken_at']}, after the commitment {record['committed_at']}")

    # 1. seed
    text = seed_text(tender, snapshot_text, rules_text, platform_value, contribution, size, root_b64)
    seed = hashlib.sha256(text.encode("utf-8")).digest()
    rep.check(drawn.get("seed") == seed.hex(), "seed", seed.hex(), lambda: differ(drawn.get("seed"), seed.hex()))

    # 2.-5. the draw
    state, excluded, order = draw(snapshot, rules, bidders, seed)
    rep.check(drawn.get("excluded") == excluded, "exclusions",
              f"{len(excluded)} excluded: " + (", ".join(f"{x['expert']} ({x['reason']})" for x in excluded) or "none"),
              lambda: differ(drawn.get("excluded"), excluded))
    initial = copy.deepcopy(state.committee)
    rep.check(drawn.get("committee") == initial, "committee drawn",
              f"{len(initial)} of {rules['size']} seats: {', '.join(ids(initial))}",
              lambda: differ(drawn.get("committee"), initial) if ids(drawn.get("committee")) == ids(initial)
              else differ(ids(drawn.get("committee")), ids(initial)))
    rep.check(drawn.get("reserves") == state.reserves, "reserve order",
              f"{len(state.reserves)} reserves: {', '.join(state.reserves) or 'none'}",
              lambda: differ(drawn.get("reserves"), state.reserves))
    rep.check(drawn.get("left") == [], "nobody had left at the draw", "left = []",
              lambda: f"drawn.left is {drawn.get('left')!r}")
    if len(initial) < rules["size"]:
        rep.note(f"the draw is short: {len(initial)} of {rules['size']} seats filled")

    # The tenderer's representatives (招标投标法 第37条) sit besides the drawn seats: the committed
    # rules hold how many, the record names them; they are not in the draw.
    named = record.get("representatives", [])
    if not isinstance(named, list):
        raise Malformed("record: representatives is not a list")
    members = [need(n, "member", str, f"representative {i}") for i, n in enumerate(named)]
    rep.check(len(named) == rules["representatives"] and all(m.startswith("rep-") for m in members),
              "representatives as committed, not drawn",
              f"{rules['representatives']} named, the committee {rules['size'] + rules['representatives']} members",
              lambda: f"the committed rules hold {rules['representatives']} representative(s), "
                      f"the record names {members!r}")

    # 6. replacements
    for i, r in enumerate(replacements, 1):
        what = f"replacement {i}"
        leaving = need(r, "expert", str, what)
        reason = need(r, "reason", str, what)
        said = need(r, "replacement", str, what, nullable=True)
        err, seat = state.replace(leaving)
        if err:
            rep.fail(what, err)
            continue
        got = seat["expert"] if seat else None
        rep.check(got == said, what, f"{leaving} left ({reason}), {got or 'nobody'} seated",
                  f"{leaving} left ({reason}); the replay seats {got!r}, the record says {said!r}")
    rep.check(final == state.committee, "committee after replacements",
              f"{len(state.committee)} members: {', '.join(ids(state.committee))}",
              lambda: differ(final, state.committee) if ids(final) == ids(state.committee)
              else differ(ids(final), ids(state.committee)))
    rep.seed = seed  # for the caller
    rep.rules = rules
    rep.state = state


# ---------------------------------------------------------------------------
# Self-check: known answers, a synthetic record, tampered copies
# ---------------------------------------------------------------------------

def expert(i, league="LZH", employer=None, related=(), specs=("A01",), available=True, recent=0, declines=0):
    return {"id": i, "league": league, "employer": employer, "related": list(related),
            "specialties": list(specs), "available": available, "recent_with_tenderer": recent,
            "declines": declines}


def synthetic_record(tree: dict | None = None, index: int = 3, deadline: str = "2026-11-23T08:00:00Z") -> dict:
    """A record made here with this script's own algorithm: consistent by construction."""
    experts = [
        expert("E-gone", available=False, employer="TENDERER"),   # unavailable (first rule wins)
        expert("E-gx", league="GX"),                              # no_venue
        expert("E-tenderer", related=["TENDERER"]),               # tenderer
        expert("E-bidder", employer="BIDDER-1"),                  # bidder
        expert("E-recent", recent=2),                             # recent_committee
        expert("E-declines", declines=3),                         # declines
        expert("E-spec", specs=("C09",)),                         # specialty
    ]
    for n in range(14):
        league = "NNG" if n % 3 == 0 else "LZH"
        specs = ["A0102"] if n % 4 == 0 else (["B01"] if n % 4 == 1 else ["A01", "B02"])
        experts.append(expert(f"E{n:02d}", league=league, specs=specs, related=[f"X{n}"]))
    snapshot = json.dumps({"taken_at": "2026-11-20T08:00:00Z", "experts": experts},
                          ensure_ascii=False, separators=(",", ":"))
    rules = json.dumps({
        "size": 5, "quotas": [{"specialty": "A01", "count": 2}, {"specialty": "B0", "count": 1}],
        "cross_site": {"min_other_league_percent": 40},
        "venues": [{"league": "LZH", "name": "柳州", "main": True}, {"league": "NNG", "name": "南宁", "main": False}],
        "tender_league": "LZH", "tenderer": "TENDERER", "history_days": 365,
        "avoid_recent_committees": True, "max_declines": 3,
    }, ensure_ascii=False, separators=(",", ":"))
    platform = "5e" * 32
    root = hashlib.sha256(b"synthetic root").digest()
    head = tree or {"size": 9, "root": b64(root), "signed_at": "2026-11-23T07:59:58.250Z",
                    "checkpoint": f"self.example/log\n9\n{b64(root)}\ntime 1795420798\n\n\u2014 self.example/log AAAA\n"}
    record = {
        "version": VERSION, "tender_id": "T-SELF", "bid_deadline": deadline,
        "committed_at": "2026-11-20T08:00:01.5Z",
        "commitment": {"tender_id": "T-SELF", "snapshot_sha256": sha256_hex(snapshot.encode()),
                       "rules_sha256": sha256_hex(rules.encode()),
                       "platform_commitment": sha256_hex(bytes.fromhex(platform))},
        "commitment_index": index, "snapshot": snapshot, "rules": rules, "platform_value": platform,
        "supervisor_contribution": "监督 chose this",
        "tree_head": head,
        "bidders": ["BIDDER-1", "BIDDER-2"], "drawn_at": "2026-11-23T08:05:00Z",
    }
    s, r = read_snapshot(snapshot), read_rules(rules)
    seed = hashlib.sha256(seed_text("T-SELF", snapshot, rules, platform, record["supervisor_contribution"],
                                    head["size"], head["root"]).encode()).digest()
    state, excluded, _ = draw(s, r, record["bidders"], seed)
    record["drawn"] = {"seed": seed.hex(), "committee": copy.deepcopy(state.committee),
                       "reserves": list(state.reserves), "excluded": excluded, "left": []}
    reps = []
    # One declines; one lets its invitation lapse (the reason "expired"): the replay treats every
    # reason alike, a freed seat.
    for leaving, reason in [(state.committee[0]["expert"], "declined"), (state.committee[-1]["expert"], "expired")]:
        _, seat = state.replace(leaving)
        reps.append({"expert": leaving, "reason": reason, "replacement": seat["expert"] if seat else None})
    record["replacements"] = reps
    record["committee"] = copy.deepcopy(state.committee)
    return record


def known_answers() -> None:
    """Hand-written expectations, not derived from the code under test."""
    e = hashlib.sha256(b"").hexdigest()
    want = ("ggzy-draw-v1\ntender T1\nsnapshot " + e + "\nrules " + e + "\nplatform 00ff\nsupervisor " + e +
            "\ntree 7 " + "A" * 43 + "=\n")
    got = seed_text("T1", "", "", "00ff", "", 7, b64(bytes(32)))
    assert got == want, f"seed text: {got!r}"
    assert payload_hash({"b": 1, "a": "é"}) == sha256_hex('{"a":"é","b":1}'.encode()), "canonical JSON"
    assert other_league_seats({"size": 5, "cross_site": {"min_other_league_percent": 40}}) == 2
    assert other_league_seats({"size": 7, "cross_site": {"min_other_league_percent": 30}}) == 3
    assert other_league_seats({"size": 5, "cross_site": {"min_other_league_percent": 100}}) == 5
    assert other_league_seats({"size": 5, "cross_site": None}) == 0
    rules = {"size": 3, "quotas": [{"specialty": "A01", "count": 1}], "cross_site": {"min_other_league_percent": 100},
             "venues": [{"league": "LZH", "name": "", "main": True}, {"league": "NNG", "name": "", "main": False}],
             "tender_league": "LZH", "tenderer": "T", "history_days": 1, "avoid_recent_committees": False,
             "max_declines": 0}
    cases = [
        (expert("a", available=False, league="GX"), "unavailable"),
        (expert("b", league="GX", employer="T"), "no_venue"),
        (expert("c", related=["B"], employer="T"), "tenderer"),
        (expert("d", league="NNG", related=["B"]), "bidder"),
        (expert("e", league="LZH"), "same_league"),
        (expert("f", league="NNG", recent=5, declines=99), None),      # both rules off
        (expert("g", league="NNG", specs=("A", "B01")), "specialty"),  # "A" is not under "A01"
        (expert("h", league="NNG", specs=("B01", "A0199")), None),
    ]
    for ex, want_reason in cases:
        got = why_excluded(ex, rules, ["B"])
        assert got == want_reason, f"exclusion of {ex['id']}: {got!r}, expected {want_reason!r}"
    rules2 = dict(rules, cross_site=None, tenderer=None, avoid_recent_committees=True, max_declines=2, quotas=[])
    assert why_excluded(expert("i", recent=1), rules2, []) == "recent_committee"
    assert why_excluded(expert("j", declines=2), rules2, []) == "declines"
    assert why_excluded(expert("k", declines=1, specs=()), rules2, []) is None
    # The seat test by hand: size 3, one A01 quota, 2 other-league seats (66 %: ceil(1.98)).
    assert other_league_seats({"size": 3, "cross_site": {"min_other_league_percent": 67}}) == 3  # ceil(2.01)
    r3 = dict(rules2, quotas=[{"specialty": "A01", "count": 1}], cross_site={"min_other_league_percent": 66})
    st = DrawState(r3, {})
    # l1: after it 1 quota seat and 2 other-league seats still needed, 2 seats left: seated, no quota.
    assert st.seat_if_fits(expert("l1", specs=("B",))) == \
        {"expert": "l1", "quota": None, "other_league": False, "venue": "LZH"}, "seat test l1"
    # l2 (same league): 2 other-league seats needed, 1 left after it: passed over although it fits the quota.
    assert st.seat_if_fits(expert("l2", specs=("A0101",))) is None, "seat test l2"
    # n1 (other league, under A01): fills the quota and one other-league seat.
    assert st.seat_if_fits(expert("n1", league="NNG", specs=("A01",))) == \
        {"expert": "n1", "quota": "A01", "other_league": True, "venue": "NNG"}, "seat test n1"
    # l3: quota filled, but 1 other-league seat needed and none left after it.
    assert st.seat_if_fits(expert("l3")) is None, "seat test l3"
    assert st.seat_if_fits(expert("n2", league="NNG")) == \
        {"expert": "n2", "quota": None, "other_league": True, "venue": "NNG"}, "seat test n2"
    assert st.seat_if_fits(expert("n3", league="NNG")) is None, "seat test n3 (full)"
    # A replacement: n1 leaves, freeing the A01 quota and an other-league seat; one seat is left, so
    # only an other-league expert under A01 fits: not l3 (same league), not n4 (not under A01), n5.
    st.experts = {e["id"]: e for e in [expert("l3"), expert("n4", league="NNG", specs=("B01",)),
                                       expert("n5", league="NNG", specs=("A0103",))]}
    st.reserves = ["l3", "n4", "n5"]
    assert st.replace("n1") == (None, {"expert": "n5", "quota": "A01", "other_league": True, "venue": "NNG"}), \
        "replacement test"
    assert st.reserves == ["l3", "n4"] and st.left == ["n1"] and [x["expert"] for x in st.committee] == \
        ["l1", "n2", "n5"], "replacement test: state after"
    assert st.replace("n1")[0] is not None, "a member who left cannot leave again"


def tampered_copies(record: dict, rep: Report, synthetic: bool) -> list[tuple[str, dict, list[str]]]:
    """(description, tampered record, checks that must notice) for the spec's list and a few more."""
    out = []

    def add(desc, change, expect):
        t = copy.deepcopy(record)
        note = change(t)
        out.append((desc + (f" ({note})" if note else ""), t, expect))

    def contribution(t):
        s = t["supervisor_contribution"]
        t["supervisor_contribution"] = (s[:-1] + ("x" if s[-1:] != "x" else "y")) if s else "x"
    add("the supervisor contribution changed by one character", contribution, ["seed"])

    def platform(t):
        v = t["platform_value"]
        t["platform_value"] = v[:-1] + ("0" if v[-1:] != "0" else "1")
    add("the platform value changed", platform, ["platform value against its commitment", "seed"])

    state = rep.state
    current = ids(record["committee"])

    def swap_committee(t):
        free = [r for r in state.reserves if r not in current][:2]
        if not free:
            if len(t["committee"]) < 2:
                t["committee"].append({"expert": "nobody", "quota": None, "other_league": False, "venue": "X"})
                return "no reserves, a member added instead"
            t["committee"][0], t["committee"][1] = t["committee"][1], t["committee"][0]
            return "no reserves: two members swapped in order instead"
        for k, rid in enumerate(free):
            ex = state.experts[rid]
            t["committee"][k] = {"expert": rid, "quota": t["committee"][k]["quota"],
                                 "other_league": ex["league"] != rep.rules["tender_league"], "venue": ex["league"]}
        return f"{', '.join(current[:len(free)])} -> {', '.join(free)}"
    add("committee members swapped with reserves", swap_committee, ["committee after replacements"])

    def swap_drawn(t):
        d = t["drawn"]
        n = min(2, len(d["committee"]), len(d["reserves"]))
        if n == 0:
            return None
        for k in range(n):
            seat, rid = d["committee"][k], d["reserves"][k]
            d["reserves"][k] = seat["expert"]
            seat["expert"] = rid
        return f"{n} swapped"
    if record["drawn"]["reserves"] and record["drawn"]["committee"]:
        add("the committee as drawn swapped with reserves", swap_drawn, ["committee drawn", "reserve order"])

    def replacement(t):
        if not t["replacements"]:
            t["replacements"].append({"expert": current[0] if current else "nobody", "reason": "declined",
                                      "replacement": "nobody-real"})
            return "the record has none: one with a wrong replacement appended"
        r = t["replacements"][0]
        was = r["replacement"]
        if was is None:
            r["replacement"] = (state.reserves + ["nobody-real"])[0]
        else:
            others = [x for x in state.reserves + ids(record["drawn"]["reserves"]) if x != was]
            r["replacement"] = others[0] if others else None
        return f"{was!r} -> {r['replacement']!r}"
    add("a replacement's replacement changed", replacement, ["replacement 1"])

    def snapshot(t):
        snap = json.loads(t["snapshot"])
        target = current[0] if current else None
        for e in snap["experts"]:
            if e["id"] == target or (target is None and e.get("available")):
                e["available"] = False
                target = e["id"]
                break
        t["snapshot"] = json.dumps(snap, ensure_ascii=False, separators=(",", ":"))
        return f"{target} made unavailable, commitment left as it was"
    add("the snapshot text changed", snapshot, ["snapshot against its commitment", "seed"])

    def reserves(t):
        r = t["drawn"]["reserves"]
        r[0], r[1] = r[1], r[0]
    if len(record["drawn"]["reserves"]) >= 2:
        add("two reserves swapped in order", reserves, ["reserve order"])

    def reason(t):
        x = t["drawn"]["excluded"][0]
        x["reason"] = "declines" if x["reason"] != "declines" else "specialty"
    if record["drawn"]["excluded"]:
        add("an exclusion's reason changed", reason, ["exclusions"])

    def bidder_dropped(t):
        t["bidders"] = t["bidders"][1:]
    if record.get("bidders_commitment") is not None and record["bidders"]:
        add("a bidder left out of the list", bidder_dropped, ["bidders against their salted commitment"])

    def late(t):
        t["committed_at"] = t["bid_deadline"]
    add("committed at the deadline", late, ["committed before the bid deadline"])

    def tree(t):
        t["tree_head"]["size"] += 1
    add("the tree head's size changed", tree, ["checkpoint note names the tree head", "seed"])
    return out


def run_tampers(record: dict, rep: Report, synthetic: bool, label: str) -> list[str]:
    """Each tampered copy must fail, in the checks named; returns the problems."""
    problems = []
    for desc, t, expect in tampered_copies(record, rep, synthetic):
        r = replay(t, loud=False)
        missed = [c for c in expect if c not in r.failed_checks]
        if not r.findings:
            problems.append(f"the replay would not notice {desc} in {label}")
            say(f"  XX  {label}, {desc}: NOT noticed")
        elif missed:
            problems.append(f"the replay noticed {desc} in {label}, but not in {missed} "
                            f"(only in {r.failed_checks})")
            say(f"  XX  {label}, {desc}: noticed only by {r.failed_checks}, not by {missed}")
        else:
            say(f"  ok  {label}, {desc}: refused by {', '.join(r.failed_checks)}")
    return problems


# ---------------------------------------------------------------------------
# Online: the record from the server, the signed tree head, the commitment in the log
# ---------------------------------------------------------------------------

class Api:
    def __init__(self, base: str, token: str | None):
        self.base = base.rstrip("/")
        self.token = token
        self.calls = 0

    def get(self, path: str):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.calls += 1
        req = urllib.request.Request(self.base + path, headers=headers, method="GET")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                body = r.read()
        except urllib.error.HTTPError as e:
            raise Fatal(f"GET {path}: HTTP {e.code}: {e.read()[:1000].decode('utf-8', 'replace')}")
        except (urllib.error.URLError, OSError) as e:
            raise Fatal(f"GET {self.base}{path}: no answer ({getattr(e, 'reason', e)}); is the server up?")
        try:
            return json.loads(body)
        except ValueError as e:
            raise Fatal(f"GET {path}: not JSON ({e}): {body[:300]!r}")


def load_audit_log():
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
    try:
        import audit_log  # noqa: PLC0415 - needs `cryptography`, only for --url
    except ImportError as e:
        raise Fatal(f"--url needs audit_log.py (same folder) and the `cryptography` package: {e}")
    return audit_log


def check_online(api: Api, record: dict, rep: Report) -> None:
    al = load_audit_log()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    say("  self-check of audit_log.py's verifiers (RFC 6962 vectors, flipped bytes, notes)")
    try:
        al.self_check()
    except al.Mismatch as e:
        raise Fatal(f"audit_log.py's self-check failed: {e}")

    head = record["tree_head"]
    size, root = head["size"], base64.b64decode(head["root"])

    # The log's key, and the signed note of the tree head.
    k = api.get("/api/v1/audit/log/key")
    try:
        public = serialization.load_pem_public_key(k["public_key_pem"].encode())
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError(f"{type(public).__name__}, not Ed25519")
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        name, vid, vraw = al.parse_vkey(k["vkey"], "GET /audit/log/key: vkey")
        key = al.NoteKey(name, raw, public)
        good = name == k["name"] and vraw == raw and vid == key.id
    except (KeyError, TypeError, ValueError, al.Mismatch) as e:
        raise Fatal(f"GET /api/v1/audit/log/key: unusable key ({e}): {k!r}"[:1000])
    rep.check(good, "the log's key", f"{name}, key id {vid.hex()}", f"the vkey {k['vkey']!r} does not match the PEM")
    try:
        cp = al.parse_note(head["checkpoint"], key, "tree_head.checkpoint")
        err = None
    except al.Mismatch as e:
        cp, err = None, str(e)
    rep.check(cp is not None and cp.size == size and cp.root == root, "tree head signed by the log's key",
              f"Ed25519 signature of {name} verifies; it names size {size}, root {head['root']}",
              lambda: err or f"the signed note names size {cp.size}, root {b64(cp.root)}")
    if cp is not None:
        flipped = head["checkpoint"].replace(head["root"], b64(al.flip(root, 5)), 1)
        if al.note_verifies(flipped, key):
            raise Fatal("self-check: the tree head's note verifies with a flipped root")

    # Is the tree head the log's latest checkpoint signed at or before the deadline?
    deadline = nanos(record["bid_deadline"], "bid_deadline")
    listed = api.get(f"/api/v1/audit/log/checkpoints?from_size={size}&limit=1000").get("checkpoints", [])
    same = [c for c in listed if c.get("tree_size") == size]
    rep.check(any(c.get("note") == head["checkpoint"] for c in same), "tree head is a checkpoint the log lists",
              f"listed with size {size}", f"no checkpoint of size {size} with this note is listed")
    later = [c for c in listed if c.get("tree_size", 0) > size and nanos(c.get("time"), "checkpoint time") <= deadline]
    rep.check(not later, "tree head is the latest signed at or before the deadline",
              "no larger checkpoint was signed by then",
              lambda: f"checkpoints of sizes {[c['tree_size'] for c in later]} were signed by the deadline too "
                      f"(at {[c['time'] for c in later]})")

    # The commitment's audit entry, inside the tree head.
    i = record.get("commitment_index")
    if not isinstance(i, int) or isinstance(i, bool):
        rep.fail("commitment in the log", f"the record gives no commitment_index ({i!r}): nothing to prove")
        return
    if not 0 <= i < size:
        rep.fail("commitment in the log", f"entry {i} is outside the tree head of {size} entries")
        return
    page = api.get(f"/api/v1/audit/log/entries?start={i}&end={i + 1}")
    entries = page.get("entries") or []
    if len(entries) != 1 or entries[0].get("index") != i:
        rep.fail("commitment in the log", f"GET entries {i}..{i + 1}: {page!r}"[:500])
        return
    e = entries[0]
    if e.get("leaf_input") is None or e.get("event") is None:
        rep.fail("commitment in the log", f"entry {i}: leaf_input/event not shown to this token: {e!r}"[:500])
        return
    leaf = base64.b64decode(e["leaf_input"], validate=True)
    lh = al.leaf_hash(leaf)
    rep.check(e.get("leaf_hash") == b64(lh), "entry's leaf hash", "SHA-256(0x00 || leaf_input)",
              f"the served leaf_hash {e.get('leaf_hash')!r} is not SHA-256(0x00 || leaf_input) = {b64(lh)}")
    try:
        decoded = al.decode_leaf(leaf, f"entry {i}")
        al.Run.check_event(decoded, e["event"], f"entry {i}")
        err = None
    except al.Mismatch as x:
        decoded, err = None, str(x)
    rep.check(err is None, "entry's event is its leaf_input", "every field of the event decoded from the leaf", err)
    want = payload_hash(record["commitment"])
    ev = decoded or e["event"]
    rep.check(ev.get("action") == "draw.committed" and ev.get("tender_id") == record["tender_id"]
              and ev.get("payload_sha256") == want, "audit entry holds the commitment",
              f"entry {i}: draw.committed, tender {record['tender_id']}, payload_sha256 {want}",
              lambda: f"entry {i} has action {ev.get('action')!r}, tender {ev.get('tender_id')!r}, "
                      f"payload_sha256 {ev.get('payload_sha256')!r}; expected draw.committed, "
                      f"{record['tender_id']!r}, {want} (SHA-256 of {canonical_json(record['commitment']).decode()})")
    proof = api.get(f"/api/v1/audit/log/proof/inclusion?index={i}&tree_size={size}")
    try:
        hashes = [base64.b64decode(h, validate=True) for h in proof["hashes"]]
        served_root = proof.get("root_hash")
    except (KeyError, TypeError, ValueError) as x:
        raise Fatal(f"GET proof/inclusion: unreadable ({x}): {proof!r}"[:500])
    rep.check(proof.get("index") == i and proof.get("tree_size") == size and served_root == head["root"],
              "inclusion proof is for the tree head", f"index {i}, tree size {size}, root {served_root}",
              f"the proof is for index {proof.get('index')}, size {proof.get('tree_size')}, root {served_root!r}")
    included = al.verify_inclusion(i, size, lh, hashes, root)
    rep.check(included, "commitment included in the tree head (RFC 9162 2.1.3.2)",
              f"{len(hashes)} hashes lead from entry {i} to the signed root: committed before the seed was known",
              f"entry {i}'s inclusion proof does not lead to the tree head's root {head['root']}")
    if included and (al.verify_inclusion(i, size, al.flip(lh, 3), hashes, root)
                     or al.verify_inclusion(i, size, lh, hashes, al.flip(root, 7))):
        raise Fatal("self-check: the inclusion proof verifies with a flipped leaf or root")


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--record", help="a saved draw record (JSON of .../committee/draw-record)")
    src.add_argument("--url", help="the server's base URL: download the record and check the audit log too")
    ap.add_argument("--tender", help="with --url: the tender's id")
    ap.add_argument("--token", help="with --url: a bearer token that may read the record and the audit entry")
    ap.add_argument("--expect-mismatch", action="store_true",
                    help="exit 0 only if the record does NOT match (for a deliberately tampered record)")
    args = ap.parse_args()
    if args.url and not args.tender:
        ap.error("--url needs --tender")

    problems: list[str] = []
    say(f"{VERSION} replay, independent of the platform's code")
    say("0. self-check: known answers, then a synthetic record and tampered copies of it")
    try:
        known_answers()
    except AssertionError as e:
        e = f"{e} (line {traceback.extract_tb(e.__traceback__)[-1].lineno})"
        say(f"  XX  known answers: {e}")
        print(f"\nFAILED: the replay's own self-check: {e}", file=sys.stderr)
        return 1
    say("  ok  known answers: seed text, canonical JSON, ceil(size x percent / 100), each exclusion rule, the seat test")
    synth = synthetic_record()
    srep = replay(synth, loud=False)
    if srep.findings:
        print(f"\nFAILED: the self-check's synthetic record does not replay: {srep.findings}", file=sys.stderr)
        return 1
    say(f"  ok  the synthetic record replays ({len(srep.passed)} checks)")
    problems += run_tampers(synth, srep, True, "synthetic")
    if problems:
        print("\nFAILED: " + "; ".join(problems), file=sys.stderr)
        return 1

    api = None
    if args.url:
        api = Api(args.url, args.token)
        path = f"/api/v1/tenders/{urllib.parse.quote(args.tender, safe='')}/committee/draw-record"
        say(f"1. the record: GET {args.url.rstrip('/')}{path}")
        try:
            record = api.get(path)
        except Fatal as e:
            print(f"\nFAILED (nothing concluded): {e}", file=sys.stderr)
            return 1
        source = f"tender {args.tender} at {args.url}"
    else:
        say(f"1. the record: {args.record}")
        try:
            with open(args.record, "rb") as f:
                raw = f.read()
        except OSError as e:
            print(f"\nFAILED (nothing concluded): cannot read {args.record}: {e}", file=sys.stderr)
            return 1
        try:
            record = json.loads(raw)
        except ValueError as e:
            record = f"not JSON: {e}"
        source = args.record

    say("2. the replay, compared with the record")
    rep = replay(record, loud=True)
    if args.url and isinstance(record, dict):
        rep.check(record.get("tender_id") == args.tender, "record of the tender asked for", args.tender,
                  f"the record is of tender {record.get('tender_id')!r}")
    matched = not rep.findings

    if matched and not args.expect_mismatch:
        say("3. tampered copies of this record must each be refused")
        problems += run_tampers(record, rep, False, "the record")

    if api is not None and isinstance(record, dict) and "tree_head" in record and not any(
            n == "record readable" for n in rep.failed_checks):
        say("4. the tree head and the commitment in the audit log")
        try:
            check_online(api, record, rep)
        except (Malformed, ValueError, KeyError, TypeError) as e:
            rep.fail("audit log checks", f"cannot be made on this record: {type(e).__name__}: {e}")
        except Fatal as e:
            print(f"\nFAILED (nothing concluded): {e}", file=sys.stderr)
            return 1
        matched = not rep.findings

    say("\nsummary")
    say(f"  - record: {source}")
    if isinstance(record, dict) and hasattr(rep, "state"):
        say(f"  - tender {record.get('tender_id')}: seed {rep.seed.hex()}; committee now "
            f"{', '.join(ids(rep.state.committee))}; {len(record.get('replacements', []))} replacement(s)")
    say(f"  - {len(rep.passed)} checks passed, {len(rep.findings)} differ")
    for note in rep.notes:
        say(f"  - note: {note}")
    if api is not None:
        say(f"  - {api.calls} requests")
    if problems:
        print("\nFAILED (self-check): " + "; ".join(problems), file=sys.stderr)
        return 1
    if args.expect_mismatch:
        if matched:
            print("\nFAILED: the record matches the replay, but a mismatch was expected (--expect-mismatch)",
                  file=sys.stderr)
            return 1
        say("the record does NOT match, as expected (--expect-mismatch): "
            + "; ".join(f"{n}: {t}" for n, t in rep.findings))
        return 0
    if not matched:
        print("\nFAILED: the draw does not match the replay: "
              + "; ".join(f"{n}: {t}" for n, t in rep.findings), file=sys.stderr)
        return 1
    say("the draw matches the replay")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001 - a failure of the script itself, not a finding
        traceback.print_exc()
        print("\nFAILED: the script itself failed (above), so nothing was concluded", file=sys.stderr)
        sys.exit(1)
