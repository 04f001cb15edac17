// `getbalance`: the ENOM account's available balance, saved in BILLmanager (its "minimum balance of
// the processing module" check relies on it). Without --module: every active pmenomssl module; one
// failing does not stop the others, and the exit status says whether all succeeded.
import type { Context } from '../billmgr/context';
import { ModuleError, toModuleError as asModuleError } from '../billmgr/errors';
import { listProcessingModules } from '../billmgr/item';
import { errorNode } from '../billmgr/report';
import type { XmlNode } from '../billmgr/xml';
import { buildXml } from '../billmgr/xml-build';
import { getBalance } from '../enom';
import { connectionOfModule } from './lib/connection';
import { enom, enomClient } from './lib/enom';

export const description = 'fetch the ENOM balance of --module ID (or of every pmenomssl module) and save it in BILLmanager';

/** BILLmanager's notify_time: local "YYYY-MM-DD HH:MM:SS". */
function now(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function balanceOf(ctx: Context, id: number): Promise<string> {
  const log = ctx.log.child({ module: id });
  const balance = await enom(getBalance(enomClient({ ...ctx, log }, await connectionOfModule(ctx, id))));
  const amount = balance.availableBalance.toFixed(2);
  await ctx.mgrctl('processing.savebalance', { processingmodule: id, balance: amount, currency: 'USD', notify_time: now(), sok: 'ok' });
  log.info({ balance: amount, total: balance.balance.toFixed(2) }, 'ENOM balance saved');
  return amount;
}

export async function run(ctx: Context): Promise<string> {
  if (ctx.opts.module) {
    return buildXml({ doc: { balance: await balanceOf(ctx, ctx.opts.module), currency: 'USD' } });
  }
  const ids = await listProcessingModules(ctx);
  const entries: XmlNode[] = [];
  const failures: ModuleError[] = [];
  for (const id of ids) {
    try {
      entries.push({ '@_id': String(id), balance: await balanceOf(ctx, id), currency: 'USD' });
    } catch (e) {
      const err = asModuleError(e);
      ctx.log.error({ module: id, type: err.type }, `balance of processing module ${id}: ${err.message}`);
      failures.push(err);
      entries.push({ '@_id': String(id), ...errorNode(err) });
    }
  }
  if (failures.length) {
    // Exit non-zero with BILLmanager's error first; the document still lists every balance saved.
    const first = failures[0]!;
    const document = buildXml({ doc: { ...errorNode(first), processingmodule: entries } });
    throw new ModuleError(first.type, `${failures.length} of ${ids.length} processing modules failed; first: ${first.message}`, {
      object: first.object,
      value: first.value,
      retry: first.retry,
      document,
    });
  }
  return buildXml({ doc: { processingmodule: entries } });
}
