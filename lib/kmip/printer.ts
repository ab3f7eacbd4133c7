/**
 * Renders a decoded TTLV message as an indented tree with tag names, types and
 * values, for debug logs and `kmip-kms inspect`. Secret-bearing values are
 * redacted: key material (and every value under it), every Byte String under
 * a Key Value, passwords and private key components, the Data of Encrypt
 * requests and of Decrypt responses. A batch item's operation is the one the
 * caller says it answers (`operations`), else its own Operation field
 * wherever it sits; a response batch item of unknown operation has every Byte
 * String of its payload redacted. `structureOnly` shows no Byte String at all.
 * IVs, ciphertexts and identifiers are shown otherwise.
 */
import { ITEM_TYPE_NAMES, type TtlvItem } from '../ttlv';
import { enumName, maskNames } from './enums';
import { Tag, formatTag, normalizeName, tagFromName, tagName } from './tags';

/** Tags whose value, and everything below them, is secret. */
const SECRET_TAGS: ReadonlySet<number> = new Set([
  Tag.KeyMaterial,
  Tag.Key,
  Tag.Password,
  Tag.CredentialValue,
  Tag.D,
  Tag.P,
  Tag.Q,
  Tag.X,
  Tag.PrivateExponent,
  Tag.PrimeExponentP,
  Tag.PrimeExponentQ,
  Tag.CRTCoefficient,
]);

export interface PrintOptions {
  /** Show secrets instead of redacting them. Default false; never use it for logs. */
  readonly showSecrets?: boolean;
  /** Indentation per level. Default two spaces. */
  readonly indent?: string;
  /**
   * The operation of each batch item, in message order, as its request asked
   * (the transport knows it once an answer is matched): it decides what is
   * redacted, whatever the message says about itself.
   */
  readonly operations?: readonly (number | undefined)[];
  /** Tags, types and lengths only: no Byte String value is shown (an answer that matched no request). */
  readonly structureOnly?: boolean;
}

interface Ctx {
  readonly show: boolean;
  readonly indent: string;
  readonly lines: string[];
  readonly operations: readonly (number | undefined)[] | undefined;
  readonly structureOnly: boolean;
  isRequest: boolean;
  operation: number | undefined;
  batchIndex: number;
  /** Inside a response batch item whose operation is unknown: its payload's Byte Strings are hidden. */
  unknownOperation: boolean;
}

/** The tree as text, one item per line. */
export function printTtlv(item: TtlvItem, options?: PrintOptions): string {
  const ctx: Ctx = {
    show: options?.showSecrets ?? false,
    indent: options?.indent ?? '  ',
    lines: [],
    operations: options?.operations,
    structureOnly: options?.structureOnly ?? false,
    isRequest: item.tag === Tag.RequestMessage,
    operation: undefined,
    batchIndex: 0,
    unknownOperation: false,
  };
  walk(item, 0, false, ctx);
  return ctx.lines.join('\n');
}

function secretData(item: TtlvItem, ctx: Ctx): boolean {
  if (item.tag !== Tag.Data) return false;
  // Plaintext travels in Encrypt requests and Decrypt responses.
  return (ctx.isRequest && ctx.operation === 0x1f) || (!ctx.isRequest && ctx.operation === 0x20);
}

/** The batch item's operation: what the caller says it answers, else its own Operation field wherever it sits. */
function batchOperation(item: TtlvItem & { type: 0x01 }, ctx: Ctx): number | undefined {
  const given = ctx.operations?.[ctx.batchIndex];
  if (given !== undefined) return given;
  for (const c of item.value) if (c.tag === Tag.Operation && c.type === 0x05) return c.value;
  return undefined;
}

/**
 * `bytesHidden`: Byte Strings below are redacted (under a Key Value, or in
 * the payload of a response batch item whose operation is unknown).
 */
function walk(item: TtlvItem, depth: number, secret: boolean, ctx: Ctx, valueTag = item.tag, bytesHidden = false): void {
  const pad = ctx.indent.repeat(depth);
  const name = tagName(item.tag);
  const head = `${pad}${name}${name.startsWith('0x') ? '' : ` (${formatTag(item.tag)})`} ${ITEM_TYPE_NAMES[item.type] ?? `type 0x${Number(item.type).toString(16)}`}`;
  if (item.type === 0x01) {
    if (item.tag === Tag.BatchItem) {
      ctx.operation = batchOperation(item, ctx);
      ctx.unknownOperation = !ctx.isRequest && ctx.operation === undefined;
      ctx.batchIndex++;
    }
    ctx.lines.push(head);
    const hidden = secret || (SECRET_TAGS.has(item.tag) && !ctx.show);
    const below =
      bytesHidden || item.tag === Tag.KeyValue || (item.tag === Tag.ResponsePayload && ctx.unknownOperation);
    let attrTag: number | undefined;
    for (const c of item.value) {
      if (c.tag === Tag.AttributeName && c.type === 0x07) attrTag = tagFromName(normalizeName(c.value));
      walk(c, depth + 1, hidden, ctx, c.tag === Tag.AttributeValue && attrTag !== undefined ? attrTag : c.tag, below);
    }
    return;
  }
  const isBytes = item.type === 0x08;
  const hide =
    (isBytes && ctx.structureOnly) ||
    (!ctx.show && (secret || SECRET_TAGS.has(item.tag) || secretData(item, ctx) || (isBytes && (bytesHidden || item.tag === Tag.KeyValue))));
  ctx.lines.push(`${head} = ${hide ? redacted(item) : render(item, valueTag)}`);
}

function redacted(item: TtlvItem): string {
  if (item.type === 0x08) return `<redacted, ${item.value.length} bytes>`;
  if (item.type === 0x07) return `<redacted, ${Buffer.byteLength(item.value)} bytes>`;
  return '<redacted>';
}

function render(item: TtlvItem, valueTag: number): string {
  switch (item.type) {
    case 0x01:
      return '';
    case 0x02: {
      const m = maskNames(valueTag, item.value);
      return m && m.length > 0 ? `${m.join('|')} (0x${item.value.toString(16).toUpperCase()})` : String(item.value);
    }
    case 0x05: {
      const n = enumName(valueTag, item.value);
      const hex = `0x${item.value.toString(16).toUpperCase().padStart(8, '0')}`;
      return n ? `${n} (${hex})` : hex;
    }
    case 0x03:
    case 0x04:
      return item.value.toString();
    case 0x06:
      return item.value ? 'true' : 'false';
    case 0x07:
      return JSON.stringify(item.value);
    case 0x08:
      return item.value.length === 0 ? '(empty)' : `${item.value.toString('hex')} (${item.value.length} bytes)`;
    case 0x09:
      return `${iso(item.value * 1000n)} (${item.value})`;
    case 0x0a:
      return `${item.value} s`;
    case 0x0b:
      return `${iso(item.value / 1000n)} (${item.value} µs)`;
  }
}

function iso(ms: bigint): string {
  const n = Number(ms);
  if (!Number.isFinite(n) || Math.abs(n) > 8.64e15) return 'out of range';
  return new Date(n).toISOString();
}
