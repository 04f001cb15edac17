// A stateful ENOM simulator for tests: accounts with balances and an IP allowlist, the SSL catalogue,
// certificates moving through ENOM's statuses, responses shaped like the recorded ones
// (test/fixtures/enom), and switchable failures (slow, hung, reset, commit-then-drop, HTML, cut-off,
// the 2013 lower-case dialect, ENOM error answers).
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

// ---------------------------------------------------------------------------------------------
// types

export type FailMode =
  | 'delay' // answer normally after opts.ms
  | 'hang' // never answer (the socket stays open until the client gives up or close())
  | 'reset' // destroy the socket before doing anything
  | 'commit_then_drop' // carry the command out (debit, create, change status), then destroy the socket
  | 'html' // an HTML error page (status opts.status, default 200)
  | 'http_error' // HTTP opts.status (default 503) with a short text body
  | 'empty' // 200 with an empty body
  | 'huge' // 200 with a 50 MB body (opts.bytes), chunked unless opts.declareLength
  | 'truncated' // carry out, then send the response cut off before <Done> (well framed HTTP)
  | 'no_done' // carry out, then send a well-formed response without <Done>
  | 'lowercase' // carry out, answer in the 2013 dialect: every element name in lower case
  | 'bad_login' // ErrCount 1: 304155 Bad User name or Password
  | 'ip_denied' // ErrCount 1: 713254 User not permitted from this IP address - <opts.ip>
  | 'bad_csr' // ErrCount 1: 620397 Unable to parse CSR
  | 'funds' // ErrCount 1: 524181 Insufficient funds (nothing debited)
  | 'unsuccessful'; // ErrCount 0, Done true, but <Success>False</Success> (and opts.message): nothing carried out

export interface FailOptions {
  /** how many calls the failure applies to; default: until clear() */
  times?: number;
  /** delay: milliseconds */
  ms?: number;
  /** ip_denied: the address in the message (default 203.0.113.7) */
  ip?: string;
  /** html / http_error status */
  status?: number;
  /** huge: body size (default 50 MB) */
  bytes?: number;
  /** huge: send a Content-Length header */
  declareLength?: boolean;
  /** unsuccessful: the <Message> beside <Success>False</Success> */
  message?: string;
}

export interface SimProduct {
  /** ENOM Service code, lower case as GetCerts reports it */
  code: string;
  prodType: number;
  desc: string;
  brand: 'rapidssl' | 'geotrust' | 'symantec' | 'comodo';
  resellerPrice: number;
  retailPrice: number;
  enabled: boolean;
  multidomain?: boolean;
}

export interface SimAccount {
  uid: string;
  pw: string;
  balance: number;
  availableBalance: number;
  ipAllowlist: boolean;
  allowedIps: string[];
}

export interface SimCert {
  certId: number;
  orderId: number;
  uid: string;
  product: SimProduct;
  price: number;
  statusId: number;
  orderDate: Date;
  configDate?: Date;
  expirationDate?: Date;
  domainName?: string;
  csr?: string;
  csrSubject?: Record<string, string>;
  webServerType?: string;
  contacts: Record<string, string>;
  uccDomains: string[];
  approverEmail?: string;
  dvAuthMethod?: string;
  fileAuthName?: string;
  fileAuthContents?: string;
  dnsAuthEntry?: string;
  dnsAuthAddress?: string;
  geoTrustOrderId?: string;
  reissueStatus?: string;
  sslCertificate?: string;
}

export interface SimRequest {
  /** as sent */
  command: string;
  /** every parameter but pw, names as sent */
  params: Record<string, string>;
  /** where a pw parameter arrived (its value is never recorded): the URL query, the form body, both or neither */
  pwIn: ('query' | 'body')[];
  method: string;
  /** true when the body was a form (POST), false for a query string */
  form: boolean;
  url: string;
  at: Date;
  remoteAddress: string;
}

export interface SimState {
  accounts: Map<string, SimAccount>;
  products: SimProduct[];
  certs: Map<number, SimCert>;
  /** hours ENOM's clock is from UTC (negative: behind, as in the US): its order dates are that zone's day */
  utcOffsetHours?: number;
}

export interface EnomSimOptions {
  uid?: string;
  pw?: string;
  balance?: number;
  /** default: balance */
  availableBalance?: number;
  ipAllowlist?: boolean;
  allowedIps?: string[];
  products?: SimProduct[];
  /** CRLF line ends like the 2015 GetBalance recording. Default true. */
  crlf?: boolean;
  /** every answer in the 2013 lower-case dialect */
  lowercase?: boolean;
  /** serve HTTPS with a certificate from the simulator's own (untrusted) CA */
  tls?: boolean;
}

export interface EnomSim {
  url: string;
  port: number;
  state: SimState;
  /** the default account */
  account: SimAccount;
  requests: SimRequest[];
  /** requests for one command (case-insensitive) */
  requestsFor(command: string): SimRequest[];
  fail(command: string, mode: FailMode, opts?: FailOptions): void;
  /** removes failures for a command, or all */
  clear(command?: string): void;
  addAccount(a: Partial<SimAccount> & { uid: string; pw: string }): SimAccount;
  /** CA side: the certificate is issued (status 4), with a real leaf signed by the sim's CA */
  issue(certId: number): SimCert;
  /** CA side: rejected by the customer (status 6) */
  reject(certId: number): SimCert;
  /** ENOM staff refund: status 8 if issued, 7 otherwise; the price goes back to the balance */
  refund(certId: number, issued?: boolean): SimCert;
  ca: SimCa;
  close(): Promise<void>;
}

export interface SimCa {
  rootPem: string;
  intermediatePem: string;
  /** intermediate then root */
  chainPem: string;
}

