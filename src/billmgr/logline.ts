// What a line of the module's log looks like and may contain, without pino: the mgr5 line format,
// the secrets scrubbed from every line, the level from etc/debug.conf, and a logger that only
// collects lines. pino itself (./log) loads only for a run that writes a line, so `features` and
// `approver`, which write none at the default level, never load it.
import fs from 'node:fs';
import type { Level, Logger } from 'pino';
import { MODULE_NAME, paths } from './paths';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERR', 60: 'CRIT' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Bindings printed first, in this order, so every line says which run and which object it is about. */
const CONTEXT_KEYS = ['command', 'item', 'module', 'runningoperation'];

/** Keys whose values never reach the log, wherever they sit in a logged object. */
const SECRET_KEYS = new Set(['pw', 'password', 'passwd', 'DBPassword', 'pkey', 'privateKey', 'private_key', 'CryptKeyValue']);

/** A logged value with the values of secret keys replaced, at any depth. */
function censor(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 8) return v;
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

const PRIVATE_KEY_RE = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
const SECRET_PARAM_RE = /\b(pw|password|passwd|DBPassword)(=|:\s*|">|>)([^&\s<"]*)/gi;

/** Removes private keys, secret-looking parameters and every registered secret from a text. */
export function scrub(text: string): string {
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
  if (typeof v === 'string') return /^[^\s"=]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  if (v instanceof Object) return JSON.stringify(v);
  return String(v);
}

/** One pino JSON record → one mgr5 log line. Exported for tests. */
export function formatLine(json: string, now = new Date()): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    // pino writes JSON; anything else is not shown: secret keys are censored in the parsed record.
    return `${formatTime(now)} [${process.pid}] ${MODULE_NAME} WARN unreadable log record (${json.length} characters) left out\n`;
  }
  const level = LEVEL_NAMES[Number(rec.level)] ?? 'INFO';
  const ctx = CONTEXT_KEYS.filter((k) => rec[k] !== undefined).map((k) => (k === 'command' ? String(rec[k]) : `${k}=${formatValue(rec[k])}`));
  const extras: string[] = [];
  for (const [k, raw] of Object.entries(rec)) {
    if (k === 'level' || k === 'msg' || k === 'time' || CONTEXT_KEYS.includes(k) || raw === undefined) continue;
    const v = SECRET_KEYS.has(k) ? '[redacted]' : censor(raw);
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { type?: string; message?: string; code?: string };
      extras.push(`err=${formatValue(`${e.type ?? 'Error'}${e.code ? `(${e.code})` : ''}: ${e.message ?? ''}`)}`);
      continue;
    }
    extras.push(`${k}=${formatValue(v)}`);
  }
  const head = ctx.length ? `[${ctx.join(' ')}] ` : '';
  const body = `${head}${String(rec.msg ?? '')}${extras.length ? ' ' + extras.join(' ') : ''}`;
  // One event, one line: a newline in a message (say from an ENOM error text) must not forge a line,
  // nor a carriage return or a terminal escape sequence rewrite what an admin's terminal shows.
  const safe = scrub(body)
    .replace(/\r?\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${formatTime(now)} [${process.pid}] ${MODULE_NAME} ${level} ${safe}\n`;
}

/** mgr levels (etc/debug.conf): 9 debug, 6 extinfo, 5 info, 4 warning, 3 error, 2 critical. */
export function mgrLevelToPino(n: number): Level {
  if (n >= 7) return 'debug';
  if (n >= 5) return 'info';
  if (n === 4) return 'warn';
  if (n === 3) return 'error';
  return 'fatal';
}

export function readLogLevel(file = paths.debugConf()): Level {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return 'info';
  }
  let any: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\S+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === MODULE_NAME) return mgrLevelToPino(Number(m[2]));
    if (m[1] === '*') any = Number(m[2]);
  }
  return any === undefined ? 'info' : mgrLevelToPino(any);
}

const LEVEL_VALUES: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export interface Collected {
  level: Level;
  bindings: Record<string, unknown>;
  args: [unknown, string?] | [string];
}

/**
 * A logger that keeps the lines its level lets through, to be written by pino when the run ends
 * (`flush`). For the read-only commands that write nothing at the default level: they then never
 * load pino at all. The pino Logger methods the code uses: child, the six levels, isLevelEnabled.
 */
export function collectingLogger(level: Level, out: Collected[] = [], bindings: Record<string, unknown> = {}): Logger {
  const min = LEVEL_VALUES[level];
  const at = (l: Level) => (...args: [unknown, string?] | [string]) => {
    if (LEVEL_VALUES[l] >= min) out.push({ level: l, bindings, args });
  };
  const log = {
    level,
    child: (more: Record<string, unknown>) => collectingLogger(level, out, { ...bindings, ...more }),
    isLevelEnabled: (l: Level) => LEVEL_VALUES[l] >= min,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
  return log as unknown as Logger;
}

/** Writes what a collecting logger kept through a real one. */
export function flushCollected(lines: Collected[], real: Logger): void {
  for (const { level, bindings, args } of lines.splice(0)) (real.child(bindings)[level] as (...a: unknown[]) => void)(...args);
}
