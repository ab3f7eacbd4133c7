/**
 * Log lines on the hot path are built only for a logger that can print them
 * (logs()): the per-call debug line of the host callbacks reaches a logger
 * that prints debug, and is not even built for one that says it won't.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { KmipBackend } from '../../lib/backend/backend';
import { logs, silentLogger, stderrLogger, type LogFields, type Logger } from '../../lib/logger';
import { startDevServer, type DevServerHandle } from '../../lib/server';

const T = { timeout: 60_000 };

class Lines implements Logger {
  readonly lines: { level: string; msg: string; fields: LogFields | undefined }[] = [];
  constructor(readonly enabled?: (level: string) => boolean) {}
  debug(msg: string, fields?: LogFields): void {
    this.lines.push({ level: 'debug', msg, fields });
  }
  info(msg: string, fields?: LogFields): void {
    this.lines.push({ level: 'info', msg, fields });
  }
  warn(msg: string, fields?: LogFields): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
  error(msg: string, fields?: LogFields): void {
    this.lines.push({ level: 'error', msg, fields });
  }
  isLevelEnabled(level: string): boolean {
    return this.enabled ? this.enabled(level) : true;
  }
}

describe('logs(): whether a line can reach an output', () => {
  it('is false for our no-op methods and a missing method, true for a werelogs-shaped logger, and follows isLevelEnabled', () => {
    assert.equal(logs(silentLogger, 'debug'), false);
    assert.equal(logs(stderrLogger, 'debug'), false);
    assert.equal(logs(stderrLogger, 'warn'), true);
    const werelogsLike = { debug() {}, info() {}, warn() {}, error() {} };
    assert.equal(logs(werelogsLike, 'debug'), true);
    assert.equal(logs(werelogsLike, 'trace'), false);
    assert.equal(logs(new Lines((l) => l !== 'debug'), 'debug'), false);
    assert.equal(logs(new Lines((l) => l !== 'debug'), 'info'), true);
    const broken = Object.assign(new Lines(), {
      isLevelEnabled(): boolean {
        throw new Error('broken');
      },
    });
    assert.equal(logs(broken, 'debug'), true);
  });
});

describe('KmipBackend per-call debug line', () => {
  let dev: DevServerHandle;
  let backend: KmipBackend;
  let keyId: string;

  before(async () => {
    dev = await startDevServer({ logger: silentLogger });
    backend = new KmipBackend({
      kmip: {
        providerName: 'kmip',
        client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
        transport: {
          pipelineDepth: 8,
          tls: {
            host: dev.host,
            port: dev.port,
            key: fs.readFileSync(dev.clientKeyPath),
            cert: fs.readFileSync(dev.clientCertPath),
            ca: [fs.readFileSync(dev.caPath)],
          },
        },
      },
      logger: silentLogger,
    });
    keyId = (await backend.createKey('bucket')).keyId;
  });
  after(async () => {
    await backend?.close();
    await dev?.close();
  });

  const cipher = (log: Logger): Promise<Buffer> =>
    new Promise((resolve, reject) => backend.cipherDataKey(1, keyId, Buffer.alloc(32, 9), log, (err, b) => (err ? reject(err) : resolve(b))));

  it('reaches a logger that prints debug, with the key id and the elapsed time', T, async () => {
    const log = new Lines();
    await cipher(log);
    const line = log.lines.find((l) => l.msg === 'KMIP cipherDataKey done');
    assert.ok(line, 'debug line logged');
    assert.equal(line.level, 'debug');
    assert.equal(line.fields?.['keyId'], keyId);
    assert.equal(typeof line.fields?.['elapsedMs'], 'number');
  });

  it('is not built for a logger whose isLevelEnabled refuses debug', T, async () => {
    const log = new Lines((l) => l !== 'debug');
    await cipher(log);
    assert.deepEqual(log.lines, []);
  });

  it('failures are still logged at error level with the elapsed time', T, async () => {
    const log = new Lines((l) => l !== 'debug');
    await assert.rejects(
      new Promise((resolve, reject) => backend.cipherDataKey(2, keyId, Buffer.alloc(32), log, (err, b) => (err ? reject(err) : resolve(b)))),
    );
    const line = log.lines.find((l) => l.level === 'error');
    assert.ok(line && /cipherDataKey failed/.test(line.msg));
    assert.equal(line.fields?.['keyId'], keyId);
    assert.equal(typeof line.fields?.['elapsedMs'], 'number');
  });
});
