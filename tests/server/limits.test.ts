/**
 * The dev server's limits (issue 9, item 7): idle timeout, read timeout
 * (slowloris), connection cap, per-connection buffered-bytes cap, and the data
 * file's hygiene at start (stale temporary files removed, mode 0600).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ops from '../../lib/kmip/operations';
import { Operation } from '../../lib/kmip/enums';
import { requestMessage } from '../../lib/kmip/protocol';
import { Tag } from '../../lib/kmip/tags';
import type { KmipDevServer } from '../../lib/server';
import { encode, type TtlvItem } from '../../lib/ttlv';
import type { TestPki } from '../support/certs';
import { RawClient, T, V14, batchId, item, makePki, startServer, tmpDir } from './helpers';

let pki: TestPki;
before(async () => {
  pki = await makePki('limits');
});

const servers: KmipDevServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function server(extra: Parameters<typeof startServer>[1]): Promise<KmipDevServer> {
  const s = await startServer(pki, extra);
  servers.push(s);
  return s;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves true when `p` settles within `ms`, false otherwise. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), ms)))]);
  clearTimeout(timer);
  return r;
}

const queryBytes = (): Buffer => encode(requestMessage(V14, [item(ops.query([1]), V14)]));

function rngRetrieve(n: number): TtlvItem {
  const s = (tag: number, value: TtlvItem[]): TtlvItem => ({ tag, type: 0x01, value });
  return s(Tag.RequestMessage, [
    s(Tag.RequestHeader, [
      s(Tag.ProtocolVersion, [
        { tag: Tag.ProtocolVersionMajor, type: 0x02, value: 1 },
        { tag: Tag.ProtocolVersionMinor, type: 0x02, value: 4 },
      ]),
      { tag: Tag.BatchCount, type: 0x02, value: 1 },
    ]),
    s(Tag.BatchItem, [
      { tag: Tag.Operation, type: 0x05, value: Operation.RNGRetrieve },
      { tag: Tag.UniqueBatchItemID, type: 0x08, value: batchId() },
      s(Tag.RequestPayload, [{ tag: Tag.DataLength, type: 0x02, value: n }]),
    ]),
  ]);
}

describe('dev server limits', () => {
  it('idle timeout: a connection with no traffic is closed; one with traffic is kept', T, async () => {
    const s = await server({ idleTimeoutMs: 400 });
    const idle = await RawClient.connect(s, pki);
    const busy = await RawClient.connect(s, pki);
    for (let i = 0; i < 6; i++) {
      busy.write(queryBytes());
      await busy.next();
      await sleep(150);
    }
    assert.equal(busy.ended, false, 'a connection with traffic every 150 ms was closed');
    assert.ok(await within(idle.closed, 5000), 'the idle connection is still open after 5 s');
    busy.close();
  });

  it('read timeout: a client trickling one request byte by byte (slowloris) is closed', T, async () => {
    const s = await server({ readTimeoutMs: 500, idleTimeoutMs: 0 });
    const raw = await RawClient.connect(s, pki);
    const bytes = queryBytes();
    let i = 0;
    const timer = setInterval(() => {
      if (i < bytes.length - 1 && !raw.ended) raw.write(bytes.subarray(i, ++i));
    }, 50);
    try {
      assert.ok(await within(raw.closed, 5000), 'the trickling connection is still open after 5 s');
    } finally {
      clearInterval(timer);
      raw.close();
    }
  });

  it('read timeout: a client sending whole messages back to back for longer than the timeout is kept', T, async () => {
    const s = await server({ readTimeoutMs: 300, idleTimeoutMs: 0 });
    const raw = await RawClient.connect(s, pki);
    const bytes = queryBytes();
    // Each write ends in the middle of a message: there is always a partial one, but each completes.
    const half = Math.floor(bytes.length / 2);
    raw.write(bytes.subarray(0, half));
    for (let k = 0; k < 10; k++) {
      await sleep(100);
      raw.write(Buffer.concat([bytes.subarray(half), bytes.subarray(0, half)]));
      await raw.next();
    }
    assert.equal(raw.ended, false);
    raw.close();
  });

  it('connection cap: beyond maxConnections, new connections are closed; a freed slot is reusable', T, async () => {
    const s = await server({ maxConnections: 2 });
    const a = await RawClient.connect(s, pki);
    const b = await RawClient.connect(s, pki);
    await assert.rejects(RawClient.connect(s, pki), 'a third connection was accepted');
    a.close();
    await a.closed;
    await sleep(100);
    const c = await RawClient.connect(s, pki);
    c.write(queryBytes());
    await c.next();
    b.close();
    c.close();
  });

  it('buffered-bytes cap: a client that does not read its answers holds at most about maxBufferedBytes; it gets every answer once it reads', T, async () => {
    const cap = 256 * 1024;
    const s = await server({ maxBufferedBytes: cap });
    const raw = await RawClient.connect(s, pki);
    raw.socket.pause();
    const n = 300;
    const size = 64 * 1024; // 300 x 64 KiB = 19 MiB of answers
    raw.write(Buffer.concat(Array.from({ length: n }, () => encode(rngRetrieve(size)))));
    let peak = 0;
    for (let k = 0; k < 20; k++) {
      await sleep(50);
      peak = Math.max(peak, s.stats.bufferedBytes);
    }
    assert.ok(peak <= cap + 2 * size + 65536, `the server held ${peak} bytes for one connection (cap ${cap})`);
    raw.socket.resume();
    for (let k = 0; k < n; k++) {
      const r = await raw.next(10_000);
      const data = r.msg.items[0]?.payload?.value.find((c) => c.tag === Tag.Data);
      assert.equal(data?.type === 0x08 ? data.value.length : -1, size);
    }
    raw.close();
  });
});

describe('dev server data file hygiene at start', () => {
  it('removes temporary data files left by a crashed writer (they hold key material in clear)', T, async () => {
    const dir = tmpDir('kmip-dev-stale-');
    const file = path.join(dir, 'keys.json');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = path.join(dir, `.keys.json.${dead}.3.0a1b2c3d.tmp`);
    const unrelated = path.join(dir, '.other.json.1.1.aa.tmp');
    fs.writeFileSync(stale, '{"objects":[{"material":"c2VjcmV0"}]}', { mode: 0o600 });
    fs.writeFileSync(unrelated, 'x');
    const s = await server({ dataFile: file });
    assert.equal(fs.existsSync(stale), false, 'the stale temporary file is still there');
    assert.equal(fs.existsSync(unrelated), true, 'a file of another data file was removed');
    await s.close();
  });

  it('a data file readable by others is set to mode 0600 at start', T, async () => {
    const dir = tmpDir('kmip-dev-mode-');
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(file, JSON.stringify({ format: 'kmip-kms-dev-server/1', objects: [] }));
    fs.chmodSync(file, 0o644);
    const s = await server({ dataFile: file });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    await s.close();
  });
});
