// A throwaway MariaDB per test suite: a template data directory is made once per machine (the slow
// part), then each suite copies it and starts its own server on a unix socket in a temp dir.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';

const TEMPLATE = path.join(os.tmpdir(), 'pmenomssl-mariadb-template-v1');

function which(cmd: string, fallbacks: string[]): string {
  for (const c of fallbacks) if (fs.existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${cmd} not found: install mariadb-server (.ci/run does)`);
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Makes the template once; concurrent suites wait on a mkdir lock. */
async function ensureTemplate(): Promise<void> {
  if (fs.existsSync(path.join(TEMPLATE, '.ready'))) return;
  const lock = `${TEMPLATE}.lock`;
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (fs.existsSync(path.join(TEMPLATE, '.ready'))) return;
      if (i > 1200) throw new Error(`timed out waiting for ${lock}`);
      await sleep(100);
    }
  }
  try {
    if (fs.existsSync(path.join(TEMPLATE, '.ready'))) return;
    fs.rmSync(TEMPLATE, { recursive: true, force: true });
    const installDb = which('mariadb-install-db', ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db']);
    execFileSync(installDb, ['--no-defaults', `--datadir=${TEMPLATE}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    fs.writeFileSync(path.join(TEMPLATE, '.ready'), '');
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface MariaDb {
  socket: string;
  /** connection as root, for the tests' own setup and assertions */
  conn: mysql.Connection;
  stop(): Promise<void>;
}

export async function startMariaDb(dir: string): Promise<MariaDb> {
  await ensureTemplate();
  const data = path.join(dir, 'data');
  fs.cpSync(TEMPLATE, data, { recursive: true });
  const socket = path.join(dir, 'mysqld.sock');
  const mariadbd = which('mariadbd', ['/usr/sbin/mariadbd', '/usr/sbin/mysqld']);
  const proc: ChildProcess = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--skip-networking',
      '--user=root',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--skip-log-bin',
      '--performance-schema=OFF',
      `--log-error=${path.join(dir, 'mysqld.err')}`,
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  proc.on('exit', () => (exited = true));
  let conn: mysql.Connection | undefined;
  for (let i = 0; i < 300 && !conn; i++) {
    if (exited) break;
    try {
      conn = await mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: true });
    } catch {
      await sleep(100);
    }
  }
  if (!conn) {
    proc.kill('SIGKILL');
    const log = fs.existsSync(path.join(dir, 'mysqld.err')) ? fs.readFileSync(path.join(dir, 'mysqld.err'), 'utf8').slice(-2000) : '';
    throw new Error(`MariaDB did not start: ${log}`);
  }
  return {
    socket,
    conn,
    async stop() {
      await conn!.end().catch(() => {});
      // The data directory is thrown away: no need for a clean InnoDB shutdown.
      if (!exited) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await done;
      }
    },
  };
}