// ---------------------------------------------------------------------------------------------
// catalogue and statuses (enom.md §4, §5)

export const STATUS_TEXT: Record<number, string> = {
  1: 'Awaiting Configuration',
  2: 'Processing',
  4: 'Certificate Issued',
  6: 'Rejected by Customer',
  7: 'Refunded - No Cert Issued',
  8: 'Refunded - Cert Issued',
  9: 'Approval Email Sent',
  10: 'Approved by Domain Owner',
  12: 'Pending Installation',
  13: 'Cert Installed',
};

const p = (code: string, prodType: number, desc: string, brand: SimProduct['brand'], resellerPrice: number, retailPrice: number, multidomain = false): SimProduct => ({
  code,
  prodType,
  desc: `SSL Certificate - ${desc}`,
  brand,
  resellerPrice,
  retailPrice,
  enabled: true,
  multidomain,
});

export const DEFAULT_PRODUCTS: readonly SimProduct[] = [
  p('certificate-rapidssl-rapidssl', 23, 'RapidSSL', 'rapidssl', 9.95, 19.95),
  p('certificate-rapidssl-rapidssl-wildcard', 285, 'RapidSSL Wildcard', 'rapidssl', 99, 149),
  p('certificate-geotrust-quickssl', 26, 'GeoTrust QuickSSL', 'geotrust', 69, 125),
  p('certificate-geotrust-quickssl-premium', 20, 'GeoTrust QuickSSL Premium', 'geotrust', 79, 139),
  p('certificate-geotrust-truebizid', 21, 'GeoTrust True BusinessID', 'geotrust', 129, 199),
  p('certificate-geotrust-truebizid-wildcard', 27, 'GeoTrust True BusinessID Wildcard', 'geotrust', 399, 599),
  p('certificate-geotrust-truebizid-ev', 24, 'GeoTrust True BusinessID EV', 'geotrust', 249, 399),
  p('certificate-verisign-secure-site', 180, 'Symantec Secure Site', 'symantec', 299, 399),
  p('certificate-verisign-secure-site-pro', 181, 'Symantec Secure Site Pro', 'symantec', 699, 995),
  p('certificate-verisign-secure-site-ev', 182, 'Symantec Secure Site EV', 'symantec', 799, 1149),
  p('certificate-verisign-secure-site-pro-ev', 183, 'Symantec Secure Site Pro EV', 'symantec', 1099, 1499),
  p('certificate-comodo-essential', 211, 'Comodo Essential SSL', 'comodo', 19.95, 39.95),
  p('certificate-comodo-instant', 212, 'Comodo Instant SSL', 'comodo', 49, 89),
  p('certificate-comodo-premium-wildcard', 213, 'Comodo Premium Wildcard SSL', 'comodo', 199, 299),
  p('certificate-comodo-essential-wildcard', 214, 'Comodo Essential Wildcard SSL', 'comodo', 99, 159),
  p('certificate-comodo-ev', 221, 'Comodo EV SSL', 'comodo', 149, 249),
  p('certificate-comodo-ev-sgc', 222, 'Comodo EV SGC SSL', 'comodo', 199, 299),
  p('certificate-comodo-ucc-dv', 270, 'Comodo UCC DV', 'comodo', 39, 69, true),
  p('certificate-comodo-ucc-ov', 274, 'Comodo UCC OV', 'comodo', 99, 149, true),
];

// the docs' older spelling of the RapidSSL code
const ALIASES: Record<string, string> = { 'certificate-rapidssl': 'certificate-rapidssl-rapidssl' };

// ---------------------------------------------------------------------------------------------
// openssl: a throwaway CA, made once per process and shared by every simulator

interface CaFiles extends SimCa {
  dir: string;
  intKey: string;
  intCert: string;
}

