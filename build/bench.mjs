// `npm run bench`: how fast the built dist/pmenomssl starts and runs, against Node's own floor.
//
//   node --import tsx build/bench.mjs [--runs N] [--warmup N] [--bin FILE] [--no-write]
//
// (npm run bench builds first; --runs is 30 unless given, at least 15: the more rounds, the less a
// burst on a shared host moves the medians; --bin times another build, e.g. an older one, and
// --no-write leaves docs/bench.md alone.) Needs what the tests need: mariadbd and openssl, and
// /usr/bin/time for the peak RSS.
//
// One run measures, alternating between them round after round (so load on the machine hits all
// alike), the wall time of:
//   floor              node -e 0: what any Node.js program costs at the least
//   features           --command features
//   features, first    the same without its code cache (deleted before each run): the first run of
//     run              a command after an install or upgrade, which compiles and writes the cache
//   approver           --command approver --module 1 --domain www.example.com
//   check_connection   settings on stdin, one GetBalance against the ENOM simulator (127.0.0.1)
//   sync_item pending  --item P: a certificate the CA has not issued yet, first poll after the
//                      order (its status goes from requested to waiting: one mgrctl call)
//   sync_item pending, --item W: the same polled again, as every later sync round does while the CA
//     later poll       waits (nothing changed: paramlist is its only mgrctl call)
//   sync_item issued   --item I: one ENOM has issued (certificate, chain and expiry handed over)
// with a throwaway MariaDB (test/support/rig.ts) and the ENOM simulator (test/support/enom-sim.ts).
// The items are bought with `open` through the rig's fake mgrctl; then $MGR5_ROOT/sbin/mgrctl is
// replaced by a shell stub that answers paramlist from the rig's settings and <doc><ok/></doc> to
// anything else, with shell builtins only, so the module's own cost is what is timed (the stub writes
// nothing: each sync_item run takes the same path, the issued one handing over the certificate; its
// note that BILLmanager was told, var/pmenomssl/announced-I, is removed before each run, so every run is
// a first issue, certificate.open included).
// Every process is started as BILLmanager starts it: stdout and stderr pipes, MGR5_ROOT and PATH.
// The timed rounds come after warm-up rounds, so the module's code cache is in place, as it is for
// BILLmanager from the second run of each command on. A second, untimed pass runs each command three more times to read its
// peak RSS (/usr/bin/time -f %M, when present), the mgrctl spawns (the stub counts them) and the SQL
// statements it sent (MariaDB's Com_* status counters, before and after).
//
// Wall times on a shared machine are noisy: compare the ratios to the floor measured in the same
// run, not milliseconds between runs. Writes the table between the markers in docs/bench.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// The test rig and the ENOM simulator, TypeScript loaded by tsx (node --import tsx) as CommonJS, as
// the tests load them (rig.ts finds the repository through its __dirname).
const require = createRequire(import.meta.url);
const { createRig } = require('../test/support/rig.ts');
const { makeCsr, startEnomSim } = require('../test/support/enom-sim.ts');
const { CONTACT: FORM } = require('../test/support/order.ts');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '3' }, bin: { type: 'string' }, 'no-write': { type: 'boolean' } },
});
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const BIN = path.resolve(args.bin ?? path.join(root, 'dist', 'pmenomssl'));
const WRITE = !args['no-write'];
const DOC = path.join(root, 'docs', 'bench.md');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
if (!(RUNS >= 15)) throw new Error('--runs: at least 15');
if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: npm run build first`);

/** Targets, as ratios to the floor (medians), peak RSS in MB, mgrctl spawns. */
const TARGET = {
  features: { ratio: 1.3 },
  approver: { ratio: 1.3 },
  check_connection: { ratio: 1.8 },
  'sync_item pending': { ratio: 2.5, mgrctl: 2 },
  'sync_item pending, later poll': { ratio: 2.5, mgrctl: 2 },
  'sync_item issued': { ratio: 2.5, mgrctl: 5 },
};
const RSS_MB = 80;
const DEB_KB = 400;

function run(cmd, args, { env, stdin, timeMe } = {}) {
  return new Promise((resolve, reject) => {
    const rssFile = timeMe && TIME ? path.join(os.tmpdir(), `pmenomssl-bench-${process.pid}.rss`) : undefined;
    const [file, list] = rssFile ? [TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
    const started = process.hrtime.bigint();
    const child = spawn(file, list, { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    if (stdin !== undefined) child.stdin.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let rss;
      if (rssFile) {
        rss = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
        fs.rmSync(rssFile, { force: true });
      }
      resolve({ code, ms, out, err, rss });
    });
  });
}

const CONTACT = { ...FORM, approver_method: 'auth_email', approver_email: 'admin@example.com' };

const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const [rig, sim] = await Promise.all([createRig(), startEnomSim({ uid: 'u', pw: 'p', balance: 5000 })]);
try {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', MGR5_ROOT: rig.root };
  const moduleId = await rig.addModule({ url: sim.url, username: 'u', password: 'p' });
  const item = async (cn) => rig.addItem({ pricelist: 'certificate-rapidssl-rapidssl', module: moduleId, csr: makeCsr(cn).csr, params: CONTACT });
  const pending = await item('pending.example.com');
  const waiting = await item('waiting.example.com');
  const issued = await item('issued.example.com');
  for (const id of [pending, waiting, issued]) {
    const r = await run(BIN, ['--command', 'open', '--item', String(id)], { env });
    if (r.code !== 0) throw new Error(`open --item ${id} failed: ${r.out}${r.err}`);
  }
  const [[row]] = await rig.db.query("SELECT value FROM itemparam WHERE item = ? AND intname = 'enom_certid'", [issued]);
  sim.issue(Number(row.value));
  // A certificate polled before: the rig's mgrctl records "waiting for issue" (4) as BILLmanager
  // would, so each later poll finds nothing to change. (The stub below records nothing: the pending
  // item stays "requested" (3), and each run of it is a first poll that sets 4.)
  {
    const r = await run(BIN, ['--command', 'sync_item', '--item', String(waiting)], { env });
    const [[st]] = await rig.db.query("SELECT value FROM itemparam WHERE item = ? AND intname = 'service_status'", [waiting]);
    if (r.code !== 0 || st?.value !== '4') throw new Error(`sync_item --item ${waiting} did not record status 4: ${r.out}${r.err}`);
  }

  // The stub mgrctl: paramlist from the rig's settings, <doc><ok/></doc> otherwise; one line per spawn.
  // (sh builtins only: one fork and exec per call, as cheap as a process gets).
  const { paramlist } = JSON.parse(fs.readFileSync(path.join(rig.root, 'fake-mgrctl.json'), 'utf8'));
  const paramlistXml = `<doc>${Object.entries(paramlist).map(([k, v]) => `<elem><${k}>${xmlEscape(v)}</${k}></elem>`).join('')}</doc>`;
  const spawns = path.join(rig.root, 'mgrctl-spawns');
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    path.join(rig.root, 'sbin', 'mgrctl'),
    `#!/bin/sh\n# -m billmgr -o xml FUNC key=value …\necho "$5" >> ${q(spawns)}\nif [ "$5" = paramlist ]; then echo ${q(paramlistXml)}; else echo '<doc><ok/></doc>'; fi\n`,
    { mode: 0o755 },
  );

  const settings = `<doc><processingmodule><url>${xmlEscape(sim.url)}</url><username>u</username><password>p</password></processingmodule></doc>`;
  const cases = [
    { name: 'floor', label: 'node -e 0 (floor)', cmd: process.execPath, args: ['-e', '0'] },
    { name: 'features', cmd: BIN, args: ['--command', 'features'] },
    // The first run of a command after an install or upgrade: no code cache yet (it writes one).
    { name: 'features, first run', cmd: BIN, args: ['--command', 'features'], cold: true },
    { name: 'approver', cmd: BIN, args: ['--command', 'approver', '--module', '1', '--domain', 'www.example.com'] },
    { name: 'check_connection', cmd: BIN, args: ['--command', 'check_connection'], stdin: settings },
    { name: 'sync_item pending', cmd: BIN, args: ['--command', 'sync_item', '--item', String(pending)] },
    { name: 'sync_item pending, later poll', cmd: BIN, args: ['--command', 'sync_item', '--item', String(waiting)] },
    { name: 'sync_item issued', cmd: BIN, args: ['--command', 'sync_item', '--item', String(issued)], prepare: () => fs.rmSync(path.join(rig.root, 'var', 'pmenomssl', `announced-${issued}`), { force: true }) },
  ];
  const expected = {
    features: /<itemtype name="certificate"\/>/,
    approver: /<approver>admin@www\.example\.com<\/approver>/,
    check_connection: /^<doc\/>\s*$/,
  };
  const check = (c, r) => {
    if (r.code !== 0 || (expected[c.name] && !expected[c.name].test(r.out))) throw new Error(`${c.name} failed (exit ${r.code}): ${r.out}${r.err}`);
  };

  // Timed rounds, alternating; the first ones warm up (page cache, the module's code cache).
  for (const c of cases) c.ms = [];
  process.stderr.write(`bench: ${BIN}, ${WARMUP} warm-up + ${RUNS} rounds of ${cases.length} commands\n`);
  const coldCache = () => fs.rmSync(path.join(rig.root, 'var', 'pmenomssl', 'cache', 'features.v8'), { force: true });
  for (let round = -WARMUP; round < RUNS; round++) {
    for (const c of cases) {
      if (c.cold) coldCache();
      c.prepare?.();
      const r = await run(c.cmd, c.args, { env, stdin: c.stdin });
      check(c, r);
      if (round >= 0) c.ms.push(r.ms);
    }
    process.stderr.write(round < 0 ? 'w' : '.');
  }
  process.stderr.write('\n');

  // Counting pass: peak RSS, mgrctl spawns, SQL statements.
  const status = async () => {
    const [rows] = await rig.db.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select', 'Com_insert', 'Com_update', 'Com_delete', 'Com_replace')");
    return rows.reduce((n, r) => n + Number(r.Value), 0);
  };
  const lines = () => (fs.existsSync(spawns) ? fs.readFileSync(spawns, 'utf8').split('\n').filter(Boolean) : []);
  for (const c of cases) {
    c.rss = [];
    c.mgrctl = [];
    c.sql = [];
    for (let k = 0; k < 3; k++) {
      const before = lines().length;
      const sqlBefore = await status();
      if (c.cold) coldCache();
      c.prepare?.();
      const r = await run(c.cmd, c.args, { env, stdin: c.stdin, timeMe: true });
      check(c, r);
      c.sql.push((await status()) - sqlBefore);
      const called = lines().slice(before);
      c.mgrctl.push(called.length);
      c.funcs = called;
      if (r.rss !== undefined) c.rss.push(r.rss);
    }
  }

  // Report.
  const floor = median(cases[0].ms);
  const size = fs.statSync(BIN).size;
  // The .deb beside the binary (npm run package writes it into dist/).
  const debName = fs.readdirSync(path.dirname(BIN)).filter((f) => /^pmenomssl_.*_all\.deb$/.test(f)).sort().pop();
  const deb = debName && fs.statSync(path.join(path.dirname(BIN), debName)).size;
  const ok = (good) => (good ? 'ok' : '**over**');
  const rows = cases.map((c) => {
    const m = median(c.ms);
    const ratio = m / floor;
    const t = TARGET[c.name];
    const rss = c.rss.length ? Math.max(...c.rss) : undefined;
    const mg = Math.max(...c.mgrctl);
    const verdict = [];
    if (t) verdict.push(`≤ ${t.ratio}× ${ok(ratio <= t.ratio)}`);
    if (t?.mgrctl !== undefined) verdict.push(`mgrctl ≤ ${t.mgrctl} ${ok(mg <= t.mgrctl)}`);
    if (c.name !== 'floor' && rss !== undefined) verdict.push(`RSS ≤ ${RSS_MB} MB ${ok(rss <= RSS_MB)}`);
    return [
      c.label ?? c.name,
      m.toFixed(1),
      `${Math.min(...c.ms).toFixed(0)}–${Math.max(...c.ms).toFixed(0)}`,
      `${ratio.toFixed(2)}×`,
      rss === undefined ? '–' : rss.toFixed(1),
      c.name === 'floor' ? '–' : `${mg}${c.funcs.length ? ` (${c.funcs.join(', ')})` : ''}`,
      c.name === 'floor' ? '–' : String(Math.max(...c.sql)),
      verdict.join(', '),
    ];
  });
  const table = [
    '| command | median ms | min–max ms | × floor | peak RSS MB | mgrctl spawns | SQL statements | target |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  const sizes = [
    `- \`${BIN.startsWith(root + path.sep) ? path.relative(root, BIN) : BIN}\`: ${size} bytes (${(size / 1024).toFixed(0)} KB)`,
    debName ? `- \`${debName}\`: ${deb} bytes (${(deb / 1024).toFixed(0)} KB; target ≤ ${DEB_KB} KB ${ok(deb <= DEB_KB * 1024)})` : '- `.deb`: not built (`npm run package -- --no-standalone` builds it)',
  ];
  const cpu = os.cpus();
  const about = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${RUNS} timed rounds after ${WARMUP} warm-up, alternating; peak RSS, mgrctl spawns and SQL statements from 3 more runs each (the largest)`;
  const block = [about, '', ...table, '', ...sizes].join('\n');
  console.log(block);

  if (WRITE) {
    const begin = '<!-- bench:begin -->';
    const end = '<!-- bench:end -->';
    let doc = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : `# Start-up benchmark\n\n${begin}\n${end}\n`;
    if (!doc.includes(begin) || !doc.includes(end)) doc += `\n${begin}\n${end}\n`;
    doc = doc.slice(0, doc.indexOf(begin) + begin.length) + `\n${block}\n` + doc.slice(doc.indexOf(end));
    fs.mkdirSync(path.dirname(DOC), { recursive: true });
    fs.writeFileSync(DOC, doc);
    console.log(`\nwritten to ${path.relative(process.cwd(), DOC)}`);
  }
} finally {
  await sim.close();
  await rig.close();
}
