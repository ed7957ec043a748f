// The timestamp authority's signature over a receipt's RFC 3161 token,
// checked in the page against the certificate the platform publishes for
// its TSA (GET /api/v1/timestamp-authority/certificates.pem, its first
// certificate): the token's signer is that certificate (RFC 5652 §5.3 sid,
// and the certificate the token carries for it, byte for byte), its
// signingCertificate attribute names it by hash (RFC 3161 §2.4.2, RFC 5816
// ESSCertIDv2), the certificate is a TSA's (critical extendedKeyUsage with
// only timeStamping, RFC 3161 §2.3) valid at the token's time, the signed
// messageDigest is the TSTInfo's, and the signature over the signed
// attributes verifies with the certificate's public key (WebCrypto, through
// PKIjs). Each check is reported on its own, so a page can say which one
// failed. What stays out: the TSA certificate's own chain to the root and
// its revocation (`openssl ts -verify -CAfile`, as README says), since the
// certificate is taken as the platform publishes it.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Check } from './tsr';
import { call } from './api';

const OID = {
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  rsaEncryption: '1.2.840.113549.1.1.1',
};

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

const buf = (u: Uint8Array): ArrayBuffer => u.slice().buffer as ArrayBuffer;
const same = (a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean => {
  const x = new Uint8Array(a); const y = new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};
const encoded = (c: pkijs.Certificate): Uint8Array => new Uint8Array(c.toSchema(false).toBER(false));

let published: Promise<Uint8Array> | null = null;

/** The platform TSA's signing certificate (DER), as the platform publishes
 *  it: the first of its certificates.pem (fetched once a page). */
export function platformTsaCertificate(): Promise<Uint8Array> {
  published ??= call('GET', '/api/v1/timestamp-authority/certificates.pem', { accept: 'application/x-pem-file', auth: false })
    .then((r) => r.text())
    .then((pem) => {
      const first = pemCertificates(pem)[0];
      if (!first) throw new Error('the platform publishes no TSA certificate');
      return first;
    });
  published.catch(() => { published = null; });
  return published;
}

/** The certificates of a PEM bundle (DER), in order. */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const bin = atob(m[1].replace(/\s+/g, ''));
    out.push(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  return out;
}

/** Whether `sid` (IssuerAndSerialNumber, or [0] SubjectKeyIdentifier) names `cert`. */
function names(sid: unknown, cert: pkijs.Certificate): boolean {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return sid.issuer.isEqual(cert.issuer) && sid.serialNumber.isEqual(cert.serialNumber);
  }
  const ski = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier)?.parsedValue as asn1js.OctetString | undefined;
  const view = (sid as asn1js.Primitive | undefined)?.valueBlock?.valueHexView;
  return !!ski && !!view && same(ski.valueBlock.valueHexView, view);
}

