/**
 * The key-affinity map (bounded, entries expire) and the latency window behind
 * stats(): pure data structures, driven with explicit clocks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyAffinity } from '../../lib/transport/affinity';
import { LatencyWindow } from '../../lib/transport/host-stats';
import { SESSION_EXPIRY, sessionExpiry } from '../../lib/transport/session-expiry';

describe('key affinity map', () => {
  it('remembers the host a key was created on until its entry expires', () => {
    const m = new KeyAffinity<string>(10, 1000);
    m.remember('k1', 'a', 0);
    assert.equal(m.hostFor('k1', 999), 'a');
    assert.equal(m.hostFor('k1', 1000), undefined);
    assert.equal(m.size, 0, 'an expired entry is dropped when looked up');
    assert.equal(m.hostFor('other', 0), undefined);
  });

  it('holds at most maxKeys entries, dropping the oldest first', () => {
    const m = new KeyAffinity<string>(3, 60_000);
    for (let i = 0; i < 5; i++) m.remember(`k${i}`, `h${i}`, i);
    assert.equal(m.size, 3);
    assert.equal(m.hostFor('k0', 10), undefined);
    assert.equal(m.hostFor('k1', 10), undefined);
    assert.deepEqual(['k2', 'k3', 'k4'].map((k) => m.hostFor(k, 10)), ['h2', 'h3', 'h4']);
  });

  it('expired entries are pruned as new ones arrive (no growth from old keys)', () => {
    const m = new KeyAffinity<string>(1000, 100);
    for (let i = 0; i < 500; i++) m.remember(`k${i}`, 'a', i * 10);
    assert.ok(m.size <= 11, `size ${m.size}`);
  });

  it('a ttl of 0 turns it off', () => {
    const m = new KeyAffinity<string>(10, 0);
    m.remember('k', 'a', 0);
    assert.equal(m.size, 0);
    assert.equal(m.hostFor('k', 0), undefined);
  });
});

describe('latency window', () => {
  it('p50 and p99 of the last minute, within a bin (about ±10 %)', () => {
    const w = new LatencyWindow();
    const t0 = 1_000_000;
    for (let i = 1; i <= 1000; i++) w.add(i / 10, t0 + i); // 0.1 .. 100 ms
    const p = w.percentiles(t0 + 2000);
    assert.equal(p.samples, 1000);
    assert.ok(p.p50! >= 50 && p.p50! <= 50 * 1.2, `p50 ${p.p50}`);
    assert.ok(p.p99! >= 99 && p.p99! <= 99 * 1.2, `p99 ${p.p99}`);
  });

  it('forgets samples older than a minute; none gives null', () => {
    const w = new LatencyWindow();
    assert.deepEqual(w.percentiles(0), { p50: null, p99: null, samples: 0 });
    w.add(5, 10_000);
    assert.equal(w.percentiles(10_500).samples, 1);
    assert.equal(w.percentiles(10_000 + 61_000).samples, 0);
    w.add(7, 10_000 + 61_000);
    assert.equal(w.percentiles(10_000 + 61_000).samples, 1);
  });
});

describe('session-expiry table', () => {
  const item = (reason: number, message?: string) => ({ operation: 0x1f, id: undefined, status: 1, reason, message, payload: undefined });

  it('Thales "Token has been revoked" (General Failure) matches, for any operation', () => {
    const e = sessionExpiry([item(0x100, '[NCERRUnauthorizedAccess]: Token has been revoked')]);
    assert.ok(e);
    assert.equal(e.anyOperation, true);
    assert.match(e.vendor, /CipherTrust/);
  });

  it('Authentication Not Successful matches, idempotent requests only', () => {
    const e = sessionExpiry([item(0x03)]);
    assert.ok(e);
    assert.equal(e.anyOperation, false);
  });

  it('other failures do not match', () => {
    assert.equal(sessionExpiry([item(0x100, 'token bucket exhausted')]), undefined);
    assert.equal(sessionExpiry([item(0x01, 'Token has been revoked')]), undefined);
    assert.equal(sessionExpiry([{ ...item(0x100), status: 0 }]), undefined);
    assert.ok(SESSION_EXPIRY.length >= 2);
  });
});
