// BILLmanager's `crypted` params: base64 of RSA PKCS#1 v1.5 ciphertext under etc/billmgr.pem.
//
// Node ≥ 20.11 refuses privateDecrypt with RSA_PKCS1_PADDING (CVE-2023-46809, a timing oracle for
// servers that decrypt attacker-chosen ciphertexts). We are not such a server: we decrypt values the
// billing database hands us. So we ask OpenSSL for the raw RSA block (RSA_NO_PADDING, allowed
// everywhere) and check and strip the v1.5 type-2 padding here, instead of spawning `openssl pkeyutl`
// per value or requiring `--security-revert` in the shebang.
import { constants, createPrivateKey, privateDecrypt, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ModuleError } from './errors';

export function loadCryptKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModuleError('billmgr', `cannot read BILLmanager's crypt key ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      object: 'cryptkey',
      value: file,
    });
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw new ModuleError('billmgr', `BILLmanager's crypt key ${file} is not a usable private key`, { object: 'cryptkey', value: file });
  }
}

function unpadBlock(block: Buffer): Buffer {
  // EM = 0x00 || 0x02 || PS (≥ 8 non-zero bytes) || 0x00 || M
  if (block.length < 11 || block[0] !== 0x00 || block[1] !== 0x02) throw new Error('bad padding');
  const sep = block.indexOf(0x00, 2);
  if (sep < 10) throw new Error('bad padding');
  return block.subarray(sep + 1);
}

/** Decrypts one crypted value. `what` names it in the error (never the value itself). */
export function decryptValue(b64: string, key: KeyObject, what: string): string {
  const clean = b64.replace(/\s+/g, '');
  const data = Buffer.from(clean, 'base64');
  const size = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const fail = (why: string) =>
    new ModuleError('value', `cannot decrypt ${what}: ${why}`, { object: what, value: 'undecryptable' });
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || data.length === 0) throw fail('not base64');
  if (size === 0 || data.length % size !== 0) throw fail(`ciphertext is ${data.length} bytes, not a multiple of the ${size}-byte key`);
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += size) {
    try {
      const block = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, data.subarray(off, off + size));
      parts.push(unpadBlock(block));
    } catch {
      throw fail('wrong key or corrupted value');
    }
  }
  return Buffer.concat(parts).toString('utf8');
}
