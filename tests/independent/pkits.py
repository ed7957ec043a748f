#!/usr/bin/env python3
"""NIST PKITS (sections 4.1-4.16) through the platform's trust API, side by side with openssl verify.

The Public Key Interoperability Test Suite (PKITS, NIST; the 2011 re-issue with
SHA-256 certificates) is the reference for RFC 5280 path validation. Its
certificates and CRLs ship in the PyPI package `cryptography-vectors`
(cryptography_vectors/x509/PKITS_data: certs/*.crt, crls/*.crl, smime/*.eml).
Each test's inputs are read from its S/MIME message (smime/Signed<Test>.eml),
whose SignedData carries the test's intermediate certificates, its end entity
and its CRLs (the trust anchor, TrustAnchorRootCertificate.crt, comes apart);
the DER is parsed here with a small reader, and every certificate and CRL is
named after its file in certs/ or crls/ by SHA-256.

For every test of 4.1-4.16, against a running ggzy server:

1. a fresh league (`POST /api/v1/leagues`, as a platform operator);
2. the trust anchor and every CA certificate of the test registered in it as
   `enterprise_ca` trust services (`POST /api/v1/trust/services`), granted from
   2010-01-01, in as many passes as it takes for each one's issuer to be
   registered first; what the registry refuses is noted, not forced in;
3. the trust anchor's CRL and the test's CRLs loaded (`POST /api/v1/trust/crls`);
   refusals are noted;
4. the end entity validated in that league at the validation time (`POST
   /api/v1/trust/validate` with `league`, `at`, `purpose`);
5. the same files through `openssl verify -crl_check_all -extended_crl
   -use_deltas -policy_check -attime T -CAfile <anchor> -untrusted <CAs>
   -CRLfile <CRLs> [-policy OID ... -explicit_policy -inhibit_map
   -inhibit_any]`.

The expected outcome comes from the test's name (Valid.../Invalid...); the
tests of 4.8 and 4.12 whose names carry neither are taken as PKITS states them
for its default inputs (initial-policy-set anyPolicy, initial-explicit-policy,
initial-policy-mapping-inhibit and initial-any-policy-inhibit all false): see
DEFAULT_VALID and the sub-tests in VARIANTS. The platform's validate API takes
no policy inputs, so it is judged with the default inputs only; the variants
(other initial policy sets, explicit policy, inhibitions) are run through
openssl alone and reported as such.

The platform's verdict is valid iff `indication` is PASSED. A table prints,
per test: the expected outcome, the platform's indication/sub-indication (with
the failing check's detail where it disagrees, and what the registry refused),
and openssl's verdict (OK, or the error code, depth and message). Exit 0 when
every platform verdict agrees with PKITS except those listed in
PLATFORM_RULES (documented deliberate differences), 1 otherwise; openssl's
disagreements are reported, never fatal. Reads no standard input.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install cryptography-vectors
    cargo build && rm -rf /tmp/pk && GGZY_DATA_DIR=/tmp/pk GGZY_LISTEN=127.0.0.1:18811 \\
        ./target/debug/ggzy serve &
    /tmp/venv/bin/python tests/independent/pkits.py --url http://127.0.0.1:18811 \\
        --data-dir /tmp/pk --ggzy ./target/debug/ggzy [--only 4.4,4.14.1] [--json out.json]

Needs Python 3.10+, the standard library, `cryptography-vectors` (or --pkits
DIR pointing at a PKITS_data folder) and the `openssl` command line.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import email
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------
# The tests: PKITS numbering and titles (sections 4.1-4.16)
# ---------------------------------------------------------------------------

TESTS = """
4.1.1 Valid Signatures Test1
4.1.2 Invalid CA Signature Test2
4.1.3 Invalid EE Signature Test3
4.1.4 Valid DSA Signatures Test4
4.1.5 Valid DSA Parameter Inheritance Test5
4.1.6 Invalid DSA Signature Test6
4.2.1 Invalid CA notBefore Date Test1
4.2.2 Invalid EE notBefore Date Test2
4.2.3 Valid pre2000 UTC notBefore Date Test3
4.2.4 Valid GeneralizedTime notBefore Date Test4
4.2.5 Invalid CA notAfter Date Test5
4.2.6 Invalid EE notAfter Date Test6
4.2.7 Invalid pre2000 UTC EE notAfter Date Test7
4.2.8 Valid GeneralizedTime notAfter Date Test8
4.3.1 Invalid Name Chaining EE Test1
4.3.2 Invalid Name Chaining Order Test2
4.3.3 Valid Name Chaining Whitespace Test3
4.3.4 Valid Name Chaining Whitespace Test4
4.3.5 Valid Name Chaining Capitalization Test5
4.3.6 Valid Name Chaining UIDs Test6
4.3.7 Valid RFC3280 Mandatory Attribute Types Test7
4.3.8 Valid RFC3280 Optional Attribute Types Test8
4.3.9 Valid UTF8String Encoded Names Test9
4.3.10 Valid Rollover from PrintableString to UTF8String Test10
4.3.11 Valid UTF8String Case Insensitive Match Test11
4.4.1 Invalid Missing CRL Test1
4.4.2 Invalid Revoked CA Test2
4.4.3 Invalid Revoked EE Test3
4.4.4 Invalid Bad CRL Signature Test4
4.4.5 Invalid Bad CRL Issuer Name Test5
4.4.6 Invalid Wrong CRL Test6
4.4.7 Valid Two CRLs Test7
4.4.8 Invalid Unknown CRL Entry Extension Test8
4.4.9 Invalid Unknown CRL Extension Test9
4.4.10 Invalid Unknown CRL Extension Test10
4.4.11 Invalid Old CRL nextUpdate Test11
4.4.12 Invalid pre2000 CRL nextUpdate Test12
4.4.13 Valid GeneralizedTime CRL nextUpdate Test13
4.4.14 Valid Negative Serial Number Test14
4.4.15 Invalid Negative Serial Number Test15
4.4.16 Valid Long Serial Number Test16
4.4.17 Valid Long Serial Number Test17
4.4.18 Invalid Long Serial Number Test18
4.4.19 Valid Separate Certificate and CRL Keys Test19
4.4.20 Invalid Separate Certificate and CRL Keys Test20
4.4.21 Invalid Separate Certificate and CRL Keys Test21
4.5.1 Valid Basic Self-Issued Old With New Test1
4.5.2 Invalid Basic Self-Issued Old With New Test2
4.5.3 Valid Basic Self-Issued New With Old Test3
4.5.4 Valid Basic Self-Issued New With Old Test4
4.5.5 Invalid Basic Self-Issued New With Old Test5
4.5.6 Valid Basic Self-Issued CRL Signing Key Test6
4.5.7 Invalid Basic Self-Issued CRL Signing Key Test7
4.5.8 Invalid Basic Self-Issued CRL Signing Key Test8
4.6.1 Invalid Missing basicConstraints Test1
4.6.2 Invalid cA False Test2
4.6.3 Invalid cA False Test3
4.6.4 Valid basicConstraints Not Critical Test4
4.6.5 Invalid pathLenConstraint Test5
4.6.6 Invalid pathLenConstraint Test6
4.6.7 Valid pathLenConstraint Test7
4.6.8 Valid pathLenConstraint Test8
4.6.9 Invalid pathLenConstraint Test9
4.6.10 Invalid pathLenConstraint Test10
4.6.11 Invalid pathLenConstraint Test11
4.6.12 Invalid pathLenConstraint Test12
4.6.13 Valid pathLenConstraint Test13
4.6.14 Valid pathLenConstraint Test14
4.6.15 Valid Self-Issued pathLenConstraint Test15
4.6.16 Invalid Self-Issued pathLenConstraint Test16
4.6.17 Valid Self-Issued pathLenConstraint Test17
4.7.1 Invalid keyUsage Critical keyCertSign False Test1
4.7.2 Invalid keyUsage Not Critical keyCertSign False Test2
4.7.3 Valid keyUsage Not Critical Test3
4.7.4 Invalid keyUsage Critical cRLSign False Test4
4.7.5 Invalid keyUsage Not Critical cRLSign False Test5
4.8.1 All Certificates Same Policy Test1
4.8.2 All Certificates No Policies Test2
4.8.3 Different Policies Test3
4.8.4 Different Policies Test4
4.8.5 Different Policies Test5
4.8.6 Overlapping Policies Test6
4.8.7 Different Policies Test7
4.8.8 Different Policies Test8
4.8.9 Different Policies Test9
4.8.10 All Certificates Same Policies Test10
4.8.11 All Certificates AnyPolicy Test11
4.8.12 Different Policies Test12
4.8.13 All Certificates Same Policies Test13
4.8.14 AnyPolicy Test14
4.8.15 User Notice Qualifier Test15
4.8.16 User Notice Qualifier Test16
4.8.17 User Notice Qualifier Test17
4.8.18 User Notice Qualifier Test18
4.8.19 User Notice Qualifier Test19
4.8.20 CPS Pointer Qualifier Test20
4.9.1 Valid RequireExplicitPolicy Test1
4.9.2 Valid RequireExplicitPolicy Test2
4.9.3 Invalid RequireExplicitPolicy Test3
4.9.4 Valid RequireExplicitPolicy Test4
4.9.5 Invalid RequireExplicitPolicy Test5
4.9.6 Valid Self-Issued requireExplicitPolicy Test6
4.9.7 Invalid Self-Issued requireExplicitPolicy Test7
4.9.8 Invalid Self-Issued requireExplicitPolicy Test8
4.10.1 Valid Policy Mapping Test1
4.10.2 Invalid Policy Mapping Test2
4.10.3 Valid Policy Mapping Test3
4.10.4 Invalid Policy Mapping Test4
4.10.5 Valid Policy Mapping Test5
4.10.6 Valid Policy Mapping Test6
4.10.7 Invalid Mapping From anyPolicy Test7
4.10.8 Invalid Mapping To anyPolicy Test8
4.10.9 Valid Policy Mapping Test9
4.10.10 Invalid Policy Mapping Test10
4.10.11 Valid Policy Mapping Test11
4.10.12 Valid Policy Mapping Test12
4.10.13 Valid Policy Mapping Test13
4.10.14 Valid Policy Mapping Test14
4.11.1 Invalid inhibitPolicyMapping Test1
4.11.2 Valid inhibitPolicyMapping Test2
4.11.3 Invalid inhibitPolicyMapping Test3
4.11.4 Valid inhibitPolicyMapping Test4
4.11.5 Invalid inhibitPolicyMapping Test5
4.11.6 Invalid inhibitPolicyMapping Test6
4.11.7 Valid Self-Issued inhibitPolicyMapping Test7
4.11.8 Invalid Self-Issued inhibitPolicyMapping Test8
4.11.9 Invalid Self-Issued inhibitPolicyMapping Test9
4.11.10 Invalid Self-Issued inhibitPolicyMapping Test10
4.11.11 Invalid Self-Issued inhibitPolicyMapping Test11
4.12.1 Invalid inhibitAnyPolicy Test1
4.12.2 Valid inhibitAnyPolicy Test2
4.12.3 inhibitAnyPolicy Test3
4.12.4 Invalid inhibitAnyPolicy Test4
4.12.5 Invalid inhibitAnyPolicy Test5
4.12.6 Invalid inhibitAnyPolicy Test6
4.12.7 Valid Self-Issued inhibitAnyPolicy Test7
4.12.8 Invalid Self-Issued inhibitAnyPolicy Test8
4.12.9 Valid Self-Issued inhibitAnyPolicy Test9
4.12.10 Invalid Self-Issued inhibitAnyPolicy Test10
4.13.1 Valid DN nameConstraints Test1
4.13.2 Invalid DN nameConstraints Test2
4.13.3 Invalid DN nameConstraints Test3
4.13.4 Valid DN nameConstraints Test4
4.13.5 Valid DN nameConstraints Test5
4.13.6 Valid DN nameConstraints Test6
4.13.7 Invalid DN nameConstraints Test7
4.13.8 Invalid DN nameConstraints Test8
4.13.9 Invalid DN nameConstraints Test9
4.13.10 Invalid DN nameConstraints Test10
4.13.11 Valid DN nameConstraints Test11
4.13.12 Invalid DN nameConstraints Test12
4.13.13 Invalid DN nameConstraints Test13
4.13.14 Valid DN nameConstraints Test14
4.13.15 Invalid DN nameConstraints Test15
4.13.16 Invalid DN nameConstraints Test16
4.13.17 Invalid DN nameConstraints Test17
4.13.18 Valid DN nameConstraints Test18
4.13.19 Valid Self-Issued DN nameConstraints Test19
4.13.20 Invalid Self-Issued DN nameConstraints Test20
4.13.21 Valid RFC822 nameConstraints Test21
4.13.22 Invalid RFC822 nameConstraints Test22
4.13.23 Valid RFC822 nameConstraints Test23
4.13.24 Invalid RFC822 nameConstraints Test24
4.13.25 Valid RFC822 nameConstraints Test25
4.13.26 Invalid RFC822 nameConstraints Test26
4.13.27 Valid DN and RFC822 nameConstraints Test27
4.13.28 Invalid DN and RFC822 nameConstraints Test28
4.13.29 Invalid DN and RFC822 nameConstraints Test29
4.13.30 Valid DNS nameConstraints Test30
4.13.31 Invalid DNS nameConstraints Test31
4.13.32 Valid DNS nameConstraints Test32
4.13.33 Invalid DNS nameConstraints Test33
4.13.34 Valid URI nameConstraints Test34
4.13.35 Invalid URI nameConstraints Test35
4.13.36 Valid URI nameConstraints Test36
4.13.37 Invalid URI nameConstraints Test37
4.13.38 Invalid DNS nameConstraints Test38
4.14.1 Valid distributionPoint Test1
4.14.2 Invalid distributionPoint Test2
4.14.3 Invalid distributionPoint Test3
4.14.4 Valid distributionPoint Test4
4.14.5 Valid distributionPoint Test5
4.14.6 Invalid distributionPoint Test6
4.14.7 Valid distributionPoint Test7
4.14.8 Invalid distributionPoint Test8
4.14.9 Invalid distributionPoint Test9
4.14.10 Valid No issuingDistributionPoint Test10
4.14.11 Invalid onlyContainsUserCerts CRL Test11
4.14.12 Invalid onlyContainsCACerts CRL Test12
4.14.13 Valid onlyContainsCACerts CRL Test13
4.14.14 Invalid onlyContainsAttributeCerts Test14
4.14.15 Invalid onlySomeReasons Test15
4.14.16 Invalid onlySomeReasons Test16
4.14.17 Invalid onlySomeReasons Test17
4.14.18 Valid onlySomeReasons Test18
4.14.19 Valid onlySomeReasons Test19
4.14.20 Invalid onlySomeReasons Test20
4.14.21 Invalid onlySomeReasons Test21
4.14.22 Valid IDP with indirectCRL Test22
4.14.23 Invalid IDP with indirectCRL Test23
4.14.24 Valid IDP with indirectCRL Test24
4.14.25 Valid IDP with indirectCRL Test25
4.14.26 Invalid IDP with indirectCRL Test26
4.14.27 Invalid cRLIssuer Test27
4.14.28 Valid cRLIssuer Test28
4.14.29 Valid cRLIssuer Test29
4.14.30 Valid cRLIssuer Test30
4.14.31 Invalid cRLIssuer Test31
4.14.32 Invalid cRLIssuer Test32
4.14.33 Valid cRLIssuer Test33
4.14.34 Invalid cRLIssuer Test34
4.14.35 Invalid cRLIssuer Test35
4.15.1 Invalid deltaCRLIndicator No Base Test1
4.15.2 Valid delta-CRL Test2
4.15.3 Invalid delta-CRL Test3
4.15.4 Invalid delta-CRL Test4
4.15.5 Valid delta-CRL Test5
4.15.6 Invalid delta-CRL Test6
4.15.7 Valid delta-CRL Test7
4.15.8 Valid delta-CRL Test8
4.15.9 Invalid delta-CRL Test9
4.15.10 Invalid delta-CRL Test10
4.16.1 Valid Unknown Not Critical Certificate Extension Test1
4.16.2 Invalid Unknown Critical Certificate Extension Test2
"""

# Tests whose names say neither Valid nor Invalid: their outcome with PKITS's
# default inputs (initial-policy-set {anyPolicy}, nothing required or
# inhibited). True = the path is valid.
DEFAULT_VALID = {
    "4.8.1": True, "4.8.2": True, "4.8.3": True, "4.8.4": False, "4.8.5": False,
    "4.8.6": True, "4.8.7": False, "4.8.8": False, "4.8.9": False, "4.8.10": True,
    "4.8.11": True, "4.8.12": False, "4.8.13": True, "4.8.14": True, "4.8.15": True,
    "4.8.16": True, "4.8.17": True, "4.8.18": True, "4.8.19": True, "4.8.20": True,
    "4.12.3": True,
}

ANY_POLICY = "2.5.29.32.0"
NIST = {i: f"2.16.840.1.101.3.2.1.48.{i}" for i in range(1, 7)}


@dataclass(frozen=True)
class Inputs:
    """The RFC 5280 section 6.1.1 inputs that PKITS varies."""

    policies: tuple[str, ...] = ()  # empty: {anyPolicy}
    explicit: bool = False
    inhibit_map: bool = False
    inhibit_any: bool = False

    def label(self) -> str:
        names = [f"nist{p.rsplit('.', 1)[-1]}" for p in self.policies]
        parts = ["policy=" + (",".join(names) if names else "any")]
        parts += [n for n, on in (("explicit", self.explicit), ("inhibit-map", self.inhibit_map),
                                  ("inhibit-any", self.inhibit_any)) if on]
        return " ".join(parts)

    def openssl_args(self) -> list[str]:
        # openssl verify without -policy starts from an empty user policy
        # set, not {anyPolicy}: a path that requires an explicit policy then
        # fails with error 43 however valid. RFC 5280's default is asked for.
        args: list[str] = []
        for p in self.policies or (ANY_POLICY,):
            args += ["-policy", p]
        args += ["-explicit_policy"] * self.explicit + ["-inhibit_map"] * self.inhibit_map
        args += ["-inhibit_any"] * self.inhibit_any
        return args

    def api(self) -> dict:
        """The validate API's `policies` (RFC 5280 §6.1.1 inputs)."""
        return {"initial_policies": list(self.policies), "explicit_policy": self.explicit,
                "inhibit_policy_mapping": self.inhibit_map, "inhibit_any_policy": self.inhibit_any}

    def is_default(self) -> bool:
        return self == Inputs()


