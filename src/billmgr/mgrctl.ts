// Writes to BILLmanager go through mgrctl: `mgrctl -m billmgr -o xml FUNC key=value …`, one argv entry
// per pair, each passed verbatim (a PEM chain or an error XML is a perfectly good argument). A shell
// started with the first call starts them (./shell.ts says why); it never interprets a value.
import { resolve } from 'node:path';
import { ModuleError } from './errors';
import type { Logger } from './log';
import { paths } from './paths';
import type { Shell, ShellResult } from './shell';
import { child, type XmlNode } from './xml';

export type MgrctlParams = Record<string, string | number | undefined>;
export type Mgrctl = (func: string, params?: MgrctlParams) => Promise<XmlNode>;

const TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 16 * 1024 * 1024;

function shorten(v: string): string {
  return v.length > 120 ? `${v.slice(0, 60)}…(${v.length} chars)` : v;
}

export function createMgrctl(log: Logger): Mgrctl {
  // The shell loads with the first call: the launcher's, or one started with child_process (~8 ms:
  // net and stream behind it, and the fork).
  let shell: Promise<{ shell: Shell; ShellError: typeof import('./shell').ShellError }> | undefined;
  return async (func, params = {}) => {
    shell ??= import('./shell').then((m) => ({ shell: m.createShell({ timeoutMs: TIMEOUT_MS, maxOutput: MAX_OUTPUT, handed: m.takeHandedShell() }), ShellError: m.ShellError }));
    const { shell: sh, ShellError } = await shell;
    const args = ['-m', 'billmgr', '-o', 'xml', func];
    for (const [k, v] of Object.entries(params)) if (v !== undefined) args.push(`${k}=${v}`);
    const started = Date.now();
    const shown = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, shorten(String(v))]));
    const failed = (how: string, stderr: string, cause?: unknown) => {
      log.error({ func, ms: Date.now() - started, stderr: shorten(stderr.trim()) }, `mgrctl ${func} failed: ${how}`);
      return new ModuleError('billmgr', `mgrctl ${func} failed: ${how}`, { object: 'mgrctl', value: func, cause });
    };
    let result: ShellResult;
    // The XML parser loads while the call runs (it is first needed for the answer).
    const parser = import('./xml-parse');
    parser.catch(() => {}); // awaited (and its failure reported) where the answer is read
    // paramlist may have been run by the launcher while Node started (build/bundle.mjs): its answer
    // is taken when it ran this mgrctl and succeeded; otherwise it is asked for again.
    let byLauncher = false;
    const answer =
      func === 'paramlist' && Object.values(params).every((v) => v === undefined)
        ? sh.launcherParamlist(paths.mgrctl()).then((p) => {
            if (p && p.status === '0' && resolve(p.mgrctl) === paths.mgrctl()) {
              byLauncher = true;
              return { status: 0, stdout: p.stdout, stderr: '' };
            }
            if (p) log.debug({ status: p.status, mgrctl: shorten(p.mgrctl) }, 'mgrctl paramlist from the launcher not taken');
            return sh.run(paths.mgrctl(), args);
          })
        : sh.run(paths.mgrctl(), args); // started by now
    try {
      result = await answer;
    } catch (e) {
      const how = e instanceof Error ? e.message : String(e);
      throw failed(how, e instanceof ShellError ? e.stderr : '', e);
    }
    const { status, stdout, stderr } = result;
    const ms = Date.now() - started;
    if (status !== 0) {
      throw failed(status === 127 ? `${paths.mgrctl()} not found` : status === 126 ? `${paths.mgrctl()} cannot be run` : `exit ${status}`, stderr);
    }
    let doc: XmlNode;
    try {
      const { parseXml } = await parser;
      doc = parseXml(stdout.trim() === '' ? '<doc/>' : stdout, `mgrctl ${func}`, MAX_OUTPUT);
    } catch (e) {
      // parseXml's reasons quote nothing of the document (the code and line/column of the fault)
      const why = e instanceof ModuleError ? ` (${e.message.replace(`mgrctl ${func}: `, '')})` : '';
      // paramlist's answer holds the database password, which the log's scrubber does not know yet
      // and whose pattern stops at `&` or a space: nothing of it is logged, only its length.
      const seen = func === 'paramlist' ? { stdoutChars: stdout.length } : { stdout: shorten(stdout) };
      log.error({ func, ms, ...seen }, `mgrctl ${func} answered with something that is not XML${why}`);
      throw new ModuleError('billmgr', `mgrctl ${func} answered with something that is not XML${why}`, { object: 'mgrctl', value: func, cause: e });
    }
    const root = child(doc, 'doc') ?? {};
    const error = child(root, 'error');
    if (error) {
      const type = typeof error['@_type'] === 'string' ? error['@_type'] : 'error';
      const msg = typeof error.msg === 'string' ? error.msg : '';
      log.error({ func, ms, type, msg }, `mgrctl ${func} returned an error`);
      throw new ModuleError('billmgr', `mgrctl ${func} returned an error: ${type}${msg ? ` (${msg})` : ''}`, { object: 'mgrctl', value: func });
    }
    log.info({ ms, ...shown, ...(byLauncher ? { by: 'launcher' } : {}) }, `mgrctl ${func}`);
    return root;
  };
}
