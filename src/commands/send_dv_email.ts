// `send_dv_email --item ID --emails a@x`: the customer asks for the approval e-mail again, or to
// another address. Same address: ENOM resends; a new one: ENOM changes it, and BILLmanager keeps it.
import type { Context } from '../billmgr/context';
import { ModuleError, badValue } from '../billmgr/errors';
import { certChangeApproverEmail, certGetCertDetail, certResendApproverEmail } from '../enom';
import { parseCsr } from '../csr';
import { approverEmails } from './approver';
import { certIdOf, openItem, saveParam } from './lib/certificate';
import { approversPerDomain, domainsOf, listOf } from './lib/order';
import { enom } from './lib/enom';

export const description = 'resend the approval e-mail of --item ID, or send it to --emails instead';

export async function run(ctx: Context): Promise<void> {
  const { item, client } = await openItem(ctx);
  const certId = certIdOf(item);
  if (!certId) throw new ModuleError('missing', `item ${item.id} has no ENOM certificate yet (never ordered)`, { object: 'enom_certid' });
  const email = (ctx.opts.emails ?? '').split(',')[0]!.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw badValue('emails', email, `"${email}" is not an e-mail address`);
  const detail = await enom(certGetCertDetail(client, { certId }));
  const domain = (detail.domainName ?? '').toLowerCase().replace(/^\*\./, '');
  if (domain && !approverEmails(domain).some((a) => a.endsWith(`@${email.slice(email.indexOf('@') + 1)}`))) {
    throw badValue('emails', email, `"${email}" is not on ${domain} or a parent domain of it`);
  }
  if ((detail.approverEmail ?? '').toLowerCase() === email) {
    await enom(certResendApproverEmail(client, { certId }));
    ctx.log.info({ certId }, 'approval e-mail resent');
  } else {
    await enom(certChangeApproverEmail(client, { certId, approverEmail: email }));
    ctx.log.info({ certId }, 'approver e-mail changed');
  }
  // BILLmanager keeps what ENOM now has: the certificate's domain's approver replaced, every other
  // domain's as lib/order reads it now, one address per domain (so a renewal finds the same ones).
  // Also after a resend: a run that changed it at ENOM may have died before saving it.
  const kept = listOf(item.params.approver_email);
  let approvers = [email, ...kept.filter((e) => e !== email)]; // the list already lacked a domain's: keep all
  try {
    const per = approversPerDomain(domainsOf((await parseCsr(item.csr)).commonName, item.params.altname), kept);
    if ('approvers' in per) approvers = [email, ...per.approvers.slice(1)];
  } catch {} // no readable CSR: the list as above
  if (approvers.join(',') !== kept.join(',')) await saveParam(ctx, item.id, 'approver_email', approvers.join(','));
}
