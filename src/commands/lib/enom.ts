// Where the two clients meet: an ENOM client for a processing module's settings, and ENOM's errors
// turned into BILLmanager's error types.
import type { Context } from '../../billmgr/context';
import { ModuleError } from '../../billmgr/errors';
import { registerSecret } from '../../billmgr/logline';
import { createEnomClient, EnomError, type EnomClient } from '../../enom';

export interface Connection {
  url: string;
  username: string;
  password: string;
}

const NETWORK_WHAT: Record<string, string> = {
  dns: 'host name not resolved',
  refused: 'connection refused',
  reset: 'connection reset',
  timeout: 'timed out',
  tls: 'TLS handshake failed',
  other: 'network failure',
};

/** An ENOM client for these settings (each call has a connection of its own: nothing to close). */
export function enomClient(ctx: Context, c: Connection): EnomClient {
  registerSecret(c.password);
  let client: EnomClient;
  try {
    client = createEnomClient({ url: c.url, uid: c.username, pw: c.password, log: ctx.log });
  } catch (e) {
    throw toModuleError(e);
  }
  return client;
}

/** ENOM's failure in BILLmanager's terms; anything else passes through unchanged. */
export function toModuleError(e: unknown): unknown {
  if (!(e instanceof EnomError)) return e;
  const enom = e.codes.length ? ` (ENOM ${e.codes.join(', ')})` : '';
  const said = e.messages.join('; ').slice(0, 300);
  switch (e.kind) {
    case 'auth':
      return new ModuleError('invalid_login_or_passwd', e.message, { object: 'username', value: `${said}${enom}`, cause: e });
    case 'ip':
      return new ModuleError('ip_not_allowed', e.message, { object: e.host ?? 'enom', value: e.ip ?? 'unknown (ENOM did not say)', cause: e });
    case 'funds':
      return new ModuleError('insufficient_funds', e.message, { object: 'balance', value: `${said}${enom}`, cause: e });
    case 'api':
      return new ModuleError('api_error', e.message, { object: e.command, value: `${said}${enom}`, retry: e.retryable, cause: e });
    case 'incomplete':
    case 'bad_response':
      return new ModuleError('bad_response', e.message, { object: e.field ?? e.command, value: e.kind === 'incomplete' ? 'incomplete response' : 'invalid response', cause: e });
    case 'network':
      return new ModuleError('connection', e.message, { object: e.host ?? 'enom', value: NETWORK_WHAT[e.cause ?? 'other'] ?? 'network failure', cause: e });
    case 'outcome_unknown':
      return new ModuleError('outcome_unknown', e.message, { object: e.command, value: e.reason ?? 'no answer', cause: e });
  }
}

/** Runs an ENOM call, translating its failure. */
export async function enom<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    throw toModuleError(e);
  }
}
