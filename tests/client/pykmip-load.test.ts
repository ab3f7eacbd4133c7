/**
 * Pipelining under load against a real PyKMIP 0.10 server (~200-300
 * Encrypt/s): every concurrent caller must get ITS answer, and no caller may
 * starve behind the others. Counts are kept modest for PyKMIP's throughput.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { pykmipSuite } from '../support/pykmip';
import { AES_CBC_PKCS5, Evidence, localAes256Cbc, percentile, suiteClient } from './pykmip-helpers';

const CONCURRENT = 500;
const CALLERS = 32;
const PER_CALLER = 10;
const DEPTH = 8;

pykmipSuite(
  'KmipClient x PyKMIP: pipelined load (depth 8)',
  (srv) => {
    const evidence = new Evidence();
    const logger = evidence.logger();
    // Generous queue/request deadlines: this suite tests answers and fairness, not timeouts
    // (other test files may run PyKMIP servers on the same CPUs at the same time).
    const client = suiteClient(srv, () => ({ pipelineDepth: DEPTH, queueTimeoutMs: 120_000, requestTimeoutMs: 60_000, logger }));
    let uid = '';
    let key: Buffer = Buffer.alloc(0);

    it('setup: an Active AES-256 key and its material (Get)', { timeout: 30_000 }, async () => {
      const c = client();
      uid = (await c.create()).uniqueIdentifier;
      await c.activate(uid);
      const g = await c.get(uid);
      assert.ok(g.keyMaterial);
      assert.equal(g.keyMaterial.length, 32);
      key = evidence.key(g.keyMaterial);
    });

    it(`${CONCURRENT} concurrent Encrypts: each caller gets the ciphertext of ITS plaintext`, { timeout: 180_000 }, async (t) => {
      assert.ok(uid, 'setup failed');
      const c = client();
      const jobs = Array.from({ length: CONCURRENT }, () => ({ pt: crypto.randomBytes(32), iv: crypto.randomBytes(16) }));
      assert.equal(new Set(jobs.map((j) => j.pt.toString('hex'))).size, CONCURRENT, 'plaintexts must be distinct');
      const started = process.hrtime.bigint();
      const results = await Promise.allSettled(
        jobs.map((j) => c.encrypt(uid, j.pt, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: j.iv })),
      );
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`#${i}: ${String(evidence.error(r.reason))}`] : []));
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} Encrypts failed`);
      let mismatched = 0;
      results.forEach((r, i) => {
        const j = jobs[i]!;
        const got = r.status === 'fulfilled' ? r.value.data : undefined;
        if (!got || !got.equals(localAes256Cbc(key, j.iv, j.pt))) mismatched++;
      });
      assert.equal(mismatched, 0, `${mismatched} callers got a ciphertext that is not the one of their plaintext`);
      t.diagnostic(`${CONCURRENT} concurrent Encrypts at depth ${DEPTH}: ${ms.toFixed(0)} ms, ${((CONCURRENT * 1000) / ms).toFixed(0)} Encrypt/s`);
    });

    it(`${CALLERS} callers x ${PER_CALLER} sequential Encrypts: correct answers, p50/p99 latency, no starvation`, { timeout: 180_000 }, async (t) => {
      assert.ok(uid, 'setup failed');
      const c = client();
      const latencies: number[] = [];
      const perCallerMax: number[] = [];
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: CALLERS }, async (_unused, caller) => {
          let worst = 0;
          for (let n = 0; n < PER_CALLER; n++) {
            const pt = Buffer.concat([Buffer.from(`caller ${caller} req ${n} `), crypto.randomBytes(16)]);
            const iv = crypto.randomBytes(16);
            const t0 = process.hrtime.bigint();
            const r = await c.encrypt(uid, pt, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv });
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            latencies.push(ms);
            worst = Math.max(worst, ms);
            assert.deepEqual(r.data, localAes256Cbc(key, iv, pt), `caller ${caller} request ${n} got someone else's answer`);
          }
          perCallerMax[caller] = worst;
        }),
      );
      const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(latencies.length, CALLERS * PER_CALLER);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      const max = Math.max(...latencies);
      t.diagnostic(
        `${CALLERS}x${PER_CALLER} sequential Encrypts at depth ${DEPTH}: ${totalMs.toFixed(0)} ms total, ` +
          `${((CALLERS * PER_CALLER * 1000) / totalMs).toFixed(0)} Encrypt/s; latency p50 ${p50.toFixed(1)} ms, ` +
          `p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
      );
      // Sanity only (no timing claim): a request overtaken again and again by
      // later ones would show up as a p99 far beyond the median.
      assert.ok(p99 < 20 * p50 + 2000, `p99 ${p99.toFixed(1)} ms vs p50 ${p50.toFixed(1)} ms: a caller was starved`);
      assert.equal(perCallerMax.filter((x) => x !== undefined).length, CALLERS, 'every caller finished');
    });

    it('no error or log line contains key material; nothing was logged above info', { timeout: 10_000 }, () => {
      assert.ok(key.length === 32);
      for (const k of evidence.keys) for (const e of evidence.errors) assert.ok(!String(e).includes(k.toString('hex')));
      const loud = logger.lines.filter((l) => l.level === 'warn' || l.level === 'error');
      assert.deepEqual(loud, [], 'unexpected warnings during the load run');
      const text = logger.text();
      assert.ok(!text.includes(key.toString('hex')));
    });

    it('closes cleanly after the load', { timeout: 30_000 }, async () => {
      await client().close();
    });
  },
  { logLevel: 'INFO' },
);
