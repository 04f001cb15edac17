// What a command gets: its options, the log, mgrctl, and BILLmanager's database — each opened at most
// once per run and only when first asked for.
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { ModuleError } from './errors';
import type { Db, Paramlist } from './db';
import type { Logger } from './log';
import { createMgrctl, type Mgrctl } from './mgrctl';
import { paths } from './paths';

/** The options BILLmanager passes (billmanager.md §2); ids are validated positive integers. */
export interface Options {
  item?: number;
  module?: number;
  runningoperation?: number;
  domain?: string;
  intname?: string;
  subcommand?: string;
  id?: string;
  itemtype?: string;
  param?: string;
  value?: string;
  lang?: string;
  level?: string;
  addon?: string;
  emails?: string;
}

export interface Context {
  command: string;
  opts: Options;
  log: Logger;
  mgrctl: Mgrctl;
  paramlist(): Promise<Paramlist>;
  db(): Promise<Db>;
  /** stdin as text; '' when stdin is a terminal (never blocks on a person). */
  stdin(maxBytes?: number): Promise<string>;
  doNothing(): boolean;
  /** Ends the database connection, and with it the run's named locks (the run exits right after). */
  close(): Promise<void>;
}

const STDIN_LIMIT = 1024 * 1024;
const STDIN_TIMEOUT_MS = 30_000;

export function readStdin(maxBytes = STDIN_LIMIT): Promise<string> {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (e: ModuleError) => {
      cleanup();
      process.stdin.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new ModuleError('missing', `no end of input on stdin after ${STDIN_TIMEOUT_MS / 1000} s`, { object: 'stdin' })), STDIN_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) fail(new ModuleError('value', `stdin is larger than ${maxBytes} bytes`, { object: 'stdin', value: 'too large' }));
      else chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      // BILLmanager writes UTF-8. Bytes that are not UTF-8 are refused, not silently replaced by
      // U+FFFD (a mangled password would come back as a misleading "bad login").
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new ModuleError('value', 'stdin is not valid UTF-8', { object: 'stdin', value: 'invalid UTF-8' }));
      }
    };
    const onError = () => onEnd();
    function cleanup() {
      clearTimeout(timer);
      process.stdin.off('data', onData).off('end', onEnd).off('error', onError);
    }
    process.stdin.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

export function createContext(command: string, opts: Options, log: Logger): Context {
  const mgrctl = createMgrctl(log);
  let paramlist: Promise<Paramlist> | undefined;
  let db: Promise<Db> | undefined;
  let stdin: Promise<string> | undefined;
  const ctx: Context = {
    command,
    opts,
    log,
    mgrctl,
    paramlist() {
      paramlist ??= (async () => {
        const answer = mgrctl('paramlist');
        const { parseParamlist } = await import('./db');
        return parseParamlist(await answer);
      })();
      return paramlist;
    },
    db() {
      db ??= (async () => {
        // mgrctl paramlist first (a real mgrctl takes tens of ms), then mysql2 loads while it runs.
        // An answer that is there already (the launcher ran paramlist while Node started) is read
        // in the next turn of the event loop, before mysql2 loads: the database's socket then opens
        // at once, and the server's greeting arrives while mysql2 loads.
        const list = ctx.paramlist();
        const { connectDb, loadDriver, openSocket } = await import('./db');
        let opened: Socket | undefined;
        list.then((p) => (opened = openSocket(p))).catch(() => {}); // a failure surfaces below
        await new Promise((resolve) => setImmediate(resolve));
        loadDriver().catch(() => {}); // a failure to load surfaces in connectDb
        const p = await list;
        return connectDb(p, log, opened);
      })();
      return db;
    },
    stdin(maxBytes) {
      stdin ??= readStdin(maxBytes);
      return stdin;
    },
    doNothing: () => existsSync(paths.doNothing()),
    async close() {
      if (db) await (await db.catch(() => undefined))?.close();
    },
  };
  return ctx;
}
