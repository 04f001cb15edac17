// The client's request path, error kinds, retry policy and logging, against the ENOM simulator and
// a few hand-made misbehaving servers.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { inspect } from 'node:util';
import { after, before, beforeEach, describe, test } from 'node:test';
import { EnomClient, type EnomClientOptions, createEnomClient } from '../../src/enom/client';
import { certConfigureCert, certPurchaseCert, getBalance, purchaseServices } from '../../src/enom/commands';
import { EnomError, type EnomErrorKind } from '../../src/enom/errors';
import { type EnomSim, makeCsr, startEnomSim } from '../support/enom-sim';
import { rawLogger } from '../support/raw-logger';

const UID = 'resellid';
/** short enough for fast hang tests, long enough for a loaded CI machine */
const RESPONSE_MS = 700;
const PW = 'S3cr3t-Pa55&word';
const PW_FORMS = [PW, encodeURIComponent(PW), new URLSearchParams({ pw: PW }).toString().slice(3), PW.replace('&', '&amp;'), 'S3cr3t'];

const logLines: string[] = [];
const log = rawLogger(logLines);
/** every error any test saw, checked at the end for the password */
const seenErrors: unknown[] = [];

let sim: EnomSim;
let tlsSim: EnomSim;

function mk(over: Partial<EnomClientOptions> = {}): EnomClient {
  const c = createEnomClient({
    url: sim.url,
    uid: UID,
    pw: PW,
    log,
    timeouts: { connectMs: 1000, responseMs: RESPONSE_MS },
    retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    ...over,
  });
  return c;
}

async function expectKind(p: Promise<unknown>, kind: EnomErrorKind): Promise<EnomError> {
  try {
    await p;
  } catch (e) {
    seenErrors.push(e);
    assert.ok(e instanceof EnomError, `expected EnomError, got ${inspect(e)}`);
    assert.equal(e.kind, kind, `${e.kind}: ${e.message}`);
    return e;
  }
  assert.fail(`expected an EnomError of kind ${kind}, got success`);
}

const contact = {
  fName: 'John',
  lName: 'Smith',
  address1: '1st Ave',
  city: 'Kirkland',
  postalCode: '98033',
  country: 'US',
  phone: '+1.4252744500',
  emailAddress: 'john@example.com',
};

before(async () => {
  sim = await startEnomSim({ uid: UID, pw: PW, balance: 500 });
  tlsSim = await startEnomSim({ uid: UID, pw: PW, tls: true });
});

after(async () => {
  await sim.close();
  await tlsSim.close();
});

beforeEach(() => {
  sim.clear();
});

/** requests the sim received for a command since `from` */
const since = (from: number, command?: string) => sim.requests.slice(from).filter((r) => !command || r.command.toLowerCase() === command.toLowerCase());

describe('request', () => {
  test('a form POST with command, uid, pw, responsetype=xml; nothing in the URL', async () => {
    const from = sim.requests.length;
    const b = await getBalance(mk());
    assert.equal(b.balance, sim.account.balance);
    const [r] = since(from);
    assert.ok(r);
    assert.equal(r.method, 'POST');
    assert.equal(r.form, true);
    assert.equal(r.url, '/interface.asp');
    assert.deepEqual(r.params, { command: 'GetBalance', uid: UID, responsetype: 'xml' });
    assert.deepEqual(r.pwIn, ['body'], 'the password in the form body, not the URL');
  });

  test('values are form-encoded: +, &, = and newlines arrive intact', async () => {
    const from = sim.requests.length;
    const c = mk();
    await c.call('GetBalance', { Note: 'a+b&c=d\r\nline2 ü' });
    assert.equal(since(from)[0]?.params.Note, 'a+b&c=d\r\nline2 ü');
    await assert.rejects(c.call('GetBalance', { PW: 'x' }), /set by the client/);
  });

  test('the URL must be http(s)', () => {
    assert.throws(() => createEnomClient({ url: 'ftp://reseller.enom.com/interface.asp', uid: UID, pw: PW, log }), /http\(s\)/);
    assert.throws(() => createEnomClient({ url: 'not a url', uid: UID, pw: PW, log }), /not a valid URL/);
    assert.throws(() => createEnomClient({ url: `https://u:${PW}@x/`, uid: UID, pw: PW, log }), /credentials/);
    assert.throws(() => createEnomClient({ url: sim.url, uid: UID, pw: '', log }), /password/);
  });
});

