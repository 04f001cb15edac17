// The one error type of the ENOM client. `kind` lets callers tell "ENOM said no" (auth, ip, funds,
// api) from "ENOM did not answer properly" (incomplete, bad_response, network) and, for commands
// that spend money or change state, "we cannot know whether it happened" (outcome_unknown).
import { isIP } from 'node:net';

export type EnomErrorKind =
  | 'auth' // 304155 / "Bad User name or Password"
  | 'ip' // 713254 / "User not permitted from this IP address - <ip>"
  | 'funds' // x24xxx / parameter 181 / "insufficient funds"
  | 'api' // any other ErrCount > 0
  | 'incomplete' // no <Done>true</Done> (or a body cut off mid-document)
  | 'bad_response' // HTML, empty, not XML, HTTP != 200, too large, schema mismatch
  | 'network' // never got an answer; for state-changing commands: the request certainly never left
  | 'outcome_unknown'; // state-changing command sent, no definitive answer: reconcile before retrying

export type NetworkCause = 'dns' | 'refused' | 'reset' | 'timeout' | 'tls' | 'other';

export interface EnomErrorInit {
  command: string;
  codes?: string[];
  messages?: string[];
  retryable?: boolean;
  /** network and outcome_unknown after a network failure */
  cause?: NetworkCause;
  host?: string;
  /** ip: the address ENOM saw, when the message carries one */
  ip?: string;
  httpStatus?: number;
  /** bad_response from a schema mismatch: the ENOM element at fault (`CertGetCertDetail/CertStatusID`) */
  field?: string;
  /** outcome_unknown: what went wrong after sending */
  reason?: 'network' | 'incomplete' | 'bad_response';
  attempts?: number;
  /** the low-level error (node:http, node:net, node:tls), for debugging; never carries the password */
  original?: unknown;
}

const DEFAULT_RETRYABLE: Record<EnomErrorKind, boolean> = {
  auth: false,
  ip: false,
  funds: false,
  api: false,
  incomplete: true,
  bad_response: true,
  network: true,
  outcome_unknown: true, // after reconciliation
};

export class EnomError extends Error {
  readonly kind: EnomErrorKind;
  readonly command: string;
  readonly codes: string[];
  readonly messages: string[];
  /** whether trying again later can help (not whether the client already retried) */
  readonly retryable: boolean;
  // Error.cause holds an unknown; here it is the classified network failure, as callers match on it.
  override readonly cause?: NetworkCause;
  /** the ENOM host that was asked (set on every error, ENOM's own answers included) */
  host?: string;
  readonly ip?: string;
  readonly httpStatus?: number;
  readonly field?: string;
  readonly reason?: 'network' | 'incomplete' | 'bad_response';
  attempts: number;
  declare readonly original?: unknown;

  constructor(kind: EnomErrorKind, message: string, init: EnomErrorInit) {
    super(message);
    this.name = 'EnomError';
    this.kind = kind;
    this.command = init.command;
    this.codes = init.codes ?? [];
    this.messages = init.messages ?? [];
    this.retryable = init.retryable ?? DEFAULT_RETRYABLE[kind];
    this.cause = init.cause;
    this.host = init.host;
    this.ip = init.ip;
    this.httpStatus = init.httpStatus;
    this.field = init.field;
    this.reason = init.reason;
    this.attempts = init.attempts ?? 1;
    // non-enumerable: keeps JSON/log serialisations of the error small
    Object.defineProperty(this, 'original', { value: init.original, enumerable: false });
  }
}

const IP_RE = /not permitted from this IP address\s*-?\s*(.*)$/i;

// ENOM's 6-digit codes: system digit, two error digits, three parameter digits (enom.md §2).
const err = (c: string) => c.slice(1, 3);
const param = (c: string) => c.slice(3);

/** ENOM answered that it has no such SSL certificate (error 16 "not found", parameter 397). */
export function isCertificateNotFound(e: unknown): boolean {
  return e instanceof EnomError && e.codes.some((c) => err(c) === '16' && param(c) === '397');
}

/** Turns the errors of an `ErrCount > 0` envelope into the right kind, by their codes. */
export function classifyApiError(command: string, messages: string[], codes: string[]): EnomError {
  const text = messages.join('; ');
  const codeText = codes.length ? ` (${codes.join(', ')})` : '';
  const base = { command, codes, messages };

  if (codes.includes('304155') || codes.includes('304156') || /bad user ?name or password/i.test(text)) {
    return new EnomError('auth', `ENOM ${command}: login refused: ${text}${codeText}`, base);
  }
  if (codes.includes('713254') || /not permitted from this ip/i.test(text)) {
    let ip: string | undefined;
    for (const m of messages) {
      const tail = IP_RE.exec(m.trim())?.[1]?.trim().replace(/[.;,]+$/, '');
      if (tail && isIP(tail)) ip = tail;
    }
    return new EnomError('ip', `ENOM ${command}: this server's IP address is not allowlisted: ${text}${codeText}`, { ...base, ip });
  }
  if (codes.some((c) => err(c) === '24' || param(c) === '181') || /insufficient (funds|balance)|not enough funds/i.test(text)) {
    return new EnomError('funds', `ENOM ${command}: insufficient funds in the ENOM account: ${text}${codeText}`, base);
  }
  // x18xxx: down for maintenance, which passes
  const retryable = codes.some((c) => err(c) === '18');
  return new EnomError('api', `ENOM ${command} failed: ${text || 'no error text'}${codeText}`, { ...base, retryable });
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'EAI_ADDRFAMILY']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT']);
const TLS_CODE_RE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** Classifies a low-level failure by the codes on it and its causes. */
export function classifyNetwork(e: unknown): NetworkCause {
  const codes: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
    cur = (cur as { cause?: unknown }).cause;
  }
  if (codes.some((c) => DNS_CODES.has(c))) return 'dns';
  if (codes.includes('ECONNREFUSED')) return 'refused';
  if (codes.some((c) => TLS_CODE_RE.test(c))) return 'tls';
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return 'timeout';
  if (codes.some((c) => RESET_CODES.has(c))) return 'reset';
  return 'other';
}
