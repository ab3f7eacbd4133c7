/**
 * The OASIS profile test cases of the profiles the dev server claims, replayed
 * against it (tests/server/oasis/replay.ts): every case of SKLC, CS-BC, SKFF,
 * TL and CS-RNG in shared/vectors/oasis (KMIP 1.2 and 1.3) passes, or is listed
 * in lib/server/README.md's "not claimed" table with its reason (such a case is
 * still replayed, and must still fail: a case that starts passing leaves the
 * table). Plus the comparator's own test: mutated copies of passing cases fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KmipDevServer } from '../../lib/server';
import type { TestPki } from '../support/certs';
import { T, makePki, startServer } from './helpers';
import { replayCase } from './oasis/replay';

const PROFILES = /^(SKLC|CS-BC|CS_BC|SKFF|TL|CS-RNG)[-_]/;
const VERSIONS = ['v1.2', 'v1.3'] as const;

function oasisDir(): string | undefined {
  let dir = path.resolve(__dirname);
  for (;;) {
    for (const cand of [path.join(dir, 'shared', 'vectors', 'oasis'), path.resolve(dir, '..', 'shared', 'vectors', 'oasis')]) {
      if (fs.existsSync(path.join(cand, 'v1.3'))) return cand;
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function serverReadme(): string {
  let dir = path.resolve(__dirname);
  for (;;) {
    const p = path.join(dir, 'lib', 'server', 'README.md');
    if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8');
    const up = path.dirname(dir);
    if (up === dir) throw new Error('lib/server/README.md not found');
    dir = up;
  }
}

/** `case -> reason` from the README's "not claimed" table (rows `| v1.3/NAME | reason |`). */
function notClaimed(): Map<string, string> {
  const text = serverReadme();
  const start = text.indexOf('### Not claimed');
  assert.ok(start >= 0, 'lib/server/README.md has no "### Not claimed" section');
  const out = new Map<string, string>();
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    const m = /^\|\s*`?(v1\.[23]\/[^|`]+?)`?\s*\|\s*(.+?)\s*\|$/.exec(line);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}

const DIR = oasisDir();
const CASES: Array<{ id: string; file: string }> = [];
if (DIR !== undefined) {
  for (const v of VERSIONS) {
    for (const f of fs.readdirSync(path.join(DIR, v)).sort()) {
      if (f.endsWith('.xml') && PROFILES.test(f)) CASES.push({ id: `${v}/${f.replace(/\.xml$/, '')}`, file: path.join(DIR, v, f) });
    }
  }
}

let pki: TestPki;
before(async () => {
  pki = await makePki('oasis');
});

/** Each case on a fresh server (so a case never sees another's objects). */
async function replayFresh(xml: string): Promise<string[]> {
  const server: KmipDevServer = await startServer(pki);
  try {
    return (await replayCase(server, pki, xml)).diffs;
  } finally {
    await server.close();
  }
}

describe('OASIS profile test cases replayed against the dev server', () => {
  const skipped = notClaimed();
  after(() => undefined);

  it('finds the shared OASIS vectors and the cases of the claimed profiles', () => {
    assert.ok(DIR !== undefined, 'shared/vectors/oasis not found next to the worktree');
    assert.ok(CASES.length > 60, `only ${CASES.length} cases found`);
    for (const id of skipped.keys()) assert.ok(CASES.some((c) => c.id === id), `the not-claimed table names ${id}, which is not a case of the claimed profiles`);
  });

  for (const c of CASES) {
    const reason = skipped.get(c.id);
    if (reason === undefined) {
      it(`${c.id} passes`, T, async () => {
        const diffs = await replayFresh(fs.readFileSync(c.file, 'utf8'));
        assert.deepEqual(diffs, [], `${c.id}:\n  ${diffs.join('\n  ')}`);
      });
    } else {
      it(`${c.id} is not claimed (${reason}) and still fails`, T, async () => {
        const diffs = await replayFresh(fs.readFileSync(c.file, 'utf8'));
        assert.notDeepEqual(diffs, [], `${c.id} now passes: remove it from the not-claimed table of lib/server/README.md`);
      });
    }
  }
});

describe('the replay comparator catches real differences (mutated copies of passing cases fail)', () => {
  const read = (v: string, f: string): string => fs.readFileSync(path.join(DIR ?? '.', v, f), 'utf8');

  /** Replaces the `nth` occurrence (0-based) of `from` in `text`. */
  function mutate(text: string, from: string, to: string, nth = 0): string {
    let at = -1;
    for (let i = 0; i <= nth; i++) {
      at = text.indexOf(from, at + 1);
      assert.ok(at >= 0, `"${from}" occurs fewer than ${nth + 1} times`);
    }
    return text.slice(0, at) + to + text.slice(at + from.length);
  }

  const MUTATIONS: Array<{ name: string; file: [string, string]; from: string; to: string; nth?: number; expect: RegExp }> = [
    {
      name: 'an expected State changed (Pre-Active -> Active)',
      file: ['v1.3', 'SKLC-M-1-13.xml'],
      from: 'value="PreActive"',
      to: 'value="Active"',
      expect: /AttributeValue|no match/,
    },
    {
      name: 'expected ciphertext under a known key changed by one byte',
      file: ['v1.3', 'CS-BC-M-4-13.xml'],
      from: 'value="d9bcce11b0b437b90239552df3a360c9"',
      to: 'value="d9bcce11b0b437b90239552df3a360c8"',
      expect: /Data: expected d9bcce11b0b437b90239552df3a360c8/,
    },
    {
      name: 'an expected success turned into a failure',
      file: ['v1.3', 'SKLC-M-1-13.xml'],
      from: '<ResultStatus type="Enumeration" value="Success"/>',
      to: '<ResultStatus type="Enumeration" value="OperationFailed"/>',
      nth: 2,
      expect: /ResultStatus: expected 1, got 0|children/,
    },
    {
      name: 'an expected Result Reason changed (Permission Denied -> Item Not Found)',
      file: ['v1.3', 'SKLC-M-2-13.xml'],
      from: 'value="PermissionDenied"',
      to: 'value="ItemNotFound"',
      expect: /ResultReason/,
    },
    {
      name: 'an expected attribute removed from an answer',
      file: ['v1.3', 'SKLC-M-1-13.xml'],
      from: '<Attribute>\n        <AttributeName type="TextString" value="Cryptographic Length"/>\n        <AttributeValue type="Integer" value="256"/>\n      </Attribute>',
      to: '',
      expect: /expected \d+ children/,
    },
    {
      name: 'an expected date moved by a day ($NOW -> $NOW+86400)',
      file: ['v1.3', 'SKLC-M-1-13.xml'],
      from: '<AttributeValue type="DateTime" value="$NOW"/>',
      to: '<AttributeValue type="DateTime" value="$NOW+86400"/>',
      expect: /no match|\$NOW\+86400/,
    },
    {
      name: 'an expected plaintext changed (Decrypt under a known key)',
      file: ['v1.3', 'CS-BC-M-5-13.xml'],
      from: 'value="01020304050607080910111213141516"/>\n    </ResponsePayload>',
      to: 'value="01020304050607080910111213141517"/>\n    </ResponsePayload>',
      expect: /Data: expected 01020304050607080910111213141517/,
    },
  ];

  for (const m of MUTATIONS) {
    it(`${m.file.join('/')}: ${m.name}`, T, async () => {
      const original = read(...m.file);
      const diffs = await replayFresh(mutate(original, m.from, m.to, m.nth));
      assert.ok(diffs.length > 0, 'the mutated case passed');
      assert.match(diffs.join('\n'), m.expect);
    });
  }
});
