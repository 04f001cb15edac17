// `reopen --item ID`: reissue with the item's current CSR. ENOM's API reissues GeoTrust, RapidSSL and
// Symantec certificates; for Comodo it cannot, and we say so rather than pretend.
import { createHash } from 'node:crypto';
import type { Context } from '../billmgr/context';
import { ModuleError } from '../billmgr/errors';
import { markReissueRequested, reissueRequested } from '../billmgr/journal';
import { certGetCertDetail, certReissueCert } from '../enom';
import { certIdOf, openItem, serviceStatusOf, SERVICE_STATUS, setServiceStatus } from './lib/certificate';
import { enom } from './lib/enom';
import { prepareOrder } from './lib/order';

export const description = 'reissue the certificate of --item ID with its current CSR';

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const order = await prepareOrder(item);
  if (!order.product.reissue) {
    throw new ModuleError('not_supported', `ENOM's API cannot reissue ${order.product.name} certificates; reissue it in the ENOM reseller panel`, {
      object: 'reissue',
      value: order.product.name,
    });
  }
  const certId = certIdOf(item);
  if (!certId) throw new ModuleError('missing', `item ${item.id} has no ENOM certificate to reissue (never ordered)`, { object: 'enom_certid' });
  // A retry of this same reopen (BILLmanager did not hear it was done) asks ENOM nothing while that
  // reissue is under way at the CA: a second CertReissueCert would be refused, and staff get a task.
  // Under way is ENOM's word, asked once (it costs nothing): a note left by a reissue the CA refused
  // or ENOM dropped must not turn a later reopen into a success that asked for nothing.
  const csr = createHash('sha256').update(order.csr).digest('hex');
  const asked = reissueRequested(item.id);
  const detail = asked?.certId === certId && asked.csr === csr ? await enom(certGetCertDetail(client, { certId })) : undefined;
  const underWay = detail !== undefined && serviceStatusOf(detail.certStatusId, detail.certStatus) === SERVICE_STATUS.waiting;
  if (underWay) {
    ctx.log.info({ certId }, 'this reissue was requested at ENOM already and is under way: not asked again');
  } else {
    const res = await enom(certReissueCert(client, { certId, csr: order.csr }));
    ctx.log.info({ certId, message: res.message ?? '' }, 'reissue requested at ENOM');
    if (!markReissueRequested(item.id, certId, csr)) ctx.log.warn('could not note the reissue under var/: a retry would ask ENOM again');
  }
  await setServiceStatus(ctx, item, SERVICE_STATUS.requested);
  await ctx.mgrctl('service.postreopen', { elid: item.id, sok: 'ok' });
}
