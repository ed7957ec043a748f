// Signing in with a certificate in the page. The certificate and private key
// are read from files chosen by the user (two files, or one PKCS#12); the key
// is imported into WebCrypto (or, for SM2, used by the SM2/SM3 library) only
// to sign the server's challenge, then dropped: it is never sent, never
// stored. Or, over HTTPS, the certificate the browser presented on this
// connection (mutual TLS) signs in with no file at all.
import { GgzyShare } from './share.js';
import { call, post } from './api';
import { session, type LoginResult } from './session';

export interface Challenge { id: string; challenge: string; expires_at?: string }

/** What the user chose: a certificate and a key file, or one PKCS#12 file. */
export type Credentials =
  | { kind: 'pair'; certificate: File; key: File; password: string }
  | { kind: 'pkcs12'; file: File; password: string };

interface Key { kind: string; pkcs8?: Uint8Array; d?: Uint8Array }

const bytesOf = async (f: File): Promise<Uint8Array> => new Uint8Array(await f.arrayBuffer());

/** Reads the files, signs a fresh challenge and starts the portal's session. */
export async function signIn(c: Credentials): Promise<LoginResult> {
  let certificate: { base64: string };
  let key: Key | null;
  if (c.kind === 'pkcs12') {
    ({ certificate, key } = await GgzyShare.readPkcs12(await bytesOf(c.file), c.password));
  } else {
    certificate = GgzyShare.readCertificate(await bytesOf(c.certificate));
    key = await GgzyShare.readPrivateKey(await bytesOf(c.key), c.password);
  }
  let signature: string;
  let challenge: Challenge;
  try {
    challenge = await post<Challenge>('/api/v1/auth/challenges', {}, { auth: false });
    signature = await GgzyShare.signChallenge(key, challenge.challenge);
  } finally {
    // The key's bytes are overwritten and the last reference dropped.
    key?.pkcs8?.fill(0);
    key?.d?.fill(0);
    key = null;
  }
  const result = await post<LoginResult>('/api/v1/auth/login', {
    challenge_id: challenge.id, certificate: certificate.base64, signature, format: 'raw',
  }, { auth: false });
  session.start(result);
  return result;
}

/** A session got with a certificate's key, and the key's material for the page that asked. */
export interface KeyLogin extends LoginResult {
  /** The certificate as share.js reads it (DER base64, issuer and serial number). */
  certificate: ReturnType<typeof GgzyShare.readCertificate>;
  /** The private key, kept by the caller for as long as it needs it (a share to decrypt). */
  privateKey: Awaited<ReturnType<typeof GgzyShare.readPrivateKey>>;
}

/**
 * Reads the two files and signs a fresh challenge, without making the result
 * the portal's session: for a page that needs a session of its own for one
 * task (releasing a share, verifying the audit log) and ends it when done.
 */
export async function loginWithFiles(certFile: File, keyFile: File, password: string): Promise<KeyLogin> {
  const certificate = await GgzyShare.readCertificate(new Uint8Array(await certFile.arrayBuffer()));
  const privateKey = await GgzyShare.readPrivateKey(new Uint8Array(await keyFile.arrayBuffer()), password);
  const challenge = await post<Challenge>('/api/v1/auth/challenges', {}, { auth: false });
  const signature = await GgzyShare.signChallenge(privateKey, challenge.challenge);
  const result = await post<LoginResult>('/api/v1/auth/login', {
    challenge_id: challenge.id, certificate: certificate.base64, signature, format: 'raw',
  }, { auth: false });
  return { ...result, certificate, privateKey };
}

/** Kept for callers of the first version: two files. */
export function signInWithFiles(certFile: File, keyFile: File, password: string): Promise<LoginResult> {
  return signIn({ kind: 'pair', certificate: certFile, key: keyFile, password });
}

/** Mutual TLS is offered only where there can be a client certificate: over HTTPS. */
export const mtlsAvailable = (): boolean => location.protocol === 'https:';

/** Signs in with the client certificate of this HTTPS connection. */
export async function signInWithConnection(): Promise<LoginResult> {
  const result = await post<LoginResult>('/api/v1/auth/mtls', undefined, { auth: false });
  session.start(result);
  return result;
}

/** Ends a session that is not the portal's (one of loginWithFiles); whether it could be ended. */
export async function endSession(token: string): Promise<boolean> {
  if (token === session.token) return false; // the portal's own: only signOut ends it
  try { await call('DELETE', '/api/v1/auth/session', { token }); return true; } catch { return false; }
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function signOut(): Promise<void> {
  const token = session.token;
  if (!token) { session.clear(); return; }
  // The server ends the session first (a few seconds at most), so that
  // "signed out" on the page means the token no longer works; then, ended
  // or not (it expires anyway), the page forgets it.
  try { await call('DELETE', '/api/v1/auth/session', { token, signal: AbortSignal.timeout(5000) }); } catch { /* it expires anyway */ }
  session.clear();
}

/** Where to go after signing in: a page of the portal named by `?next=`, never elsewhere. */
export function nextPage(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return '/';
  return next.startsWith('/sign-in') ? '/' : next;
}
