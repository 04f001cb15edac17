// argv → command. BILLmanager runs `pmenomssl --command NAME [--item ID] …` (billmanager.md §2);
// admins run the same from a shell. Whatever happens, stdout gets XML and the exit code tells.
//
// argv is read by Node's own util.parseArgs, not commander: every option takes one value, and the
// only other things are --help and --version, so commander's classes, help machinery and events
// were ~2.5 ms of every run (docs/bench.md) for nothing parseArgs does not do.
import { parseArgs } from 'node:util';
import { createContext, type Context, type Options } from './billmgr/context';
import { ModuleError, badValue, missing, toModuleError } from './billmgr/errors';
import { createLogger, type Logger } from './billmgr/log';
import { readLogLevel } from './billmgr/logline';
import { createMgrctl, type Mgrctl } from './billmgr/mgrctl';
import { writeStdout } from './billmgr/stdout';
import { ALIASES, COMMANDS, type CommandEntry } from './commands/index';

declare const __VERSION__: string;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

/** Every option of billmanager.md §2; each takes one value. */
const OPTIONS = {
  command: 'the BILLmanager command to run (see Commands below)',
  item: 'service (item) id',
  module: 'processing module id',
  runningoperation: 'BILLmanager running operation id, told about failures',
  domain: 'domain name(s), comma-separated (approver)',
  intname: 'tariff internal name = ENOM product code (approver)',
  subcommand: 'sub-command',
  id: 'object id',
  itemtype: 'item type',
  param: 'parameter name (setparam)',
  value: 'parameter value (setparam)',
  lang: 'interface language',
  level: 'access level',
  addon: 'addon id',
  emails: 'approver e-mail(s), comma-separated (send_dv_email)',
} as const;
type OptionName = keyof typeof OPTIONS;
const ID_OPTIONS = ['item', 'module', 'runningoperation'] as const;
const MAX_ID = 2 ** 31 - 1; // BILLmanager ids are INT columns

export function parseId(name: string, raw: string): number {
  if (!/^[0-9]{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_ID) {
    throw badValue(name, raw.slice(0, 64), `--${name} must be a positive whole number, got "${raw.slice(0, 64)}"`);
  }
  return Number(raw);
}

interface Parsed {
  command: string;
  opts: Options;
  unknown: string[];
}

/** `--item <value>` (`--command <name>`), as help and errors write an option. */
const usage = (name: OptionName) => `--${name} <${name === 'command' ? 'name' : 'value'}>`;

/** The options parseArgs knows: ours, each a string that may be given more than once, and --help, --version. */
const PARSE_OPTIONS = {
  ...(Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string', multiple: true }])) as Record<OptionName, { type: 'string'; multiple: true }>),
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

async function helpText(): Promise<string> {
  const flags: [string, string][] = [
    ['-V, --version', 'output the version number'],
    ...(Object.entries(OPTIONS) as [OptionName, string][]).map(([name, help]): [string, string] => [usage(name), help]),
    ['-h, --help', 'display this help'],
  ];
  const width = Math.max(...flags.map(([f]) => f.length)) + 2;
  const lines = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, c]) => {
      const needs = c.needs.map((n) => ` --${n} …`).join('');
      return `  ${name.padEnd(18)} ${(await c.load()).description}${needs ? ` [needs${needs}]` : ''}`;
    }),
  );
  const aliases = Object.entries(ALIASES).map(([a, n]) => `  ${a.padEnd(18)} same as ${n}`);
  return [
    'Usage: pmenomssl --command <name> [options]',
    '',
    'BILLmanager processing module for ENOM SSL certificates',
    '',
    'Options:',
    ...flags.map(([f, h]) => `  ${f.padEnd(width)}${h}`),
    '',
    'Commands:',
    ...lines,
    ...aliases,
    '',
    'BILLmanager root: $MGR5_ROOT or /usr/local/mgr5; log: <root>/var/pmenomssl.log',
    '',
  ].join('\n');
}

