// What the certificate commands share: the item lock, the ENOM client of the item's module, the
// exactly-once purchase, submitting an order to the CA, and ENOM's status in BILLmanager's terms.
import type { Context } from '../../billmgr/context';
import { ModuleError } from '../../billmgr/errors';
import { listIntents, readIntent, retireIntent, writeIntent, type Intent, type IntentOp } from '../../billmgr/journal';
import { acquireLock } from '../../billmgr/lock';
import { loadItemAndModule, type Item } from '../../billmgr/item';
import {
  certConfigureCert,
  certGetCerts,
  certPurchaseCert,
  EnomError,
  purchaseServices,
  type EnomClient,
} from '../../enom';
import type { Product } from '../../products';
import { connectionOf } from './connection';
import { enom, enomClient, toModuleError } from './enom';
import type { Order } from './order';

/** Item params this module keeps in BILLmanager. */
export const PARAM = {
  certId: 'enom_certid',
  orderId: 'enom_orderid',
  prevCertId: 'enom_certid_prev',
  dcvFileName: 'enom_dcv_file_name',
  dcvFileContents: 'enom_dcv_file_contents',
  dcvDnsEntry: 'enom_dcv_dns_entry',
  dcvDnsAddress: 'enom_dcv_dns_address',
  serviceStatus: 'service_status',
} as const;

/** BILLmanager's certificate sub-status (billmanager.md §6). */
export const SERVICE_STATUS = { requested: 3, waiting: 4, issued: 5, failed: 6 } as const;

/** ENOM CertStatusID → service_status (enom.md §4); trust the id, fall back to the text. */
export function serviceStatusOf(certStatusId: number, certStatus = ''): number | undefined {
  switch (certStatusId) {
    case 1:
      return SERVICE_STATUS.requested;
    case 2:
    case 9:
    case 10:
    case 12:
      return SERVICE_STATUS.waiting;
    case 4:
    case 13:
      return SERVICE_STATUS.issued;
    case 6:
    case 7:
    case 8:
      return SERVICE_STATUS.failed;
  }
  const t = certStatus.toLowerCase();
  if (/issued|installed/.test(t) && !/refund/.test(t)) return SERVICE_STATUS.issued;
  if (/reject|refund|cancel/.test(t)) return SERVICE_STATUS.failed;
  if (/process|approv|pending/.test(t)) return SERVICE_STATUS.waiting;
  if (/awaiting configuration/.test(t)) return SERVICE_STATUS.requested;
  return undefined;
}

export const isIssued = (id: number) => id === 4 || id === 13;

export interface ItemSession {
  item: Item;
  client: EnomClient;
}

/**
 * Locks the item (two runs never work on one item at once), loads it and connects to ENOM with its
 * processing module's settings (two statements for both). The lock is released when the run ends,
 * or by the server if the run dies.
 */
export async function openItem(ctx: Context): Promise<ItemSession> {
  // Held until the run's database connection ends (ctx.close): a RELEASE_LOCK first would queue the
  // connection's QUIT behind one more round trip.
  await acquireLock(await ctx.db(), `item-${ctx.opts.item}`, ctx.log);
  // The item's processing module wins; --module names one for an item that has none.
  const { item, module } = await loadItemAndModule(ctx, ctx.opts.item!, ctx.opts.module);
  if (!module) throw new ModuleError('missing', `item ${item.id} has no processing module`, { object: 'processingmodule' });
  return { item, client: enomClient(ctx, connectionOf(module)) };
}

/**
 * The ENOM CertID an item param holds; undefined when it holds none. Anything else there is refused,
 * not read as "never ordered" (open would buy again, close would withdraw nothing) nor coerced
 * (`7e5` is not certificate 700000).
 */
export const certIdOf = (item: Item, name: string = PARAM.certId): number | undefined => {
  const raw = item.params[name]?.trim();
  if (!raw) return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(raw)) {
    throw new ModuleError('value', `item ${item.id}: its ${name} param is not an ENOM certificate id; correct or clear it`, { object: name, value: 'not a certificate id' });
  }
  return Number(raw);
};

/** ENOM certificate ids some BILLmanager item or some open intent already owns. */
async function claimedCertIds(ctx: Context): Promise<Set<number>> {
  const rows = await (await ctx.db()).query<{ value: string | null }>(
    'SELECT value FROM itemparam WHERE intname IN (?, ?, ?)',
    [PARAM.certId, PARAM.prevCertId, 'enom_renewal_certid'],
  );
  // Every number in the value: a param someone mangled ("700001 (old)") still claims its certificate.
  const ids = new Set(rows.flatMap((r) => (r.value ?? '').match(/[0-9]{1,10}/g) ?? []).map(Number).filter((n) => n > 0));
  for (const i of listIntents()) if (i.certId) ids.add(i.certId);
  return ids;
}

/**
 * An intent without a CertID means a purchase may have reached ENOM without our hearing back. Look
 * for it: a certificate of that product, ordered since the intent, still awaiting configuration, and
 * nobody's yet.
 */
