// Certificates and private keys chosen as files, read in the page (share.js)
// and never sent: what the user chose (two files, or one PKCS#12), reading
// them, and wiping a key's bytes once it has served — for signing in, for
// the pages that sign in for one task (releasing a share, verifying the
// audit log), and for the report a member signs.
import { GgzyShare } from './share.js';

/** A private key as share.js reads it: its kind, its PKCS#8 and, for SM2, its scalar. */
export interface Key { kind: string; pkcs8?: Uint8Array; d?: Uint8Array }
/** A certificate as share.js reads it (DER base64, issuer and serial number). */
export type Certificate = ReturnType<typeof GgzyShare.readCertificate>;

/** What the user chose: a certificate and a key file, or one PKCS#12 file. */
export type Credentials =
  | { kind: 'pair'; certificate: File; key: File; password: string }
  | { kind: 'pkcs12'; file: File; password: string };

/** The state of a form's key-file fields (components/KeyFilesFields.vue). */
export interface KeyFiles {
  mode: 'pair' | 'pkcs12';
  cert: File | null;
  key: File | null;
  p12: File | null;
  password: string;
}
export const noKeyFiles = (): KeyFiles => ({ mode: 'pair', cert: null, key: null, p12: null, password: '' });

/** A PKCS#12 file, known by its name. */
export const isPkcs12 = (f: File | null): boolean => !!f && /\.(p12|pfx)$/i.test(f.name);

/** What the fields hold, as credentials; a missing file is a ShareError
 *  (`chooseFiles`, `choosePkcs12`: said as `local.*` like share.js's own). */
export function credentialsOf(k: KeyFiles): Credentials {
  if (k.mode === 'pkcs12') {
    if (!k.p12) throw new GgzyShare.ShareError('choosePkcs12');
    return { kind: 'pkcs12', file: k.p12, password: k.password };
  }
  if (!k.cert || !k.key) throw new GgzyShare.ShareError('chooseFiles');
  return { kind: 'pair', certificate: k.cert, key: k.key, password: k.password };
}

const bytesOf = async (f: File): Promise<Uint8Array> => new Uint8Array(await f.arrayBuffer());

/** Reads the certificate and the key the credentials name. */
export async function readCredentials(c: Credentials): Promise<{ certificate: Certificate; key: Key }> {
  if (c.kind === 'pkcs12') return GgzyShare.readPkcs12(await bytesOf(c.file), c.password);
  const certificate = GgzyShare.readCertificate(await bytesOf(c.certificate));
  return { certificate, key: await GgzyShare.readPrivateKey(await bytesOf(c.key), c.password) };
}

/** Overwrites a key's secret bytes; the caller drops its last reference. */
export function wipe(key: Key | null | undefined): void {
  key?.pkcs8?.fill(0);
  key?.d?.fill(0);
}

/** Runs `use` with the key, then wipes the key, whatever happened. */
export async function usingKey<T>(key: Key, use: (key: Key) => Promise<T>): Promise<T> {
  try {
    return await use(key);
  } finally {
    wipe(key);
  }
}

/** Signs a text with a key file chosen for the moment (PEM — PKCS#8,
 *  encrypted PKCS#8, PKCS#1, SEC1 — or a PKCS#12 file), as at the sign-in
 *  (RSA, P-256 or SM2); the key is wiped and dropped. */
export async function signTextWithKeyFile(keyFile: File, password: string, text: string): Promise<string> {
  const bytes = await bytesOf(keyFile);
  const key: Key = isPkcs12(keyFile)
    ? (await GgzyShare.readPkcs12(bytes, password)).key
    : await GgzyShare.readPrivateKey(bytes, password);
  return usingKey(key, (k) => GgzyShare.signChallenge(k, text));
}
