// Writes to BILLmanager go through mgrctl: `mgrctl -m billmgr -o xml FUNC key=value …`, one argv entry
// per pair, never a shell (a PEM chain or an error XML is a perfectly good argument).
import { ModuleError } from './errors';
import type { Logger } from './log';
import { paths } from './paths';
import { child, type XmlNode } from './xml';

export type MgrctlParams = Record<string, string | number | undefined>;
export type Mgrctl = (func: string, params?: MgrctlParams) => Promise<XmlNode>;

const TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 16 * 1024 * 1024;

function shorten(v: string): string {
  return v.length > 120 ? `${v.slice(0, 60)}…(${v.length} chars)` : v;
}

export function createMgrctl(log: Logger): Mgrctl {
  return async (func, params = {}) => {
    // child_process (with net and stream behind it, ~8 ms) and the XML parser load only when mgrctl
    // really runs; the parser while the child runs (it is first needed for the answer).
    const { execFile } = await import('node:child_process');
    const parser = import('./xml-parse');
    parser.catch(() => {}); // awaited (and its failure reported) where the answer is read
    const args = ['-m', 'billmgr', '-o', 'xml', func];
    for (const [k, v] of Object.entries(params)) if (v !== undefined) args.push(`${k}=${v}`);
    const started = Date.now();
    const shown = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, shorten(String(v))]));
    return new Promise<XmlNode>((resolve, reject) => {
      execFile(paths.mgrctl(), args, { timeout: TIMEOUT_MS, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, async (err, stdout, stderr) => {
        const ms = Date.now() - started;
        if (err) {
          const how = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${paths.mgrctl()} not found` : err.killed ? `timed out after ${TIMEOUT_MS} ms` : `exit ${err.code ?? '?'}`;
          log.error({ func, ms, stderr: shorten(stderr.trim()) }, `mgrctl ${func} failed: ${how}`);
          reject(new ModuleError('billmgr', `mgrctl ${func} failed: ${how}`, { object: 'mgrctl', value: func }));
          return;
        }
        let doc: XmlNode;
        try {
          const { parseXml } = await parser;
          doc = parseXml(stdout.trim() === '' ? '<doc/>' : stdout, `mgrctl ${func}`, MAX_OUTPUT);
        } catch (e) {
          log.error({ func, ms, stdout: shorten(stdout) }, `mgrctl ${func} answered with something that is not XML`);
          reject(new ModuleError('billmgr', `mgrctl ${func} answered with something that is not XML`, { object: 'mgrctl', value: func, cause: e }));
          return;
        }
        const root = child(doc, 'doc') ?? {};
        const error = child(root, 'error');
        if (error) {
          const type = typeof error['@_type'] === 'string' ? error['@_type'] : 'error';
          const msg = typeof error.msg === 'string' ? error.msg : '';
          log.error({ func, ms, type, msg }, `mgrctl ${func} returned an error`);
          reject(new ModuleError('billmgr', `mgrctl ${func} returned an error: ${type}${msg ? ` (${msg})` : ''}`, { object: 'mgrctl', value: func }));
          return;
        }
        log.info({ ms, ...shown }, `mgrctl ${func}`);
        resolve(root);
      });
    });
  };
}
