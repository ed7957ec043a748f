// A contract as the pages read, draft, sign and publish it (README,
// "Contracts"; src/contracts/). Signing is done in the page: the party's
// enterprise certificate and key are read from the files it chooses
// (keyfiles.ts), imported into WebCrypto as not extractable (bidpack.ts
// `signerOf`, which checks the key is the certificate's), and the key's
// bytes wiped; it never leaves the page. Over the document's exact bytes
// (`GET …/contracts/{c}/document`) the page makes the two signatures the
// server verifies:
//
// - a detached CMS SignedData (RFC 5652) by the certificate, as `openssl
//   cms -sign -binary -md sha256` makes it (bidpack.ts `signDetached`:
//   signed attributes contentType, signingTime, messageDigest);
// - a GB/T 38540 seal signature (SES_Signature) with the party's seal
//   (SES_Seal, DER, chosen as a file), built exactly as the server's
//   `src/seals/build.rs` `sign` builds it (src/seals/asn1.rs):
//
//     SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
//       signatureAlgID OBJECT IDENTIFIER, signature BIT STRING }
//     TBS_Sign ::= SEQUENCE { version INTEGER (4), eseal SES_Seal,
//       timeInfo GeneralizedTime, dataHash BIT STRING, propertyInfo IA5String }
//
//   the seal embedded byte for byte as chosen, `dataHash` the document's
//   SHA-256 (RSA and ECDSA signers; SM3 is for SM2 signers), the
//   signature over TBS_Sign's DER by the same key: sha256WithRSAEncryption
//   (PKCS #1 v1.5) or ecdsa-with-SHA256, whose value is the DER
//   Ecdsa-Sig-Value (WebCrypto gives r||s: converted here).
//
// RSA (2048 bits or more) and ECDSA P-256 keys sign here. An SM2 key is
// refused with its reason: PKIjs on WebCrypto makes no SM2 CMS signature
// (nor does this OpenSSL's `openssl cms -sign`, bidpack.ts says the same of
// bids), so an SM2 enterprise signs its contract with its own tools.
import * as asn1js from 'asn1js';
import { call, enc, post } from './api';
import { PackError, signDetached, signerOf, type SignerKey } from './bidpack';
import { readCredentials, usingKey, type Credentials } from './keyfiles';

export type ContractStatus = 'draft' | 'signing' | 'signed' | 'published';
export type Party = 'purchaser' | 'supplier';
export interface PartyInfo { organisation_id: string; name: string; unified_social_credit_code?: string | null }
export interface Terms {
  title: string; subject: string; performance_period?: { start: string; end: string } | null;
  payment_terms: string; place: string; performance_bond_fen?: number | null; clauses: string[];
}
export interface SignatureView {
  party: Party; signer_subject: string; signer_cert_sha256: string; seal_name: string; seal_id: string;
  signed_at: string; download_url: string;
}
export interface Contract {
  id: string; tender_id: string; award_id: string; lot: number; purchaser: PartyInfo; supplier: PartyInfo;
  value_fen: number; currency: string; terms: Terms; status: ContractStatus; withheld_clauses: number[];
  document_sha256?: string | null; document_url?: string | null; signatures: SignatureView[];
  created_at: string; updated_at: string; signed_at?: string | null; publish_by?: string | null;
  published_at?: string | null; notice_seq?: number | null;
}

/** The performance bond's ceiling: 10 % of the value (政府采购法实施条例 第48条,
 *  招标投标法实施条例 第58条), in fen, as the server computes it (rounded down). */
export const bondCeiling = (valueFen: number): number => Math.floor(valueFen / 10);

export const contractsUrl = (tender: string): string => `/api/v1/tenders/${enc(tender)}/contracts`;
export const contractUrl = (tender: string, c: string): string => `${contractsUrl(tender)}/${enc(c)}`;

/** A refusal of the page's own, said as `local.contractSign.<what>`. */
export class SignError extends Error {
  readonly code: string;
  constructor(what: string, public vars: Record<string, string> = {}) { super(what); this.code = `contractSign.${what}`; }
}

const hex = (b: ArrayBuffer | Uint8Array): string => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const buf = (b: Uint8Array): ArrayBuffer => Uint8Array.prototype.slice.call(b).buffer as ArrayBuffer;
const subtle = (): SubtleCrypto => {
  if (!globalThis.crypto?.subtle) throw new SignError('noWebCrypto');
  return globalThis.crypto.subtle;
};

/** The document: its exact bytes, the SHA-256 the page computes, the one the
 *  server states (`X-Content-SHA256`), and the bytes read as JSON. */
export interface ContractDocument { bytes: Uint8Array; sha256: string; stated: string | null; json: Record<string, unknown> }

