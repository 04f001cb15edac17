// One typed function per ENOM command the module uses (enom.md §3). Each sends through the client
// (which owns retries and errors) and validates what comes back with its schema.
import type * as z from 'zod/mini';
import { type EnomClient, type EnomParams, isReadOnly } from './client';
import { type Envelope, textOf } from './envelope';
import { EnomError, classifyApiError } from './errors';
import { snippet } from './redact';
import {
  type ApproverChangeResult,
  type ApproverList,
  type Balance,
  type CertDetail,
  type CertList,
  type ConfigureCertResult,
  type CsrData,
  type ModifyOrderResult,
  type ProductList,
  type PurchaseCertResult,
  type PurchaseServicesResult,
  type ReissueResult,
  type SuccessResult,
  approverChangeSchema,
  approverListSchema,
  balanceSchema,
  certDetailSchema,
  certGetCertsSchema,
  configureCertSchema,
  csrDataSchema,
  describeIssues,
  getCertsSchema,
  modifyOrderSchema,
  parseBool,
  purchaseCertSchema,
  purchaseServicesSchema,
  reissueSchema,
  successSchema,
  usDate,
} from './types';

/** Validates an envelope's data; a mismatch is a bad_response naming the ENOM element. */
export function decode<S extends z.ZodMiniType>(schema: S, env: Envelope): z.output<S> {
  const r = schema.safeParse(env.data);
  if (r.success) return r.data;
  const { field, message } = describeIssues(env.command, r.error);
  if (!isReadOnly(env.command)) {
    // ENOM said Done with no error, so it acted, but we cannot read what it did
    throw new EnomError('outcome_unknown', `ENOM ${env.command}: unexpected response (${message}) — outcome unknown`, {
      command: env.command,
      field,
      reason: 'bad_response',
    });
  }
  throw new EnomError('bad_response', `ENOM ${env.command}: unexpected response: ${message}`, { command: env.command, field });
}

/**
 * ENOM's explicit no: several commands (CertPurchaseCert, CertConfigureCert, CertReissueCert,
 * CertChangeApproverEmail, …) answer ErrCount 0 and Done true yet <Success>False</Success> when
 * they did not act — for CertPurchaseCert, the CA did not take the order. That is ENOM's refusal,
 * thrown as the client throws one (ENOM's own Message as the text, redacted), checked before the
 * schema so a refusal with odd other fields is still a refusal. Success absent: nothing to judge.
 */
function refusal(client: EnomClient, env: Envelope): EnomError | undefined {
  const success = textOf(env.data.success);
  if (success === undefined || parseBool(success) !== false) return undefined;
  const said = [textOf(env.data.message), ...env.errors].map((t) => (t ? snippet(t, (s) => client.redact(s)) : '')).filter(Boolean);
  const err = classifyApiError(env.command, said.length ? said : ['Success is False'], env.codes);
  err.host = client.host;
  return err;
}

async function run<S extends z.ZodMiniType>(client: EnomClient, command: string, params: EnomParams, schema: S): Promise<z.output<S>> {
  const answer = client.call(command, params);
  // The answer's schema is made on first use (types.ts): made while the request is out, not after
  // the answer is in.
  setImmediate(() => void schema._zod);
  const env = await answer;
  const refused = refusal(client, env);
  if (refused) throw refused;
  return decode(schema, env);
}

// ---------------------------------------------------------------------------------------------

export async function getBalance(client: EnomClient): Promise<Balance> {
  return run(client, 'GetBalance', {}, balanceSchema);
}

/** Buys a certificate (debits the account). Never retried. */
export async function purchaseServices(client: EnomClient, input: { service: string; numYears?: number }): Promise<PurchaseServicesResult> {
  return run(client, 'PurchaseServices', { Service: input.service, NumYears: input.numYears ?? 1 }, purchaseServicesSchema);
}

