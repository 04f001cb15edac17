// The shell that starts mgrctl (src/billmgr/shell.ts): arguments arrive verbatim whatever they hold,
// answers are told apart, and a program that hangs, floods or is missing fails the call, not the run.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { childrenOf, createShell, ShellError, shellQuote, takeHandedShell, type HandedShell, type ShellOptions } from '../../src/billmgr/shell';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-shell-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

// Prints each argument followed by a NUL: what arrived, byte for byte.
const argv = script('argv', `printf '%s\\0' "$@"`);
const split = (out: string) => out.split('\0').slice(0, -1);

/**
 * A shell started as the launcher starts one: pipes made before it, `sh -s` reading the first, whose
 * first line (the launcher's) says it runs. `argv` another program in its place, `first` another line.
 */
let fifos = 0;
/** As the launcher's shell starts: the paramlist it ran (here: none, `-`), then its script from stdin. */
const LAUNCHER_SHELL = ['/bin/sh', '-c', "printf 'paramlist\\000\\000- /nowhere/sbin/mgrctl\\n'; exec /bin/sh -s"];
function handedShell(argv = LAUNCHER_SHELL, first = "'echo' //\n"): HandedShell {
  const pipe = (): [number, number] => {
    const p = path.join(dir, `fifo-${fifos++}`);
    execFileSync('mkfifo', [p]);
    const rw = fs.openSync(p, 'r+'); // a reader and a writer: opening either end alone does not wait
    const ends: [number, number] = [fs.openSync(p, 'r'), fs.openSync(p, 'w')];
    fs.closeSync(rw);
    fs.rmSync(p);
    return ends;
  };
  const [inR, inW] = pipe();
  const [outR, outW] = pipe();
  const [errR, errW] = pipe();
  fs.writeSync(inW, first);
  const c = spawn(argv[0]!, argv.slice(1), { stdio: [inR, outW, errW] });
  for (const fd of [inR, outW, errW]) fs.closeSync(fd);
  c.unref();
  return { pid: c.pid!, stdin: inW, stdout: outR, stderr: errR };
}

