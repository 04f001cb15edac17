// `npm run package`: builds the installable packages into dist/.
//
//   pmenomssl_<ver>_all.deb, pmenomssl-<ver>-1.noarch.rpm
//       dist/pmenomssl (needs Node.js >= package.json's engines.node, from the distribution or NodeSource)
//   pmenomssl-standalone_<ver>_amd64.deb, pmenomssl-standalone-<ver>-1.x86_64.rpm
//       dist/pmenomssl-standalone (build/sea.mjs: the bundle inside its own node binary; no Node.js
//       dependency, architecture-specific, conflicts with the node variant)
//
// Each installs exactly two files, root:root:
//   /usr/local/mgr5/processing/pmenomssl                0755
//   /usr/local/mgr5/etc/xml/billmgr_mod_pmenomssl.xml   0644
//
// Options (after `npm run package --`):
//   --out DIR         write the packages there instead of dist/
//   --no-standalone   only the node variant (no SEA build: fast)
//   --no-build        never run build/bundle.mjs; dist/pmenomssl must exist
//   --node PATH       the node binary the standalone embeds (default: the node running this)
//   --no-code-cache   standalone without V8's code cache: byte-reproducible, ~100 ms slower start
//
// dist/pmenomssl is (re)built first when it is missing, reports another version than package.json,
// or is older than a file under src/. Needs dpkg-deb and rpmbuild (Debian: `apt-get install rpm`).
//
// Reproducible: SOURCE_DATE_EPOCH (from the environment, else the last commit's time, else a fixed
// date) sets every mtime and the build time; owners are root:root, archive entries sorted, the
// compressors single-threaded; building twice from one commit gives byte-identical node-variant
// packages. The standalone's file lists and modes are reproducible too, but its bytes only with
// --no-code-cache: V8's code cache differs from one run to the next.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildStandalone } from './sea.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const here = path.join(root, 'build');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// The oldest Node.js the code runs on: package.json's engines.node (">=X.Y.Z"), the one place it is
// written; build/bundle.mjs makes the loader refuse an older one.
const NODE_MIN = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines?.node ?? '')?.[1];
if (!NODE_MIN) {
  console.error(`package: package.json engines.node must read >=X.Y.Z, not ${JSON.stringify(pkg.engines?.node)}`);
  process.exit(1);
}

const FALLBACK_EPOCH = 1704067200; // 2024-01-01T00:00:00Z, for a tree without git history
const BIN_PATH = 'usr/local/mgr5/processing/pmenomssl';
const XML_PATH = 'usr/local/mgr5/etc/xml/billmgr_mod_pmenomssl.xml';
const XML_SRC = path.join(root, 'etc', 'xml', 'billmgr_mod_pmenomssl.xml');

const SUMMARY = 'BILLmanager 6 processing module that sells ENOM SSL certificates';
const DESCRIPTION = [
  'pmenomssl is a processing module for ISPsystem BILLmanager 6. It sells SSL certificates',
  '(RapidSSL, GeoTrust, Symantec, Comodo) bought from the registrar ENOM through its reseller API.',
  'It installs /usr/local/mgr5/processing/pmenomssl and the module XML',
  '/usr/local/mgr5/etc/xml/billmgr_mod_pmenomssl.xml; BILLmanager core must be restarted to load',
  'it (mgrctl -m billmgr exit), which the install script does when BILLmanager is present.',
];
const DESCRIPTION_NODE = [...DESCRIPTION, `This variant runs on the system Node.js (>= ${NODE_MIN}).`];
const DESCRIPTION_STANDALONE = [
  ...DESCRIPTION,
  'This variant is a standalone executable with its own embedded Node.js runtime',
  '(a Node.js single executable application): it needs no nodejs package.',
];

