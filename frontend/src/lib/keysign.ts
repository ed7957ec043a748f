// Signing a text with a key file chosen for the moment (the report a member
// signs): the key is read in the page (PEM — PKCS#8, encrypted PKCS#8,
// PKCS#1, SEC1 — or a PKCS#12 file), signs (RSA, P-256 or SM2, as at the
// sign-in), and is wiped and dropped.
import { GgzyShare } from './share.js';

interface Key { kind: string; pkcs8?: Uint8Array; d?: Uint8Array }

export async function signTextWithKeyFile(keyFile: File, password: string, text: string): Promise<string> {
  const bytes = new Uint8Array(await keyFile.arrayBuffer());
  const pkcs12 = /\.(p12|pfx)$/i.test(keyFile.name);
  let key: Key | null = pkcs12
    ? (await GgzyShare.readPkcs12(bytes, password)).key
    : await GgzyShare.readPrivateKey(bytes, password);
  try {
    return await GgzyShare.signChallenge(key, text);
  } finally {
    key?.pkcs8?.fill(0);
    key?.d?.fill(0);
    key = null;
  }
}
