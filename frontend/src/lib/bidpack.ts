// Packing a small bid in the page, into the same envelope `ggzy bid pack`
// makes (src/bids/envelope.rs, src/bids/container.rs; README, "Sealed
// bids"): the container, a ZIP of `price-schedule.json` and the documents
// under `documents/`, in an attached CMS SignedData by the enterprise's
// certificate (SHA-256, signed attributes contentType, signingTime and
// messageDigest), that DER encrypted to the tender's opening certificate
// as AuthEnvelopedData with AES-256-GCM (RFC 5083/5084: a 12-byte nonce, a
// 16-byte tag), and the encrypted DER signed again the same way. DER
// throughout, as `openssl cms` writes it without -stream.
//
// The primitives are WebCrypto's: SHA-256, AES-256-GCM, RSA-OAEP (SHA-256)
// for the content key, and RSASSA-PKCS1-v1_5 or ECDSA P-256 for the
// signatures. The encoding is PKIjs and asn1js (SignedData, SignerInfo,
// KeyTransRecipientInfo; AuthEnvelopedData, which PKIjs does not have,
// assembled from its parts with asn1js). Two differences from the command
// line, both within what the platform and `openssl cms -decrypt` read:
// the content key is encrypted with RSA-OAEP, since WebCrypto has no
// PKCS#1 v1.5 encryption (OpenSSL's default), and the signatures carry no
// smimeCapabilities attribute (which ciphers the signer could decrypt: it
// says nothing of a bid). SM2 keys cannot sign a CMS bid here, as with the
// command line (this OpenSSL has no CMS signing with SM2): the page says
// so. The opening certificate is the platform's RSA key (src/opening/custody.rs).
//
// The key is read from the files the bidder chose (keyfiles.ts), imported
// into WebCrypto as not extractable, and its bytes wiped: it never leaves
// the page. No seal signature (GB/T 38540) is made here: the container may
// go without one; a sealed bid is packed with `ggzy bid pack --seal`.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Key } from './keyfiles';
import { PAGE_PACK_LIMIT } from './bidupload';

export { PAGE_PACK_LIMIT };

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
  aes256Gcm: '2.16.840.1.101.3.4.1.46',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaesOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
};

/** A refusal said in the page's words (`local.pack.<code>`). */
export class PackError extends Error {
  readonly code: string;
  constructor(what: string, public vars: Record<string, string> = {}) { super(what); this.code = `pack.${what}`; }
}

/** The price schedule (src/bids/container.rs): what the page asks for. */
export interface Schedule { total_price_fen: number; duration_days: number; key_terms: Record<string, string> }

/** Checks the schedule as the opening will (container.rs, the required
 *  fields): so that the page refuses a bid the opening would count as
 *  revoked through the bidder's fault. */
export function checkSchedule(s: Schedule): void {
  if (!Number.isSafeInteger(s.total_price_fen) || s.total_price_fen <= 0) throw new PackError('price');
  if (!Number.isInteger(s.duration_days) || s.duration_days < 1 || s.duration_days > 36_500) throw new PackError('duration');
  const names = Object.keys(s.key_terms);
  if (names.length > 100) throw new PackError('terms');
  for (const n of names) {
    const v = s.key_terms[n];
    if ([...n].length < 1 || [...n].length > 100 || [...v].length > 2000 || /[\u0000-\u001f\u007f]/.test(n)) throw new PackError('term', { name: n });
  }
}

/** Key terms written one to a line, `name: value` (or the full-width colon). */
export function parseTerms(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([^:：]+)[:：](.*)$/.exec(line);
    if (!m) throw new PackError('termLine', { line });
    const name = m[1].trim();
    if (name in out) throw new PackError('termTwice', { name });
    out[name] = m[2].trim();
  }
  return out;
}

