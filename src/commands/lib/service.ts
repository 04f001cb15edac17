// Shared by the commands that change nothing at ENOM and only tell BILLmanager they are done.
import type { Context } from '../../billmgr/context';
import { loadItem } from '../../billmgr/item';

/** Checks the item exists and is a certificate, then calls `service.post<what>`. */
export async function postOnly(ctx: Context, what: 'suspend' | 'resume' | 'setparam'): Promise<void> {
  const item = await loadItem(ctx, ctx.opts.item!);
  ctx.log.info({ product: item.pricelist }, `nothing to do at ENOM for ${what}`);
  await ctx.mgrctl(`service.post${what}`, { elid: item.id, sok: 'ok' });
}