// RPM dependency on Node.js >= NODE_MIN (20.16.0 as written). An RPM version comparison takes a
// missing epoch as 0, and every EL build of nodejs carries one: AlmaLinux/Rocky 9 AppStream's default
// nodejs 16 and its module streams nodejs:18/20/22 are Epoch 1 (nodejs-1:16.20.2-…el9,
// nodejs-1:20.x-…module+el9…), NodeSource's current RPMs are Epoch 2 (nodejs-2:20.x-1nodesource). So a
// plain `nodejs >= 20.16.0` means 0:20.16.0 and is met by AppStream's 1:16 — useless — and
// `(nodejs >= 1:20.16.0 or nodejs >= 20.16.0)` is the same as it. `nodejs >= 1:20.16.0` alone would take
// NodeSource's 2:18. Hence one band per epoch, each requiring NODE_MIN or later within it (rich
// dependency, rpm >= 4.13: EL8 and EL9 have it); dnf then asks for a recent enough nodejs:20 (or
// later) module stream or NodeSource, and refuses AppStream's default 16 and an older 20.
const RPM_REQUIRES_NODE = `Requires: ((nodejs >= ${NODE_MIN} with nodejs < 1:0) or (nodejs >= 1:${NODE_MIN} with nodejs < 2:0) or nodejs >= 2:${NODE_MIN})`;
// The standalone is the node binary (Node 20's official build toolchain: glibc >= 2.28, libstdc++
// from GCC >= 5, libgcc_s); RPM takes these from the ELF file itself (AutoReq), DEB states them.
const DEB_DEPENDS_STANDALONE = 'libc6 (>= 2.28), libgcc-s1 | libgcc1, libstdc++6 (>= 5.2)';

const ARCH = { x64: { deb: 'amd64', rpm: 'x86_64' }, arm64: { deb: 'arm64', rpm: 'aarch64' } };

function fail(msg) {
  console.error(`package: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error?.code === 'ENOENT') fail(`${cmd} is not installed (Debian: apt-get install ${cmd === 'dpkg-deb' ? 'dpkg' : 'rpm'})`);
  if (r.error || r.status !== 0) fail(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? `exit ${r.status}`}\n${r.stdout}${r.stderr}`);
  return r;
}

function parseArgs(argv) {
  let values;
  try {
    ({ values } = util.parseArgs({
      args: argv,
      options: { out: { type: 'string' }, node: { type: 'string' }, 'no-standalone': { type: 'boolean' }, 'no-build': { type: 'boolean' }, 'no-code-cache': { type: 'boolean' } },
    }));
  } catch (e) {
    fail(e.message);
  }
  return {
    out: path.resolve(values.out ?? path.join(root, 'dist')),
    standalone: !values['no-standalone'],
    build: !values['no-build'],
    codeCache: !values['no-code-cache'],
    node: values.node,
  };
}

function sourceDateEpoch() {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env && /^\d+$/.test(env)) return Number(env);
  const r = spawnSync('git', ['-C', root, 'log', '-1', '--format=%ct'], { encoding: 'utf8' });
  const t = r.status === 0 ? Number(r.stdout.trim()) : NaN;
  return Number.isInteger(t) && t > 0 ? t : FALLBACK_EPOCH;
}

/** npm's 1.2.3-beta.1 → 1.2.3~beta.1: sorts before 1.2.3 in dpkg and rpm, and has no '-'. */
function packageVersion(v) {
  if (!/^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/.test(v)) fail(`package.json version ${v} is not semver`);
  return v.replace('-', '~').replace(/[-+]/g, '.');
}

function newestMtime(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return t;
}

function ensureBundle(o) {
  const bin = path.join(root, 'dist', 'pmenomssl');
  let why = '';
  if (!fs.existsSync(bin)) why = 'missing';
  else if (o.build) {
    const v = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).stdout?.trim();
    if (v !== pkg.version) why = `it says version ${v}, package.json ${pkg.version}`;
    else if (newestMtime(path.join(root, 'src')) > fs.statSync(bin).mtimeMs) why = 'older than src/';
  }
  if (!why) return bin;
  if (!o.build) fail(`dist/pmenomssl is ${why}: run npm run build`);
  console.log(`dist/pmenomssl is ${why}: building it`);
  run(process.execPath, [path.join(here, 'bundle.mjs')], { stdio: 'inherit' });
  return bin;
}

