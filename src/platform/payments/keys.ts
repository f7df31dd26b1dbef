/**
 * RSA key pairs for payment signatures (RSA2 = RSA-SHA256, 2048 bits). Keys made here are PEM:
 * PKCS#8 private keys and SPKI public keys.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface RsaKeyPair {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  privateKey: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  publicKey: string;
}

export function generateRsaKeyPair(bits = 2048): RsaKeyPair {
  return generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

/**
 * The key pair kept in `<dir>/<name>-private.pem`, generated on first use. The file is created
 * exclusively (`wx`), so processes starting together agree on one key: a loser reads the winner's.
 */
export function loadOrCreateKeyPair(dir: string, name: string): RsaKeyPair {
  const file = path.join(dir, `${name}-private.pem`);
  const read = (): RsaKeyPair | null => {
    try {
      const privateKey = fs.readFileSync(file, 'utf8');
      if (!privateKey.includes('END PRIVATE KEY')) return null; // another process is still writing it
      return { privateKey, publicKey: publicKeyOf(privateKey) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };
  const existing = read();
  if (existing) return existing;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = generateRsaKeyPair();
  try {
    fs.writeFileSync(file, pair.privateKey, { flag: 'wx', mode: 0o600 });
    return pair;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    for (let i = 0; i < 50; i++) {
      const theirs = read();
      if (theirs) return theirs;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    throw new Error(`payment key ${file} exists but is unreadable`); // eslint-disable-line preserve-caught-error -- no error to attach: the file stayed unreadable
  }
}

/**
 * What `alipay-sdk` calls the key type of a private key: PKCS8 (`BEGIN PRIVATE KEY`) or PKCS1
 * (`BEGIN RSA PRIVATE KEY`). Bare base64, as Alipay's key tool prints it, is tried both ways.
 */
export function privateKeyType(key: string): 'PKCS8' | 'PKCS1' {
  if (key.includes('BEGIN PRIVATE KEY')) return 'PKCS8';
  if (key.includes('BEGIN RSA PRIVATE KEY')) return 'PKCS1';
  const der = Buffer.from(key.replace(/\s+/g, ''), 'base64');
  try {
    createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return 'PKCS8';
  } catch {
    createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
    return 'PKCS1';
  }
}
