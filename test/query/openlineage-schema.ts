import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The OpenLineage spec files, shipped beside the clone in `shared/` (as CI lays it out). */
const SPEC_DIR = join(__dirname, '..', '..', '..', 'shared', 'openlineage');
const OWN_FACETS = join(__dirname, '..', '..', 'openlineage', 'TemporalLineageFacets.json');

/**
 * Validates exported events against the OpenLineage 2-0-2 JSON Schemas: the event itself, and
 * every facet against the facet schema its `_schemaURL` names (the event schema only checks a
 * facet's base fields). Returns one readable line per problem.
 */
export function openLineageValidator(): (event: unknown) => string[] {
  // Not strict: the spec uses annotation keywords such as `example` that strict mode rejects.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const file of readdirSync(SPEC_DIR).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8')) as object);
  }
  // The package's own custom facets, which extend the spec's base facets.
  ajv.addSchema(JSON.parse(readFileSync(OWN_FACETS, 'utf8')) as object);
  const validateEvent = ajv.getSchema('https://openlineage.io/spec/2-0-2/OpenLineage.json')!;
  const describe = (where: string, errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? ''}`);
  return (event) => {
    const problems = validateEvent(event) ? [] : describe('event', validateEvent.errors);
    const e = event as {
      run?: { facets?: Record<string, { _schemaURL: string }> };
      job?: { facets?: Record<string, { _schemaURL: string }> };
      inputs?: Array<{ facets?: Record<string, { _schemaURL: string }> }>;
      outputs?: Array<{ facets?: Record<string, { _schemaURL: string }> }>;
    };
    const facets = [
      ...Object.entries(e.run?.facets ?? {}),
      ...Object.entries(e.job?.facets ?? {}),
      ...[...(e.inputs ?? []), ...(e.outputs ?? [])].flatMap((d) => Object.entries(d.facets ?? {})),
    ];
    for (const [name, facet] of facets) {
      const validate = ajv.getSchema(facet._schemaURL);
      if (!validate) problems.push(`facet ${name}: unknown schema ${facet._schemaURL}`);
      else if (!validate(facet)) problems.push(...describe(`facet ${name}`, validate.errors));
    }
    return problems;
  };
}
