// Certificates and private keys read in the browser, for signing in and for
// releasing an opening-key share. The private key is read from a file into
// WebCrypto, never sent anywhere: it signs the login challenge and decrypts
// the share, a CMS EnvelopedData (RFC 5652) made by the platform with
// RSAES-OAEP (RFC 3560) or ECDH with the X9.63 KDF and AES key wrap (RFC
// 5753), content in AES-CBC. Keys come as PEM (PKCS#8, encrypted PKCS#8,
// PKCS#1, SEC1) or inside a PKCS#12 file (RFC 7292) with the certificate.
// Every cryptographic operation is WebCrypto's, except SM2 signing (GB/T
// 32918, which WebCrypto lacks): that is sm-crypto-v2's, loaded only when an
// SM2 key is used. This file only reads and writes DER and puts the steps in
// order.
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
    pbes2: '1.2.840.113549.1.5.13', pbkdf2: '1.2.840.113549.1.5.12', pbmac1: '1.2.840.113549.1.5.14',
    // SM2's curve (GB/T 32918, GM/T 0006), named in an EC key's parameters,
    // or (by some tools) as the key's algorithm itself.
    sm2: '1.2.156.10197.1.301',
    // PKCS#12 (RFC 7292) and the PKCS#7 content types it wraps its parts in.
    data: '1.2.840.113549.1.7.1', encryptedData: '1.2.840.113549.1.7.6',
    keyBag: '1.2.840.113549.1.12.10.1.1', shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
    certBag: '1.2.840.113549.1.12.10.1.3', x509Certificate: '1.2.840.113549.1.9.22.1',
    localKeyId: '1.2.840.113549.1.9.21',
  };
  // Password-based encryption older than PBES2: PKCS#12's own (RC4, 3DES,
  // RC2, RFC 7292 appendix C) and PBES1 (RFC 8018 §6.1). What openssl's
  // -legacy writes; WebCrypto has none of these ciphers.
  const isLegacyPbe = (o) => o.startsWith('1.2.840.113549.1.12.1.')
    || ['1.2.840.113549.1.5.1', '1.2.840.113549.1.5.3', '1.2.840.113549.1.5.4',
      '1.2.840.113549.1.5.6', '1.2.840.113549.1.5.10', '1.2.840.113549.1.5.11'].includes(o);
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

  // PBES2 (RFC 8018 §6.2) with PBKDF2 and AES-CBC: `alg` is its
  // AlgorithmIdentifier, the password is taken as UTF-8 (as openssl does).
  // A wrong password shows as bad padding or, rarely, as plaintext that is
  // not DER: both are said to be the password's fault.
  async function pbes2Decrypt(alg, ciphertext, password) {
    const scheme = algorithm(alg);
    if (isLegacyPbe(scheme.oid)) fail('legacyEncryption');
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
    try { plain = new Uint8Array(await s.decrypt({ name: 'AES-CBC', iv }, key, ciphertext)); } catch (_) { fail('wrongPassword'); }
    try { root(plain); } catch (_) { fail('wrongPassword'); }
    return plain;
  }

  // An EncryptedPrivateKeyInfo (RFC 5958 §3): its PKCS#8, decrypted.
  async function decryptPkcs8(der, password) {
    if (!password) fail('needPassword');
    const [alg, data] = items(want(root(der), 0x30));
    return pbes2Decrypt(alg, content(want(data, 0x04)), password);
  }

  // What a PKCS#8 PrivateKeyInfo holds: RSA, EC on P-256 or P-384 (for
  // WebCrypto), or SM2 (its private scalar, for the SM2 library).
  function keyOfPkcs8(der) {
    const [, alg, privateKey] = items(want(root(der), 0x30));
    const { oid: keyOid, params } = algorithm(alg);
    if (keyOid === OID.rsaEncryption) return { kind: 'rsa', pkcs8: der };
    const curve = params?.tag === 0x06 ? oid(params) : null;
    if ((keyOid === OID.ecPublicKey && curve === OID.sm2) || keyOid === OID.sm2) {
      // ECPrivateKey (RFC 5915): version 1, the scalar, [0] parameters, [1] public key.
      const [, scalar] = items(want(root(content(want(privateKey, 0x04))), 0x30));
      const d = content(want(scalar, 0x04));
      if (!d.length || d.length > 32) fail('malformed');
      const padded = new Uint8Array(32);
      padded.set(d, 32 - d.length);
      return { kind: 'sm2', d: padded, pkcs8: der };
    }
    if (keyOid === OID.ecPublicKey && CURVES[curve]) return { kind: 'ec', curve: CURVES[curve], pkcs8: der };
    return fail('keyKind');
  }

  // Reads a PEM private key: PKCS#8 (plain, or encrypted with PBES2 and a
  // password), PKCS#1 RSA or SEC1 EC. Returns its kind and its PKCS#8 (and,
  // for SM2, its private scalar `d`).
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
    return keyOfPkcs8(der);
  }

  // ---------- PKCS#12 ----------
  // The PKCS#12 key derivation (RFC 7292 appendix B.2), for the MAC's key
  // only (id 3, one hash's length): the password as a BMPString with its
  // two-zero terminator, salt and password each repeated to whole blocks.
  async function pkcs12MacKey(hash, password, salt, iterations) {
    const v = hash === 'SHA-384' || hash === 'SHA-512' ? 128 : 64;
    const u = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }[hash];
    const fill = (src) => {
      const out = new Uint8Array(src.length ? v * Math.ceil(src.length / v) : 0);
      for (let i = 0; i < out.length; i++) out[i] = src[i % src.length];
      return out;
    };
    const I = new Uint8Array([...fill(salt), ...fill(password)]);
    let a = new Uint8Array([...new Uint8Array(v).fill(3), ...I]);
    for (let i = 0; i < iterations; i++) a = new Uint8Array(await subtle().digest(hash, a));
    return a.subarray(0, u);
  }
  const bmpString = (text) => {
    const out = new Uint8Array(text.length * 2 + 2);
    for (let i = 0; i < text.length; i++) { out[2 * i] = text.charCodeAt(i) >> 8; out[2 * i + 1] = text.charCodeAt(i) & 0xff; }
    return out;
  };

  // The MAC over the PFX's contents (RFC 7292 §4): the password's first
  // check. HMAC keyed by the PKCS#12 KDF, or PBMAC1 (RFC 9579) with PBKDF2.
  async function checkPkcs12Mac(macData, authData, password) {
    const [digestInfo, saltNode, iterNode] = items(want(macData, 0x30));
    const [algNode, digestNode] = items(want(digestInfo, 0x30));
    const alg = algorithm(algNode);
    const digest = content(want(digestNode, 0x04));
    const s = subtle();
    const candidates = [];
    if (alg.oid === OID.pbmac1) {
      const [kdfNode, macNode] = items(want(alg.params, 0x30));
      const kdf = algorithm(kdfNode);
      const hmacHash = HMACS[algorithm(macNode).oid];
      if (kdf.oid !== OID.pbkdf2 || !hmacHash) fail('pkcs12Unsupported');
      const [salt, iter, ...rest] = items(want(kdf.params, 0x30));
      const length = rest.find((n) => n.tag === 0x02);
      const prfNode = rest.find((n) => n.tag === 0x30);
      const prf = prfNode ? HMACS[algorithm(prfNode).oid] : 'SHA-1';
      if (!length || !prf) fail('pkcs12Unsupported');
      const base = await s.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
      const bits = await s.deriveBits({ name: 'PBKDF2', salt: content(want(salt, 0x04)), iterations: smallInt(iter), hash: prf }, base, smallInt(length) * 8);
      candidates.push({ hash: hmacHash, key: new Uint8Array(bits) });
    } else {
      const hash = HASHES[alg.oid];
      if (!hash) fail('pkcs12Unsupported');
      const salt = content(want(saltNode, 0x04));
      const iterations = iterNode ? smallInt(iterNode) : 1;
      candidates.push({ hash, key: await pkcs12MacKey(hash, bmpString(password), salt, iterations) });
      // An empty password is also tried as no password at all, as openssl does.
      if (!password) candidates.push({ hash, key: await pkcs12MacKey(hash, new Uint8Array(0), salt, iterations) });
    }
    for (const c of candidates) {
      const k = await s.importKey('raw', c.key, { name: 'HMAC', hash: c.hash }, false, ['verify']);
      if (await s.verify('HMAC', k, digest, authData)) return;
    }
    fail(password ? 'wrongPassword' : 'needPassword');
  }

  // Reads a PKCS#12 file (.p12, .pfx) holding a certificate and its private
  // key, in password integrity mode with PBES2 privacy, as openssl 3 writes
  // by default. Older files (3DES, RC2) are refused with the command that
  // converts them. Returns the certificate (as readCertificate does) and the
  // key (as readPrivateKey does).
  async function readPkcs12(bytes, password) {
    let pfx;
    try {
      pfx = items(want(root(bytes), 0x30));
      if (smallInt(pfx[0]) !== 3) fail('notPkcs12');
    } catch (_) { fail('notPkcs12'); }
    const [, authSafe, macData] = pfx;
    const [ctype, explicit] = items(want(authSafe, 0x30));
    if (oid(ctype) !== OID.data) fail('pkcs12Unsupported'); // public-key integrity mode
    const authData = octets(items(want(explicit, 0xa0))[0]);
    const infos = items(want(root(authData), 0x30)).map((info) => {
      const [type, value] = items(want(info, 0x30));
      return { type: oid(type), value: value && items(want(value, 0xa0))[0] };
    });
    const bagsOf = (der) => items(want(root(der), 0x30)).map((bag) => {
      const [id, value, attributes] = items(want(bag, 0x30));
      return { id: oid(id), value: items(want(value, 0xa0))[0], attributes };
    });
    // Legacy ciphers first: whatever the password, the browser cannot open them.
    for (const info of infos) {
      if (info.type === OID.encryptedData) {
        const [, eci] = items(want(info.value, 0x30));
        if (isLegacyPbe(algorithm(items(want(eci, 0x30))[1]).oid)) fail('legacyPkcs12');
      } else if (info.type === OID.data) {
        for (const bag of bagsOf(octets(info.value))) {
          if (bag.id === OID.shroudedKeyBag && isLegacyPbe(algorithm(items(want(bag.value, 0x30))[0]).oid)) fail('legacyPkcs12');
        }
      } else fail('pkcs12Unsupported');
    }
    if (macData) await checkPkcs12Mac(macData, authData, password);
    const keyId = (attributes) => {
      for (const attr of attributes ? items(want(attributes, 0x31)) : []) {
        const [id, values] = items(want(attr, 0x30));
        if (oid(id) === OID.localKeyId) return content(items(want(values, 0x31))[0]);
      }
      return null;
    };
    const certs = [];
    const keys = [];
    for (const info of infos) {
      let safeContents;
      if (info.type === OID.data) safeContents = octets(info.value);
      else {
        const [, eci] = items(want(info.value, 0x30));
        const [, alg, encrypted] = items(want(eci, 0x30));
        if (!encrypted || (encrypted.tag & 0xdf) !== 0x80) fail('notPkcs12');
        safeContents = await pbes2Decrypt(alg, octets(encrypted), password);
      }
      for (const bag of bagsOf(safeContents)) {
        const id = keyId(bag.attributes);
        if (bag.id === OID.certBag) {
          const [type, value] = items(want(bag.value, 0x30));
          if (oid(type) === OID.x509Certificate) certs.push({ der: octets(items(want(value, 0xa0))[0]), id });
        } else if (bag.id === OID.keyBag) {
          keys.push({ der: encoded(bag.value), id });
        } else if (bag.id === OID.shroudedKeyBag) {
          const [alg, data] = items(want(bag.value, 0x30));
          keys.push({ der: await pbes2Decrypt(alg, content(want(data, 0x04)), password), id });
        }
      }
    }
    if (!keys.length) fail('noPrivateKey');
    if (!certs.length) fail('notCertificate');
    // The certificate of the key: the one with the key's local key ID, else
    // the first (openssl puts the end entity's first, its chain after).
    const key = keys[0];
    const cert = (key.id && certs.find((c) => c.id && equal(c.id, key.id))) || certs[0];
    return { certificate: readCertificate(cert.der), key: keyOfPkcs8(key.der) };
  }

  // ---------- signing the login challenge ----------
  // The raw signature the platform's challenge login takes: RSA PKCS#1 v1.5
  // or ECDSA (DER) over SHA-256 of the challenge text; or SM2 over SM3 with
  // the signer's Z value for the default ID 1234567812345678 (GB/T 32918.2
  // §6.1, GM/T 0009 §10), DER, as `openssl dgst -sm3 -sign key.pem -sigopt
  // distid:1234567812345678` makes it.
  async function signChallenge(key, text) {
    const data = new TextEncoder().encode(text);
    if (key.kind === 'sm2') {
      // sm-crypto-v2 draws its nonce from crypto.getRandomValues: without it, no signing.
      if (typeof globalThis.crypto?.getRandomValues !== 'function') fail('noWebCrypto');
      const { sm2 } = await import('sm-crypto-v2');
      const hex = Array.from(key.d, (b) => b.toString(16).padStart(2, '0')).join('');
      const rs = sm2.doSignature(data, hex, { hash: true, der: false, userId: '1234567812345678' });
      if (!/^[0-9a-f]{128}$/.test(rs)) fail('malformed');
      const bytes = Uint8Array.from(rs.match(/../g), (h) => parseInt(h, 16));
      return base64(encode(0x30, encodeUnsigned(bytes.subarray(0, 32)), encodeUnsigned(bytes.subarray(32))));
    }
    const s = subtle();
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

  return { ShareError, readCertificate, readPrivateKey, readPkcs12, signChallenge, openShare, base64 };
})();