let caCache: CaFiles | undefined;

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function makeCa(): CaFiles {
  if (caCache) return caCache;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enom-sim-ca-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const f = (n: string) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', f('root.key'), '-out', f('root.pem'), '-days', '3650', '-sha256', '-subj', '/C=US/O=ENOM Simulator/CN=ENOM Sim Root CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-new', ...ec, '-keyout', f('int.key'), '-out', f('int.csr'), '-subj', '/C=US/O=ENOM Simulator/CN=ENOM Sim Issuing CA']);
  fs.writeFileSync(f('int.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  openssl(['x509', '-req', '-in', f('int.csr'), '-CA', f('root.pem'), '-CAkey', f('root.key'), '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', '3650', '-sha256', '-extfile', f('int.ext'), '-out', f('int.pem')]);
  const rootPem = fs.readFileSync(f('root.pem'), 'utf8').trim();
  const intermediatePem = fs.readFileSync(f('int.pem'), 'utf8').trim();
  caCache = { dir, rootPem, intermediatePem, chainPem: `${intermediatePem}\n${rootPem}`, intKey: f('int.key'), intCert: f('int.pem') };
  return caCache;
}

/** Signs a leaf for the domain (and SANs) with the sim's intermediate; uses the CSR's key when given. */
function signLeaf(ca: CaFiles, domain: string, sans: string[], csr?: string): string {
  const dir = fs.mkdtempSync(path.join(ca.dir, 'leaf-'));
  try {
    const f = (n: string) => path.join(dir, n);
    if (csr) fs.writeFileSync(f('leaf.csr'), csr);
    else openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${domain}`]);
    const names = [...new Set([domain, ...sans])].map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`));
    fs.writeFileSync(f('leaf.ext'), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${names.join(',')}\nauthorityKeyIdentifier=keyid\n`);
    openssl(['x509', '-req', '-in', f('leaf.csr'), '-CA', ca.intCert, '-CAkey', ca.intKey, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '365', '-sha256', '-extfile', f('leaf.ext'), '-out', f('leaf.pem')]);
    return fs.readFileSync(f('leaf.pem'), 'utf8').trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The subject of a CSR (CN, O, OU, L, ST, C, emailAddress), or undefined when openssl cannot read it. */
export function parseCsrSubject(csr: string): Record<string, string> | undefined {
  try {
    const out = openssl(['req', '-noout', '-subject', '-nameopt', 'multiline,utf8,-esc_msb'], csr);
    const subject: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const m = /^\s+(\w+)\s+=\s(.*)$/.exec(line);
      if (m?.[1] && m[2] !== undefined) subject[m[1]] = m[2].trim();
    }
    return subject.commonName ? subject : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh P-256 key and CSR for tests. */
export function makeCsr(domain: string, opts: { org?: string; sans?: string[] } = {}): { csr: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enom-csr-'));
  try {
    const f = (n: string) => path.join(dir, n);
    const subj = `/C=US/ST=WA/L=Kirkland/O=${opts.org ?? 'Example Org'}/OU=dev/CN=${domain}`;
    const ext = opts.sans?.length ? ['-addext', `subjectAltName=${[domain, ...opts.sans].map((d) => `DNS:${d}`).join(',')}`] : [];
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('k.pem'), '-out', f('c.pem'), '-subj', subj, ...ext]);
    return { csr: fs.readFileSync(f('c.pem'), 'utf8').trim(), key: fs.readFileSync(f('k.pem'), 'utf8').trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// XML out, shaped like ENOM's

type Content = string | { cdata: string } | XNode[] | undefined;
type XNode = [name: string, content?: Content, attrs?: Record<string, string>];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function render(nodes: XNode[], lower: boolean, nl: string, depth = 0): string {
  const pad = ' '.repeat(depth);
  return nodes
    .map(([rawName, content, attrs]) => {
      const name = lower ? rawName.toLowerCase() : rawName;
      const a = attrs ? Object.entries(attrs).map(([k, v]) => ` ${lower ? k.toLowerCase() : k}="${esc(v)}"`).join('') : '';
      if (content === undefined) return `${pad}<${name}${a} />`;
      if (typeof content === 'string') return `${pad}<${name}${a}>${esc(content)}</${name}>`;
      if (!Array.isArray(content)) return `${pad}<${name}${a}><![CDATA[${content.cdata}]]></${name}>`;
      return `${pad}<${name}${a}>${nl}${render(content, lower, nl, depth + 1)}${nl}${pad}</${name}>`;
    })
    .join(nl);
}

interface SimErrorSpec {
  text: string;
  code: string;
  codeText: string;
}

class SimError extends Error {
  constructor(readonly spec: SimErrorSpec) {
    super(spec.text);
  }
}

const E = {
  login: { text: 'Bad User name or Password', code: '304155', codeText: 'Validation error; invalid ; loginid' },
  ip: (ip: string) => ({ text: `User not permitted from this IP address - ${ip}`, code: '713254', codeText: 'Policy error; unauthorized; user(s)' }),
  csr: { text: 'Unable to parse CSR', code: '620397', codeText: 'System error; failed to process; SSL certificate' },
  funds: { text: 'Insufficient funds to complete this order', code: '524181', codeText: 'Payment error; Insufficient Reseller balance; Account balance' },
  missing: (what: string) => ({ text: `${what} is required`, code: '301000', codeText: 'Validation error; missing; ' + what }),
  invalid: (what: string) => ({ text: `Invalid ${what}`, code: '304000', codeText: 'Validation error; invalid; ' + what }),
  notFound: { text: 'Certificate not found in this account', code: '316397', codeText: 'Validation error; not found; SSL certificate' },
  state: (text: string) => ({ text, code: '706397', codeText: 'Policy error; policy violation; SSL certificate' }),
  unknownCommand: (c: string) => ({ text: `Invalid command: ${c}`, code: '304150', codeText: 'Validation error; invalid; command' }),
};

const pad2 = (n: number) => String(n).padStart(2, '0');
function usDateTime(d: Date, withTime = true): string {
  const date = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
  if (!withTime) return date;
  const h = d.getUTCHours();
  return `${date} ${h % 12 === 0 ? 12 : h % 12}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}
const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

// ---------------------------------------------------------------------------------------------
// the server

interface Failure extends FailOptions {
  mode: FailMode;
  remaining: number;
}

class Params {
  readonly map = new Map<string, string>();
  constructor(readonly raw: [string, string][]) {
    for (const [k, v] of raw) this.map.set(k.toLowerCase(), v);
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase());
  }
  need(name: string): string {
    const v = this.get(name)?.trim();
    if (!v) throw new SimError(E.missing(name));
    return v;
  }
}

const COMMANDS = [
  'GetBalance', 'GetCerts', 'PurchaseServices', 'CertGetCerts', 'CertConfigureCert', 'CertParseCSR', 'CertGetApproverEmail',
  'CertPurchaseCert', 'CertGetCertDetail', 'CertChangeApproverEmail', 'CertResendApproverEmail', 'CertResendFulfillmentEmail',
  'CertModifyOrder', 'CertReissueCert',
] as const;
type Command = (typeof COMMANDS)[number];
const COMMAND_BY_LC = new Map<string, Command>(COMMANDS.map((c) => [c.toLowerCase(), c]));

// element that wraps each command's data (undefined: directly under the root), as ENOM does
const WRAPPER: Partial<Record<Command, string>> = {
  CertGetCerts: 'CertGetCerts',
  CertConfigureCert: 'CertConfigureCert',
  CertParseCSR: 'CertParseCSR',
  CertGetApproverEmail: 'CertGetApproverEMail',
  CertPurchaseCert: 'CertPurchaseCert',
  CertGetCertDetail: 'CertGetCertDetail',
  CertChangeApproverEmail: 'CertChangeApproverEmail',
  CertResendApproverEmail: 'CertResendApproverEmail',
  CertModifyOrder: 'CertModifyOrder',
};

const CONTACT_FIELDS = ['FName', 'LName', 'OrgName', 'JobTitle', 'Address1', 'Address2', 'City', 'State', 'Province', 'PostalCode', 'Country', 'Phone', 'Fax', 'EmailAddress'];
const REQUIRED_CONTACT = ['FName', 'LName', 'Address1', 'City', 'PostalCode', 'Country', 'Phone', 'EmailAddress'];
const GENERIC_APPROVERS = ['admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster'];

/** A CertGetCerts date filter as days since the epoch; ENOM refuses a date it cannot read. */
function filterDay(q: Params, name: string): number | undefined {
  const raw = q.get(name)?.trim();
  if (!raw) return undefined;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(raw);
  const day = m ? Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2])) : NaN;
  const d = new Date(day);
  if (!m || d.getUTCMonth() !== Number(m[1]) - 1 || d.getUTCDate() !== Number(m[2])) throw new SimError(E.invalid(name));
  return day / 86_400_000;
}

