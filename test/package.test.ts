// The packages of `npm run package` (build/package.mjs): the .deb and .rpm of the node variant and
// of the standalone (SEA) variant — headers, file lists, modes, dependencies; installed into
// throwaway roots (dpkg --root, rpm --root) and run from there; the maintainer scripts with and
// without BILLmanager; the standalone with no node on PATH; two builds giving the same packages.
// Assumes `npm run build` ran; runs `npm run package` itself when dist/ has no fresh packages.
// Needs dpkg-deb, dpkg, rpm and rpmbuild (Debian: apt-get install rpm).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const REPO = path.resolve(__dirname, '..');
const DIST = path.join(REPO, 'dist');
const BUNDLE = path.join(DIST, 'pmenomssl');
const STANDALONE = path.join(DIST, 'pmenomssl-standalone');
const XML_SRC = path.join(REPO, 'etc', 'xml', 'billmgr_mod_pmenomssl.xml');
const PKG_JSON = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const NPM_VERSION = PKG_JSON.version;
/** The oldest Node.js the module runs on, package.json's engines.node: the packages' floor too. */
const NODE_MIN = /^>=\s*(\d+\.\d+\.\d+)$/.exec(PKG_JSON.engines.node)![1]!;
const VERSION = NPM_VERSION.replace('-', '~').replace(/[-+]/g, '.');
const ARCH = ({ x64: { deb: 'amd64', rpm: 'x86_64' }, arm64: { deb: 'arm64', rpm: 'aarch64' } } as const)[process.arch as 'x64'];

const BIN = 'usr/local/mgr5/processing/pmenomssl';
const XML = 'usr/local/mgr5/etc/xml/billmgr_mod_pmenomssl.xml';
const MGR5_DIRS = ['usr/local/mgr5', 'usr/local/mgr5/processing', 'usr/local/mgr5/etc', 'usr/local/mgr5/etc/xml'];
const RICH_NODE = `((nodejs >= ${NODE_MIN} with nodejs < 1:0) or (nodejs >= 1:${NODE_MIN} with nodejs < 2:0) or nodejs >= 2:${NODE_MIN})`;

