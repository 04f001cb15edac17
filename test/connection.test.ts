// What the admin sees first: check_connection, getbalance, usercreate, tune_connection — the built
// binary against the ENOM simulator, a real MariaDB and the fake mgrctl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { startEnomSim, type EnomSim } from './support/enom-sim';
import { BINARY, createRig, parseErrorXml, type Rig } from './support/rig';

const PW = 'S3cr3t-Pa55&word';
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, isArray: (n) => ['processingmodule', 'val'].includes(n) });

let rig: Rig;
let sim: EnomSim;
before(async () => {
  [rig, sim] = await Promise.all([createRig(), startEnomSim({ uid: 'reseller1', pw: PW, balance: 331.51, availableBalance: 443.44 })]);
});
after(async () => {
  await sim?.close();
  await rig?.close();
});

const settings = (o: { url?: string; username?: string; password?: string } = {}) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<doc><processingmodule><id>1</id><name>ENOM</name><url>${o.url ?? sim.url}</url><username>${o.username ?? 'reseller1'}</username><password>${(o.password ?? PW).replace(/&/g, '&amp;')}</password></processingmodule></doc>`;

function expectError(r: { code: number | null; stdout: string }, type: string, object?: string) {
  assert.equal(r.code, 1, r.stdout);
  const e = parseErrorXml(r.stdout);
  assert.ok(e, `no error XML: ${r.stdout}`);
  assert.equal(e.type, type, r.stdout);
  if (object !== undefined) assert.equal(e.object, object, r.stdout);
  assert.ok(!r.stdout.includes(PW) && !r.stdout.includes('S3cr3t'), 'password in stdout');
  return e;
}

describe('check_connection from BILLmanager (settings on stdin)', () => {
  it('succeeds with good credentials: <doc/>, one GetBalance POSTed, the password not in the URL', async () => {
    const before = sim.requestsFor('GetBalance').length;
    const r = await rig.run(['--command', 'check_connection'], { stdin: settings() });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout.trim(), '<doc/>');
    const reqs = sim.requestsFor('GetBalance').slice(before);
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0]!.method, 'POST');
    assert.equal(reqs[0]!.form, true);
    assert.equal(reqs[0]!.params.uid, 'reseller1');
    assert.ok(!reqs[0]!.url.includes('S3cr3t') && !reqs[0]!.url.includes('pw='));
  });

  it('wrong credentials: invalid_login_or_passwd (ENOM 304155)', async () => {
    const r = await rig.run(['--command', 'check_connection'], { stdin: settings({ password: 'wrong-password' }) });
    const e = expectError(r, 'invalid_login_or_passwd', 'username');
    assert.match(e.value, /304155/);
  });

  it('the password is taken as written, spaces included, on stdin as in the stored settings; the document may be pretty-printed', async () => {
    sim.addAccount({ uid: 'spaced', pw: ' sp4ced-pw ' });
    const pretty = (password: string) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<doc>\n  <processingmodule>\n    <id>1</id>\n    <url>${sim.url}</url>\n    <username>spaced</username>\n    <password>${password}</password>\n  </processingmodule>\n</doc>\n`;
    const ok = await rig.run(['--command', 'check_connection'], { stdin: pretty(' sp4ced-pw ') });
    assert.equal(ok.code, 0, ok.stdout);
    // what check_connection accepts is what the stored settings will send: not a trimmed look-alike
    expectError(await rig.run(['--command', 'check_connection'], { stdin: pretty('sp4ced-pw') }), 'invalid_login_or_passwd');
    const stored = await rig.addModule({ url: sim.url, username: 'spaced', password: ' sp4ced-pw ' });
    assert.equal((await rig.run(['--command', 'check_connection', '--module', String(stored)])).code, 0);
  });

  it("this server's IP not allowlisted: ip_not_allowed, naming the IP ENOM saw", async () => {
    sim.addAccount({ uid: 'strict', pw: 'strict-pw-1', ipAllowlist: true, allowedIps: ['203.0.113.9'] });
    const r = await rig.run(['--command', 'check_connection'], { stdin: settings({ username: 'strict', password: 'strict-pw-1' }) });
    const e = expectError(r, 'ip_not_allowed');
    assert.equal(e.value, '127.0.0.1');
  });

  it('ENOM unreachable — connection refused: connection, naming host and cause', async () => {
    const r = await rig.run(['--command', 'check_connection'], { stdin: settings({ url: 'http://127.0.0.1:9/interface.asp' }) });
    const e = expectError(r, 'connection', '127.0.0.1');
    assert.equal(e.value, 'connection refused');
  });

  it('ENOM unreachable — TLS certificate not trusted', async () => {
    const tlsSim = await startEnomSim({ uid: 'reseller1', pw: PW, tls: true });
    try {
      const r = await rig.run(['--command', 'check_connection'], { stdin: settings({ url: tlsSim.url }) });
      const e = expectError(r, 'connection', '127.0.0.1');
      assert.equal(e.value, 'TLS handshake failed');
      assert.equal(tlsSim.requests.length, 0, 'nothing may reach a server whose certificate is not trusted');
    } finally {
      await tlsSim.close();
    }
  });

  it('ENOM unreachable — host name not resolved', async () => {
    const r = await rig.run(['--command', 'check_connection'], { stdin: settings({ url: 'https://no-such-host.invalid/interface.asp' }), timeoutMs: 60_000 });
    assert.equal(r.timedOut, false);
    const e = expectError(r, 'connection', 'no-such-host.invalid');
    assert.equal(e.value, 'host name not resolved');
  });

  const bad: [string, string, string, string][] = [
    ['malformed XML', '<doc><processingmodule><url>x</doc>', 'value', 'stdin'],
    ['an entity bomb', '<!DOCTYPE d [<!ENTITY a "aaaa">]><doc>&a;</doc>', 'value', 'stdin'],
    ['no processingmodule', '<doc/>', 'missing', 'processingmodule'],
    ['missing url', '<doc><processingmodule><username>u</username><password>p</password></processingmodule></doc>', 'missing', 'url'],
    ['missing username', `<doc><processingmodule><url>https://x/</url><password>p</password></processingmodule></doc>`, 'missing', 'username'],
    ['missing password', `<doc><processingmodule><url>https://x/</url><username>u</username></processingmodule></doc>`, 'missing', 'password'],
    ['a URL that is not http(s)', `<doc><processingmodule><url>file:///etc/passwd</url><username>u</username><password>p</password></processingmodule></doc>`, 'value', 'url'],
    ['a URL that is no URL', `<doc><processingmodule><url>reseller.enom.com</url><username>u</username><password>p</password></processingmodule></doc>`, 'value', 'url'],
  ];
  for (const [name, stdin, type, object] of bad) {
    it(`refuses ${name}, naming the field, without calling ENOM`, async () => {
      const n = sim.requests.length;
      expectError(await rig.run(['--command', 'check_connection'], { stdin }), type, object);
      assert.equal(sim.requests.length, n);
    });
  }
});

