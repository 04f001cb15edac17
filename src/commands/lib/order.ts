// From a BILLmanager certificate item to an ENOM order, validated in full before any money is spent:
// a failure names the item field at fault.
import { ModuleError } from '../../billmgr/errors';
import type { Item } from '../../billmgr/item';
import { parseCsr, type Csr } from '../../csr';
import type { CsrOrganization, DvAuthMethod, EnomContact, UccList } from '../../enom';
import { findProduct, needsOrgInfo, webServerOther, type Product } from '../../products';
import { approverEmails } from '../approver';

export interface Order {
  product: Product;
  numYears: number;
  csr: string;
  csrInfo: Csr;
  /** the common name without a wildcard label */
  domain: string;
  webServerType: number;
  admin: EnomContact;
  tech: EnomContact;
  dcv: DvAuthMethod;
  approverEmail?: string;
  ucc?: UccList;
  csrOrganization?: CsrOrganization;
}

const missing = (field: string, why = `${field} is required for this product`) => new ModuleError('missing', why, { object: field });
const bad = (field: string, value: string, why: string) => new ModuleError('value', why, { object: field, value: value.slice(0, 200) });

// ITU-T E.164 country calling codes: the first digit is the zone; zones 1 and 7 are one digit long,
// these two-digit codes are whole, and every other code has three digits.
const TWO_DIGIT_CC = new Set([20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98]);

/** BILLmanager phones ("+7 (495) 123-45-67") in ENOM's `+CC.NUMBER` form. */
export function enomPhone(raw: string, field: string): string {
  const s = raw.trim();
  if (/^\+\d{1,3}\.\d{4,14}$/.test(s)) return s;
  const digits = s.replace(/[\s().-]/g, '');
  if (!/^\+?\d{6,16}$/.test(digits)) throw bad(field, raw, `${field} "${raw}" is not a phone number`);
  const d = digits.replace(/^\+/, '');
  const cc = d[0] === '1' || d[0] === '7' ? 1 : TWO_DIGIT_CC.has(Number(d.slice(0, 2))) ? 2 : 3;
  return `+${d.slice(0, cc)}.${d.slice(cc)}`;
}