/** Yuan as typed (up to two decimals) to fen, exactly. */
export function fenOf(yuan: string): number {
  const m = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(yuan.replace(/[,，]/g, ''));
  if (!m) throw new PackError('price');
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

// ---------- the container (a ZIP of stored entries) ----------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
/** The ZIP format's CRC-32 (a checksum of the entry, not a security measure). */
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A document's name as the container takes it (container.rs): one file
 *  name, no folder, no control or direction marks, at most 255 bytes. */
export function checkDocumentName(name: string): void {
  const bytes = new TextEncoder().encode(name).length;
  if (!name || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name) || bytes > 255) {
    throw new PackError('docName', { name });
  }
}

/** The container: `price-schedule.json` then `documents/<name>` for each
 *  document, stored (not deflated: most bid documents are compressed
 *  already), names in UTF-8 (flag bit 11). */
export function buildContainer(schedule: Schedule, documents: { name: string; data: Uint8Array }[], when = new Date()): Uint8Array {
  checkSchedule(schedule);
  if (!documents.length) throw new PackError('noDocuments');
  const seen = new Set<string>();
  for (const d of documents) {
    checkDocumentName(d.name);
    const folded = d.name.toLowerCase();
    if (seen.has(folded)) throw new PackError('docTwice', { name: d.name });
    seen.add(folded);
  }
  const enc = new TextEncoder();
  const entries = [
    { name: enc.encode('price-schedule.json'), data: enc.encode(JSON.stringify(schedule)) },
    ...documents.map((d) => ({ name: enc.encode('documents/' + d.name), data: d.data })),
  ];
  const dosTime = (when.getHours() << 11) | (when.getMinutes() << 5) | (when.getSeconds() >> 1);
  const dosDate = ((Math.max(when.getFullYear(), 1980) - 1980) << 9) | ((when.getMonth() + 1) << 5) | when.getDate();
  let size = 22;
  for (const e of entries) size += 30 + e.name.length + e.data.length + 46 + e.name.length;
  if (size > 0xffffffff || entries.length > 0xffff) throw new PackError('tooLarge');
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  const central: { e: (typeof entries)[number]; crc: number; offset: number }[] = [];
  for (const e of entries) {
    const crc = crc32(e.data);
    central.push({ e, crc, offset: at });
    v.setUint32(at, 0x04034b50, true); v.setUint16(at + 4, 20, true); v.setUint16(at + 6, 0x0800, true);
    v.setUint16(at + 8, 0, true); v.setUint16(at + 10, dosTime, true); v.setUint16(at + 12, dosDate, true);
    v.setUint32(at + 14, crc, true); v.setUint32(at + 18, e.data.length, true); v.setUint32(at + 22, e.data.length, true);
    v.setUint16(at + 26, e.name.length, true); v.setUint16(at + 28, 0, true);
    out.set(e.name, at + 30); out.set(e.data, at + 30 + e.name.length);
    at += 30 + e.name.length + e.data.length;
  }
  const cdStart = at;
  for (const { e, crc, offset } of central) {
    v.setUint32(at, 0x02014b50, true); v.setUint16(at + 4, 0x0314, true); v.setUint16(at + 6, 20, true);
    v.setUint16(at + 8, 0x0800, true); v.setUint16(at + 10, 0, true); v.setUint16(at + 12, dosTime, true);
    v.setUint16(at + 14, dosDate, true); v.setUint32(at + 16, crc, true); v.setUint32(at + 20, e.data.length, true);
    v.setUint32(at + 24, e.data.length, true); v.setUint16(at + 28, e.name.length, true);
    // extra, comment, disk, internal attributes 0; external: a regular file, rw-r--r--.
    v.setUint32(at + 38, (0o100644 << 16) >>> 0, true); v.setUint32(at + 42, offset, true);
    out.set(e.name, at + 46);
    at += 46 + e.name.length;
  }
  v.setUint32(at, 0x06054b50, true); v.setUint16(at + 8, entries.length, true); v.setUint16(at + 10, entries.length, true);
  v.setUint32(at + 12, at - cdStart, true); v.setUint32(at + 16, cdStart, true);
  return out;
}

