// The ENOM client: one request path (form POST through Node's own http/https), one envelope parser,
// the retry policy, and the log. It knows nothing of BILLmanager.
//
// Why not undici: BILLmanager starts a process per call, and undici costs a process that makes one
// request ~150–300 ms more than node:http (its 300 kB of JavaScript, and llhttp's WebAssembly
// compiled on every start); docs/bench.md has the measurement. One POST per call needs nothing it adds.
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import { type Envelope, decodeBody, parseEnvelope } from './envelope';
import { EnomError, type NetworkCause, classifyNetwork } from './errors';
import { type Redactor, makeRedactor, shortenPems, snippet } from './redact';

type LogFn = { (msg: string): void; (fields: object, msg?: string): void };
/** What the client logs through: any logger with these levels (BILLmanager's log, a test's). */
export interface EnomLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  isLevelEnabled(level: 'debug'): boolean;
}

export interface EnomTimeouts {
  /** TCP + TLS connect, DNS included. Default 10 s. */
  connectMs?: number;
  /** from the moment the request is on the wire to the last byte of the body. Default 60 s. */
  responseMs?: number;
}

export interface EnomRetry {
  /** attempts in all for read-only commands (state-changing commands get exactly one). Default 3. */
  attempts?: number;
  /** first backoff; doubles each time, with jitter. Default 500 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface EnomClientOptions {
  /** `https://reseller.enom.com/interface.asp` or the test host */
  url: string;
  uid: string;
  /** password or API token: never logged, never in a URL, never in an error */
  pw: string;
  log: EnomLogger;
  timeouts?: EnomTimeouts;
  retry?: EnomRetry;
  /** bodies beyond this are refused mid-stream. Default 8 MiB. */
  maxResponseBytes?: number;
}

export type EnomParamValue = string | number | boolean | undefined | null;
export type EnomParams = Record<string, EnomParamValue>;

/**
 * Commands that only read. They are retried on network failures and incomplete responses; every
 * other command (spending money or changing state at the CA, or unknown to us) is sent once.
 */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set(
  ['GetBalance', 'CertGetCerts', 'CertParseCSR', 'CertGetApproverEmail', 'CertGetCertDetail', 'GetCerts'].map((c) => c.toLowerCase()),
);

export const isReadOnly = (command: string) => READ_ONLY_COMMANDS.has(command.toLowerCase());

const RESERVED_PARAMS = new Set(['command', 'uid', 'pw', 'responsetype']);
const DEFAULTS = { connectMs: 10_000, responseMs: 60_000, attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000, maxResponseBytes: 8 * 1024 * 1024 };

interface Attempt {
  /** the request was handed to a connected socket: ENOM may have received it */
  sent: boolean;
}

export class EnomClient {
  readonly url: URL;
  readonly host: string;
  readonly uid: string;
  readonly #pw: string;
  readonly #log: EnomLogger;
  readonly #redact: Redactor;
  readonly #connectMs: number;
  readonly #responseMs: number;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxBytes: number;

