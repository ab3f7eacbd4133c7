/**
 * `kmip-kms probe` (the built binary, in a child process) against a real
 * PyKMIP 0.10 server: what an operator sees before pointing the S3 server at
 * an appliance that is a conforming KMIP server without the two optional
 * features.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { KmipClient } from '../../lib/client';
import { silentLogger } from '../../lib/logger';
import { pykmipSuite } from '../support/pykmip';
import type { ProbeReport } from '../../lib/probe';
import { assertExit, assertNoKeysLeft, assertNoStack, check, closedPort, jsonOf, rmTmp, runCli, show, tmpDir, writeConfig, type RunResult } from './helpers';

const T = { timeout: 30_000 };


pykmipSuite('kmip-kms probe x PyKMIP', (srv) => {
  let dir: string | undefined;
  let config: string | undefined;
  let config14: string | undefined;
  before(() => {
    const s = srv();
    dir = tmpDir('kmip-kms-cli-probe-pykmip-');
    const tls = { host: 'localhost', port: s.port, key: s.pki.clientKeyPath, cert: s.pki.clientCertPath, ca: [s.pki.caPath] };
    config = writeConfig(dir, { transport: { tls } });
    config14 = writeConfig(dir, { transport: { tls, protocolVersions: ['1.4', '1.3', '1.2'] } }, 'config-1.4.json');
  });
  after(() => rmTmp(dir));

  function assertPykmipReport(r: RunResult, version: string): ProbeReport {
    assertExit(r, 0);
    assertNoStack(r);
    const report = jsonOf(r);
    // The test PKI expires within days: certificate warnings are expected, nothing worse.
    assert.ok(report.verdict === 'pass' || report.verdict === 'pass-with-warnings', `verdict ${report.verdict}:\n${show(r)}`);
    for (const c of report.checks.filter((x) => x.status === 'warn')) assert.match(c.name, /certificate$/, `unexpected warning ${JSON.stringify(c)}`);
    assert.equal(report.server, `localhost:${srv().port}`);
    assert.equal(report.protocolVersion, version);
    assert.match(report.vendor ?? '', /PyKMIP/);
    assert.equal(report.tls?.protocol, 'TLSv1.2');
    assert.equal(check(report, /^connection$/).status, 'ok');
    assert.equal(check(report, /^operations$/).status, 'ok');
    // The three profiles; the two the product relies on fully announced.
    assert.deepEqual(
      report.profiles.map((p) => p.name),
      ['Baseline Server', 'Symmetric Key Lifecycle Server', 'Basic Cryptographic Server'],
    );
    const byName = new Map(report.profiles.map((p) => [p.name, p]));
    assert.deepEqual(byName.get('Symmetric Key Lifecycle Server'), { name: 'Symmetric Key Lifecycle Server', announced: ['Create'], missing: [] });
    assert.deepEqual(byName.get('Basic Cryptographic Server'), { name: 'Basic Cryptographic Server', announced: ['Encrypt', 'Decrypt'], missing: [] });
    const self = check(report, /^self-test$/);
    assert.equal(self.status, 'ok');
    assert.match(self.detail, /wrapping identical to AES-256-CBC/);
    // PyKMIP 0.10 has neither optional feature: both reported unsupported, with the setting to keep off.
    const oneStep = check(report, /one-step create/);
    assert.equal(oneStep.status, 'unsupported', JSON.stringify(oneStep));
    assert.match(oneStep.detail, /keep compoundCreateActivate off/);
    const bucket = check(report, /bucket attribute/);
    assert.equal(bucket.status, 'unsupported', JSON.stringify(bucket));
    assert.match(bucket.detail, /keep bucketNameAttributeName empty/);
    // PyKMIP answers batches item by item and honours Continue: batchSize may be set.
    const batching = check(report, /^batching/);
    assert.equal(batching.status, 'supported', JSON.stringify(batching));
    return report;
  }

  it('probe --config config.json --json (KMIP 2.0 negotiated): exit 0, profiles, self-test ok, both optional features unsupported', T, async () => {
    assertPykmipReport(await runCli(['probe', '--config', config!, '--json']), '2.0');
  });

  it('probe with protocolVersions 1.4, 1.3, 1.2 in the config: the same verdict under KMIP 1.4', T, async () => {
    assertPykmipReport(await runCli(['probe', '--config', config14!, '--json']), '1.4');
  });

  it('probe --config config.json (human output): profiles and checks listed, a VERDICT: PASS line last', T, async () => {
    const r = await runCli(['probe', '--config', config!]);
    assertExit(r, 0);
    assertNoStack(r);
    assert.match(r.stdout, /^vendor\s+PyKMIP/m);
    assert.match(r.stdout, /^profile\s+Symmetric Key Lifecycle Server: all operations announced$/m);
    assert.match(r.stdout, /^profile\s+Basic Cryptographic Server: all operations announced$/m);
    assert.match(r.stdout, /^\[ok  \] self-test: /m);
    assert.match(r.stdout, /^\[no  \] one-step create/m);
    assert.match(r.stdout, /^\[no  \] bucket attribute/m);
    assert.match(r.stdout, /^\[yes \] batching \(batchSize\)/m);
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    assert.match(last, /^VERDICT: PASS( WITH WARNINGS)? — /, show(r));
  });

  it('probe --config with S3KMIP_PORT / S3KMIP_HOSTS pointing elsewhere probes the file\'s host and port, as the host would, and warns', T, async () => {
    const elsewhere = await closedPort();
    const r = await runCli(['probe', '--config', config!, '--json', '--no-self-test'], { env: { S3KMIP_PORT: String(elsewhere), S3KMIP_HOSTS: '127.0.0.1' } });
    assertExit(r, 0);
    assertNoStack(r);
    const report = jsonOf(r);
    assert.equal(report.server, `localhost:${srv().port}`, show(r));
    assert.equal(check(report, /^connection$/).status, 'ok');
    assert.match(r.stderr, /^warning: KMIP configuration: S3KMIP_PORT is set but the config file's kmip\.transport\.tls\.port wins .*: port \d+/m, show(r));
    assert.match(r.stderr, /^warning: KMIP configuration: S3KMIP_HOSTS is set but the config file's kmip\.transport\.tls\.host wins .*: host localhost:\d+/m, show(r));
    assert.ok(!r.stderr.includes(dir!), `a path in the warnings:\n${show(r)}`);
  });

  it('the probes left no scratch key on the server', T, async () => {
    const s = srv();
    const c = new KmipClient({
      hosts: [{ host: s.host, port: s.port }],
      tls: { ca: s.pki.ca, cert: s.pki.clientCert, key: s.pki.clientKey, servername: 'localhost' },
      logger: silentLogger,
    });
    await assertNoKeysLeft(c);
  });
});
