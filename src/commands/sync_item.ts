// `sync_item --item ID`: BILLmanager polls each pending certificate. We read ENOM's status, tell
// BILLmanager only what changed, and on issue hand over the certificate with its CA chain.
import type { Context } from '../billmgr/context';
import { certGetCertDetail, isoDate, type CertDetail } from '../enom';
import { certIdOf, isIssued, openItem, PARAM, SERVICE_STATUS, serviceStatusOf, setServiceStatus, submitOrder } from './lib/certificate';
import { enom } from './lib/enom';

export const description = "poll ENOM for the certificate of --item ID; save it in BILLmanager once issued";

/** The leaf followed by its CA chain, as BILLmanager's certificate.save takes it. */
export function fullChain(d: CertDetail): string {
  const leaf = (d.sslCertificate ?? '').trim();
  return [leaf, ...d.chain].join('\n') + '\n';
}

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const certId = certIdOf(item);
  if (!certId) {
    ctx.log.warn('not ordered at ENOM yet (no enom_certid): nothing to sync');
    return;
  }
  let detail = await enom(certGetCertDetail(client, { certId }));
  if (detail.certStatusId === 1) {
    // Bought but never configured (an open that stopped halfway): finish it.
    // lib/order (the CSR checks, and approver's public-suffix list) loads only for this repair.
    const { prepareOrder } = await import('./lib/order');
    await submitOrder(ctx, client, item, await prepareOrder(item), certId);
    detail = await enom(certGetCertDetail(client, { certId }));
  }
  const status = serviceStatusOf(detail.certStatusId, detail.certStatus);
  const before = item.params[PARAM.serviceStatus];
  ctx.log.info({ certId, enomStatus: detail.certStatusId, text: detail.certStatus ?? '', status: status ?? 'unknown' }, 'ENOM status');
  if (status === undefined) return;

  if (status === SERVICE_STATUS.issued && isIssued(detail.certStatusId)) {
    if (!detail.sslCertificate) {
      ctx.log.warn({ certId }, 'ENOM says issued but sent no certificate yet; next sync');
      return;
    }
    const crt = fullChain(detail);
    if (before !== String(SERVICE_STATUS.issued) || (item.crt ?? '').trim() !== crt.trim()) {
      await ctx.mgrctl('certificate.save', { elid: item.id, crt, sok: 'ok' });
      if (detail.expirationDate) await ctx.mgrctl('service.setexpiredate', { elid: item.id, expiredate: isoDate(detail.expirationDate), sok: 'ok' });
      // certificate.open tells the customer; once per certificate (a changed one after reissue is saved, not announced twice).
      if (before !== String(SERVICE_STATUS.issued)) await ctx.mgrctl('certificate.open', { elid: item.id, sok: 'ok' });
    }
    await setServiceStatus(ctx, item, SERVICE_STATUS.issued);
    return;
  }
  if (status === SERVICE_STATUS.failed) {
    if (before !== String(SERVICE_STATUS.failed)) {
      await setServiceStatus(ctx, item, SERVICE_STATUS.failed);
      await ctx.mgrctl('certificate.failed', { elid: item.id, sok: 'ok' });
    }
    return;
  }
  await setServiceStatus(ctx, item, status);
}