async function parseArgv(argv: string[]): Promise<Parsed | 'exit'> {
  // strict: false: an option BILLmanager adds in a later version is logged and ignored, not fatal;
  // an option's value is the next argument whatever it looks like (`--domain -x` is the domain -x).
  const { values, tokens } = parseArgs({ args: argv, options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  // --help and --version answer an admin who types them alone. Beside a --command they are refused,
  // and nothing is done: an admin who types `--command prolong --item 5 --help` wants help, not a
  // renewal, and a run BILLmanager made (it never sends them) must not pass for done either.
  if (values.help || values.version) {
    if (values.command === undefined) {
      writeStdout(values.help ? await helpText() : `${VERSION}\n`);
      return 'exit';
    }
    const flag = values.help ? 'help' : 'version';
    throw badValue(flag, `--${flag}`, `--help and --version stand alone: beside --command they are refused and nothing was done (run pmenomssl --help)`);
  }
  const opts: Options = {};
  let command = '';
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const given = values[name] as (string | boolean)[] | undefined;
    if (!given) continue;
    // `--item` as the last argument: no value (parseArgs gives true).
    if (given.some((v) => typeof v !== 'string')) throw missing(name, `command line: option '${usage(name)}' argument missing`);
    const list = given as string[];
    // "--item 1 --item 2" or "--command close --command open" is ambiguous: differing repeats are refused.
    if (new Set(list).size > 1) {
      const shown = list.slice(0, 3).map((v) => `"${v.slice(0, 64)}"`).join(', ');
      throw badValue(name, list[0]!.slice(0, 64), `--${name} is given ${list.length} times with different values (${shown}${list.length > 3 ? ', …' : ''})`);
    }
    const v = list[0]!;
    if (name === 'command') command = v;
    else if ((ID_OPTIONS as readonly string[]).includes(name)) opts[name as (typeof ID_OPTIONS)[number]] = parseId(name, v);
    else (opts as Record<string, string>)[name] = v;
  }
  // What is not ours (options of a later BILLmanager, stray words), as given, for the log.
  const ours = (name: string) => Object.hasOwn(OPTIONS, name);
  const stray = tokens.filter((t) => t.kind === 'positional' || (t.kind === 'option' && !ours(t.name)));
  // one entry per argument: `-hV` is two tokens of one argument
  const unknown = [...new Set(stray.map((t) => t.index))].map((i) => argv[i]!);
  return { command, opts, unknown };
}

function bindingsFor(command: string, opts: Options): Record<string, unknown> {
  const b: Record<string, unknown> = { command: command ? command.slice(0, 64) : '-' };
  if (opts.item) b.item = opts.item;
  if (opts.module) b.module = opts.module;
  if (opts.runningoperation) b.runningoperation = opts.runningoperation;
  return b;
}

/** Best-effort context for the log line of a failure before argv could be trusted. */
function looseBindings(argv: string[]): Record<string, unknown> {
  const b: Record<string, unknown> = { command: '-' };
  for (const k of ['command', 'item', 'module'] as const) {
    const i = argv.indexOf(`--${k}`);
    if (i >= 0 && argv[i + 1] !== undefined) b[k] = argv[i + 1]!.slice(0, 64);
  }
  return b;
}

function lookupCommand(name: string): CommandEntry | undefined {
  // hasOwn: argv is hostile, and "constructor" or "__proto__" must not find Object's own members.
  const canonical = Object.hasOwn(ALIASES, name) ? ALIASES[name]! : name;
  return Object.hasOwn(COMMANDS, canonical) ? COMMANDS[canonical] : undefined;
}

function findCommand(name: string): CommandEntry {
  if (!name) throw missing('command', 'no --command given (try --help)');
  const entry = lookupCommand(name);
  if (!entry) throw badValue('command', name.slice(0, 64), `unknown command "${name.slice(0, 64)}" (try --help)`);
  return entry;
}

export async function main(argv: string[]): Promise<number> {
  let log: Logger | undefined;
  let target: { command: string; item?: number; runningoperation?: number } = { command: '' };
  let close = async () => {};
  // The run's mgrctl, once there is a context: the error path reports through it too (its shell is
  // running already; a second mgrctl would start a second one).
  let mgrctl: Mgrctl | undefined;
  let db: Context['db'] | undefined;
  // The log file opens on the first line written: the quiet commands (features, approver), which
  // write none at the default level, never touch it.
  const root = createLogger(readLogLevel());
  try {
    const parsed = await parseArgv(argv).catch(async (e: unknown) => {
      log = root.child(looseBindings(argv));
      throw e;
    });
    if (parsed === 'exit') return 0;
    const { command, opts, unknown } = parsed;
    target = { command, item: opts.item, runningoperation: opts.runningoperation };
    log = root.child(bindingsFor(command, opts));
    if (unknown.length) log.warn({ ignored: unknown.slice(0, 20).join(' ').slice(0, 500) }, 'ignoring unknown command-line arguments');
    const entry = findCommand(command);
    for (const need of entry.needs) if (opts[need] === undefined) throw missing(need, `--command ${command} needs --${need}`);
    const ctx = createContext(command, opts, log);
    close = () => ctx.close();
    mgrctl = ctx.mgrctl;
    db = ctx.db;
    if (entry.service && ctx.doNothing()) {
      log.info('etc/billmgr.DoNothing exists: doing nothing');
      return 0;
    }
    // Every command about an item reads it from the database: start `mgrctl paramlist` (and then the
    // connection) first, so the child process runs on another core while this one loads the
    // command's code. Up to the spawn it is all promise jobs, so one setImmediate sees it issued.
    // (A failure surfaces where the command awaits ctx.db().)
    if (entry.needs.includes('item')) {
      ctx.db().catch(() => {});
      await new Promise((resolve) => setImmediate(resolve));
    }
    const mod = await entry.load();
    const started = Date.now();
    log.debug({ argv: argv.join(' ').slice(0, 500) }, 'start');
    const out = await mod.run(ctx);
    if (out) writeStdout(out.endsWith('\n') ? out : `${out}\n`);
    log[entry.quiet ? 'debug' : 'info']({ ms: Date.now() - started }, 'done');
    return 0;
  } catch (thrown) {
    const err = toModuleError(thrown);
    log ??= root.child(looseBindings(argv));
    if (err.type === 'internal') log.error({ err: thrown, stack: thrown instanceof Error ? thrown.stack : undefined }, err.message);
    else log.error({ type: err.type, object: err.object, value: err.value }, err.message);
    // The error path's own code (the XML builder with it) loads only when it is taken.
    const { errorXml, reportToOperation, tryCount } = await import('./billmgr/report');
    const xml = errorXml(err);
    const openDb = db;
    await reportToOperation(err, xml, target, mgrctl ?? createMgrctl(log), log, openDb && (async (ro) => tryCount(await openDb(), ro)));
    writeStdout(`${xml}\n`);
    return 1;
  } finally {
    await close().catch(() => {});
  }
}

let crashed = false;
function crash(e: unknown): void {
  // Last resort: still XML on stdout, never a stack trace; once, whatever fails after.
  if (crashed) return;
  crashed = true;
  import('./billmgr/report')
    .then(({ errorXml }) => writeStdout(`${errorXml(toModuleError(e))}\n`))
    .catch(() => {})
    .finally(() => process.exit(1));
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  crash,
);
