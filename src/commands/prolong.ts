// `prolong --item ID`: ENOM has no renewal, so a renewal is a new order of the same product for the
// same CSR and approver, bought exactly once like open. The old CertID is kept as enom_certid_prev.
// The journal entry stays until BILLmanager has heard postprolong, so a retried prolong finishes the
// same renewal instead of buying another; an entry of an earlier renewal is not resumed (below).
import type { Context } from '../billmgr/context';
import { readIntent, retireIntent, type Intent } from '../billmgr/journal';
import { certGetCertDetail } from '../enom';
import { certIdOf, openItem, PARAM, purchaseOnce, saveParam, SERVICE_STATUS, setServiceStatus, submitOrder } from './lib/certificate';
import { enom } from './lib/enom';
import { prepareOrder } from './lib/order';

export const description = 'renew the certificate of --item ID: a new ENOM order (exactly once), the old one kept';

/** Without BILLmanager's operation id to tell, an entry this old belongs to an earlier renewal. */
const RESUME_WITHIN_MS = 30 * 86_400_000;

/**
 * Whether a journal entry is this renewal's: BILLmanager retries a failed prolong (and staff restart
 * it) under the same running operation, and a later renewal is a new one. An entry left behind by a
 * renewal that did finish (killed after postprolong) or was given up must not be taken for this
 * one: the customer would pay and the old purchase be handed over instead of a new one.
 */
function sameRenewal(prior: Intent, runningoperation: number | undefined): boolean {
  if (!prior.product) return true; // unreadable entry: the cautious reading, reconcile before buying
  if (prior.runningoperation !== undefined && runningoperation !== undefined) return prior.runningoperation === runningoperation;
  return Date.now() - Date.parse(prior.since) < RESUME_WITHIN_MS;
}

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const order = await prepareOrder(item);
  const current = certIdOf(item);
  const prior = readIntent(item.id, 'prolong');
  if (prior && !sameRenewal(prior, ctx.opts.runningoperation)) {
    // Its CertID, if any, was paid for and, unless it is the item's, never handed over: say so.
    const unused = prior.certId !== undefined && prior.certId !== current && prior.certId !== certIdOf(item, PARAM.prevCertId);
    ctx.log.warn(
      { since: prior.since, runningoperation: prior.runningoperation ?? 'none', certId: prior.certId ?? 'none', unused },
      unused ? 'an earlier renewal left a certificate bought and never handed over (ENOM can refund it); this renewal is a new order' : "an earlier renewal's journal entry is set aside; this renewal is a new order",
    );
    retireIntent(item.id, 'prolong');
  }
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