def _p(*ns: int) -> tuple[str, ...]:
    return tuple(NIST[n] for n in ns)


# Sub-tests of PKITS run with other inputs than the defaults (4.8-4.12), as
# the PKITS document describes them: (inputs, valid?). Run through openssl
# only: the platform's validate API has no such inputs.
VARIANTS: dict[str, list[tuple[Inputs, bool]]] = {
    "4.8.1": [(Inputs(explicit=True), True), (Inputs(_p(1), explicit=True), True),
              (Inputs(_p(2), explicit=True), False), (Inputs(_p(1, 2), explicit=True), True)],
    "4.8.2": [(Inputs(explicit=True), False)],
    "4.8.3": [(Inputs(explicit=True), False), (Inputs(_p(1, 2), explicit=True), False)],
    "4.8.6": [(Inputs(_p(1)), True), (Inputs(_p(2)), False)],
    "4.8.10": [(Inputs(_p(1)), True), (Inputs(_p(2)), True)],
    "4.8.11": [(Inputs(_p(1)), True)],
    "4.8.13": [(Inputs(_p(1)), True), (Inputs(_p(2)), True), (Inputs(_p(3)), True)],
    "4.8.14": [(Inputs(_p(1)), True), (Inputs(_p(2)), False)],
    "4.8.18": [(Inputs(_p(1)), True), (Inputs(_p(2)), True)],
    "4.8.20": [(Inputs(explicit=True), True)],
    "4.10.1": [(Inputs(_p(1)), True), (Inputs(_p(2)), False), (Inputs(inhibit_map=True), False)],
    "4.10.2": [(Inputs(inhibit_map=True), False)],
    "4.10.3": [(Inputs(_p(1)), False), (Inputs(_p(2)), True)],
    "4.10.5": [(Inputs(_p(1)), True), (Inputs(_p(6)), False)],
    "4.10.6": [(Inputs(_p(1)), True), (Inputs(_p(6)), False)],
    "4.10.12": [(Inputs(_p(1)), True), (Inputs(_p(2)), True)],
    "4.12.3": [(Inputs(inhibit_any=True), False)],
}