const EMAIL = /^[^\s@,;<>"]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

function contact(p: Record<string, string>, prefix: 'adm' | 'tech', csr: Csr, fallback?: EnomContact): EnomContact {
  const v = (k: string) => (p[`${prefix}_${k}`] ?? '').trim();
  if (fallback && !v('fname') && !v('email')) return fallback;
  for (const k of ['fname', 'lname', 'email', 'phone']) if (!v(k)) throw missing(`${prefix}_${k}`, `${prefix}_${k} (contact) is required`);
  if (!EMAIL.test(v('email'))) throw bad(`${prefix}_email`, v('email'), `${prefix}_email "${v('email')}" is not an e-mail address`);
  // ENOM wants a postal address for every contact: the contact's own, else the organisation's, else
  // what the CSR says. Missing parts are refused here, before the purchase, not by ENOM after it.
  const pick = (key: string, ...more: (string | undefined)[]) => [v(key), (p[`org_${key}`] ?? '').trim(), ...more].find((x) => x) ?? '';
  const address = {
    address1: pick('address'),
    city: pick('city', csr.subject.L),
    state: pick('state', csr.subject.ST),
    postalCode: pick('postcode'),
    country: pick('country', csr.subject.C).toUpperCase(),
  };
  for (const [k, param] of [['address1', 'address'], ['city', 'city'], ['postalCode', 'postcode'], ['country', 'country']] as const) {
    if (!address[k]) throw missing(`org_${param}`, `the ${prefix === 'adm' ? 'administrative' : 'technical'} contact needs a postal address: org_${param} (or ${prefix}_${param}) is empty`);
  }
  if (!/^[A-Z]{2}$/.test(address.country)) throw bad('org_country', address.country, `country "${address.country}" is not a two-letter ISO code`);
  return {
    fName: v('fname'),
    lName: v('lname'),
    jobTitle: v('jtitle') || undefined,
    orgName: (p.org_name ?? '').trim() || csr.subject.O || undefined,
    ...address,
    state: address.state || undefined,
    phone: enomPhone(v('phone'), `${prefix}_phone`),
    emailAddress: v('email'),
  };
}

// The order form's params travel to ENOM and the CA: each is one line of text of sane length; the
// two lists (altname, approver_email) may be split over lines, but hold no other control character.
const FORM_PARAM = /^(adm|tech|org)_|^approver_method$/;
const LIST_PARAMS = new Set(['altname', 'approver_email']);
const MAX_FIELD = 255;
const MAX_LIST = 64 * 1024;

function checkFormParams(p: Record<string, string>): void {
  for (const [k, v] of Object.entries(p)) {
    const list = LIST_PARAMS.has(k);
    if (!list && !FORM_PARAM.test(k)) continue;
    const ctl = (list ? /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/ : /[\u0000-\u001F\u007F]/).exec(v);
    if (ctl) {
      const code = `U+${ctl[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      throw bad(k, `${code} at position ${ctl.index + 1}`, `${k} holds a control character (${code}); it must be plain text`);
    }
    const max = list ? MAX_LIST : MAX_FIELD;
    if (v.length > max) throw bad(k, `${v.length} characters`, `${k} is ${v.length} characters long; at most ${max} are accepted`);
  }
}

/** `example.com` is the domain or a parent of `www.shop.example.com`. */
/** A list param (altname, approver_email): its entries, lower case, split at spaces, commas or semicolons. */
export const listOf = (v: string | undefined) => (v ?? '').split(/[\s,;]+/).map((e) => e.trim().toLowerCase()).filter(Boolean);

/** The certificate's domains as orders list them: the CN's (without `*.`), then the altname SANs'. */
export function domainsOf(cn: string, altname: string | undefined): string[] {
  const sans = [...new Set(listOf(altname).filter((s) => s !== cn))];
  return [cn.replace(/^\*\./, ''), ...sans.map((s) => s.replace(/^\*\./, ''))];
}

/**
 * Each domain's approver from approver_email: one per domain, in order, when it has one per domain;
 * otherwise, for each domain, the first address on it or a parent. Or the first domain that has none.
 */
export function approversPerDomain(domains: string[], emails: string[]): { approvers: string[] } | { missing: string } {
  const approvers: string[] = [];
  for (const [i, d] of domains.entries()) {
    const e = emails.length === domains.length ? emails[i]! : emails.find((x) => onDomainOrParent(x, d));
    if (!e || !onDomainOrParent(e, d)) return { missing: d };
    approvers.push(e);
  }
  return { approvers };
}

function onDomainOrParent(email: string, domain: string): boolean {
  const at = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const allowed = new Set(approverEmails(domain).map((a) => a.slice(a.indexOf('@') + 1)));
  return allowed.has(at);
}

export async function prepareOrder(item: Item): Promise<Order> {
  if (item.itemtype !== 'certificate') throw bad('itemtype', item.itemtype, `item ${item.id} is a ${item.itemtype}, not a certificate`);
  const product = findProduct(item.pricelist);
  if (!product) throw bad('pricelist', item.pricelist, `tariff "${item.pricelist}" is not an ENOM product this module knows`);
  // ENOM sells one year at a time (enom.md: NumYears 1; multi-year is no longer sold).
  if (item.period > 12) throw bad('period', String(item.period), `the service's period is ${item.period} months; ENOM sells SSL certificates for at most 12 months at a time`);
  // A multi-line address from a textarea becomes one line; any other control character is refused.
  const p = Object.fromEntries(Object.entries(item.params).map(([k, v]) => [k, FORM_PARAM.test(k) ? v.replace(/\s*[\r\n\t]+\s*/g, ', ').trim() : v]));
  checkFormParams(p);
  const csrInfo = await parseCsr(item.csr);
  const cn = csrInfo.commonName;
  if (product.wildcard !== cn.startsWith('*.')) {
    throw bad('csr', cn, product.wildcard ? `${product.name} is a wildcard certificate: the CSR's common name must start with "*.", not "${cn}"` : `${product.name} is not a wildcard certificate: the CSR's common name "${cn}" must not contain "*"`);
  }
  if (cn.slice(2).includes('*')) throw bad('csr', cn, `the CSR's common name "${cn}" has a misplaced "*"`);
  const domain = cn.replace(/^\*\./, '');
  approverEmails(domain); // a CN that is no domain name fails here, naming it

  const sans = [...new Set(listOf(p.altname).filter((s) => s !== cn))];
  if (sans.length && !product.multidomain) throw bad('altname', sans.join(' '), `${product.name} is a single-domain certificate: it takes no additional domains (${sans.join(', ')})`);
  if (sans.length > product.maxSans) throw bad('altname', String(sans.length), `${product.name} takes at most ${product.maxSans} additional domains, got ${sans.length}`);
  for (const s of sans) approverEmails(s);

  if (needsOrgInfo(product)) {
    for (const k of ['org_name', 'org_address', 'org_city', 'org_postcode', 'org_phone']) if (!(p[k] ?? '').trim()) throw missing(k, `${k} is required for ${product.name} (organisation validated)`);
    if (!csrInfo.subject.C) throw bad('csr', cn, `${product.name} needs the organisation's country (C) in the CSR`);
  }

  const method = (p.approver_method ?? '').toLowerCase();
  const dcv: DvAuthMethod = /dns/.test(method) ? 'DNS' : /file|http/.test(method) ? 'File' : 'Email';
  if (dcv !== 'Email' && !product.dcv.includes(dcv === 'DNS' ? 'dns' : 'file')) {
    throw bad('approver_method', method, `${product.name} cannot be validated by ${dcv} through ENOM; use e-mail`);
  }
  const domains = domainsOf(cn, p.altname);
  const emails = listOf(p.approver_email);
  let approverEmail: string | undefined;
  let ucc: UccList | undefined;
  if (dcv === 'Email') {
    if (emails.length === 0) throw missing('approver_email', 'approver_email is required for e-mail validation');
    for (const e of emails) if (!EMAIL.test(e)) throw bad('approver_email', e, `approver_email "${e}" is not an e-mail address`);
    if (!onDomainOrParent(emails[0]!, domain)) throw bad('approver_email', emails[0]!, `approver_email "${emails[0]}" is not on ${domain} or a parent domain of it`);
    approverEmail = emails[0];
    if (product.multidomain) {
      // One approver per domain: given in order, or the first one where it fits the domain.
      const per = approversPerDomain(domains, emails);
      if ('missing' in per) throw bad('approver_email', emails.join(','), `no approver_email on ${per.missing} or a parent domain of it`);
      ucc = { domains, emails: per.approvers };
    }
  } else if (product.multidomain) {
    ucc = { domains };
  }

  const admin = contact(p, 'adm', csrInfo);
  const tech = contact(p, 'tech', csrInfo, admin);
  const org = (k: string) => (p[`org_${k}`] ?? '').trim();
  const csrOrganization: CsrOrganization | undefined =
    product.brand === 'comodo' && needsOrgInfo(product)
      ? {
          organization: org('name'),
          organizationUnit: org('division') || csrInfo.subject.OU || undefined,
          address1: org('address'),
          locality: org('city'),
          stateProvince: org('state') || csrInfo.subject.ST || '',
          postalCode: org('postcode'),
          country: (csrInfo.subject.C ?? '').toUpperCase(),
          dunsNumber: org('duns') || undefined,
        }
      : undefined;

  return {
    product,
    numYears: Math.max(1, Math.ceil(item.period / 12)),
    csr: csrInfo.pem,
    csrInfo,
    domain,
    webServerType: webServerOther(product),
    admin,
    tech,
    dcv,
    approverEmail,
    ucc,
    csrOrganization,
  };
}
