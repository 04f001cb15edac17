// The envelope parser and the schemas against every recorded / documented ENOM response, the
// dialect quirks of enom.md §2, and the value coercers.
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { decode } from '../../src/enom/commands';
import { decodeBody, parseEnvelope, readEnvelope } from '../../src/enom/envelope';
import { EnomError, classifyApiError, classifyNetwork, isCertificateNotFound } from '../../src/enom/errors';
import { makeRedactor, shortenPems, snippet } from '../../src/enom/redact';
import {
  approverListSchema,
  balanceSchema,
  certDetailSchema,
  certGetCertsSchema,
  configureCertSchema,
  getCertsSchema,
  isoDate,
  parseAmount,
  parseBool,
  parseInteger,
  parseUsDate,
  purchaseCertSchema,
  purchaseServicesSchema,
  splitPems,
  usDate,
} from '../../src/enom/types';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'enom');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
/** The 2013 dialect of any response: every element and attribute name in lower case. */
const lowerCaseNames = (xml: string) =>
  xml.replace(/<(\/?)([A-Za-z][\w.-]*)([^>]*)>/g, (_m, slash: string, name: string, rest: string) =>
    `<${slash}${name.toLowerCase()}${rest.replace(/\s([A-Za-z][\w-]*)=/g, (_a, attr: string) => ` ${attr.toLowerCase()}=`)}>`,
  );

function throwsKind(fn: () => unknown, kind: string): EnomError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EnomError, `expected EnomError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected an EnomError of kind ${kind}`);
}

describe('every fixture file parses', () => {
  test('all files in test/fixtures/enom are complete envelopes or typed errors', () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));
    assert.ok(files.length >= 12, `only ${files.length} fixtures`);
    for (const f of files) {
      const env = readEnvelope(fixture(f), f.replace(/\.xml$/, '').replace(/^error-/, '').replace(/-.*$/, ''));
      assert.equal(env.done, true, f);
      if (f.startsWith('error-')) assert.ok(env.errCount > 0 && env.codes.length > 0, f);
      else assert.equal(env.errCount, 0, f);
      // the same in the lower-case dialect
      const lower = readEnvelope(lowerCaseNames(fixture(f)), env.command);
      assert.deepEqual({ ...lower, root: undefined, data: undefined }, { ...env, root: undefined, data: undefined }, f);
    }
  });
});

