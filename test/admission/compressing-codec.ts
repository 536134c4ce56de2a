import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';

const ENCODING = 'binary/x-deflated';

/** Deflates each payload's data: a codec that makes a payload much smaller than its converted form. */
export class CompressingCodec implements PayloadCodec {
  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((p) => ({
        metadata: { ...p.metadata, codec: Buffer.from(ENCODING) },
        data: deflateRawSync(p.data ?? new Uint8Array()),
      })),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((p) => {
        if (Buffer.from(p.metadata?.['codec'] ?? []).toString() !== ENCODING) return p;
        const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).filter(([k]) => k !== 'codec'));
        return { metadata, data: inflateRawSync(p.data ?? new Uint8Array()) };
      }),
    );
  }
}
