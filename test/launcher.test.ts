// The launcher: the first lines of dist/pmenomssl, run by /bin/sh (build/bundle.mjs). For a command
// on an item it starts the shell that runs mgrctl before it becomes Node, and tells Node in
// PMENOMSSL_SHELL; Node takes that shell only when it is the launcher's, and otherwise starts one
// itself. The fake mgrctl records who started each call (the shell's argv and parent).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCsr, startEnomSim, type EnomSim } from './support/enom-sim';
import { CONTACT } from './support/order';
import { BINARY, createRig, type MgrctlSpawn, type Rig, type RunOptions } from './support/rig';

let rig: Rig;
let sim: EnomSim;
let item: number;
let moduleId: number;

before(async () => {
  [rig, sim] = await Promise.all([createRig(), startEnomSim({ uid: 'reseller1', pw: 'pw', balance: 5000 })]);
  moduleId = await rig.addModule({ url: sim.url, username: 'reseller1', password: 'pw' });
  item = await rig.addItem({
    pricelist: 'certificate-rapidssl-rapidssl',
    module: moduleId,
    csr: makeCsr('launcher.example.com').csr,
    params: { ...CONTACT, approver_method: 'auth_email', approver_email: 'admin@example.com' },
  });
});
after(async () => {
  await sim?.close();
  await rig?.close();
});

async function run(command: string, opts: RunOptions = {}, args = ['--item', String(item)]) {
  rig.clearCalls();
  const r = await rig.run(['--command', command, ...args], opts);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.equal(r.timedOut, false);
  const spawns = rig.spawns();
  assert.ok(spawns.length > 0, 'mgrctl was called');
  for (const s of spawns) {
    assert.equal(s.handedVar, false, `PMENOMSSL_SHELL reached mgrctl ${s.func}`);
    assert.equal(s.ppid, spawns[0]!.ppid, 'one shell starts every call of a run');
    assert.equal(s.shellParent, r.pid, 'the shell is a child of the run');
  }
  return { ...r, spawns };
}

/** Whether the last run's `mgrctl paramlist` was the one the launcher ran while Node started. */
function paramlistByLauncher(): boolean {
  const lines = rig.logText().split('\n').filter((l) => / mgrctl paramlist /.test(l));
  assert.ok(lines.length > 0, 'paramlist is logged');
  return / by=launcher$/.test(lines.at(-1)!);
}

/**
 * The launcher's shell (the program and the marker given on its stdin): under dash the launcher's own
 * fork, so its argv is the launcher's; under any other shell `/bin/sh -s`.
 */
function handed(s: MgrctlSpawn, launcher: string[] | 'exec') {
  assert.deepEqual(s.shell, launcher === 'exec' ? ['/bin/sh', '-s'] : launcher, 'not the launcher\'s shell');
}
const dash = fs.realpathSync('/bin/sh').endsWith('/dash');
/**
 * Node was given the loader alone, a here-document on fd 3, and the file after it (the payload is
 * read from there as needed); `node pmenomssl` reads the whole file.
 */
function nodeGot(s: MgrctlSpawn, args: string[], how: 'loader' | 'file') {
  assert.deepEqual(s.node, how === 'loader' ? ['node', '--preserve-symlinks-main', '/proc/self/fd/3', BINARY, ...args] : [process.execPath, BINARY, ...args]);
}
/** One Node started: `/bin/sh -s MGRCTL pmenomssl-PID-RANDOM`. */
function spawned(s: MgrctlSpawn) {
  assert.deepEqual(s.shell.slice(0, 3), ['/bin/sh', '-s', `${rig.root}/sbin/mgrctl`]);
  assert.match(s.shell[3] ?? '', /^pmenomssl-\d+-[a-z0-9]+$/);
}

// Forged hand-overs: what a launcher of someone else's might leave behind. Node must see through each
// (and not wait on an empty pipe), start its own shell, and keep the variable from mgrctl.
const forge = (script: string): RunOptions => ({ via: ['/bin/sh', '-c', `${script}\nexec node "$0" "$@"`] });
const HEREDOCS = (body: string) => `exec 4<<'E' 6<<'E' 9<<'E'\n${body}E\n${body}E\n${body}E\n`;

