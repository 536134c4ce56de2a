import type { Payload } from '@temporalio/common';

/** Bytes protobuf takes for `n` as a varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/** A length-delimited field of `length` bytes: its tag, its length, its bytes. */
const delimited = (length: number): number => 1 + varintSize(length) + length;

/**
 * The protobuf size of a Payload's metadata and data, computed rather than encoded (encoding
 * would copy a result of megabytes). Empty fields are left out, as protobuf leaves them out.
 */
export function payloadSize(payload: Payload): number {
  let size = 0;
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    const keyBytes = Buffer.byteLength(key);
    const entry = (keyBytes > 0 ? delimited(keyBytes) : 0) + (value.length > 0 ? delimited(value.length) : 0);
    size += delimited(entry);
  }
  const data = payload.data?.length ?? 0;
  if (data > 0) size += delimited(data);
  return size;
}

/**
 * What Temporal measures an activity result by against the namespace's `blobSizeLimitError`:
 * the `Payloads` message holding the one result payload.
 */
export function resultSize(payload: Payload): number {
  return delimited(payloadSize(payload));
}
