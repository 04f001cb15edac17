// The chunks inside dist/pmenomssl, read as the loader reads them (build/bundle.mjs): the payload in a
// comment, then its table on the file's last line (`function __table(){/*{…}*/}`).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { BINARY } from './rig';

export type Table = [number, number, number, number][];

export function readChunks(file = BINARY): { table: Table; names: Record<string, number>; text: (i: number) => string; count: number } {
  const bin = fs.readFileSync(file, 'latin1');
  // The file ends with the payload comment, then its table on a line of its own (build/bundle.mjs).
  const tail = /\*\/\}\nfunction __table\(\)\{\/\*(\{[^\n]*\})\*\/\}\n$/.exec(bin);
  assert.ok(tail, 'dist/pmenomssl does not end with its chunk table');
  const { T: table, N: names } = JSON.parse(tail[1]!) as { T: Table; N: Record<string, number>; B: string };
  const end = tail.index;
  const payload = bin.slice(end - table[table.length - 1]![1], end);
  assert.ok(bin.slice(0, end - payload.length).endsWith('\nfunction __payload(){/*'), 'the table does not match the payload');
  const text = (i: number) => {
    const [s, e, enc] = table[i]!;
    const raw = payload.slice(s, e);
    if (enc === 1) return zlib.brotliDecompressSync(Buffer.from(raw, 'base64')).toString('latin1');
    return enc === 2 ? raw.replaceAll('*\x01/', '*/') : raw;
  };
  return { table, names, text, count: table.length };
}