describe('ENOM said no', () => {
  test('wrong password → auth (304155), not retried', async () => {
    const from = sim.requests.length;
    const e = await expectKind(getBalance(mk({ pw: 'wrong-password' })), 'auth');
    assert.deepEqual(e.codes, ['304155']);
    assert.deepEqual(e.messages, ['Bad User name or Password']);
    assert.equal(e.command, 'GetBalance');
    assert.equal(e.retryable, false);
    assert.equal(since(from).length, 1);
  });

  test('unknown uid → auth', async () => {
    await expectKind(getBalance(mk({ uid: 'nobody' })), 'auth');
  });

  test('IP allowlist on → ip, with the IP ENOM saw', async () => {
    sim.account.ipAllowlist = true;
    sim.account.allowedIps = ['198.51.100.1'];
    try {
      const e = await expectKind(getBalance(mk()), 'ip');
      assert.equal(e.ip, '127.0.0.1');
      assert.deepEqual(e.codes, ['713254']);
      sim.account.allowedIps.push('127.0.0.1');
      await getBalance(mk());
    } finally {
      sim.account.ipAllowlist = false;
    }
  });

  test('ip_denied → ip 203.0.113.7', async () => {
    sim.fail('GetBalance', 'ip_denied', { times: 1 });
    const e = await expectKind(getBalance(mk()), 'ip');
    assert.equal(e.ip, '203.0.113.7');
    assert.match(e.message, /not allowlisted/);
  });

  test('bad_login switch → auth', async () => {
    sim.fail('getbalance', 'bad_login', { times: 1 });
    await expectKind(getBalance(mk()), 'auth');
  });

  test('insufficient funds → funds; nothing debited', async () => {
    const acc = sim.addAccount({ uid: 'poor', pw: PW, balance: 5 });
    const from = sim.requests.length;
    const e = await expectKind(purchaseServices(mk({ uid: 'poor' }), { service: 'certificate-rapidssl-rapidssl' }), 'funds');
    assert.deepEqual(e.codes, ['524181']);
    assert.match(e.messages[0] ?? '', /Insufficient funds/);
    assert.equal(acc.balance, 5);
    assert.equal(acc.availableBalance, 5);
    assert.equal(since(from).length, 1);
  });

  test('bad CSR → api with 620397', async () => {
    const { certId } = await purchaseServices(mk(), { service: 'certificate-rapidssl-rapidssl' });
    const e = await expectKind(certConfigureCert(mk(), { certId, webServerType: 18, csr: '-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n-----END CERTIFICATE REQUEST-----', admin: contact }), 'api');
    assert.deepEqual(e.codes, ['620397']);
    assert.deepEqual(e.messages, ['Unable to parse CSR']);
    assert.equal(e.command, 'CertConfigureCert');
    sim.fail('CertParseCSR', 'bad_csr', { times: 1 });
    const e2 = await expectKind(mk().call('CertParseCSR', { CertID: certId, CSR: 'x' }), 'api');
    assert.deepEqual(e2.codes, ['620397']);
  });
});