export interface CertGetCertsFilter {
  certStatusId?: number;
  prodType?: number;
  domainNameContains?: string;
  /** Date or `YYYY-MM-DD` / `M/D/YYYY` */
  orderDateStart?: Date | string;
  orderDateEnd?: Date | string;
  /** 1-based */
  startPosition?: number;
  /** at most 250 */
  pagingPageSize?: number;
  sortBy?: string;
  sortByDirection?: 'asc' | 'desc';
}

export async function certGetCerts(client: EnomClient, filter: CertGetCertsFilter = {}): Promise<CertList> {
  if (filter.pagingPageSize !== undefined && (filter.pagingPageSize < 1 || filter.pagingPageSize > 250)) {
    throw new RangeError('PagingPageSize must be 1..250');
  }
  return run(
    client,
    'CertGetCerts',
    {
      CertStatusID: filter.certStatusId,
      ProdType: filter.prodType,
      DomainNameContains: filter.domainNameContains,
      OrderDateStart: filter.orderDateStart === undefined ? undefined : usDate(filter.orderDateStart),
      OrderDateEnd: filter.orderDateEnd === undefined ? undefined : usDate(filter.orderDateEnd),
      StartPosition: filter.startPosition,
      PagingPageSize: filter.pagingPageSize,
      SortBy: filter.sortBy,
      SortByDirection: filter.sortByDirection,
    },
    certGetCertsSchema,
  );
}

export interface EnomContact {
  fName: string;
  lName: string;
  orgName?: string;
  jobTitle?: string;
  address1: string;
  address2?: string;
  city: string;
  state?: string;
  province?: string;
  postalCode: string;
  /** ISO 3166 alpha-2 */
  country: string;
  /** `+CC.NUMBER`, e.g. `+1.4252744500` */
  phone: string;
  fax?: string;
  emailAddress: string;
}

const CONTACT_PARAMS: [keyof EnomContact, string][] = [
  ['fName', 'FName'],
  ['lName', 'LName'],
  ['orgName', 'OrgName'],
  ['jobTitle', 'JobTitle'],
  ['address1', 'Address1'],
  ['address2', 'Address2'],
  ['city', 'City'],
  ['state', 'State'],
  ['province', 'Province'],
  ['postalCode', 'PostalCode'],
  ['country', 'Country'],
  ['phone', 'Phone'],
  ['fax', 'Fax'],
  ['emailAddress', 'EmailAddress'],
];

function contactParams(prefix: 'Admin' | 'Tech' | 'Billing', c: EnomContact): EnomParams {
  const out: EnomParams = {};
  for (const [key, name] of CONTACT_PARAMS) out[`${prefix}${name}`] = c[key];
  return out;
}

/** UCC (multi-domain) list: each domain with its approver address, in the same order. */
export interface UccList {
  domains: string[];
  emails?: string[];
}

function uccParams(ucc: UccList | undefined): EnomParams {
  if (!ucc) return {};
  if (ucc.emails && ucc.emails.length !== ucc.domains.length) throw new RangeError('UCC lists: one approver e-mail per domain');
  const out: EnomParams = { DomainListNumber: ucc.domains.length };
  ucc.domains.forEach((d, i) => {
    out[`UCCDomainList${i + 1}`] = d;
    if (ucc.emails) out[`UCCEmailList${i + 1}`] = ucc.emails[i];
  });
  return out;
}

export interface ConfigureCertInput {
  certId: number;
  /** ENOM WebServerType (18 / 1000 = Other, enom.md §6) */
  webServerType: number;
  csr: string;
  admin: EnomContact;
  /** default: the admin contact */
  tech?: EnomContact;
  /** default: the admin contact */
  billing?: EnomContact;
  ucc?: UccList;
}

export async function certConfigureCert(client: EnomClient, input: ConfigureCertInput): Promise<ConfigureCertResult> {
  return run(
    client,
    'CertConfigureCert',
    {
      CertID: input.certId,
      WebServerType: input.webServerType,
      CSR: input.csr,
      ...contactParams('Admin', input.admin),
      ...contactParams('Tech', input.tech ?? input.admin),
      ...contactParams('Billing', input.billing ?? input.admin),
      ...uccParams(input.ucc),
    },
    configureCertSchema,
  );
}

