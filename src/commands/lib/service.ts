// Shared by the commands that change nothing at ENOM and only tell BILLmanager they are done.
import type { Context } from '../../billmgr/context';
import { ModuleError } from '../../billmgr/errors';
import { loadItemWithModuleId } from '../../billmgr/item';

/**
 * Checks the item exists, is a certificate and is served by this module, then calls
 * `service.post<what>`: BILLmanager must not hear "done" from us for another module's service.
 */
export async function postOnly(ctx: Context, what: 'suspend' | 'resume' | 'setparam'): Promise<void> {
  const { item, module } = await loadItemWithModuleId(ctx, ctx.opts.item!, ctx.opts.module);
  if (!module) throw new ModuleError('missing', `item ${item.id} has no processing module`, { object: 'processingmodule' });
  if (item.itemtype !== 'certificate') throw new ModuleError('value', `item ${item.id} is a ${item.itemtype}, not a certificate`, { object: 'itemtype', value: item.itemtype });
  ctx.log.info({ product: item.pricelist }, `nothing to do at ENOM for ${what}`);
  await ctx.mgrctl(`service.post${what}`, { elid: item.id, sok: 'ok' });
}