describe('read-only commands are retried', () => {
  const cases: [string, Parameters<EnomSim['fail']>[1]][] = [
    ['connection reset', 'reset'],
    ['incomplete (no Done)', 'no_done'],
    ['cut-off body', 'truncated'],
  ];
  for (const [name, mode] of cases) {
    test(`${name} twice, then success on the third attempt`, async () => {
      sim.fail('GetBalance', mode, { times: 2 });
      const from = sim.requests.length;
      const b = await getBalance(mk());
      assert.equal(b.balance, sim.account.balance);
      assert.equal(since(from, 'GetBalance').length, 3);
    });
  }

  test('a delay within the timeout is just slow', async () => {
    sim.fail('GetBalance', 'delay', { ms: 100, times: 1 });
    const from = sim.requests.length;
    await getBalance(mk());
    assert.equal(since(from).length, 1);
  });

  test('gives up after the configured attempts: network/reset, attempts recorded', async () => {
    sim.fail('GetBalance', 'reset');
    const from = sim.requests.length;
    const e = await expectKind(getBalance(mk()), 'network');
    assert.equal(e.cause, 'reset');
    assert.equal(e.attempts, 3);
    assert.equal(e.host, '127.0.0.1');
    assert.equal(since(from).length, 3);
  });

  test('gives up on endless incomplete responses', async () => {
    sim.fail('CertGetCerts', 'no_done');
    const from = sim.requests.length;
    const e = await expectKind(mk().call('CertGetCerts'), 'incomplete');
    assert.equal(since(from).length, 3);
    assert.equal(e.retryable, true);
  });

  test('hang → network/timeout after ~responseMs, not retried (a timeout already spent the window)', async () => {
    sim.fail('GetCerts', 'hang');
    const from = sim.requests.length;
    const t0 = Date.now();
    const e = await expectKind(mk({ timeouts: { responseMs: 200 }, retry: { attempts: 3, baseDelayMs: 1 } }).call('GetCerts'), 'network');
    const ms = Date.now() - t0;
    assert.equal(e.cause, 'timeout');
    assert.equal(e.attempts, 1);
    assert.equal(since(from).length, 1);
    assert.ok(ms >= 190 && ms < 1500, `${ms} ms`);
  });

  test('ENOM errors and bad responses are not retried', async () => {
    for (const mode of ['bad_login', 'html'] as const) {
      sim.fail('GetBalance', mode);
      const from = sim.requests.length;
      await assert.rejects(getBalance(mk()));
      assert.equal(since(from).length, 1, mode);
      sim.clear();
    }
  });
});

describe('bad responses', () => {
  test('HTML page (200 and 500) → bad_response quoting it', async () => {
    sim.fail('GetBalance', 'html', { times: 1 });
    const e = await expectKind(getBalance(mk()), 'bad_response');
    assert.match(e.message, /HTML/);
    assert.match(e.message, /Runtime Error/);
    sim.fail('GetBalance', 'html', { times: 1, status: 500 });
    const e2 = await expectKind(getBalance(mk()), 'bad_response');
    assert.equal(e2.httpStatus, 500);
    assert.match(e2.message, /HTTP 500/);
  });

  test('HTTP 503 → bad_response with the status', async () => {
    sim.fail('GetBalance', 'http_error', { times: 1 });
    const e = await expectKind(getBalance(mk()), 'bad_response');
    assert.equal(e.httpStatus, 503);
    assert.match(e.message, /HTTP 503.*Service Unavailable/);
  });

  test('empty body → bad_response', async () => {
    sim.fail('GetBalance', 'empty', { times: 1 });
    assert.match((await expectKind(getBalance(mk()), 'bad_response')).message, /empty/);
  });

  test('a 50 MB body ends in a clear error, streamed or declared', async () => {
    // no retry and a long timeout, so nothing but the size cap can end these calls
    const c = mk({ timeouts: { responseMs: 10_000 }, retry: { attempts: 1 } });
    for (const declareLength of [false, true]) {
      sim.fail('GetBalance', 'huge', { times: 1, declareLength });
      const before = process.memoryUsage().rss;
      const t0 = Date.now();
      const e = await expectKind(getBalance(c), 'bad_response');
      assert.match(e.message, /larger than 8388608 bytes/);
      assert.ok(Date.now() - t0 < 5000);
      assert.ok(process.memoryUsage().rss - before < 40 * 1024 * 1024, 'body was not buffered whole');
    }
    // a smaller cap is honoured
    sim.fail('GetBalance', 'huge', { times: 1, bytes: 200_000 });
    const small = await expectKind(getBalance(mk({ maxResponseBytes: 100_000, timeouts: { responseMs: 10_000 }, retry: { attempts: 1 } })), 'bad_response');
    assert.match(small.message, /larger than 100000 bytes/);
  });

  test('the 2013 lower-case dialect is a normal answer', async () => {
    sim.fail('GetBalance', 'lowercase', { times: 1 });
    const from = sim.requests.length;
    const b = await getBalance(mk());
    assert.equal(b.availableBalance, sim.account.availableBalance);
    assert.equal(since(from).length, 1);
  });
});