describe('check_connection by hand (--module ID)', () => {
  it('tests the stored settings, decrypting the password', async () => {
    const id = await rig.addModule({ url: sim.url, username: 'reseller1', password: PW });
    const r = await rig.run(['--command', 'check_connection', '--module', String(id)]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout.trim(), '<doc/>');
  });

  it('reports stored credentials ENOM refuses', async () => {
    const id = await rig.addModule({ url: sim.url, username: 'reseller1', password: 'stale-password' });
    expectError(await rig.run(['--command', 'check_connection', '--module', String(id)]), 'invalid_login_or_passwd');
  });

  it('on a terminal: does not wait for input, says how to call it, and prints a verdict on stderr', async () => {
    // script(1) gives the module a real terminal for stdin and stdout.
    const id = await rig.addModule({ url: sim.url, username: 'reseller1', password: PW });
    // Asynchronously: the simulator lives in this process and must keep answering.
    const tty = async (args: string) =>
      (await promisify(execFile)('script', ['-qec', `${BINARY} ${args}`, '/dev/null'], { env: { PATH: process.env.PATH, MGR5_ROOT: rig.root }, timeout: 20_000, encoding: 'utf8' })).stdout;
    await assert.rejects(tty('--command check_connection'), (e: { code: number; stdout: string }) => e.code === 1 && /--module ID/.test(e.stdout));
    const ok = await tty(`--command check_connection --module ${id}`);
    assert.match(ok, /OK: ENOM at http:\/\/127\.0\.0\.1:\d+\/interface\.asp accepted user reseller1; available balance 443\.44 USD/);
    assert.ok(!ok.includes('S3cr3t'));
  });
});