// Every behaviour holds for a shell this process starts and for one the launcher handed over.
for (const [kind, make] of Object.entries({
  spawned: createShell,
  handed: (o: ShellOptions) => createShell({ ...o, handed: handedShell() }),
})) {
  describe(`shell (${kind}): arguments`, () => {
    it('arrive verbatim, one each, and nothing in them runs', async () => {
      const canary = path.join(dir, 'ran');
      const hostile = [
        '',
        "it's",
        "''",
        `"double" and \\backslash\\ and \\'`,
        `$(touch ${canary})`,
        `\`touch ${canary}\``,
        `; touch ${canary}`,
        `x && touch ${canary} || touch ${canary}`,
        `$HOME $1 $2 \${2} $@ $? $$ $!`,
        '-----BEGIN CERTIFICATE-----\nMIIB\r\n+/=\n-----END CERTIFICATE-----\n',
        '\n',
        '\t tab and  spaces ',
        '*',
        '-n',
        '--',
        '%s %d %%',
        '<doc><error type="x">&amp;</error></doc>',
        'кириллица ✓ 😀',
        'x'.repeat(100_000),
        `'; exit 0; '`,
        "'\\''",
      ];
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      const r = await sh.run(argv, hostile);
      assert.equal(r.status, 0);
      assert.deepEqual(split(r.stdout), hostile);
      assert.equal(r.stderr, '');
      assert.equal(fs.existsSync(canary), false, 'an argument was run by the shell');
    });

    it('shellQuote makes one word that sh reads back unchanged', () => {
      for (const s of ["a'b", '', "'", 'x\ny', '$(id)']) {
        assert.equal(execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(s)}`], { encoding: 'utf8' }), s);
      }
      assert.throws(() => shellQuote('a\0b'), /NUL/);
    });

    it('an argument with a NUL byte is refused before anything runs', async () => {
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      await assert.rejects(sh.run(argv, ['a\0b']), /NUL/);
      assert.deepEqual(split((await sh.run(argv, ['ok'])).stdout), ['ok']);
    });
  });

  describe(`shell (${kind}): answers`, () => {
    it('gives each call its own stdout, stderr and exit status, in order, also when called at once', async () => {
      const prog = script('answer', 'printf "out %s" "$1"; printf "err %s\\n" "$1" >&2; exit "$2"');
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      const rs = await Promise.all([sh.run(prog, ['a', '0']), sh.run(prog, ['b', '3']), sh.run(prog, ['c', '0'])]);
      assert.deepEqual(rs, [
        { status: 0, stdout: 'out a', stderr: 'err a\n' },
        { status: 3, stdout: 'out b', stderr: 'err b\n' },
        { status: 0, stdout: 'out c', stderr: 'err c\n' },
      ]);
    });

    it('keeps trailing newlines, and an answer that looks like the end of a call is just an answer', async () => {
      // The marker is pmenomssl-PID-RANDOM; the answer mimics one with our pid.
      const fake = `pmenomssl-${process.pid}-0`;
      const prog = script('fake-marker', `printf '\\n%s 0\\n' '${fake}'; sleep 0.2; printf 'last\\n\\n'; printf '\\n%s\\n' '${fake}' >&2`);
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      const r = await sh.run(prog, []);
      assert.deepEqual(r, { status: 0, stdout: `\n${fake} 0\nlast\n\n`, stderr: `\n${fake}\n` });
    });

    it('a missing program is exit 127 and the shell lives on', async () => {
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      const r = await sh.run(path.join(dir, 'no-such-mgrctl'), ['x']);
      assert.equal(r.status, 127);
      assert.match(r.stderr, /not found/);
      assert.deepEqual(split((await sh.run(argv, ['after'])).stdout), ['after']);
    });

    it('a program that cannot be run is exit 126', async () => {
      const file = path.join(dir, 'not-executable');
      fs.writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      assert.equal((await sh.run(file, [])).status, 126);
    });

    it('the program does not read our stdin (it gets /dev/null)', async () => {
      const prog = script('reads-stdin', 'cat; echo done');
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      assert.equal((await sh.run(prog, [])).stdout, 'done\n');
      assert.deepEqual(split((await sh.run(argv, ['next'])).stdout), ['next']);
    });

    it('runs the program in the foreground (not as a background job, which would ignore SIGINT)', async () => {
      // A shell starts a foreground command with vfork, a background one with fork (slower on the VM
      // the bench runs on); a background job of a non-interactive shell also ignores SIGINT and SIGQUIT.
      const prog = script('sigign', `sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status`);
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      const mask = BigInt(`0x${(await sh.run(prog, [])).stdout.trim()}`);
      assert.equal(mask & (1n << 1n), 0n, 'SIGINT is ignored: the program ran as a background job');
    });

    it('another program gets a shell of its own', async () => {
      const other = script('other', 'echo other');
      const sh = make({ timeoutMs: 10_000, maxOutput: 1 << 20 });
      assert.deepEqual(split((await sh.run(argv, ['one'])).stdout), ['one']);
      assert.equal((await sh.run(other, [])).stdout, 'other\n');
      assert.deepEqual(split((await sh.run(argv, ['two'])).stdout), ['two']);
    });
  });

  describe(`shell (${kind}): failures`, () => {
    it('a program that hangs times out, is killed, and the next call runs in a new shell', async () => {
      const pidFile = path.join(dir, 'hang.pid');
      const prog = script('hang', `echo $$ > '${pidFile}'; echo started >&2; exec sleep 30`);
      const sh = make({ timeoutMs: 500, maxOutput: 1 << 20 });
      const t0 = Date.now();
      const err = await sh.run(prog, []).then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ShellError);
      assert.match(err.message, /timed out after 500 ms/);
      assert.equal(err.stderr, 'started\n');
      assert.ok(Date.now() - t0 < 5_000);
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      const deadline = Date.now() + 5_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(pid), false, 'the hanging program was left running');
      assert.deepEqual(split((await sh.run(argv, ['again'])).stdout), ['again']);
    });

    it('a program that writes more than allowed fails the call', async () => {
      const prog = script('flood', `i=0; while [ $i -lt 200 ]; do printf '%050d\\n' $i; i=$((i+1)); done`);
      const sh = make({ timeoutMs: 10_000, maxOutput: 1_000 });
      await assert.rejects(sh.run(prog, []), (e: unknown) => e instanceof ShellError && /more than 1000 characters to stdout/.test(e.message));
      assert.deepEqual(split((await sh.run(argv, ['small'])).stdout), ['small']);
    });

  });
}

describe('shell: one this process starts', () => {
  it('a shell that cannot start, or ends, fails the call with the reason', async () => {
    await assert.rejects(createShell({ timeoutMs: 10_000, maxOutput: 100, sh: path.join(dir, 'no-sh') }).run(argv, []), /no-sh not found/);
    await assert.rejects(createShell({ timeoutMs: 10_000, maxOutput: 100, sh: '/bin/false' }).run(argv, []), /the shell running it ended \(exit 1\)/);
  });

  it('an idle shell does not keep the process alive', () => {
    const code = `const { createShell } = require(${JSON.stringify(path.resolve('src/billmgr/shell.ts'))});
      createShell({ timeoutMs: 10000, maxOutput: 1000 }).run(${JSON.stringify(argv)}, ['x']).then((r) => process.stdout.write(r.stdout));`;
    const t0 = Date.now();
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(out, 'x\0');
    assert.ok(Date.now() - t0 < 15_000);
  });
});

describe('shell: one the launcher started', () => {
  it('is taken from PMENOMSSL_SHELL only when it is the launcher\'s, and the variable goes either way', () => {
    for (const v of ['', 'x', '123', '123 4 6', '123 4 6 9 1', '0 4 6 9', '123 4 4 9', '123 2 6 9', '123 4 6 10', '-1 4 6 9', ' 123 4 6 9', '123 4 6 9\n']) {
      const env: NodeJS.ProcessEnv = { PMENOMSSL_SHELL: v, OTHER: 'kept' };
      assert.equal(takeHandedShell(env), undefined, JSON.stringify(v));
      assert.deepEqual(env, { OTHER: 'kept' });
    }
    assert.equal(takeHandedShell({}), undefined);
    // Well formed, but no such child of this process with such pipes (the end-to-end tests in
    // test/launcher.test.ts hand over real ones, and forged ones).
    const env: NodeJS.ProcessEnv = { PMENOMSSL_SHELL: '999999999 4 6 9' };
    assert.equal(takeHandedShell(env), undefined);
    assert.deepEqual(env, {});
  });

  it('that ends before it says it runs ran nothing: the call goes to a shell of our own, once', async () => {
    const count = path.join(dir, 'count.txt');
    const prog = script('count', `echo x >> '${count}'; echo $PPID`);
    for (const [argv, first] of [
      [['/bin/sh', '-c', 'exit 0'], "'echo' //\n"], // its start failed
      [['/bin/sh', '-c', 'exec 1>&-; exec cat >/dev/null'], "'echo' //\n"], // its stdout closed
    ] as const) {
      fs.rmSync(count, { force: true });
      const handed = handedShell([...argv], first);
      const sh = createShell({ timeoutMs: 10_000, maxOutput: 1 << 20, handed });
      const r = await sh.run(prog, []);
      assert.equal(r.status, 0, `${argv.join(' ')}: ${JSON.stringify(r)}`);
      assert.notEqual(Number(r.stdout.trim()), handed.pid, 'ran in the launcher\'s shell');
      assert.equal(r.stderr, '');
      assert.equal(fs.readFileSync(count, 'utf8'), 'x\n', 'the program ran once');
    }
  });

  it('that says something else first fails the call, which is not run again', async () => {
    const count = path.join(dir, 'count3.txt');
    const prog = script('count3', `echo $PPID >> '${count}'`);
    for (const [argv, first] of [
      [['/bin/sh', '-c', 'echo other; exec cat >/dev/null'], "'echo' //\n"],
      [['/bin/sh', '-s'], 'echo /; echo x\n'],
      [LAUNCHER_SHELL, 'echo /; echo x\n'], // its paramlist, then not that it runs
    ] as const) {
      fs.rmSync(count, { force: true });
      const handed = handedShell([...argv], first);
      const sh = createShell({ timeoutMs: 10_000, maxOutput: 1 << 20, handed });
      await assert.rejects(sh.run(prog, []), (e: unknown) => e instanceof ShellError && /the shell from the launcher said ".*" first/.test(e.message));
      await new Promise((r) => setTimeout(r, 200));
      // Only ever in the shell that was handed over, at most once. It is killed as soon as it says
      // the wrong thing, which may be after the program opened the file and before it wrote: empty.
      const runs = fs.existsSync(count) ? fs.readFileSync(count, 'utf8') : '';
      assert.ok(runs === '' || runs === `${handed.pid}\n`, `ran again, or elsewhere: ${JSON.stringify(runs)} (handed ${handed.pid})`);
    }
  });

  it('hands over the paramlist it ran before Node started, also when it comes in pieces, then runs calls', async () => {
    const handed = handedShell([
      '/bin/sh',
      '-c',
      "printf 'param'; sleep 0.1; printf 'list\\000<doc>a\\nb c</doc>\\000'; sleep 0.1; printf '0 /x y/sbin/mgrctl\\n'; exec /bin/sh -s",
    ]);
    const sh = createShell({ timeoutMs: 10_000, maxOutput: 1 << 20, handed });
    const prog = script('ppid3', 'echo $PPID');
    assert.deepEqual(await sh.launcherParamlist(prog), { stdout: '<doc>a\nb c</doc>', status: '0', mgrctl: '/x y/sbin/mgrctl' });
    assert.equal(Number((await sh.run(prog, [])).stdout.trim()), handed.pid, 'in the launcher\'s shell');
    assert.equal(Number((await sh.run(prog, [])).stdout.trim()), handed.pid);
    // A shell of our own ran nothing before: it has no paramlist to give.
    assert.equal(await createShell({ timeoutMs: 10_000, maxOutput: 1 << 20 }).launcherParamlist(argv), undefined);
  });

  it('whose paramlist never ends fails the call, without quoting a word of it (it holds the database password)', async () => {
    const handed = handedShell(['/bin/sh', '-c', "printf 'paramlist\\000<doc><elem><DBPassword>S3cret-Pw</DBPassword>'; i=0; while [ $i -lt 100 ]; do printf '%050d' $i; i=$((i+1)); done; exec cat >/dev/null"]);
    const sh = createShell({ timeoutMs: 10_000, maxOutput: 100, handed });
    await assert.rejects(sh.run(argv, ['x']), (e: unknown) => {
      assert.ok(e instanceof ShellError);
      assert.match(e.message, /the shell from the launcher said more than 100 characters of paramlist/);
      assert.doesNotMatch(e.message, /S3cret|DBPassword/);
      return true;
    });
  });

  it('whose paramlist holds a NUL of its own is not taken: nothing after that NUL is given as status or program, and calls go to a shell of our own', async () => {
    const handed = handedShell(['/bin/sh', '-c', "printf 'paramlist\\000<doc><x>\\000</x><DBPassword>S3cret-Pw</DBPassword></doc>\\n\\0000 /x/sbin/mgrctl\\n'; exec /bin/sh -s"]);
    const sh = createShell({ timeoutMs: 10_000, maxOutput: 1 << 20, handed });
    const prog = script('ppid5', 'echo $PPID');
    assert.equal(await sh.launcherParamlist(prog), undefined);
    assert.notEqual(Number((await sh.run(prog, [])).stdout.trim()), handed.pid, 'ran in the shell that said it');
  });

  it('whose paramlist hangs: ended with its shell when a call would time out; the next call gets a shell of its own', async () => {
    const pidFile = path.join(dir, 'paramlist.pid');
    const handed = handedShell(['/bin/sh', '-c', `printf 'paramlist\\000'; sh -c 'echo $$ > "$1"; exec sleep 30' - '${pidFile}'; exec /bin/sh -s`]);
    const sh = createShell({ timeoutMs: 500, maxOutput: 1 << 20, handed });
    await assert.rejects(sh.launcherParamlist(argv), (e: unknown) => e instanceof ShellError && /timed out after 500 ms/.test(e.message));
    const deadline = Date.now() + 5_000;
    while ((alive(handed.pid) || alive(Number(fs.readFileSync(pidFile, 'utf8')))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(handed.pid), false, 'the shell was left running');
    assert.equal(alive(Number(fs.readFileSync(pidFile, 'utf8'))), false, 'its paramlist was left running');
    const prog = script('ppid4', 'echo $PPID');
    assert.notEqual(Number((await sh.run(prog, [])).stdout.trim()), handed.pid);
  });

  it('that ends while a call runs fails the call: a call that may have run is never run again', async () => {
    const count = path.join(dir, 'count2.txt');
    const prog = script('kills-shell', `echo x >> '${count}'; kill -9 $PPID`);
    const handed = handedShell();
    const sh = createShell({ timeoutMs: 10_000, maxOutput: 1 << 20, handed });
    await assert.rejects(sh.run(prog, []), (e: unknown) => e instanceof ShellError && /the shell running it ended/.test(e.message));
    assert.equal(fs.readFileSync(count, 'utf8'), 'x\n');
  });

  it('that ends fails the call, and the next call gets a shell of its own', async () => {
    const handed = handedShell();
    const sh = createShell({ timeoutMs: 10_000, maxOutput: 1 << 20, handed });
    const prog = script('ppid2', 'echo $PPID');
    assert.equal(Number((await sh.run(prog, [])).stdout.trim()), handed.pid);
    process.kill(handed.pid, 'SIGKILL');
    await assert.rejects(sh.run(prog, []), (e: unknown) => e instanceof ShellError && /the shell running it ended/.test(e.message));
    const pid = Number((await sh.run(prog, [])).stdout.trim());
    assert.notEqual(pid, handed.pid);
    assert.ok(childrenOf(process.pid).includes(pid));
  });
});

describe('shell: the programs a timeout ends', () => {
  it('are the shell\'s children, read from /proc (this process: the shell it started)', async () => {
    const sh = createShell({ timeoutMs: 10_000, maxOutput: 1 << 20 });
    const prog = script('ppid', 'echo $PPID');
    const shellPid = Number((await sh.run(prog, [])).stdout.trim());
    assert.ok(childrenOf(process.pid).includes(shellPid));
    assert.deepEqual(childrenOf(shellPid), []);
  });

  it('without task/PID/children: every stat line is read, odd process names too', () => {
    const proc = fs.mkdtempSync(path.join(dir, 'proc-'));
    const stat = (pid: number, comm: string, ppid: number) => {
      fs.mkdirSync(path.join(proc, String(pid)), { recursive: true });
      fs.writeFileSync(path.join(proc, String(pid), 'stat'), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194304\n`);
    };
    stat(100, 'sh', 1);
    stat(101, 'mgrctl', 100);
    stat(102, 'a ) 7 (b', 100); // a name that looks like more fields
    stat(103, 'other', 1000);
    stat(104, 'x) S 100 (y', 1);
    fs.mkdirSync(path.join(proc, 'self'));
    assert.deepEqual(childrenOf(100, proc), [101, 102]);
    fs.mkdirSync(path.join(proc, '100', 'task', '100'), { recursive: true });
    fs.writeFileSync(path.join(proc, '100', 'task', '100', 'children'), '101 ');
    assert.deepEqual(childrenOf(100, proc), [101]);
    assert.deepEqual(childrenOf(100, path.join(dir, 'no-proc')), []);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