describe('recorded and documented responses', () => {
  test('GetBalance (2015 recording, CRLF line ends)', () => {
    assert.ok(fixture('GetBalance.xml').includes('\r\n'));
    const env = parseEnvelope(fixture('GetBalance.xml'), 'GetBalance');
    assert.equal(env.execTime, 0.125);
    assert.equal(env.server, 'SJL0VWRESELL_T1');
    assert.deepEqual(decode(balanceSchema, env), { reseller: true, balance: 331.51, availableBalance: 443.44, domainCount: 2798 });
  });

  test('GetBalance with a negative balance, thousands separators and $', () => {
    const b = decode(balanceSchema, parseEnvelope(fixture('GetBalance-negative.xml'), 'GetBalance'));
    assert.deepEqual(b, { reseller: true, balance: -1832.23, availableBalance: 2261.65, domainCount: 1204 });
  });

  test('CertGetCerts (2015 recording): wrapper, tabs, CDATA domain, US dates', () => {
    const list = decode(certGetCertsSchema, parseEnvelope(fixture('CertGetCerts.xml'), 'CertGetCerts'));
    assert.equal(list.totalRecords, 4059);
    assert.equal(list.certs.length, 1);
    const c = list.certs[0];
    assert.ok(c);
    assert.equal(c.certId, 29036);
    assert.equal(c.orderId, 161857490);
    assert.equal(c.domainName, 'mycircletree.com');
    assert.equal(c.certStatusId, 2);
    assert.equal(c.certStatus, 'Processing');
    assert.equal(c.prodType, 26);
    assert.equal(c.isExpired, false);
    assert.equal(c.configDate, undefined);
    assert.ok(c.orderDate && c.expirationDate);
    assert.equal(isoDate(c.orderDate), '2015-06-02');
    assert.equal(isoDate(c.expirationDate), '2016-06-02');
  });

  test('a bare <CertGetCerts /> is an empty list', () => {
    const list = decode(certGetCertsSchema, parseEnvelope(fixture('CertGetCerts-empty.xml'), 'CertGetCerts'));
    assert.deepEqual(list.certs, []);
    assert.equal(list.totalRecords, 0);
  });

  test('the 2013 lower-case dialect (<certid>, <errcount>, <done>, CertStatusid)', () => {
    const text = fixture('CertGetCerts-2013-lowercase.xml');
    assert.match(text, /<errcount>0<\/errcount>/);
    const list = decode(certGetCertsSchema, parseEnvelope(text, 'CertGetCerts'));
    assert.equal(list.certs.length, 2);
    const [a, b] = list.certs;
    assert.ok(a && b);
    assert.deepEqual([a.certId, a.certStatusId, a.isExpired, a.renewalIndicator, a.domainName], [4821, 4, true, false, 'www.example.org']);
    assert.equal(a.configDate?.toISOString(), '2013-01-10T16:05:33.000Z');
    assert.deepEqual([b.certId, b.certStatusId, b.isExpired, b.domainName, b.expirationDate], [4822, 1, false, undefined, undefined]);
  });

  test('every recorded response decodes the same in the lower-case dialect', () => {
    const cases: [string, string, Parameters<typeof decode>[0]][] = [
      ['GetBalance.xml', 'GetBalance', balanceSchema],
      ['CertGetCerts.xml', 'CertGetCerts', certGetCertsSchema],
      ['CertConfigureCert.xml', 'CertConfigureCert', configureCertSchema],
      ['CertGetApproverEMail.xml', 'CertGetApproverEmail', approverListSchema],
      ['CertPurchaseCert.xml', 'CertPurchaseCert', purchaseCertSchema],
      ['CertGetCertDetail-issued.xml', 'CertGetCertDetail', certDetailSchema],
      ['GetCerts.xml', 'GetCerts', getCertsSchema],
    ];
    for (const [file, command, schema] of cases) {
      const camel = decode(schema, parseEnvelope(fixture(file), command));
      const lower = decode(schema, parseEnvelope(lowerCaseNames(fixture(file)), command));
      assert.deepEqual(lower, camel, file);
    }
  });

  test('CertConfigureCert (docs): parsed CSR and approvers; the address-less Manual entry is dropped', () => {
    const r = decode(configureCertSchema, parseEnvelope(fixture('CertConfigureCert.xml'), 'CertConfigureCert'));
    assert.equal(r.certId, 725899);
    assert.equal(r.prodType, 23);
    assert.equal(r.success, true);
    assert.deepEqual(r.csr, {
      success: true,
      domainName: 'resellerdocs.com',
      organization: 'rightside.co',
      organizationUnit: 'dev',
      locality: 'kirkland',
      state: 'wa',
      country: 'US',
      email: undefined,
      hasBadExtensions: false,
    });
    assert.deepEqual(
      r.approvers.map((a) => `${a.type}:${a.email}`),
      ['Domain:registrant@resellerdocs.com', ...['admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster'].map((g) => `Generic:${g}@resellerdocs.com`)],
    );
  });

  test('CertGetApproverEMail: the capital-M wrapper is found for the CertGetApproverEmail command', () => {
    const text = fixture('CertGetApproverEMail.xml');
    assert.match(text, /<CertGetApproverEMail>/);
    const r = decode(approverListSchema, parseEnvelope(text, 'CertGetApproverEmail'));
    assert.equal(r.success, true);
    assert.equal(r.approvers.length, 6);
    assert.deepEqual(r.approvers[0], { type: 'Domain', email: 'registrant@buditest.com' });
  });

  test('CertPurchaseCert (docs, no XML declaration)', () => {
    const text = fixture('CertPurchaseCert.xml');
    assert.ok(!text.startsWith('<?xml'));
    const r = decode(purchaseCertSchema, parseEnvelope(text, 'CertPurchaseCert'));
    assert.deepEqual(r, {
      success: true,
      certId: 48455,
      geoTrustOrderId: '14228176',
      approverEmail: 'admin@resellerdocs.com',
      dvAuthMethod: undefined,
      fileAuthName: undefined,
      fileAuthContents: undefined,
      dnsAuthEntry: undefined,
      dnsAuthAddress: undefined,
      sslCertificate: undefined,
    });
  });

  test('CertGetCertDetail: CDATA PEM kept intact, chain from ICA1 and CACerts, no private key', () => {
    const d = decode(certDetailSchema, parseEnvelope(fixture('CertGetCertDetail-issued.xml'), 'CertGetCertDetail'));
    assert.equal(d.certStatusId, 4);
    assert.equal(d.certStatus, 'Certificate Issued');
    assert.equal(d.domainName, 'buditest.com');
    assert.equal(d.orderId, 267562392);
    assert.equal(d.expirationDate?.toISOString(), '2017-12-15T17:13:02.000Z');
    assert.equal(d.dvAuthMethod, 'DNS');
    assert.equal(d.dnsAuthEntry, 's23lxkrm431e2d23d1188qij441a');
    assert.equal(d.dnsAuthAddress, 's20201215064552.buditest.com');
    assert.ok(d.sslCertificate?.startsWith('-----BEGIN CERTIFICATE-----'));
    assert.ok(d.sslCertificate?.endsWith('-----END CERTIFICATE-----'));
    const leafPem = splitPems(d.sslCertificate)[0];
    assert.ok(leafPem);
    assert.match(new X509Certificate(leafPem).subject, /CN=buditest\.com/);
    assert.equal(d.intermediates.length, 1);
    // ICA1 and CACerts carry the same certificate: the chain has it once
    assert.equal(d.chain.length, 1);
    assert.match(new X509Certificate(d.chain[0] ?? '').subject, /CN=Fixture Root CA/);
    assert.match(d.csr ?? '', /BEGIN CERTIFICATE REQUEST/);
    assert.ok(!JSON.stringify(d).includes('PRIVATE KEY'));
    assert.ok(!('pvt' in d));
  });

  test('GetCerts: numbered <Cert1> <Cert2>, repeated <Years>, $ prices', () => {
    const r = decode(getCertsSchema, parseEnvelope(fixture('GetCerts.xml'), 'GetCerts'));
    assert.equal(r.reseller, true);
    assert.equal(r.certCount, 2);
    assert.deepEqual(
      r.products.map((p) => [p.prodCode, p.prodType, p.resellerPrice, p.retailPrice, p.enabled, p.years]),
      [
        ['certificate-rapidssl-rapidssl', 23, 9.95, 19.95, true, [1, 2, 3]],
        ['certificate-geotrust-quickssl', 26, 69, 1125, false, [1]],
      ],
    );
  });
});

