import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors';

/**
 * What a Canvas module item is in programme terms. The sync counts only `required` items,
 * and reports self-study, meetings, events and audits separately.
 */
export const ITEM_CLASSES = ['self-study', 'mentor-meeting', 'event', 'audit', 'header'] as const;
export type ItemClass = (typeof ITEM_CLASSES)[number];

export interface ClassifiableItem {
  id: string;
  title: string;
  /** Canvas's module item type: Page, Quiz, Assignment, SubHeader, … */
  type: string;
}

const ItemClassSchema = z.enum(ITEM_CLASSES);

/** Kept short: patterns come from administrators and run against every item on every sync. */
const MAX_PATTERN_LENGTH = 200;

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
}

const Pattern = z.string().min(1).max(MAX_PATTERN_LENGTH).refine(compiles, 'is not a valid regular expression');

const Rule = z
  .object({ class: ItemClassSchema, itemType: z.string().min(1).optional(), titlePattern: Pattern.optional() })
  .strict()
  .refine((rule) => rule.itemType !== undefined || rule.titlePattern !== undefined, 'a rule needs itemType or titlePattern');

const RulesSchema = z.object({ default: ItemClassSchema, rules: z.array(Rule) }).strict();

/**
 * Rules apply in order and the first match wins. Title patterns are case-insensitive and
 * see the title trimmed; `itemType` must equal Canvas's type exactly.
 */
export type ClassificationRules = z.infer<typeof RulesSchema>;

export const ClassificationOverridesSchema = z
  .object({
    /** Canvas module item id → class; wins over everything else. */
    items: z.record(z.string().regex(/^\d+$/, 'must be a Canvas module item id'), ItemClassSchema).default({}),
    /** Tried in order after `items` and before the default rules. */
    titles: z.array(z.object({ pattern: Pattern, class: ItemClassSchema }).strict()).default([]),
  })
  .strict();

/** A course's own exceptions to the rules, stored with its link. */
export type ClassificationOverrides = z.infer<typeof ClassificationOverridesSchema>;

export const NO_OVERRIDES: ClassificationOverrides = Object.freeze({ items: {}, titles: [] });

export const CLASSIFICATION_FILE = path.join(__dirname, '..', '..', 'config', 'classification.json');

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

const loaded = new Map<string, ClassificationRules>();

/** The provider's rules (env CLASSIFICATION_FILE replaces the file), validated on first use. */
export function loadClassificationRules(file = process.env.CLASSIFICATION_FILE || CLASSIFICATION_FILE): ClassificationRules {
  const cached = loaded.get(file);
  if (cached) return cached;
  const parsed = RulesSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${firstIssue(parsed.error)}`);
  loaded.set(file, parsed.data);
  return parsed.data;
}

/** @throws ValidationError naming the field at fault, prefixed with `source` (e.g. the file). */
export function parseClassificationOverrides(value: unknown, source: string): ClassificationOverrides {
  const parsed = ClassificationOverridesSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`${source}: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

type Matcher = (item: ClassifiableItem, title: string) => ItemClass | null;

function titleMatcher(pattern: string, itemClass: ItemClass): Matcher {
  const regex = new RegExp(pattern, 'i');
  return (_item, title) => (regex.test(title) ? itemClass : null);
}

function ruleMatcher(rule: ClassificationRules['rules'][number]): Matcher {
  const title = rule.titlePattern === undefined ? null : new RegExp(rule.titlePattern, 'i');
  return (item, trimmed) => {
    if (rule.itemType !== undefined && item.type !== rule.itemType) return null;
    if (title !== null && !title.test(trimmed)) return null;
    return rule.class;
  };
}

/** Compiles rules and overrides once, for classifying every item of a course. */
export function compileClassifier(rules: ClassificationRules, overrides: ClassificationOverrides = NO_OVERRIDES): (item: ClassifiableItem) => ItemClass {
  const matchers: Matcher[] = [
    (item) => (Object.hasOwn(overrides.items, item.id) ? overrides.items[item.id] : null),
    ...overrides.titles.map((o) => titleMatcher(o.pattern, o.class)),
    ...rules.rules.map(ruleMatcher),
  ];
  return (item) => {
    const title = item.title.trim();
    for (const match of matchers) {
      const found = match(item, title);
      if (found !== null) return found;
    }
    return rules.default;
  };
}

export function classifyItem(item: ClassifiableItem, rules: ClassificationRules, overrides?: ClassificationOverrides): ItemClass {
  return compileClassifier(rules, overrides)(item);
}

/** Canvas records completion only where a requirement is set; a header never counts. */
export function countsTowardsCompletion(itemClass: ItemClass, hasRequirement: boolean): boolean {
  return hasRequirement && itemClass !== 'header';
}
