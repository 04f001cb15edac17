// The module's log: var/pmenomssl.log in the mgr5 line format, written synchronously through pino,
// with secrets removed by the logger itself so no caller can leak one by accident. The line format,
// the scrubbing (secret keys at any depth, secret values, private keys) and the level live in
// ./logline, which loads without pino. (Not pino's `redact` option: it cost 3–5 ms of every run that
// logs, and the line formatter reads every record anyway.)
import pino, { type Logger } from 'pino';
import { formatLine, readLogLevel } from './logline';
import { MODULE_NAME, paths } from './paths';

export type { Logger };

function openDestination(): pino.DestinationStream {
  try {
    // sync: every line is on disk (in the page cache) before the next statement runs, so a
    // kill -9 or process.exit loses nothing.
    return pino.destination({ dest: paths.log(), sync: true, mkdir: true, append: true });
  } catch (err) {
    process.stderr.write(`${MODULE_NAME}: cannot open ${paths.log()} (${(err as Error).message}); logging to stderr\n`);
    return pino.destination({ dest: 2, sync: true });
  }
}

export function createLogger(level: pino.Level = readLogLevel(), dest?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: null,
      timestamp: false,
      hooks: { streamWrite: (s: string) => formatLine(s) },
    },
    dest ?? openDestination(),
  );
}