# Deliberate, documented differences of the platform from plain RFC 5280:
# test number -> the reason (README). A disagreement listed here is reported
# but does not fail the run. None yet.
PLATFORM_RULES: dict[str, str] = {
    # The end entity of these valid paths is a CA certificate (cA=TRUE).
    "4.6.8": "a CA certificate cannot act as an end entity: a login, a signature or a seal is made by an end-entity certificate (README, Trust registry: where the platform differs from RFC 5280)",
    "4.6.14": "a CA certificate cannot act as an end entity: a login, a signature or a seal is made by an end-entity certificate (README, Trust registry: where the platform differs from RFC 5280)",
    "4.8.6": "a CA certificate cannot act as an end entity: a login, a signature or a seal is made by an end-entity certificate (README, Trust registry: where the platform differs from RFC 5280)",
    "4.14.13": "a CA certificate cannot act as an end entity: a login, a signature or a seal is made by an end-entity certificate (README, Trust registry: where the platform differs from RFC 5280)",
    # OpenSSL 3 does not inherit DSA parameters from the issuer (RFC 5280
    # §6.1.4 (f)); openssl verify fails it the same way.
    "4.1.5": "DSA parameter inheritance is not supported (OpenSSL 3); the report says the verifier cannot process the path",
    # The CRL issuer's own certificate is covered by a CRL that same issuer
    # signs: OpenSSL refuses the circular CRL path (54), as openssl verify
    # does; the report says "CRL path validation error", TRY_LATER.
    "4.14.30": "a CRL issuer whose own revocation rests on the CRL it signs is not believed (OpenSSL's CRL path validation; openssl verify fails it the same way)",
}

