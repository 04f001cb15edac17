// `prolong --item ID`: ENOM has no renewal, so a renewal is a new order of the same product for the
// same CSR and approver, bought exactly once like open. The old CertID is kept as enom_certid_prev.
// The journal entry stays until BILLmanager has heard postprolong, so a retried prolong finishes the
// same renewal instead of buying another.
import type { Context } from '../billmgr/context';
import { retireIntent } from '../billmgr/journal';
import { certGetCertDetail } from '../enom';
import { certIdOf, openItem, PARAM, purchaseOnce, saveParam, SERVICE_STATUS, setServiceStatus, submitOrder } from './lib/certificate';
import { enom } from './lib/enom';
import { prepareOrder } from './lib/order';

export const description = 'renew the certificate of --item ID: a new ENOM order (exactly once), the old one kept';

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const order = await prepareOrder(item);
  const current = certIdOf(item);
  const { certId, orderId } = await purchaseOnce(ctx, client, item, order.product, 'prolong', 1);
  const detail = await enom(certGetCertDetail(client, { certId }));
  if (detail.certStatusId === 1) await submitOrder(ctx, client, item, order, certId);
  // Each step checks what BILLmanager already holds, so a rerun after a crash between them completes them.
  if (current && current !== certId) await saveParam(ctx, item.id, PARAM.prevCertId, current);
  if (current !== certId) await saveParam(ctx, item.id, PARAM.certId, certId);
  if (orderId && item.params[PARAM.orderId] !== String(orderId)) await saveParam(ctx, item.id, PARAM.orderId, orderId);
  await setServiceStatus(ctx, item, SERVICE_STATUS.requested);
  await ctx.mgrctl('service.postprolong', { elid: item.id, sok: 'ok' });
  retireIntent(item.id, 'prolong');
}
