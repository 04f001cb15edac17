// The simulator itself: it must speak like ENOM (shape of the recorded responses, GET and POST,
// case-insensitive commands) and close cleanly even with hung requests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEnomClient } from '../../src/enom/client';
import { getBalance } from '../../src/enom/commands';
import { EnomError } from '../../src/enom/errors';
import { readEnvelope } from '../../src/enom/envelope';
import { type EnomSim, startEnomSim } from '../support/enom-sim';
import { rawLogger } from '../support/raw-logger';

const PW = 'S3cr3t-Pa55&word';
let sim: EnomSim;

before(async () => {
  sim = await startEnomSim({ uid: 'resellid', pw: PW, balance: 2261.65 });
});
after(async () => {
  await sim.close();
});

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const tags = (xml: string) => [...xml.matchAll(/<([A-Za-z][\w-]*)[\s>/]/g)].map((m) => m[1]);
const TRAILER = ['Command', 'APIType', 'Language', 'ErrCount', 'ResponseCount', 'MinPeriod', 'MaxPeriod', 'Server', 'Site', 'IsLockable', 'IsRealTimeTLD', 'TimeDifference', 'ExecTime', 'Done'];

describe('ENOM simulator', () => {
  test('GET with a query string, command in any case; CRLF; the recorded trailer order', async () => {
    const qs = new URLSearchParams({ command: 'GETBALANCE', UID: 'resellid', PW, ResponseType: 'XML' });
    const { status, body } = await get(`${sim.url}?${qs.toString()}`);
    assert.equal(status, 200);
    assert.ok(body.startsWith('<?xml version="1.0" encoding="utf-8"?>\r\n<interface-response>\r\n'));
    assert.match(body, /<AvailableBalance>2,261\.65<\/AvailableBalance>/);
    assert.match(body, /<Done>true<\/Done>/);
    const recorded = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'enom', 'GetBalance.xml'), 'utf8');
    const order = (xml: string) => tags(xml).filter((t): t is string => !!t && TRAILER.includes(t));
    assert.deepEqual(order(body), order(recorded));
    const r = sim.requests.at(-1);
    assert.equal(r?.form, false);
    assert.equal(r?.method, 'GET');
    assert.ok(r && !Object.keys(r.params).some((k) => k.toLowerCase() === 'pw'), 'the password value is not recorded');
    assert.deepEqual(r?.pwIn, ['query'], 'but where it arrived is');
  });

  test('wrong credentials: the documented error envelope (errors, responses, Done)', async () => {
    const qs = new URLSearchParams({ command: 'GetBalance', uid: 'resellid', pw: 'nope', responsetype: 'xml' });
    const { body } = await get(`${sim.url}?${qs.toString()}`);
    const env = readEnvelope(body, 'GetBalance');
    assert.equal(env.errCount, 1);
    assert.deepEqual(env.errors, ['Bad User name or Password']);
    assert.deepEqual(env.codes, ['304155']);
    assert.equal(env.done, true);
  });

  test('ENOM element names: CertGetApproverEMail with a capital M, lower-case certid from PurchaseServices', async () => {
    const q = (o: Record<string, string>) => get(`${sim.url}?${new URLSearchParams({ uid: 'resellid', pw: PW, responsetype: 'xml', ...o }).toString()}`);
    const bought = await q({ command: 'purchaseservices', service: 'CERTIFICATE-RAPIDSSL' });
    assert.match(bought.body, /<certid>\d+<\/certid>/);
    const certId = /<certid>(\d+)</.exec(bought.body)?.[1] ?? '';
    const approvers = await q({ command: 'certgetapproveremail', certid: certId, domain: 'x.example.com' });
    assert.match(approvers.body, /<CertGetApproverEMail>/);
    assert.match(approvers.body, /<Approver Type="Manual"><\/Approver>/);
    const empty = await q({ command: 'CertGetCerts', certstatusid: '13' });
    assert.match(empty.body, /<CertGetCerts \/>/);
  });

  test("CertGetCerts: OrderDateStart/End are whole days of ENOM's zone, inclusive; SortBy; a bad date is refused", async () => {
    const q = (o: Record<string, string>) => get(`${sim.url}?${new URLSearchParams({ uid: 'resellid', pw: PW, responsetype: 'xml', command: 'CertGetCerts', ...o }).toString()}`);
    const ids = async (o: Record<string, string>) => [...(await q(o)).body.matchAll(/<CertID>(\d+)<\/CertID>/g)].map((m) => Number(m[1]));
    const buy = async () => Number(/<certid>(\d+)</.exec((await q({ command: 'PurchaseServices', service: 'certificate-comodo-ev' })).body)?.[1]);
    const [a, b] = [await buy(), await buy()];
    // a: 01:00 UTC on 3 March, which is 2 March in ENOM's zone (UTC-5); b: 4 March, noon UTC
    sim.state.certs.get(a)!.orderDate = new Date(Date.UTC(2024, 2, 3, 1));
    sim.state.certs.get(b)!.orderDate = new Date(Date.UTC(2024, 2, 4, 12));
    sim.state.utcOffsetHours = -5;
    try {
      const ev = { ProdType: '221' };
      assert.deepEqual(await ids({ ...ev, OrderDateStart: '03/02/2024', OrderDateEnd: '03/02/2024' }), [a]);
      assert.deepEqual(await ids({ ...ev, OrderDateStart: '03/03/2024' }), [b]);
      assert.deepEqual(await ids({ ...ev, OrderDateStart: '3/2/2024', OrderDateEnd: '3/4/2024' }), [b, a], 'newest CertID first by default');
      assert.deepEqual(await ids({ ...ev, OrderDateEnd: '03/01/2024' }), []);
      assert.deepEqual(await ids({ ...ev, SortBy: 'OrderDate', SortByDirection: 'asc' }), [a, b]);
      assert.match((await q({ ...ev, OrderDateStart: '2024-03-02' })).body, /<Err1>Invalid OrderDateStart<\/Err1>/);
    } finally {
      sim.state.utcOffsetHours = 0;
    }
  });

  test('a failure for N calls, then normal again', async () => {
    const client = createEnomClient({ url: sim.url, uid: 'resellid', pw: PW, log: rawLogger(null), retry: { attempts: 1 } });
    sim.fail('GetBalance', 'bad_login', { times: 2 });
    await assert.rejects(getBalance(client), (e: EnomError) => e.kind === 'auth');
    await assert.rejects(getBalance(client), (e: EnomError) => e.kind === 'auth');
    assert.equal((await getBalance(client)).balance, sim.account.balance);
  });

  test("the simulator's close() ends hung requests promptly", async () => {
    const other = await startEnomSim({ pw: PW });
    other.fail('*', 'hang');
    const client = createEnomClient({ url: other.url, uid: 'resellid', pw: PW, log: rawLogger(null), timeouts: { responseMs: 30_000 }, retry: { attempts: 1 } });
    const pending = getBalance(client).then(
      () => assert.fail('should not answer'),
      (e: unknown) => e,
    );
    while (other.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await other.close();
    const err = await pending;
    assert.ok(Date.now() - t0 < 1000, 'close was prompt');
    assert.ok(err instanceof EnomError && err.kind === 'network' && err.cause === 'reset', String(err));
  });
});
