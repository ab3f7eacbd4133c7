/**
 * Issue 9.1: `kmip-kms probe` with TLS settings OpenSSL refuses (a cipher
 * list with no cipher, an encrypted client key with a wrong or missing
 * passphrase) turns the failure into its verdict, with a hint naming the
 * setting: exit 1, no stack trace, no crash. Run through the BUILT binary.
 * (When the configuration loader already refuses the setting, the one-line
 * `kmip-kms: ...` error naming it is accepted as well.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../lib/logger';
import { startDevServer, type DevHostConfig, type DevServerHandle } from '../../lib/server';
import type { ProbeReport } from '../../lib/probe';
import { assertExit, assertNoStack, rmTmp, runCli, show, tmpDir, writeConfig, type RunResult } from './helpers';

const T = { timeout: 60_000 };
const PASSPHRASE = 'the-right-passphrase-1234';
const WRONG = 'a-wrong-passphrase-5678';

/** exit 1, no stack, and the failure names `setting`: in the verdict's failed check (JSON), or in the one config error line. */
function assertTlsSettingFailure(r: RunResult, setting: RegExp, json: boolean): string {
  assertExit(r, 1);
  assertNoStack(r);
  let report: ProbeReport | undefined;
  if (json && r.stdout.trim().startsWith('{')) report = JSON.parse(r.stdout) as ProbeReport;
  let text: string;
  if (report) {
    assert.equal(report.verdict, 'fail', show(r));
    const failed = report.checks.filter((c) => c.status === 'fail');
    assert.ok(failed.length > 0, show(r));
    text = failed.map((c) => c.detail).join('\n');
  } else if (!json && /VERDICT: FAIL/.test(r.stdout)) {
    text = r.stdout;
  } else {
    // Warnings may come first (config.json sets TLS settings a stock cloudserver drops): one error line.
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));
    assert.equal(lines.length, 1, `neither a verdict nor one error line:\n${show(r)}`);
    assert.match(lines[0]!, /^kmip-kms: /);
    text = lines[0]!;
  }
  assert.match(text, setting, show(r));
  for (const secret of [PASSPHRASE, WRONG, 'PRIVATE KEY']) assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), `${secret} in the output:\n${show(r)}`);
  return text;
}

describe('kmip-kms probe with TLS settings OpenSSL refuses (issue 9.1)', { concurrency: true }, () => {
  let dev: DevServerHandle | undefined;
  let dir: string | undefined;
  let base: DevHostConfig | undefined;
  let encryptedKey: string | undefined;
  before(async () => {
    dir = tmpDir('kmip-kms-cli-probe-tls-');
    dev = await startDevServer({ port: 0, certsDir: path.join(dir, 'certs'), logger: silentLogger });
    base = dev.hostConfig;
    encryptedKey = path.join(dir, 'client-encrypted.key');
    const pem = createPrivateKey(fs.readFileSync(base.transport.tls.key)).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE });
    fs.writeFileSync(encryptedKey, pem, { mode: 0o600 });
  });
  after(async () => {
    await dev?.close();
    rmTmp(dir);
  });

  const withTls = (name: string, tls: Record<string, unknown>): string =>
    writeConfig(dir!, { ...base!, transport: { ...base!.transport, tls: { ...base!.transport.tls, ...tls } } }, name);

  it('ciphers with no cipher OpenSSL knows (--json): verdict fail naming ciphers, exit 1, no stack', T, async () => {
    const r = await runCli(['probe', '--config', withTls('bad-ciphers.json', { ciphers: 'NO-SUCH-CIPHER' }), '--json']);
    assertTlsSettingFailure(r, /cipher/i, true);
  });

  it('ciphers with no cipher OpenSSL knows (human output): VERDICT: FAIL, exit 1, no stack', T, async () => {
    const r = await runCli(['probe', '--config', withTls('bad-ciphers-human.json', { ciphers: 'NO-SUCH-CIPHER' })]);
    assertTlsSettingFailure(r, /cipher/i, false);
  });

  it('an encrypted client key with a wrong passphrase: verdict fail naming the passphrase, exit 1, no stack, no secret printed', T, async () => {
    const r = await runCli(['probe', '--config', withTls('wrong-pass.json', { key: encryptedKey!, passphrase: WRONG }), '--json']);
    assertTlsSettingFailure(r, /passphrase/i, true);
  });

  it('an encrypted client key without passphrase: verdict fail naming the passphrase, exit 1, no stack', T, async () => {
    const r = await runCli(['probe', '--config', withTls('no-pass.json', { key: encryptedKey! }), '--json']);
    assertTlsSettingFailure(r, /passphrase/i, true);
  });

  it('the right passphrase works (the test is not vacuous)', T, async () => {
    const r = await runCli(['probe', '--config', withTls('right-pass.json', { key: encryptedKey!, passphrase: PASSPHRASE }), '--json', '--no-self-test']);
    assertExit(r, 0);
  });
});
