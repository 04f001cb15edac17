// One /bin/sh per run that starts mgrctl for us, call after call.
//
// Why: every child Node starts is a fork of this whole process followed by an exec, and Node's one
// thread waits for both. With the 40-50 MB a command has in memory by then, that is ~5 ms a call on
// the 2-core VM this was measured on (docs/bench.md), and sync_item makes up to five calls. A shell of
// 1 MB forks in a fraction of that, and while it does, Node goes on. So the first call starts the
// shell and every call is one line of shell code on its stdin:
//
//   "$1" 'arg' 'arg' … </dev/null; printf '\n%s %s\n' "$2" $? ; printf '\n%s\n' "$2" >&2
//
// - Each argument is single-quoted (a ' inside becomes '\''): the shell takes it verbatim, whatever
//   it holds (a PEM chain, an error XML, `$(…)`); no value is ever interpreted. The program is $1,
//   given when the shell starts.
// - Its stdout and stderr go where the shell's go; after it ends the shell writes a marker line with
//   its exit status to both. The marker is random per run ($2), so no answer can fake one.
// - The program runs in the foreground: the shell starts it with vfork, ~1.5 ms a call less than the
//   fork a background job takes on that VM (docs/bench.md). A shell does not act on a signal while a
//   foreground program runs, so on our timeout we end the program ourselves (its pid from /proc:
//   the shell's children), then the shell.
// - When this process ends, the shell reads end-of-file and ends too; a run killed as a process
//   group takes the shell (our group) and the running program with it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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
}

export interface ShellOptions {
  timeoutMs: number;
  /** characters of stdout (and of stderr) a call may write */
  maxOutput: number;
  /** the shell; tests only */
  sh?: string;
}

/** The pids of the processes `pid` started (Linux /proc; `proc` for tests). */
export function childrenOf(pid: number, proc = '/proc'): number[] {
  try {
    return readFileSync(`${proc}/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {}
  // A kernel without that file: every process's parent, from its stat line ("pid (comm) state ppid
  // …"; comm may hold spaces and parentheses, the fields after the last ')' do not).
  const kids: number[] = [];
  try {
    for (const name of readdirSync(proc)) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`${proc}/${name}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) kids.push(Number(name));
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
  stdout: string;
  stderr: string;
  settle(err: Error | undefined, r?: ShellResult): void;
}

export function createShell(opts: ShellOptions): Shell {
  let child: ChildProcessWithoutNullStreams | undefined;
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
    // `sh -s`: the shell reads its script from us, a line per call; $1 the program, $2 the marker.
    const c = spawn(opts.sh ?? '/bin/sh', ['-s', program, marker], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    // The shell and its pipes never keep this process alive (an idle shell must not): a call's
    // timeout timer does, from the call's start to its end.
    for (const h of [c, c.stdin, c.stdout, c.stderr] as unknown as { unref(): void }[]) h.unref();
    c.stdout.setEncoding('utf8');
    c.stderr.setEncoding('utf8');
    c.stdout.on('data', (s: string) => took('stdout', s));
    c.stderr.on('data', (s: string) => took('stderr', s));
    c.stdin.on('error', () => {}); // a shell that died shows in 'exit'
    const gone = (why: string) => {
      if (child !== c) return;
      const r = running;
      const stderr = r ? r.stderr : '';
      drop();
      r?.settle(new ShellError(why, stderr));
    };
    c.on('error', (e: NodeJS.ErrnoException) => gone(e.code === 'ENOENT' ? `${opts.sh ?? '/bin/sh'} not found` : `cannot start ${opts.sh ?? '/bin/sh'}: ${e.message}`));
    c.on('exit', (code, signal) => gone(`the shell running it ended (${signal ?? `exit ${code}`})`));
  };

  const took = (stream: 'stdout' | 'stderr', s: string) => {
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
    c.kill('SIGTERM');
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
    run(program, args) {
      if (args.some((a) => a.includes('\0'))) return Promise.reject(new TypeError('an argument cannot hold a NUL byte'));
      const go = () => {
        // One program for the life of the shell: it is the shell's $1.
        if (child && child.spawnargs[2] !== program) kill();
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
