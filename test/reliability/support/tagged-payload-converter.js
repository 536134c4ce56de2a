/* global require, exports */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded by Temporal with require(), in the worker, the client and the workflow bundle */
'use strict';

// A payload converter whose payloads are not JSON as Temporal's default converter writes it
// (encoding `json/x-lineage-tagged`): it round-trips bigint, Date, Map, Set and Uint8Array, so
// activities and workflows see values that JSON cannot carry. Plain JavaScript because Temporal
// loads it with require() outside any TypeScript loader.
const { CompositePayloadConverter, UndefinedPayloadConverter } = require('@temporalio/common');
const { encode, decode } = require('@temporalio/common/lib/encoding');

const ENCODING = 'json/x-lineage-tagged';
const TAG = '@tagged';

function replacer(key, value) {
  const raw = this[key];
  if (typeof raw === 'bigint') return { [TAG]: 'bigint', v: raw.toString() };
  if (raw instanceof Date) return { [TAG]: 'date', v: raw.toISOString() };
  if (raw instanceof Map) return { [TAG]: 'map', v: [...raw.entries()] };
  if (raw instanceof Set) return { [TAG]: 'set', v: [...raw] };
  if (raw instanceof Uint8Array) return { [TAG]: 'bytes', v: Array.from(raw) };
  return value;
}

function reviver(_key, value) {
  if (value === null || typeof value !== 'object' || !(TAG in value)) return value;
  switch (value[TAG]) {
    case 'bigint':
      return BigInt(value.v);
    case 'date':
      return new Date(value.v);
    case 'map':
      return new Map(value.v);
    case 'set':
      return new Set(value.v);
    case 'bytes':
      return new Uint8Array(value.v);
    default:
      return value;
  }
}

class TaggedJsonConverter {
  constructor() {
    this.encodingType = ENCODING;
  }
  toPayload(value) {
    if (value === undefined) return undefined;
    return { metadata: { encoding: encode(ENCODING) }, data: encode(JSON.stringify(value, replacer)) };
  }
  fromPayload(payload) {
    return JSON.parse(decode(payload.data), reviver);
  }
}

exports.payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new TaggedJsonConverter(),
);
