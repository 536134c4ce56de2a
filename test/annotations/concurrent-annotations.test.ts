import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aliasHistory, resolveAlias, setAlias } from '../../src/annotations/aliases';
import { listTags, setTag } from '../../src/annotations/tags';
import { openStore, type LineageStore } from '../../src/store/open-store';
import { createTestDatabase, type TestDatabase } from '../support/databases';

/**
 * Two people, each with a connection pool of their own, annotate one Postgres store at once:
 * every tag each of them set is there, and the alias they both keep moving has a history in which
 * each move starts exactly where the one before it ended.
 */
describe('annotations from two users at once on one Postgres store', () => {
  let database: TestDatabase;
  let ana: LineageStore;
  let bo: LineageStore;
  let artifactIds: number[];

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresAdminUrl'), 'annotations_concurrent');
    [ana, bo] = await Promise.all([openStore({ url: database.url }), openStore({ url: database.url })]);
    const rows = await ana.rows<{ id: string | number }>(sql`
      insert into artifacts (identity, type, digest, value_digest, inline, size_bytes)
      select 'model-' || i, 'Model', md5(i::text), md5(i::text), false, 1 from generate_series(1, 4) i
      returning id`);
    artifactIds = rows.map((r) => Number(r.id));
  });
  afterAll(async () => {
    await Promise.all([ana?.close(), bo?.close()]);
    await database?.drop();
  });

  it('loses no tag and no alias move', async () => {
    const moves = 30;
    const user = (store: LineageStore, author: string, offset: number) =>
      Promise.all([
        (async () => {
          for (let i = 0; i < moves; i++) {
            await setAlias(store, 'production', artifactIds[(i + offset) % artifactIds.length]!, { author });
          }
        })(),
        (async () => {
          for (let i = 0; i < moves; i++) {
            await setTag(store, { artifactId: artifactIds[0]! }, `${author}-${i}`, String(i), { author });
          }
        })(),
      ]);
    await Promise.all([user(ana, 'ana', 0), user(bo, 'bo', 1)]);

    const tags = await listTags(ana, { artifactId: artifactIds[0]! });
    expect(tags).toHaveLength(2 * moves);
    expect(new Set(tags.map((t) => t.author))).toEqual(new Set(['ana', 'bo']));

    const history = (await aliasHistory(ana, 'production')).reverse();
    expect(history).toHaveLength(2 * moves);
    expect(history[0]!.from).toBeNull();
    for (let i = 1; i < history.length; i++) expect(history[i]!.from).toBe(history[i - 1]!.to);
    expect((await resolveAlias(bo, 'production')).artifactId).toBe(history.at(-1)!.to);
  });
});
