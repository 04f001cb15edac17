import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decryptValue, loadCryptKey } from '../../src/billmgr/crypt';
import { ModuleError } from '../../src/billmgr/errors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-crypt-'));
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyFile = path.join(dir, 'billmgr.pem');
fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
const pubFile = path.join(dir, 'pub.pem');
fs.writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));

const encrypt = (s: string, key = publicKey) =>
  crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from(s, 'utf8')).toString('base64');

describe('crypted params (RSA PKCS#1 v1.5)', () => {
  const key = loadCryptKey(keyFile);

  it('decrypts what Node encrypts', () => {
    assert.equal(decryptValue(encrypt('S3cr3t-Pa55&word'), key, 'password'), 'S3cr3t-Pa55&word');
    assert.equal(decryptValue(encrypt('пароль ünïcode'), key, 'password'), 'пароль ünïcode');
  });

  it('decrypts what the openssl CLI encrypts (as BILLmanager hosts do)', () => {
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'from-openssl-123');
    const out = execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', pubFile, '-pkeyopt', 'rsa_padding_mode:pkcs1', '-in', plain]);
    assert.equal(decryptValue(out.toString('base64'), key, 'password'), 'from-openssl-123');
  });

  it('accepts base64 with line breaks and values spanning several blocks', () => {
    const two = Buffer.concat([
      Buffer.from(encrypt('first-half-'), 'base64'),
      Buffer.from(encrypt('second-half'), 'base64'),
    ]).toString('base64');
    assert.equal(decryptValue(two.replace(/(.{64})/g, '$1\n'), key, 'password'), 'first-half-second-half');
  });

  it('refuses a value encrypted under another key, naming the param and never the value', () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    assert.throws(
      () => decryptValue(encrypt('secret-other', other), key, 'processingcryptedparam password'),
      (e: unknown) => e instanceof ModuleError && e.type === 'value' && /processingcryptedparam password/.test(e.message) && !/secret-other/.test(e.message),
    );
  });

  it('refuses garbage, short and non-base64 values', () => {
    for (const bad of ['', 'not base64 at all!', Buffer.from('short').toString('base64'), 'A'.repeat(344)]) {
      assert.throws(() => decryptValue(bad, key, 'password'), ModuleError, `accepted ${bad.slice(0, 20)}`);
    }
  });

  it('says which key file is missing', () => {
    assert.throws(() => loadCryptKey(path.join(dir, 'absent.pem')), (e: unknown) => e instanceof ModuleError && /absent\.pem/.test(e.message));
  });
});
