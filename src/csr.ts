// Reading a CSR before any money is spent on it. OpenSSL parses it (present on every BILLmanager
// host, and it knows every key type and encoding a customer may send) and checks its signature.
import { execFile } from 'node:child_process';
import { ModuleError } from './billmgr/errors';

export interface Csr {
  /** the certificate request's PEM block alone: whatever else the text held (a private key pasted
   * after it, say) is not part of it and must go nowhere */
  pem: string;
  /** subject fields by short name (CN, O, OU, L, ST, C, emailAddress) */
  subject: Record<string, string>;
  commonName: string;
  /** DNS names of the subjectAltName extension, lower case */
  sans: string[];
  keyBits: number;
}

const TIMEOUT_MS = 10_000;
const MAX_CSR = 64 * 1024;

function openssl(args: string[], input: string): Promise<{ stdout: string; stderr: string; ok: boolean }> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new ModuleError('internal', 'the openssl command is not installed; it is needed to read CSRs', { object: 'openssl' }));
        return;
      }
      resolve({ stdout, stderr, ok: !err });
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** Parses `openssl req -text` output. Exported for tests. */
export function parseReqText(out: string): Omit<Csr, 'commonName' | 'pem'> & { verified: boolean } {
  const lines = out.split('\n');
  const subject: Record<string, string> = {};
  const at = lines.findIndex((l) => /^\s+Subject:\s*$/.test(l));
  if (at >= 0) {
    const indent = /^\s*/.exec(lines[at]!)![0].length;
    for (let i = at + 1; i < lines.length; i++) {
      const l = lines[i]!;
      if (/^\s*/.exec(l)![0].length <= indent) break;
      const m = /^\s*([A-Za-z0-9.]+)=(.*)$/.exec(l);
      if (m && subject[m[1]!] === undefined) subject[m[1]!] = m[2]!.trim();
    }
  }
  const sanAt = lines.findIndex((l) => /X509v3 Subject Alternative Name:/.test(l));
  const sans =
    sanAt >= 0
      ? (lines[sanAt + 1] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.startsWith('DNS:'))
          .map((s) => s.slice(4).toLowerCase())
      : [];
  const bits = /Public-Key: \((\d+) bit\)/.exec(out);
  return { subject, sans, keyBits: bits ? Number(bits[1]) : 0, verified: /verify OK/.test(out) };
}

/** Parses and checks a PEM CSR; a bad one is a `value` error on `object` (the CSR field). */
export async function parseCsr(pem: string | null | undefined, object = 'csr'): Promise<Csr> {
  const bad = (why: string) => new ModuleError('value', `the CSR ${why}`, { object, value: why });
  if (!pem || pem.trim() === '') throw new ModuleError('missing', 'the service has no CSR', { object });
  if (pem.length > MAX_CSR) throw bad(`is larger than ${MAX_CSR} bytes`);
  const block = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]*?-----END \1CERTIFICATE REQUEST-----/.exec(pem)?.[0];
  if (!block) throw bad('is not a PEM certificate request');
  const { stdout, stderr, ok } = await openssl(['req', '-noout', '-verify', '-text', '-nameopt', 'sep_multiline,sname,utf8,-esc_msb,esc_ctrl'], block);
  if (!ok) throw bad('cannot be parsed');
  // OpenSSL reports the self-signature check on stderr.
  const r = parseReqText(`${stdout}\n${stderr}`);
  if (!r.verified) throw bad('signature does not verify');
  const commonName = (r.subject.CN ?? '').toLowerCase();
  if (!commonName) throw bad('has no common name (CN)');
  return { pem: block, subject: r.subject, commonName, sans: r.sans, keyBits: r.keyBits };
}