describe('network failures', () => {
  test('DNS: name not resolved', async () => {
    const e = await expectKind(getBalance(mk({ url: 'http://enom-sim.invalid/interface.asp', retry: { attempts: 1 } })), 'network');
    assert.equal(e.cause, 'dns');
    assert.equal(e.host, 'enom-sim.invalid');
    assert.match(e.message, /not resolved/);
  });

  test('connection refused', async () => {
    const port = await freePort();
    const e = await expectKind(getBalance(mk({ url: `http://127.0.0.1:${port}/interface.asp` })), 'network');
    assert.equal(e.cause, 'refused');
    assert.equal(e.attempts, 3);
  });

  test('TLS: an untrusted certificate fails, there is no way around it', async () => {
    assert.ok(tlsSim.url.startsWith('https://'));
    const from = tlsSim.requests.length;
    const e = await expectKind(getBalance(mk({ url: tlsSim.url, retry: { attempts: 1 } })), 'network');
    assert.equal(e.cause, 'tls');
    assert.match(e.message, /TLS/);
    assert.equal(tlsSim.requests.length, from, 'nothing reached the server');
  });

  test('TLS verification stays on with NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const e = await expectKind(getBalance(mk({ url: tlsSim.url, retry: { attempts: 1 } })), 'network');
      assert.equal(e.cause, 'tls');
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    }
  });
});

