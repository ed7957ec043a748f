// Signing in with a certificate in the page. The certificate and private key
// are read from files chosen by the user; the key is imported into WebCrypto
// (or, for SM2, used by the SM2/SM3 library) only to sign the server's
// challenge, then dropped: it is never sent, never stored.
import { GgzyShare } from './share.js';
import { call, post } from './api';
import { session, type LoginResult } from './session';

export interface Challenge { id: string; challenge: string; expires_at?: string }

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

/** Reads the two files, signs a fresh challenge and starts the portal's session. */
export async function signInWithFiles(certFile: File, keyFile: File, password: string): Promise<LoginResult> {
  const { token, session: info, principal } = await loginWithFiles(certFile, keyFile, password);
  const result = { token, session: info, principal };
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
  session.clear();
  if (!token) return;
  try { await call('DELETE', '/api/v1/auth/session', { token }); } catch { /* it expires anyway */ }
}