function setTimes(dir, epoch) {
  for (const e of fs.readdirSync(dir, { recursive: true })) fs.utimesSync(path.join(dir, e), epoch, epoch);
  fs.utimesSync(dir, epoch, epoch);
}

function md5(file) {
  return crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');
}

function buildDeb(v, ctx) {
  const stage = path.join(ctx.tmp, `deb-${v.name}`);
  const files = [
    [BIN_PATH, v.bin, 0o755],
    [XML_PATH, XML_SRC, 0o644],
  ];
  let kib = 0;
  for (const [rel, src, mode] of files) {
    const dst = path.join(stage, rel);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(src, dst);
    fs.chmodSync(dst, mode);
    kib += Math.ceil(fs.statSync(dst).size / 1024);
  }
  const control = path.join(stage, 'DEBIAN');
  fs.mkdirSync(control);
  for (const s of ['postinst', 'postrm']) {
    fs.copyFileSync(path.join(here, 'deb', s), path.join(control, s));
    fs.chmodSync(path.join(control, s), 0o755);
  }
  fs.writeFileSync(path.join(control, 'md5sums'), files.map(([rel]) => `${md5(path.join(stage, rel))}  ${rel}\n`).join(''));
  const fields = [
    ['Package', v.name],
    ['Version', ctx.version],
    ['Architecture', v.debArch],
    ['Maintainer', ctx.maintainer],
    ['Installed-Size', String(kib)],
    ['Depends', v.debDepends],
    ['Conflicts', v.conflicts],
    ['Replaces', v.conflicts],
    ['Section', 'admin'],
    ['Priority', 'optional'],
    ['Description', `${SUMMARY}\n${v.description.map((l) => ` ${l}`).join('\n')}`],
  ];
  fs.writeFileSync(path.join(control, 'control'), fields.map(([k, val]) => `${k}: ${val}\n`).join(''));
  for (const f of ['control', 'md5sums']) fs.chmodSync(path.join(control, f), 0o644);
  for (const e of fs.readdirSync(stage, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) fs.chmodSync(path.join(e.parentPath ?? e.path, e.name), 0o755);
  }
  fs.chmodSync(stage, 0o755);
  setTimes(stage, ctx.epoch);

  const out = path.join(ctx.out, `${v.name}_${ctx.version}_${v.debArch}.deb`);
  run('dpkg-deb', ['--root-owner-group', `-Z${v.deb.compressor}`, `-z${v.deb.level}`, '--threads-max=1', '--build', stage, out], {
    env: { ...process.env, SOURCE_DATE_EPOCH: String(ctx.epoch) },
  });
  return out;
}

