// The V8 code cache the loader keeps per command in $MGR5_ROOT/var/pmenomssl/cache/ (build/bundle.mjs):
// written by a successful run, trusted only when it is ours and private, and never a reason for a
// run to fail, whatever is in it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
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
    // An opaque blob: the code's own texts (its private-key patterns) do not read as such in var/.
    assert.equal(bytes.includes('PRIVATE KEY'), false);
  });

  it('a damaged cache means compiling, never a failed run: garbage, a cut-off file, a lying index', async () => {
    const good = fs.readFileSync(file('features'));
    const lying = Buffer.from(Buffer.from(good).reverse().toString('latin1').replace(/\n\[\[.*?\]\]\n/, '\n[[0,99999999,5],[999,1,1]]\n'), 'latin1').reverse();
    for (const damaged of [Buffer.from('not a cache at all'), good.subarray(0, good.length >> 1), good.subarray(good.length >> 1), lying, Buffer.alloc(0)]) {
      fs.writeFileSync(file('features'), damaged, { mode: 0o600 });
      assert.equal(await features(), expected);
    }
    // The last run compiled and wrote a good one again.
    assert.equal(await features(), expected);
    assert.ok(fs.statSync(file('features')).size > 1000);
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