  constructor(opts: EnomClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new TypeError('ENOM url is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`ENOM url must be http(s), not ${url.protocol}`);
    if (url.username || url.password) throw new TypeError('ENOM url must not carry credentials');
    if (!opts.uid) throw new TypeError('ENOM uid is required');
    if (!opts.pw) throw new TypeError('ENOM password is required');
    this.url = url;
    this.host = url.hostname;
    this.uid = opts.uid;
    this.#pw = opts.pw;
    this.#log = opts.log;
    this.#redact = makeRedactor([opts.pw]);
    this.#connectMs = positive(opts.timeouts?.connectMs, DEFAULTS.connectMs);
    this.#responseMs = positive(opts.timeouts?.responseMs, DEFAULTS.responseMs);
    this.#attempts = Math.max(1, Math.floor(positive(opts.retry?.attempts, DEFAULTS.attempts)));
    this.#baseDelayMs = Math.max(0, opts.retry?.baseDelayMs ?? DEFAULTS.baseDelayMs);
    this.#maxDelayMs = Math.max(0, opts.retry?.maxDelayMs ?? DEFAULTS.maxDelayMs);
    this.#maxBytes = positive(opts.maxResponseBytes, DEFAULTS.maxResponseBytes);
  }

  /** Removes the password (in every encoding) from a text. */
  redact(text: string): string {
    return this.#redact(text);
  }

  /**
   * Sends a command and returns its checked envelope (ErrCount 0, Done true), or throws an
   * EnomError. Read-only commands are retried; the rest are sent exactly once.
   */
  async call(command: string, params: EnomParams = {}): Promise<Envelope> {
    const readOnly = isReadOnly(command);
    const body = this.#form(command, params);
    const attempts = readOnly ? this.#attempts : 1;
    this.#log.debug({ enomCommand: command, request: this.#loggable(command, params) }, `ENOM ${command} request`);

    for (let attempt = 1; ; attempt++) {
      // Date.now(), not performance.now(): the global `performance` loads perf_hooks (~3 ms) on first use.
      const started = Date.now();
      try {
        const env = await this.#once(command, body, readOnly);
        this.#log.info(
          { enomCommand: command, attempt, ms: Date.now() - started, errCount: env.errCount, codes: env.codes },
          `ENOM ${command} ok`,
        );
        return env;
      } catch (e) {
        const err = e instanceof EnomError ? e : this.#internal(command, e);
        err.attempts = attempt;
        err.host ??= this.host;
        // A timeout already spent the whole response window, and ENOM's advice for one is to try
        // again minutes later (BILLmanager does): retry only failures that come back fast.
        const again = readOnly && attempt < attempts && (err.kind === 'incomplete' || (err.kind === 'network' && err.cause !== 'timeout'));
        const delay = again ? this.#backoff(attempt) : 0;
        this.#log[again ? 'warn' : 'info'](
          {
            enomCommand: command,
            attempt,
            ms: Date.now() - started,
            kind: err.kind,
            ...(err.cause ? { cause: err.cause } : {}),
            errCount: err.messages.length || undefined,
            codes: err.codes.length ? err.codes : undefined,
            ...(again ? { retryInMs: delay } : {}),
          },
          `ENOM ${command} failed: ${this.#redact(err.message)}`,
        );
        if (!again) throw err;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  #form(command: string, params: EnomParams): string {
    const form = new URLSearchParams({ command, uid: this.uid, pw: this.#pw, responsetype: 'xml' });
    for (const [k, v] of Object.entries(params)) {
      if (RESERVED_PARAMS.has(k.toLowerCase())) throw new TypeError(`ENOM parameter ${k} is set by the client`);
      if (v === undefined || v === null) continue;
      form.append(k, typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
    }
    return form.toString();
  }

  /** The request for the debug log: no password, certificates and CSRs shortened. */
  #loggable(command: string, params: EnomParams): Record<string, string> {
    const out: Record<string, string> = { command, uid: this.uid, responsetype: 'xml' };
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null || RESERVED_PARAMS.has(k.toLowerCase())) continue;
      const s = String(v);
      out[k] = this.#redact(/-----BEGIN /.test(s) ? shortenPems(s) : s.length > 200 ? `${s.slice(0, 40)}…[${s.length} chars]` : s);
    }
    return out;
  }

  #backoff(attempt: number): number {
    const d = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return Math.round(d / 2 + (Math.random() * d) / 2);
  }

  async #once(command: string, body: string, readOnly: boolean): Promise<Envelope> {
    const state: Attempt = { sent: false };
    let res: { status: number; bytes: Buffer };
    try {
      res = await this.#post(command, body, readOnly, state);
    } catch (e) {
      if (e instanceof EnomError) throw e;
      throw this.#networkError(command, readOnly, state.sent, classifyNetwork(e), e);
    }
    const { status } = res;
    const text = decodeBody(res.bytes);
    if (this.#log.isLevelEnabled('debug')) {
      const shown = shortenPems(this.#redact(text));
      this.#log.debug(
        { enomCommand: command, status, bytes: res.bytes.length, response: shown.length > 65536 ? `${shown.slice(0, 65536)}…` : shown },
        `ENOM ${command} response`,
      );
    }

