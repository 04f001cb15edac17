// BILLmanager's MySQL/MariaDB, read directly (as ISPsystem's own modules do); writes go via mgrctl.
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

export async function connectDb(p: Paramlist, log: Logger): Promise<Db> {
  registerSecret(p.DBPassword);
  const { createConnection } = await loadDriver();
  const socketPath = p.DBSocket?.trim() || undefined;
  const port = p.DBPort?.trim() ? Number(p.DBPort) : 3306;
  const target = socketPath ? `socket ${socketPath}` : `${p.DBHost || 'localhost'}:${port}`;
  let conn: Awaited<ReturnType<typeof createConnection>>;
  const started = Date.now();
  try {
    conn = await createConnection({
      // A socket, when given, wins over host and port (contract.md).
      ...(socketPath ? { socketPath } : { host: p.DBHost || 'localhost', port }),
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
