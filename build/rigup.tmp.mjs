// `npm run bench`: how fast the built dist/pmenomssl starts and runs, against Node's own floor.
//
//   node --import tsx build/bench.mjs [--runs N] [--warmup N] [--bin FILE] [--no-write]
//
// (npm run bench builds first; --bin times another build, e.g. an older one, and --no-write leaves
// docs/bench.md alone.) Needs what the tests need: mariadbd, openssl, flock, and /usr/bin/time for
// the peak RSS.
//
// One run measures, alternating between them round after round (so load on the machine hits all
// alike), the wall time of:
//   floor              node -e 0: what any Node.js program costs at the least
//   features           --command features
//   features, first    the same without its code cache (deleted before each run): the first run of
//     run              a command after an install or upgrade, which compiles and writes the cache
//   approver           --command approver --module 1 --domain www.example.com
//   check_connection   settings on stdin, one GetBalance against the ENOM simulator (127.0.0.1)
//   sync_item pending  --item P: a certificate the CA has not issued yet
//   sync_item issued   --item I: one ENOM has issued (certificate, chain and expiry handed over)
// with a throwaway MariaDB (test/support/rig.ts) and the ENOM simulator (test/support/enom-sim.ts).
// The items are bought with `open` through the rig's fake mgrctl; then $MGR5_ROOT/sbin/mgrctl is
// replaced by a shell stub that answers paramlist from the rig's settings and <doc><ok/></doc> to
// anything else, with shell builtins only, so the module's own cost is what is timed (the stub writes
// nothing: each sync_item run takes the same path, the issued one handing over the certificate).
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

// The test rig and the ENOM simulator, TypeScript loaded by tsx (node --import tsx) as CommonJS, as
// the tests load them (rig.ts finds the repository through its __dirname).
const require = createRequire(import.meta.url);
const { createRig } = require('/work/main/test/support/rig.ts');
const { makeCsr, startEnomSim } = require('/work/main/test/support/enom-sim.ts');
const { CONTACT: FORM } = require('/work/main/test/support/order.ts');


const BIN='/work/main/dist/pmenomssl';
function run(cmd,args,{env}){return new Promise(r=>{const c=spawn(cmd,args,{env,stdio:['ignore','pipe','pipe']});let out='',err='';c.stdout.on('data',d=>out+=d);c.stderr.on('data',d=>err+=d);c.on('close',code=>r({code,out,err}))})}
const CONTACT = { ...FORM, approver_method: 'auth_email', approver_email: 'admin@example.com' };
const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const [rig, sim] = await Promise.all([createRig(), startEnomSim({ uid: 'u', pw: 'p', balance: 5000 })]);
try {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', MGR5_ROOT: rig.root };
  const moduleId = await rig.addModule({ url: sim.url, username: 'u', password: 'p' });
  const item = async (cn) => rig.addItem({ pricelist: 'certificate-rapidssl-rapidssl', module: moduleId, csr: makeCsr(cn).csr, params: CONTACT });
  const pending = await item('pending.example.com');
  const issued = await item('issued.example.com');
  for (const id of [pending, issued]) {
    const r = await run(BIN, ['--command', 'open', '--item', String(id)], { env });
    if (r.code !== 0) throw new Error(`open --item ${id} failed: ${r.out}${r.err}`);
  }
  const [[row]] = await rig.db.query("SELECT value FROM itemparam WHERE item = ? AND intname = 'enom_certid'", [issued]);
  sim.issue(Number(row.value));

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
  fs.writeFileSync('/tmp/rig.env', `export MGR5_ROOT=${rig.root}\nPENDING=${pending}\nISSUED=${issued}\n`);
  fs.writeFileSync('/tmp/rig.settings', settings);
  console.log('ready'); await new Promise(()=>{});
} finally {}
