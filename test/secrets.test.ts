// No secret ever leaks. A representative sweep of commands — successes, every kind of ENOM failure,
// hostile answers that echo the password, broken BILLmanager settings — with debug logging on, a
// distinctive ENOM password, the rig's database password and private keys in certificate.pkey (and
// one pasted into a CSR field, and one smuggled into ENOM's answer). Then everything the runs left
// behind is searched: every file under $MGR5_ROOT/var, every stdout and stderr, every error XML,
// the mgrctl journal, runningoperation.errorxml, the item params BILLmanager was told to save, and
// every request ENOM received. Zero hits.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCsr, startEnomSim, type EnomSim } from './support/enom-sim';
import { createRig, DB_PASSWORD, parseErrorXml, type RunResult, type Rig } from './support/rig';
import { startEnomProxy, type EnomProxy } from './fixtures/hostile/enom-proxy';
import { CONTACT } from './support/order';

const UID = 'secret1';
const PW = 'S3cr3t-Pa55&word<>"';

let rig: Rig;
let sim: EnomSim;
let proxy: EnomProxy;
let direct: number;
let proxied: number;
/** private keys that exist on this machine (certificate.pkey, a CSR field, ENOM's answer) */
const keys: string[] = [];

before(async () => {
  [rig, sim] = await Promise.all([createRig(), startEnomSim({ uid: UID, pw: PW, balance: 100_000 })]);
  proxy = await startEnomProxy(sim.url);
  fs.writeFileSync(path.join(rig.root, 'etc', 'debug.conf'), 'pmenomssl 9\n');
  direct = await rig.addModule({ url: sim.url, username: UID, password: PW });
  proxied = await rig.addModule({ url: proxy.url, username: UID, password: PW });
});

after(async () => {
  await proxy?.close();
  await sim?.close();
  await rig?.close();
});

// ---------------------------------------------------------------------------------------------
// the sweep


let serial = 0;
/** A RapidSSL order whose private key sits in certificate.pkey, as BILLmanager keeps it. */
async function certItem(o: { module?: number; keyInCsr?: boolean } = {}): Promise<number> {
  const cn = `s${++serial}.example.com`;
  const { csr, key } = makeCsr(cn);
  keys.push(key);
  return rig.addItem({
    pricelist: 'certificate-rapidssl-rapidssl',
    module: o.module ?? direct,
    csr: o.keyInCsr ? `${csr}\n${key}\n` : csr,
    pkey: key,
    params: { ...CONTACT, approver_method: 'auth_email', approver_email: `admin@${cn}` },
  });
}

