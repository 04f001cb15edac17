// The chunks inside dist/pmenomssl (build/bundle.mjs): the cold modules are whole modules of their own,
// loadable when first required, and their text is nowhere else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { readChunks } from './support/chunks';
import { BINARY } from './support/rig';

/** Runs a chunk as the loader does, with Node's require for what it needs. */
function loadChunk(code: string): unknown {
  const mod = { exports: {} as unknown };
  const req = createRequire(__filename);
  const fn = vm.runInThisContext(code) as (e: unknown, r: NodeRequire, m: unknown, f: string, d: string) => void;
  fn.call(mod.exports, mod.exports, ((spec: string) => {
    if (spec.startsWith('pmenomssl-cold:') || spec.startsWith('./')) throw new Error(`a cold module requires ${spec}`);
    return req(spec);
  }) as NodeRequire, mod, BINARY, '/');
  return mod.exports;
}

describe('dist/pmenomssl: cold modules', () => {
  const { names, text, count } = readChunks();
  const coldOf = (name: string) => {
    const i = names[`pmenomssl-cold:${name}`];
    assert.ok(i !== undefined, `no cold chunk ${name}`);
    return text(i);
  };

  it("mysql2's error table: a whole module, and the only chunk that holds its names", () => {
    const errors = loadChunk(coldOf('mysql2-errors')) as Record<string | number, unknown>;
    assert.equal(errors.ER_ACCESS_DENIED_ERROR, 1045);
    assert.equal(errors[1045], 'ER_ACCESS_DENIED_ERROR');
    const holders = [...Array(count).keys()].filter((i) => text(i).includes('ER_DUP_ENTRY_WITH_KEY_NAME'));
    assert.deepEqual(holders, [names['pmenomssl-cold:mysql2-errors']]);
  });

  it('iconv-lite: decodes a character set other than UTF-8, and is in no other chunk', () => {
    const iconv = loadChunk(coldOf('iconv-lite')) as { getDecoder(e: string): { write(b: Buffer): string }; getEncoder(e: string): { write(s: string): Buffer } };
    assert.equal(iconv.getDecoder('cp1251').write(Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2])), 'Привет');
    assert.deepEqual([...iconv.getEncoder('latin1').write('é')], [0xe9]);
    assert.equal(iconv.getDecoder('cesu8').write(Buffer.from('10.11.6-MariaDB', 'latin1')), '10.11.6-MariaDB');
    const holders = [...Array(count).keys()].filter((i) => text(i).includes('windows1251'));
    assert.deepEqual(holders, [names['pmenomssl-cold:iconv-lite']]);
  });

  it('long: 64-bit integers', () => {
    const Long = loadChunk(coldOf('long')) as new (lo: number, hi: number, unsigned?: boolean) => { toString(): string };
    assert.equal(new Long(0xffffffff, 0x7fffffff, false).toString(), '9223372036854775807');
    assert.equal(new Long(0, 0x80000000, true).toString(), '9223372036854775808');
  });
});
