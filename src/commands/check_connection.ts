// `check_connection`: are these ENOM settings good? The cheapest authenticated call, GetBalance,
// tells apart wrong credentials, an IP ENOM does not allow, and an ENOM this server cannot reach.
// BILLmanager pipes the settings on stdin; an admin over SSH names a stored module with --module.
import { isatty } from 'node:tty';
import type { Context } from '../billmgr/context';
import { ModuleError, toModuleError as asModuleError } from '../billmgr/errors';
import { getBalance } from '../enom';
import { connectionFromXml, connectionOfModule } from './lib/connection';
import { enom, enomClient, type Connection } from './lib/enom';

export const description = 'test ENOM credentials from stdin XML, or the stored settings of --module ID';

const USAGE = 'pmenomssl --command check_connection --module ID (tests the stored settings of processing module ID), or pipe <doc><processingmodule>…</processingmodule></doc> on stdin';

async function settings(ctx: Context): Promise<Connection> {
  if (ctx.opts.module) return connectionOfModule(ctx, ctx.opts.module);
  // Never sit waiting on a person at a terminal.
  if (process.stdin.isTTY) throw new ModuleError('missing', `no settings to check: ${USAGE}`, { object: 'module' });
  const xml = await ctx.stdin();
  if (xml.trim() === '') throw new ModuleError('missing', `stdin is empty: ${USAGE}`, { object: 'processingmodule' });
  return connectionFromXml(xml);
}

function verdict(line: string): void {
  // tty.isatty, not process.stdout.isTTY: the document itself is written to fd 1 directly.
  if (isatty(1)) process.stderr.write(`${line}\n`);
}

export async function run(ctx: Context): Promise<string> {
  let conn: Connection | undefined;
  try {
    conn = await settings(ctx);
    const balance = await enom(getBalance(enomClient(ctx, conn)));
    ctx.log.info({ url: conn.url, username: conn.username }, 'ENOM accepted the credentials');
    verdict(`OK: ENOM at ${conn.url} accepted user ${conn.username}; available balance ${balance.availableBalance.toFixed(2)} USD`);
    return '<doc/>';
  } catch (e) {
    const err = asModuleError(e);
    verdict(`FAILED (${err.type}): ${err.message}`);
    throw err;
  }
}
