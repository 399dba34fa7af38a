import crypto from 'node:crypto';
import type { CanvasModule, CanvasModuleItem } from '../canvas';
import { moduleNumbers } from '../curriculum';
import type { Programme } from '../domain';
import { ValidationError } from '../errors';
import {
  compileClassifier,
  countsTowardsCompletion,
  loadClassificationRules,
  type ClassificationOverrides,
  type ClassifiableItem,
  type ClassificationRules,
  type ItemClass,
} from './classify';

/** Canvas module id → programme module number. */
export type ModuleMap = Record<string, number>;

/** The shape `CanvasApi.listModules` returns, narrowed to what the structure reads. */
export type CanvasModuleInput = Pick<CanvasModule, 'id' | 'name' | 'position' | 'published'> & {
  items: readonly Pick<CanvasModuleItem, 'id' | 'title' | 'type' | 'completion_requirement' | 'published'>[];
};

/** The parts of a course link that shape its structure. */
export interface StructureLink {
  courseId: string;
  programme: Programme;
  moduleMap?: ModuleMap;
  classificationOverrides?: ClassificationOverrides;
}

export interface StructureItem {
  id: string;
  title: string;
  type: string;
  class: ItemClass;
  /** Counts towards completion: has a completion requirement and is not a header. */
  required: boolean;
  requirementType: string | null;
}

export interface StructureModule {
  canvasModuleId: string;
  name: string;
  position: number;
  /** The programme module, or null for course furniture such as "Induction". */
  number: number | null;
  matchedBy: 'map' | 'title' | null;
  items: StructureItem[];
}

export interface CourseStructure {
  courseId: string;
  /** The linked programme's module numbers, from the curriculum. */
  moduleNumbers: readonly number[];
  modules: StructureModule[];
  unmatchedCanvasModules: { canvasModuleId: string; name: string }[];
  missingProgrammeModules: number[];
  /** Changes whenever anything above changes, so the sync can tell a restructured course. */
  hash: string;
}

const TITLE_NUMBER = /^\s*module\s+(\d{1,2})\s*(?:[:\-–—.|]|$)/i;

/** "Module 3: …", "Module 3 - …" or "Module 3"; null when the number is not one of the programme's modules. */
export function moduleNumberFromTitle(name: string, numbers: readonly number[]): number | null {
  const match = TITLE_NUMBER.exec(name);
  if (!match) return null;
  const number = Number(match[1]);
  return numbers.includes(number) ? number : null;
}

/**
 * Reads `--module-map 12=1,13=2`.
 * @throws ValidationError naming the entry at fault.
 */
export function parseModuleMap(text: string, numbers: readonly number[]): ModuleMap {
  const map: ModuleMap = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^(\d+)\s*=\s*(\d+)$/.exec(entry);
    if (!match) throw new ValidationError(`--module-map: "${entry}" is not CANVAS_MODULE_ID=MODULE_NUMBER`);
    const [, canvasModuleId, number] = match;
    if (!numbers.includes(Number(number))) throw new ValidationError(`--module-map: module ${number} is not a module of this programme (${numbers.join(', ')})`);
    if (Object.hasOwn(map, canvasModuleId)) throw new ValidationError(`--module-map: Canvas module ${canvasModuleId} is mapped twice`);
    map[canvasModuleId] = Number(number);
  }
  return map;
}

function programmeNumber(module: CanvasModuleInput, map: ModuleMap, numbers: readonly number[]): Pick<StructureModule, 'number' | 'matchedBy'> {
  if (Object.hasOwn(map, module.id)) return { number: map[module.id], matchedBy: 'map' };
  const number = moduleNumberFromTitle(module.name, numbers);
  return number === null ? { number: null, matchedBy: null } : { number, matchedBy: 'title' };
}

/**
 * The sync token belongs to staff, who also see unpublished modules and items; students never
 * do, so those never count towards completion.
 */
function structureItem(item: CanvasModuleInput['items'][number], classify: (item: ClassifiableItem) => ItemClass, modulePublished: boolean): StructureItem {
  const itemClass = classify(item);
  const visible = modulePublished && item.published !== false;
  const requirementType = visible ? (item.completion_requirement?.type ?? null) : null;
  return {
    id: item.id,
    title: item.title,
    type: item.type,
    class: itemClass,
    required: countsTowardsCompletion(itemClass, requirementType !== null),
    requirementType,
  };
}

function structureHash(courseId: string, modules: readonly StructureModule[]): string {
  return crypto.createHash('sha256').update(JSON.stringify({ courseId, modules })).digest('hex');
}

/**
 * Normalises a course's Canvas modules into programme terms: which programme module each
 * Canvas module is (explicit map first, then its title) and what each item counts as.
 * @param canvasModules the result of `CanvasApi.listModules(courseId)`.
 */
export function buildCourseStructure(
  canvasModules: readonly CanvasModuleInput[],
  link: StructureLink,
  rules: ClassificationRules = loadClassificationRules(),
): CourseStructure {
  const classify = compileClassifier(rules, link.classificationOverrides);
  const numbers = moduleNumbers(link.programme);
  const modules = [...canvasModules]
    .sort((a, b) => a.position - b.position)
    .map((module): StructureModule => ({
      canvasModuleId: module.id,
      name: module.name,
      position: module.position,
      ...programmeNumber(module, link.moduleMap ?? {}, numbers),
      items: module.items.map((item) => structureItem(item, classify, module.published !== false)),
    }));
  const matched = new Set(modules.map((m) => m.number));
  return {
    courseId: link.courseId,
    moduleNumbers: numbers,
    modules,
    unmatchedCanvasModules: modules.filter((m) => m.number === null).map((m) => ({ canvasModuleId: m.canvasModuleId, name: m.name })),
    missingProgrammeModules: numbers.filter((n) => !matched.has(n)),
    hash: structureHash(link.courseId, modules),
  };
}

/** Map entries naming Canvas modules the course does not have (typos, deleted modules). */
export function unknownMappedModules(structure: CourseStructure, map: ModuleMap): string[] {
  const present = new Set(structure.modules.map((m) => m.canvasModuleId));
  return Object.keys(map).filter((id) => !present.has(id));
}
