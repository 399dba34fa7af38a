import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { z } from 'zod';
import { DECLARATION_TYPES, DFE_COURSE_IDENTIFIER, type DeclarationType } from '../curriculum';
import { chunks } from '../db/collections';
import type { Store } from '../db/store';
import { readCsv } from '../people/csv';
import { listOf, reasonsOf } from '../people/fields';
import { GenerationCache } from '../progress/grid';

/** The provider's declaration list, as DfE's lead-provider API returns it (the columns this tool reads). */
export const DECLARATION_COLUMNS = ['participant_id', 'declaration_type', 'declaration_date', 'course_identifier'] as const;
export const DECLARATION_OPTIONAL_COLUMNS = ['state', 'id', 'evidence_held'] as const;

/** States in which a declaration no longer stands: it is not "already declared". */
export const WITHDRAWN_STATES = ['voided', 'awaiting_clawback', 'clawed_back'] as const;

const COURSES = Object.values(DFE_COURSE_IDENTIFIER) as [string, ...string[]];

const Row = z
  .object({
    participant_id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: "must be DfE's participant id (a UUID)" }),
    declaration_type: z.enum(DECLARATION_TYPES, { error: `must be ${listOf(DECLARATION_TYPES, 'or')}` }),
    declaration_date: z.string().regex(/^\d{4}-\d{2}-\d{2}/, { error: 'must be a date (YYYY-MM-DD, or a date and time)' }),
    course_identifier: z.enum(COURSES, { error: `must be ${listOf(COURSES, 'or')}` }),
    state: z.string().optional(),
    id: z.string().optional(),
    evidence_held: z.string().optional(),
  })
  .transform((row) => ({
    participantId: row.participant_id.toLowerCase(),
    declarationType: row.declaration_type,
    declarationDate: row.declaration_date.slice(0, 10),
    courseIdentifier: row.course_identifier,
    state: (row.state ?? '').toLowerCase() || 'submitted',
  }));

export type DeclaredRecord = z.output<typeof Row>;

/** The key a declaration is found by: participant, type and course. */
export const declarationKey = (participantId: string, type: DeclarationType, course: string) => `${participantId.toLowerCase()}|${type}|${course}`;

export interface DeclarationListPointer {
  _id: 'current';
  generation: string;
  parts: number;
  declarations: number;
  file: string;
  importedAt: Date;
}

interface PartDoc {
  _id: string;
  rows: mongo.Binary;
}

export interface DeclarationImportReport {
  rows: number;
  bad: { line: number; reasons: string[] }[];
  /** Declarations that stand (not voided or clawed back). */
  standing: number;
  withdrawn: number;
  written: boolean;
}

const PART_SIZE = 2000;
/** The one empty list: readiness keeps a cohort while its sources are the same objects, so "none imported" must be too. */
const NO_DECLARATIONS = new Map<string, DeclaredRecord>();

/**
 * The provider's own list of declarations made to DfE, imported so the readiness views can say
 * "already declared". The tool never sends a declaration: the list is the provider's record,
 * replaced whole by each import (a new generation of packed parts, then one pointer write, so a
 * reader sees the old list or the new one, never half of each).
 */
export class Declarations {
  private readonly cache = new GenerationCache<Map<string, DeclaredRecord>>();

  constructor(private readonly store: Store) {}

  private get pointers() {
    return this.store.collection<DeclarationListPointer>('declaration_lists');
  }

  private get parts() {
    return this.store.collection<PartDoc>('declaration_list_parts');
  }

  /** Reads a declaration list (CSV); with bad rows nothing is written unless `skipInvalid`. */
  async import(text: string, file: string, options: { dryRun?: boolean; skipInvalid?: boolean } = {}, now = new Date()): Promise<DeclarationImportReport> {
    const rows = readCsv(text, DECLARATION_COLUMNS, DECLARATION_OPTIONAL_COLUMNS);
    const bad: DeclarationImportReport['bad'] = [];
    const good: DeclaredRecord[] = [];
    for (const { line, values, shapeProblem } of rows) {
      if (shapeProblem) {
        bad.push({ line, reasons: [shapeProblem] });
        continue;
      }
      const parsed = Row.safeParse(values);
      if (parsed.success) good.push(parsed.data);
      else bad.push({ line, reasons: reasonsOf(parsed.error) });
    }
    const withdrawn = good.filter((d) => (WITHDRAWN_STATES as readonly string[]).includes(d.state)).length;
    const written = !options.dryRun && (bad.length === 0 || Boolean(options.skipInvalid));
    if (written) await this.replace(good, file, now);
    return { rows: rows.length, bad, standing: good.length - withdrawn, withdrawn, written };
  }

  private async replace(declarations: DeclaredRecord[], file: string, now: Date): Promise<void> {
    const before = await this.pointers.findOne({ _id: 'current' });
    const generation = `${now.getTime().toString(36)}${crypto.randomBytes(4).toString('hex')}`;
    const parts: PartDoc[] = [];
    for (let n = 0; n * PART_SIZE < declarations.length; n += 1) {
      parts.push({ _id: `${generation}:${n}`, rows: new mongo.Binary(Buffer.from(JSON.stringify(declarations.slice(n * PART_SIZE, (n + 1) * PART_SIZE)))) });
    }
    for (const batch of chunks(parts, 10)) await this.parts.insertMany(batch);
    await this.pointers.replaceOne({ _id: 'current' }, { generation, parts: parts.length, declarations: declarations.length, file, importedAt: now }, { upsert: true });
    if (before) await this.parts.deleteMany({ _id: { $in: Array.from({ length: before.parts }, (_, n) => `${before.generation}:${n}`) } });
  }

  async pointer(): Promise<DeclarationListPointer | null> {
    return this.pointers.findOne({ _id: 'current' });
  }

  /** The declarations that stand, by `declarationKey`: the pointer, then the parts by `_id` once per list. */
  async standing(): Promise<Map<string, DeclaredRecord>> {
    const pointer = await this.pointer();
    if (!pointer) return NO_DECLARATIONS;
    const found = await this.cache.get(pointer.generation, async () => {
      const ids = Array.from({ length: pointer.parts }, (_, n) => `${pointer.generation}:${n}`);
      const docs = ids.length ? await this.parts.find({ _id: { $in: ids } }).toArray() : [];
      if (docs.length !== ids.length) return null;
      const all = docs.flatMap((doc) => JSON.parse(Buffer.from(doc.rows.buffer).toString('utf8')) as DeclaredRecord[]);
      const standing = all.filter((d) => !(WITHDRAWN_STATES as readonly string[]).includes(d.state));
      return new Map(standing.map((d) => [declarationKey(d.participantId, d.declarationType, d.courseIdentifier), d]));
    });
    return found ?? NO_DECLARATIONS;
  }
}
