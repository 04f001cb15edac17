// zod schemas for what each ENOM command returns, and the value coercers behind them. Schemas are
// written with ENOM's element names (matched case-insensitively) and produce camelCase plain data.
//
// Dates: ENOM writes US wall-clock times (`6/2/2015`, `3/1/2017 1:02:10 PM`) without a zone. They
// become Date objects holding that wall-clock time as UTC, so `isoDate(d)` gives back the calendar
// date ENOM wrote (`2015-06-02`) whatever the server's time zone.
// zod/mini, zod 4's functional API: the same core, without the dozens of methods classic zod sets up
// on every schema object, so loading it and making schemas costs a fraction (docs/bench.md).
import * as z from 'zod/mini';
import { type XmlNode, collect } from './envelope';

// Each schema here validates a document or two per run: zod's JIT (a `new Function` per object
// schema, compiled afresh in every process) costs more than it saves. Set before any schema is made.
z.config({ jitless: true });

// ---------------------------------------------------------------------------------------------
// value coercers (exported for tests and for callers that read raw envelopes)

/** `2,261.65`, `$9.95`, `-1,832.23`, `-$5.00`, `($5.00)` → number; undefined when not an amount. */
export function parseAmount(s: string): number | undefined {
  let t = s.trim().replace(/\s+/g, '');
  let neg = false;
  if (/^\(.*\)$/.test(t)) {
    neg = true;
    t = t.slice(1, -1);
  }
  if (t.startsWith('-')) {
    neg = !neg;
    t = t.slice(1);
  }
  if (t.startsWith('$')) t = t.slice(1);
  if (t.startsWith('-') && !neg) {
    neg = true;
    t = t.slice(1);
  }
  if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^\.\d+$/.test(t)) return undefined;
  const n = Number(t.replace(/,/g, ''));
  // Beyond a trillion dollars is no account's money: garbage, which toFixed would write as 1e+24.
  if (!Number.isFinite(n) || n >= 1e12) return undefined;
  return neg ? -n : n;
}

export function parseInteger(s: string): number | undefined {
  // Plain digits, what ENOM sends nearly always: no amount rules to try.
  if (/^\d{1,15}$/.test(s)) return Number(s);
  const n = parseAmount(s);
  return n !== undefined && Number.isSafeInteger(n) && !s.includes('$') && !s.includes('.') ? n : undefined;
}

/** `True`/`true`/`1`/`Yes`/`Y` and `False`/`false`/`0`/`No`/`N`. */
export function parseBool(s: string): boolean | undefined {
  const t = s.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes' || t === 'y') return true;
  if (t === 'false' || t === '0' || t === 'no' || t === 'n') return false;
  return undefined;
}

const US_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** `M/D/YYYY[ h:mm[:ss] AM|PM]` (or ISO) → Date with that wall-clock time as UTC. */
export function parseUsDate(s: string): Date | undefined {
  const t = s.trim();
  let y: number, mo: number, d: number, h = 0, mi = 0, sec = 0;
  let m = US_DATE_RE.exec(t);
  if (m) {
    [mo, d, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[4] !== undefined) {
      h = Number(m[4]);
      mi = Number(m[5]);
      sec = Number(m[6] ?? 0);
      const ampm = m[7]?.toUpperCase();
      if (ampm) {
        if (h < 1 || h > 12) return undefined;
        if (ampm === 'AM' && h === 12) h = 0;
        if (ampm === 'PM' && h !== 12) h += 12;
      }
    }
  } else if ((m = ISO_DATE_RE.exec(t))) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    h = Number(m[4] ?? 0);
    mi = Number(m[5] ?? 0);
    sec = Number(m[6] ?? 0);
  } else {
    return undefined;
  }
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  // reject 2/30/2020 and friends instead of rolling over
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return date;
}

