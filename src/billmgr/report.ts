// The one error path: any failure becomes BILLmanager's error XML on stdout, a log line, and, when
// BILLmanager passed --runningoperation, an update of that operation (and a staff task when retrying
// cannot help).
import { setTimeout as sleep } from 'node:timers/promises';
import { ModuleError } from './errors';
import type { Logger } from './log';
import { scrub } from './logline';
import type { Db } from './db';
import type { Mgrctl } from './mgrctl';
import { text, type XmlNode } from './xml';
import { buildXml } from './xml-build';

/**
 * Text for the error XML: characters XML 1.0 forbids (NUL, ESC and the other C0 controls but tab, CR
 * and LF) are shown as \uXXXX, so a hostile value never makes the document unreadable.
 */
export function xmlSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `{ error: … }`, for a document that reports several outcomes (getbalance over many modules). */
export function errorNode(err: ModuleError): XmlNode {
  // Secrets are removed before XML escaping: a password quoted in a message (`got "pa&ss\"word"`)
  // is no longer recognisable once & and " have become &amp; and &quot;.
  const object = xmlSafe(scrub(err.object));
  const value = xmlSafe(scrub(err.value));
  return {
    error: {
      '@_type': err.type,
      '@_object': object,
      '@_value': value,
      param: [
        { '@_name': 'object', '#text': object },
        { '@_name': 'value', '#text': value },
      ],
      msg: xmlSafe(scrub(err.message)),
    },
  };
}

/** What a failed run prints: BILLmanager's error XML, or the fuller document the error carries. */
export function errorXml(err: ModuleError): string {
  // Secrets never reach an error XML, whatever a message was built from.
  return scrub(err.document ?? buildXml({ doc: errorNode(err) }));
}

export interface ReportTarget {
  command: string;
  item?: number;
  runningoperation?: number;
}

/** Tries of an operation that keeps failing before staff are asked (billmanager.md §4, as ISPsystem's). */
const MAX_TRIES = 10;
const MAX_TRIES_OF: Record<string, number> = { prolong: 1 };

const TRIES_WAIT_MS = 2_000;

/** BILLmanager's count of the operation's runs so far (runningoperation.trycount). */
export async function tryCount(db: Db, ro: number): Promise<number | undefined> {
  const rows = await db.query<{ trycount: number | string | null }>('SELECT trycount FROM runningoperation WHERE id = ?', [ro]);
  const n = Number(rows[0]?.trycount);
  return rows.length && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Tells BILLmanager's running operation about the failure. Never throws: the error XML still prints.
 * `tries` reads the operation's try count; without it (or without a database) a retryable failure
 * is left to BILLmanager's next try.
 */
export async function reportToOperation(
  err: ModuleError,
  xml: string,
  t: ReportTarget,
  mgrctl: Mgrctl,
  log: Logger,
  tries?: (ro: number) => Promise<number | undefined>,
): Promise<void> {
  if (!t.runningoperation) return;
  const ro = t.runningoperation;
  try {
    // Retrying may help, but not for ever: a renewal gets one try (money was asked for it), the rest
    // ten, this one counted; then staff take over. The failures so far are read before this one is
    // reported (runningoperation.edit counts it).
    const limit = MAX_TRIES_OF[t.command] ?? MAX_TRIES;
    // Not long: a database that hangs must not hold the report back (unknown: BILLmanager retries).
    const before = err.retry && limit > 1 && tries ? await Promise.race([tries(ro).catch(() => undefined), sleep(TRIES_WAIT_MS, undefined, { ref: false })]) : 0;
    await mgrctl('runningoperation.edit', { elid: ro, errorxml: xml, sok: 'ok' });
    if (err.retry) {
      if (before === undefined || before + 1 < limit) return;
      log.warn({ tries: before + 1, limit }, 'still failing after the tries an operation gets: handing it to staff');
    }
    // A retry cannot fix this (bad data, bad credentials, a bug), or no longer will: stop the retries, ask a human.
    await mgrctl('runningoperation.setmanual', { elid: ro, sok: 'ok' });
    const answer = await mgrctl('task.gettype', { operation: t.command });
    const type = text(answer, 'task_type');
    if (type && t.item) await mgrctl('task.edit', { item: t.item, runningoperation: ro, type, sok: 'ok' });
    else log.warn({ type: type ?? '' }, 'no staff task created: BILLmanager names no task type for this operation or no item');
  } catch (e) {
    log.error({ err: e }, 'could not report the failure to the running operation');
  }
}
