// One /bin/sh per run that starts mgrctl for us, call after call.
//
// Why: every child Node starts is a fork of this whole process followed by an exec, and Node's one
// thread waits for both. With the 40-50 MB a command has in memory by then, that is ~5 ms a call on
// the 2-core VM this was measured on (docs/bench.md), and sync_item makes up to five calls. A shell of
// 1 MB forks in a fraction of that, and while it does, Node goes on. So one shell runs them all, and
// every call is one line of shell code on its stdin:
//
//   "$1" 'arg' 'arg' … </dev/null; printf '\n%s %s\n' "$2" $? ; printf '\n%s\n' "$2" >&2
//
// - The shell is, when it can be, the one the launcher (the first lines of dist/pmenomssl, see
//   build/bundle.mjs) started before Node, so that Node forks nothing at all: takeHandedShell() checks
//   it is; otherwise the first call starts one. That shell has run `mgrctl paramlist` while Node
//   started, and says its answer first (launcherParamlist()).
// - Each argument is single-quoted (a ' inside becomes '\''): the shell takes it verbatim, whatever
//   it holds (a PEM chain, an error XML, `$(…)`); no value is ever interpreted. The program is $1,
//   given when the shell starts (on its command line, or the launcher's shell in a first line).
// - Its stdout and stderr go where the shell's go; after it ends the shell writes a marker line with
//   its exit status to both. The marker is random per run ($2), so no answer can fake one.
// - The program runs in the foreground: the shell starts it with vfork, ~1.5 ms a call less than the
//   fork a background job takes on that VM (docs/bench.md). A shell does not act on a signal while a
//   foreground program runs, so on our timeout we end the program ourselves (its pid from /proc:
//   the shell's children), then the shell.
// - When this process ends, the shell reads end-of-file and ends too; a run killed as a process
//   group takes the shell (our group) and the running program with it.
import type { Readable, Writable } from 'node:stream';
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

export interface ShellResult {
  /** the program's exit status; 127 the shell could not find it, 126 it could not run it */
  status: number;
  stdout: string;
  stderr: string;
}

/** The call did not run to its end: timed out, too much output, or the shell is gone. */
export class ShellError extends Error {
  constructor(
    message: string,
    /** what the program had written to stderr by then */
    readonly stderr = '',
  ) {
    super(message);
  }
}

export interface Shell {
  /** Runs `program args…`, one call at a time (a call made during another waits for it). */
  run(program: string, args: readonly string[]): Promise<ShellResult>;
  /**
   * What the launcher's shell ran before Node started (`program -m billmgr -o xml paramlist`, see
   * build/bundle.mjs), once it has said; undefined when there is no such shell or it ended first.
   * Taking it starts the shell for `program`.
   */
  launcherParamlist(program: string): Promise<LauncherParamlist | undefined>;
}

/** The launcher's `paramlist`: its stdout, its exit status (`-`: not run), the mgrctl it ran. */
export interface LauncherParamlist {
  stdout: string;
  status: string;
  mgrctl: string;
}

export interface ShellOptions {
  timeoutMs: number;
  /** characters of stdout (and of stderr) a call may write */
  maxOutput: number;
  /** the shell; tests only */
  sh?: string;
  /** a shell already running (see takeHandedShell); used for the first program run */
  handed?: HandedShell;
}

/** A shell the launcher (the first lines of dist/pmenomssl, build/bundle.mjs) started before Node. */
export interface HandedShell {
  pid: number;
  /** our ends of its stdin, stdout and stderr */
  stdin: number;
  stdout: number;
  stderr: number;
}

/** What the launcher put first into the shell's stdout and stderr pipes (its here-documents). */
export const LAUNCHER_BYTES = 'true //\n';
/**
 * What the launcher's shell writes to its stdout first: `paramlist`, NUL, the answer of the paramlist it
 * ran before Node started, NUL, "STATUS MGRCTL" and a newline (build/bundle.mjs).
 */
export const LAUNCHER_PARAMLIST = 'paramlist\0';
/**
 * What the launcher's shell writes to its stdout next (the first line of its script,
 * which the launcher wrote): a shell that ends before it ran nothing of ours.
 */
export const LAUNCHER_READY = '//\n';

