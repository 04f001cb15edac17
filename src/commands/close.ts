// `close --item ID`: while the order is still at the CA it can be withdrawn (CertModifyOrder); an
// issued or failed certificate stays as it is. ENOM has no refund call: refunds are ENOM staff's.
import type { Context } from '../billmgr/context';
import { ModuleError } from '../billmgr/errors';
import { markClosed } from '../billmgr/journal';
import { certGetCertDetail, certModifyOrder } from '../enom';
import { certIdOf, openItem } from './lib/certificate';
import { enom } from './lib/enom';

export const description = 'close the service of --item ID, withdrawing a pending order at ENOM';

/** Processing (2) and Approval Email Sent (9): ENOM lets the configuration be cancelled. */
const CANCELLABLE = new Set([2, 9]);

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const certId = certIdOf(item);
  if (certId) {
    // ENOM unreachable makes close fail (BILLmanager retries): never pretend it was withdrawn.
    const detail = await enom(certGetCertDetail(client, { certId }));
    // Before the withdrawal, on disk: an order ENOM has back at "awaiting configuration" must never
    // be finished by a sync_item, even if this run dies before BILLmanager closes the service.
    try {
      markClosed(item.id, certId);
    } catch (e) {
      throw new ModuleError('billmgr', `cannot note the close under var/pmenomssl (${(e as NodeJS.ErrnoException).code ?? 'error'}): nothing was withdrawn`, { object: 'var', value: 'pmenomssl', cause: e });
    }
    if (CANCELLABLE.has(detail.certStatusId)) {
      await enom(certModifyOrder(client, { certId }));
      ctx.log.info({ certId, was: detail.certStatusId }, 'pending order withdrawn at ENOM');
    } else {
      ctx.log.info({ certId, status: detail.certStatusId }, 'nothing to withdraw at ENOM');
    }
  } else {
    ctx.log.info('never ordered at ENOM');
  }
  await ctx.mgrctl('service.postclose', { elid: item.id, sok: 'ok' });
}
