// Commit and tag signing with a GPG key (Kargo's author.signingKey). The armored private key is
// imported from stdin into a GnuPG home inside the process's private directory (outside the
// WorkDir, 0700, removed at exit); the repository's config then names only the key's public
// fingerprint.

import { spawn } from 'node:child_process';
import { gitPrivateDir } from './exec.js';

/** The GnuPG home every git call uses (GNUPGHOME in gitEnv). */
export function gnupgHomeDir(): string {
  return gitPrivateDir().gnupg;
}

function gpg(args: string[], input: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', ['--batch', '--no-tty', ...args], {
      env: { ...process.env, GNUPGHOME: gnupgHomeDir() },
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run gpg (is GnuPG installed?): ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const imported = new Map<string, string>(); // key -> fingerprint, per GnuPG home

/**
 * Import an armored private key (never written to disk by us, never on a command line) and
 * trust it ultimately, as Kargo does. Returns its fingerprint.
 */
export async function importSigningKey(armoredKey: string): Promise<string> {
  const cacheKey = `${gnupgHomeDir()}\0${armoredKey}`;
  const known = imported.get(cacheKey);
  if (known) return known;
  const shown = await gpg(['--with-colons', '--import-options', 'show-only', '--import'], armoredKey);
  const fingerprint = shown.stdout
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'fpr')?.[9];
  if (shown.code !== 0 || !fingerprint) {
    throw new Error('the signing key could not be read: it must be an ASCII-armored GPG private key without a passphrase');
  }
  const result = await gpg(['--import'], armoredKey);
  if (result.code !== 0) {
    throw new Error('the signing key could not be imported into GnuPG (is it a private key without a passphrase?)');
  }
  const trust = await gpg(['--import-ownertrust'], `${fingerprint}:6:\n`);
  if (trust.code !== 0) throw new Error('could not mark the signing key as trusted');
  imported.set(cacheKey, fingerprint);
  return fingerprint;
}

/** git settings that sign commits and tags with the key of this fingerprint. */
export function signingConfig(fingerprint: string): Record<string, string> {
  return { 'user.signingKey': fingerprint, 'commit.gpgSign': 'true', 'tag.gpgSign': 'true' };
}
