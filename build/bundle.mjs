// Bundles src/cli.ts into dist/pmenomssl: one CommonJS file, shebang, 0755, no node_modules needed.
// CommonJS because the installed file has no extension and no package.json near it.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const outfile = path.join(root, 'dist', 'pmenomssl');

const result = await build({
  entryPoints: [path.join(root, 'src', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  keepNames: false,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  define: { __VERSION__: JSON.stringify(pkg.version) },
  metafile: true,
  logLevel: 'warning',
});
fs.chmodSync(outfile, 0o755);
fs.writeFileSync(path.join(root, 'dist', 'meta.json'), JSON.stringify(result.metafile));
console.log(`dist/pmenomssl: ${fs.statSync(outfile).size} bytes`);