// ---------- CMS ----------

const subtle = (): SubtleCrypto => {
  if (!globalThis.crypto?.subtle) throw new PackError('noWebCrypto');
  return globalThis.crypto.subtle;
};
/** A copy of `b`'s bytes alone (a view may share a larger buffer). */
const buf = (b: Uint8Array): ArrayBuffer => Uint8Array.prototype.slice.call(b).buffer as ArrayBuffer;
const der = (o: { toSchema(): asn1js.AsnType }): Uint8Array => new Uint8Array(o.toSchema().toBER(false));
const alg = (oid: string, params?: asn1js.AsnType) => new pkijs.AlgorithmIdentifier({ algorithmId: oid, ...(params ? { algorithmParams: params } : {}) });

/** A signer: its certificate (DER) and its key, imported into WebCrypto. */
export interface SignerKey { certificate: pkijs.Certificate; key: CryptoKey; rsa: boolean }

/** Imports the chosen key for signing (not extractable) and checks it is
 *  the certificate's; the key's bytes are the caller's to wipe. */
export async function signerOf(certificateDer: Uint8Array, key: Key): Promise<SignerKey> {
  const certificate = pkijs.Certificate.fromBER(buf(certificateDer));
  if (key.kind === 'sm2') throw new PackError('sm2');
  if (!key.pkcs8 || (key.kind !== 'rsa' && !(key.kind === 'ec' && (key as { curve?: string }).curve === 'P-256'))) throw new PackError('keyKind');
  const s = subtle();
  const rsa = key.kind === 'rsa';
  const params = rsa ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const cryptoKey = await s.importKey('pkcs8', buf(key.pkcs8), params, false, ['sign']);
  // The key must be the certificate's: a signature by one checked with the other.
  const pub = await s.importKey('spki', buf(der(certificate.subjectPublicKeyInfo)), params, false, ['verify']).catch(() => null);
  const probe = new TextEncoder().encode('ggzy: is this key the certificate\'s?');
  const sig = { name: params.name, hash: 'SHA-256' };
  if (!pub || !(await s.verify(sig, pub, await s.sign(sig, cryptoKey, probe), probe))) throw new PackError('keyMismatch');
  return { certificate, key: cryptoKey, rsa };
}

/** An attached SignedData over `content` (a ContentInfo, DER), as
 *  `openssl cms -sign -nodetach -binary` makes it. */
export function signAttached(content: Uint8Array, signer: SignerKey, signingTime = new Date()): Promise<Uint8Array> {
  return signedData(content, signer, signingTime, true);
}

/** A detached SignedData over `content` (a ContentInfo, DER: the same
 *  signed attributes, no eContent), as `openssl cms -sign -binary -md
 *  sha256` makes it: the signature a contract's party posts (lib/contract.ts). */
export function signDetached(content: Uint8Array, signer: SignerKey, signingTime = new Date()): Promise<Uint8Array> {
  return signedData(content, signer, signingTime, false);
}

async function signedData(content: Uint8Array, signer: SignerKey, signingTime: Date, attach: boolean): Promise<Uint8Array> {
  const digest = await subtle().digest('SHA-256', buf(content));
  const cert = signer.certificate;
  const encap = new pkijs.EncapsulatedContentInfo({ eContentType: OID.data });
  // One primitive OCTET STRING (DER), not the 64 KiB pieces PKIjs makes.
  if (attach) encap.eContent = new asn1js.OctetString({ valueHex: buf(content) });
  const attr = (type: string, value: asn1js.AsnType) => new pkijs.Attribute({ type, values: [value] });
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: encap,
    certificates: [cert],
    signerInfos: [new pkijs.SignerInfo({
      version: 1,
      sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
      // In DER order (SET OF sorts by encoding: these by their lengths).
      signedAttrs: new pkijs.SignedAndUnsignedAttributes({
        type: 0,
        attributes: [
          attr(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
          attr(OID.signingTime, new asn1js.UTCTime({ valueDate: signingTime })),
          attr(OID.messageDigest, new asn1js.OctetString({ valueHex: digest })),
        ],
      }),
    })],
  });
  await signed.sign(signer.key, 0, 'SHA-256');
  // The algorithm identifiers as OpenSSL writes them (outside what is
  // signed): SHA-256 without parameters (RFC 5754), and RSA signatures as
  // rsaEncryption (RFC 3370); ECDSA stays ecdsa-with-SHA256.
  signed.digestAlgorithms = [alg(OID.sha256)];
  signed.signerInfos[0].digestAlgorithm = alg(OID.sha256);
  if (signer.rsa) signed.signerInfos[0].signatureAlgorithm = alg(OID.rsaEncryption, new asn1js.Null());
  const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) });
  return der(info);
}

