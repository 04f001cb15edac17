// The module's log: var/pmenomssl.log in the mgr5 line format, each line written synchronously as it
// happens (a kill -9 or process.exit loses nothing), with secrets removed by the logger itself so no
// caller can leak one by accident. The line format, the scrubbing and the level live in ./logline.
//
// Not pino (docs/bench.md): pino's part here had shrunk to turning each record into JSON that our
// formatter parsed straight back into the mgr5 line; loading it and its destination stream cost
// check_connection 7 ms and sync_item 11 ms of every run. The file opens on the first line, so a
// command that logs nothing (features, approver at the default level) never touches it.
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatRecord, LEVEL_VALUES, type Level, type LogRecord } from './logline';
import { MODULE_NAME, paths } from './paths';

export type { Level };

type LogFn = {
  (msg: string): void;
  (fields: object, msg?: string): void;
};

/** What the code logs through: the six levels, child loggers that add context, the level test. */
export interface Logger {
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: Level): boolean;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
}

/** Where the lines go: the log file by default; tests pass their own. */
export interface LogDestination {
  write(line: string): void;
}

export function fileDestination(file = paths.log()): LogDestination {
  let fd: number | undefined;
  return {
    write(line) {
      if (fd === undefined) {
        try {
          mkdirSync(dirname(file), { recursive: true });
          fd = openSync(file, 'a');
        } catch (err) {
          process.stderr.write(`${MODULE_NAME}: cannot open ${file} (${(err as Error).message}); logging to stderr\n`);
          fd = 2;
        }
      }
      // A log that cannot be written (a full disk) must not fail the command it describes.
      try {
        writeSync(fd, line);
      } catch (err) {
        if (fd === 2) return;
        process.stderr.write(`${MODULE_NAME}: cannot write ${file} (${(err as Error).message}); logging to stderr\n`);
        fd = 2;
        try {
          writeSync(fd, line);
        } catch {}
      }
    },
  };
}

export function createLogger(level: Level, dest: LogDestination = fileDestination()): Logger {
  const min = LEVEL_VALUES[level];
  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (l: Level): LogFn =>
      (a: unknown, msg?: string) => {
        if (LEVEL_VALUES[l] < min) return;
        const rec: LogRecord = typeof a === 'string' ? { level: l, bindings, msg: a } : { level: l, bindings, fields: a as Record<string, unknown>, msg: msg ?? '' };
        dest.write(formatRecord(rec));
      };
    return {
      child: (more) => make({ ...bindings, ...more }),
      isLevelEnabled: (l) => LEVEL_VALUES[l] >= min,
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      fatal: at('fatal'),
    };
  };
  return make({});
}
