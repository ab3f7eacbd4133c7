/**
 * A KMIP failure the dev server answers with: Result Status Operation Failed,
 * the given Result Reason and a Result Message. Thrown by the request readers
 * and the operations; caught per batch item.
 */
export class KmipFault extends Error {
  override name = 'KmipFault';
  readonly reason: number;

  constructor(reason: number, message: string) {
    super(message);
    this.reason = reason;
  }
}