export async function certParseCsr(client: EnomClient, input: { certId: number; csr: string }): Promise<CsrData> {
  return run(client, 'CertParseCSR', { CertID: input.certId, CSR: input.csr }, csrDataSchema);
}

export async function certGetApproverEmail(client: EnomClient, input: { certId: number; domain: string }): Promise<ApproverList> {
  return run(client, 'CertGetApproverEmail', { CertID: input.certId, Domain: input.domain }, approverListSchema);
}

export type DvAuthMethod = 'File' | 'DNS' | 'Email';

/** Comodo wants the organisation again at purchase time. */
export interface CsrOrganization {
  organization: string;
  organizationUnit?: string;
  address1: string;
  address2?: string;
  locality: string;
  stateProvince: string;
  postalCode: string;
  country: string;
  dunsNumber?: string;
}

export interface PurchaseCertInput {
  certId: number;
  /** required unless dvAuthMethod is File or DNS */
  approverEmail?: string;
  dvAuthMethod?: DvAuthMethod;
  csrOrganization?: CsrOrganization;
  ucc?: UccList;
}

/** Sends the configured order to the CA. Never retried. Returns the DCV tokens for File / DNS. */
export async function certPurchaseCert(client: EnomClient, input: PurchaseCertInput): Promise<PurchaseCertResult> {
  const method = input.dvAuthMethod;
  if (!input.approverEmail && (method === undefined || method === 'Email')) {
    throw new TypeError('CertPurchaseCert needs an approver e-mail or DVAuthMethod File/DNS');
  }
  const o = input.csrOrganization;
  return run(
    client,
    'CertPurchaseCert',
    {
      CertID: input.certId,
      ApproverEmail: input.approverEmail,
      DVAuthMethod: method,
      ...(o
        ? {
            CSROrganization: o.organization,
            CSROrganizationUnit: o.organizationUnit,
            CSRAddress1: o.address1,
            CSRAddress2: o.address2,
            CSRLocality: o.locality,
            CSRStateProvince: o.stateProvince,
            CSRPostalCode: o.postalCode,
            CSRCountry: o.country,
            DUNSNumber: o.dunsNumber,
          }
        : {}),
      ...uccParams(input.ucc),
    },
    purchaseCertSchema,
  );
}

export async function certGetCertDetail(client: EnomClient, input: { certId: number }): Promise<CertDetail> {
  return run(client, 'CertGetCertDetail', { CertID: input.certId }, certDetailSchema);
}

export async function certChangeApproverEmail(client: EnomClient, input: { certId: number; approverEmail: string }): Promise<ApproverChangeResult> {
  return run(client, 'CertChangeApproverEmail', { CertID: input.certId, ApproverEmail: input.approverEmail }, approverChangeSchema);
}

export async function certResendApproverEmail(client: EnomClient, input: { certId: number }): Promise<ApproverChangeResult> {
  return run(client, 'CertResendApproverEmail', { CertID: input.certId }, approverChangeSchema);
}

export async function certResendFulfillmentEmail(client: EnomClient, input: { certId: number }): Promise<SuccessResult> {
  return run(client, 'CertResendFulfillmentEmail', { CertID: input.certId }, successSchema);
}

/** Cancels a pending configuration (status 2 or 9); the certificate goes back to "Awaiting Configuration". */
export async function certModifyOrder(client: EnomClient, input: { certId: number }): Promise<ModifyOrderResult> {
  return run(client, 'CertModifyOrder', { CertID: input.certId }, modifyOrderSchema);
}

/** GeoTrust, RapidSSL and Symantec only. */
export async function certReissueCert(client: EnomClient, input: { certId: number; csr: string }): Promise<ReissueResult> {
  return run(client, 'CertReissueCert', { CertID: input.certId, CSR: input.csr }, reissueSchema);
}

/** The account's SSL products with prices. */
export async function getCerts(client: EnomClient): Promise<ProductList> {
  return run(client, 'GetCerts', {}, getCertsSchema);
}
