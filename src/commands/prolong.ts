// `prolong --item ID`: ENOM has no renewal, so a renewal is a new order of the same product for the
// same CSR and approver, bought exactly once like open. The old CertID is kept as enom_certid_prev.
// The journal entry stays until BILLmanager has heard postprolong, so a retried prolong finishes the
// same renewal instead of buying another; an entry of another renewal is set aside only when
// resuming it would hand over an old certificate (below).
import type { Context } from '../billmgr/context';
import { readIntent, retireIntent, type Intent } from '../billmgr/journal';
import type { Item } from '../billmgr/item';
import { certGetCertDetail, isCertificateNotFound, type EnomClient } from '../enom';
import { certIdOf, openItem, PARAM, purchaseOnce, saveParam, serviceStatusOf, SERVICE_STATUS, setServiceStatus, submitOrder } from './lib/certificate';
import { enom, toModuleError } from './lib/enom';
import { prepareOrder } from './lib/order';

export const description = 'renew the certificate of --item ID: a new ENOM order (exactly once), the old one kept';

/** Without BILLmanager's operation id to tell, an entry this old belongs to an earlier renewal. */
const RESUME_WITHIN_MS = 30 * 86_400_000;

/**
 * Whether a journal entry is this renewal's: BILLmanager retries a failed prolong (and staff restart
 * it) under the same running operation, and a later renewal is a new one.
 */
function sameRenewal(prior: Intent, runningoperation: number | undefined): boolean {
  if (!prior.product) return true; // unreadable entry: the cautious reading, reconcile before buying
  if (prior.runningoperation !== undefined && runningoperation !== undefined) return prior.runningoperation === runningoperation;
  return recent(prior);
}

const recent = (prior: Intent) => Date.now() - Date.parse(prior.since) < RESUME_WITHIN_MS;

/**
 * An entry of another renewal is set aside only when resuming it would hand over an old or dead
 * certificate as this renewal's: one the item already holds (that renewal finished and its entry was
 * left behind), one the CA rejected or ENOM refunded, one ENOM does not know, or one that went to the
 * CA over a month ago and never reached the item. An entry without a CertID (a purchase whose answer
 * was lost) is still reconciled, and a certificate bought and never configured, or sent to the CA
 * within the month, is still used: none of these charges twice or hands over anything old.
 */
async function setAsideEarlierRenewal(ctx: Context, client: EnomClient, item: Item, prior: Intent): Promise<void> {
  const fields = { certId: prior.certId ?? 'none', since: prior.since, runningoperation: prior.runningoperation ?? 'none' };
  const setAside = (why: string, status?: number) => {
    ctx.log.warn({ ...fields, status: status ?? 'none' }, `another renewal's journal entry is set aside (${why}); this renewal is a new order`);
    retireIntent(item.id, 'prolong');
  };
  if (prior.certId === undefined) return void ctx.log.warn(fields, "another renewal's purchase may have happened: reconciling it with ENOM before buying");
  if ([certIdOf(item), certIdOf(item, PARAM.prevCertId)].includes(prior.certId)) return setAside('the item holds its certificate: that renewal finished');
  let status: number;
  try {
    status = (await certGetCertDetail(client, { certId: prior.certId })).certStatusId;
  } catch (e) {
    if (isCertificateNotFound(e)) return setAside('ENOM does not know its certificate');
    throw toModuleError(e);
  }
  if (serviceStatusOf(status) === SERVICE_STATUS.failed) return setAside('its certificate was rejected or refunded', status);
  if (status === 1) return void ctx.log.warn({ ...fields, status }, 'another renewal bought a certificate never configured: this renewal uses it');
  if (recent(prior)) return void ctx.log.warn({ ...fields, status }, 'an unfinished renewal of this month: resumed, its certificate handed over');
  setAside('its certificate went to the CA over a month ago and never reached the item; see it in ENOM', status);
}

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const order = await prepareOrder(item);
  const current = certIdOf(item);
  const prior = readIntent(item.id, 'prolong');
  if (prior && !sameRenewal(prior, ctx.opts.runningoperation)) await setAsideEarlierRenewal(ctx, client, item, prior);
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