/** The hash a signingCertificate(V2) attribute gives for its first certificate, and its algorithm. */
function essCertHash(attrs: pkijs.Attribute[]): { hash: string; value: ArrayBuffer } | null {
  for (const [type, defaultHash] of [[OID.signingCertificateV2, 'SHA-256'], [OID.signingCertificate, 'SHA-1']] as const) {
    const attr = attrs.find((a) => a.type === type);
    if (!attr) continue;
    const certs = (attr.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    const first = (certs.valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
    let hash: string = defaultHash;
    let at = 0;
    if (type === OID.signingCertificateV2 && first[0] instanceof asn1js.Sequence) {
      const alg = new pkijs.AlgorithmIdentifier({ schema: first[0] });
      hash = HASHES[alg.algorithmId] ?? alg.algorithmId;
      at = 1;
    }
    return { hash, value: buf((first[at] as asn1js.OctetString).valueBlock.valueHexView) };
  }
  return null;
}

/**
 * Checks the TSA's signature of a TimeStampResp against the platform TSA's
 * certificate (DER). Never throws: a token that cannot be taken apart is a
 * failed check.
 */
export async function checkTsaSignature(response: Uint8Array, tsaCertificate: Uint8Array, genTime: string | null): Promise<Check[]> {
  const checks: Check[] = [];
  let tsa: pkijs.Certificate;
  let sd: pkijs.SignedData;
  try {
    tsa = pkijs.Certificate.fromBER(buf(tsaCertificate));
    const resp = pkijs.TimeStampResp.fromBER(buf(response));
    if (!resp.timeStampToken) throw new Error('no timeStampToken');
    sd = new pkijs.SignedData({ schema: resp.timeStampToken.content });
    if (sd.signerInfos.length !== 1) throw new Error(`${sd.signerInfos.length} signers`);
  } catch (e) {
    return [{ key: 'tsaReadable', ok: false, vars: { why: String((e as Error).message) } }];
  }
  const si = sd.signerInfos[0];
  const cn = tsa.subject.typesAndValues.find((t) => t.type === '2.5.4.3');
  const subject = cn ? String((cn.value as asn1js.Utf8String).valueBlock.value) : '';

  // The signer the token names is the platform's TSA, and the certificate
  // it carries for that signer (if any) is the published one.
  const carried = (sd.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate && names(si.sid, c));
  const tsaDer = encoded(tsa);
  checks.push({
    key: 'tsaSigner',
    ok: names(si.sid, tsa) && carried.every((c) => same(encoded(c), tsaDer)),
    vars: { subject },
  });

  // The certificate is a timestamp authority's: critical extendedKeyUsage,
  // timeStamping and nothing else (RFC 3161 §2.3).
  const eku = tsa.extensions?.find((e) => e.extnID === OID.extKeyUsage);
  const purposes = (eku?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  checks.push({ key: 'tsaEku', ok: !!eku?.critical && purposes.length === 1 && purposes[0] === OID.timeStamping });

  // The token's time lies within the certificate's validity.
  if (genTime) {
    const at = new Date(genTime).getTime();
    checks.push({ key: 'tsaValidAt', ok: tsa.notBefore.value.getTime() <= at && at <= tsa.notAfter.value.getTime() });
  }

  const attrs = si.signedAttrs?.attributes ?? [];
  const crypto = pkijs.getCrypto(true);
  // The signingCertificate attribute names the TSA's certificate by hash.
  try {
    const ess = essCertHash(attrs);
    const ok = !!ess && Object.values(HASHES).includes(ess.hash)
      && same(await crypto.digest({ name: ess.hash }, buf(tsaCertificate)), ess.value);
    checks.push({ key: 'tsaEssCertId', ok });
  } catch {
    checks.push({ key: 'tsaEssCertId', ok: false });
  }

  // The signed messageDigest is the TSTInfo's digest, and the signature over
  // the signed attributes verifies with the TSA certificate's key.
  const hash = HASHES[si.digestAlgorithm.algorithmId];
  try {
    const digestAttr = attrs.find((a) => a.type === OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
    const content = sd.encapContentInfo.eContent;
    const ok = !!hash && !!digestAttr && !!content
      && same(await crypto.digest({ name: hash }, content.getValue()), digestAttr.valueBlock.valueHexView);
    checks.push({ key: 'tsaContentDigest', ok });
  } catch {
    checks.push({ key: 'tsaContentDigest', ok: false });
  }
  let verified = false;
  try {
    if (hash && si.signedAttrs) {
      verified = si.signatureAlgorithm.algorithmId === OID.rsaEncryption
        ? await crypto.verifyWithPublicKey(si.signedAttrs.encodedValue, si.signature, tsa.subjectPublicKeyInfo, si.signatureAlgorithm, hash)
        : await crypto.verifyWithPublicKey(si.signedAttrs.encodedValue, si.signature, tsa.subjectPublicKeyInfo, si.signatureAlgorithm);
    }
  } catch { verified = false; }
  checks.push({ key: 'tsaSignature', ok: verified, vars: { subject } });
  return checks;
}
