// The V8 code cache the loader keeps per command in $MGR5_ROOT/var/pmenomssl/cache/ (build/bundle.mjs):
// written by a successful run, trusted only when it is ours and private, and never a reason for a
// run to fail, whatever is in it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
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

/**
 * The loader's checksums (build/bundle.mjs, boot()): j, for a file of up to 128 kB, a multiply-xorshift
 * hash of the 32-bit (little-endian) words, then of the last bytes, from the length; z, CRC-32.
 */
function jsum(b: Buffer): number {
  let h = b.length;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) {
    h = Math.imul(h ^ b.readInt32LE(i), 16777619);
    h ^= h >>> 15;
  }
  for (; i < b.length; i++) {
    h = Math.imul(h ^ b[i]!, 16777619);
    h ^= h >>> 15;
  }
  return h;
}
const SUMS: Record<string, (b: Buffer) => number> = { j: jsum, z: (b) => zlib.crc32(b) };

/**
 * The loader's cache file: a key line that ends with the checksum's kind, the index line's checksum and
 * the texts'; an index line ([chunk, code length, text length, loaded, code checksum]…); the codes;
 * then the texts. Every checksum is checked here.
 */
interface CacheEntry {
  chunk: number;
  code: Buffer;
  text: Buffer;
  loaded: number;
}
function readCache(bytes: Buffer): { key: string; kind: string; entries: CacheEntry[] } {
  const k = bytes.indexOf(10);
  const n = bytes.indexOf(10, k + 1);
  const [kind, indexSum, textsSum] = bytes.subarray(0, k).toString('latin1').split(' ').slice(-3) as [string, string, string];
  const sum = SUMS[kind]!;
  assert.ok(sum, `a checksum of kind ${kind}`);
  assert.equal(sum(bytes.subarray(k + 1, n)), Number(indexSum), "the index line's checksum");
  const index = JSON.parse(bytes.subarray(k + 1, n).toString('latin1')) as [number, number, number, number, number][];
  let at = n + 1;
  const textsAt = at + index.reduce((total, e) => total + e[1], 0);
  let textAt = textsAt;
  const entries = index.map(([chunk, codeLength, textLength, loaded, codeSum]) => {
    const code = bytes.subarray(at, (at += codeLength));
    assert.equal(sum(code), codeSum, `chunk ${chunk}'s code checksum`);
    const text = bytes.subarray(textAt, (textAt += textLength));
    return { chunk, code, text, loaded };
  });
  assert.equal(textAt, bytes.length, 'the index accounts for every byte');
  assert.equal(sum(bytes.subarray(textsAt)), Number(textsSum), "the texts' checksum");
  return { key: bytes.subarray(0, k + 1).toString('latin1').split(' ').slice(0, -3).join(' ') + ' ', kind, entries };
}
function writeCache(key: string, kind: string, entries: CacheEntry[]): Buffer {
  const sum = SUMS[kind]!;
  const index = Buffer.from(JSON.stringify(entries.map((e) => [e.chunk, e.code.length, e.text.length, e.loaded, sum(e.code)])), 'latin1');
  const texts = Buffer.concat(entries.map((e) => e.text));
  return Buffer.concat([Buffer.from(`${key}${kind} ${sum(index)} ${sum(texts)}\n`, 'latin1'), index, Buffer.from('\n'), ...entries.map((e) => e.code), texts]);
}
/** Where the codes and the texts lie in a cache file (its index line read alone). */
function regions(bytes: Buffer): { codes: number; texts: number } {
  const k = bytes.indexOf(10);
  const n = bytes.indexOf(10, k + 1);
  const index = JSON.parse(bytes.subarray(k + 1, n).toString('latin1')) as number[][];
  return { codes: n + 1, texts: n + 1 + index.reduce((total, e) => total + e[1]!, 0) };
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

  it('a damaged cache is checked, not used (a zeroed tail of its code, a flipped byte, its texts blanked): runs exit as usual, and the file is written anew', async () => {
    const approver = (domain: string) => rig.run(['--command', 'approver', '--module', '1', '--domain', domain]);
    // features' cache is small and approver's large: the two kinds of checksum.
    for (const command of ['features', 'approver']) fs.rmSync(file(command), { force: true });
    await features();
    const listed = await approver('www.example.com');
    assert.equal(listed.code, 0, listed.stdout + listed.stderr);
    const good = { features: fs.readFileSync(file('features')), approver: fs.readFileSync(file('approver')) };
    assert.equal(readCache(good.features).kind, 'j');
    assert.equal(readCache(good.approver).kind, 'z');
    const damages: Record<string, (b: Buffer) => void> = {
      // the last 4 kB of the code caches, as a power cut can leave a file written without fsync
      'zeroed tail': (b) => b.fill(0, regions(b).texts - 4096, regions(b).texts),
      // in the first chunk's code, which every run loads
      'flipped byte': (b) => {
        b[regions(b).codes + 1000]! ^= 0x10;
      },
      'texts blanked': (b) => b.fill(0x20, regions(b).texts),
    };
    for (const [what, damage] of Object.entries(damages)) {
      for (const command of ['features', 'approver'] as const) {
        const bytes = Buffer.from(good[command]);
        damage(bytes);
        fs.writeFileSync(file(command), bytes, { mode: 0o600 });
        const damaged = fs.statSync(file(command)).ino;
        if (command === 'approver') {
          // The error path, with the damaged cache: error XML and exit 1, as usual; nothing written.
          const refused = await approver('not a domain!');
          assert.deepEqual([refused.code, refused.signal, refused.stderr], [1, null, ''], `${what}, approver's error path: ${refused.stdout}${refused.stderr}`);
          assert.match(refused.stdout, /^<doc><error type="value" object="domain"/, `${what}, approver's error path`);
          assert.equal(fs.statSync(file(command)).ino, damaged, `${what}: a failed run writes no cache`);
          const r = await approver('www.example.com');
          assert.deepEqual([r.code, r.signal, r.stderr, r.stdout], [0, null, '', listed.stdout], `${what}, approver`);
        } else {
          assert.equal(await features(), expected, `${what}, features`);
        }
        const rewritten = fs.statSync(file(command)).ino;
        assert.notEqual(rewritten, damaged, `${what}: ${command}'s cache is written anew`);
        readCache(fs.readFileSync(file(command)));
        // …and good: the next run uses it as it is.
        if (command === 'approver') assert.equal((await approver('www.example.com')).stdout, listed.stdout);
        else await features();
        assert.equal(fs.statSync(file(command)).ino, rewritten, `${what}: ${command}'s new cache is used`);
      }
    }
  });

  it('is written to a temporary file, synced, then renamed; a full disk or a short write leaves no temporary file and the old cache as it was', async () => {
    const faults = path.join(rig.root, 'disk-faults.log');
    const run = (fault: string) =>
      rig.run(['--command', 'features'], {
        env: { NODE_OPTIONS: `--require ${path.join(__dirname, 'support', 'disk-faults.cjs')}`, PMENOMSSL_TEST_DISK: fault, PMENOMSSL_TEST_DISK_LOG: faults },
      });
    const leftovers = () => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    // No fault: the calls on the temporary file, in order.
    fs.rmSync(file('features'), { force: true });
    fs.rmSync(faults, { force: true });
    const r = await run('');
    assert.deepEqual([r.code, r.stderr, r.stdout], [0, '', expected]);
    assert.deepEqual(fs.readFileSync(faults, 'utf8').trim().split('\n'), ['open', 'write', 'fsync', 'close', 'rename']);
    const good = fs.readFileSync(file('features'));
    const missing = readCache(good);
    // A full disk while the first cache is written: the run succeeds, and no file is left behind.
    fs.rmSync(file('features'));
    for (const fault of ['enospc', 'short']) {
      const first = await run(fault);
      assert.deepEqual([first.code, first.stderr, first.stdout], [0, '', expected], fault);
      assert.deepEqual(leftovers(), [], `${fault}: no temporary file left`);
      assert.equal(fs.existsSync(file('features')), false, `${fault}: nothing renamed into place`);
    }
    // …and while a cache that lacks a chunk is written anew: the old one stays, byte for byte.
    const old = writeCache(missing.key, missing.kind, missing.entries.slice(0, -1));
    for (const fault of ['enospc', 'short']) {
      fs.writeFileSync(file('features'), old, { mode: 0o600 });
      const again = await run(fault);
      assert.deepEqual([again.code, again.stderr, again.stdout], [0, '', expected], fault);
      assert.deepEqual(leftovers(), [], `${fault}: no temporary file left`);
      assert.deepEqual(fs.readFileSync(file('features')), old, `${fault}: the old cache as it was`);
    }
    // The disk has room again: the next run writes it.
    assert.equal(await features(), expected);
    assert.equal(readCache(fs.readFileSync(file('features'))).entries.length, missing.entries.length);
  });

  it('a write removes the temporary files of runs killed while writing (an hour old), and leaves a fresh one alone', async () => {
    const stale = path.join(dir, 'features.v8.4000001.tmp');
    const fresh = path.join(dir, 'approver.v8.4000002.tmp');
    fs.writeFileSync(stale, 'half a cache');
    fs.writeFileSync(fresh, 'a writer at work');
    const hourAgo = new Date(Date.now() - 3_700_000);
    fs.utimesSync(stale, hourAgo, hourAgo);
    fs.rmSync(file('features'), { force: true });
    await features();
    assert.ok(fs.existsSync(file('features')));
    assert.equal(fs.existsSync(stale), false, 'the stale temporary file is gone');
    assert.equal(fs.existsSync(fresh), true, 'a fresh one may be a live writer');
    fs.rmSync(fresh);
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
    fs.writeFileSync(file('approver'), writeCache(full.key, full.kind, full.entries.slice(0, -1)), { mode: 0o600 });
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
