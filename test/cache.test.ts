// The V8 code cache the loader keeps per command in $MGR5_ROOT/var/pmenomssl/cache/ (build/bundle.mjs):
// written by a successful run, trusted only when it is ours and private, and never a reason for a
// run to fail, whatever is in it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readChunks } from './support/chunks';
import { createRig, type Rig } from './support/rig';

let rig: Rig;
let dir = '';
before(async () => {
  rig = await createRig();
  dir = path.join(rig.root, 'var', 'pmenomssl', 'cache');
});
after(async () => rig?.close());

const file = (command: string) => path.join(dir, `${command}.v8`);
const mode = (f: string) => fs.statSync(f).mode & 0o777;

/** The loader's cache file: a key line, an index line ([chunk, code length, text length, loaded]…), the codes, then the texts. */
interface CacheEntry {
  chunk: number;
  code: Buffer;
  text: Buffer;
  loaded: number;
}
function readCache(bytes: Buffer): { key: string; entries: CacheEntry[] } {
  const k = bytes.indexOf(10);
  const n = bytes.indexOf(10, k + 1);
  const index = JSON.parse(bytes.subarray(k + 1, n).toString('latin1')) as [number, number, number, number][];
  let at = n + 1;
  let textAt = at + index.reduce((sum, e) => sum + e[1], 0);
  const entries = index.map(([chunk, codeLength, textLength, loaded]) => {
    const code = bytes.subarray(at, (at += codeLength));
    const text = bytes.subarray(textAt, (textAt += textLength));
    return { chunk, code, text, loaded };
  });
  assert.equal(textAt, bytes.length, 'the index accounts for every byte');
  return { key: bytes.subarray(0, k + 1).toString('latin1'), entries };
}
function writeCache(key: string, entries: CacheEntry[]): Buffer {
  const index = entries.map((e) => [e.chunk, e.code.length, e.text.length, e.loaded]);
  return Buffer.concat([Buffer.from(`${key}${JSON.stringify(index)}\n`, 'latin1'), ...entries.map((e) => e.code), ...entries.map((e) => e.text)]);
}

async function features(): Promise<string> {
  const r = await rig.run(['--command', 'features']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^<doc><itemtypes><itemtype name="certificate"\/>/);
  return r.stdout;
}