const PKG = {
  deb: path.join(DIST, `pmenomssl_${VERSION}_all.deb`),
  rpm: path.join(DIST, `pmenomssl-${VERSION}-1.noarch.rpm`),
  sdeb: path.join(DIST, `pmenomssl-standalone_${VERSION}_${ARCH?.deb}.deb`),
  srpm: path.join(DIST, `pmenomssl-standalone-${VERSION}-1.${ARCH?.rpm}.rpm`),
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeout ?? 60_000, env: opts.env ?? process.env, cwd: opts.cwd });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and insists on exit 0. */
function ok(cmd: string, args: string[], opts: Parameters<typeof sh>[2] = {}): string {
  const r = sh(cmd, args, opts);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const mtime = (file: string) => fs.statSync(file).mtimeMs;

let tmp = '';
function mkroot(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

before(() => {
  assert.ok(ARCH, `no package architecture for ${process.arch}`);
  for (const tool of ['dpkg-deb', 'dpkg', 'rpm', 'rpmbuild']) {
    assert.equal(sh('sh', ['-c', `command -v ${tool}`]).code, 0, `${tool} is missing (Debian: apt-get install ${tool.startsWith('dpkg') ? 'dpkg' : 'rpm'})`);
  }
  assert.ok(fs.existsSync(BUNDLE), 'dist/pmenomssl is missing: run npm run build first');
  const newest = Math.max(mtime(BUNDLE), mtime(XML_SRC));
  const stale = Object.values(PKG).filter((f) => !fs.existsSync(f) || mtime(f) < newest);
  if (stale.length > 0 || !fs.existsSync(STANDALONE) || mtime(STANDALONE) < mtime(BUNDLE)) {
    ok('npm', ['run', 'package', '--', '--no-build'], { cwd: REPO, timeout: 300_000 });
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-package-test-'));
});
after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `dpkg-deb -c` as {path: "mode owner size"}; paths without the leading "./" and trailing "/". */
function debContents(deb: string): Map<string, { mode: string; owner: string; size: number }> {
  const m = new Map<string, { mode: string; owner: string; size: number }>();
  for (const line of ok('dpkg-deb', ['-c', deb]).trim().split('\n')) {
    const [mode, owner, size, , , p] = line.split(/\s+/);
    m.set(p!.replace(/^\.\/?/, '').replace(/\/$/, ''), { mode: mode!, owner: owner!, size: Number(size) });
  }
  return m;
}

/** `rpm -qlp --dump`: path size mtime digest mode owner group isconfig isdoc rdev symlink. */
function rpmDump(rpm: string): { path: string; size: number; mode: string; owner: string; group: string }[] {
  return ok('rpm', ['-qlp', '--dump', rpm])
    .trim()
    .split('\n')
    .map((l) => {
      const f = l.split(' ');
      return { path: f[0]!, size: Number(f[1]), mode: f[4]!, owner: f[5]!, group: f[6]! };
    });
}

const debField = (deb: string, field: string) => ok('dpkg-deb', ['-f', deb, field]).trim();
const rpmQuery = (rpm: string, ...args: string[]) => ok('rpm', ['-qp', ...args, rpm]).trim();

function assertDebFiles(deb: string, bin: string) {
  const c = debContents(deb);
  const dirs = ['', 'usr', 'usr/local', ...MGR5_DIRS];
  assert.deepEqual([...c.keys()].sort(), [...dirs, BIN, XML].sort(), 'only the two files and their parent directories');
  for (const d of dirs) assert.deepEqual(c.get(d), { mode: 'drwxr-xr-x', owner: 'root/root', size: 0 }, d);
  assert.deepEqual(c.get(BIN), { mode: '-rwxr-xr-x', owner: 'root/root', size: fs.statSync(bin).size });
  assert.deepEqual(c.get(XML), { mode: '-rw-r--r--', owner: 'root/root', size: fs.statSync(XML_SRC).size });
}

function assertRpmFiles(rpm: string, bin: string) {
  // Files only: no directory is listed, so BILLmanager's directories are never owned by us.
  assert.deepEqual(rpmDump(rpm), [
    { path: `/${XML}`, size: fs.statSync(XML_SRC).size, mode: '0100644', owner: 'root', group: 'root' },
    { path: `/${BIN}`, size: fs.statSync(bin).size, mode: '0100755', owner: 'root', group: 'root' },
  ]);
}

/** A BILLmanager-like root: $root/usr/local/mgr5/sbin/mgrctl that records its argv, exiting `code`. */
function fakeBillmgr(root: string, code = 0): { mgr5: string; calls: () => string[] } {
  const mgr5 = path.join(root, 'usr', 'local', 'mgr5');
  fs.mkdirSync(path.join(mgr5, 'sbin'), { recursive: true });
  const log = path.join(root, 'mgrctl.calls');
  fs.writeFileSync(path.join(mgr5, 'sbin', 'mgrctl'), `#!/bin/sh\necho "$*" >> '${log}'\nexit ${code}\n`, { mode: 0o755 });
  return { mgr5, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
}

/** Runs `features` from an installed binary, BILLmanager root under the throwaway root. */
function features(exe: string, root: string, env: NodeJS.ProcessEnv = process.env): Run {
  return sh(exe, ['--command', 'features'], { env: { ...env, MGR5_ROOT: path.join(root, 'usr', 'local', 'mgr5') } });
}

/** A run that writes a log line: features logs nothing at the default level, a refused command does. */
function unknownCommand(exe: string, root: string): Run {
  const r = sh(exe, ['--command', 'nonsense'], { env: { ...process.env, MGR5_ROOT: path.join(root, 'usr', 'local', 'mgr5') } });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /<error type="value" object="command"/);
  return r;
}

function assertFeatures(r: Run) {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^<doc><itemtypes>/);
  assert.equal(r.stderr, '');
}

function dpkgRoot(root: string, ...args: string[]): Run {
  for (const d of ['info', 'updates']) fs.mkdirSync(path.join(root, 'var', 'lib', 'dpkg', d), { recursive: true });
  for (const f of ['status', 'available']) fs.appendFileSync(path.join(root, 'var', 'lib', 'dpkg', f), '');
  // Scripts run outside a chroot (the root has no /bin/sh) with DPKG_ROOT set, as our scripts expect.
  return sh('dpkg', [`--root=${root}`, `--log=${path.join(root, 'dpkg.log')}`, '--force-script-chrootless', '--force-not-root', '--force-bad-path', ...args]);
}

const rpmRoot = (root: string, ...args: string[]) => sh('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args]);

describe(`pmenomssl (needs Node.js >= ${NODE_MIN})`, () => {
  it('deb: name, version, arch, dependency, conflicts, description', () => {
    assert.equal(debField(PKG.deb, 'Package'), 'pmenomssl');
    assert.equal(debField(PKG.deb, 'Version'), VERSION);
    assert.equal(debField(PKG.deb, 'Architecture'), 'all');
    assert.equal(debField(PKG.deb, 'Depends'), `nodejs (>= ${NODE_MIN})`);
    assert.equal(debField(PKG.deb, 'Conflicts'), 'pmenomssl-standalone');
    assert.equal(debField(PKG.deb, 'Replaces'), 'pmenomssl-standalone');
    assert.match(debField(PKG.deb, 'Description'), /^BILLmanager 6 processing module that sells ENOM SSL certificates\n/);
    assert.match(debField(PKG.deb, 'Maintainer'), /\S+ <\S+@\S+>/);
  });

  it('deb: the two files, root:root, 0755 and 0644', () => assertDebFiles(PKG.deb, BUNDLE));

  it('rpm: name, version, arch, dependency, conflicts, description', () => {
    assert.equal(rpmQuery(PKG.rpm, '--qf', '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}'), `pmenomssl (none) ${VERSION} 1 noarch MIT`);
    assert.match(rpmQuery(PKG.rpm, '--qf', '%{SUMMARY}\n%{DESCRIPTION}'), /ENOM SSL certificates[^]*BILLmanager 6/);
    const requires = rpmQuery(PKG.rpm, '--requires').split('\n');
    assert.deepEqual(requires.filter((r) => !r.startsWith('rpmlib(') && r !== '/bin/sh'), [RICH_NODE]);
    assert.equal(rpmQuery(PKG.rpm, '--conflicts'), 'pmenomssl-standalone');
  });

  it('rpm: the two files, root:root, 0755 and 0644, and no directory', () => assertRpmFiles(PKG.rpm, BUNDLE));

  it("deb and rpm: the nodejs floor is package.json's engines.node", () => {
    assert.match(PKG_JSON.engines.node, /^>=\s*\d+\.\d+\.\d+$/);
    const floors = (s: string) => [...s.matchAll(/nodejs \(?>= (?:\d+:)?(\d+\.\d+\.\d+)/g)].map((m) => m[1]);
    assert.deepEqual(floors(debField(PKG.deb, 'Depends')), [NODE_MIN]);
    const requires = rpmQuery(PKG.rpm, '--requires').split('\n').filter((r) => r.includes('nodejs'));
    assert.deepEqual(floors(requires.join('\n')), [NODE_MIN, NODE_MIN, NODE_MIN], 'one floor per epoch band');
    assert.match(debField(PKG.deb, 'Description'), new RegExp(`system Node\\.js \\(>= ${NODE_MIN.replaceAll('.', '\\.')}\\)`));
  });

  it(`rpm: the nodejs dependency wants ${NODE_MIN} or later whatever the epoch (EL AppStream 1:, NodeSource 2:)`, () => {
    const top = mkroot('fake-rpms');
    const spec = path.join(top, 'fake.spec');
    fs.writeFileSync(
      spec,
      'Name: %{fname}\nVersion: %{fver}\nRelease: 1\n%{?fepoch:Epoch: %{fepoch}}\nSummary: fake\nLicense: MIT\nBuildArch: noarch\n' +
        '%{?fprov:Provides: %{fprov}}\n%{?freq:Requires: %{freq}}\n%description\nfake\n%files\n',
    );
    const build = (name: string, ver: string, extra: string[] = []) => {
      const file = path.join(top, 'out', `${name}-${ver.replace(':', '_')}.rpm`);
      ok('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_rpmdir ${path.join(top, 'out')}`,
        '--define', `_build_name_fmt ${path.basename(file)}`, '--define', `fname ${name}`, '--define', `fver ${ver.split(':').pop()}`, ...extra, spec]);
      return file;
    };
    const binsh = build('fake-sh', '1', ['--define', 'fprov /bin/sh']);
    // What a plain `Requires: nodejs >= 20` would do: a missing epoch is 0, so AppStream's 1:16 meets it.
    const naive = build('naive', '1', ['--define', 'freq nodejs >= 20']);
    const satisfied = (provider: string, pkg: string) => {
      const root = fs.mkdtempSync(path.join(tmp, 'rpmdb-'));
      ok('rpm', ['--root', root, '--dbpath', '/db', '-i', '--justdb', '--nodeps', binsh, provider]);
      return sh('rpm', ['--root', root, '--dbpath', '/db', '-i', '--test', pkg]).code === 0;
    };
    // The floor, a release just under it, and 20.15 (no process.getBuiltinModule), in every epoch.
    const [major, minor, patch] = NODE_MIN.split('.').map(Number) as [number, number, number];
    const under = patch > 0 ? `${major}.${minor}.${patch - 1}` : `${major}.${minor - 1}.99`;
    const newer = (v: string) => {
      const [a, b, c] = v.split('.').map(Number) as [number, number, number];
      return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
    };
    const versions = ['16.20.2', '18.20.4', '20.15.1', under, NODE_MIN, '22.11.0'];
    const verdicts: Record<string, boolean> = {};
    const expected: Record<string, boolean> = {};
    for (const epoch of ['0', '1', '2']) {
      for (const v of versions) {
        const evr = `${epoch}:${v}`;
        const provider = build('nodejs', evr, epoch === '0' ? [] : ['--define', `fepoch ${epoch}`]);
        verdicts[evr] = satisfied(provider, PKG.rpm);
        expected[evr] = newer(v);
        if (evr === '1:16.20.2') assert.equal(satisfied(provider, naive), true, 'the naive dependency takes nodejs 1:16');
      }
    }
    assert.deepEqual(verdicts, expected);
    assert.equal(expected[`2:${NODE_MIN}`], true);
    assert.equal(expected['1:20.15.1'], false);
  });

  it('deb: dpkg --root installs it, postinst restarts the core, it runs, removal keeps the log', () => {
    const root = mkroot('deb-root');
    const billmgr = fakeBillmgr(root);
    const inst = dpkgRoot(root, '--force-depends', '-i', PKG.deb);
    assert.equal(inst.code, 0, inst.stdout + inst.stderr);
    assert.match(inst.stdout, /restarting the BILLmanager core/);
    assert.deepEqual(billmgr.calls(), ['-m billmgr exit']);
    assert.equal(fs.statSync(path.join(root, BIN)).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(path.join(root, XML)).mode & 0o7777, 0o644);
    assert.equal(sha256(path.join(root, BIN)), sha256(BUNDLE));
    assert.equal(sha256(path.join(root, XML)), sha256(XML_SRC));
    assertFeatures(features(path.join(root, BIN), root)); // by its shebang, node from PATH
    unknownCommand(path.join(root, BIN), root);
    const log = path.join(billmgr.mgr5, 'var', 'pmenomssl.log');
    assert.match(fs.readFileSync(log, 'utf8'), /pmenomssl ERR \[nonsense\] unknown command/, 'the run wrote the log');

    const rm = dpkgRoot(root, '--purge', 'pmenomssl');
    assert.equal(rm.code, 0, rm.stdout + rm.stderr);
    assert.match(rm.stdout, /log \/usr\/local\/mgr5\/var\/pmenomssl.log is kept/);
    assert.deepEqual(billmgr.calls(), ['-m billmgr exit', '-m billmgr exit']);
    assert.equal(fs.existsSync(path.join(root, BIN)), false);
    assert.equal(fs.existsSync(path.join(root, XML)), false);
    assert.ok(fs.existsSync(log), 'the log stays');
    assert.ok(fs.existsSync(path.join(billmgr.mgr5, 'sbin', 'mgrctl')), "BILLmanager's own files stay");
  });

  it('rpm: rpm --root installs it, it runs, erasing keeps the log', () => {
    const root = mkroot('rpm-root');
    const i = rpmRoot(root, '-i', '--nodeps', '--noscripts', PKG.rpm);
    assert.equal(i.code, 0, i.stdout + i.stderr);
    assert.equal(rpmRoot(root, '-q', 'pmenomssl').stdout.trim(), `pmenomssl-${VERSION}-1.noarch`);
    assert.equal(fs.statSync(path.join(root, BIN)).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(path.join(root, XML)).mode & 0o7777, 0o644);
    assert.equal(sha256(path.join(root, BIN)), sha256(BUNDLE));
    assertFeatures(features(path.join(root, BIN), root));
    unknownCommand(path.join(root, BIN), root);
    const log = path.join(root, 'usr', 'local', 'mgr5', 'var', 'pmenomssl.log');
    assert.match(fs.readFileSync(log, 'utf8'), /pmenomssl ERR \[nonsense\] unknown command/);
    const e = rpmRoot(root, '-e', '--noscripts', 'pmenomssl');
    assert.equal(e.code, 0, e.stdout + e.stderr);
    assert.equal(fs.existsSync(path.join(root, BIN)), false);
    assert.equal(fs.existsSync(path.join(root, XML)), false);
    assert.ok(fs.existsSync(log), 'the log stays');
    // rpm owned no directory, so it left them all, empty or not.
    for (const d of MGR5_DIRS) assert.ok(fs.existsSync(path.join(root, d)), d);
  });
});

describe('maintainer scripts never fail and restart the core only when BILLmanager is there', () => {
  let debScripts = '';
  before(() => {
    debScripts = mkroot('deb-control');
    ok('dpkg-deb', ['-e', PKG.deb, debScripts]);
  });

  it('deb postinst/postrm without BILLmanager: exit 0, and say what to do', () => {
    const env = { ...process.env, DPKG_ROOT: mkroot('deb-empty') };
    const inst = sh(path.join(debScripts, 'postinst'), ['configure', ''], { env });
    assert.equal(inst.code, 0, inst.stderr);
    assert.match(inst.stdout, /BILLmanager is not installed[^]*mgrctl -m billmgr exit/);
    for (const args of [['remove'], ['purge'], ['upgrade', '0.0.9'], ['failed-upgrade', '0.0.9'], ['abort-install']]) {
      assert.equal(sh(path.join(debScripts, 'postrm'), args, { env }).code, 0, args.join(' '));
    }
    assert.equal(sh(path.join(debScripts, 'postinst'), ['abort-upgrade', '0.0.9'], { env }).code, 0);
  });

  it('deb postinst/postrm with BILLmanager whose mgrctl fails: exit 0 all the same', () => {
    const root = mkroot('deb-failing');
    const billmgr = fakeBillmgr(root, 3);
    const env = { ...process.env, DPKG_ROOT: root };
    const inst = sh(path.join(debScripts, 'postinst'), ['configure', ''], { env });
    assert.equal(inst.code, 0);
    assert.match(inst.stderr, /did not restart; run: \/usr\/local\/mgr5\/sbin\/mgrctl -m billmgr exit/);
    assert.equal(sh(path.join(debScripts, 'postrm'), ['upgrade', '0.0.9'], { env }).code, 0);
    assert.deepEqual(billmgr.calls(), ['-m billmgr exit'], 'no restart on upgrade');
    assert.equal(sh(path.join(debScripts, 'postrm'), ['remove'], { env }).code, 0);
    assert.deepEqual(billmgr.calls(), ['-m billmgr exit', '-m billmgr exit']);
  });

  it('rpm %post/%postun: exit 0 with no BILLmanager, with a failing mgrctl, and restart on install and erase only', () => {
    const post = rpmQuery(PKG.rpm, '--qf', '%{POSTIN}');
    const postun = rpmQuery(PKG.rpm, '--qf', '%{POSTUN}');
    assert.equal(rpmQuery(PKG.rpm, '--qf', '%{POSTINPROG} %{POSTUNPROG}'), '/bin/sh /bin/sh');
    assert.equal(rpmQuery(PKG.srpm, '--qf', '%{POSTIN}'), post, 'both variants share the scripts');
    assert.match(post, /^MGR5=\/usr\/local\/mgr5$/m);
    const runScript = (body: string, arg: string, root?: string) =>
      sh('sh', ['-c', root ? body.replace(/^MGR5=\/usr\/local\/mgr5$/m, `MGR5='${root}/usr/local/mgr5'`) : body, 'scriptlet', arg]);

    // No BILLmanager on this machine (unless the machine running the tests has one: then skip that).
    if (!fs.existsSync('/usr/local/mgr5/sbin/mgrctl')) {
      const r = runScript(post, '1');
      assert.equal(r.code, 0);
      assert.match(r.stdout, /BILLmanager is not installed/);
      assert.equal(runScript(postun, '0').code, 0);
    }
    const root = mkroot('rpm-scripts');
    const billmgr = fakeBillmgr(root);
    assert.equal(runScript(post, '1', root).code, 0);
    assert.equal(runScript(post, '2', root).code, 0);
    assert.equal(runScript(postun, '1', root).code, 0);
    assert.deepEqual(billmgr.calls(), ['-m billmgr exit', '-m billmgr exit'], 'install and upgrade restart; the old package on upgrade does not');
    assert.equal(runScript(postun, '0', root).code, 0);
    assert.equal(billmgr.calls().length, 3, 'erase restarts');

    const failing = mkroot('rpm-scripts-failing');
    fakeBillmgr(failing, 1);
    assert.equal(runScript(post, '1', failing).code, 0);
    assert.equal(runScript(postun, '0', failing).code, 0);
  });
});

describe('pmenomssl-standalone (Node.js single executable application)', () => {
  const noNode = { ...process.env, PATH: '/nonexistent' };

  it('dist/pmenomssl-standalone runs features with no node on PATH, as the bundle does', () => {
    const root = mkroot('standalone-run');
    const r = features(STANDALONE, root, noNode);
    assertFeatures(r);
    assert.equal(r.stdout, features(BUNDLE, mkroot('bundle-run')).stdout, 'the same features XML as the bundle');
    assert.equal(ok(STANDALONE, ['--version'], { env: noNode }).trim(), NPM_VERSION);
  });

  it('deb: arch-specific, no nodejs dependency, conflicts with pmenomssl, same two files', () => {
    assert.equal(debField(PKG.sdeb, 'Package'), 'pmenomssl-standalone');
    assert.equal(debField(PKG.sdeb, 'Version'), VERSION);
    assert.equal(debField(PKG.sdeb, 'Architecture'), ARCH!.deb);
    assert.equal(debField(PKG.sdeb, 'Depends'), 'libc6 (>= 2.28), libgcc-s1 | libgcc1, libstdc++6 (>= 5.2)');
    assert.equal(debField(PKG.sdeb, 'Conflicts'), 'pmenomssl');
    assert.match(debField(PKG.sdeb, 'Description'), /ENOM SSL certificates[^]*own embedded Node.js runtime/);
    assertDebFiles(PKG.sdeb, STANDALONE);
  });

  it('rpm: arch-specific, only ELF library dependencies, conflicts with pmenomssl, same two files', () => {
    assert.equal(rpmQuery(PKG.srpm, '--qf', '%{NAME} %{VERSION} %{RELEASE} %{ARCH}'), `pmenomssl-standalone ${VERSION} 1 ${ARCH!.rpm}`);
    const requires = rpmQuery(PKG.srpm, '--requires').split('\n');
    assert.equal(requires.some((r) => /node/.test(r)), false, requires.join('\n'));
    assert.ok(requires.includes('libc.so.6(GLIBC_2.28)(64bit)') || process.arch !== 'x64', requires.join('\n'));
    assert.ok(requires.includes('libstdc++.so.6()(64bit)'), requires.join('\n'));
    assert.equal(rpmQuery(PKG.srpm, '--conflicts'), 'pmenomssl');
    assertRpmFiles(PKG.srpm, STANDALONE);
  });

  it('installed from the deb (dpkg -x) and from the rpm, it runs features with no node on PATH', () => {
    const debRoot = mkroot('standalone-deb');
    ok('dpkg-deb', ['-x', PKG.sdeb, debRoot]);
    const rpmRootDir = mkroot('standalone-rpm');
    const i = rpmRoot(rpmRootDir, '-i', '--nodeps', '--noscripts', PKG.srpm);
    assert.equal(i.code, 0, i.stderr);
    for (const root of [debRoot, rpmRootDir]) {
      assert.equal(sha256(path.join(root, BIN)), sha256(STANDALONE));
      assert.equal(fs.statSync(path.join(root, BIN)).mode & 0o7777, 0o755);
      assertFeatures(features(path.join(root, BIN), root, noNode));
    }
  });
});

describe('reproducible', () => {
  it('two builds of the node variant give the same file lists, modes and bytes', () => {
    const outs = ['a', 'b'].map((n) => path.join(tmp, `repro-${n}`));
    for (const out of outs) ok(process.execPath, [path.join(REPO, 'build', 'package.mjs'), '--no-build', '--no-standalone', '--out', out], { cwd: REPO, timeout: 120_000 });
    const [a, b] = outs as [string, string];
    const deb = path.basename(PKG.deb);
    const rpm = path.basename(PKG.rpm);
    assert.deepEqual(fs.readdirSync(a).sort(), [rpm, deb].sort());
    assert.deepEqual(fs.readdirSync(b).sort(), [rpm, deb].sort());
    // Lists with owners, modes, sizes and mtimes (SOURCE_DATE_EPOCH), then the bytes themselves.
    assert.equal(ok('dpkg-deb', ['-c', path.join(a, deb)]), ok('dpkg-deb', ['-c', path.join(b, deb)]));
    assert.equal(ok('rpm', ['-qlp', '--dump', path.join(a, rpm)]), ok('rpm', ['-qlp', '--dump', path.join(b, rpm)]));
    assert.equal(sha256(path.join(a, deb)), sha256(path.join(b, deb)), 'byte-identical .deb');
    assert.equal(sha256(path.join(a, rpm)), sha256(path.join(b, rpm)), 'byte-identical .rpm');
  });
});
