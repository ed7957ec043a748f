// Signing a text with a key file chosen for the moment (the report a member
// signs): the key is read in the page, signs, and is dropped. The same key
// readers as the sign-in.
import { GgzyShare } from './share.js';

export async function signTextWithKeyFile(keyFile: File, password: string, text: string): Promise<string> {
  const key = await GgzyShare.readPrivateKey(new Uint8Array(await keyFile.arrayBuffer()), password);
  return GgzyShare.signChallenge(key, text);
}