describe('errors in the envelope', () => {
  test('the documented error response: api with every message, code and the command', () => {
    const e = throwsKind(() => parseEnvelope(fixture('error-UpdateAccountInfo.xml'), 'UpdateAccountInfo'), 'api');
    assert.equal(e.command, 'UpdateAccountInfo');
    assert.deepEqual(e.codes, ['313157']);
    assert.deepEqual(e.messages, ['Only retail subaccounts can be modified by the parent account.']);
    assert.equal(e.retryable, false);
    assert.match(e.message, /Only retail subaccounts/);
    assert.match(e.message, /313157/);
  });

  test('bad login → auth', () => {
    const e = throwsKind(() => parseEnvelope(fixture('error-BadLogin.xml'), 'GetBalance'), 'auth');
    assert.deepEqual(e.codes, ['304155']);
    assert.deepEqual(e.messages, ['Bad User name or Password']);
  });

  test('IP not allowlisted → ip, with the address ENOM saw', () => {
    const e = throwsKind(() => parseEnvelope(fixture('error-IpNotAllowed.xml'), 'GetBalance'), 'ip');
    assert.equal(e.ip, '203.0.113.7');
    assert.deepEqual(e.codes, ['713254']);
    // the tail is not always an address
    assert.equal(classifyApiError('GetBalance', ['User not permitted from this IP address - unknown'], []).ip, undefined);
    assert.equal(classifyApiError('GetBalance', ['User not permitted from this IP address - 2001:db8::7'], []).ip, '2001:db8::7');
    assert.equal(classifyApiError('GetBalance', ['something'], ['713254']).kind, 'ip');
  });

  test('classification by code and by text', () => {
    assert.equal(classifyApiError('X', ['Bad User name or Password'], []).kind, 'auth');
    assert.equal(classifyApiError('X', ['whatever'], ['304155']).kind, 'auth');
    assert.equal(classifyApiError('PurchaseServices', ['Insufficient funds'], []).kind, 'funds');
    assert.equal(classifyApiError('PurchaseServices', ['x'], ['524181']).kind, 'funds');
    assert.equal(classifyApiError('PurchaseServices', ['x'], ['324000']).kind, 'funds');
    assert.equal(classifyApiError('PurchaseServices', ['x'], ['519181']).kind, 'funds');
    const csr = classifyApiError('CertConfigureCert', ['500 - Unable to parse CSR.', 'Unable to retrieve CSR information'], ['620397']);
    assert.equal(csr.kind, 'api');
    assert.deepEqual(csr.messages, ['500 - Unable to parse CSR.', 'Unable to retrieve CSR information']);
    assert.equal(csr.retryable, false);
    assert.ok(isCertificateNotFound(classifyApiError('CertGetCertDetail', ['Certificate not found in this account'], ['316397'])));
    assert.ok(!isCertificateNotFound(classifyApiError('CertGetCertDetail', ['not found'], ['316155'])), 'not found, but a login id');
    const maint = classifyApiError('GetBalance', ['System down for maintenance'], ['618000']);
    assert.equal(maint.kind, 'api');
    assert.equal(maint.retryable, true);
  });

  test('several errors: all texts and codes are kept, in order', () => {
    const xml = fixture('error-UpdateAccountInfo.xml')
      .replace('<ErrCount>1</ErrCount>', '<ErrCount>2</ErrCount>')
      .replace('</Err1>', '</Err1>\n <Err2>Second problem</Err2>')
      .replace('</response>\n </responses>', '</response>\n <response><ResponseNumber>304009</ResponseNumber><ResponseString>x</ResponseString></response>\n </responses>');
    const e = throwsKind(() => parseEnvelope(xml, 'UpdateAccountInfo'), 'api');
    assert.deepEqual(e.messages, ['Only retail subaccounts can be modified by the parent account.', 'Second problem']);
    assert.deepEqual(e.codes, ['313157', '304009']);
  });

  test('an explicit ENOM error wins over a missing <Done>', () => {
    const xml = fixture('error-BadLogin.xml').replace('<Done>true</Done>', '');
    throwsKind(() => parseEnvelope(xml, 'GetBalance'), 'auth');
  });
});

