/**
 * Alipay's RSA2 signature scheme, written out for the side that plays Alipay (the simulator):
 * parameters sorted by name, `k=v` joined with `&`, RSA-SHA256, base64. Our own side of the
 * protocol (signing requests, verifying notifies, returns and responses) goes through
 * `alipay-sdk`, so the simulator checks the SDK and the SDK checks the simulator.
 */
import { createSign, createVerify, type KeyObject } from 'node:crypto';

/** PEM text, or a KeyObject decoded once (much cheaper per signature). */
export type Key = string | KeyObject;

/** The string Alipay signs: every non-empty parameter except `exclude`, by name, `k=v&k=v`. */
export function signContent(params: Record<string, string>, exclude: readonly string[]): string {
  return Object.keys(params)
    .filter((key) => !exclude.includes(key) && params[key] !== undefined && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKey: Key): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKey: Key): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** Signs what Alipay sends (async notifies, sync returns): `sign` and `sign_type` are not signed. */
export function signAsAlipay(params: Record<string, string>, alipayPrivateKey: Key): Record<string, string> {
  const unsigned = { ...params, sign_type: 'RSA2' };
  return { ...unsigned, sign: rsa2Sign(signContent(unsigned, ['sign', 'sign_type']), alipayPrivateKey) };
}

/** Checks a merchant's gateway request as Alipay does: everything but `sign` is signed (sign_type included). */
export function verifyMerchantRequest(params: Record<string, string>, appPublicKey: Key): boolean {
  if (params.sign_type !== 'RSA2' || !params.sign) return false;
  return rsa2Verify(signContent(params, ['sign']), params.sign, appPublicKey);
}

/** A gateway answer as Alipay writes it: `{"<method>_response":{…},"sign":"…"}`, the sign over the exact inner JSON. */
export function signedGatewayResponse(method: string, body: Record<string, unknown>, alipayPrivateKey: Key): string {
  const inner = JSON.stringify(body);
  const key = `${method.replaceAll('.', '_')}_response`;
  return `{"${key}":${inner},"sign":"${rsa2Sign(inner, alipayPrivateKey)}"}`;
}
