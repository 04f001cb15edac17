// `sync_item --item ID`: BILLmanager polls each pending certificate. We read ENOM's status, tell
// BILLmanager only what changed, and on issue hand over the certificate with its CA chain.
import type { Context } from '../billmgr/context';
import { clearReissueRequested, failureTold, markAnnounced, markFailureTold, wasAnnounced, wasClosed } from '../billmgr/journal';
import { certGetCertDetail, isoDate, type CertDetail } from '../enom';
import { certIdOf, openItem, PARAM, saveDcvTokens, serviceStatusOf, SERVICE_STATUS, setServiceStatus, submitOrder } from './lib/certificate';
import { enom } from './lib/enom';

export const description = "poll ENOM for the certificate of --item ID; save it in BILLmanager once issued";

/** BILLmanager's item status of a closed (deleted) service. */
const ITEM_DELETED = 4;

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
    // Awaiting configuration: an open that stopped halfway, or an order close withdrew (which ENOM
    // returns to this status). Only the first is finished here: a closed service is not re-submitted.
    if (item.status === ITEM_DELETED || wasClosed(item.id, certId)) {
      ctx.log.warn({ certId }, 'the service is closed: its withdrawn order is not submitted again');
      return;
    }
    // lib/order (the CSR checks, and approver's public-suffix list) loads only for this repair.
    const { prepareOrder } = await import('./lib/order');
    await submitOrder(ctx, client, item, await prepareOrder(item), certId);
    detail = await enom(certGetCertDetail(client, { certId }));
  }
  const status = serviceStatusOf(detail.certStatusId, detail.certStatus);
  const before = item.params[PARAM.serviceStatus];
  ctx.log.info({ certId, enomStatus: detail.certStatusId, text: detail.certStatus ?? '', status: status ?? 'unknown' }, 'ENOM status');
  if (status === undefined) return;

  if (status === SERVICE_STATUS.issued) {
    // Issued by its id or, for an id outside ENOM's table, by its text: either way BILLmanager hears
    // "issued" only together with the certificate.
    if (!detail.sslCertificate) {
      ctx.log.warn({ certId }, 'ENOM says issued but sent no certificate yet; next sync');
      return;
    }
    const crt = fullChain(detail);
    if (before !== String(SERVICE_STATUS.issued) || (item.crt ?? '').trim() !== crt.trim()) {
      await ctx.mgrctl('certificate.save', { elid: item.id, crt, sok: 'ok' });
      if (!clearReissueRequested(item.id)) ctx.log.warn('could not remove the reissue note under var/: a reopen with this same CSR would not reach ENOM');
      if (detail.expirationDate) await ctx.mgrctl('service.setexpiredate', { elid: item.id, expiredate: isoDate(detail.expirationDate), sok: 'ok' });
      // certificate.open tells the customer, the first time only (billmanager.md §2): a reissued or
      // renewed certificate is saved, not announced again.
      if (before !== String(SERVICE_STATUS.issued) && !wasAnnounced(item.id)) {
        await ctx.mgrctl('certificate.open', { elid: item.id, sok: 'ok' });
        if (!markAnnounced(item.id, certId)) ctx.log.warn('could not note the announcement under var/: a later reissue may announce again');
      }
    }
    await setServiceStatus(ctx, item, SERVICE_STATUS.issued);
    return;
  }
  if (status === SERVICE_STATUS.failed) {
    // a reissue the CA refused is over: a later reopen asks ENOM again
    clearReissueRequested(item.id);
    if (before !== String(SERVICE_STATUS.failed)) {
      // BILLmanager hears first, the status follows: a run that dies in between tells it again
      // rather than never. Once per certificate though (BILLmanager may refund on it): a status that
      // failed to save is saved by the next sync without a second certificate.failed.
      if (!failureTold(item.id, certId)) {
        await ctx.mgrctl('certificate.failed', { elid: item.id, sok: 'ok' });
        if (!markFailureTold(item.id, certId)) ctx.log.warn('could not note certificate.failed under var/: a failing status save may tell it again');
      }
      await setServiceStatus(ctx, item, SERVICE_STATUS.failed);
    }
    return;
  }
  // Waiting for validation: the customer needs the file or DNS token, which an interrupted open may
  // not have saved (ENOM sends them with the status too).
  await saveDcvTokens(ctx, item, detail);
  await setServiceStatus(ctx, item, status);
}