const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const settings = (o: { url?: string; password?: string } = {}) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<doc><processingmodule><id>1</id><name>ENOM</name><url>${xmlEsc(o.url ?? sim.url)}</url><username>${UID}</username><password>${xmlEsc(o.password ?? PW)}</password></processingmodule></doc>`;
const CHECK = ['--command', 'check_connection'];

const runs: { what: string; r: RunResult }[] = [];

/** Runs one step of the sweep; `expect` is the exit code or the error type it must end with. */
async function step(what: string, args: string[], expect: 0 | string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const r = await rig.run(args, opts);
  runs.push({ what, r });
  if (expect === 0) assert.equal(r.code, 0, `${what}: ${r.stdout}`);
  else assert.equal(parseErrorXml(r.stdout)?.type, expect, `${what}: ${r.stdout}`);
  return r;
}

async function certIdOf(item: number): Promise<number> {
  const [[row]] = (await rig.db.query("SELECT value FROM itemparam WHERE item = ? AND intname = 'enom_certid'", [item])) as unknown as [{ value: string }[]];
  return Number(row?.value);
}

/** XML character references: for XML's special characters only (`&#38;`), and for every character (hex). */
const charRefs = (v: string) => ({
  ncr: v.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`),
  hex: [...v].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join(''),
});

/** ENOM answers that repeat the password back, in the forms a server might use. */
const echoes = (form: URLSearchParams) => {
  const pw = form.get('pw') ?? '';
  return { raw: pw, xml: xmlEsc(pw), url: encodeURIComponent(pw), form: new URLSearchParams({ v: pw }).toString().slice(2), ...charRefs(pw) };
};
const errorEcho = (body: string, form: URLSearchParams) => {
  const e = echoes(form);
  return body
    .replace(/<ErrCount>0<\/ErrCount>/, '<ErrCount>1</ErrCount>')
    .replace(/<ResponseCount>0<\/ResponseCount>/, `<errors><Err1>Bad password ${e.xml} (sent as ${e.url}, ${e.form})</Err1></errors><ResponseCount>1</ResponseCount><responses><response><ResponseNumber>304155</ResponseNumber><ResponseString>Validation error; invalid; pw=${e.url}</ResponseString></response></responses>`);
};

describe('the sweep', () => {
  it('check_connection: success, and every way it fails', async () => {
    await step('check_connection (stdin)', CHECK, 0, { stdin: settings() });
    await step('check_connection --module', ['--command', 'check_connection', '--module', String(direct)], 0);
    await step('check_connection wrong password', CHECK, 'invalid_login_or_passwd', { stdin: settings({ password: `${PW}-wrong` }) });
    // The same password written with XML character references, as an XML writer may: the same login.
    for (const form of ['ncr', 'hex'] as const) {
      const written = settings().replace(`<password>${xmlEsc(PW)}</password>`, `<password>${charRefs(PW)[form]}</password>`);
      assert.ok(written.includes(`<password>${charRefs(PW)[form]}</password>`));
      await step(`check_connection, password in character references (${form})`, CHECK, 0, { stdin: written });
    }
    const failures: [Parameters<EnomSim['fail']>[1], string][] = [
      ['bad_login', 'invalid_login_or_passwd'],
      ['ip_denied', 'ip_not_allowed'],
      ['html', 'bad_response'],
      ['empty', 'bad_response'],
      ['truncated', 'bad_response'],
      ['no_done', 'bad_response'],
      ['http_error', 'bad_response'],
      ['reset', 'connection'],
    ];
    for (const [mode, type] of failures) {
      sim.fail('GetBalance', mode);
      try {
        await step(`check_connection ENOM ${mode}`, CHECK, type, { stdin: settings() });
      } finally {
        sim.clear();
      }
    }
    await step('check_connection refused', CHECK, 'connection', { stdin: settings({ url: 'http://127.0.0.1:9/interface.asp' }) });
    await step('check_connection password in the URL', CHECK, 'value', { stdin: settings({ url: `http://${UID}:${encodeURIComponent(PW)}@127.0.0.1:${sim.port}/interface.asp` }) });
  });

  it('hostile ENOM answers that echo the password', async () => {
    proxy.rewrite('GetBalance', errorEcho);
    await step('ENOM error text echoes the password', CHECK, 'invalid_login_or_passwd', { stdin: settings({ url: proxy.url }) });
    proxy.clear();
    proxy.rewrite('GetBalance', (_b, f) => `<!DOCTYPE html><html><body><h1>Server Error</h1><p>uid=${UID}&amp;pw=${echoes(f).xml}</p><p>${echoes(f).raw}</p></body></html>`);
    await step('ENOM HTML page echoes the password', CHECK, 'bad_response', { stdin: settings({ url: proxy.url }) });
    proxy.clear();
    proxy.rewrite('GetBalance', (b, f) =>
      errorEcho(b, f).replace(/<Err1>[^<]*<\/Err1>/, `<Err1>Bad password ${echoes(f).ncr}, that is ${echoes(f).hex}</Err1>`),
    );
    await step('ENOM error text echoes the password in character references', CHECK, 'invalid_login_or_passwd', { stdin: settings({ url: proxy.url }) });
    proxy.clear();
    proxy.rewrite('GetBalance', (_b, f) => `<html><body><p>pw=${echoes(f).ncr}</p><p>${echoes(f).hex}</p></body></html>`);
    await step('ENOM HTML page echoes the password in character references', CHECK, 'bad_response', { stdin: settings({ url: proxy.url }) });
    proxy.clear();
    proxy.rewrite('GetBalance', (b, f) => b.replace(/<AvailableBalance>[^<]*<\/AvailableBalance>/, `<AvailableBalance>${echoes(f).xml}</AvailableBalance>`));
    await step('ENOM puts the password in a field', CHECK, 'bad_response', { stdin: settings({ url: proxy.url }) });
    proxy.clear();
    proxy.rewrite('GetBalance', (b, f) => b.replace(/<Done>true<\/Done>[\s\S]*$/, `<Debug>${echoes(f).xml}`));
    await step('ENOM cut off after echoing the password', CHECK, 'bad_response', { stdin: settings({ url: proxy.url }) });
    proxy.clear();
  });

  it('getbalance, one module and all', async () => {
    await step('getbalance --module', ['--command', 'getbalance', '--module', String(direct)], 0);
    const stale = await rig.addModule({ url: sim.url, username: UID, password: `${PW}-stale` });
    await step('getbalance all (one stale password)', ['--command', 'getbalance'], 'invalid_login_or_passwd');
    await rig.db.query("UPDATE processingmodule SET active = 'off' WHERE id = ?", [stale]);
  });

  it('open, sync_item through issue, send_dv_email, reopen, prolong, close', async () => {
    const a = await certItem();
    const ro = await rig.addRunningOperation(a, 'open');
    await step('open', ['--command', 'open', '--item', String(a), '--runningoperation', String(ro)], 0);
    await step('sync_item pending', ['--command', 'sync_item', '--item', String(a)], 0);
    await step('send_dv_email', ['--command', 'send_dv_email', '--item', String(a), '--emails', `webmaster@s${serial}.example.com`], 0);
    sim.issue(await certIdOf(a));
    await step('sync_item issued', ['--command', 'sync_item', '--item', String(a)], 0);
    await step('reopen', ['--command', 'reopen', '--item', String(a)], 0);
    sim.issue(await certIdOf(a));
    await step('sync_item reissued', ['--command', 'sync_item', '--item', String(a)], 0);
    await step('prolong', ['--command', 'prolong', '--item', String(a)], 0);
    for (const cmd of ['suspend', 'resume', 'setparam']) await step(cmd, ['--command', cmd, '--item', String(a)], 0);
    const b = await certItem();
    await step('open b', ['--command', 'open', '--item', String(b)], 0);
    await step('close b (pending)', ['--command', 'close', '--item', String(b)], 0);
  });

  it('hostile failures, reported to running operations', async () => {
    const withRo = async (what: string, item: number, expect: 0 | string, command = 'open') =>
      step(what, ['--command', command, '--item', String(item), '--runningoperation', String(await rig.addRunningOperation(item, command))], expect);

    sim.fail('CertConfigureCert', 'bad_csr');
    await withRo('open: ENOM refuses the CSR after the purchase', await certItem(), 'api_error');
    sim.clear();
    sim.fail('PurchaseServices', 'truncated', { times: 1 });
    const lost = await certItem();
    await withRo('open: purchase answer cut off', lost, 'outcome_unknown');
    await withRo('open: the lost purchase adopted', lost, 0);
    sim.fail('PurchaseServices', 'funds');
    await withRo('open: insufficient funds', await certItem(), 'insufficient_funds');
    sim.clear();
    await withRo('open: a private key pasted into the CSR field', await certItem({ keyInCsr: true }), 0);

    const undecryptable = await rig.addModule({ url: sim.url, username: UID, password: PW });
    await rig.db.query("UPDATE processingcryptedparam SET value = 'bm90IGEgY2lwaGVydGV4dA==' WHERE processingmodule = ?", [undecryptable]);
    await withRo('open: undecryptable ENOM password', await certItem({ module: undecryptable }), 'value');

    // ENOM hands back a private key with the certificate: it must go no further
    const c = await certItem({ module: proxied });
    await step('open c', ['--command', 'open', '--item', String(c)], 0);
    sim.issue(await certIdOf(c));
    const leaked = makeCsr('leaked.example.com').key;
    keys.push(leaked);
    proxy.rewrite('CertGetCertDetail', (b) => b.replace(/<PVT><!\[CDATA\[\]\]><\/PVT>/, `<PVT><![CDATA[${leaked}]]></PVT>`).replace(/(<SSLCertificate><!\[CDATA\[[\s\S]*?)(\]\]>)/, `$1\n${leaked}\n$2`));
    await withRo('sync_item: ENOM sends a private key along', c, 0, 'sync_item');
    proxy.clear();

    rig.setMgrctl({ fail: { 'service.postopen': 'exit' } });
    await withRo('open: mgrctl fails', await certItem(), 'billmgr');
    rig.setMgrctl({ fail: {} });
    rig.setMgrctl({ fail: { paramlist: 'garbage' } });
    await step('sync_item: paramlist answers with the database password in something that is not XML', ['--command', 'sync_item', '--item', String(await certItem())], 'billmgr');
    rig.setMgrctl({ fail: {} });

    // BILLmanager's paramlist names a database password that no longer works
    const cfgFile = path.join(rig.root, 'fake-mgrctl.json');
    const cfg = fs.readFileSync(cfgFile, 'utf8');
    const stale = JSON.parse(cfg) as { paramlist: Record<string, string> };
    stale.paramlist.DBPassword = `${DB_PASSWORD}-stale`;
    fs.writeFileSync(cfgFile, JSON.stringify(stale));
    try {
      await step('open: stale database password', ['--command', 'open', '--item', String(await certItem())], 'billmgr');
      await step('getbalance: stale database password', ['--command', 'getbalance'], 'billmgr');
    } finally {
      fs.writeFileSync(cfgFile, cfg);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// the scan

interface Needle {
  name: string;
  text: string;
}

function needles(): Needle[] {
  const out: Needle[] = [];
  const forms = (name: string, s: string) => {
    out.push({ name: `${name} raw`, text: s });
    out.push({ name: `${name} URL-encoded`, text: encodeURIComponent(s) });
    out.push({ name: `${name} form-encoded`, text: new URLSearchParams({ v: s }).toString().slice(2) });
    out.push({ name: `${name} XML-escaped`, text: xmlEsc(s) });
    out.push({ name: `${name} XML-escaped (&apos; / numeric)`, text: s.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;').replace(/"/g, '&#34;') });
    out.push({ name: `${name} JSON-escaped`, text: JSON.stringify(s).slice(1, -1) });
    out.push({ name: `${name} in character references`, text: charRefs(s).hex });
    out.push({ name: `${name} in character references, XML-escaped`, text: xmlEsc(charRefs(s).hex) });
    out.push({ name: `${name} base64`, text: Buffer.from(s).toString('base64') });
  };
  forms('ENOM password', PW);
  // any prefix long enough to be this password and nothing else: a truncated or otherwise encoded copy
  out.push({ name: 'ENOM password prefix', text: PW.slice(0, 11) });
  forms('database password', DB_PASSWORD);
  out.push({ name: 'database password prefix', text: DB_PASSWORD.slice(0, 11) });
  out.push({ name: '"PRIVATE KEY"', text: 'PRIVATE KEY' });
  keys.forEach((k, i) => {
    const body = k.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    // A private key's PEM also holds its public key, which the CSR and the certificate carry too: the
    // slices that matter are those covering the private scalar.
    const der = Buffer.from(body, 'base64');
    const d = Buffer.from(crypto.createPrivateKey(k).export({ format: 'jwk' }).d!, 'base64url');
    const at0 = der.indexOf(d);
    assert.ok(at0 > 0, 'the private scalar is in the key');
    const [from, to] = [Math.floor(at0 / 3) * 4, Math.ceil((at0 + d.length) / 3) * 4];
    for (let at = Math.max(0, from - 39); at + 40 <= body.length && at < to; at++) {
      const slice = body.slice(at, at + 40);
      out.push({ name: `private key ${i + 1} body [${at}..${at + 40})`, text: slice });
      if (encodeURIComponent(slice) !== slice) out.push({ name: `private key ${i + 1} body URL-encoded [${at}..${at + 40})`, text: encodeURIComponent(slice) });
    }
  });
  return out;
}

interface Source {
  name: string;
  text: string;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() ? [p] : [];
  });
}

async function sources(): Promise<{ list: Source[]; files: number }> {
  const list: Source[] = [];
  const files = [...walk(path.join(rig.root, 'var')), path.join(rig.root, 'captures.jsonl'), path.join(rig.root, 'mgrctl.jsonl')];
  for (const f of files) list.push({ name: path.relative(rig.root, f), text: fs.readFileSync(f, 'utf8') });
  // the same, decoded: what each run printed, what each mgrctl call carried
  for (const l of fs.readFileSync(path.join(rig.root, 'captures.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const c = JSON.parse(l) as { args: string[]; stdout: string; stderr: string };
    list.push({ name: `stdout of ${c.args.slice(0, 4).join(' ').slice(0, 60)}`, text: c.stdout });
    list.push({ name: `stderr of ${c.args.slice(0, 4).join(' ').slice(0, 60)}`, text: c.stderr });
  }
  for (const l of fs.readFileSync(path.join(rig.root, 'mgrctl.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const c = JSON.parse(l) as { func: string; params: Record<string, string> };
    list.push({ name: `mgrctl ${c.func}`, text: Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join('\n') });
  }
  const [ros] = (await rig.db.query('SELECT id, errorxml FROM runningoperation')) as unknown as [{ id: number; errorxml: string | null }[]];
  for (const r of ros) list.push({ name: `runningoperation ${r.id}.errorxml`, text: r.errorxml ?? '' });
  const [params] = (await rig.db.query('SELECT item, intname, value FROM itemparam')) as unknown as [{ item: number; intname: string; value: string | null }[]];
  list.push({ name: 'itemparam values', text: params.map((p) => `${p.item} ${p.intname}=${p.value ?? ''}`).join('\n') });
  for (const q of sim.requests) list.push({ name: `ENOM request ${q.command}`, text: `${q.method} ${q.url}\n${JSON.stringify(q.params)}\n${Object.entries(q.params).map(([k, v]) => `${k}=${v}`).join('\n')}` });
  return { list, files: files.length };
}

function scan(list: Source[], ns: Needle[]): { hits: string[]; bytes: number } {
  const hits: string[] = [];
  let bytes = 0;
  for (const s of list) {
    bytes += Buffer.byteLength(s.text);
    // PEM bodies are split into lines, and JSON writes the line breaks as \n: look across them too
    const joined = s.text.replace(/\\r\\n|\\n|\\r/g, '').replace(/\s+/g, '');
    for (const n of ns) {
      if (s.text.includes(n.text)) hits.push(`${n.name} in ${s.name}`);
      else if (n.name.startsWith('private key') && joined.includes(n.text)) hits.push(`${n.name} in ${s.name} (across lines)`);
    }
  }
  return { hits, bytes };
}

describe('the scan', () => {
  it('finds no secret anywhere', async () => {
    assert.ok(runs.length >= 40, `the sweep ran ${runs.length} commands`);
    const log = rig.logText();
    assert.match(log, / DEBUG \[check_connection\] ENOM GetBalance response/, 'debug logging (request and response bodies) was on');
    assert.match(log, / DEBUG \[open item=\d+\] ENOM CertConfigureCert request/);

    const ns = needles();
    // the scanner itself: it finds each kind of secret where one is
    const control = scan(
      [
        { name: 'control: password', text: `pw=${encodeURIComponent(PW)}` },
        { name: 'control: rig config', text: fs.readFileSync(path.join(rig.root, 'fake-mgrctl.json'), 'utf8') },
        { name: 'control: key, JSON-encoded', text: JSON.stringify({ crt: keys[0] }).replace('PRIVATE KEY', 'KEY') },
      ],
      ns,
    );
    for (const c of ['control: password', 'control: rig config', 'control: key, JSON-encoded (across lines)']) {
      assert.ok(control.hits.some((h) => h.endsWith(` in ${c}`)), `the scanner misses a secret in ${c}`);
    }

    const { list, files } = await sources();
    const { hits, bytes } = scan(list, ns);
    console.log(`secret scan: ${files} files and ${list.length} texts (${runs.length} runs, ${sim.requests.length} ENOM requests), ${bytes} bytes, ${ns.length} needles, ${hits.length} hits`);
    const grouped = new Map<string, number>();
    for (const h of hits) {
      const k = h.replace(/ \[\d+\.\.\d+\)/, '');
      grouped.set(k, (grouped.get(k) ?? 0) + 1);
    }
    for (const [k, n] of grouped) console.log(`  hit: ${k}${n > 1 ? ` (×${n})` : ''}`);
    assert.deepEqual(hits, []);
  });
});