# When registered services are trusted from (before every PKITS notBefore).
GRANTED_FROM = "2010-01-01T00:00:00Z"
# Default validation time: inside every PKITS validity window
# (2010-01-01 .. 2030-12-31), after the deliberately outdated ones.
DEFAULT_AT = "2020-06-01T12:00:00Z"


@dataclass
class Test:
    number: str
    title: str
    valid: bool

    @property
    def stem(self) -> str:
        return re.sub(r"[ -]", "", self.title)


def tests() -> list[Test]:
    out = []
    for line in TESTS.strip().splitlines():
        number, title = line.split(" ", 1)
        if title.startswith("Valid"):
            valid = True
        elif title.startswith("Invalid"):
            valid = False
        else:
            valid = DEFAULT_VALID[number]
        out.append(Test(number, title, valid))
    return out


class Mismatch(Exception):
    """The run cannot go on (server unreachable, PKITS files missing, ...)."""


# ---------------------------------------------------------------------------
# DER: just enough to take SignedData apart and read names
# ---------------------------------------------------------------------------


def tlv(buf: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the element at pos."""
    tag = buf[pos]
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4:
            raise ValueError("unsupported DER length")
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, pos, pos + n


def children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, contents start, contents end) of each child."""
    out = []
    while start < end:
        tag, cs, ce = tlv(buf, start)
        out.append((tag, start, cs, ce))
        start = ce
    return out


def signed_data_contents(p7: bytes) -> tuple[list[bytes], list[bytes]]:
    """The certificates and CRLs of a CMS SignedData (RFC 5652 section 5.1)."""
    _, cs, ce = tlv(p7, 0)  # ContentInfo
    oid, content = children(p7, cs, ce)[:2]
    if p7[oid[2]:oid[3]] != bytes.fromhex("2a864886f70d010702"):
        raise ValueError("not SignedData")
    _, sds, sde = tlv(p7, content[2])  # [0] EXPLICIT SignedData
    certs, crls = [], []
    for tag, es, _, ee in children(p7, sds, sde):
        if tag == 0xA0:
            certs = [p7[s:e] for _, s, _, e in children(p7, tlv(p7, es)[1], ee)]
        elif tag == 0xA1:
            crls = [p7[s:e] for _, s, _, e in children(p7, tlv(p7, es)[1], ee)]
    return certs, crls


def tbs_names(cert: bytes) -> tuple[bytes, bytes]:
    """(issuer, subject) DER of a certificate."""
    cs = tlv(cert, 0)[1]
    _, ts, te = tlv(cert, cs)  # tbsCertificate
    fields = children(cert, ts, te)
    if fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    issuer, subject = fields[2], fields[4]
    return cert[issuer[1]:issuer[3]], cert[subject[1]:subject[3]]


def pem(der: bytes, kind: str) -> str:
    b64 = base64.b64encode(der).decode()
    body = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n"


def sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


# ---------------------------------------------------------------------------
# PKITS files
# ---------------------------------------------------------------------------


def pkits_dir(given: str | None) -> Path:
    if given:
        d = Path(given)
    else:
        try:
            import cryptography_vectors  # type: ignore
        except ImportError:
            raise Mismatch("cryptography-vectors is not installed (pip install cryptography-vectors), "
                           "and no --pkits DIR was given")
        d = Path(cryptography_vectors.__file__).parent / "x509" / "PKITS_data"
    for sub in ("certs", "crls", "smime"):
        if not (d / sub).is_dir():
            raise Mismatch(f"{d / sub} is missing: not a PKITS_data folder")
    return d


# The 2011 files' message for 4.14.18 carries test 19's path (its
# certificates, CRLs and end entity); test 18's own files are these.
FIXED_INPUTS = {
    "4.14.18": (["onlySomeReasonsCA3Cert.crt"],
                ["onlySomeReasonsCA3compromiseCRL.crl", "onlySomeReasonsCA3otherreasonsCRL.crl"],
                "ValidonlySomeReasonsTest18EE.crt"),
}


@dataclass
class Bundle:
    """One test's inputs: the anchor, its CAs (file name, DER), its CRLs, its end entity."""

    anchor: tuple[str, bytes]
    cas: list[tuple[str, bytes]]
    crls: list[tuple[str, bytes]]
    ee: tuple[str, bytes]


class Pkits:
    def __init__(self, root: Path):
        self.root = root
        self.names: dict[str, str] = {}
        for sub in ("certs", "crls"):
            for f in (root / sub).iterdir():
                self.names[sha256(f.read_bytes())] = f.name
        self.anchor = self.file("certs/TrustAnchorRootCertificate.crt")
        self.anchor_crl = self.file("crls/TrustAnchorRootCRL.crl")

    def file(self, rel: str) -> tuple[str, bytes]:
        p = self.root / rel
        return p.name, p.read_bytes()

    def name(self, der: bytes) -> str:
        return self.names.get(sha256(der), f"(unnamed {sha256(der)[:12]})")

    def bundle(self, t: Test) -> Bundle:
        if t.number in FIXED_INPUTS:
            cas, crls, ee = FIXED_INPUTS[t.number]
            return Bundle(self.anchor, [self.file(f"certs/{c}") for c in cas],
                          [self.anchor_crl] + [self.file(f"crls/{c}") for c in crls], self.file(f"certs/{ee}"))
        # One message is named without its Valid/Invalid (SignedMissingCRLTest1.eml).
        stems = [t.stem, re.sub(r"^(Valid|Invalid)", "", t.stem)]
        found = [self.root / "smime" / f"Signed{s}.eml" for s in stems]
        eml = next((f for f in found if f.is_file()), None)
        if eml is None:
            raise Mismatch(f"{t.number} {t.title}: {found[0]} is missing")
        msg = email.message_from_bytes(eml.read_bytes())
        p7 = None
        for part in msg.walk():
            if part.get_content_type() in ("application/pkcs7-signature", "application/x-pkcs7-signature",
                                           "application/pkcs7-mime"):
                p7 = part.get_payload(decode=True)
        if p7 is None:
            raise Mismatch(f"{eml.name}: no PKCS#7 part")
        certs, crls = signed_data_contents(p7)
        # The end entity's file is named after the test, not always in the
        # test's words (ValidCertificatePathTest1EE.crt for 4.1.1): the one
        # certificate of the message whose file name ends in EE.crt.
        ee = [c for c in certs if self.name(c).endswith("EE.crt")]
        if len(ee) != 1:
            raise Mismatch(f"{eml.name}: {len(ee)} end-entity certificates (*EE.crt) in the message, not one")
        cas = [(self.name(c), c) for c in certs if c is not ee[0] and c != self.anchor[1]]
        crl_list = [self.anchor_crl] + [(self.name(c), c) for c in crls if c != self.anchor_crl[1]]
        return Bundle(self.anchor, cas, crl_list, (self.name(ee[0]), ee[0]))


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class Reply:
    def __init__(self, method: str, path: str, status: int, body: bytes):
        self.method, self.path, self.status, self.body = method, path, status, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise Mismatch(f"{self.method} {self.path}: not JSON ({e}): {self.body[:300]!r}")

    def problem(self) -> str:
        try:
            p = json.loads(self.body)
            return f"{self.status} {p.get('code')}: {p.get('detail')}"
        except ValueError:
            return f"{self.status}: {self.body[:300]!r}"


class Api:
    def __init__(self, base: str, token: str):
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body=None) -> Reply:
        headers = {"Accept": "application/json, application/problem+json",
                   "Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return Reply(method, path, r.status, r.read())
        except urllib.error.HTTPError as e:
            return Reply(method, path, e.code, e.read())
        except (urllib.error.URLError, OSError) as e:
            raise Mismatch(f"{method} {self.base}{path}: no answer ({getattr(e, 'reason', e)}); is the server up?")


def operator_token(args) -> str:
    if args.operator_token:
        return args.operator_token
    if not args.data_dir:
        raise Mismatch("give --data-dir (with --ggzy) to add a platform operator, or --operator-token")
    env = dict(os.environ, GGZY_DATA_DIR=str(args.data_dir), GGZY_LOG="error")
    r = subprocess.run([args.ggzy, "users", "add", "--name", "PKITS 平台运营", "--role", "operator"],
                       env=env, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise Mismatch(f"ggzy users add --role operator failed: {r.stdout}{r.stderr}")
    token = r.stdout.strip().splitlines()[-1].strip()
    if not token.startswith("ggzy_"):
        raise Mismatch(f"ggzy users add printed {r.stdout!r}, not a token")
    return token


# ---------------------------------------------------------------------------
# One test on the platform
# ---------------------------------------------------------------------------


@dataclass
class Platform:
    valid: bool | None = None  # None: the run of this test did not get as far as a verdict
    verdict: str = ""
    detail: str = ""
    refused_cas: list[str] = field(default_factory=list)
    refused_crls: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    league: str = ""


def league_code(run_id: str, t: Test) -> str:
    return f"P{run_id}-{t.number.replace('.', '-')}"[:16]


def on_platform(api: Api, run_id: str, t: Test, b: Bundle, at: str, purpose: str) -> Platform:
    out = Platform()
    code = league_code(run_id, t)
    r = api.call("POST", "/api/v1/leagues", {
        "code": code, "name": f"PKITS {t.number}", "name_en": f"PKITS {t.number} {t.title}"[:200],
        "parent_region": "PKITS"})
    if r.status != 201:
        raise Mismatch(f"{t.number}: creating league {code}: {r.problem()}")
    # The anchor, then its CAs: each one once its issuer is registered, in
    # as many passes as that takes. What is refused in the last pass stays out.
    pending = [b.anchor] + list(b.cas)
    last: dict[str, str] = {}
    while pending:
        still = []
        for name, der in pending:
            # A CA, or else a CRL signer (keyUsage cRLSign without
            # keyCertSign), which vouches for nothing and signs CRLs only.
            problems = []
            for service_type in ("enterprise_ca", "crl_issuer"):
                r = api.call("POST", "/api/v1/trust/services", {
                    "league": code, "service_type": service_type, "certificate": pem(der, "CERTIFICATE"),
                    "effective_from": GRANTED_FROM, "reason": f"PKITS {t.number}"})
                if r.status in (201, 409):
                    break
                if r.status in (401, 403):
                    raise Mismatch(f"{t.number}: registering {name}: {r.problem()}")
                problems.append(f"as {service_type}: {r.problem()}")
            else:
                last[name] = "; ".join(problems)
                still.append((name, der))
        if len(still) == len(pending):
            break
        pending = still
    out.refused_cas = [f"{name}: {last[name]}" for name, _ in pending]
    for name, der in b.crls:
        r = api.call("POST", "/api/v1/trust/crls", {"crl": pem(der, "X509 CRL")})
        if r.status in (401, 403):
            raise Mismatch(f"{t.number}: loading {name}: {r.problem()}")
        if r.status != 201:
            out.refused_crls.append(f"{name}: {r.problem()}")
    out.league = code
    return validate_on(api, out, b, at, purpose, Inputs())


def validate_on(api: Api, out: "Platform", b: Bundle, at: str, purpose: str, inputs: "Inputs") -> "Platform":
    """Validates the test's end entity in the league set up for it, with
    `inputs` as the validate API's `policies`."""
    body = {"certificate": pem(b.ee[1], "CERTIFICATE"), "league": out.league, "at": at, "purpose": purpose}
    if not inputs.is_default():
        body["policies"] = inputs.api()
    r = api.call("POST", "/api/v1/trust/validate", body)
    if r.status != 200:
        out.verdict = f"HTTP {r.problem()}"
        return out
    rep = r.json()
    ind, sub = rep.get("indication"), rep.get("sub_indication")
    out.valid = ind == "PASSED"
    out.verdict = ind + (f"/{sub}" if sub else "")
    out.checks = rep.get("checks", [])
    out.chain = rep.get("chain", [])
    bad = [c for c in out.checks if c.get("result") != "PASSED" and c.get("name") != "revocation_sources"]
    out.detail = "; ".join(f"{c['name']}: {c['detail']}" for c in bad)
    return out


# ---------------------------------------------------------------------------
# One test through openssl verify
# ---------------------------------------------------------------------------


@dataclass
class Openssl:
    valid: bool
    verdict: str
    command: str


OPENSSL_FLAGS = "-crl_check_all -extended_crl -use_deltas -policy_check"


def with_openssl(work: Path, b: Bundle, at_epoch: int, inputs: Inputs, flags: str = OPENSSL_FLAGS) -> Openssl:
    work.mkdir(parents=True, exist_ok=True)
    (work / "anchor.pem").write_text(pem(b.anchor[1], "CERTIFICATE"))
    (work / "ee.pem").write_text(pem(b.ee[1], "CERTIFICATE"))
    (work / "crls.pem").write_text("".join(pem(d, "X509 CRL") for _, d in b.crls))
    cmd = ["openssl", "verify", "-attime", str(at_epoch), *flags.split(),
           "-CAfile", "anchor.pem", "-CRLfile", "crls.pem"]
    if b.cas:
        (work / "cas.pem").write_text("".join(pem(d, "CERTIFICATE") for _, d in b.cas))
        cmd += ["-untrusted", "cas.pem"]
    cmd += inputs.openssl_args() + ["ee.pem"]
    r = subprocess.run(cmd, cwd=work, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    text = r.stdout + r.stderr
    if r.returncode == 0 and re.search(r"^ee\.pem: OK$", r.stdout, re.MULTILINE):
        return Openssl(True, "OK", " ".join(cmd))
    m = re.search(r"error (\d+) at (\d+) depth lookup: ?(.*)", text)
    verdict = f"{m.group(1)}@{m.group(2)} {m.group(3).strip()}" if m else f"rc {r.returncode}: {text.strip()[:120]}"
    return Openssl(False, verdict, " ".join(cmd))


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


# openssl's verify error codes and the ETSI EN 319 102-1 sub-indication the
# platform would give for the same finding (to tell a right verdict reached
# for another reason). CRL problems (unavailable, unusable, out of scope,
# signed by a key without cRLSign) leave the revocation status unknown.
SUB_OF_OPENSSL = {
    7: "SIG_CRYPTO_FAILURE", 9: "NOT_YET_VALID", 10: "EXPIRED",
    2: "NO_CERTIFICATE_CHAIN_FOUND", 20: "NO_CERTIFICATE_CHAIN_FOUND",
    23: "REVOKED",
    3: "TRY_LATER", 8: "TRY_LATER", 12: "TRY_LATER", 35: "TRY_LATER", 36: "TRY_LATER", 44: "TRY_LATER",
    54: "TRY_LATER",
    24: "CHAIN_CONSTRAINTS_FAILURE", 25: "CHAIN_CONSTRAINTS_FAILURE", 34: "CHAIN_CONSTRAINTS_FAILURE",
    42: "CHAIN_CONSTRAINTS_FAILURE", 43: "CHAIN_CONSTRAINTS_FAILURE", 47: "CHAIN_CONSTRAINTS_FAILURE",
    48: "CHAIN_CONSTRAINTS_FAILURE", 79: "CHAIN_CONSTRAINTS_FAILURE",
}


def same_reason(plat_verdict: str, ossl_verdict: str) -> bool | None:
    m = re.match(r"(\d+)@", ossl_verdict)
    if not m or int(m.group(1)) not in SUB_OF_OPENSSL:
        return None
    return plat_verdict.endswith("/" + SUB_OF_OPENSSL[int(m.group(1))])


def vv(valid: bool | None) -> str:
    return {True: "valid", False: "invalid", None: "-"}[valid]


def selected(t: Test, only: list[str]) -> bool:
    return not only or any(t.number == o or t.number.startswith(o + ".") for o in only)


def shared_crl_names(pk: Pkits, chosen: list[Test], bundles: dict[str, Bundle]) -> dict[str, list[str]]:
    """Tests for which the runs of other tests load further CRLs issued under
    the name of a CA of this test. Loaded CRLs are not per league on the
    platform (every league's validation sees all of them), so such a test
    may see more CRLs than its own; listed so that a verdict can be read
    with that in mind."""
    by_issuer: dict[bytes, set[str]] = {}
    for b in bundles.values():
        for name, der in b.crls:
            cs = tlv(der, 0)[1]
            _, ts, te = tlv(der, cs)  # tbsCertList
            fields = children(der, ts, te)
            if fields[0][0] == 0x02:  # version
                fields = fields[1:]
            iss = fields[1]
            by_issuer.setdefault(der[iss[1]:iss[3]], set()).add(name)
    out = {}
    for t in chosen:
        b = bundles[t.number]
        own = {n for n, _ in b.crls}
        names = {tbs_names(d)[1] for _, d in [b.anchor, *b.cas]}
        extra = sorted(set().union(*(by_issuer.get(n, set()) for n in names)) - own)
        if extra:
            out[t.number] = extra
    return out


def write_manifest(path: Path, pk: Pkits, chosen: list[Test], bundles: dict[str, Bundle]) -> None:
    def rel(kind: str, name: str) -> str:
        return f"{kind}/{name}"

    path.write_text(json.dumps({
        "pkits_data": str(pk.root),
        "any_policy": ANY_POLICY,
        "tests": [{
            "test": t.number, "title": t.title, "valid": t.valid,
            "anchor": rel("certs", bundles[t.number].anchor[0]),
            "cas": [rel("certs", n) for n, _ in bundles[t.number].cas],
            "crls": [rel("crls", n) for n, _ in bundles[t.number].crls],
            "ee": rel("certs", bundles[t.number].ee[0]),
            "variants": [{"policies": list(i.policies) or [ANY_POLICY], "explicit": i.explicit,
                          "inhibit_map": i.inhibit_map, "inhibit_any": i.inhibit_any, "valid": v}
                         for i, v in VARIANTS.get(t.number, [])],
        } for t in chosen],
    }, indent=1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="the server's base URL")
    ap.add_argument("--data-dir", help="the server's data folder, for `ggzy users add`")
    ap.add_argument("--ggzy", default="./target/debug/ggzy",
                    help="the ggzy binary, to add a platform operator (`ggzy users add --role operator`)")
    ap.add_argument("--operator-token", help="a platform operator's token, instead of adding one")
    ap.add_argument("--pkits", help="a PKITS_data folder (default: the one in cryptography-vectors)")
    ap.add_argument("--at", default=DEFAULT_AT, help=f"the validation time (default {DEFAULT_AT})")
    ap.add_argument("--purpose", default="signing", choices=["signing", "client_auth"],
                    help="the validate API's purpose (default signing)")
    ap.add_argument("--only", default="", help="comma-separated test numbers or sections, e.g. 4.4,4.14.1")
    ap.add_argument("--no-platform", action="store_true", help="openssl only (no server needed)")
    ap.add_argument("--no-openssl", action="store_true", help="the platform only")
    ap.add_argument("--openssl-flags", default=OPENSSL_FLAGS,
                    help=f"openssl verify's checking flags (default: {OPENSSL_FLAGS})")
    ap.add_argument("--write-manifest", metavar="FILE",
                    help="write each test's inputs (file names under PKITS_data), expected outcome and "
                         "policy variants as JSON, for other harnesses, and stop")
    ap.add_argument("--json", help="write every result, with the platform's checks, to this file")
    args = ap.parse_args()

    started = time.monotonic()
    try:
        pk = Pkits(pkits_dir(args.pkits))
        at = dt.datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        at_epoch = int(at.timestamp())
        only = [o.strip() for o in args.only.split(",") if o.strip()]
        all_tests = tests()
        chosen = [t for t in all_tests if selected(t, only)]
        if not chosen:
            raise Mismatch(f"no test matches --only {args.only}")
        bundles = {t.number: pk.bundle(t) for t in all_tests}
        if args.write_manifest:
            write_manifest(Path(args.write_manifest), pk, chosen, bundles)
            print(f"{len(chosen)} tests written to {args.write_manifest}")
            return 0
        api = None if args.no_platform else Api(args.url, operator_token(args))
    except Mismatch as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    run_id = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(4))
    ossl_version = subprocess.run(["openssl", "version"], check=False, capture_output=True, text=True).stdout.strip()
    print(f"PKITS {pk.root}\n  {len(chosen)} tests, validation time {args.at}, purpose {args.purpose}, "
          f"leagues P{run_id}-*, {ossl_version}\n")
    print(f"{'test':<8} {'expected':<8} {'platform':<42} {'refused':<10} {'':2} {'openssl':<40} {'':2} title")

    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="pkits-") as tmp:
            for t in chosen:
                b = bundles[t.number]
                work = Path(tmp) / t.number
                plat = on_platform(api, run_id, t, b, args.at, args.purpose) if api else None
                ossl = None if args.no_openssl else with_openssl(work, b, at_epoch, Inputs(), args.openssl_flags)
                variants = []
                for inputs, valid in VARIANTS.get(t.number, []):
                    o = None if args.no_openssl else with_openssl(work, b, at_epoch, inputs, args.openssl_flags)
                    pv = None
                    if plat is not None and plat.league:
                        pv = validate_on(api, Platform(league=plat.league), b, args.at, args.purpose, inputs)
                    variants.append((inputs, valid, o, pv))
                p_ok = plat is not None and plat.valid == t.valid
                o_ok = ossl is not None and ossl.valid == t.valid
                refused = ""
                if plat and (plat.refused_cas or plat.refused_crls):
                    refused = f"-{len(plat.refused_cas)}ca" * bool(plat.refused_cas) + \
                        f"-{len(plat.refused_crls)}crl" * bool(plat.refused_crls)
                print(f"{t.number:<8} {vv(t.valid):<8} "
                      f"{(plat.verdict if plat else '-')[:42]:<42} {refused:<10} "
                      f"{('ok' if p_ok else 'NO') if plat else '':2} "
                      f"{(ossl.verdict if ossl else '-')[:40]:<40} {('ok' if o_ok else 'NO') if ossl else '':2} "
                      f"{t.title}", flush=True)
                if plat and not p_ok:
                    if plat.detail:
                        print(f"{'':18}platform: {plat.detail[:400]}")
                    for line in plat.refused_cas + plat.refused_crls:
                        print(f"{'':18}refused {line[:300]}")
                for inputs, valid, o, pv in variants:
                    p_v = pv is not None and pv.valid == valid
                    print(f"{'':8} {vv(valid):<8} {(pv.verdict if pv else '-')[:42]:<42} {'':10} "
                          f"{('ok' if p_v else 'NO') if pv else '':2} "
                          f"{(o.verdict if o else '-')[:40]:<40} "
                          f"{('ok' if o.valid == valid else 'NO') if o else '':2} [{inputs.label()}]")
                    if pv is not None and not p_v and pv.detail:
                        print(f"{'':18}platform: {pv.detail[:400]}")
                results.append({
                    "test": t.number, "title": t.title, "expected_valid": t.valid,
                    "certificates": [n for n, _ in b.cas], "crls": [n for n, _ in b.crls], "ee": b.ee[0],
                    "platform": None if plat is None else {
                        "valid": plat.valid, "verdict": plat.verdict, "agrees": p_ok, "detail": plat.detail,
                        "refused_cas": plat.refused_cas, "refused_crls": plat.refused_crls,
                        "chain": plat.chain, "checks": plat.checks},
                    "openssl": None if ossl is None else {
                        "valid": ossl.valid, "verdict": ossl.verdict, "agrees": o_ok, "command": ossl.command},
                    "openssl_variants": [{"inputs": i.label(), "expected_valid": v, "valid": o.valid,
                                          "verdict": o.verdict, "agrees": o.valid == v, "command": o.command}
                                         for i, v, o, _ in variants if o is not None],
                    "platform_variants": [{"inputs": i.label(), "expected_valid": v, "valid": pv.valid,
                                           "verdict": pv.verdict, "agrees": pv.valid == v, "detail": pv.detail}
                                          for i, v, _, pv in variants if pv is not None],
                })
    except Mismatch as e:
        print(f"\nFAILED: {e}", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - a failure of the script itself, not a finding
        traceback.print_exc()
        print("\nFAILED: the script itself failed (above), so nothing was concluded", file=sys.stderr)
        return 1

    if args.json:
        Path(args.json).write_text(json.dumps({
            "at": args.at, "purpose": args.purpose, "openssl": ossl_version, "results": results},
            indent=1, ensure_ascii=False))

    # -- summary ----------------------------------------------------------------
    print("\nsummary")
    n = len(results)
    failing = []
    if api:
        agree = [r for r in results if r["platform"]["agrees"]]
        fail_open = [r for r in results if not r["expected_valid"] and r["platform"]["valid"]]
        fail_closed = [r for r in results if r["expected_valid"] and not r["platform"]["valid"]]
        print(f"  - platform agrees with PKITS on {len(agree)} of {n} "
              f"(default inputs; validate API at {args.at})")
        sections: dict[str, list[int]] = {}
        for r in results:
            tally = sections.setdefault(".".join(r["test"].split(".")[:2]), [0, 0])
            tally[0] += 1
            tally[1] += r["platform"]["agrees"]
        print("  - per section: " + " ".join(f"{k} {v[1]}/{v[0]}" for k, v in sections.items()))
        print(f"  - fail-open (invalid path PASSED): {len(fail_open)}"
              + (": " + " ".join(r["test"] for r in fail_open) if fail_open else ""))
        print(f"  - valid path not PASSED: {len(fail_closed)}"
              + (": " + " ".join(r["test"] for r in fail_closed) if fail_closed else ""))
        refused = [r["test"] for r in results if r["platform"]["refused_cas"] or r["platform"]["refused_crls"]]
        print(f"  - tests where the registry refused a CA or CRL of the test: {len(refused)}")
        if not args.no_openssl:
            other = [f"{r['test']} ({r['platform']['verdict']} vs {r['openssl']['verdict'].split(' ', 1)[0]})"
                     for r in results if r["platform"]["agrees"] and not r["expected_valid"]
                     and same_reason(r["platform"]["verdict"], r["openssl"]["verdict"]) is False]
            print(f"  - invalid paths found invalid for another reason than openssl's: {len(other)}"
                  + (": " + ", ".join(other) if other else ""))
        pvar = [(r["test"], v) for r in results for v in r["platform_variants"]]
        pvar_diff = [f"{t} [{v['inputs']}]" for t, v in pvar if not v["agrees"]]
        print(f"  - platform policy variants (validate API `policies`): {len(pvar) - len(pvar_diff)} of "
              f"{len(pvar)} agree" + (f"; differ: {', '.join(pvar_diff)}" if pvar_diff else ""))
        failing += [f"{t} [{v['inputs']}]" for t, v in pvar if not v["agrees"] and t not in PLATFORM_RULES]
        for r in results:
            if not r["platform"]["agrees"]:
                if r["test"] in PLATFORM_RULES:
                    print(f"  - {r['test']} differs by platform rule: {PLATFORM_RULES[r['test']]}")
                else:
                    failing.append(r["test"])
    if not args.no_openssl:
        o_agree = [r for r in results if r["openssl"]["agrees"]]
        o_diff = [r["test"] for r in results if not r["openssl"]["agrees"]]
        var = [v for r in results for v in r["openssl_variants"]]
        var_diff = [f"{r['test']} [{v['inputs']}]" for r in results for v in r["openssl_variants"]
                    if not v["agrees"]]
        print(f"  - openssl verify agrees with PKITS on {len(o_agree)} of {n}"
              + (f"; differs on {' '.join(o_diff)}" if o_diff else ""))
        print(f"  - openssl policy variants: {len(var) - len(var_diff)} of {len(var)} agree"
              + (f"; differ: {', '.join(var_diff)}" if var_diff else ""))
        if api:
            both = sum(1 for r in results if r["platform"]["valid"] == r["openssl"]["valid"])
            print(f"  - platform and openssl give the same valid/invalid on {both} of {n}")
    if api:
        # Loaded CRLs are not kept per league: every league's validation sees
        # every CRL loaded by any test of the run (or before it).
        shared = shared_crl_names(pk, chosen, bundles)
        print("  - CRLs of other tests under the names of a test's CAs (loaded CRLs are seen by every league): "
              + ("; ".join(f"{k}: {', '.join(v)}" for k, v in shared.items()) if shared else "none"))
    print(f"  - {time.monotonic() - started:.0f} s")
    if failing:
        print(f"pkits: the platform disagrees with PKITS on {len(failing)} test(s)")
        return 1
    print("pkits: " + ("every platform verdict agrees with PKITS" if api else "openssl only, nothing judged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
