// `open --item ID`: order the certificate. Everything is validated before money is spent; the
// purchase happens exactly once (see purchaseOnce); a later run on the same item continues where an
// earlier one stopped: bought → configured → submitted → BILLmanager told.
import type { Context } from '../billmgr/context';
import { retireIntent } from '../billmgr/journal';
import { certGetCertDetail } from '../enom';
import { certIdOf, openItem, PARAM, purchaseOnce, saveParam, serviceStatusOf, SERVICE_STATUS, setServiceStatus, submitOrder } from './lib/certificate';
import { enom } from './lib/enom';
import { prepareOrder } from './lib/order';

export const description = 'order the certificate of --item ID at ENOM (exactly once) and submit it to the CA';

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const order = await prepareOrder(item);
  let certId = certIdOf(item);
  if (certId) {
    ctx.log.info({ certId }, 'already bought: continuing');
    retireIntent(item.id, 'open'); // left behind if a run died between saving the CertID and retiring it
  } else {
    const bought = await purchaseOnce(ctx, client, item, order.product, 'open', order.numYears);
    certId = bought.certId;
    await saveParam(ctx, item.id, PARAM.certId, certId);
    if (bought.orderId) await saveParam(ctx, item.id, PARAM.orderId, bought.orderId);
    // BILLmanager holds the CertID now: later runs find it there.
    retireIntent(item.id, 'open');
  }
  const detail = await enom(certGetCertDetail(client, { certId }));
  if (detail.certStatusId === 1) await submitOrder(ctx, client, item, order, certId);
  else ctx.log.info({ certId, status: detail.certStatusId }, 'already submitted to the CA');
  // An open run again after the CA decided (issued, or rejected) leaves sync_item's status as it is.
  const decided = serviceStatusOf(detail.certStatusId, detail.certStatus);
  if (decided !== SERVICE_STATUS.issued && decided !== SERVICE_STATUS.failed) await setServiceStatus(ctx, item, SERVICE_STATUS.requested);
  await ctx.mgrctl('service.postopen', { elid: item.id, sok: 'ok' });
}
