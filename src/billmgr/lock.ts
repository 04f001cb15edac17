// Exclusive locks under $MGR5_ROOT/var/pmenomssl/, held through flock(1): the kernel drops a flock
// when its holder dies, so a killed run never leaves a stale lock. The flock child holds the lock
// while its stdin is open; our exit (clean or SIGKILL) closes that pipe and so releases it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ModuleError } from './errors';
import type { Logger } from './log';
import { paths } from './paths';

export type Release = () => Promise<void>;

export function stateDir(): string {
  const dir = path.join(paths.varDir(), 'pmenomssl');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function acquireLock(name: string, log: Logger, waitMs = 30_000): Promise<Release> {
  const file = path.join(stateDir(), `${name}.lock`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--exclusive', '--wait', String(Math.ceil(waitMs / 1000)), file, '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let held = false;
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      if (held || !s.includes('locked')) return;
      held = true;
      log.debug({ lock: name, ms: Date.now() - started }, 'lock acquired');
      resolve(async () => {
        child.stdin.end();
        await exited;
        log.debug({ lock: name }, 'lock released');
      });
    });
    child.once('error', (e) => reject(new ModuleError('internal', `cannot run flock for ${file}: ${e.message}`, { object: 'lock', value: name })));
    child.once('close', (code) => {
      if (held) return;
      log.warn({ lock: name, ms: Date.now() - started, code }, 'lock busy');
      reject(new ModuleError('busy', `another pmenomssl run holds ${name} (waited ${Math.round((Date.now() - started) / 1000)} s)`, { object: 'lock', value: name }));
    });
  });
}