/** bash's version as [major, minor], or undefined without bash. */
const bashVersion = (() => {
  try {
    return execFileSync('bash', ['-c', 'echo "${BASH_VERSINFO[0]} ${BASH_VERSINFO[1]}"'], { encoding: 'utf8' }).trim().split(' ').map(Number);
  } catch {
    return undefined;
  }
})();
// bash makes a short here-document a pipe from 5.1 on; before, a file, which Node does not take.
const bashPipes = !!bashVersion && (bashVersion[0]! > 5 || (bashVersion[0] === 5 && bashVersion[1]! >= 1));

describe('launcher', () => {
  it('run as BILLmanager runs it, a command on an item gets the shell the launcher started', async () => {
    const r = await run('open');
    assert.deepEqual(
      r.spawns.map((s) => s.func),
      ['paramlist', 'service.saveparam', 'service.saveparam', 'service.setstatus', 'service.postopen'],
    );
    const argv = (command: string) => (dash ? ['/bin/sh', BINARY, '--command', command, '--item', String(item)] : 'exec' as const);
    // paramlist is the launcher's shell's, run while Node starts (Node may not have started yet).
    assert.equal(paramlistByLauncher(), dash);
    for (const s of r.spawns) {
      handed(s, argv('open'));
      if (s.func !== 'paramlist') nodeGot(s, ['--command', 'open', '--item', String(item)], 'loader');
    }
    for (const s of (await run('sync_item')).spawns) {
      handed(s, argv('sync_item'));
      if (s.func !== 'paramlist') nodeGot(s, ['--command', 'sync_item', '--item', String(item)], 'loader');
    }
    assert.equal(paramlistByLauncher(), dash);
  });

  it("the launcher's paramlist failed: Node asks again in the same shell, and reports what mgrctl said", { skip: !dash && 'dash is not /bin/sh' }, async () => {
    rig.setMgrctl({ fail: { paramlist: 'exit' } });
    try {
      rig.clearCalls();
      const r = await rig.run(['--command', 'sync_item', '--item', String(item)]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /<error type="billmgr" object="mgrctl" value="paramlist"/);
      const spawns = rig.spawns();
      assert.deepEqual(spawns.map((s) => s.func), ['paramlist', 'paramlist']);
      assert.equal(spawns[0]!.ppid, spawns[1]!.ppid, 'both in the launcher\'s shell');
      assert.match(rig.logText(), /mgrctl paramlist failed: exit 3 .*stderr="mgrctl: paramlist failed \(told to\)"/);
    } finally {
      rig.setMgrctl({ fail: {} });
    }
  });

  it('a command not on an item: Node starts the shell at its first mgrctl call', async () => {
    const r = await run('getbalance', {}, ['--module', String(moduleId)]);
    assert.deepEqual(
      r.spawns.map((s) => s.func),
      ['paramlist', 'processing.savebalance'],
    );
    for (const s of r.spawns) {
      spawned(s);
      nodeGot(s, ['--command', 'getbalance', '--module', String(moduleId)], 'loader');
    }
    assert.equal(paramlistByLauncher(), false);
  });

  it('`node pmenomssl` (no launcher): Node reads the whole file and starts the shell itself', async () => {
    for (const s of (await run('sync_item', { via: [process.execPath] })).spawns) {
      spawned(s);
      nodeGot(s, ['--command', 'sync_item', '--item', String(item)], 'file');
    }
    assert.equal(paramlistByLauncher(), false);
  });

  it('bash as /bin/sh (RHEL and its kin) runs the launcher: the shell is handed over from bash 5.1 on', { skip: !bashVersion && 'no bash' }, async () => {
    for (const via of [['bash'], ['bash', '--posix']]) {
      const args = ['--command', 'sync_item', '--item', String(item)];
      for (const s of (await run('sync_item', { via })).spawns) {
        // paramlist runs in the launcher's shell before it becomes `/bin/sh -s`.
        if (bashPipes) handed(s, s.func === 'paramlist' ? [...via, BINARY, ...args] : 'exec');
        else spawned(s);
        // bash < 5.1 makes the loader's here-document a file: Node reads that, just as well.
        if (s.func !== 'paramlist') nodeGot(s, args, 'loader');
      }
      assert.equal(paramlistByLauncher(), bashPipes);
    }
  });

  it('a file replaced between the launcher and Node (an upgrade as it starts) is run as it is now, whole', () => {
    // The launcher and the loader as /bin/sh read them from one file; the file Node is told of is another build.
    const lines = fs.readFileSync(BINARY, 'latin1').split('\n');
    const ends = lines.flatMap((l, i) => (l === '0;' ? [i] : []));
    assert.equal(ends.length, 4, 'three here-documents for the shell, one for the loader');
    const launcher = lines.slice(0, ends[3]! + 1).join('\n') + '\n';
    const other = path.join(rig.root, 'pmenomssl-other-build');
    fs.writeFileSync(
      other,
      "process.stdout.write('<doc>the other build</doc>\\n');\nfunction __payload(){/**/}\nfunction __table(){/*{\"T\":[[0,0,0,0]],\"N\":{},\"B\":\"0000000000000000\"}*/}\n",
    );
    const out = execFileSync('/bin/sh', ['-c', launcher, other, '--command', 'features'], { env: { PATH: process.env.PATH!, MGR5_ROOT: rig.root }, encoding: 'utf8' });
    assert.equal(out, '<doc>the other build</doc>\n');
  });

  it("a Node.js older than package.json's engines.node: BILLmanager's error XML naming both versions, exit 1", async () => {
    const need = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node.replace(/^>=\s*/, '');
    const [major, minor, patch] = need.split('.').map(Number) as [number, number, number];
    // Node 20.15.0 (no process.getBuiltinModule), as the loader sees it: process.version from a preload.
    const older = patch > 0 ? `v${major}.${minor}.${patch - 1}` : minor > 0 ? `v${major}.${minor - 1}.99` : `v${major - 1}.99.99`;
    const preload = path.join(rig.root, 'older-node.cjs');
    for (const [version, refused] of [[older, true], ['v20.15.0', true], [`v${need}`, false], [`v${major + 1}.0.0`, false]] as const) {
      fs.writeFileSync(preload, `Object.defineProperty(process, 'version', { value: ${JSON.stringify(version)} });\n`);
      for (const [args, via] of [
        [['--command', 'features'], undefined],
        [['--command', 'sync_item', '--item', String(item)], undefined],
        [['--command', 'features'], [process.execPath]],
      ] as const) {
        const r = await rig.run([...args], { env: { NODE_OPTIONS: `--require ${preload}` }, via: via && [...via] });
        const what = `${version}, ${args[1]}${via ? ', node pmenomssl' : ''}`;
        if (!refused) {
          assert.equal(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
          continue;
        }
        const v = `${version}; pmenomssl needs Node.js ${need} or later`;
        assert.deepEqual([r.code, r.stderr, r.stdout], [1, '', `<doc><error type="value" object="node" value="${v}"><param name="value">${v}</param></error></doc>\n`], what);
      }
    }
  });

  it('a forged hand-over is not taken: a process not our child', async () => {
    for (const s of (await run('sync_item', forge(`${HEREDOCS('true //\n')}PMENOMSSL_SHELL='1 4 6 9'; export PMENOMSSL_SHELL`))).spawns) spawned(s);
  });

  it('a forged hand-over is not taken: our child, but the fds are not pipes', async () => {
    const r = await run('sync_item', forge('sleep 3 & PMENOMSSL_SHELL="$! 4 6 9"; export PMENOMSSL_SHELL; exec 4>/dev/null 6</dev/null 9</dev/null'));
    for (const s of r.spawns) spawned(s);
  });

  it('a forged hand-over is not taken: our child and pipes, but empty ones (read without waiting)', async () => {
    const r = await run('sync_item', forge(`${HEREDOCS('')}sleep 3 & PMENOMSSL_SHELL="$! 4 6 9"; export PMENOMSSL_SHELL`));
    for (const s of r.spawns) spawned(s);
  });
});