/** `content` encrypted to `opening` (an RSA certificate, DER) as
 *  AuthEnvelopedData with AES-256-GCM, the content key by RSA-OAEP with
 *  SHA-256 (and MGF1 with SHA-256), the recipient by issuer and serial. */
export async function encryptTo(content: Uint8Array, openingDer: Uint8Array): Promise<Uint8Array> {
  const s = subtle();
  const opening = pkijs.Certificate.fromBER(buf(openingDer));
  if (opening.subjectPublicKeyInfo.algorithm.algorithmId !== OID.rsaEncryption) throw new PackError('openingKind');
  const cek = await s.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, cek, buf(content)));
  const raw = new Uint8Array(await s.exportKey('raw', cek));
  let encryptedKey: ArrayBuffer;
  try {
    const pub = await s.importKey('spki', buf(der(opening.subjectPublicKeyInfo)), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
    encryptedKey = await s.encrypt({ name: 'RSA-OAEP' }, pub, raw);
  } finally {
    raw.fill(0);
  }
  const sha256 = alg(OID.sha256, new asn1js.Null());
  const ktri = new pkijs.KeyTransRecipientInfo({
    version: 0,
    rid: new pkijs.IssuerAndSerialNumber({ issuer: opening.issuer, serialNumber: opening.serialNumber }),
    keyEncryptionAlgorithm: alg(OID.rsaesOaep, new pkijs.RSAESOAEPParams({
      hashAlgorithm: sha256,
      maskGenAlgorithm: alg(OID.mgf1, sha256.toSchema()),
    }).toSchema()),
    encryptedKey: new asn1js.OctetString({ valueHex: encryptedKey }),
  });
  const recipient = new pkijs.RecipientInfo({ variant: 1, value: ktri });
  const body = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  // AuthEnvelopedData (RFC 5083): version 0, recipientInfos,
  // authEncryptedContentInfo, mac; no attributes (as OpenSSL writes it).
  const auth = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Set({ value: [recipient.toSchema()] }),
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.data }),
          // GCMParameters (RFC 5084): the nonce and the tag's length.
          alg(OID.aes256Gcm, new asn1js.Sequence({
            value: [new asn1js.OctetString({ valueHex: buf(nonce) }), new asn1js.Integer({ value: 16 })],
          })).toSchema(),
          new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: buf(body) }),
        ],
      }),
      new asn1js.OctetString({ valueHex: buf(tag) }),
    ],
  });
  const info = new pkijs.ContentInfo({ contentType: OID.authEnvelopedData, content: auth });
  return der(info);
}

/** A certificate in PEM (the first) or DER, as DER. */
export function certificateDer(bytes: Uint8Array): Uint8Array {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 1 << 20)));
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(text);
  if (!m) return bytes;
  const bin = atob(m[1].replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The whole envelope: sign the container, encrypt to the opening
 *  certificate, sign again (DER). */
export async function packEnvelope(container: Uint8Array, signer: SignerKey, openingDer: Uint8Array): Promise<Uint8Array> {
  const inner = await signAttached(container, signer);
  const enveloped = await encryptTo(inner, openingDer);
  return signAttached(enveloped, signer);
}
