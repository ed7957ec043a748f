// Releasing an opening-key share from the browser. The custodian's private key
// is read from a file into WebCrypto, never sent anywhere: it signs the login
// challenge and decrypts the share, a CMS EnvelopedData (RFC 5652) made by the
// platform with RSAES-OAEP (RFC 3560) or ECDH with the X9.63 KDF and AES key
// wrap (RFC 5753), content in AES-CBC. Every cryptographic operation is
// WebCrypto's; this file only reads and writes DER and puts the steps in order.
'use strict';

export const GgzyShare = (() => {
  // A failure to show the custodian: `code` names a message of the page's.
  class ShareError extends Error {
    constructor(code, vars) { super(code); this.code = code; this.vars = vars || {}; }
  }
  const fail = (code, vars) => { throw new ShareError(code, vars); };
  const subtle = () => globalThis.crypto?.subtle || fail('noWebCrypto');

  // ---------- DER ----------
  // One TLV at `pos`: its tag and where its contents lie. DER only: definite
  // lengths, low tag numbers (all that these structures use).
  function tlv(bytes, pos) {
    if (pos + 2 > bytes.length) fail('malformed');
    const tag = bytes[pos];
    if ((tag & 0x1f) === 0x1f) fail('malformed');
    let len = bytes[pos + 1];
    let off = pos + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || off + n > bytes.length) fail('malformed');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + bytes[off + i];
      off += n;
    }
    if (off + len > bytes.length) fail('malformed');
    return { tag, start: pos, off, end: off + len, bytes };
  }
  const root = (bytes) => { const n = tlv(bytes, 0); if (n.end !== bytes.length) fail('malformed'); return n; };
  const content = (n) => n.bytes.subarray(n.off, n.end);
  const encoded = (n) => n.bytes.subarray(n.start, n.end);
  function items(n) {
    const out = [];
    for (let p = n.off; p < n.end;) { const c = tlv(n.bytes, p); out.push(c); p = c.end; }
    return out;
  }
  const want = (n, tag) => (n && n.tag === tag ? n : fail('malformed'));
  function oid(n) {
    const b = content(want(n, 0x06));
    if (!b.length) fail('malformed');
    const arcs = [];
    let v = 0;
    for (const x of b) { v = v * 128 + (x & 0x7f); if (!(x & 0x80)) { arcs.push(v); v = 0; } }
    const first = arcs.shift();
    return [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80, ...arcs].join('.');
  }
  function smallInt(n) {
    const b = content(want(n, 0x02));
    if (!b.length || b.length > 4 || b[0] & 0x80) fail('malformed');
    return b.reduce((v, x) => v * 256 + x, 0);
  }
  // The octets of an OCTET STRING, primitive or (BER) constructed, under any tag.
  function octets(n) {
    if (!(n.tag & 0x20)) return content(n);
    const parts = items(n).map(octets);
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  // An AlgorithmIdentifier: its OID and its parameters' node (or null).
  function algorithm(n) {
    const [id, params] = items(want(n, 0x30));
    return { oid: oid(id), params: params || null };
  }
  function encode(tag, ...parts) {
    const len = parts.reduce((s, p) => s + p.length, 0);
    const head = len < 0x80 ? [tag, len]
      : len < 0x100 ? [tag, 0x81, len]
        : len < 0x10000 ? [tag, 0x82, len >> 8, len & 0xff]
          : [tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
    const out = new Uint8Array(head.length + len);
    out.set(head, 0);
    let o = head.length;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  function encodeOid(dotted) {
    const [a, b, ...rest] = dotted.split('.').map(Number);
    const out = [];
    for (const arc of [a * 40 + b, ...rest]) {
      const groups = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
      out.push(...groups);
    }
    return encode(0x06, new Uint8Array(out));
  }
  // An unsigned big-endian number as a DER INTEGER.
  function encodeUnsigned(bytes) {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const v = bytes.subarray(i);
    return encode(0x02, v[0] & 0x80 ? new Uint8Array([0, ...v]) : v);
  }
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  const OID = {
    envelopedData: '1.2.840.113549.1.7.3',
    rsaEncryption: '1.2.840.113549.1.1.1', rsaesOaep: '1.2.840.113549.1.1.7', mgf1: '1.2.840.113549.1.1.8',
    ecPublicKey: '1.2.840.10045.2.1',
    pbes2: '1.2.840.113549.1.5.13', pbkdf2: '1.2.840.113549.1.5.12',
  };
  const HASHES = {
    '1.3.14.3.2.26': 'SHA-1', '2.16.840.1.101.3.4.2.1': 'SHA-256',
    '2.16.840.1.101.3.4.2.2': 'SHA-384', '2.16.840.1.101.3.4.2.3': 'SHA-512',
  };
  const HMACS = {
    '1.2.840.113549.2.7': 'SHA-1', '1.2.840.113549.2.9': 'SHA-256',
    '1.2.840.113549.2.10': 'SHA-384', '1.2.840.113549.2.11': 'SHA-512',
  };
  // dhSinglePass-stdDH-<hash>kdf-scheme (RFC 5753): the KDF's hash.
  const ECDH_KDF = {
    '1.3.133.16.840.63.0.2': 'SHA-1', '1.3.132.1.11.1': 'SHA-256',
    '1.3.132.1.11.2': 'SHA-384', '1.3.132.1.11.3': 'SHA-512',
  };
  const KEY_WRAP = { '2.16.840.1.101.3.4.1.5': 128, '2.16.840.1.101.3.4.1.25': 192, '2.16.840.1.101.3.4.1.45': 256 };
  const AES_CBC = { '2.16.840.1.101.3.4.1.2': 128, '2.16.840.1.101.3.4.1.22': 192, '2.16.840.1.101.3.4.1.42': 256 };
  const CURVES = { '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384' };

  // ---------- PEM ----------
  function pemBlocks(text) {
    const out = [];
    const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
    for (let m; (m = re.exec(text));) {
      const headers = /^[ \t]*[A-Za-z-]+:/m.test(m[2]);
      const b64 = m[2].replace(/^[ \t]*[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
      let der;
      try { der = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)); } catch (_) { fail('notPem'); }
      out.push({ label: m[1], der, headers });
    }
    return out;
  }
  const base64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));

  // ---------- the certificate ----------
  // The certificate to send (DER, base64) and the issuer and serial number a share names.
  function readCertificate(bytes) {
    const text = new TextDecoder().decode(bytes);
    const block = pemBlocks(text).find((b) => b.label === 'CERTIFICATE');
    const der = block ? block.der : bytes;
    if (!block && der[0] !== 0x30) fail('notCertificate');
    let tbs;
    try { tbs = items(want(root(der), 0x30))[0]; } catch (_) { fail('notCertificate'); }
    const fields = items(want(tbs, 0x30));
    const rest = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
    return {
      base64: base64(der),
      serial: content(want(rest[0], 0x02)),
      issuer: encoded(want(rest[2], 0x30)),
    };
  }

  // ---------- the private key ----------
  const pkcs8 = (algorithmId, privateKey) => encode(0x30, encode(0x02, new Uint8Array([0])), algorithmId, encode(0x04, privateKey));

  async function decryptPkcs8(der, password) {
    if (!password) fail('needPassword');
    const [alg, data] = items(want(root(der), 0x30));
    const scheme = algorithm(alg);
    if (scheme.oid !== OID.pbes2) fail('keyEncryption');
    const [kdfNode, encNode] = items(want(scheme.params, 0x30));
    const kdf = algorithm(kdfNode);
    if (kdf.oid !== OID.pbkdf2) fail('keyEncryption');
    const kdfParams = items(want(kdf.params, 0x30));
    const salt = content(want(kdfParams[0], 0x04));
    const iterations = smallInt(kdfParams[1]);
    const prfNode = kdfParams.slice(2).find((n) => n.tag === 0x30);
    const hash = prfNode ? HMACS[algorithm(prfNode).oid] : 'SHA-1';
    const enc = algorithm(encNode);
    const bits = AES_CBC[enc.oid];
    if (!hash || !bits) fail('keyEncryption');
    const iv = content(want(enc.params, 0x04));
    const s = subtle();
    const base = await s.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveKey']);
    const key = await s.deriveKey({ name: 'PBKDF2', salt, iterations, hash }, base, { name: 'AES-CBC', length: bits }, false, ['decrypt']);
    let plain;
    try { plain = new Uint8Array(await s.decrypt({ name: 'AES-CBC', iv }, key, content(want(data, 0x04)))); } catch (_) { fail('wrongPassword'); }
    try { root(plain); } catch (_) { fail('wrongPassword'); }
    return plain;
  }

  // Reads a PEM private key: PKCS#8 (plain, or encrypted with PBES2 and a
  // password), PKCS#1 RSA or SEC1 EC. Returns its kind and its PKCS#8.
  async function readPrivateKey(bytes, password) {
    const text = new TextDecoder().decode(bytes);
    if (!text.includes('-----BEGIN')) fail(bytes[0] === 0x30 ? 'keyNotPem' : 'notPem');
    const block = pemBlocks(text).find((b) => b.label.endsWith('PRIVATE KEY'));
    if (!block) fail('noPrivateKey');
    if (block.headers) fail('legacyEncrypted');
    let der;
    switch (block.label) {
      case 'PRIVATE KEY': der = block.der; break;
      case 'ENCRYPTED PRIVATE KEY': der = await decryptPkcs8(block.der, password); break;
      case 'RSA PRIVATE KEY':
        der = pkcs8(encode(0x30, encodeOid(OID.rsaEncryption), new Uint8Array([0x05, 0x00])), block.der);
        break;
      case 'EC PRIVATE KEY': {
        const params = items(want(root(block.der), 0x30)).find((n) => n.tag === 0xa0);
        if (!params) fail('keyKind');
        der = pkcs8(encode(0x30, encodeOid(OID.ecPublicKey), encoded(items(params)[0])), block.der);
        break;
      }
      default: fail('noPrivateKey');
    }
    const [, alg] = items(want(root(der), 0x30));
    const { oid: keyOid, params } = algorithm(alg);
    if (keyOid === OID.rsaEncryption) return { kind: 'rsa', pkcs8: der };
    if (keyOid === OID.ecPublicKey && params?.tag === 0x06 && CURVES[oid(params)]) {
      return { kind: 'ec', curve: CURVES[oid(params)], pkcs8: der };
    }
    return fail('keyKind');
  }

  // ---------- signing the login challenge ----------
  // The raw signature the platform's challenge login takes: RSA PKCS#1 v1.5
  // or ECDSA (DER) over SHA-256 of the challenge text.
  async function signChallenge(key, text) {
    const s = subtle();
    const data = new TextEncoder().encode(text);
    if (key.kind === 'rsa') {
      const k = await s.importKey('pkcs8', key.pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
      return base64(new Uint8Array(await s.sign('RSASSA-PKCS1-v1_5', k, data)));
    }
    const k = await s.importKey('pkcs8', key.pkcs8, { name: 'ECDSA', namedCurve: key.curve }, false, ['sign']);
    const rs = new Uint8Array(await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, k, data));
    const half = rs.length / 2;
    return base64(encode(0x30, encodeUnsigned(rs.subarray(0, half)), encodeUnsigned(rs.subarray(half))));
  }

  // ---------- opening the share ----------
  // The recipient a RecipientInfo names must be this certificate.
  function checkRecipient(rid, cert) {
    if (rid.tag !== 0x30) fail('otherRecipient');
    const [issuer, serial] = items(rid);
    if (!equal(encoded(issuer), cert.issuer) || !equal(content(want(serial, 0x02)), cert.serial)) fail('otherRecipient');
  }

  async function oaepContentKey(ktri, key, cert) {
    const [, rid, algNode, encryptedKey] = items(ktri);
    checkRecipient(rid, cert);
    const alg = algorithm(algNode);
    if (alg.oid === OID.rsaEncryption) fail('pkcs1v15');
    if (alg.oid !== OID.rsaesOaep) fail('unsupported');
    let hash = 'SHA-1';
    let mgfHash = 'SHA-1';
    for (const p of alg.params ? items(want(alg.params, 0x30)) : []) {
      const inner = items(p)[0];
      if (p.tag === 0xa0) hash = HASHES[algorithm(inner).oid];
      else if (p.tag === 0xa1) {
        const mgf = algorithm(inner);
        mgfHash = mgf.oid === OID.mgf1 && mgf.params ? HASHES[algorithm(mgf.params).oid] : null;
      } else fail('unsupported'); // a label (pSourceAlgorithm) is never used
    }
    if (!hash || hash !== mgfHash) fail('unsupported');
    const s = subtle();
    if (key.kind !== 'rsa') fail('keyMismatch');
    const k = await s.importKey('pkcs8', key.pkcs8, { name: 'RSA-OAEP', hash }, false, ['decrypt']);
    try { return new Uint8Array(await s.decrypt({ name: 'RSA-OAEP' }, k, content(want(encryptedKey, 0x04)))); } catch (_) { return fail('keyMismatch'); }
  }

  async function ecdhContentKey(kari, key, cert) {
    const fields = items(kari);
    const originator = items(want(fields[1], 0xa0))[0];
    if (originator?.tag !== 0xa1) fail('unsupported');
    const [, publicKey] = items(originator);
    const point = content(want(publicKey, 0x03)).subarray(1);
    const ukmNode = fields[2].tag === 0xa1 ? fields[2] : null;
    const algNode = ukmNode ? fields[3] : fields[2];
    const recipients = ukmNode ? fields[4] : fields[3];
    const alg = algorithm(algNode);
    const kdfHash = ECDH_KDF[alg.oid];
    const wrapNode = alg.params && want(alg.params, 0x30);
    const wrapBits = wrapNode && KEY_WRAP[algorithm(wrapNode).oid];
    if (!kdfHash || !wrapBits) fail('unsupported');
    const [rek] = items(want(recipients, 0x30));
    const [rid, encryptedKey] = items(want(rek, 0x30));
    checkRecipient(rid, cert);
    if (key.kind !== 'ec') fail('keyMismatch');
    const s = subtle();
    const ecdh = { name: 'ECDH', namedCurve: key.curve };
    const mine = await s.importKey('pkcs8', key.pkcs8, ecdh, false, ['deriveBits']);
    let theirs;
    try { theirs = await s.importKey('raw', point, ecdh, false, []); } catch (_) { fail('keyMismatch'); }
    const fieldBits = { 'P-256': 256, 'P-384': 384 }[key.curve];
    const z = new Uint8Array(await s.deriveBits({ name: 'ECDH', public: theirs }, mine, fieldBits));
    // ECC-CMS-SharedInfo (RFC 5753 §7.2): the wrap algorithm, the UKM if
    // any, and the key-encryption key's length in bits.
    const sharedInfo = encode(0x30, encoded(wrapNode),
      ...(ukmNode ? [encode(0xa0, encoded(items(ukmNode)[0]))] : []),
      encode(0xa2, encode(0x04, new Uint8Array([0, 0, wrapBits >> 8, wrapBits & 0xff]))));
    // ANSI X9.63 KDF: Hash(Z || counter || SharedInfo) for counter 1, 2, …
    // until there are enough bytes (SHA-1 gives 20 of AES-256's 32).
    const kekBytes = [];
    for (let counter = 1; kekBytes.length < wrapBits / 8; counter++) {
      const block = await s.digest(kdfHash, new Uint8Array([...z, 0, 0, counter >> 8, counter & 0xff, ...sharedInfo]));
      kekBytes.push(...new Uint8Array(block));
    }
    const kek = await s.importKey('raw', new Uint8Array(kekBytes.slice(0, wrapBits / 8)), 'AES-KW', false, ['unwrapKey']);
    kekBytes.fill(0);
    z.fill(0);
    try {
      const cek = await s.unwrapKey('raw', content(want(encryptedKey, 0x04)), kek, 'AES-KW', 'AES-CBC', true, ['decrypt']);
      return new Uint8Array(await s.exportKey('raw', cek));
    } catch (_) { return fail('keyMismatch'); }
  }

  // Decrypts a share (CMS EnvelopedData, DER) with the custodian's key.
  // Anything unexpected in the platform's answer is said to be that, not
  // blamed on the custodian's files.
  async function openShare(cms, key, cert) {
    try {
      return await decryptShare(cms, key, cert);
    } catch (e) {
      if (e instanceof ShareError && e.code !== 'malformed') throw e;
      throw new ShareError('notEnveloped');
    }
  }

  async function decryptShare(cms, key, cert) {
    let env;
    try {
      const [type, explicit] = items(want(root(cms), 0x30));
      if (oid(type) !== OID.envelopedData) fail('notEnveloped');
      env = items(want(items(want(explicit, 0xa0))[0], 0x30));
    } catch (e) { if (e instanceof ShareError && e.code !== 'malformed') throw e; fail('notEnveloped'); }
    const rest = env.slice(1).filter((n) => n.tag !== 0xa0); // originatorInfo
    const [recipientInfos, eci] = rest;
    const ri = items(want(recipientInfos, 0x31));
    if (ri.length !== 1) fail('unsupported');
    let cek;
    if (ri[0].tag === 0x30) cek = await oaepContentKey(ri[0], key, cert);
    else if (ri[0].tag === 0xa1) cek = await ecdhContentKey(ri[0], key, cert);
    else fail('unsupported');
    const [, cAlgNode, encrypted] = items(want(eci, 0x30));
    const cAlg = algorithm(cAlgNode);
    if (!AES_CBC[cAlg.oid] || AES_CBC[cAlg.oid] !== cek.length * 8 || !encrypted || (encrypted.tag & 0xdf) !== 0x80) fail('unsupported');
    const s = subtle();
    const k = await s.importKey('raw', cek, 'AES-CBC', false, ['decrypt']);
    cek.fill(0);
    try {
      return new Uint8Array(await s.decrypt({ name: 'AES-CBC', iv: content(want(cAlg.params, 0x04)) }, k, octets(encrypted)));
    } catch (_) { return fail('corruptShare'); }
  }

  return { ShareError, readCertificate, readPrivateKey, signChallenge, openShare, base64 };
})();
