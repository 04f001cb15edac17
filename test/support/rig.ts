// The test rig every end-to-end suite uses: a throwaway BILLmanager root ($MGR5_ROOT) with a fake
// mgrctl and a crypt key, a throwaway MariaDB holding BILLmanager's tables, and a runner for the built
// dist/pmenomssl as BILLmanager runs it (a child process, argv pairs, stdin, stdout, exit code).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMariaDb, type MariaDb } from './mariadb';

export const REPO = path.resolve(__dirname, '..', '..');
export const BINARY = path.join(REPO, 'dist', 'pmenomssl');
const FIXTURES = path.join(REPO, 'test', 'fixtures');

/** Distinctive secrets, so a scan for them cannot miss or false-alarm. */
export const DB_PASSWORD = 'Db-Pa55w0rd!billmgr';

export interface RunResult {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export interface MgrctlCall {
  func: string;
  params: Record<string, string>;
}

/** A call as the fake mgrctl saw it: also who started it (the shell's pid and argv). */
export interface MgrctlSpawn extends MgrctlCall {
  pid: number;
  ppid: number;
  shell: string[];
  shellParent: number;
  /** the argv of the shell's parent, pmenomssl's Node */
  node: string[];
  /** PMENOMSSL_SHELL was in its environment */
  handedVar: boolean;
}

export interface RunOptions {
  stdin?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** polled every 20 ms: when true, SIGKILL the run and everything it started (fault injection) */
  killWhen?: () => boolean;
  /** start dist/pmenomssl with this program (e.g. node, bash, sh -c …) instead of executing it */
  via?: string[];
}

export interface Rig {
  root: string;
  db: MariaDb['conn'];
  publicKey: crypto.KeyObject;
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  calls(): MgrctlCall[];
  spawns(): MgrctlSpawn[];
  clearCalls(): void;
  /** `paramlist`: entries replaced in what paramlist answers (`{}` restores the rig's own). */
  setMgrctl(patch: { fail?: Record<string, 'exit' | 'error' | 'garbage' | 'hang'>; taskType?: string | null; paramlist?: Record<string, string> }): void;
  logText(): string;
  encrypt(value: string): string;
  addModule(m: { name?: string; url: string; username: string; password: string; active?: boolean; module?: string }): Promise<number>;
  addItem(i: {
    pricelist: string;
    period?: number;
    module?: number;
    status?: number;
    params?: Record<string, string>;
    crypted?: Record<string, string>;
    csr?: string | null;
    pkey?: string | null;
  }): Promise<number>;
  addRunningOperation(item: number | null, intname: string): Promise<number>;
  close(): Promise<void>;
}

export async function createRig(): Promise<Rig> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-rig-'));
  for (const d of ['sbin', 'etc', 'var', 'db']) fs.mkdirSync(path.join(root, d), { recursive: true });

  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(path.join(root, 'etc', 'billmgr.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });

  const maria = await startMariaDb(path.join(root, 'db'));
  const db = maria.conn;
  await db.query('CREATE DATABASE billmgr CHARACTER SET utf8mb4');
  await db.query(`CREATE USER 'billmgr'@'localhost' IDENTIFIED BY '${DB_PASSWORD}'`);
  await db.query("GRANT ALL ON billmgr.* TO 'billmgr'@'localhost'");
  await db.query('USE billmgr');
  await db.query(fs.readFileSync(path.join(FIXTURES, 'schema.sql'), 'utf8'));
  await db.query(fs.readFileSync(path.join(FIXTURES, 'rig-extra.sql'), 'utf8'));
  await db.query("INSERT INTO itemtype (intname) VALUES ('certificate')");

  // What BILLmanager's paramlist says; the socket must win over the (unreachable) host and port.
  const paramlist: Record<string, string> = { DBHost: '192.0.2.1', DBPort: '3307', DBSocket: maria.socket, DBUser: 'billmgr', DBPassword: DB_PASSWORD, DBName: 'billmgr' };
  const config = {
    db: { socket: maria.socket, user: 'billmgr', password: DB_PASSWORD, database: 'billmgr' },
    paramlist: { ...paramlist },
    fail: {} as Record<string, string>,
    taskType: '7' as string | null,
  };
  const writeConfig = () => fs.writeFileSync(path.join(root, 'fake-mgrctl.json'), JSON.stringify(config));
  writeConfig();
  const mgrctl = path.join(root, 'sbin', 'mgrctl');
  fs.writeFileSync(
    mgrctl,
    `#!/bin/sh\nFAKE_MGRCTL_ROOT='${root}' exec '${process.execPath}' '${path.join(REPO, 'test', 'support', 'fake-mgrctl.cjs')}' "$@"\n`,
    { mode: 0o755 },
  );
  const journal = path.join(root, 'mgrctl.jsonl');
  /** Every mgrctl call the fake recorded, as it recorded it. */
  const readJournal = (): MgrctlSpawn[] =>
    fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as MgrctlSpawn) : [];
  const captures = path.join(root, 'captures.jsonl');

  const rig: Rig = {
    root,
    db,
    publicKey,
    run(args, opts = {}) {
      return new Promise((resolve) => {
        const started = Date.now();
        // Its own process group, so a kill takes its children (mgrctl) with it.
        const [file, ...argv] = opts.via ? [...opts.via, BINARY, ...args] : [BINARY, ...args];
        const child = spawn(file!, argv, {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MGR5_ROOT: root, ...opts.env },
          stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          detached: true,
        });
        const killGroup = () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        };
        const poll = opts.killWhen
          ? setInterval(() => {
              if (opts.killWhen!()) killGroup();
            }, 20)
          : undefined;
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        child.stdout!.on('data', (c) => (stdout += c));
        child.stderr!.on('data', (c) => (stderr += c));
        if (opts.stdin !== undefined) {
          child.stdin!.on('error', () => {});
          child.stdin!.end(opts.stdin);
        }
        const timer = setTimeout(() => {
          timedOut = true;
          killGroup();
        }, opts.timeoutMs ?? 30_000);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          clearInterval(poll);
          fs.appendFileSync(captures, JSON.stringify({ args, stdout, stderr }) + '\n');
          resolve({ pid: child.pid!, code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
        });
      });
    },
    calls() {
      return readJournal().map(({ func, params }) => ({ func, params }));
    },
    spawns() {
      return readJournal().map(({ func, params, pid, ppid, shell, shellParent, node, handedVar }) => ({ func, params, pid, ppid, shell, shellParent, node, handedVar }));
    },
    clearCalls() {
      fs.rmSync(journal, { force: true });
    },
    setMgrctl(patch) {
      if (patch.fail) config.fail = patch.fail;
      if (patch.taskType !== undefined) config.taskType = patch.taskType;
      if (patch.paramlist) config.paramlist = { ...paramlist, ...patch.paramlist };
      writeConfig();
    },
    logText() {
      const f = path.join(root, 'var', 'pmenomssl.log');
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
    },
    encrypt(value) {
      return crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from(value, 'utf8')).toString('base64');
    },
    async addModule(m) {
      const [res] = (await db.query('INSERT INTO processingmodule (name, module, active) VALUES (?, ?, ?)', [
        m.name ?? 'ENOM',
        m.module ?? 'pmenomssl',
        m.active === false ? 'off' : 'on',
      ])) as unknown as [{ insertId: number }];
      const id = res.insertId;
      await db.query('INSERT INTO processingparam (processingmodule, intname, value) VALUES (?, ?, ?), (?, ?, ?)', [id, 'url', m.url, id, 'username', m.username]);
      await db.query('INSERT INTO processingcryptedparam (processingmodule, intname, value) VALUES (?, ?, ?)', [id, 'password', rig.encrypt(m.password)]);
      return id;
    },
    async addItem(i) {
      const [[pl]] = (await db.query('SELECT id FROM pricelist WHERE intname = ?', [i.pricelist])) as unknown as [{ id: number }[]];
      let pricelist = pl?.id;
      if (!pricelist) {
        const [res] = (await db.query("INSERT INTO pricelist (intname, name, itemtype) VALUES (?, ?, (SELECT id FROM itemtype WHERE intname = 'certificate'))", [
          i.pricelist,
          i.pricelist,
        ])) as unknown as [{ insertId: number }];
        pricelist = res.insertId;
      }
      const [res] = (await db.query('INSERT INTO item (pricelist, period, status, processingmodule) VALUES (?, ?, ?, ?)', [
        pricelist,
        i.period ?? 12,
        i.status ?? 1,
        i.module ?? null,
      ])) as unknown as [{ insertId: number }];
      const id = res.insertId;
      for (const [k, v] of Object.entries(i.params ?? {})) await db.query('INSERT INTO itemparam (item, intname, value) VALUES (?, ?, ?)', [id, k, v]);
      for (const [k, v] of Object.entries(i.crypted ?? {})) await db.query('INSERT INTO itemcryptedparam (item, intname, value) VALUES (?, ?, ?)', [id, k, rig.encrypt(v)]);
      if (i.csr !== undefined || i.pkey !== undefined) await db.query('INSERT INTO certificate (item, csr, pkey) VALUES (?, ?, ?)', [id, i.csr ?? null, i.pkey ?? null]);
      return id;
    },
    async addRunningOperation(item, intname) {
      const [res] = (await db.query('INSERT INTO runningoperation (item, intname) VALUES (?, ?)', [item, intname])) as unknown as [{ insertId: number }];
      return res.insertId;
    },
    async close() {
      await maria.stop();
      if (!process.env.KEEP_RIG) fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Parses an error XML enough for assertions. */
export function parseErrorXml(stdout: string): { type: string; object: string; value: string; msg: string } | null {
  const m = /<error type="([^"]*)" object="([^"]*)" value="([^"]*)"[^>]*>[\s\S]*?<msg>([\s\S]*?)<\/msg>/.exec(stdout);
  return m ? { type: m[1]!, object: m[2]!, value: m[3]!, msg: m[4]! } : null;
}
