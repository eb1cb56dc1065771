// The Ed25519 checkpoint key: created once in a key dir outside the workspace, identified by a short id, trusted by verify.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AirlockError } from '../errors.js';

export interface SigningKey {
  keyId: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  privateKey: crypto.KeyObject;
}

const PRIVATE_FILE = 'signing.key';

function rawPublicKey(key: crypto.KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new AirlockError({ code: 'log.key', message: 'The checkpoint key is not an Ed25519 key.' });
  return Buffer.from(jwk.x, 'base64url');
}

/** First 16 hex digits of SHA-256 of the raw public key. */
export function keyIdOf(publicKey: crypto.KeyObject): string {
  return crypto.hash('sha256', rawPublicKey(publicKey), 'hex').slice(0, 16);
}

/** Loads the key dir's signing key, creating it (mode 0600, dir 0700) on first use; safe against a concurrent creator. */
export function loadOrCreateSigningKey(keyDir: string): SigningKey {
  const file = path.join(keyDir, PRIVATE_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(tmp, file); // atomic, and fails if another process won the race: then its key is used
      fs.writeFileSync(path.join(keyDir, `${keyIdOf(publicKey)}.pub`), publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(fs.readFileSync(file));
  } catch (err) {
    throw new AirlockError({ code: 'log.key', message: `Cannot read the checkpoint signing key ${file}: ${(err as Error).message}` });
  }
  const publicKey = crypto.createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), publicKey: rawPublicKey(publicKey).toString('base64'), privateKey };
}

/** Parsed keys by file identity, so verifying many logs against one key dir parses each key once. */
const parsedKeys = new Map<string, { stamp: string; key: crypto.KeyObject | undefined }>();

function parseKeyFile(file: string, name: string): crypto.KeyObject | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  const cached = parsedKeys.get(file);
  if (cached && cached.stamp === stamp) return cached.key;
  let key: crypto.KeyObject | undefined;
  try {
    const text = fs.readFileSync(file);
    if (name.endsWith('.pub')) key = crypto.createPublicKey(text);
    else if (name === PRIVATE_FILE) key = crypto.createPublicKey(crypto.createPrivateKey(text));
    if (key && key.asymmetricKeyType !== 'ed25519') key = undefined;
  } catch {
    key = undefined; // an unreadable or foreign file in the key dir is simply not a trusted key
  }
  parsedKeys.set(file, { stamp, key });
  return key;
}

/** Every public key the verifier trusts: the `*.pub` files of the key dir and the public half of its signing key. */
export function trustedKeys(keyDir: string): Map<string, crypto.KeyObject> {
  const keys = new Map<string, crypto.KeyObject>();
  let names: string[];
  try {
    names = fs.readdirSync(keyDir);
  } catch {
    return keys;
  }
  for (const name of names) {
    if (!name.endsWith('.pub') && name !== PRIVATE_FILE) continue;
    const key = parseKeyFile(path.join(keyDir, name), name);
    if (key) keys.set(keyIdOf(key), key);
  }
  return keys;
}

/** Public keys given as files (PEM, e.g. from `airlock keys export`), for verifying logs written on another machine. */
export function keysFromFiles(files: readonly string[]): Map<string, crypto.KeyObject> {
  const keys = new Map<string, crypto.KeyObject>();
  for (const file of files) {
    let key: crypto.KeyObject;
    try {
      key = crypto.createPublicKey(fs.readFileSync(file));
    } catch (err) {
      throw new AirlockError({ code: 'log.key', message: `Cannot read the public key ${file}: ${(err as Error).message}`, place: { file } });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new AirlockError({ code: 'log.key', message: `${file} is not an Ed25519 public key (export one with \`airlock keys export\`).`, place: { file } });
    }
    keys.set(keyIdOf(key), key);
  }
  return keys;
}

export function signCheckpoint(key: SigningKey, message: Buffer): string {
  return crypto.sign(null, message, key.privateKey).toString('base64');
}

export function checkSignature(key: crypto.KeyObject, message: Buffer, sigBase64: string): boolean {
  try {
    return crypto.verify(null, message, key, Buffer.from(sigBase64, 'base64'));
  } catch {
    return false;
  }
}
