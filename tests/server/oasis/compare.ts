/**
 * Structural comparison of an OASIS test case's expected Response Message with
 * the dev server's actual one, binding placeholders as it goes.
 *
 * Compared exactly: every tag, type and value, the order of children, the
 * counts — except what legitimately varies from one server to another:
 * - placeholders: `$UNIQUE_IDENTIFIER_n` (text) binds to the actual id the first
 *   time it is met, and must equal it afterwards; other `$NAME` text or byte
 *   values bind the same way;
 * - dates given as `$NOW±n` (the expected tree is parsed with `$NOW` = SENTINEL)
 *   must fall within the case's run time (+n), with a few seconds of slack;
 * - Result Message text (its presence too), the Time Stamp, the contents of
 *   Server Information and the Vendor Identification;
 * - key material and digests of keys the server generated (same length), and
 *   Data the runner verifies itself (ciphertext under a server-generated key or
 *   IV: the runner decrypts it back; random bytes: length only);
 * - order of attributes in Get Attributes / Get Attribute List answers (the
 *   specification does not order them), and Query answers, where the server
 *   may announce more than the expected list (every expected item must be there).
 */
import { Operation } from '../../../lib/kmip/enums';
import { tagName, Tag } from '../../../lib/kmip/tags';
import type { TtlvItem } from '../../../lib/ttlv';

/** `$NOW` when parsing expected responses: far from any real clock, so `$NOW±n` dates are recognisable. */
export const SENTINEL = 1n << 40n;
const SENTINEL_RANGE = 10n * 365n * 86400n;

export interface Bindings {
  /** `$NAME` -> bound value. */
  readonly values: Map<string, string | Buffer>;
}

export interface CompareOptions {
  /** Seconds: when the case started and now. */
  readonly startedSec: bigint;
  readonly nowSec: bigint;
  /** Actual ids of objects the server generated (their key material varies). */
  readonly generated: ReadonlySet<string>;
  /** Per batch item index: Data (and IV/Counter/Nonce) the runner verifies itself. */
  readonly skipData: ReadonlySet<number>;
  readonly dateSlackSec?: bigint;
}

const SENSITIVE = new Set<number>([Tag.KeyMaterial, Tag.Key]);
const UNORDERED_OPS = new Set(['GetAttributes', 'GetAttributeList']);

function show(item: TtlvItem): string {
  if (item.type === 0x01) return `Structure(${item.value.length})`;
  if (item.type === 0x08) return SENSITIVE.has(item.tag) ? `<${item.value.length} bytes>` : item.value.toString('hex');
  return String(item.value);
}

class Cmp {
  readonly diffs: string[] = [];
  constructor(
    readonly b: Map<string, string | Buffer>,
    readonly o: CompareOptions,
  ) {}

  fork(): Cmp {
    return new Cmp(new Map(this.b), this.o);
  }

