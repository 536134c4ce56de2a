import { beforeAll, describe, expect, it } from 'vitest';
import {
  aliasHistory,
  listAliases,
  removeAlias,
  resolveAlias,
  setAlias,
} from '../../src/annotations/aliases';
import { addNote, listNotes } from '../../src/annotations/notes';
import { listTags, removeTag, setTag } from '../../src/annotations/tags';
import { LineageNotFoundError, LineageOptionsError } from '../../src/errors';
import { openLineageEvents } from '../../src/export/openlineage';
import { getArtifact } from '../../src/query/artifacts';
import { describeRun } from '../../src/query/run-detail';
import { listRuns } from '../../src/query/runs';
import { collectGarbage } from '../../src/retention/gc';
import { fillStore, type Filled } from '../query/fill-store';
import { openLineageValidator } from '../query/openlineage-schema';
import { backdate, waitEnded } from '../retention/gc-support';
import { DRIVERS, useStore } from '../support/stores';

describe.each(DRIVERS)('tags, notes and aliases on %s', (driver) => {
  const ctx = useStore(driver, `annotations_${driver}`);
  let filled: Filled;
  /** The model each run registered. */
  let modelA: number;
  let modelB: number;
  let executionId: number;

  const registered = async (run: string) =>
    (await describeRun(ctx.store(), run)).executions.find((e) => e.activityType === 'registerModel')!;

  beforeAll(async () => {
    filled = await fillStore(ctx.store());
    const a = await registered(filled.runA);
    modelA = a.outputs[0]!.artifact.id;
    modelB = (await registered(filled.runB)).outputs[0]!.artifact.id;
    executionId = a.id;
  });

  it('a tag is set, replaced by key, listed with its author, and removed', async () => {
    const store = ctx.store();
    const run = { run: filled.runA };
    await setTag(store, run, 'reviewed', 'no', { author: 'ana' });
    await setTag(store, run, 'team', 'vision', { author: 'ana' });
    const replaced = await setTag(store, run, 'reviewed', 'yes', { author: 'bo' });
    expect(replaced).toMatchObject({ key: 'reviewed', value: 'yes', author: 'bo' });
    expect((await listTags(store, run)).map((t) => [t.key, t.value, t.author])).toEqual([
      ['reviewed', 'yes', 'bo'],
      ['team', 'vision', 'ana'],
    ]);
    expect(await removeTag(store, run, 'team')).toBe(true);
    expect(await removeTag(store, run, 'team')).toBe(false);
    expect((await listTags(store, run)).map((t) => t.key)).toEqual(['reviewed']);
    // Artifacts carry their own tags, apart from the run's.
    await setTag(store, { artifactId: modelA }, 'reviewed', 'pending');
    expect((await listTags(store, { artifactId: modelA })).map((t) => t.value)).toEqual(['pending']);
    expect((await listTags(store, run)).map((t) => t.value)).toEqual(['yes']);
  });

  it('runs are filtered by tag (= and !=) and by the artifact an alias names', async () => {
    const store = ctx.store();
    await setTag(store, { run: filled.runB }, 'stage', 'candidate');
    const names = async (query: Parameters<typeof listRuns>[1]) =>
      (await listRuns(store, { ...query, workflowIdContains: filled.tag, rootsOnly: true })).runs.map(
        (r) => r.name,
      );
    expect(await names({ tag: { key: 'stage', op: '=', value: 'candidate' } })).toEqual([filled.runB]);
    expect((await names({ tag: { key: 'stage', op: '!=', value: 'candidate' } })).sort()).toEqual(
      [filled.runA, filled.failed].sort(),
    );
    await setAlias(store, 'production', modelA, { author: 'ana' });
    expect(await names({ alias: 'production' })).toEqual([filled.runA]);
  });

  it('an alias points at one artifact at a time, and every move is kept with who, from and to', async () => {
    const store = ctx.store();
    await setAlias(store, 'candidate', modelA, { author: 'ana' });
    await setAlias(store, 'candidate', modelB, { author: 'bo' });
    expect((await resolveAlias(store, 'candidate')).artifactId).toBe(modelB);
    await removeAlias(store, 'candidate', { author: 'cy' });
    await expect(resolveAlias(store, 'candidate')).rejects.toBeInstanceOf(LineageNotFoundError);
    const history = await aliasHistory(store, 'candidate');
    expect(history.map((m) => [m.author, m.from, m.to])).toEqual([
      ['cy', modelB, null],
      ['bo', modelA, modelB],
      ['ana', null, modelA],
    ]);
    expect((await listAliases(store)).map((a) => a.name)).not.toContain('candidate');
  });

  it('notes are kept as written on runs, executions and artifacts', async () => {
    const store = ctx.store();
    await addNote(store, { run: filled.runA }, 'Best so far.\n\n**Ship it**', { author: 'ana' });
    await addNote(store, { run: filled.runA }, 'Agreed.', { author: 'bo' });
    await addNote(store, { executionId }, 'Registered by hand once.');
    await addNote(store, { artifactId: modelA }, 'Served since Monday.');
    expect((await listNotes(store, { run: filled.runA })).map((n) => [n.author, n.body])).toEqual([
      ['ana', 'Best so far.\n\n**Ship it**'],
      ['bo', 'Agreed.'],
    ]);
    expect((await listNotes(store, { executionId })).map((n) => n.body)).toEqual([
      'Registered by hand once.',
    ]);
    expect((await listNotes(store, { artifactId: modelA })).map((n) => n.body)).toEqual([
      'Served since Monday.',
    ]);
  });

  it('bad input is a typed error naming what was wrong, and nothing is written', async () => {
    const store = ctx.store();
    const before = await listTags(store, { run: filled.runA });
    await expect(setTag(store, { run: filled.runA }, 'has space', 'x')).rejects.toThrow(/tag.*key/);
    await expect(setTag(store, { run: filled.runA }, 'k', 'x'.repeat(501))).rejects.toBeInstanceOf(
      LineageOptionsError,
    );
    await expect(setTag(store, { executionId }, 'k', 'v')).rejects.toThrow(/runs and artifacts/);
    await expect(setTag(store, { run: 'no-such-run' }, 'k', 'v')).rejects.toBeInstanceOf(
      LineageNotFoundError,
    );
    await expect(setAlias(store, 'production', 999_999_999)).rejects.toBeInstanceOf(LineageNotFoundError);
    await expect(setAlias(store, '9lives', modelA)).rejects.toThrow(/alias/);
    await expect(addNote(store, { artifactId: modelA }, '   ')).rejects.toThrow(/needs text/);
    expect(await listTags(store, { run: filled.runA })).toEqual(before);
    expect((await resolveAlias(store, 'production')).artifactId).toBe(modelA);
  });

  it('the OpenLineage export carries tags and aliases as custom facets, valid against 2-0-2', async () => {
    const store = ctx.store();
    await setTag(store, { run: filled.runA }, 'owner', 'ana');
    await setTag(store, { artifactId: modelA }, 'stage', 'shipped');
    await setAlias(store, 'production', modelA);
    const validate = openLineageValidator();
    const events = [];
    for await (const event of openLineageEvents(store, { run: filled.runA })) events.push(event);
    expect(events.flatMap((e) => validate(e))).toEqual([]);
    const start = events.find(
      (e) => e.eventType === 'START' && e.job.facets.jobType?.['jobType'] === 'WORKFLOW',
    );
    expect(start?.run.facets['temporalLineage_tags']).toMatchObject({ tags: { owner: 'ana' } });
    const { uri } = await getArtifact(store, modelA);
    const model = events.flatMap((e) => e.outputs).find((d) => uri === `${d.namespace}://${d.name}`);
    expect(model?.facets['temporalLineage_aliases']).toMatchObject({ aliases: ['production'] });
    expect(model?.facets['temporalLineage_tags']).toMatchObject({ tags: { stage: 'shipped' } });
  });

  it('retention keeps an aliased artifact and what produced it, whatever the options', async () => {
    const store = ctx.store();
    await setAlias(store, 'keeper', modelA);
    for (const run of [filled.runA, filled.runB, filled.failed]) await waitEnded(store, run);
    await backdate(store, filled.runA, 400);
    await collectGarbage(store, { olderThan: '300d' });
    expect((await getArtifact(store, modelA)).id).toBe(modelA);
    expect((await describeRun(store, filled.runA)).executions.length).toBeGreaterThan(0);
  });
});
