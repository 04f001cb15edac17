// The intent journal: before money is spent at ENOM, what we are about to buy is on disk (fsynced);
// ENOM's CertID joins it the moment it arrives. A run that finds an intent without a CertID knows a
// purchase may have happened and reconciles with ENOM instead of buying again. One small file per
// (item, operation); it is removed once BILLmanager holds the outcome, so the journal stays small.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { paths } from './paths';

export type IntentOp = 'open' | 'prolong';

export interface Intent {
  op: IntentOp;
  item: number;
  /** ENOM service code */
  product: string;
  prodType: number;
  /** ISO time the intent was written, before the purchase request */
  since: string;
  certId?: number;
  orderId?: number;
  /** BILLmanager's running operation the purchase was for (its retries carry the same id) */
  runningoperation?: number;
}

/** $MGR5_ROOT/var/pmenomssl/, the module's own state, made private on first use. */
function stateDir(): string {
  const dir = join(paths.varDir(), 'pmenomssl');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const fileOf = (item: number, op: IntentOp) => join(stateDir(), `intent-${item}-${op}.json`);

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readIntent(item: number, op: IntentOp): Intent | undefined {
  let text: string;
  try {
    text = readFileSync(fileOf(item, op), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Intent;
    return v && v.item === item && v.op === op ? v : undefined;
  } catch {
    // A torn write cannot happen (rename is atomic); a hand-edited file can. Treat it as an intent
    // without CertID, the safe reading: reconcile before buying.
    return { op, item, product: '', prodType: 0, since: new Date(0).toISOString() };
  }
}

/** Writes durably: temp file, fsync, rename, fsync the directory. */
function writeDurably(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(dirname(file));
}

export function writeIntent(intent: Intent): void {
  writeDurably(fileOf(intent.item, intent.op), JSON.stringify(intent));
}

export function retireIntent(item: number, op: IntentOp): void {
  rmSync(fileOf(item, op), { force: true });
  fsyncDir(stateDir());
}

/** Every open intent (for telling which ENOM certificates are already someone's). */
export function listIntents(): Intent[] {
  const dir = stateDir();
  return readdirSync(dir)
    .flatMap((f) => {
      const m = /^intent-(\d+)-(open|prolong)\.json$/.exec(f);
      return m ? [readIntent(Number(m[1]), m[2] as IntentOp)] : [];
    })
    .filter((i): i is Intent => i !== undefined);
}

// Markers: what BILLmanager was told once and must not be told again (written right after the
// fact: losing one costs at most one more notice, so not fsynced), and which certificates' services
// were closed (written durably before the withdrawal, which must never be undone by a resubmission).
// A few bytes per certificate, never removed.
const markerFile = (name: string) => join(stateDir(), name);
const hasMarker = (name: string) => existsSync(markerFile(name)); // no thrown ENOENT on a hot path

/** Never throws: what it records has happened; failing the run now would only make it happen twice. */
function setMarker(name: string, text: string): boolean {
  try {
    writeFileSync(markerFile(name), `${text}\n`, { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}

/** certificate.open, the first time only (billmanager.md §2): once per item, a reissue or renewal is not announced. */
export const wasAnnounced = (item: number) => hasMarker(`announced-${item}`);
export const markAnnounced = (item: number, certId: number) => setMarker(`announced-${item}`, String(certId));

/** certificate.failed, once per certificate: BILLmanager may refund on it. */
export const failureTold = (item: number, certId: number) => hasMarker(`failed-${item}-${certId}`);
export const markFailureTold = (item: number, certId: number) => setMarker(`failed-${item}-${certId}`, String(certId));

/**
 * A reissue ENOM accepted for this item, not yet handed over: which certificate, which CSR (its
 * SHA-256). A retry of the same reopen (its post to BILLmanager failed) must not ask ENOM again.
 */
export function reissueRequested(item: number): { certId: number; csr: string } | undefined {
  try {
    const m = /^([1-9][0-9]{0,9}) ([0-9a-f]{64})\n?$/.exec(readFileSync(markerFile(`reissued-${item}`), 'utf8'));
    return m ? { certId: Number(m[1]), csr: m[2]! } : undefined;
  } catch {
    return undefined;
  }
}
export const markReissueRequested = (item: number, certId: number, csr: string) => setMarker(`reissued-${item}`, `${certId} ${csr}`);
/** The reissued certificate reached BILLmanager: a later reopen, even with the same CSR, is a new reissue. */
export function clearReissueRequested(item: number): boolean {
  try {
    unlinkSync(markerFile(`reissued-${item}`));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return true;
}

/** The service of this certificate was closed: its order, withdrawn at ENOM, is never submitted again. */
export const wasClosed = (item: number, certId: number) => hasMarker(`closed-${item}-${certId}`);
/** Durable, and throws when it cannot be written: the close must then not go on. */
export const markClosed = (item: number, certId: number) => writeDurably(markerFile(`closed-${item}-${certId}`), `${certId}\n`);