describe('what is not a complete ENOM response', () => {
  test('no <Done>true</Done> → incomplete', () => {
    throwsKind(() => parseEnvelope(fixture('GetBalance.xml').replace('<Done>true</Done>', ''), 'GetBalance'), 'incomplete');
    throwsKind(() => parseEnvelope(fixture('GetBalance.xml').replace('<Done>true</Done>', '<Done>false</Done>'), 'GetBalance'), 'incomplete');
  });

  test("a garbled ErrCount beside listed errors: ENOM's refusal stands (never a retryable bad_response)", () => {
    const xml = fixture('error-BadLogin.xml').replace(/<ErrCount>1<\/ErrCount>/, '<ErrCount>one</ErrCount>');
    throwsKind(() => parseEnvelope(xml, 'GetBalance'), 'auth');
  });

  test('a malformed answer is told by the fault\'s code and place, never by words quoting it (a fragment of an echoed password)', () => {
    const xml = fixture('GetBalance.xml').replace('<Done>true</Done>', '<Err1>pw Sec<ret99xyz</Err1><Done>true</Done>');
    const e = throwsKind(() => readEnvelope(xml, 'GetBalance', makeRedactor(['Sec<ret99xyz'])), 'bad_response');
    assert.match(e.message, /malformed XML \(\w+ at line \d+, column \d+\)/);
    assert.ok(!/ret99|Sec</.test(e.message), e.message);
  });

  test('Done is an ENOM boolean: 1 and any case of true mean done; 0 and false do not', () => {
    const withDone = (v: string) => fixture('GetBalance.xml').replace('<Done>true</Done>', `<Done>${v}</Done>`);
    for (const v of ['1', 'True', 'TRUE', ' true ']) assert.equal(parseEnvelope(withDone(v), 'GetBalance').done, true, v);
    for (const v of ['0', 'False', 'yes', '']) throwsKind(() => parseEnvelope(withDone(v), 'GetBalance'), 'incomplete');
  });

  test('an ErrCount that is there but is not a count → bad_response, never read as 0', () => {
    const withCount = (v: string) => fixture('GetBalance.xml').replace('<ErrCount>0</ErrCount>', v);
    for (const v of ['-1', 'one', '0.5', '', '1e0']) {
      const e = throwsKind(() => readEnvelope(withCount(`<ErrCount>${v}</ErrCount>`), 'GetBalance'), 'bad_response');
      assert.match(e.message, /ErrCount/, v);
      assert.equal(e.field, 'GetBalance/ErrCount');
      throwsKind(() => parseEnvelope(withCount(`<ErrCount>${v}</ErrCount>`), 'GetBalance'), 'bad_response');
    }
    throwsKind(() => parseEnvelope(withCount('<ErrCount/>'), 'GetBalance'), 'bad_response');
    // the value shown is redacted like the rest of an answer
    const e = throwsKind(() => parseEnvelope(withCount('<ErrCount>pw=S3cr3t!</ErrCount>'), 'GetBalance', makeRedactor(['S3cr3t!'])), 'bad_response');
    assert.ok(!e.message.includes('S3cr3t!'), e.message);
    // absent: as before, the answer stands on its Done (and listed errors, if any)
    assert.equal(parseEnvelope(withCount(''), 'GetBalance').errCount, 0);
    throwsKind(() => parseEnvelope(fixture('error-BadLogin.xml').replace(/<ErrCount>1<\/ErrCount>/, ''), 'GetBalance'), 'auth');
  });

  test('a body cut off mid-document → incomplete', () => {
    const full = fixture('CertGetCerts.xml');
    throwsKind(() => parseEnvelope(full.slice(0, Math.floor(full.length / 2)), 'CertGetCerts'), 'incomplete');
  });

  test('HTML, empty, plain text, wrong root, DTD → bad_response saying so', () => {
    const html = throwsKind(() => parseEnvelope('<!DOCTYPE html>\n<html><body><h1>Runtime Error</h1><br></body></html>', 'GetBalance'), 'bad_response');
    assert.match(html.message, /HTML/);
    assert.match(html.message, /Runtime Error/);
    assert.match(throwsKind(() => parseEnvelope('<html><head><title>502</title></head></html>', 'GetBalance'), 'bad_response').message, /HTML/);
    assert.match(throwsKind(() => parseEnvelope('', 'GetBalance'), 'bad_response').message, /empty/);
    assert.match(throwsKind(() => parseEnvelope('  \r\n ', 'GetBalance'), 'bad_response').message, /empty/);
    assert.match(throwsKind(() => parseEnvelope('Command=GETBALANCE\nErrCount=0\nDone=true', 'GetBalance'), 'bad_response').message, /not XML/);
    assert.match(throwsKind(() => parseEnvelope('<?xml version="1.0"?><other><Done>true</Done></other>', 'GetBalance'), 'bad_response').message, /interface-response/);
    throwsKind(() => parseEnvelope('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><interface-response><Done>true</Done></interface-response>', 'GetBalance'), 'bad_response');
  });

  test('an error message shows at most ~200 characters of the body', () => {
    const e = throwsKind(() => parseEnvelope(`<html><body>${'x'.repeat(5000)}</body></html>`, 'GetBalance'), 'bad_response');
    assert.ok(e.message.length < 320, `${e.message.length}`);
  });

  test('the body is UTF-8 whatever it declares; a BOM is ignored', () => {
    const xml = '\uFEFF<?xml version="1.0" encoding="iso-8859-1"?><interface-response><Reseller>1</Reseller><Balance>1.00</Balance><AvailableBalance>1.00</AvailableBalance><Note>Müller – Zürich</Note><ErrCount>0</ErrCount><Done>true</Done></interface-response>';
    const text = decodeBody(new TextEncoder().encode(xml));
    const env = parseEnvelope(text, 'GetBalance');
    assert.equal(env.data.note, 'Müller – Zürich');
  });

  test('a schema mismatch names the ENOM field', () => {
    const bad = fixture('CertGetCerts.xml').replace('<CertStatusID>2</CertStatusID>', '<CertStatusID>two</CertStatusID>');
    const e = throwsKind(() => decode(certGetCertsSchema, parseEnvelope(bad, 'CertGetCerts')), 'bad_response');
    assert.equal(e.field, 'CertGetCerts/Certs/Cert[0]/CertStatusID');
    assert.match(e.message, /CertStatusID: expected an integer, got "two"/);
    const missing = throwsKind(() => decode(balanceSchema, parseEnvelope(fixture('GetBalance.xml').replace(/<Balance>.*<\/Balance>/, ''), 'GetBalance')), 'bad_response');
    assert.equal(missing.field, 'GetBalance/Balance');
    assert.match(missing.message, /missing/);
    // an optional field: absent is fine, present and wrong is named like a required one
    const detail = fixture('CertGetCertDetail-issued.xml');
    const orderId = /<OrderID>\d+<\/OrderID>/i;
    assert.ok(orderId.test(detail), 'the fixture has an OrderID');
    assert.equal(decode(certDetailSchema, parseEnvelope(detail.replace(orderId, ''), 'CertGetCertDetail')).orderId, undefined);
    const wrong = throwsKind(() => decode(certDetailSchema, parseEnvelope(detail.replace(orderId, '<OrderID>x1</OrderID>'), 'CertGetCertDetail')), 'bad_response');
    assert.equal(wrong.field, 'CertGetCertDetail/OrderID');
    assert.match(wrong.message, /OrderID: expected an integer, got "x1"/);
  });

  test('a state-changing command whose answer does not fit is outcome_unknown (ENOM acted)', () => {
    const xml = fixture('GetBalance.xml').replace('GETBALANCE', 'PURCHASESERVICES');
    const e = throwsKind(() => decode(purchaseServicesSchema, parseEnvelope(xml, 'PurchaseServices')), 'outcome_unknown');
    assert.equal(e.field, 'PurchaseServices/CertID');
    assert.equal(e.reason, 'bad_response');
  });

  test('PurchaseServices: certid / orderid accepted in any case, at the root or wrapped', () => {
    const trailer = '<Command>PURCHASESERVICES</Command><ErrCount>0</ErrCount><Done>true</Done>';
    for (const body of [
      '<certid>700001</certid><orderid>270000001</orderid>',
      '<CertID>700001</CertID><OrderID>270000001</OrderID>',
      '<PurchaseServices><CertId>700001</CertId><orderID>270000001</orderID></PurchaseServices>',
    ]) {
      const r = decode(purchaseServicesSchema, parseEnvelope(`<interface-response>${body}${trailer}</interface-response>`, 'PurchaseServices'));
      assert.equal(r.certId, 700001, body);
      assert.equal(r.orderId, 270000001, body);
    }
  });
});

