// A logger for the ENOM client's own tests: each call kept as the raw JSON record the client gave
// ({ level, ...fields, msg }), nothing censored or scrubbed on the way, so a test that looks for a
// password in these lines sees exactly what the client logged (the module's real log would hide a
// leak behind its own scrubbing).
import type { EnomLogger } from '../../src/enom/client';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function rawLogger(lines: string[] | null, min: keyof typeof LEVELS = 'debug'): EnomLogger {
  const at = (level: keyof typeof LEVELS) => (a: unknown, msg?: string) => {
    if (lines === null || LEVELS[level] < LEVELS[min]) return;
    lines.push(JSON.stringify(typeof a === 'string' ? { level: LEVELS[level], msg: a } : { level: LEVELS[level], ...(a as object), msg }));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), isLevelEnabled: () => lines !== null };
}
