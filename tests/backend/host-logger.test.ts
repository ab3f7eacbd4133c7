/**
 * The module-level logger: given one, else the host's werelogs (resolved from
 * the host's folder like its arsenal), else stderr.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pickModuleLogger, resolveHostLogger } from '../../lib/backend/host-logger';
import { stderrLogger } from '../../lib/logger';

describe('module logger', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-host-logger-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uses a stand-in host werelogs Logger when the host has one', () => {
    const mod = path.join(dir, 'node_modules', 'werelogs');
    fs.mkdirSync(mod, { recursive: true });
    fs.writeFileSync(path.join(mod, 'package.json'), JSON.stringify({ name: 'werelogs', version: '8.0.0', main: 'index.js' }));
    fs.writeFileSync(
      path.join(mod, 'index.js'),
      `class Logger { constructor(name) { this.name = name; this.lines = []; }
         trace(m, f) { this.lines.push(['trace', m, f]); } debug(m, f) { this.lines.push(['debug', m, f]); }
         info(m, f) { this.lines.push(['info', m, f]); } warn(m, f) { this.lines.push(['warn', m, f]); }
         error(m, f) { this.lines.push(['error', m, f]); } fatal(m, f) { this.lines.push(['fatal', m, f]); } }
       module.exports = { Logger };`,
    );
    const l = resolveHostLogger('KmipKms', [dir]) as unknown as { name: string; lines: unknown[][]; warn(m: string): void };
    assert.ok(l, 'resolved');
    assert.equal(l.name, 'KmipKms');
    l.warn('hello');
    assert.deepEqual(l.lines[0]!.slice(0, 2), ['warn', 'hello']);
  });

  it('falls back to stderr without werelogs, and prefers a given logger', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-no-werelogs-'));
    try {
      assert.equal(resolveHostLogger('KmipKms', [empty]), undefined);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    const given = { debug() {}, info() {}, warn() {}, error() {} };
    assert.equal(pickModuleLogger(given), given);
    assert.ok(pickModuleLogger(undefined) === stderrLogger || typeof pickModuleLogger(undefined).warn === 'function');
  });
});
