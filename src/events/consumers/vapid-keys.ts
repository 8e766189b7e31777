import { encodeBase64Url } from "./base64";

export interface VapidKeyPair {
  /** base64url of the uncompressed P-256 point (65 bytes, 0x04 first): VAPID_PUBLIC_KEY. */
  publicKey: string;
  /** base64url of the 32-byte private scalar: VAPID_PRIVATE_KEY. */
  privateKey: string;
}

/**
 * A fresh VAPID key pair (RFC 8292 §3.2) in the format of VAPID_PUBLIC_KEY /
 * VAPID_PRIVATE_KEY. Web Crypto only, so it runs in Node (the dev script) and in workerd.
 */
export async function generateVapidKeys(): Promise<VapidKeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  if (!jwk.d) throw new Error("the runtime exported no private scalar");
  return { publicKey: encodeBase64Url(raw), privateKey: jwk.d };
}