/** `YYYY-MM-DD` of a date from parseUsDate. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** `MM/DD/YYYY`, what ENOM's date filters take. */
export function usDate(d: Date | string): string {
  const date = typeof d === 'string' ? parseUsDate(d) : d;
  if (!date || Number.isNaN(date.getTime())) throw new TypeError(`not a date: ${String(d)}`);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCMonth() + 1)}/${p(date.getUTCDate())}/${date.getUTCFullYear()}`;
}

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates in a text, each normalised to plain lines (ENOM's samples indent them). */
export function splitPems(text: string | undefined): string[] {
  if (!text) return [];
  return (text.match(PEM_CERT_RE) ?? []).map((p) =>
    p
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------
// zod building blocks

/**
 * A schema made on first use. Making zod schemas is most of what loading this module would cost
 * (~30 of them, each through zod's constructor machinery, in a process that lives for one request),
 * and a run decodes one or two kinds of answer. The stand-in forwards everything to the real schema.
 */
function lazy<T extends object>(make: () => T): T {
  let made: T | undefined;
  const real = () => (made ??= make());
  return new Proxy({} as T, {
    get: (_, k) => Reflect.get(real(), k),
    has: (_, k) => Reflect.has(real(), k),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, k) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), k);
      return d && { ...d, configurable: true };
    },
  });
}

/** The text of an element as the envelope parser left it: string, {#text}, array (first), absent. */
function scalar(v: unknown): string | undefined {
  if (Array.isArray(v)) return scalar(v[0]);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'object') {
    const t = (v as Record<string, unknown>)['#text'];
    return typeof t === 'string' ? t.trim() : '';
  }
  return String(v);
}

/** An element's text through `parse`; `required`: absent or empty is an issue too. */
function field<T>(what: string, parse: (s: string) => T | undefined, required: boolean) {
  return z.transform((v: unknown, ctx): T | undefined => {
    const s = scalar(v);
    if (s === undefined || s === '') {
      if (!required) return undefined;
      ctx.issues.push({ code: 'custom', message: 'missing', input: v });
      return z.NEVER;
    }
    const out = parse(s);
    if (out === undefined) {
      ctx.issues.push({ code: 'custom', message: `expected ${what}, got ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}`, input: v });
      return z.NEVER;
    }
    return out;
  });
}

const value = <T>(what: string, parse: (s: string) => T | undefined) => field(what, parse, true) as z.ZodMiniType<T>;
const optional = <T>(what: string, parse: (s: string) => T | undefined) => field(what, parse, false);

export const int = lazy(() => value('an integer', parseInteger));
export const optInt = lazy(() => optional('an integer', parseInteger));
export const amount = lazy(() => value('an amount', parseAmount));
export const optAmount = lazy(() => optional('an amount', parseAmount));
export const bool = lazy(() => value('True or False', parseBool));
export const optBool = lazy(() => optional('True or False', parseBool));
export const date = lazy(() => value('a M/D/YYYY date', parseUsDate));
export const optDate = lazy(() => optional('a M/D/YYYY date', parseUsDate));
/** The first PEM certificate of a text, normalised; a private key or anything else beside it is dropped. */
export const optPemCertificate = lazy(() => optional('a PEM certificate', (s) => splitPems(s)[0]));
export const text = lazy(() => value('text', (s) => s));
export const optText = lazy(() => optional('text', (s) => s));

type FieldSpec = readonly [enomName: string, schema: z.ZodMiniType];
type Fields = Record<string, FieldSpec>;
type Out<F extends Fields> = { [K in keyof F]: z.output<F[K][1]> };

/** lower-case name → ENOM's spelling, for error messages that name the field as ENOM does */
const ENOM_NAMES = new Map<string, string>();

/**
 * An element with the given children: `{ certId: ['CertID', int] }` reads <CertID> in any case into
 * `certId`. A name ending in `*` gathers the repeated or numbered children (`Cert*`: <Cert>… or
 * <Cert1> <Cert2>…) into an array. Called inside `lazy()`: made when its schema is first used.
 */
export function record<F extends Fields>(fields: F) {
  const entries = Object.entries(fields);
  for (const [, [enom]] of entries) ENOM_NAMES.set(enom.toLowerCase(), enom.replace(/\*$/, ''));
  const shape: Record<string, z.ZodMiniType> = {};
  for (const [, [enom, schema]] of entries) shape[enom.toLowerCase()] = schema;
  const pick = z.transform((v: unknown) => {
    const node = Array.isArray(v) ? v[0] : v;
    const obj = node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : {};
    const out: Record<string, unknown> = {};
    for (const [, [enom]] of entries) {
      const lc = enom.toLowerCase();
      out[lc] = lc.endsWith('*') ? collect(obj as XmlNode, lc.slice(0, -1)) : obj[lc];
    }
    return out;
  });
  const rename = z.transform((o: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [key, [enom]] of entries) out[key] = o[enom.toLowerCase()];
    return out as Out<F>;
  });
  return z.pipe(z.pipe(pick, z.object(shape)), rename);
}

/** `CertGetCerts/Certs/Cert[3]/CertStatusID: expected an integer, got "x"` for each issue. */
export function describeIssues(command: string, error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): { field: string; message: string } {
  const parts = error.issues.slice(0, 5).map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `/${ENOM_NAMES.get(String(p)) ?? String(p)}`)).join('');
    return { field: `${command}${path}`, message: i.message };
  });
  const first = parts[0] ?? { field: command, message: 'invalid' };
  return { field: first.field, message: parts.map((p) => `${p.field}: ${p.message}`).join('; ') };
}

// ---------------------------------------------------------------------------------------------
// command schemas

export const balanceSchema = lazy(() =>
  record({
    reseller: ['Reseller', optBool],
    balance: ['Balance', amount],
    availableBalance: ['AvailableBalance', amount],
    domainCount: ['DomainCount', optInt],
  }),
);
export type Balance = z.output<typeof balanceSchema>;

export const purchaseServicesSchema = lazy(() =>
  record({
    certId: ['CertID', int],
    orderId: ['OrderID', optInt],
    totalCharged: ['TotalCharged', optAmount],
  }),
);
export type PurchaseServicesResult = z.output<typeof purchaseServicesSchema>;

export const certSummarySchema = lazy(() =>
  record({
    certId: ['CertID', int],
    orderId: ['OrderID', optInt],
    orderDate: ['OrderDate', optDate],
    configDate: ['ConfigDate', optDate],
    domainName: ['DomainName', optText],
    validityPeriod: ['ValidityPeriod', optInt],
    renewalIndicator: ['RenewalIndicator', optBool],
    isExpired: ['IsExpired', optBool],
    prodType: ['ProdType', optInt],
    prodDesc: ['ProdDesc', optText],
    expirationDate: ['ExpirationDate', optDate],
    certStatus: ['CertStatus', optText],
    certStatusId: ['CertStatusID', int],
    reissueStatus: ['ReissueStatus', optText],
  }),
);
export type CertSummary = z.output<typeof certSummarySchema>;

export const certGetCertsSchema = lazy(() =>
  z.pipe(
    record({
      certs: [
        'Certs',
        record({
          list: ['Cert*', z.array(certSummarySchema)],
          totalRecords: ['TotalRecords', optInt],
          startPosition: ['StartPosition', optInt],
          pagingPageSize: ['PagingPageSize', optInt],
        }),
      ],
      totalCertCount: ['TotalCertCount', optInt],
    }),
    z.transform((r) => ({
      certs: r.certs.list,
      totalRecords: r.certs.totalRecords ?? r.totalCertCount ?? r.certs.list.length,
      startPosition: r.certs.startPosition,
      pagingPageSize: r.certs.pagingPageSize,
    })),
  ),
);
export type CertList = z.output<typeof certGetCertsSchema>;

export const csrDataSchema = lazy(() =>
  record({
    success: ['Success', optBool],
    domainName: ['DomainName', optText],
    organization: ['Organization', optText],
    organizationUnit: ['OrganizationUnit', optText],
    locality: ['Locality', optText],
    state: ['State', optText],
    country: ['Country', optText],
    email: ['Email', optText],
    hasBadExtensions: ['HasBadExtensions', optBool],
  }),
);
export type CsrData = z.output<typeof csrDataSchema>;

const approverSchema = lazy(() =>
  record({
    type: ['@_Type', optText],
    email: ['ApproverEmail', optText],
  }),
);
export interface Approver {
  /** Domain (whois), Generic (admin@ …) or Manual */
  type: string;
  email: string;
}
// <Approver Type="Manual"></Approver> carries no address: it only says one may be typed in
const approvers = lazy(() =>
  z.pipe(
    z.array(approverSchema),
    z.transform((list) =>
      list.filter((a): a is { type: string | undefined; email: string } => !!a.email).map((a): Approver => ({ type: a.type ?? '', email: a.email })),
    ),
  ),
);

export const configureCertSchema = lazy(() =>
  record({
    certId: ['CertID', optInt],
    prodType: ['ProdType', optInt],
    csr: ['CSRData', csrDataSchema],
    success: ['Success', optBool],
    approvers: ['Approver*', approvers],
  }),
);
export type ConfigureCertResult = z.output<typeof configureCertSchema>;

export const approverListSchema = lazy(() =>
  record({
    success: ['Success', optBool],
    approvers: ['Approver*', approvers],
  }),
);
export type ApproverList = z.output<typeof approverListSchema>;

export const purchaseCertSchema = lazy(() =>
  record({
    success: ['Success', optBool],
    certId: ['CertID', optInt],
    geoTrustOrderId: ['GeoTrustOrderID', optText],
    approverEmail: ['ApproverEmail', optText],
    dvAuthMethod: ['DVAuthMethod', optText],
    fileAuthName: ['FileAuthName', optText],
    fileAuthContents: ['FileAuthContents', optText],
    dnsAuthEntry: ['DNSAuthEntry', optText],
    dnsAuthAddress: ['DNSAuthAddress', optText],
    sslCertificate: ['SSLCertificate', optPemCertificate],
  }),
);
export type PurchaseCertResult = z.output<typeof purchaseCertSchema>;

// The private key element (PVT) is left out on purpose: it must never travel further.
export const certDetailSchema = lazy(() =>
  z.pipe(
    record({
      certId: ['CertID', optInt],
      domainName: ['DomainName', optText],
      validityPeriod: ['ValidityPeriod', optInt],
      orderDate: ['OrderDate', optDate],
      configDate: ['ConfigDate', optDate],
      renewalIndicator: ['RenewalIndicator', optBool],
      webServerTypeId: ['WebServerTypeID', optInt],
      orderId: ['OrderID', optInt],
      orderDetailId: ['OrderDetailID', optInt],
      expirationDate: ['ExpirationDate', optDate],
      dvAuthMethod: ['DVAuthMethod', optText],
      authStatusName: ['AuthStatusName', optText],
      approverEmail: ['ApproverEmail', optText],
      fileAuthName: ['FileAuthName', optText],
      fileAuthContents: ['FileAuthContents', optText],
      dnsAuthEntry: ['DNSAuthEntry', optText],
      dnsAuthAddress: ['DNSAuthAddress', optText],
      message: ['Message', optText],
      certStatusId: ['CertStatusID', int],
      certStatus: ['CertStatus', optText],
      certStatusDetail: ['CertStatusDetail', optText],
      reissueStatus: ['ReissueStatus', optText],
      prodType: ['ProdType', optInt],
      prodDesc: ['ProdDesc', optText],
      sslCertificate: ['SSLCertificate', optPemCertificate],
      caCerts: ['CACerts', optText],
      intermediateCertificates: ['IntermediateCertificates', record({ ica: ['ICA*', z.array(optText)] })],
      csr: ['CSR', optText],
      domainList: ['DomainList', optText],
    }),
    z.transform(({ intermediateCertificates, ...d }) => {
      const intermediates = intermediateCertificates.ica.filter((s): s is string => !!s);
      const chain: string[] = [];
      for (const pem of [...intermediates.flatMap(splitPems), ...splitPems(d.caCerts)]) if (!chain.includes(pem)) chain.push(pem);
      return { ...d, intermediates, /** the CA certificates, leaf's issuer first, each once */ chain };
    }),
  ),
);
export type CertDetail = z.output<typeof certDetailSchema>;

export const approverChangeSchema = lazy(() =>
  record({
    approverEmail: ['ApproverEmail', optText],
    success: ['Success', optBool],
  }),
);
export type ApproverChangeResult = z.output<typeof approverChangeSchema>;

export const successSchema = lazy(() => record({ success: ['Success', optBool] }));
export type SuccessResult = z.output<typeof successSchema>;

export const modifyOrderSchema = lazy(() => record({ certId: ['CertID', optInt] }));
export type ModifyOrderResult = z.output<typeof modifyOrderSchema>;

export const reissueSchema = lazy(() =>
  record({
    success: ['Success', optBool],
    message: ['Message', optText],
  }),
);
export type ReissueResult = z.output<typeof reissueSchema>;

export const productSchema = lazy(() =>
  record({
    prodCode: ['ProdCode', text],
    prodType: ['ProdType', optInt],
    prodDesc: ['ProdDesc', optText],
    qtyDesc: ['QtyDesc', optText],
    retailPrice: ['RetailPrice', optAmount],
    resellerPrice: ['ResellerPrice', optAmount],
    enabled: ['Enabled', optBool],
    years: ['Years*', z.array(int)],
  }),
);
export type EnomProduct = z.output<typeof productSchema>;

export const getCertsSchema = lazy(() =>
  z.pipe(
    record({
      reseller: ['Reseller', optBool],
      certs: ['Certs', record({ list: ['Cert*', z.array(productSchema)] })],
      certCount: ['CertCount', optInt],
    }),
    z.transform((r) => ({ reseller: r.reseller, products: r.certs.list, certCount: r.certCount })),
  ),
);
export type ProductList = z.output<typeof getCertsSchema>;