describe('state-changing commands are sent once; an unknown outcome says so', () => {
  test('PurchaseServices is never retried: one request on reset → outcome_unknown/reset', async () => {
    sim.fail('PurchaseServices', 'reset');
    const from = sim.requests.length;
    const e = await expectKind(purchaseServices(mk(), { service: 'certificate-rapidssl-rapidssl' }), 'outcome_unknown');
    assert.equal(e.cause, 'reset');
    assert.equal(e.reason, 'network');
    assert.equal(e.attempts, 1);
    assert.equal(since(from).length, 1);
    assert.match(e.message, /outcome unknown/);
  });

  test('timeout after sending → outcome_unknown/timeout, one request', async () => {
    sim.fail('PurchaseServices', 'hang');
    const from = sim.requests.length;
    const e = await expectKind(purchaseServices(mk(), { service: 'certificate-rapidssl-rapidssl' }), 'outcome_unknown');
    assert.equal(e.cause, 'timeout');
    assert.equal(since(from).length, 1);
  });

  test('commit-then-drop: ENOM debited and created the certificate, the client reports outcome_unknown', async () => {
    sim.fail('PurchaseServices', 'commit_then_drop', { times: 1 });
    const balance = sim.account.balance;
    const certs = sim.state.certs.size;
    const from = sim.requests.length;
    await expectKind(purchaseServices(mk(), { service: 'certificate-comodo-essential' }), 'outcome_unknown');
    assert.equal(since(from).length, 1);
    assert.equal(sim.state.certs.size, certs + 1);
    assert.equal(sim.account.balance, Math.round((balance - 19.95) * 100) / 100);
  });

  test('CertPurchaseCert commit-then-drop: the order went to the CA', async () => {
    const c = mk();
    const { certId } = await purchaseServices(c, { service: 'certificate-rapidssl-rapidssl' });
    await certConfigureCert(c, { certId, webServerType: 18, csr: makeCsr('drop.example.com').csr, admin: contact });
    sim.fail('CertPurchaseCert', 'commit_then_drop', { times: 1 });
    await expectKind(certPurchaseCert(c, { certId, approverEmail: 'admin@drop.example.com' }), 'outcome_unknown');
    assert.equal(sim.state.certs.get(certId)?.statusId, 2);
    assert.equal(since(0, 'CertPurchaseCert').filter((r) => r.params.CertID === String(certId)).length, 1);
  });

  test('incomplete, cut-off, HTML and empty answers to a state-changing command → outcome_unknown', async () => {
    for (const mode of ['no_done', 'truncated', 'html', 'empty', 'http_error'] as const) {
      sim.fail('PurchaseServices', mode, { times: 1 });
      const from = sim.requests.length;
      const e = await expectKind(purchaseServices(mk(), { service: 'certificate-rapidssl-rapidssl' }), 'outcome_unknown');
      assert.equal(e.reason, mode === 'no_done' || mode === 'truncated' ? 'incomplete' : 'bad_response', mode);
      assert.equal(since(from).length, 1, mode);
    }
  });

  test('every state-changing command is sent once', async () => {
    for (const command of ['CertConfigureCert', 'CertChangeApproverEmail', 'CertResendApproverEmail', 'CertResendFulfillmentEmail', 'CertModifyOrder', 'CertReissueCert', 'CertPurchaseCert', 'SomeNewCommand']) {
      sim.fail(command, 'reset');
      const from = sim.requests.length;
      await expectKind(mk().call(command, { CertID: 1 }), 'outcome_unknown');
      assert.equal(since(from).length, 1, command);
    }
  });

  test('certainly not sent (DNS, refused) → network, not outcome_unknown; still one attempt', async () => {
    const e1 = await expectKind(purchaseServices(mk({ url: 'http://enom-sim.invalid/interface.asp' }), { service: 'x' }), 'network');
    assert.equal(e1.cause, 'dns');
    assert.equal(e1.attempts, 1);
    const e2 = await expectKind(purchaseServices(mk({ url: `http://127.0.0.1:${await freePort()}/interface.asp` }), { service: 'x' }), 'network');
    assert.equal(e2.cause, 'refused');
    assert.equal(e2.attempts, 1);
  });

  test('TLS failure and a TLS handshake that never completes → network (the request never left)', async () => {
    const e = await expectKind(purchaseServices(mk({ url: tlsSim.url }), { service: 'x' }), 'network');
    assert.equal(e.cause, 'tls');
    // a server that accepts TCP and never speaks TLS: only the connect timeout applies
    const silent = net.createServer(() => undefined);
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const e2 = await expectKind(purchaseServices(mk({ url: `https://127.0.0.1:${port}/interface.asp`, timeouts: { connectMs: 200, responseMs: 5000 } }), { service: 'x' }), 'network');
      assert.equal(e2.cause, 'timeout');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('logging and secrets', () => {
  test('every call is logged at info with command, duration, ErrCount, codes, attempt', async () => {
    const from = logLines.length;
    await getBalance(mk());
    sim.fail('GetBalance', 'bad_login', { times: 1 });
    await assert.rejects(getBalance(mk()));
    const recs = logLines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    const ok = recs.find((r) => r.level === 30 && r.msg === 'ENOM GetBalance ok');
    assert.ok(ok, 'success logged');
    assert.equal(ok.enomCommand, 'GetBalance');
    assert.equal(ok.attempt, 1);
    assert.equal(typeof ok.ms, 'number');
    assert.equal(ok.errCount, 0);
    assert.deepEqual(ok.codes, []);
    const bad = recs.find((r) => r.level === 30 && String(r.msg).startsWith('ENOM GetBalance failed'));
    assert.ok(bad, 'failure logged');
    assert.equal(bad.kind, 'auth');
    assert.equal(bad.errCount, 1);
    assert.deepEqual(bad.codes, ['304155']);
    // debug: the request (no pw) and the response
    assert.ok(recs.some((r) => r.level === 20 && (r.request as Record<string, string> | undefined)?.command === 'GetBalance' && !('pw' in (r.request as object))));
    assert.ok(recs.some((r) => r.level === 20 && typeof r.response === 'string' && String(r.response).includes('<AvailableBalance>')));
  });

  test('a retry is logged at warn with the delay', async () => {
    sim.fail('GetBalance', 'reset', { times: 1 });
    const from = logLines.length;
    await getBalance(mk());
    const warn = logLines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.level === 40);
    assert.ok(warn);
    assert.equal(warn.cause, 'reset');
    assert.equal(typeof warn.retryInMs, 'number');
  });

  test('CSR and certificates are shortened in the debug log', async () => {
    const c = mk();
    const { csr } = makeCsr('short.example.com');
    const { certId } = await purchaseServices(c, { service: 'certificate-rapidssl-rapidssl' });
    const from = logLines.length;
    await certConfigureCert(c, { certId, webServerType: 18, csr, admin: contact });
    const text = logLines.slice(from).join('');
    const body = csr.split('\n')[3] ?? 'missing';
    assert.ok(!text.includes(body), 'CSR body not in the log');
    assert.match(text, /BEGIN CERTIFICATE REQUEST-----.*\[\d+ chars\]/);
  });

  test('a server echoing the request: the password is cut from error messages and logs', async () => {
    const echo = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const decoded = new URLSearchParams(body).get('pw') ?? '';
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><body>you sent ${body} i.e. ${decoded} &amp; ${encodeURIComponent(decoded)}</body></html>`);
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(echo.address() as net.AddressInfo).port}/`;
      const e = await expectKind(getBalance(mk({ url })), 'bad_response');
      assert.match(e.message, /you sent/);
      assert.match(e.message, /\[redacted\]/);
      await expectKind(purchaseServices(mk({ url }), { service: 'x' }), 'outcome_unknown');
      const e3 = await expectKind(mk({ url }).call('GetBalance', { X: `<interface-response><ErrCount>1</ErrCount><errors><Err1>${PW}</Err1></errors><Done>true</Done></interface-response>` }), 'bad_response');
      assert.ok(!e3.message.includes(PW));
    } finally {
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });

  test('ENOM echoing the password in an error text: redacted from messages', async () => {
    const echo = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const pw = new URLSearchParams(body).get('pw') ?? '';
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(`<interface-response><ErrCount>1</ErrCount><errors><Err1>Bad password ${pw.replace('&', '&amp;')}</Err1></errors><Done>true</Done></interface-response>`);
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    try {
      const e = await expectKind(getBalance(mk({ url: `http://127.0.0.1:${(echo.address() as net.AddressInfo).port}/` })), 'api');
      assert.deepEqual(e.messages, ['Bad password [redacted]']);
    } finally {
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });

  // runs last in this file: everything logged and thrown above
  test('the password never appears in any log line, error message or error object', () => {
    assert.ok(logLines.length > 50, `${logLines.length} log lines`);
    assert.ok(seenErrors.length > 30, `${seenErrors.length} errors`);
    const everything = [
      ...logLines,
      ...seenErrors.map((e) => (e as Error).message),
      ...seenErrors.map((e) => inspect(e, { depth: 8, showHidden: true })),
      ...seenErrors.map((e) => JSON.stringify(e)),
    ];
    for (const text of everything) for (const form of PW_FORMS) assert.ok(!text.includes(form), `password (${form}) found in: ${text.slice(0, 300)}`);
    // Every request of this file carried the password in its POST body and none in its URL query,
    // where proxies and access logs would keep it (enom.md §1). (The sim records where pw arrived,
    // never its value.)
    assert.ok(sim.requests.length > 50, `${sim.requests.length} requests`);
    for (const r of sim.requests) assert.deepEqual(r.pwIn, ['body'], `${r.command} ${r.method} ${r.url}`);
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
