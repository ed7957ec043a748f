#!/usr/bin/env python3
"""The committee of a tender someone else runs, for the tenderer's browser test.

tests/e2e/tenderer.test.mjs runs a tender from its page: published, bid,
opened, the qualification review and the room all in the browser. What the
tenderer's page does not do is the committee's part; this script does it,
as the demo's experts and the league's supervisor, over the public API and
the room's WebSocket protocol (README "The expert pool and the committee
draw", "Evaluation rooms"), with the sign-in, identities and room client of
tests/independent/sealed_bids.py and evaluation_room.py:

    draw      the league's supervisor adds its contribution and the
              committee is drawn (retried while the log has not signed past
              the deadline: 503); each seated demo expert accepts its
              invitation;
    evaluate  the room is open: the seated experts join with their
              certificate sessions, declare, elect the first member chair,
              pass every bid on every review item, score every criterion of
              every round (the same points from every member: bids ranked
              by their label, A first; nothing flagged), the chair closes
              each round, and each member signs the report with its own key
              (SM2 through the openssl command line) until the room closes.

    python3 tests/e2e/committee.py --url http://127.0.0.1:18080 \\
        --data-dir /tmp/x --tender <id> draw|evaluate

Exit 0 when done, 1 with what was refused.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE.parent / "independent"))

import sealed_bids as sb  # noqa: E402
import evaluation_room as er  # noqa: E402
from sealed_bids import Mismatch, check, say  # noqa: E402

TEXT = "ggzy-evaluation-report-v1\n{tender}\n{sha}\n"


class Committee:
    def __init__(self, args):
        self.args = args
        self.api = sb.Api(args.url)
        self.fabric = sb.Fabric(Path(args.data_dir).resolve())
        self.work = Path(tempfile.mkdtemp(prefix="ggzy-committee-"))
        self.run = sb.Run(argparse.Namespace(url=args.url, data_dir=args.data_dir, ggzy=None,
                                             operator_token="unused", lead=0, strict=False))
        self.tid = args.tender
        self.n = 0

    def experts(self) -> dict[str, tuple[sb.Identity, str]]:
        """Every demo expert, signed in: expert id -> (identity, token)."""
        out = {}
        for e in self.fabric.manifest["certificates"]:
            if e["kind"] != "expert" or e.get("revoked"):
                continue
            if e["key_algorithm"] == "sm2":
                who = er.Sm2Identity(e["name"], self.fabric.cert(e["cert"]), (self.fabric.dir / e["key"]).read_bytes(),
                                     [self.fabric.cert(p) for p in e["chain"]], e["league"], self.work)
            else:
                who = sb.Identity(e["name"], self.fabric.cert(e["cert"]), sb.load_pem_key(self.fabric.dir / e["key"]),
                                  [self.fabric.cert(p) for p in e["chain"]], None, e["league"])
            token = self.run.sign_in(who, "expert")["token"]
            me = self.api.expect(200, "GET", "/api/v1/experts/me", token=token).json()
            out[me["id"]] = (who, token)
        return out

    def seated(self, experts: dict) -> list[str]:
        seated = []
        for eid, (_, token) in experts.items():
            inv = self.api.expect(200, "GET", "/api/v1/experts/me/invitations", token=token).json()["items"]
            if any(i["tender_id"] == self.tid and i["status"] in ("invited", "accepted") for i in inv):
                seated.append(eid)
        return seated

    def draw(self) -> None:
        detail = self.api.expect(200, "GET", f"/api/v1/tenders/{self.tid}").json()
        supervisor = self.fabric.person(detail["league_code"], "supervisor")
        s_token = self.run.sign_in(supervisor, "supervisor")["token"]
        limit = time.monotonic() + 60
        while True:
            r = self.api.call("POST", f"/api/v1/tenders/{self.tid}/committee/contribution", token=s_token,
                              body={"contribution": "浏览器测试监督员掷骰 3 1 4"})
            if r.status == 200:
                break
            check(r.status == 503 and time.monotonic() < limit,
                  f"the supervisor's contribution: HTTP {r.status} {r.text()[:500]}")
            time.sleep(0.5)
        committee = r.json()["committee"]
        say(f"drawn: {len(committee)} members")
        experts = self.experts()
        for seat in committee:
            check(seat["expert"] in experts, f"a seated expert {seat['expert']} is not a demo expert")
            _, token = experts[seat["expert"]]
            self.api.expect(200, "POST", f"/api/v1/experts/me/invitations/{self.tid}", token=token,
                            body={"accept": True})
        say("every member accepted")

    def act(self, client, msg: dict, allow: tuple[str, ...] = ()) -> dict:
        self.n += 1
        msg = dict(msg, id=f"c-{self.n}")
        client.send(msg)
        r = client.reply(msg["id"], timeout=20)
        if r.get("type") == "error" and r.get("code") not in allow:
            raise Mismatch(f"{client.label}: {msg} refused: {r}")
        return r

    def evaluate(self) -> None:
        experts = self.experts()
        live = f"{self.run.ws_base}/api/v1/tenders/{self.tid}/evaluation/room/live?after=0"
        seated = self.seated(experts)
        clients = {eid: er.RoomClient(live, experts[eid][0].label, experts[eid][1]) for eid in seated}
        first = next(iter(clients.values()))
        opened = first.wait(lambda m: sb.live_index(m) is not None, 15, "the live marker")[0]
        check(opened.get("kind") == "room.opened", f"the room's first event: {opened}")
        setup = opened["payload"]
        members = [m["expert"] for m in setup["members"]]
        check(sorted(members) == sorted(seated), f"the room seats {members}, the invitations {seated}")
        labels = sorted(b["label"] for b in setup["bids"])
        lots = setup.get("lots") or [{"lot": 0}]
        for eid in members:
            self.act(clients[eid], {"type": "declare"})
        for eid in members:
            # A majority elects: the votes stop there.
            r = self.act(clients[eid], {"type": "vote", "candidate": members[0]}, allow=("phase",))
            if r.get("type") == "error":
                check(r.get("reason") == "room.chair-elected-already", f"a vote refused: {r}")
                break
        chair = clients[members[0]]
        for round_ in setup["rounds"]:
            for lot in lots:
                criteria = [c for c in (lot.get("evaluation") or {}).get("criteria", []) if c["kind"] == round_]
                for k, label in enumerate(labels):
                    for eid in members:
                        if round_ == "review":
                            for item in setup["items"]:
                                self.act(clients[eid], {"type": "review", "lot": lot["lot"], "bid": label,
                                                        "item": item["code"], "pass": True}, allow=("rejected",))
                        for c in criteria:
                            points = max(0.0, round(c["weight"] * (0.9 - 0.1 * k) * 2) / 2)
                            msg = {"type": "score", "lot": lot["lot"], "bid": label, "criterion": c["code"],
                                   "points": points, "reason": "按评分标准计分（浏览器测试）"}
                            self.act(clients[eid], msg, allow=("rejected",))
            self.act(chair, {"type": "close_round"})
            say(f"round {round_} closed")
        ready = chair.wait(lambda ms: any(m.get("kind") == "report.ready" for m in ms), 20, "report.ready")
        sha = next(m for m in ready if m.get("kind") == "report.ready")["payload"]["sha256"]
        text = TEXT.format(tender=self.tid, sha=sha).encode("utf-8")
        for eid in members:
            who, _ = experts[eid]
            self.act(clients[eid], {"type": "sign", "signature": sb.base64.b64encode(who.sign_raw(text)).decode()})
        chair.wait(lambda ms: any(m.get("kind") == "room.closed" for m in ms), 20, "room.closed")
        for c in clients.values():
            c.close()
        say(f"the report {sha} is signed by {len(members)} members and the room closed")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--tender", required=True)
    ap.add_argument("step", choices=["draw", "evaluate"])
    args = ap.parse_args()
    try:
        c = Committee(args)
        getattr(c, args.step)()
    except Mismatch as e:
        print(f"FAILED: {e}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