export async function fetchDocument(tender: string, c: string): Promise<ContractDocument> {
  const res = await call('GET', `${contractUrl(tender, c)}/document`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const sha256 = hex(await subtle().digest('SHA-256', buf(bytes)));
  const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  return { bytes, sha256, stated: res.headers.get('X-Content-SHA256')?.toLowerCase() ?? null, json };
}

// ---------- DER, written by hand where bytes must be kept as given ----------

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}
/** One TLV: `tag`, the DER length, the contents concatenated. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const head = [tag, ...length(size)];
  const out = new Uint8Array(head.length + size);
  out.set(head);
  let at = head.length;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
const integer = (b: Uint8Array): Uint8Array => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && b[i + 1] < 0x80) i++;
  const v = b.subarray(i);
  return tlv(0x02, ...(v[0] >= 0x80 ? [new Uint8Array([0]), v] : [v]));
};
const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, new Uint8Array([0]), b);
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** WebCrypto's ECDSA signature (r||s) as the DER Ecdsa-Sig-Value (RFC 3279). */
export function ecdsaDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return tlv(0x30, integer(raw.subarray(0, half)), integer(raw.subarray(half)));
}

/** `YYYYMMDDHHMMSSZ`, whole seconds (as the server's `der` writes it). */
export function generalizedTime(at: Date): Uint8Array {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return tlv(0x18, ascii(`${p(at.getUTCFullYear(), 4)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}Z`));
}

const OID_DER = {
  // 1.2.840.113549.1.1.11, 1.2.840.10045.4.3.2 (src/seals/asn1.rs `oid`).
  sha256WithRsa: new Uint8Array([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
  ecdsaWithSha256: new Uint8Array([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
};

/** A seal file (SES_Seal, DER; or the same in base64 text) as DER, checked
 *  to be one SEQUENCE of the seal's four parts. */
export function sealDer(bytes: Uint8Array): Uint8Array {
  let der = bytes;
  if (bytes.length && bytes[0] !== 0x30) {
    const text = new TextDecoder('latin1').decode(bytes).replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+=*$/.test(text)) throw new SignError('notSeal');
    der = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }
  const parsed = asn1js.fromBER(buf(der));
  const ok = parsed.offset === der.length && parsed.result instanceof asn1js.Sequence
    && parsed.result.valueBlock.value.length === 4
    && parsed.result.valueBlock.value[0] instanceof asn1js.Sequence
    && parsed.result.valueBlock.value[1] instanceof asn1js.OctetString;
  if (!ok) throw new SignError('notSeal');
  return der;
}

/** The seal signature (SES_Signature, DER) over `document` with `seal`, by
 *  `signer` (its certificate `certDer`, as chosen), at `time`. */
export async function sealSignature(seal: Uint8Array, document: Uint8Array, certDer: Uint8Array, signer: SignerKey, time = new Date(), propertyInfo = 'contract.json'): Promise<Uint8Array> {
  const s = subtle();
  const dataHash = new Uint8Array(await s.digest('SHA-256', buf(document)));
  const tbs = tlv(0x30,
    tlv(0x02, new Uint8Array([4])),
    seal,
    generalizedTime(time),
    bitString(dataHash),
    tlv(0x16, ascii(propertyInfo)));
  const algorithm = signer.rsa ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-256' };
  const raw = new Uint8Array(await s.sign(algorithm, signer.key, buf(tbs)));
  return tlv(0x30,
    tbs,
    tlv(0x04, certDer),
    signer.rsa ? OID_DER.sha256WithRsa : OID_DER.ecdsaWithSha256,
    bitString(signer.rsa ? raw : ecdsaDer(raw)));
}

const base64 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
};

/** The page's words for a refusal of bidpack's `signerOf` (the key). */
function said(e: unknown): unknown {
  if (e instanceof PackError) return new SignError(e.code.replace(/^pack\./, ''), e.vars);
  return e;
}

/**
 * Signs contract `c` of `tender` as the signed-in party: the document
 * fetched again (the bytes the server will check), both signatures made
 * in the page with the chosen certificate, key and seal, and posted. The
 * key is wiped whatever happens. Returns the contract as the server then
 * shows it, and the SHA-256 of the bytes signed.
 */
export async function signContract(tender: string, c: string, credentials: Credentials, sealFile: File): Promise<{ contract: Contract; sha256: string }> {
  const seal = sealDer(new Uint8Array(await sealFile.arrayBuffer()));
  const doc = await fetchDocument(tender, c);
  if (doc.stated && doc.stated !== doc.sha256) throw new SignError('hashMismatch');
  const { certificate, key } = await readCredentials(credentials);
  const certDer = Uint8Array.from(atob(certificate.base64), (ch) => ch.charCodeAt(0));
  const [cms, sealSig] = await usingKey(key, async (k) => {
    const signer = await signerOf(certDer, k).catch((e) => { throw said(e); });
    const now = new Date();
    return [await signDetached(doc.bytes, signer, now), await sealSignature(seal, doc.bytes, certDer, signer, now)];
  });
  const contract = await post<Contract>(`${contractUrl(tender, c)}/signatures`, { cms: base64(cms), seal_signature: base64(sealSig) });
  return { contract, sha256: doc.sha256 };
}
