import { createHash } from 'node:crypto';
import type { ArtifactRow } from '../query/rows';

/** The OpenLineage spec version the export follows. */
export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

export const FACET_SCHEMAS = {
  parent: 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
  errorMessage:
    'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  executionParameters:
    'https://openlineage.io/spec/facets/1-0-0/ExecutionParametersRunFacet.json#/$defs/ExecutionParametersRunFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  version:
    'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  // This package's own facets, named `temporalLineage_*` as OpenLineage asks of custom facets;
  // their schemas are in openlineage/TemporalLineageFacets.json.
  runTags: 'urn:temporal-lineage:openlineage-facets:1-0-0#/$defs/TagsRunFacet',
  datasetTags: 'urn:temporal-lineage:openlineage-facets:1-0-0#/$defs/TagsDatasetFacet',
  aliases: 'urn:temporal-lineage:openlineage-facets:1-0-0#/$defs/AliasesDatasetFacet',
} as const;

/** A facet: the base fields every OpenLineage facet carries, and its own. */
export type Facet = { _producer: string; _schemaURL: string } & Record<string, unknown>;

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets: Record<string, Facet>;
}

/** An OpenLineage 2-0-2 RunEvent, as the export writes it. */
export interface OpenLineageRunEvent {
  eventType: 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, Facet> };
  job: { namespace: string; name: string; facets: Record<string, Facet> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

// Fixed forever: changing it would change every exported run id.
const UUID_NAMESPACE = Buffer.from('3c5f0e8ea1a84c1e9d2b7a46c1f0b9d2', 'hex');

/**
 * A name-based (version 5 layout, SHA-1) UUID: the same workflow run or activity attempt gets
 * the same OpenLineage run id in every export, from any copy of the store.
 */
export function stableUuid(name: string): string {
  const bytes = createHash('sha1').update(UUID_NAMESPACE).update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Dataset namespace and name by the OpenLineage naming conventions: `file:///p` is namespace
 * `file`, name `/p`; `s3://bucket/key` is `s3://bucket`, `key`; a URI without an authority is
 * its scheme and the rest. An artifact with no URI (Metrics kept inline) is named by its type
 * and digest under the job namespace.
 */
export function datasetName(
  artifact: ArtifactRow,
  jobNamespace: string,
  producerExecutionId: number | null = null,
): { namespace: string; name: string } {
  // A URI-less value is one dataset per occurrence: equal metrics from two evaluations would
  // otherwise be one dataset, and a consumer would join both producers' jobs in a lineage graph.
  if (!artifact.uri) {
    const name = `${artifact.type}/${artifact.digest}`;
    return {
      namespace: jobNamespace,
      name: producerExecutionId === null ? name : `${name}@e${producerExecutionId}`,
    };
  }
  let url: URL;
  try {
    url = new URL(artifact.uri);
  } catch {
    return { namespace: jobNamespace, name: artifact.uri };
  }
  const scheme = url.protocol.replace(/:$/, '');
  const path = decodeURIComponent(url.pathname);
  if (scheme === 'file') return { namespace: url.host ? `file://${url.host}` : 'file', name: path };
  if (url.host) return { namespace: `${scheme}://${url.host}`, name: path.replace(/^\/+/, '') || '/' };
  return { namespace: scheme, name: artifact.uri.slice(scheme.length + 1) };
}