  item(e: TtlvItem, a: TtlvItem, path: string, ctx: { generated: boolean; skipData: boolean; op: string | undefined }): void {
    const here = `${path}/${tagName(e.tag)}`;
    if (e.tag !== a.tag) {
      this.diffs.push(`${here}: expected tag ${tagName(e.tag)}, got ${tagName(a.tag)}`);
      return;
    }
    if (e.type !== a.type) {
      this.diffs.push(`${here}: expected type 0x${e.type.toString(16)}, got 0x${a.type.toString(16)}`);
      return;
    }
    if (e.tag === Tag.ServerInformation || e.tag === Tag.VendorIdentification || e.tag === Tag.TimeStamp) return;
    if (e.type === 0x01 && a.type === 0x01) {
      this.children(e.value, a.value, here, ctx);
      return;
    }
    // Placeholders.
    if (e.type === 0x07 && a.type === 0x07 && e.value.startsWith('$')) {
      this.bind(e.value, a.value, here);
      return;
    }
    if (e.type === 0x08 && a.type === 0x08 && /^\$[A-Z_0-9]+$/.test(e.value.toString('utf8'))) {
      this.bind(e.value.toString('utf8'), a.value, here);
      return;
    }
    if ((e.type === 0x09 || e.type === 0x0b) && (a.type === 0x09 || a.type === 0x0b)) {
      const scale = e.type === 0x0b ? 1_000_000n : 1n;
      const ev = e.value / scale;
      const av = a.value / scale;
      if (ev > SENTINEL - SENTINEL_RANGE && ev < SENTINEL + SENTINEL_RANGE) {
        const off = ev - SENTINEL;
        const slack = this.o.dateSlackSec ?? 5n;
        if (av < this.o.startedSec + off - slack || av > this.o.nowSec + off + slack) {
          this.diffs.push(`${here}: expected $NOW${off >= 0n ? '+' : ''}${off} (during the case), got ${av} (case ran ${this.o.startedSec}..${this.o.nowSec})`);
        }
        return;
      }
      if (ev !== av) this.diffs.push(`${here}: expected ${ev}, got ${av}`);
      return;
    }
    if (e.type === 0x08 && a.type === 0x08) {
      const varies =
        (ctx.generated && (e.tag === Tag.KeyMaterial || e.tag === Tag.Key || e.tag === Tag.DigestValue)) ||
        (ctx.skipData && (e.tag === Tag.Data || e.tag === Tag.IVCounterNonce || e.tag === Tag.AuthenticatedEncryptionTag));
      if (varies) {
        if (e.value.length !== a.value.length && e.tag !== Tag.Data && e.tag !== Tag.IVCounterNonce) {
          this.diffs.push(`${here}: expected ${e.value.length} bytes, got ${a.value.length}`);
        }
        return;
      }
      if (!e.value.equals(a.value)) this.diffs.push(`${here}: expected ${show(e)}, got ${show(a)}`);
      return;
    }
    if (e.value !== a.value) this.diffs.push(`${here}: expected ${show(e)}, got ${show(a)}`);
  }

  bind(name: string, actual: string | Buffer, here: string): void {
    const bound = this.b.get(name);
    if (bound === undefined) {
      this.b.set(name, actual);
      return;
    }
    const same = typeof bound === 'string' ? bound === actual : Buffer.isBuffer(actual) && bound.equals(actual);
    if (!same) this.diffs.push(`${here}: ${name} is bound to ${String(bound)}, got ${String(actual)}`);
  }

  children(e0: readonly TtlvItem[], a0: readonly TtlvItem[], path: string, ctx0: { generated: boolean; skipData: boolean; op: string | undefined }): void {
    const e = e0.filter((c) => c.tag !== Tag.ResultMessage);
    const a = a0.filter((c) => c.tag !== Tag.ResultMessage);
    let ctx = ctx0;
    const opItem = e.find((c) => c.tag === Tag.Operation && c.type === 0x05);
    if (path.endsWith('/BatchItem') && opItem !== undefined) {
      const aOp = a.find((c) => c.tag === Tag.Operation);
      ctx = { ...ctx, op: aOp === undefined ? undefined : String(opName(aOp)) };
    }
    if (path.endsWith('/ResponsePayload')) {
      const uid = a.find((c) => c.tag === Tag.UniqueIdentifier);
      const generated = uid !== undefined && uid.type === 0x07 && this.o.generated.has(uid.value);
      ctx = { ...ctx, generated };
      if (ctx.op === 'Query') {
        this.superset(e, a, path, ctx);
        return;
      }
      if (ctx.op !== undefined && UNORDERED_OPS.has(ctx.op)) {
        this.unordered(e, a, path, ctx);
        return;
      }
    }
    if (e.length !== a.length) {
      this.diffs.push(`${path}: expected ${e.length} children (${e.map((c) => tagName(c.tag)).join(', ')}), got ${a.length} (${a.map((c) => tagName(c.tag)).join(', ')})`);
      return;
    }
    for (let i = 0; i < e.length; i++) this.item(e[i]!, a[i]!, path, ctx);
  }

