// The one error type every command throws, and the fixed set of BILLmanager error types.
// Each type has a msg_error_<type> text in etc/xml/billmgr_mod_pmenomssl.xml (a test keeps them equal).

/** retry: whether BILLmanager retrying the operation can help; when not, a human must act. */
export const ERROR_TYPES = {
  missing: { retry: false },                 // a required value is absent (argv, stdin, item param)
  value: { retry: false },                   // a value is present but wrong
  invalid_login_or_passwd: { retry: false }, // ENOM refused the credentials (304155)
  ip_not_allowed: { retry: false },          // ENOM refused this server's IP (713254)
  connection: { retry: true },               // ENOM unreachable: DNS, refused, reset, timeout, TLS
  api_error: { retry: false },               // ENOM answered with an error
  bad_response: { retry: true },             // ENOM answered something that is not a complete response
  insufficient_funds: { retry: false },      // the ENOM account cannot pay
  outcome_unknown: { retry: true },          // a purchase was sent and no answer came back; the next run reconciles
  not_supported: { retry: false },           // ENOM's API cannot do this for the product
  busy: { retry: true },                     // another pmenomssl run holds the item
  billmgr: { retry: true },                  // mgrctl or the BILLmanager database failed
  internal: { retry: false },                // a bug: something nobody expected
} as const;

export type ErrorType = keyof typeof ERROR_TYPES;

export interface ModuleErrorInit {
  /** what the error is about: a field, option or thing (`item`, `url`, `csr`, `enom`) */
  object?: string;
  /** the offending value or a short detail; never a secret */
  value?: string;
  /** override the type's default retry policy */
  retry?: boolean;
  cause?: unknown;
  /** a whole document to print instead of the bare error XML; it must hold a top-level <error> */
  document?: string;
}

export class ModuleError extends Error {
  readonly type: ErrorType;
  readonly object: string;
  readonly value: string;
  readonly retry: boolean;
  readonly document?: string;

  constructor(type: ErrorType, message: string, init: ModuleErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ModuleError';
    this.type = type;
    this.object = init.object ?? '';
    this.value = init.value ?? '';
    this.retry = init.retry ?? ERROR_TYPES[type].retry;
    this.document = init.document;
  }
}

/** Anything thrown becomes a ModuleError; unknown throwables are internal errors. */
export function toModuleError(err: unknown): ModuleError {
  if (err instanceof ModuleError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ModuleError('internal', `unexpected failure: ${message}`, { cause: err });
}

export const missing = (object: string, message = `${object} is required`) =>
  new ModuleError('missing', message, { object });

export const badValue = (object: string, value: string, message: string) =>
  new ModuleError('value', message, { object, value });
