// Signing in with a certificate in the page. The certificate and private key
// are read from files chosen by the user (two files, or one PKCS#12); the key
// is imported into WebCrypto (or, for SM2, used by the SM2/SM3 library) only
// to sign the server's challenge, then dropped: it is never sent, never
// stored. Or, over HTTPS, the certificate the browser presented on this
// connection (mutual TLS) signs in with no file at all.
import { GgzyShare } from './share.js';
import { call, post } from './api';
import { session, type LoginResult } from './session';
import { readCredentials, wipe, type Certificate, type Credentials, type Key } from './keyfiles';

export interface Challenge { id: string; challenge: string; expires_at?: string }

/** A session got with a certificate's key, and the key's material for the page that asked. */
export interface KeyLogin extends LoginResult {
  /** The certificate as share.js reads it (DER base64, issuer and serial number). */
  certificate: Certificate;
  /** The private key, for as long as the caller needs it (a share to
   *  decrypt): the caller wipes it (keyfiles.ts, `wipe` or `usingKey`). */
  privateKey: Key;
}

/**
 * Reads the files and signs a fresh challenge, without making the result
 * the portal's session: for a page that needs a session of its own for one
 * task (releasing a share, verifying the audit log) and ends it when done.
 * The key is wiped here if the login fails.
 */
export async function loginWithFiles(c: Credentials): Promise<KeyLogin> {
  const { certificate, key } = await readCredentials(c);
  try {
    const challenge = await post<Challenge>('/api/v1/auth/challenges', {}, { auth: false });
    const signature = await GgzyShare.signChallenge(key, challenge.challenge);
    const result = await post<LoginResult>('/api/v1/auth/login', {
      challenge_id: challenge.id, certificate: certificate.base64, signature, format: 'raw',
    }, { auth: false });
    return { ...result, certificate, privateKey: key };
  } catch (e) {
    wipe(key);
    throw e;
  }
}

/** Reads the files, signs a fresh challenge and starts the portal's session;
 *  the key is wiped and dropped. */
export async function signIn(c: Credentials): Promise<LoginResult> {
  const { certificate: _certificate, privateKey, ...result } = await loginWithFiles(c);
  wipe(privateKey);
  session.start(result);
  return result;
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
  // An API token (an operator's, views/operator/OperatorHome.vue) is no
  // certificate session: the page only forgets it, the token stays valid.
  if (!token || !session.info) { session.clear(); return; }
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
