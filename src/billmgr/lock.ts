// Exclusive locks: MariaDB named locks (GET_LOCK) taken on the run's own connection to BILLmanager's
// database. The server drops a named lock when the connection that holds it ends, so a run that dies
// (SIGKILL included) never leaves a stale lock behind; and taking one is a query, not a process (the
// flock(1) child this replaced cost ~27 ms of every item command). Names are per database, so two
// BILLmanager installations on one MariaDB server never wait on each other.
import type { Db } from './db';
import { ModuleError } from './errors';
import type { Logger } from './log';

export interface Lock {
  /** Gives the lock back (ending the connection does too). */
  release(): Promise<void>;
  /** Throws unless this run still holds the lock: asked right before money is spent, since a lost database connection loses the lock with it. */
  assertHeld(): Promise<void>;
}

// MariaDB lock names are at most 64 characters; the database name is last, so a long one is cut, not the lock's.
const NAME = "LEFT(CONCAT('pmenomssl:', ?, ':', DATABASE()), 64)";

export async function acquireLock(db: Db, name: string, log: Logger, waitMs = 30_000): Promise<Lock> {
  const started = Date.now();
  const waitS = Math.max(1, Math.ceil(waitMs / 1000));
  // GET_LOCK answers 1 (ours), 0 (still held by another run after waitS seconds) or NULL (an error).
  const [row] = await db.query<{ got: number | string | null }>(`SELECT GET_LOCK(${NAME}, ?) AS got`, [name, waitS], { timeoutMs: waitMs + 15_000 });
  const got = row?.got === null || row?.got === undefined ? null : Number(row.got);
  if (got !== 1) {
    log.warn({ lock: name, ms: Date.now() - started, got }, 'lock busy');
    if (got === 0) throw new ModuleError('busy', `another pmenomssl run holds ${name} (waited ${Math.round((Date.now() - started) / 1000)} s)`, { object: 'lock', value: name });
    throw new ModuleError('billmgr', `the database did not grant the lock ${name} (GET_LOCK returned NULL)`, { object: 'lock', value: name });
  }
  log.debug({ lock: name, ms: Date.now() - started }, 'lock acquired');
  let held = true;
  return {
    async release() {
      if (!held) return;
      held = false;
      await db.query(`SELECT RELEASE_LOCK(${NAME})`, [name]).catch(() => {});
      log.debug({ lock: name }, 'lock released');
    },
    async assertHeld() {
      const [r] = await db.query<{ mine: number | string | null }>(`SELECT IS_USED_LOCK(${NAME}) = CONNECTION_ID() AS mine`, [name]);
      if (!held || Number(r?.mine) !== 1) {
        throw new ModuleError('busy', `lost the lock ${name} (was the database connection interrupted?); nothing was sent`, { object: 'lock', value: name });
      }
    },
  };
}