function buildRpm(v, ctx) {
  const top = path.join(ctx.tmp, `rpm-${v.name}`);
  for (const d of ['BUILD', 'BUILDROOT', 'RPMS', 'SOURCES', 'SPECS', 'tmp']) fs.mkdirSync(path.join(top, d), { recursive: true });
  const values = {
    NAME: v.name,
    VERSION: ctx.version,
    SUMMARY,
    LICENSE: pkg.license ?? 'MIT',
    URL: pkg.homepage ?? 'https://www.enom.com/',
    MAINTAINER: ctx.maintainer,
    ARCH: v.rpmArch,
    AUTOREQ: v.rpmAutoReq ? 'yes' : 'no',
    REQUIRES: v.rpmRequires,
    CONFLICTS: v.conflicts,
    DESCRIPTION: v.description.join('\n'),
    PAYLOAD: v.rpm.payload,
    BIN: v.bin,
    XML: XML_SRC,
  };
  const template = fs.readFileSync(path.join(here, 'rpm', 'pmenomssl.spec.in'), 'utf8');
  const spec = template.replace(/@([A-Z]+)@/g, (m, k) => {
    const val = values[k];
    if (val === undefined) fail(`spec template: unknown ${m}`);
    if (k === 'BIN' || k === 'XML') {
      if (/['%\n]/.test(val)) fail(`path ${val} cannot go into a spec file`);
    }
    return val;
  });
  const specFile = path.join(top, 'SPECS', `${v.name}.spec`);
  fs.writeFileSync(specFile, spec);
  const outDir = path.join(top, 'RPMS');
  run(
    'rpmbuild',
    [
      '-bb',
      '--quiet',
      '--target',
      v.rpmArch,
      '--define',
      `_topdir ${top}`,
      '--define',
      `_tmppath ${path.join(top, 'tmp')}`,
      '--define',
      `_rpmdir ${outDir}`,
      '--define',
      '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      specFile,
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: String(ctx.epoch), TZ: 'UTC', LC_ALL: 'C' } },
  );
  const name = `${v.name}-${ctx.version}-1.${v.rpmArch}.rpm`;
  const out = path.join(ctx.out, name);
  fs.copyFileSync(path.join(outDir, name), out);
  return out;
}

/** A path as printed: relative when under the current directory. */
function shown(file) {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const bin = ensureBundle(o);
  const epoch = sourceDateEpoch();
  const ctx = {
    out: o.out,
    epoch,
    version: packageVersion(pkg.version),
    maintainer: typeof pkg.author === 'string' ? pkg.author : 'pmenomssl developers <dev@pmenomssl.local>',
    tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-package-')),
  };
  fs.mkdirSync(o.out, { recursive: true });

  const variants = [
    {
      name: 'pmenomssl',
      bin,
      debArch: 'all',
      rpmArch: 'noarch',
      debDepends: `nodejs (>= ${NODE_MIN})`,
      rpmRequires: RPM_REQUIRES_NODE,
      rpmAutoReq: false,
      conflicts: 'pmenomssl-standalone',
      description: DESCRIPTION_NODE,
      deb: { compressor: 'xz', level: 9 },
      rpm: { payload: 'w9.xzdio' },
    },
  ];
  if (o.standalone) {
    const arch = ARCH[process.arch] ?? fail(`no package architecture for ${process.arch}`);
    const sea = buildStandalone({ bundle: bin, out: path.join(path.dirname(bin), 'pmenomssl-standalone'), node: o.node, codeCache: o.codeCache });
    variants.push({
      name: 'pmenomssl-standalone',
      bin: sea.file,
      debArch: arch.deb,
      rpmArch: arch.rpm,
      debDepends: DEB_DEPENDS_STANDALONE,
      rpmRequires: '',
      rpmAutoReq: true,
      conflicts: 'pmenomssl',
      description: DESCRIPTION_STANDALONE,
      // ~85 MB of node binary: gzip -6 is ten times faster than xz -6 (5 s, not 50 s) and every dpkg and rpm reads it.
      deb: { compressor: 'gzip', level: 6 },
      rpm: { payload: 'w6.gzdio' },
    });
  }

  try {
    for (const v of variants) {
      // Drop this variant's packages of any other version, so dist/ holds one of each.
      const mine = new RegExp(`^${v.name}[_-]\\d.*\\.(deb|rpm)$`);
      for (const f of fs.readdirSync(o.out)) if (mine.test(f)) fs.rmSync(path.join(o.out, f));
      for (const file of [buildDeb(v, ctx), buildRpm(v, ctx)]) {
        console.log(`${shown(file)}: ${fs.statSync(file).size} bytes`);
      }
    }
  } finally {
    fs.rmSync(ctx.tmp, { recursive: true, force: true });
  }
}

main();