describe('value coercers', () => {
  test('amounts', () => {
    const ok: [string, number][] = [
      ['2,261.65', 2261.65],
      ['$9.95', 9.95],
      ['-1,832.23', -1832.23],
      ['-$5.00', -5],
      ['$-5.00', -5],
      ['($12.50)', -12.5],
      ['0', 0],
      ['1,000,000', 1_000_000],
      [' 331.51 ', 331.51],
      ['.5', 0.5],
    ];
    for (const [s, n] of ok) assert.equal(parseAmount(s), n, s);
    for (const s of ['', 'abc', '1,23.00', '12,34', '1.2.3', '$', '--5', '1e5', 'NaN', '1000000000000', '-1,000,000,000,000.00', '9'.repeat(25)]) assert.equal(parseAmount(s), undefined, s);
    assert.equal(parseAmount('999,999,999,999.99'), 999999999999.99);
    assert.equal(parseInteger('4,059'), 4059);
    assert.equal(parseInteger('12.5'), undefined);
    assert.equal(parseInteger('$12'), undefined);
    // plain digits (the fast path) and what lies beyond it
    assert.equal(parseInteger('700001'), 700001);
    assert.equal(parseInteger('0123'), 123);
    assert.equal(parseInteger('9'.repeat(15)), 999_999_999_999_999);
    assert.equal(parseInteger('9'.repeat(16)), undefined, 'beyond 2^53');
    assert.equal(parseInteger('-5'), -5);
    assert.equal(parseInteger('12.0'), undefined);
  });

  test('booleans', () => {
    for (const s of ['True', 'true', 'TRUE', '1', 'Yes', 'Y']) assert.equal(parseBool(s), true, s);
    for (const s of ['False', 'false', '0', 'No', 'N']) assert.equal(parseBool(s), false, s);
    for (const s of ['', 'maybe', '2']) assert.equal(parseBool(s), undefined, s);
  });

  test('US dates, with and without time, as UTC wall-clock', () => {
    assert.equal(parseUsDate('6/2/2015')?.toISOString(), '2015-06-02T00:00:00.000Z');
    assert.equal(parseUsDate('3/1/2017 1:02:10 PM')?.toISOString(), '2017-03-01T13:02:10.000Z');
    assert.equal(parseUsDate('12/16/2016 12:05:00 AM')?.toISOString(), '2016-12-16T00:05:00.000Z');
    assert.equal(parseUsDate('12/16/2016 12:05:00 PM')?.toISOString(), '2016-12-16T12:05:00.000Z');
    assert.equal(parseUsDate('1/10/2013 16:05')?.toISOString(), '2013-01-10T16:05:00.000Z');
    assert.equal(parseUsDate('2015-06-02')?.toISOString(), '2015-06-02T00:00:00.000Z');
    for (const s of ['2/30/2020', '13/1/2020', '6/2/15', 'yesterday', '1/1/2020 13:00 PM', '']) assert.equal(parseUsDate(s), undefined, s);
    assert.equal(isoDate(parseUsDate('6/2/2015') as Date), '2015-06-02');
    assert.equal(usDate('2015-06-02'), '06/02/2015');
    assert.equal(usDate(new Date(Date.UTC(2024, 0, 31))), '01/31/2024');
  });

  test('splitPems normalises indented blocks', () => {
    const pems = splitPems('  -----BEGIN CERTIFICATE-----\n   AAAA\n   BBBB\n  -----END CERTIFICATE-----\n\n-----BEGIN CERTIFICATE-----\r\nCCCC\r\n-----END CERTIFICATE-----');
    assert.deepEqual(pems, ['-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\n-----END CERTIFICATE-----', '-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----']);
    assert.deepEqual(splitPems(''), []);
  });
});

