import { asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { LineageNotFoundError } from '../errors';
import { getArtifact } from '../query/artifacts';
import { parseInput } from '../query/rows';
import type { LineageStore } from '../store/open-store';
import { aliases, aliasMoves } from '../store/schema';
import { defaultAuthor } from './author';

/** Alias names read like identifiers (`production`, `candidate-2`). */
export const AliasNameSchema = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/,
    'an alias starts with a letter and has at most 64 of A-Z a-z 0-9 _ . -',
  );
const AuthorSchema = z.string().min(1).max(200).optional();

/** Where an alias points now. */
export interface Alias {
  readonly name: string;
  readonly artifactId: number;
  readonly author: string;
  readonly updatedAt: Date;
}

/** One change of an alias; `to` null means it was removed, `from` null that it was unset before. */
export interface AliasMove {
  readonly name: string;
  readonly from: number | null;
  readonly to: number | null;
  readonly author: string;
  readonly at: Date;
}

/**
 * Points `name` at `to` (null: removes it), keeping the move in the alias's history. The alias row
 * is locked for the move, so two people moving one alias at once are serialised: each move's
 * `from` is exactly where the previous move left it, and no move is lost.
 */
async function moveAlias(
  store: LineageStore,
  name: string,
  to: number | null,
  author: string,
): Promise<AliasMove> {
  return store.db.transaction(async (tx) => {
    // The row must exist before it can be locked; an alias never used starts unset.
    await tx.insert(aliases).values({ name, artifactId: null, author }).onConflictDoNothing();
    const [current] = await tx
      .select({ artifactId: aliases.artifactId })
      .from(aliases)
      .where(eq(aliases.name, name))
      .for('update');
    const from = current?.artifactId ?? null;
    await tx
      .update(aliases)
      .set({ artifactId: to, author, updatedAt: sql`now()` })
      .where(eq(aliases.name, name));
    const [move] = await tx
      .insert(aliasMoves)
      .values({ name, fromArtifactId: from, toArtifactId: to, author })
      .returning({ at: aliasMoves.createdAt });
    return { name, from, to, author, at: move!.at };
  });
}

/**
 * Points an alias at an artifact, creating it or moving it from wherever it pointed.
 *
 * @example
 * const model = (await findArtifacts(store, { type: 'Model', limit: 1 })).artifacts[0]!;
 * await setAlias(store, 'production', model.id, { author: 'ana' });
 */
export async function setAlias(
  store: LineageStore,
  name: string,
  artifactId: number,
  options: { author?: string } = {},
): Promise<AliasMove> {
  const input = parseInput(
    'alias',
    z.strictObject({ name: AliasNameSchema, artifactId: z.number().int().positive(), author: AuthorSchema }),
    { name, artifactId, ...options },
  );
  await getArtifact(store, input.artifactId);
  return moveAlias(store, input.name, input.artifactId, input.author ?? defaultAuthor());
}

/** Removes an alias (its history stays). A name that points nowhere is a not-found error. */
export async function removeAlias(
  store: LineageStore,
  name: string,
  options: { author?: string } = {},
): Promise<AliasMove> {
  const input = parseInput('alias', z.strictObject({ name: AliasNameSchema, author: AuthorSchema }), {
    name,
    ...options,
  });
  await resolveAlias(store, input.name);
  return moveAlias(store, input.name, null, input.author ?? defaultAuthor());
}

/** The artifact an alias points at now; a name that points nowhere is a not-found error listing the aliases there are. */
export async function resolveAlias(store: LineageStore, name: string): Promise<Alias> {
  const [row] = await store.db.select().from(aliases).where(eq(aliases.name, name));
  if (row?.artifactId == null) {
    const names = (await listAliases(store)).map((a) => a.name);
    throw new LineageNotFoundError('alias', name, names.slice(0, 5));
  }
  return { name: row.name, artifactId: row.artifactId, author: row.author, updatedAt: row.updatedAt };
}

/** Every alias that points somewhere, by name; with `artifactId`, only those pointing at it. */
export async function listAliases(
  store: LineageStore,
  options: { artifactId?: number } = {},
): Promise<Alias[]> {
  const rows = await store.db
    .select()
    .from(aliases)
    .where(
      options.artifactId === undefined
        ? isNotNull(aliases.artifactId)
        : eq(aliases.artifactId, options.artifactId),
    )
    .orderBy(asc(aliases.name));
  return rows.map((row) => ({
    name: row.name,
    artifactId: row.artifactId!,
    author: row.author,
    updatedAt: row.updatedAt,
  }));
}

/** Every move of an alias, newest first. */
export async function aliasHistory(store: LineageStore, name: string): Promise<AliasMove[]> {
  const input = parseInput('alias', AliasNameSchema, name);
  const rows = await store.db
    .select()
    .from(aliasMoves)
    .where(eq(aliasMoves.name, input))
    .orderBy(desc(aliasMoves.id));
  if (rows.length === 0) throw new LineageNotFoundError('alias', input);
  return rows.map((row) => ({
    name: row.name,
    from: row.fromArtifactId,
    to: row.toArtifactId,
    author: row.author,
    at: row.createdAt,
  }));
}