describe('the code cache', () => {
  let expected = '';

  it('is written by a successful run, private to its owner, and used by the next one', async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    expected = await features();
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(file('features')), 0o600);
    const written = fs.statSync(file('features')).mtimeMs;
    const bytes = fs.readFileSync(file('features'));
    assert.equal(await features(), expected);
    // Used, not rewritten: nothing was compiled afresh.
    assert.equal(fs.statSync(file('features')).mtimeMs, written);
    assert.deepEqual(fs.readFileSync(file('features')), bytes);
    // The code's own texts (its private-key patterns) do not read as a key in var/.
    assert.equal(bytes.includes('PRIVATE KEY'), false);
  });

  it('a damaged cache means compiling, never a failed run: garbage, a cut-off file, a lying index', async () => {
    const good = fs.readFileSync(file('features'));
    const lying = Buffer.from(good.toString('latin1').replace(/\n\[\[.*?\]\]\n/, '\n[[0,99999999,5],[999,1,1]]\n'), 'latin1');
    assert.notDeepEqual(lying, good, 'the index was found and changed');
    const negative = Buffer.from(good.toString('latin1').replace(/\n\[\[.*?\]\]\n/, '\n[[0,-64,0],[1,0.5,-1]]\n'), 'latin1');
    for (const damaged of [Buffer.from('not a cache at all'), good.subarray(0, good.length >> 1), good.subarray(good.length >> 1), lying, negative, Buffer.alloc(0)]) {
      fs.writeFileSync(file('features'), damaged, { mode: 0o600 });
      assert.equal(await features(), expected);
    }
    // The last run compiled and wrote a good one again.
    assert.equal(await features(), expected);
    assert.ok(fs.statSync(file('features')).size > 1000);
  });

  it('a cache missing a chunk: that one is compiled, the others kept byte for byte, texts included; the next run writes nothing', async () => {
    // approver's code (the public suffix list) is a compressed chunk: its text is in the cache too.
    const approver = () => rig.run(['--command', 'approver', '--module', '1', '--domain', 'www.example.com']);
    fs.rmSync(file('approver'), { force: true });
    const good = await approver();
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const full = readCache(fs.readFileSync(file('approver')));
    assert.ok(full.entries.some((e) => e.text.length > 0), 'a compressed chunk with its text');
    // The same file without its last chunk.
    const dropped = full.entries.at(-1)!;
    fs.writeFileSync(file('approver'), writeCache(full.key, full.entries.slice(0, -1)), { mode: 0o600 });
    assert.equal((await approver()).stdout, good.stdout);
    const again = readCache(fs.readFileSync(file('approver')));
    assert.deepEqual(
      again.entries.map((e) => e.chunk).sort((a, b) => a - b),
      full.entries.map((e) => e.chunk).sort((a, b) => a - b),
      'every chunk is back',
    );
    for (const e of full.entries) {
      if (e.chunk === dropped.chunk) continue;
      const kept = again.entries.find((x) => x.chunk === e.chunk)!;
      assert.ok(kept.code.equals(e.code) && kept.text.equals(e.text), `chunk ${e.chunk} kept as it was`);
    }
    const ino = fs.statSync(file('approver')).ino;
    assert.equal((await approver()).stdout, good.stdout);
    assert.equal(fs.statSync(file('approver')).ino, ino, 'nothing was compiled afresh, so nothing was written');
  });

  it('holds the text of every chunk the run loaded, so that a warm run reads none of the payload', async () => {
    // (A text V8 has code for is not parsed again, so a run cannot show which text it was given: the
    // cache's texts are compared with the chunks in dist/pmenomssl instead.)
    const { table, text } = readChunks();
    for (const [command, args] of [
      ['features', []],
      ['approver', ['--module', '1', '--domain', 'www.example.com']],
    ] as const) {
      fs.rmSync(file(command), { force: true });
      assert.equal((await rig.run(['--command', command, ...args])).code, 0);
      const { entries } = readCache(fs.readFileSync(file(command)));
      const loaded = entries.filter((e) => e.loaded === 1);
      assert.ok(loaded.length >= 2, `${command}: chunks loaded`);
      assert.ok(loaded.some((e) => table[e.chunk]![2] !== 1), `${command}: a plain chunk among them`);
      for (const e of loaded) assert.ok(e.text.equals(Buffer.from(text(e.chunk), 'latin1')), `${command}: chunk ${e.chunk}'s text is in the cache`);
    }
  });

  it('is not trusted when others may write it, good as it looks: it is replaced by a private one', async () => {
    // A valid cache, but one anybody could have written: a trusted one would be used as it is.
    fs.chmodSync(file('features'), 0o666);
    const planted = fs.statSync(file('features')).ino;
    assert.equal(await features(), expected);
    assert.equal(mode(file('features')), 0o600);
    assert.notEqual(fs.statSync(file('features')).ino, planted, 'rewritten, not used');
  });

  it('a symlink in its place is not followed', async () => {
    const target = path.join(rig.root, 'elsewhere.v8');
    fs.writeFileSync(target, 'precious');
    fs.rmSync(file('features'));
    fs.symlinkSync(target, file('features'));
    assert.equal(await features(), expected);
    assert.equal(fs.readFileSync(target, 'utf8'), 'precious');
  });

  it('an unwritable cache directory costs the cache, not the run', async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.writeFileSync(dir, 'a file where the directory should be');
    try {
      assert.equal(await features(), expected);
      const r = await rig.run(['--command', 'nonsense']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /<error type="value" object="command"/);
    } finally {
      fs.rmSync(dir, { force: true });
    }
  });
});