describe('redaction helpers', () => {
  const pw = 'S3cr3t-Pa55&word';

  test('the password disappears in every encoding', () => {
    const r = makeRedactor([pw]);
    const text = `raw ${pw} form ${new URLSearchParams({ pw }).toString()} uri ${encodeURIComponent(pw)} xml ${pw.replace('&', '&amp;')} json ${JSON.stringify({ pw })}`;
    const out = r(text);
    for (const form of [pw, encodeURIComponent(pw), 'S3cr3t-Pa55%26word', 'S3cr3t-Pa55&amp;word']) assert.ok(!out.includes(form), `${form} in ${out}`);
    assert.ok(!out.includes('S3cr3t'));
  });

  test('the password disappears in any mix of XML references: &apos;, &#38;, &#x73;', () => {
    const quoted = "it's-S3cret&1";
    const r = makeRedactor([quoted]);
    for (const echo of ['it&apos;s-S3cret&amp;1', 'it&#39;s-S3cret&#38;1', 'it&#x27;&#x73;-S3cret&amp;1']) {
      const out = r(`<html><body><p>pw=${echo}</p></body></html>`);
      assert.ok(!out.includes('S3cret'), out);
      assert.match(out, /\[redacted\]/);
    }
    assert.equal(r('no secret &amp; nothing to decode'), 'no secret &amp; nothing to decode');
  });

  test('private keys are removed, certificates shortened', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cert = fs.readFileSync(path.join(FIXTURES, 'CertGetCertDetail-issued.xml'), 'utf8');
    const out = shortenPems(`<PVT>${keyPem}</PVT>${cert}`);
    assert.ok(!out.includes(keyPem.split('\n')[1] ?? 'x'));
    assert.match(out, /\[private key removed\]/);
    assert.match(out, /-----BEGIN CERTIFICATE----- \S+…\[\d+ chars\]/);
    assert.ok(out.length < cert.length);
    assert.equal(snippet('<html>' + pw + '</html>', makeRedactor([pw])), '<html>[redacted]</html>');
  });

  test('network failures are classified by their codes', () => {
    const err = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });
    assert.equal(classifyNetwork(err('ENOTFOUND')), 'dns');
    assert.equal(classifyNetwork(err('EAI_AGAIN')), 'dns');
    assert.equal(classifyNetwork(err('ECONNREFUSED')), 'refused');
    assert.equal(classifyNetwork(err('ECONNRESET')), 'reset');
    assert.equal(classifyNetwork(err('EPIPE')), 'reset');
    assert.equal(classifyNetwork(err('ETIMEDOUT')), 'timeout');
    assert.equal(classifyNetwork(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE')), 'tls');
    assert.equal(classifyNetwork(err('ERR_TLS_CERT_ALTNAME_INVALID')), 'tls');
    assert.equal(classifyNetwork(err('ESOCKET', err('ECONNREFUSED'))), 'refused');
    assert.equal(classifyNetwork(new Error('?')), 'other');
  });
});
