// `kmip-kms probe --config values.yaml` and `kmip-kms demo --config values.yaml` (issue 8 §2): the chart's values
// file as operators edit it, with the kmip-<word>.pem files beside it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../lib/logger';
import { startDevServer, type DevServerHandle } from '../../lib/server';
import { assertExit, assertOneLineError, check, jsonOf, rmTmp, runCli, tmpDir } from './helpers';

const T = { timeout: 60_000 };

describe('kmip-kms with the chart\'s values.yaml', () => {
  let dev: DevServerHandle | undefined;
  let dir: string | undefined;
  let values = '';
  before(async () => {
    dir = tmpDir('kmip-kms-cli-values-');
    dev = await startDevServer({ port: 0, certsDir: path.join(dir, 'certs'), logger: silentLogger });
    const chart = path.join(dir, 'chart');
    fs.mkdirSync(chart);
    fs.copyFileSync(dev.clientKeyPath, path.join(chart, 'kmip-key.pem'));
    fs.copyFileSync(dev.clientCertPath, path.join(chart, 'kmip-cert.pem'));
    fs.copyFileSync(dev.caPath, path.join(chart, 'kmip-ca.pem'));
    values = path.join(chart, 'values.yaml');
    fs.writeFileSync(
      values,
      ['replicaCount: 1', 'image:', '  tag: "8.8.45"', 'kmip:', '  enabled: true', `  port: ${dev.port}`, '  hosts:', '    - 127.0.0.1', '  pipelineDepth: 8', ''].join('\n'),
    );
  });
  after(async () => {
    await dev?.close();
    rmTmp(dir);
  });

  it('probe --config values.yaml --json: exit 0, self-test ok', T, async () => {
    const r = await runCli(['probe', '--config', values, '--json']);
    assertExit(r, 0);
    const report = jsonOf(r);
    assert.equal(report.server, `127.0.0.1:${dev!.port}`);
    assert.equal(check(report, /^self-test$/).status, 'ok');
  });

  it('demo --config values.yaml --keys 50: every data key verified, exit 0', T, async () => {
    const r = await runCli(['demo', '--config', values, '--keys', '50', '--concurrency', '8', '--json']);
    assertExit(r, 0);
    const report = JSON.parse(r.stdout) as { verified: number; mismatches: number };
    assert.equal(report.verified, 50);
    assert.equal(report.mismatches, 0);
  });

  it('enabled: false: one clear line saying KMIP is disabled in these values, non-zero exit', T, async () => {
    const off = path.join(path.dirname(values), 'off.yaml');
    fs.writeFileSync(off, 'kmip:\n  enabled: false\n  hosts: [127.0.0.1]\n');
    const r = await runCli(['probe', '--config', off]);
    assert.match(assertOneLineError(r, r.code ?? 1), /kmip\.enabled is false: KMIP is disabled in these values/);
    assert.notEqual(r.code, 0);
  });
});
