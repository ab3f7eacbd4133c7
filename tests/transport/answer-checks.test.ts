/**
 * Issue 9.2: answers are checked against their requests. A matched answer
 * whose batch item Operation (when present) is not the request's, whose
 * Unique Identifier (when present) is not the key asked for, whose header
 * carries another protocol version than the negotiated one, or a Create
 * answer without a non-empty Text String id, fails that request with
 * KmipProtocolError. Answers that omit the optional fields are accepted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KmipClient } from '../../lib/client';
import { KmipProtocolError } from '../../lib/errors';
import { Tag } from '../../lib/kmip/tags';
import { ttlv } from '../../lib/ttlv';
import { encodeResponse, type ResponseItemSpec } from '../support/fault-server';
import { assertCipher, assertKmipError, dataFor, fileSetup, harnessFor, OP, settle } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

/** The correct answer with its payload's Unique Identifier replaced. */
const withUid = (items: ResponseItemSpec[], uid: string): ResponseItemSpec[] =>
  items.map((it) => ({
    ...it,
    payload: (it.payload ?? []).map((p) => (p.tag === Tag.UniqueIdentifier ? ttlv.textString(Tag.UniqueIdentifier, uid) : p)),
  }));

describe('answers checked against their requests (issue 9.2)', () => {
  it('an Encrypt answered with Operation Decrypt: KmipProtocolError; the next request is answered normally', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => (req.uid === 'wrong-op' ? { items: ctx.defaultItems().map((it) => ({ ...it, operation: OP.Decrypt })) } : 'answer'),
    };
    const c = h.client([srv]);
    const e = assertKmipError(await settle(c.encrypt('wrong-op', dataFor(1))), KmipProtocolError, 'KMIP_PROTOCOL');
    assert.match(e.message, /Decrypt/);
    assert.match(e.message, /Encrypt/);
    const d = dataFor(2);
    assertCipher(await c.encrypt('fine', d), OP.Encrypt, 'fine', d);
  });

  it('an answer without Operation is accepted (the field is optional)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt) return 'answer';
        return { items: ctx.defaultItems().map(({ operation: _op, ...rest }) => rest) };
      },
    };
    const c = h.client([srv]);
    const d = dataFor(3);
    assertCipher(await c.encrypt('no-op-field', d), OP.Encrypt, 'no-op-field', d);
  });

  const calls: ReadonlyArray<[string, (c: KmipClient) => Promise<unknown>]> = [
    ['Encrypt', (c) => c.encrypt('asked', dataFor(1))],
    ['Decrypt', (c) => c.decrypt('asked', dataFor(1))],
    ['Activate', (c) => c.activate('asked')],
    ['Revoke', (c) => c.revoke('asked')],
    ['Destroy', (c) => c.destroy('asked')],
  ];
  for (const [name, call] of calls) {
    it(`${name} answered with another key's Unique Identifier: KmipProtocolError naming both`, async (t) => {
      const h = harness(t);
      const srv = await h.server();
      srv.script = { onRequest: (req, ctx) => (req.uid === 'asked' ? { items: withUid(ctx.defaultItems(), 'someone-else') } : 'answer') };
      const c = h.client([srv]);
      const e = assertKmipError(await settle(call(c)), KmipProtocolError, 'KMIP_PROTOCOL', name);
      assert.match(e.message, /someone-else/);
      assert.match(e.message, /asked/);
    });
  }

  it('an Encrypt answer without Unique Identifier is accepted (the field is optional there)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) =>
        req.operation === OP.Encrypt
          ? { items: ctx.defaultItems().map((it) => ({ ...it, payload: (it.payload ?? []).filter((p) => p.tag !== Tag.UniqueIdentifier) })) }
          : 'answer',
    };
    const c = h.client([srv]);
    const r = await c.encrypt('k', dataFor(4));
    assert.equal(r.uniqueIdentifier, undefined);
    assert.equal(r.data.length, dataFor(4).length);
  });

  it('a response header with another protocol version than the negotiated one: KmipProtocolError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => (req.uid === 'old-header' ? { raw: encodeResponse({ major: 1, minor: 3 }, ctx.defaultItems()) } : 'answer'),
    };
    const c = h.client([srv]);
    await c.query();
    assert.deepEqual(c.serverInfo?.version, { major: 2, minor: 0 });
    const e = assertKmipError(await settle(c.encrypt('old-header', dataFor(1))), KmipProtocolError, 'KMIP_PROTOCOL');
    assert.match(e.message, /1\.3/);
    assert.match(e.message, /2\.0/);
    const d = dataFor(2);
    assertCipher(await c.encrypt('fine', d), OP.Encrypt, 'fine', d);
  });

  for (const [label, payload] of [
    ['an empty Text String', [ttlv.enumeration(Tag.ObjectType, 2), ttlv.textString(Tag.UniqueIdentifier, '')]],
    ['a Byte String', [ttlv.enumeration(Tag.ObjectType, 2), ttlv.byteString(Tag.UniqueIdentifier, Buffer.from('fs-key-1'))]],
    ['no Unique Identifier at all', [ttlv.enumeration(Tag.ObjectType, 2)]],
  ] as const) {
    it(`Create answered with ${label} as id: KmipProtocolError`, async (t) => {
      const h = harness(t);
      const srv = await h.server();
      srv.script = {
        onRequest: (req, ctx) => (req.operation === OP.Create ? { items: ctx.defaultItems().map((it) => ({ ...it, payload: [...payload] })) } : 'answer'),
      };
      const c = h.client([srv]);
      assertKmipError(await settle(c.create()), KmipProtocolError, 'KMIP_PROTOCOL');
    });
  }
});