async function reconcile(ctx: Context, client: EnomClient, intent: Intent): Promise<{ certId: number; orderId?: number } | undefined> {
  const claimed = await claimedCertIds(ctx);
  // ENOM's OrderDate is a calendar day without a time, in ENOM's time zone (US, behind UTC), read
  // as that day's 00:00 UTC. So compare whole days, from the UTC day before the intent's: an order
  // placed at 03:00 UTC is dated the day before in the US, and an instant would miss it and buy again.
  const since = new Date(Date.parse(intent.since) - 86_400_000);
  since.setUTCHours(0, 0, 0, 0);
  const found: { certId: number; orderId?: number }[] = [];
  for (let page = 0, start = 1; page < 40; page++) {
    const res = await enom(certGetCerts(client, { certStatusId: 1, orderDateStart: since, startPosition: start, pagingPageSize: 250, sortBy: 'OrderDate', sortByDirection: 'desc' }));
    const list = res.certs;
    for (const c of list) {
      if (c.certStatusId !== 1 || claimed.has(c.certId)) continue;
      if (intent.prodType && c.prodType !== undefined && c.prodType !== intent.prodType) continue;
      if (c.orderDate && c.orderDate.getTime() < since.getTime()) continue;
      found.push({ certId: c.certId, orderId: c.orderId });
    }
    start += list.length;
    if (list.length < 250 || start > res.totalRecords) break;
  }
  found.sort((a, b) => a.certId - b.certId);
  ctx.log.warn({ op: intent.op, since: intent.since, candidates: found.map((f) => f.certId).join(',') || 'none' }, 'reconciled an unfinished purchase with ENOM');
  return found[0];
}

/**
 * Buys the product for this item exactly once, whatever crashed before: the intent journal and ENOM
 * itself are consulted first, and a purchase is sent only when both say none happened. Purchases and
 * reconciliations of all items run one at a time, so one never adopts another's certificate.
 */
export async function purchaseOnce(ctx: Context, client: EnomClient, item: Item, product: Product, op: IntentOp, numYears: number): Promise<{ certId: number; orderId?: number }> {
  const lock = await acquireLock(await ctx.db(), 'purchase', ctx.log, 120_000);
  try {
    const prior = readIntent(item.id, op);
    if (prior?.certId) return { certId: prior.certId, orderId: prior.orderId };
    if (prior) {
      const adopted = await reconcile(ctx, client, prior);
      if (adopted) {
        writeIntent({ ...prior, ...adopted });
        ctx.log.warn({ certId: adopted.certId }, 'adopted the certificate an earlier run bought');
        return adopted;
      }
    }
    const intent: Intent = { op, item: item.id, product: product.code, prodType: product.prodType, since: new Date().toISOString() };
    if (ctx.opts.runningoperation) intent.runningoperation = ctx.opts.runningoperation;
    // The lock lives as long as the database connection: make sure both still do before paying.
    await lock.assertHeld();
    writeIntent(intent);
    ctx.log.info({ product: product.code, numYears }, 'buying at ENOM');
    let bought;
    try {
      bought = await purchaseServices(client, { service: product.code, numYears });
    } catch (e) {
      // Certainly not bought (ENOM said no, or the request never left): nothing to reconcile.
      if (e instanceof EnomError && e.kind !== 'outcome_unknown') retireIntent(item.id, op);
      throw e;
    }
    writeIntent({ ...intent, certId: bought.certId, orderId: bought.orderId });
    ctx.log.info({ certId: bought.certId, orderId: bought.orderId }, 'bought at ENOM');
    return { certId: bought.certId, orderId: bought.orderId };
  } catch (e) {
    throw toModuleError(e);
  } finally {
    await lock.release();
  }
}


/** CertConfigureCert then CertPurchaseCert: the order goes to the CA. Saves DCV tokens for the customer. */
export async function submitOrder(ctx: Context, client: EnomClient, item: Item, order: Order, certId: number): Promise<void> {
  await enom(
    certConfigureCert(client, {
      certId,
      webServerType: order.webServerType,
      csr: order.csr,
      admin: order.admin,
      tech: order.tech,
      billing: order.admin,
      ucc: order.ucc,
    }),
  );
  ctx.log.info({ certId }, 'configured at ENOM');
  const res = await enom(
    certPurchaseCert(client, {
      certId,
      approverEmail: order.dcv === 'Email' ? order.approverEmail : undefined,
      dvAuthMethod: order.dcv === 'Email' ? undefined : order.dcv,
      csrOrganization: order.csrOrganization,
      ucc: order.ucc,
    }),
  );
  ctx.log.info({ certId, dcv: order.dcv }, 'submitted to the CA');
  await saveDcvTokens(ctx, item, res);
}

/** ENOM's file and DNS validation tokens (CertPurchaseCert and CertGetCertDetail carry them). */
export interface DcvTokens {
  fileAuthName?: string;
  fileAuthContents?: string;
  dnsAuthEntry?: string;
  dnsAuthAddress?: string;
}

/** Saves the tokens the item does not hold yet (or holds otherwise): the customer needs them to validate. */
export async function saveDcvTokens(ctx: Context, item: Item, t: DcvTokens): Promise<void> {
  const tokens: [string, string | undefined][] = [
    [PARAM.dcvFileName, t.fileAuthName],
    [PARAM.dcvFileContents, t.fileAuthContents],
    [PARAM.dcvDnsEntry, t.dnsAuthEntry],
    [PARAM.dcvDnsAddress, t.dnsAuthAddress],
  ];
  for (const [name, value] of tokens) {
    if (!value || item.params[name] === value) continue;
    await saveParam(ctx, item.id, name, value);
    item.params[name] = value;
  }
}

export async function saveParam(ctx: Context, item: number, name: string, value: string | number): Promise<void> {
  await ctx.mgrctl('service.saveparam', { elid: item, name, value, sok: 'ok' });
}

export async function setServiceStatus(ctx: Context, item: Item, status: number): Promise<void> {
  if (item.params[PARAM.serviceStatus] === String(status)) return;
  await ctx.mgrctl('service.setstatus', { elid: item.id, service_status: status, sok: 'ok' });
  item.params[PARAM.serviceStatus] = String(status);
}