/**
 * The shell the launcher handed over in PMENOMSSL_SHELL="PID STDIN STDOUT STDERR", when it is one:
 * the pid is a child of this process and the fds are pipes, the last two holding LAUNCHER_BYTES
 * (read here, without waiting: through a non-blocking reopening). The variable is removed either way,
 * so nothing this process starts sees it.
 */
export function takeHandedShell(env: NodeJS.ProcessEnv = process.env, proc = '/proc'): HandedShell | undefined {
  const v = env.PMENOMSSL_SHELL;
  if (v === undefined) return undefined;
  delete env.PMENOMSSL_SHELL;
  const m = /^([1-9]\d{0,9}) ([3-9]) ([3-9]) ([3-9])$/.exec(v);
  if (!m) return undefined;
  const [pid, stdin, stdout, stderr] = m.slice(1).map(Number) as [number, number, number, number];
  if (new Set([stdin, stdout, stderr]).size !== 3) return undefined;
  try {
    for (const fd of [stdin, stdout, stderr]) if (!fstatSync(fd).isFIFO()) return undefined;
    if (parentOf(pid, proc) !== process.pid) return undefined;
    const buf = Buffer.alloc(LAUNCHER_BYTES.length);
    for (const fd of [stdout, stderr]) {
      const nb = openSync(`${proc}/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        if (readSync(nb, buf) !== buf.length || buf.toString('latin1') !== LAUNCHER_BYTES) return undefined;
      } finally {
        closeSync(nb);
      }
    }
  } catch {
    return undefined; // EAGAIN: an empty pipe, not the launcher's
  }
  return { pid, stdin, stdout, stderr };
}

/**
 * The parent of process `pid`, from its stat line ("pid (comm) state ppid …"; comm may hold spaces
 * and parentheses, the fields after the last ')' do not). Throws when there is no such process.
 */
function parentOf(pid: number | string, proc: string): number {
  const stat = readFileSync(`${proc}/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The pids of the processes `pid` started (Linux /proc; `proc` for tests). */
export function childrenOf(pid: number, proc = '/proc'): number[] {
  try {
    return readFileSync(`${proc}/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {}
  // A kernel without that file: every process's parent.
  const kids: number[] = [];
  try {
    for (const name of readdirSync(proc)) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (parentOf(name, proc) === pid) kids.push(Number(name));
      } catch {}
    }
  } catch {}
  return kids.sort((a, b) => a - b);
}

/** The argument as one single-quoted shell word. */
export function shellQuote(s: string): string {
  if (s.includes('\0')) throw new TypeError('an argument cannot hold a NUL byte');
  return `'${s.replaceAll("'", "'\\''")}'`;
}

interface Running {
  /** the call's line of shell code */
  line: string;
  stdout: string;
  stderr: string;
  settle(err: Error | undefined, r?: ShellResult): void;
}

/** The running shell, whoever started it. */
interface Proc {
  pid: number | undefined;
  program: string;
  /** the launcher's shell, until it said its paramlist: what its stdout has said so far */
  frame?: string;
  framed?: (p: LauncherParamlist | undefined) => void;
  paramlist?: Promise<LauncherParamlist | undefined>;
  /** the launcher's shell, until it said LAUNCHER_READY: what its stdout has said so far */
  before?: string;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  kill(): void;
}

export function createShell(opts: ShellOptions): Shell {
  let handed = opts.handed;
  let child: Proc | undefined;
  let marker = '';
  let running: Running | undefined;
  let tail: Promise<unknown> | undefined; // the last call queued, until it ends

  const drop = () => {
    if (child) {
      child.stdin.destroy();
      child.stdout.destroy();
      child.stderr.destroy();
    }
    child = undefined;
  };

  const start = (program: string) => {
    marker = `pmenomssl-${process.pid}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    let c: Proc;
    const gone = (why: string) => {
      if (child !== c) return;
      c.framed?.(undefined);
      if (c.before !== undefined) return fallBack(c);
      const r = running;
      const stderr = r ? r.stderr : '';
      drop();
      r?.settle(new ShellError(why, stderr));
    };
    const h = handed;
    handed = undefined;
    if (h) {
      // The launcher's shell reads its script from us too: $1 and $2 come in a first line.
      const net = process.getBuiltinModule('node:net');
      c = {
        pid: h.pid,
        program,
        before: '',
        stdin: new net.Socket({ fd: h.stdin, readable: false, writable: true }),
        stdout: new net.Socket({ fd: h.stdout, readable: true, writable: false }),
        stderr: new net.Socket({ fd: h.stderr, readable: true, writable: false }),
        kill: () => {
          try {
            process.kill(h.pid, 'SIGTERM');
          } catch {}
        },
        frame: '',
      };
      const proc = c;
      proc.paramlist = new Promise((resolve) => {
        proc.framed = (p) => {
          proc.frame = proc.framed = undefined;
          resolve(p);
        };
      });
      c.stdin.write(`set -- ${shellQuote(program)} ${shellQuote(marker)}\n`);
      // Not our child_process: its end is the end of its stdout.
      c.stdout.on('end', () => gone('the shell running it ended'));
      c.stdout.on('error', (e) => gone(`the shell's stdout failed: ${e.message}`));
      c.stderr.on('error', (e) => gone(`the shell's stderr failed: ${e.message}`));
    } else {
      // `sh -s`: the shell reads its script from us, a line per call; $1 the program, $2 the marker.
      const sh = opts.sh ?? '/bin/sh';
      const p = process.getBuiltinModule('node:child_process').spawn(sh, ['-s', program, marker], { stdio: ['pipe', 'pipe', 'pipe'] });
      p.unref();
      p.on('error', (e: NodeJS.ErrnoException) => gone(e.code === 'ENOENT' ? `${sh} not found` : `cannot start ${sh}: ${e.message}`));
      p.on('exit', (code, signal) => gone(`the shell running it ended (${signal ?? `exit ${code}`})`));
      c = { pid: p.pid, program, stdin: p.stdin, stdout: p.stdout, stderr: p.stderr, kill: () => p.kill('SIGTERM') };
    }
    child = c;
    // The shell and its pipes never keep this process alive (an idle shell must not): a call's
    // timeout timer does, from the call's start to its end.
    for (const s of [c.stdin, c.stdout, c.stderr] as unknown as { unref(): void }[]) s.unref();
    c.stdout.setEncoding('utf8');
    c.stderr.setEncoding('utf8');
    c.stdout.on('data', (s: string) => took(c, 'stdout', s));
    c.stderr.on('data', (s: string) => took(c, 'stderr', s));
    c.stdin.on('error', () => {}); // a shell that died shows in its end
  };

  // The launcher's shell that ended before it said LAUNCHER_READY ran nothing of ours (its start
  // failed): the call goes to a shell of our own.
  const fallBack = (c: Proc) => {
    const r = running;
    drop();
    c.kill();
    if (!r) return;
    r.stdout = '';
    r.stderr = '';
    try {
      start(c.program);
      child!.stdin.write(r.line);
    } catch (e) {
      r.settle(new ShellError(`cannot start ${opts.sh ?? '/bin/sh'}: ${(e as Error).message}`));
    }
  };

  // Not the launcher's shell after all: nothing more it says is used, and a call it may have run is
  // not run again.
  const notTheLaunchers = (c: Proc, why: string) => {
    c.framed?.(undefined);
    const r = running;
    kill();
    r?.settle(new ShellError(`the shell from the launcher ${why}, not that it runs`, r.stderr));
  };
  const saidFirst = (said: string) => `said ${JSON.stringify(said.slice(0, 40))} first`;

  const took = (c: Proc, stream: 'stdout' | 'stderr', s: string) => {
    if (stream === 'stdout' && c.frame !== undefined) {
      // The launcher's paramlist (LAUNCHER_PARAMLIST): no answer holds a NUL.
      const said = c.frame + s;
      const head = LAUNCHER_PARAMLIST.length;
      const nul = said.indexOf('\0', head);
      const nl = nul < 0 ? -1 : said.indexOf('\n', nul);
      const ours = said.length < head ? LAUNCHER_PARAMLIST.startsWith(said) : said.startsWith(LAUNCHER_PARAMLIST);
      // (Past its first bytes, what it says is paramlist's answer, database password and all: never quoted.)
      if (!ours) return notTheLaunchers(c, saidFirst(said));
      if (nl < 0 && said.length > opts.maxOutput + 4096) return notTheLaunchers(c, `said more than ${opts.maxOutput} characters of paramlist`);
      if (nl < 0) {
        c.frame = said;
        return;
      }
      // The trailer is the shell's own "STATUS MGRCTL". Anything else means the answer held a NUL of
      // its own, and what follows it (the password, say) is neither logged as a status nor quoted.
      const trailer = /^(\d{1,3}|-) (\/[^\0\n]*)$/.exec(said.slice(nul + 1, nl));
      if (!trailer) return notTheLaunchers(c, 'said a paramlist it could not have run');
      c.framed!({ stdout: said.slice(head, nul), status: trailer[1]!, mgrctl: trailer[2]! });
      s = said.slice(nl + 1);
      if (s === '') return;
    }
    if (stream === 'stdout' && c.before !== undefined) {
      const said = c.before + s;
      if (said.length < LAUNCHER_READY.length && LAUNCHER_READY.startsWith(said)) {
        c.before = said;
        return;
      }
      if (!said.startsWith(LAUNCHER_READY)) return notTheLaunchers(c, saidFirst(said));
      c.before = undefined;
      s = said.slice(LAUNCHER_READY.length);
      if (s === '') return;
    }
    const r = running;
    if (!r) return;
    r[stream] += s;
    if (r[stream].length > opts.maxOutput + marker.length + 16) {
      kill();
      r.settle(new ShellError(`wrote more than ${opts.maxOutput} characters to ${stream}`, r.stderr));
      return;
    }
    const out = /\n(\S+) (\d+)\n$/.exec(r.stdout.slice(-(marker.length + 16)));
    if (!out || out[1] !== marker || !r.stderr.endsWith(`\n${marker}\n`)) return;
    const status = Number(out[2]);
    const stdout = r.stdout.slice(0, r.stdout.length - out[0].length);
    const stderr = r.stderr.slice(0, r.stderr.length - marker.length - 2);
    r.settle(undefined, { status, stdout, stderr });
  };

  const kill = () => {
    const c = child;
    drop();
    if (!c) return;
    // The program the shell runs first (a shell waiting for a foreground program acts on no signal
    // until it ends), then the shell.
    if (c.pid !== undefined) {
      for (const pid of childrenOf(c.pid)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {}
      }
    }
    c.kill();
  };

  const runOne = (program: string, args: readonly string[]) =>
    new Promise<ShellResult>((resolve, reject) => {
      const line = `"$1" ${args.map(shellQuote).join(' ')} </dev/null; printf '\\n%s %s\\n' "$2" $? ; printf '\\n%s\\n' "$2" >&2\n`;
      const timer = setTimeout(() => {
        const r = running;
        kill();
        r?.settle(new ShellError(`timed out after ${opts.timeoutMs} ms`, r.stderr));
      }, opts.timeoutMs);
      running = {
        line,
        stdout: '',
        stderr: '',
        settle(err, r) {
          if (running !== this) return;
          running = undefined;
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(r!);
        },
      };
      try {
        if (!child) start(program);
        child!.stdin.write(line);
      } catch (e) {
        running.settle(new ShellError(`cannot start ${opts.sh ?? '/bin/sh'}: ${(e as Error).message}`));
      }
    });

  return {
    launcherParamlist(program) {
      if (!child && handed) {
        try {
          start(program);
        } catch {
          return Promise.resolve(undefined);
        }
      }
      const c = child;
      if (!c?.paramlist) return Promise.resolve(undefined);
      // As long as a call may take: a paramlist that hangs is ended with its shell.
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          if (child === c) kill();
          reject(new ShellError(`timed out after ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
        void c.paramlist!.then((p) => {
          clearTimeout(timer);
          resolve(p);
        });
      });
    },
    run(program, args) {
      if (args.some((a) => a.includes('\0'))) return Promise.reject(new TypeError('an argument cannot hold a NUL byte'));
      const go = () => {
        // One program for the life of the shell: it is the shell's $1.
        if (child && child.program !== program) kill();
        return runOne(program, args);
      };
      // With nothing running the call starts now, in this turn: the first one forks while the
      // caller goes on to load what it needs next.
      const p = tail ? tail.then(go) : go();
      const t: Promise<unknown> = p.catch(() => {});
      tail = t;
      void t.then(() => {
        if (tail === t) tail = undefined;
      });
      return p;
    },
  };
}
