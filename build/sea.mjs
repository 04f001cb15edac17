// Builds dist/pmenomssl-standalone: dist/pmenomssl inside a copy of the node binary, as a Node.js
// single executable application (SEA), for hosts without Node.js >= 20.
//
//   node build/sea.mjs [--node /path/to/node] [--no-strip] [--no-code-cache] [--out FILE]
//
// The node binary defaults to the one running this script (process.execPath); the SEA blob is made
// by that same binary, as SEA requires. Works offline: postject comes from node_modules.
//
// Notes on the bundle as a SEA main script:
// - It must be CommonJS (it is), and `require` inside a SEA loads built-in modules only: the bundle
//   has every dependency inlined and requires nothing but built-ins (mysql2's optional `cardinal`
//   is required inside a try/catch and stays absent, as it does for the plain bundle).
// - The `#!/bin/sh` line is blanked (kept as an empty line, so line numbers stay): Node 20 happens
//   to accept a hashbang in a SEA main script, but nothing promises it does everywhere. The rest of
//   the bundle's sh launcher is no-ops to JavaScript; a standalone binary is not started through it,
//   so its Node starts the mgrctl shell itself.
// - useCodeCache: V8's code cache for the main script goes into the blob; start-up is ~100 ms
//   (~40 %) faster. It is tied to this exact node binary, which is the one we ship. The cache
//   differs from one build to the next, so for a byte-reproducible standalone use --no-code-cache.
// - The copied binary's debug symbols are stripped (`strip`, when binutils is there) before the
//   blob goes in: about 14 MB less, no change in behaviour.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function run(cmd, args, what, cwd) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, cwd });
  if (r.error || r.status !== 0) {
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}): ${r.error?.message ?? `exit ${r.status}`}\n${r.stdout}${r.stderr}`);
  }
  return r;
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Whether a binary carries the SEA fuse, i.e. can become a single executable application. */
function hasFuse(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const needle = Buffer.from(SEA_FUSE);
    const chunk = Buffer.alloc(8 << 20);
    let carry = Buffer.alloc(0);
    for (let pos = 0; ; ) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) return false;
      const buf = Buffer.concat([carry, chunk.subarray(0, n)]);
      if (buf.includes(needle)) return true;
      carry = buf.subarray(Math.max(0, buf.length - needle.length));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * @param {{ bundle?: string, out?: string, node?: string, strip?: boolean, codeCache?: boolean, log?: (s: string) => void }} [o]
 * @returns {{ file: string, size: number, node: string, nodeVersion: string, stripped: boolean }}
 */
export function buildStandalone(o = {}) {
  const bundle = o.bundle ?? path.join(root, 'dist', 'pmenomssl');
  const out = o.out ?? path.join(root, 'dist', 'pmenomssl-standalone');
  const node = fs.realpathSync(o.node ?? process.execPath);
  const log = o.log ?? ((s) => console.log(s));
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  if (!hasFuse(node)) throw new Error(`${node} has no SEA fuse: it cannot make a single executable application`);
  const nodeVersion = run(node, ['--version'], 'node --version').stdout.trim();
  const major = Number(/^v(\d+)/.exec(nodeVersion)?.[1]);
  if (!(major >= 20)) throw new Error(`${node} is ${nodeVersion}; the standalone needs Node.js >= 20`);
  const postject = path.join(root, 'node_modules', 'postject', 'dist', 'cli.js');
  if (!fs.existsSync(postject)) throw new Error('postject is missing: run npm ci (it is a devDependency)');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-sea-'));
  try {
    // The main script: the bundle with its hashbang line blanked.
    const src = fs.readFileSync(bundle, 'utf8');
    const main = path.join(tmp, 'main.cjs');
    fs.writeFileSync(main, src.startsWith('#!') ? src.slice(src.indexOf('\n')) : src);
    const blob = path.join(tmp, 'sea-prep.blob');
    // Relative paths, run in tmp: the blob records the main script's path as given.
    fs.writeFileSync(
      path.join(tmp, 'sea-config.json'),
      JSON.stringify({
        main: 'main.cjs',
        output: 'sea-prep.blob',
        disableExperimentalSEAWarning: true,
        useCodeCache: o.codeCache !== false,
        useSnapshot: false,
      }),
    );
    run(node, ['--experimental-sea-config', 'sea-config.json'], 'making the SEA blob', tmp);

    const exe = path.join(tmp, 'pmenomssl-standalone');
    fs.copyFileSync(node, exe);
    fs.chmodSync(exe, 0o755);
    const stripped = o.strip !== false && have('strip');
    if (stripped) run('strip', [exe], 'strip');
    // postject (LIEF) warns about the binary's many .note sections; harmless, so kept out of sight.
    run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], 'postject');

    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.rmSync(out, { force: true });
    fs.copyFileSync(exe, out);
    fs.chmodSync(out, 0o755);
    const size = fs.statSync(out).size;
    const rel = path.relative(process.cwd(), out);
    const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : out;
    log(`${shown}: ${size} bytes (node ${nodeVersion}${stripped ? ', stripped' : ''}${o.codeCache === false ? ', no code cache' : ''})`);
    return { file: out, size, node, nodeVersion, stripped };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  try {
    buildStandalone({ node: opt('--node'), out: opt('--out'), strip: !argv.includes('--no-strip'), codeCache: !argv.includes('--no-code-cache') });
  } catch (e) {
    console.error(`sea: ${e.message}`);
    process.exit(1);
  }
}