describe('getbalance', () => {
  it('one module: prints and saves its available balance', async () => {
    const id = await rig.addModule({ url: sim.url, username: 'reseller1', password: PW });
    rig.clearCalls();
    const r = await rig.run(['--command', 'getbalance', '--module', String(id)]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout.trim(), '<doc><balance>443.44</balance><currency>USD</currency></doc>');
    const save = rig.calls().find((c) => c.func === 'processing.savebalance')!;
    assert.equal(save.params.processingmodule, String(id));
    assert.equal(save.params.balance, '443.44');
    assert.equal(save.params.currency, 'USD');
    assert.match(save.params.notify_time!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('every active module; one with bad credentials fails alone and makes the exit non-zero', async () => {
    await rig.db.query("UPDATE processingmodule SET active = 'off'");
    sim.addAccount({ uid: 'big', pw: 'big-pw-2', balance: 2261.65, availableBalance: -1832.23 });
    const a = await rig.addModule({ url: sim.url, username: 'reseller1', password: PW });
    const b = await rig.addModule({ url: sim.url, username: 'big', password: 'big-pw-2' });
    const c = await rig.addModule({ url: sim.url, username: 'reseller1', password: 'not-the-password' });
    await rig.addModule({ url: sim.url, username: 'x', password: 'y', module: 'pmsomethingelse' });
    rig.clearCalls();
    const r = await rig.run(['--command', 'getbalance']);
    assert.equal(r.code, 1, r.stdout);
    const saves = rig.calls().filter((x) => x.func === 'processing.savebalance');
    assert.deepEqual(
      saves.map((s) => [s.params.processingmodule, s.params.balance]),
      [
        [String(a), '443.44'],
        [String(b), '-1832.23'],
      ],
    );
    const doc = parser.parse(r.stdout).doc;
    assert.equal(doc.error.type, 'invalid_login_or_passwd');
    const byId = new Map(doc.processingmodule.map((m: { id: string }) => [m.id, m]));
    assert.equal((byId.get(String(a)) as { balance: string }).balance, '443.44');
    assert.equal((byId.get(String(c)) as { error: { type: string } }).error.type, 'invalid_login_or_passwd');
    const [rows] = (await rig.db.query('SELECT processingmodule, balance FROM fake_balance ORDER BY processingmodule')) as unknown as [{ processingmodule: number; balance: string }[]];
    assert.ok(rows.some((x) => x.processingmodule === b && x.balance === '-1832.23'));
    assert.ok(!rows.some((x) => x.processingmodule === c));
  });

  it('get_balance is the same command', async () => {
    const id = await rig.addModule({ url: sim.url, username: 'reseller1', password: PW });
    const r = await rig.run(['--command', 'get_balance', '--module', String(id)]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /<balance>443\.44<\/balance>/);
  });
});

describe('the connection wizard', () => {
  it('usercreate appends the ENOM sign-up link to the form', async () => {
    const r = await rig.run(['--command', 'usercreate'], { stdin: '<?xml version="1.0"?>\n<doc><url/><func>processing.add.user</func></doc>' });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^<\?xml version="1.0"\?>\n<doc><url\/><func>processing\.add\.user<\/func><outerlink>https:\/\/www\.enom\.com\/reseller\/<\/outerlink><\/doc>/);
  });

  it('tune_connection prefills an empty URL and offers the test host', async () => {
    const r = await rig.run(['--command', 'tune_connection'], { stdin: '<doc><url></url><username>me</username></doc>' });
    assert.equal(r.code, 0, r.stdout);
    const doc = parser.parse(r.stdout).doc;
    assert.equal(doc.url, 'https://reseller.enom.com/interface.asp');
    assert.equal(doc.username, 'me');
    assert.deepEqual(doc.slist.val.map((v: { key: string }) => v.key), ['https://reseller.enom.com/interface.asp', 'https://resellertest.enom.com/interface.asp']);
  });

  it("tune_connection fills the root's empty <url>, never one in a comment or a CDATA section, and leaves an ambiguous form to the admin", async () => {
    const run = async (stdin: string) => {
      const r = await rig.run(['--command', 'tune_connection'], { stdin });
      assert.equal(r.code, 0, r.stdout);
      return r.stdout;
    };
    const commented = await run('<!-- <url/> --><doc><note><![CDATA[<url/>]]></note><url><![CDATA[]]></url></doc>');
    assert.equal(parser.parse(commented).doc.url, 'https://reseller.enom.com/interface.asp');
    assert.match(commented, /^<!-- <url\/> --><doc><note><!\[CDATA\[<url\/>\]\]><\/note><url>https:/);
    // a nested empty <url/> and the root's: the text alone cannot say which is which
    const nested = await run('<doc><metadata><field><url/></field></metadata><url/></doc>');
    assert.match(nested, /^<doc><metadata><field><url\/><\/field><\/metadata><url\/><slist name="url">/);
  });

  it('tune_connection keeps a URL the admin chose', async () => {
    const r = await rig.run(['--command', 'tune_connection'], { stdin: '<doc><url>https://resellertest.enom.com/interface.asp</url></doc>' });
    assert.equal(parser.parse(r.stdout).doc.url, 'https://resellertest.enom.com/interface.asp');
  });

  it('form commands refuse malformed or missing input', async () => {
    expectError(await rig.run(['--command', 'usercreate'], { stdin: '<doc>' }), 'value', 'stdin');
    expectError(await rig.run(['--command', 'tune_connection'], { stdin: '' }), 'missing', 'stdin');
  });

  it('features advertises these commands', async () => {
    const r = await rig.run(['--command', 'features']);
    for (const f of ['check_connection', 'getbalance', 'usercreate', 'tune_connection', 'approver']) assert.match(r.stdout, new RegExp(`<feature name="${f}"/>`));
  });
});

describe('no secret in the log', () => {
  it('the log never holds the ENOM password', () => {
    const log = rig.logText();
    assert.ok(log.length > 0);
    for (const s of [PW, encodeURIComponent(PW), 'S3cr3t-Pa55&amp;word', 'stale-password', 'big-pw-2', 'strict-pw-1']) assert.ok(!log.includes(s), `log holds ${s}`);
  });
});
