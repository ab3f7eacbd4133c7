/**
 * Issue 9.1: nothing reached from a timer, a socket event or setImmediate may
 * let an exception escape. `tls.connect` throws synchronously on unusable
 * local TLS settings (`bad decrypt` for a wrong passphrase, `no cipher match`
 * for a bad cipher list); here it is stubbed to throw, bypassing whatever
 * validation the constructor does, so that the transport's own guard is what
 * is tested: the process must not crash, the request fails with a typed error
 * naming the likely setting, and the host is used again once connect works.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { KmipError } from '../../lib/errors';
import { assertCipher, dataFor, fileSetup, harnessFor, OP, settle, sleep } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

// The transport reaches `tls.connect` through the module object (a getter in
// the compiled CommonJS), so replacing it here is seen there.
const tlsModule = require('node:tls') as { connect: typeof tls.connect };

/** Makes tls.connect throw `message` for the next `times` calls; restores it after the test. */
function connectThrows(t: { after(fn: () => void): void }, message: string, times: number): { calls: () => number } {
  const real = tlsModule.connect;
  let calls = 0;
  tlsModule.connect = ((...args: Parameters<typeof tls.connect>) => {
    calls++;
    if (calls <= times) throw new Error(message);
    return real(...args);
  }) as typeof tls.connect;
  t.after(() => {
    tlsModule.connect = real;
  });
  return { calls: () => calls };
}

/** Records uncaught exceptions during the test (the runner would otherwise only crash or blame another test). */
function trapUncaught(t: { after(fn: () => void): void }): unknown[] {
  const seen: unknown[] = [];
  const on = (err: unknown): void => {
    seen.push(err);
  };
  process.on('uncaughtException', on);
  t.after(() => {
    process.off('uncaughtException', on);
  });
  return seen;
}

describe('tls.connect throwing is a connection failure of that host (issue 9.1)', () => {
  for (const [label, message, hint] of [
    ['a cipher list OpenSSL rejects', 'error:0A0000B9:SSL routines::no cipher match', /ciphers/],
    ['an encrypted key with a wrong passphrase', 'error:1C800064:Provider routines::bad decrypt', /passphrase/],
  ] as const) {
    it(`${label}: no crash, the request fails with a typed error naming the setting`, async (t) => {
      const h = harness(t);
      const srv = await h.server();
      const uncaught = trapUncaught(t);
      const stub = connectThrows(t, message, Infinity);
      const c = h.client([srv], { queueTimeoutMs: 2000 });
      const s = await settle(c.encrypt('k', dataFor(1)));
      assert.equal(s.ok, false);
      assert.ok(s.error instanceof KmipError, `not a KmipError: ${String(s.error)}`);
      assert.match(s.error.message, hint);
      assert.ok(s.error.message.includes(message), s.error.message);
      assert.ok(stub.calls() >= 1);
      // Later requests too (from the pump's setImmediate and from the sweep timer), without a crash.
      for (let i = 0; i < 3; i++) {
        const again = await settle(c.encrypt('k', dataFor(i)));
        assert.ok(again.error instanceof KmipError, String(again.error));
        await sleep(60);
      }
      await sleep(100);
      assert.deepEqual(uncaught.map(String), []);
      assert.equal(srv.tcpConnections, 0);
    });
  }

  it('once tls.connect works again, the host is used again', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const uncaught = trapUncaught(t);
    connectThrows(t, 'error:0A0000B9:SSL routines::no cipher match', 2);
    const c = h.client([srv]);
    const deadline = Date.now() + 5000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      const d = dataFor(7);
      const s = await settle(c.encrypt('k', d));
      if (s.ok) {
        assertCipher(s.value!, OP.Encrypt, 'k', d);
        ok = true;
      } else {
        assert.ok(s.error instanceof KmipError, String(s.error));
        await sleep(50);
      }
    }
    assert.ok(ok, 'the host never came back');
    assert.deepEqual(uncaught.map(String), []);
  });
});