    try {
      if (status !== 200) {
        throw new EnomError(
          'bad_response',
          `ENOM ${command}: HTTP ${status} from ${this.host}${text.trim() ? `: ${snippet(text, this.#redact)}` : ''}`,
          { command, httpStatus: status },
        );
      }
      return parseEnvelope(text, command, this.#redact);
    } catch (e) {
      if (!(e instanceof EnomError)) throw e;
      // ENOM answered, but not with a verdict: for a state-changing command it may have acted.
      if (!readOnly && (e.kind === 'incomplete' || e.kind === 'bad_response')) throw this.#unknown(command, e.kind, e.message, { httpStatus: e.httpStatus, original: e });
      throw e;
    }
  }

  /**
   * One POST on a connection of its own (agent: false, closed after the answer): a reused keep-alive
   * socket the server already closed would turn a request ENOM never saw into an "outcome unknown".
   * `state.sent` turns true once the socket is connected (TLS included) and the request goes out:
   * from then on ENOM may have seen it. Two deadlines: connecting (DNS, TCP, TLS) and, from the
   * moment the request is on the wire, the whole answer.
   */
  async #post(command: string, body: string, readOnly: boolean, state: Attempt): Promise<{ status: number; bytes: Buffer }> {
    const https = this.url.protocol === 'https:';
    // Loaded here, and only the one the URL needs: https brings tls and crypto.
    const lib: { request(url: URL, opts: RequestOptions, cb: (res: IncomingMessage) => void): ClientRequest } = https
      ? await import('node:https')
      : await import('node:http');
    const opts: RequestOptions & { rejectUnauthorized?: boolean } = {
      method: 'POST',
      agent: false,
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        accept: 'text/xml, application/xml;q=0.9, */*;q=0.1',
        'user-agent': 'pmenomssl',
        connection: 'close',
      },
    };
    // TLS verification always on: set explicitly so NODE_TLS_REJECT_UNAUTHORIZED=0 cannot turn it off.
    if (https) opts.rejectUnauthorized = true;

    return new Promise((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: unknown, value?: { status: number; bytes: Buffer }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value!);
      };
      const deadline = (ms: number, what: string) => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(Object.assign(new Error(`${what} after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
      };
      const onConnected = () => {
        if (state.sent) return;
        state.sent = true;
        deadline(this.#responseMs, 'no complete answer');
      };

      const req = lib.request(this.url, opts, (res) => {
        const status = res.statusCode ?? 0;
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > this.#maxBytes) {
          finish(this.#tooLarge(command, readOnly, declared));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxBytes) finish(this.#tooLarge(command, readOnly, size));
          else chunks.push(chunk);
        });
        res.on('end', () => (res.complete ? finish(null, { status, bytes: Buffer.concat(chunks, size) }) : finish(closedEarly())));
        res.on('error', (e) => finish(e));
        res.on('close', () => finish(closedEarly()));
      });
      deadline(this.#connectMs, 'connect');
      req.on('socket', (socket: Socket) => {
        if (https) socket.once('secureConnect', onConnected);
        else if (socket.connecting) socket.once('connect', onConnected);
        else onConnected();
      });
      req.on('error', (e) => finish(e));
      req.on('close', () => finish(closedEarly()));
      req.end(body);
      // Node's socket teardown asks for process.stderr, which Node makes on first use (~1 ms with a
      // pipe there, as BILLmanager gives): made while the answer is on its way, not after it.
      setImmediate(() => void process.stderr);
    });
  }

  #tooLarge(command: string, readOnly: boolean, size: number): EnomError {
    const msg = `ENOM ${command}: response larger than ${this.#maxBytes} bytes (${size} so far) from ${this.host}`;
    return readOnly ? new EnomError('bad_response', msg, { command }) : this.#unknown(command, 'bad_response', msg, {});
  }

  #networkError(command: string, readOnly: boolean, sent: boolean, cause: NetworkCause, original: unknown): EnomError {
    const what = NETWORK_TEXT[cause];
    const detail = original instanceof Error && original.message ? ` (${this.#redact(original.message)})` : '';
    if (sent && !readOnly) {
      return new EnomError(
        'outcome_unknown',
        `ENOM ${command}: outcome unknown: the request was sent to ${this.host} but ${what} before a complete answer${detail}`,
        { command, cause, host: this.host, reason: 'network', original },
      );
    }
    return new EnomError('network', `ENOM ${command}: ${this.host} unreachable: ${what}${detail}`, { command, cause, host: this.host, original });
  }

  #unknown(command: string, reason: 'incomplete' | 'bad_response', message: string, extra: { httpStatus?: number; original?: unknown }): EnomError {
    return new EnomError('outcome_unknown', `${message} — outcome unknown, ENOM may have carried out ${command}`, {
      command,
      host: this.host,
      reason,
      ...extra,
    });
  }

  #internal(command: string, e: unknown): EnomError {
    const msg = e instanceof Error ? e.message : String(e);
    return new EnomError('bad_response', `ENOM ${command}: ${this.#redact(msg)}`, { command, original: e });
  }
}

const NETWORK_TEXT: Record<NetworkCause, string> = {
  dns: 'host name not resolved',
  refused: 'connection refused',
  reset: 'connection reset or closed',
  timeout: 'timed out',
  tls: 'TLS handshake failed (certificate not trusted or invalid)',
  other: 'network failure',
};

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}

/** The connection ended before a complete answer. */
function closedEarly(): Error {
  return Object.assign(new Error('connection closed before a complete answer'), { code: 'ECONNRESET' });
}

export function createEnomClient(opts: EnomClientOptions): EnomClient {
  return new EnomClient(opts);
}