  /** Each expected child matches a distinct actual child, in any order; no child left over. */
  unordered(e: readonly TtlvItem[], a: readonly TtlvItem[], path: string, ctx: { generated: boolean; skipData: boolean; op: string | undefined }): void {
    if (e.length !== a.length) {
      this.diffs.push(`${path}: expected ${e.length} children (${e.map(label).join(', ')}), got ${a.length} (${a.map(label).join(', ')})`);
      return;
    }
    this.matchAll(e, a, path, ctx);
  }

  /** Each expected child matches a distinct actual child; the actual may hold more. */
  superset(e: readonly TtlvItem[], a: readonly TtlvItem[], path: string, ctx: { generated: boolean; skipData: boolean; op: string | undefined }): void {
    this.matchAll(e, a, path, ctx);
  }

  matchAll(e: readonly TtlvItem[], a: readonly TtlvItem[], path: string, ctx: { generated: boolean; skipData: boolean; op: string | undefined }): void {
    const used = new Set<number>();
    for (const x of e) {
      let found = -1;
      for (let i = 0; i < a.length && found < 0; i++) {
        if (used.has(i)) continue;
        const trial = this.fork();
        trial.item(x, a[i]!, path, ctx);
        if (trial.diffs.length === 0) {
          found = i;
          for (const [k, v] of trial.b) this.b.set(k, v);
        }
      }
      if (found < 0) this.diffs.push(`${path}: no match for expected ${label(x)} among ${a.map(label).join(', ')}`);
      else used.add(found);
    }
  }
}

function opName(item: TtlvItem): string {
  return item.type === 0x05 ? (OP_NAMES.get(item.value) ?? String(item.value)) : '?';
}

const OP_NAMES = new Map<number, string>([
  [Operation.GetAttributes, 'GetAttributes'],
  [Operation.GetAttributeList, 'GetAttributeList'],
  [Operation.Query, 'Query'],
]);

function label(x: TtlvItem): string {
  if (x.tag === Tag.Attribute && x.type === 0x01) {
    const n = x.value.find((c) => c.tag === Tag.AttributeName);
    return `Attribute "${n !== undefined && n.type === 0x07 ? n.value : '?'}"`;
  }
  return `${tagName(x.tag)}=${show(x)}`;
}

/**
 * Compares an expected Response Message with the actual one, batch item by
 * batch item; returns the differences (empty = match). Bindings made are kept.
 */
export function compareItems(expected: TtlvItem, actual: TtlvItem, bindings: Bindings, opts: CompareOptions): string[] {
  const c = new Cmp(bindings.values, opts);
  if (expected.type !== 0x01 || actual.type !== 0x01 || expected.tag !== actual.tag) {
    c.item(expected, actual, '', { generated: false, skipData: false, op: undefined });
    return c.diffs;
  }
  const eItems = expected.value.filter((x) => x.tag === Tag.BatchItem);
  const aItems = actual.value.filter((x) => x.tag === Tag.BatchItem);
  const eRest = expected.value.filter((x) => x.tag !== Tag.BatchItem);
  const aRest = actual.value.filter((x) => x.tag !== Tag.BatchItem);
  const root = `/${tagName(expected.tag)}`;
  c.children(eRest, aRest, root, { generated: false, skipData: false, op: undefined });
  if (eItems.length !== aItems.length) {
    c.diffs.push(`${root}: expected ${eItems.length} batch items, got ${aItems.length}`);
    return c.diffs;
  }
  eItems.forEach((e, i) => {
    const before = c.diffs.length;
    c.item(e, aItems[i]!, root, { generated: false, skipData: opts.skipData.has(i), op: undefined });
    const a = aItems[i]!;
    const msg = a.type === 0x01 ? a.value.find((x) => x.tag === Tag.ResultMessage) : undefined;
    if (c.diffs.length > before && msg !== undefined && msg.type === 0x07) c.diffs.push(`${root}/BatchItem[${i}]: the server said "${msg.value}"`);
  });
  return c.diffs;
}