/** CertGetCerts order: SortBy OrderDate, CertID, DomainName or ExpirationDate (default: newest CertID first); ties by CertID. */
function certOrder(sortBy: string | undefined, direction: string | undefined): (a: SimCert, b: SimCert) => number {
  const sign = direction?.toLowerCase() === 'asc' ? 1 : -1;
  const key: Record<string, (c: SimCert) => number | string> = {
    orderdate: (c) => c.orderDate.getTime(),
    certid: (c) => c.certId,
    domainname: (c) => c.domainName ?? '',
    expirationdate: (c) => c.expirationDate?.getTime() ?? 0,
  };
  const by = key[(sortBy ?? '').toLowerCase()] ?? key.certid!;
  return (a, b) => {
    const [x, y] = [by(a), by(b)];
    return sign * (x < y ? -1 : x > y ? 1 : a.certId - b.certId);
  };
}

export async function startEnomSim(options: EnomSimOptions = {}): Promise<EnomSim> {
  const ca = makeCa();
  const nl = options.crlf === false ? '\n' : '\r\n';
  const state: SimState = {
    accounts: new Map(),
    products: (options.products ?? DEFAULT_PRODUCTS).map((x) => ({ ...x })),
    certs: new Map(),
  };
  const requests: SimRequest[] = [];
  const failures = new Map<string, Failure[]>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let nextCertId = 700_001;
  let nextOrderId = 270_000_001;
  let closing = false;

  const addAccount = (a: Partial<SimAccount> & { uid: string; pw: string }): SimAccount => {
    const balance = a.balance ?? 1000;
    const acc: SimAccount = {
      uid: a.uid,
      pw: a.pw,
      balance,
      availableBalance: a.availableBalance ?? balance,
      ipAllowlist: a.ipAllowlist ?? false,
      allowedIps: a.allowedIps ?? [],
    };
    state.accounts.set(a.uid.toLowerCase(), acc);
    return acc;
  };
  const account = addAccount({
    uid: options.uid ?? 'resellid',
    pw: options.pw ?? 'resellpw',
    balance: options.balance,
    availableBalance: options.availableBalance,
    ipAllowlist: options.ipAllowlist,
    allowedIps: options.allowedIps,
  });

  const findProduct = (code: string) => {
    const lc = code.trim().toLowerCase();
    return state.products.find((x) => x.code === (ALIASES[lc] ?? lc));
  };

  const takeFailure = (command: string): Failure | undefined => {
    for (const key of [command.toLowerCase(), '*']) {
      const list = failures.get(key);
      const f = list?.[0];
      if (!list || !f) continue;
      f.remaining -= 1;
      if (f.remaining <= 0) list.shift();
      return f;
    }
    return undefined;
  };

  const ownCert = (acc: SimAccount, q: Params): SimCert => {
    const id = Number(q.need('CertID'));
    const cert = state.certs.get(id);
    if (!cert || cert.uid.toLowerCase() !== acc.uid.toLowerCase()) throw new SimError(E.notFound);
    return cert;
  };

  const readCsr = (csr: string) => {
    const subject = parseCsrSubject(csr);
    if (!subject) throw new SimError(E.csr);
    return subject;
  };

  const csrData = (s: Record<string, string>): XNode[] => [
    ['Success', 'True'],
    ['Organization', s.organizationName ?? ''],
    ['DomainName', s.commonName ?? ''],
    ['Email', s.emailAddress ?? ''],
    ['HasBadExtensions', 'false'],
    ['Locality', s.localityName ?? ''],
    ['OrganizationUnit', s.organizationalUnitName ?? ''],
    ['State', s.stateOrProvinceName ?? ''],
    ['Country', s.countryName ?? ''],
  ];

  const approverNodes = (domain: string): XNode[] => {
    const base = domain.replace(/^\*\./, '');
    return [
      ['Approver', [['ApproverEmail', `registrant@${base}`]], { Type: 'Domain' }],
      ...GENERIC_APPROVERS.map((g): XNode => ['Approver', [['ApproverEmail', `${g}@${base}`]], { Type: 'Generic' }]),
      ['Approver', '', { Type: 'Manual' }],
    ];
  };

  const enomTime = (d: Date) => new Date(d.getTime() + (state.utcOffsetHours ?? 0) * 3_600_000);
  /** The calendar day ENOM dates an instant with (its zone), as days since the epoch. */
  const enomDay = (d: Date) => Math.floor(enomTime(d).getTime() / 86_400_000);
  const certSummary = (c: SimCert): XNode => [
    'Cert',
    [
      ['IsExpired', c.expirationDate && c.expirationDate < new Date() ? 'True' : 'False'],
      ['CertID', String(c.certId)],
      ['OrderDate', usDateTime(enomTime(c.orderDate), false)],
      ['ConfigDate', c.configDate ? usDateTime(enomTime(c.configDate), false) : ''],
      ['DomainName', { cdata: c.domainName ?? '' }],
      ['ValidityPeriod', '12'],
      ['RenewalIndicator', 'False'],
      ['ProdType', String(c.product.prodType)],
      ['ProdDesc', c.product.desc],
      ['ExpirationDate', c.expirationDate ? usDateTime(c.expirationDate, false) : ''],
      ['ServerCount', '1'],
      ['CertStatus', STATUS_TEXT[c.statusId] ?? ''],
      ['CertStatusID', String(c.statusId)],
      ['OrderID', String(c.orderId)],
      ['DomainCountAllowed', c.product.multidomain ? '100' : ''],
      ['ReissueStatus', c.reissueStatus ?? ''],
    ],
  ];

  const token = () => randomBytes(12).toString('hex');

  // Each handler changes state only once it cannot fail any more, like a transaction.
  const handlers: Record<Command, (acc: SimAccount, q: Params) => XNode[]> = {
    GetBalance: (acc) => [
      ['Reseller', '1'],
      ['Balance', money(acc.balance)],
      ['AvailableBalance', money(acc.availableBalance)],
      ['DomainCount', '0'],
    ],

    GetCerts: () => [
      ['Reseller', 'True'],
      [
        'Certs',
        state.products.map((x, i): XNode => [
          `Cert${i + 1}`,
          [
            ['ProdCode', x.code],
            ['ProdType', String(x.prodType)],
            ['ProdDesc', x.desc],
            ['QtyDesc', 'Year(s)'],
            ['RetailPrice', `$${money(x.retailPrice)}`],
            ['ResellerPrice', `$${money(x.resellerPrice)}`],
            ['Enabled', x.enabled ? 'True' : 'False'],
            ['Years', '1'],
          ],
        ]),
      ],
      ['CertCount', String(state.products.length)],
    ],

    PurchaseServices: (acc, q) => {
      const product = findProduct(q.need('Service'));
      if (!product || !product.enabled) throw new SimError(E.invalid('Service'));
      const years = Number(q.get('NumYears') ?? '1');
      if (years !== 1) throw new SimError({ text: 'NumYears must be 1', code: '303197', codeText: 'Validation error; out of range; year(s)' });
      const price = product.resellerPrice * years;
      if (acc.availableBalance < price) throw new SimError(E.funds);
      acc.availableBalance = round2(acc.availableBalance - price);
      acc.balance = round2(acc.balance - price);
      const cert: SimCert = {
        certId: nextCertId++,
        orderId: nextOrderId++,
        uid: acc.uid,
        product,
        price,
        statusId: 1,
        orderDate: new Date(),
        contacts: {},
        uccDomains: [],
      };
      state.certs.set(cert.certId, cert);
      // no recorded SSL sample exists; clients read these in lower case (enom.md §3)
      return [
        ['certid', String(cert.certId)],
        ['orderid', String(cert.orderId)],
        ['TotalCharged', money(price)],
      ];
    },

    CertGetCerts: (acc, q) => {
      let list = [...state.certs.values()].filter((c) => c.uid.toLowerCase() === acc.uid.toLowerCase());
      const status = q.get('CertStatusID');
      if (status) list = list.filter((c) => String(c.statusId) === status);
      const prodType = q.get('ProdType');
      if (prodType) list = list.filter((c) => String(c.product.prodType) === prodType);
      const contains = q.get('DomainNameContains')?.toLowerCase();
      if (contains) list = list.filter((c) => c.domainName?.toLowerCase().includes(contains));
      // OrderDateStart/End are inclusive whole days (MM/DD/YYYY), compared with the day ENOM dates the
      // order in its own zone, as its OrderDate shows: a client that sends a wrong day misses orders.
      const start = filterDay(q, 'OrderDateStart');
      const end = filterDay(q, 'OrderDateEnd');
      if (start !== undefined) list = list.filter((c) => enomDay(c.orderDate) >= start);
      if (end !== undefined) list = list.filter((c) => enomDay(c.orderDate) <= end);
      list.sort(certOrder(q.get('SortBy'), q.get('SortByDirection')));
      const total = list.length;
      const from = Math.max(1, Number(q.get('StartPosition') ?? '1') || 1);
      const size = Math.min(250, Math.max(1, Number(q.get('PagingPageSize') ?? '25') || 25));
      const page = list.slice(from - 1, from - 1 + size);
      if (page.length === 0) return []; // ENOM answers a bare <CertGetCerts />
      return [
        [
          'Certs',
          [
            ...page.map(certSummary),
            ['ProductType', prodType || 'all'],
            ['StatusID', status || 'all'],
            ['StartPosition', String(from)],
            ['PagingPageSize', String(size)],
            ['Count', String(page.length)],
            ['Sortby', q.get('SortBy') ?? ''],
            ['SortByDirection', q.get('SortByDirection')?.toLowerCase() === 'asc' ? 'asc' : 'desc'],
            ['TotalRecords', String(total)],
          ],
        ],
      ];
    },

    CertConfigureCert: (acc, q) => {
      const cert = ownCert(acc, q);
      if (cert.statusId !== 1 && cert.statusId !== 6) throw new SimError(E.state(`Certificate cannot be configured in status ${STATUS_TEXT[cert.statusId]}`));
      const webServerType = q.need('WebServerType');
      const csr = q.need('CSR');
      const contacts: Record<string, string> = {};
      for (const prefix of ['Admin', 'Tech', 'Billing']) {
        for (const f of REQUIRED_CONTACT) q.need(`${prefix}${f}`);
        for (const f of CONTACT_FIELDS) contacts[`${prefix}${f}`] = q.get(`${prefix}${f}`) ?? '';
      }
      const subject = readCsr(csr);
      const ucc: string[] = [];
      if (cert.product.multidomain) {
        const n = Number(q.get('DomainListNumber') ?? '0');
        for (let i = 1; i <= n; i++) ucc.push(q.need(`UCCDomainList${i}`));
      }
      Object.assign(cert, {
        csr,
        csrSubject: subject,
        domainName: subject.commonName,
        webServerType,
        contacts,
        uccDomains: ucc,
        configDate: new Date(),
        statusId: 1,
      });
      return [
        ['CertID', String(cert.certId)],
        ['ProdType', String(cert.product.prodType)],
        ['CSRData', csrData(subject)],
        ['ApproverEmail', ''],
        ['Success', 'True'],
        ...approverNodes(subject.commonName ?? ''),
      ];
    },

    CertParseCSR: (acc, q) => {
      ownCert(acc, q);
      return csrData(readCsr(q.need('CSR')));
    },

    CertGetApproverEmail: (acc, q) => {
      ownCert(acc, q);
      const domain = q.need('Domain');
      return [['Success', 'True'], ...approverNodes(domain)];
    },

    CertPurchaseCert: (acc, q) => {
      const cert = ownCert(acc, q);
      if (cert.statusId !== 1 || !cert.csr) throw new SimError(E.state('Certificate must be configured before it is purchased'));
      const email = q.get('ApproverEmail')?.trim();
      const methodRaw = q.get('DVAuthMethod')?.trim().toLowerCase() || (email ? 'email' : '');
      if (!methodRaw) throw new SimError(E.missing('ApproverEmail'));
      const method = ({ email: 'Email', file: 'File', dns: 'DNS' } as Record<string, string>)[methodRaw];
      if (!method) throw new SimError(E.invalid('DVAuthMethod'));
      if (method !== 'Email' && cert.product.brand !== 'rapidssl' && cert.product.brand !== 'geotrust') {
        throw new SimError(E.state(`DVAuthMethod ${method} is not available for this product`));
      }
      if (method === 'Email' && !email) throw new SimError(E.missing('ApproverEmail'));
      const domain = cert.domainName ?? '';
      Object.assign(cert, {
        approverEmail: email ?? '',
        dvAuthMethod: method === 'Email' ? '' : method,
        fileAuthName: method === 'File' ? 'fileauth.txt' : '',
        fileAuthContents: method === 'File' ? `${token()}\ngeotrust\n${domain}` : '',
        dnsAuthEntry: method === 'DNS' ? token() : '',
        dnsAuthAddress: method === 'DNS' ? `s${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}.${domain}` : '',
        geoTrustOrderId: cert.product.brand === 'comodo' ? '' : String(10_000_000 + cert.certId),
        statusId: cert.product.brand === 'comodo' ? 9 : 2,
      });
      return [
        ['Success', 'True'],
        ['GeoTrustOrderID', cert.geoTrustOrderId ?? ''],
        ['ApproverEmail', cert.approverEmail ?? ''],
        ['DVAuthMethod', cert.dvAuthMethod ?? ''],
        ['FileAuthName', cert.fileAuthName ?? ''],
        ['FileAuthContents', cert.fileAuthContents ?? ''],
        ['DNSAuthEntry', cert.dnsAuthEntry ?? ''],
        ['DNSAuthAddress', cert.dnsAuthAddress ?? ''],
        ['CertID', String(cert.certId)],
      ];
    },

    CertGetCertDetail: (acc, q) => {
      const c = ownCert(acc, q);
      const issued = c.statusId === 4 && c.sslCertificate;
      const contact = (prefix: string): XNode[] =>
        ['OrgName', 'JobTitle', 'FName', 'LName', 'Address1', 'Address2', 'City'].map((f): XNode => [`${prefix}${f}`, { cdata: c.contacts[`${prefix}${f}`] ?? '' }]);
      return [
        ['CertID', String(c.certId)],
        ['DomainName', c.domainName ?? ''],
        ['ValidityPeriod', '12'],
        ['OrderDate', usDateTime(enomTime(c.orderDate))],
        ['ConfigDate', c.configDate ? usDateTime(enomTime(c.configDate)) : ''],
        ['RenewalIndicator', 'False'],
        ['WebServerTypeID', c.webServerType ?? ''],
        ['WebServerTypeName', c.webServerType ? 'Other' : ''],
        ['OrderID', String(c.orderId)],
        ['OrderDetailID', String(c.orderId + 1000)],
        ['ExpirationDate', c.expirationDate ? usDateTime(c.expirationDate) : ''],
        ['ServerCount', '1'],
        ['DVAuthMethod', c.dvAuthMethod ?? ''],
        ['AuthStatusID', undefined],
        ['AuthStatusName', ''],
        ['AuthStatusLastUpdate', undefined],
        ['ApproverEmail', c.approverEmail ?? ''],
        ['FileAuthName', c.fileAuthName ?? ''],
        ['FileAuthContents', c.fileAuthContents ?? ''],
        ['DNSAuthEntry', c.dnsAuthEntry ?? ''],
        ['DNSAuthAddress', c.dnsAuthAddress ?? ''],
        ['Message', ''],
        ['CertStatusID', String(c.statusId)],
        ['CertStatus', STATUS_TEXT[c.statusId] ?? ''],
        ['CertStatusDetail', ''],
        ['ReissueStatus', c.reissueStatus ?? ''],
        ['ProdType', String(c.product.prodType)],
        ['ProdDesc', c.product.desc],
        ['UseWebHosting', '0'],
        ['SSLCertificate', { cdata: issued ? c.sslCertificate ?? '' : '' }],
        ['IntermediateCertificates', issued ? [['ICA1', { cdata: ca.intermediatePem }]] : undefined],
        ['CSR', { cdata: c.csr ?? '' }],
        ['CACerts', { cdata: issued ? ca.chainPem : '' }],
        ['PVT', { cdata: '' }],
        ['DomainCountAllowed', c.product.multidomain ? '100' : ''],
        ['DomainList', c.uccDomains.length ? c.uccDomains.join(',') : undefined],
        ...contact('Admin'),
      ];
    },

    CertChangeApproverEmail: (acc, q) => {
      const c = ownCert(acc, q);
      const email = q.need('ApproverEmail');
      if (c.statusId !== 2 && c.statusId !== 9) throw new SimError(E.state('Approver can only be changed while the order is pending'));
      c.approverEmail = email;
      return [
        ['ApproverEmail', { cdata: email }],
        ['Success', 'true'],
      ];
    },

    CertResendApproverEmail: (acc, q) => {
      const c = ownCert(acc, q);
      if (c.statusId !== 2 && c.statusId !== 9) throw new SimError(E.state('No approval e-mail is pending'));
      return [
        ['ApproverEmail', { cdata: c.approverEmail ?? '' }],
        ['Success', 'true'],
      ];
    },

    CertResendFulfillmentEmail: (acc, q) => {
      const c = ownCert(acc, q);
      if (c.statusId !== 4) throw new SimError(E.state('Certificate is not issued'));
      return [['Success', 'True']];
    },

    CertModifyOrder: (acc, q) => {
      const c = ownCert(acc, q);
      if (c.statusId !== 2 && c.statusId !== 9) throw new SimError(E.state('Order can only be modified while Approval Email Sent or Processing'));
      Object.assign(c, {
        statusId: 1,
        csr: undefined,
        csrSubject: undefined,
        approverEmail: undefined,
        dvAuthMethod: undefined,
        fileAuthName: undefined,
        fileAuthContents: undefined,
        dnsAuthEntry: undefined,
        dnsAuthAddress: undefined,
        configDate: undefined,
      });
      return [['CertID', String(c.certId)]];
    },

    CertReissueCert: (acc, q) => {
      const c = ownCert(acc, q);
      if (c.product.brand === 'comodo') throw new SimError(E.state('Reissue is not available for this product'));
      if (c.statusId !== 4) throw new SimError(E.state('Only issued certificates can be reissued'));
      const csr = q.need('CSR');
      const subject = readCsr(csr);
      Object.assign(c, { csr, csrSubject: subject, domainName: subject.commonName, statusId: 2, reissueStatus: 'Processing' });
      return [
        ['Success', 'True'],
        ['Message', undefined],
      ];
    },
  };

  const respond = (res: http.ServerResponse, status: number, text: string, type = 'text/xml; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const envelope = (command: string, data: XNode[], err: SimErrorSpec | undefined, opts: { lower: boolean; done: boolean }): string => {
    const trailer: XNode[] = [
      ['Command', command.toUpperCase()],
      ['APIType', 'API'],
      ['Language', 'eng'],
      ['ErrCount', err ? '1' : '0'],
      ...(err ? ([['errors', [['Err1', err.text]]]] as XNode[]) : []),
      ['ResponseCount', err ? '1' : '0'],
      ...(err ? ([['responses', [['response', [['ResponseNumber', err.code], ['ResponseString', err.codeText]]]]]] as XNode[]) : []),
      ['MinPeriod', ''],
      ['MaxPeriod', '10'],
      ['Server', 'ENOMSIM01'],
      ['Site', 'eNom'],
      ['IsLockable', ''],
      ['IsRealTimeTLD', ''],
      ['TimeDifference', '+0.00'],
      ['ExecTime', '0.012'],
      ...(opts.done ? ([['Done', 'true']] as XNode[]) : []),
      ['TrackingKey', randomUUID()],
      ['RequestDateTime', usDateTime(new Date())],
    ];
    const cmd = COMMAND_BY_LC.get(command.toLowerCase());
    const wrapper = cmd ? WRAPPER[cmd] : undefined;
    const body: XNode[] = err ? [] : wrapper ? [[wrapper, data.length ? data : undefined]] : data;
    return `<?xml version="1.0" encoding="utf-8"?>${nl}<interface-response>${nl}${render([...body, ...trailer], opts.lower, nl)}${nl}</interface-response>${nl}`;
  };

  const later = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const sendHuge = (res: http.ServerResponse, bytes: number, declare: boolean) => {
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', ...(declare ? { 'content-length': bytes } : {}) });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !res.destroyed) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.write('<?xml version="1.0" encoding="utf-8"?><interface-response><x>');
    pump();
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 2 * 1024 * 1024) return respond(res, 413, 'Request Entity Too Large', 'text/plain');
      chunks.push(c);
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const isForm = /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') && bodyText.length > 0;
    const fromBody: [string, string][] = isForm ? [...new URLSearchParams(bodyText).entries()] : [];
    const raw: [string, string][] = [...url.searchParams.entries(), ...fromBody];
    const hasPw = (list: Iterable<[string, string]>) => [...list].some(([k]) => k.toLowerCase() === 'pw');
    const q = new Params(raw);
    const command = q.get('command') ?? '';
    const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    requests.push({
      command,
      params: Object.fromEntries(raw.filter(([k]) => k.toLowerCase() !== 'pw')),
      pwIn: [...(hasPw(url.searchParams.entries()) ? ['query' as const] : []), ...(hasPw(fromBody) ? ['body' as const] : [])],
      method: req.method ?? '',
      form: isForm,
      url: req.url ?? '',
      at: new Date(),
      remoteAddress: remote,
    });

    const failure = takeFailure(command);
    const mode = failure?.mode;
    const lower = options.lowercase === true || mode === 'lowercase';
    switch (mode) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return; // the socket stays open; close() destroys it
      case 'html':
        return respond(res, failure?.status ?? 200, '<!DOCTYPE html>\r\n<html><head><title>Runtime Error</title></head><body><h1>Server Error in \'/\' Application.</h1><p>Runtime Error</p></body></html>', 'text/html; charset=utf-8');
      case 'http_error':
        return respond(res, failure?.status ?? 503, 'Service Unavailable', 'text/plain');
      case 'empty':
        return respond(res, 200, '');
      case 'huge':
        return sendHuge(res, failure?.bytes ?? 50 * 1024 * 1024, failure?.declareLength === true);
      case 'delay':
        await later(failure?.ms ?? 100);
        if (closing) return;
        break;
      default:
    }

    let err: SimErrorSpec | undefined;
    let data: XNode[] = [];
    const acc = state.accounts.get((q.get('uid') ?? '').toLowerCase());
    if (mode === 'bad_login') err = E.login;
    else if (mode === 'ip_denied') err = E.ip(failure?.ip ?? '203.0.113.7');
    else if (mode === 'bad_csr') err = E.csr;
    else if (mode === 'funds') err = E.funds;
    else if (!acc || acc.pw !== q.get('pw')) err = E.login;
    else if (acc.ipAllowlist && !acc.allowedIps.includes(remote)) err = E.ip(remote);
    else if (mode === 'unsuccessful') data = [['Success', 'False'], ['Message', failure?.message]];
    else {
      const cmd = COMMAND_BY_LC.get(command.toLowerCase());
      try {
        if (!cmd) throw new SimError(E.unknownCommand(command));
        data = handlers[cmd](acc, q);
      } catch (e) {
        if (!(e instanceof SimError)) throw e;
        err = e.spec;
      }
    }

    if (mode === 'commit_then_drop') {
      req.socket.destroy();
      return;
    }
    const text = envelope(command || 'unknown', data, err, { lower, done: mode !== 'no_done' });
    if (mode === 'truncated') {
      const cut = text.slice(0, Math.min(Math.floor(text.length * 0.6), text.search(/<done>/i)));
      return respond(res, 200, cut);
    }
    respond(res, 200, text);
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) respond(res, 500, `simulator failure: ${(e as Error).message}`, 'text/plain');
      else res.destroy();
    });
  };

  let server: http.Server;
  if (options.tls) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enom-sim-tls-'));
    try {
      const f = (n: string) => path.join(dir, n);
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('k.pem'), '-out', f('c.csr'), '-subj', '/CN=localhost']);
      const cert = signLeaf(ca, 'localhost', ['127.0.0.1'], fs.readFileSync(f('c.csr'), 'utf8'));
      server = https.createServer({ key: fs.readFileSync(f('k.pem')), cert: `${cert}\n${ca.intermediatePem}\n` }, listener);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else {
    server = http.createServer(listener);
  }
  server.keepAliveTimeout = 1000;
  // raw TCP sockets (also under TLS), so close() can end hung and idle ones
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const certOrThrow = (certId: number): SimCert => {
    const c = state.certs.get(certId);
    if (!c) throw new Error(`enom-sim: no certificate ${certId}`);
    return c;
  };

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/interface.asp`,
    port,
    state,
    account,
    requests,
    requestsFor: (command) => requests.filter((r) => r.command.toLowerCase() === command.toLowerCase()),
    fail(command, mode, opts = {}) {
      const key = command.toLowerCase();
      const list = failures.get(key) ?? [];
      list.push({ ...opts, mode, remaining: opts.times ?? Number.POSITIVE_INFINITY });
      failures.set(key, list);
    },
    clear(command) {
      if (command === undefined) failures.clear();
      else failures.delete(command.toLowerCase());
    },
    addAccount,
    issue(certId) {
      const c = certOrThrow(certId);
      if (![2, 9, 10].includes(c.statusId)) throw new Error(`enom-sim: certificate ${certId} is in status ${c.statusId}, not waiting for the CA`);
      c.sslCertificate = signLeaf(ca, c.domainName ?? `cert${certId}.example`, c.uccDomains, c.csr);
      c.statusId = 4;
      c.reissueStatus = c.reissueStatus ? 'Issued' : undefined;
      c.expirationDate = new Date(Date.now() + 365 * 86_400_000);
      return c;
    },
    reject(certId) {
      const c = certOrThrow(certId);
      c.statusId = 6;
      return c;
    },
    refund(certId, issued) {
      const c = certOrThrow(certId);
      const acc = state.accounts.get(c.uid.toLowerCase());
      if (acc && c.statusId !== 7 && c.statusId !== 8) {
        acc.balance = round2(acc.balance + c.price);
        acc.availableBalance = round2(acc.availableBalance + c.price);
      }
      c.statusId = (issued ?? c.statusId === 4) ? 8 : 7;
      return c;
    },
    ca: { rootPem: ca.rootPem, intermediatePem: ca.intermediatePem, chainPem: ca.chainPem },
    async close() {
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
