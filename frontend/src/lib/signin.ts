// Signing in with a certificate in the page. The certificate and private key
// are read from files chosen by the user; the key is imported into WebCrypto
// (or, for SM2, used by the SM2/SM3 library) only to sign the server's
// challenge, then dropped: it is never sent, never stored.
import { GgzyShare } from './share.js';
import { call, post } from './api';
import { session, type LoginResult } from './session';

export interface Challenge { id: string; challenge: string; expires_at?: string }

/** Reads the two files, signs a fresh challenge and starts the portal's session. */
export async function signInWithFiles(certFile: File, keyFile: File, password: string): Promise<LoginResult> {
  const certificate = await GgzyShare.readCertificate(new Uint8Array(await certFile.arrayBuffer()));
  const key = await GgzyShare.readPrivateKey(new Uint8Array(await keyFile.arrayBuffer()), password);
  const challenge = await post<Challenge>('/api/v1/auth/challenges', {}, { auth: false });
  const signature = await GgzyShare.signChallenge(key, challenge.challenge);
  const result = await post<LoginResult>('/api/v1/auth/login', {
    challenge_id: challenge.id, certificate: certificate.base64, signature, format: 'raw',
  }, { auth: false });
  session.start(result);
  return result;
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function signOut(): Promise<void> {
  const token = session.token;
  session.clear();
  if (!token) return;
  try { await call('DELETE', '/api/v1/auth/session', { token }); } catch { /* it expires anyway */ }
}
