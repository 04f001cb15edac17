// BILLmanager's MySQL/MariaDB, read directly (as ISPsystem's own modules do); writes go via mgrctl.
import type { Socket } from 'node:net';
import { ModuleError } from './errors';
import type { Logger } from './log';
import { registerSecret } from './logline';

export type Paramlist = Record<string, string>;

export interface Db {
  /** `timeoutMs`: how long the statement may run (a lock wait, say); 30 s unless given. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], opts?: { timeoutMs?: number }): Promise<T[]>;
  /** Ends the connection (and with it every named lock it holds); does not wait for the server. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 30_000;

let driver: Promise<typeof import('mysql2/promise')> | undefined;
/** Loads mysql2 (~10 ms): started early, while `mgrctl paramlist` runs, by the context. */
export function loadDriver(): Promise<typeof import('mysql2/promise')> {
  driver ??= import('mysql2/promise');
  return driver;
}

/** Where the database is: a socket, when given, wins over host and port (contract.md). */
function whereIs(p: Paramlist): { socketPath: string } | { host: string; port: number } {
  const socketPath = p.DBSocket?.trim() || undefined;
  return socketPath ? { socketPath } : { host: p.DBHost || 'localhost', port: p.DBPort?.trim() ? Number(p.DBPort) : 3306 };
}

/**
 * The connection to the database, opened before mysql2 is loaded (~15 ms), so that the server's
 * greeting is there when mysql2 starts its handshake; connectDb hands it to mysql2. One that failed
 * before then is left, and mysql2 connects afresh (and reports why it cannot).
 */
export function openSocket(p: Paramlist): Socket {
  const where = whereIs(p);
  const net = process.getBuiltinModule('node:net');
  if ('socketPath' in where) return net.connect(where.socketPath).on('error', () => {});
  // As mysql2 sets up a TCP connection of its own: no delay, keep-alive from the start.
  const s = net.connect(where.port, where.host).on('error', () => {});
  s.setNoDelay(true);
  s.once('connect', () => s.setKeepAlive(true, 0));
  return s;
}

export async function connectDb(p: Paramlist, log: Logger, opened?: Socket): Promise<Db> {
  registerSecret(p.DBPassword);
  const { createConnection } = await loadDriver();
  const where = whereIs(p);
  const target = 'socketPath' in where ? `socket ${where.socketPath}` : `${where.host}:${where.port}`;
  let conn: Awaited<ReturnType<typeof createConnection>>;
  const started = Date.now();
  try {
    conn = await createConnection({
      ...where,
      ...(opened && !opened.destroyed ? { stream: opened } : {}),
      user: p.DBUser || 'root',
      password: p.DBPassword ?? '',
      database: p.DBName || 'billmgr',
      connectTimeout: CONNECT_TIMEOUT_MS,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      charset: 'utf8mb4',
      // A run sends a handful of plain queries: rows parsed by mysql2's static parser, not by code it
      // generates and compiles per query shape (disableEval), and no room kept for 16,000 prepared
      // statements (their cache's arrays are allocated up front).
      disableEval: true,
      maxPreparedStatements: 16,
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    log.error({ target, code }, 'cannot connect to the BILLmanager database');
    throw new ModuleError('billmgr', `cannot connect to the BILLmanager database at ${target}: ${code}`, { object: 'database', value: code });
  }
  log.debug({ target, ms: Date.now() - started }, 'database connected');
  return {
    async query<T>(sql: string, params: unknown[] = [], opts: { timeoutMs?: number } = {}) {
      try {
        const [rows] = await conn.query({ sql, values: params, timeout: opts.timeoutMs ?? QUERY_TIMEOUT_MS });
        return rows as T[];
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'error';
        log.error({ code, sql }, 'database query failed');
        throw new ModuleError('billmgr', `BILLmanager database query failed: ${code}`, { object: 'database', value: code });
      }
    },
    close() {
      // COM_QUIT is written now; the server ends the connection (dropping this run's named locks) as
      // it reads it. Its answer is the socket closing, which a run about to exit need not wait for
      // (a round trip at the end of every run). A clean QUIT, not a dropped socket: MariaDB logs
      // every connection that ends without one as aborted.
      conn.end().catch(() => conn.destroy());
      return Promise.resolve();
    },
  };
}

/** `mgrctl paramlist` answers `<doc><elem><DBHost>…</DBHost></elem>…</doc>`. */
export function parseParamlist(doc: Record<string, unknown>): Paramlist {
  const out: Paramlist = {};
  const elems = doc.elem === undefined ? [] : Array.isArray(doc.elem) ? doc.elem : [doc.elem];
  for (const e of elems) {
    if (!e || typeof e !== 'object') continue;
    for (const [k, v] of Object.entries(e as Record<string, unknown>)) {
      if (typeof v === 'string') out[k] = v;
      else if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)['#text'] === 'string') out[k] = (v as Record<string, string>)['#text']!;
    }
  }
  registerSecret(out.DBPassword);
  return out;
}
