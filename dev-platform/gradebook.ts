import { randomUUID } from 'node:crypto';
import type { DemoCourse } from './demo-data';
import { lineItemsUrl } from './urls';

/** A gradebook column: in Canvas, the line item of an assignment. */
export interface LineItem {
  /** Canvas numbers line items globally, as it numbers assignments. */
  id: string;
  /** `${issuer}/api/lti/courses/:courseId/line_items/:id`: its AGS address and its `id` in AGS JSON. */
  url: string;
  /** The developer key whose tool owns it; only that key's tokens may post scores to it. */
  clientId: string;
  /** The Canvas course id. */
  courseId: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  /** The assignment's resource link: `resource_link.id` when a student opens the assignment. */
  resourceLinkId: string;
  tag?: string;
  /** The placed link's custom parameters, sent on its launches as Canvas does. */
  custom: Readonly<Record<string, string>>;
  /** The placed link's URL; the registration's launch URL when left out. */
  targetLinkUri?: string;
}

export interface CreateLineItemInput {
  /** The ECT course by default. */
  course?: DemoCourse;
  label: string;
  scoreMaximum: number;
  /** A fresh UUID by default, as Canvas gives each resource link. */
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
  custom?: Record<string, string>;
  /** The built-in registration by default. */
  clientId?: string;
  targetLinkUri?: string;
}

/** A score as the platform received it; `userSub` is the student's LTI `sub` whichever id was posted. */
export interface GradebookEntry {
  lineItem: LineItem;
  userSub: string;
  scoreGiven: number | null;
  scoreMaximum: number | null;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
  comment?: string;
}

/** One result per line item and user, as Canvas keeps an `Lti::Result` and updates it. */
interface Result {
  id: number;
  latest: GradebookEntry;
}

export interface GradebookDeps {
  issuer: string;
  defaultClientId: string;
  defaultCourse: DemoCourse;
}

/** The platform's in-memory gradebook: line items, every score received, and injected failures. */
export class Gradebook {
  private readonly items = new Map<string, LineItem>();
  private readonly results = new Map<string, Result>();
  private readonly received: GradebookEntry[] = [];
  private pendingFailures: number[] = [];
  // Canvas's ids are global and large; starting high keeps them from looking like course ids.
  private lastId = 500;

  constructor(private readonly deps: GradebookDeps) {}

  createLineItem(input: CreateLineItemInput): LineItem {
    if (!Number.isFinite(input.scoreMaximum) || input.scoreMaximum < 0) throw new RangeError('scoreMaximum must be a number ≥ 0');
    const courseId = (input.course ?? this.deps.defaultCourse).canvasCourseId;
    this.lastId += 1;
    const id = String(this.lastId);
    const item: LineItem = {
      id,
      url: `${lineItemsUrl(this.deps.issuer, courseId)}/${id}`,
      clientId: input.clientId ?? this.deps.defaultClientId,
      courseId,
      label: input.label,
      scoreMaximum: input.scoreMaximum,
      resourceId: input.resourceId,
      resourceLinkId: input.resourceLinkId ?? randomUUID(),
      tag: input.tag,
      custom: { ...input.custom },
      targetLinkUri: input.targetLinkUri,
    };
    this.items.set(id, item);
    return item;
  }

  lineItem(id: string): LineItem | undefined {
    return this.items.get(id);
  }

  lineItems(): LineItem[] {
    return [...this.items.values()];
  }

  /** The latest score per line item and user, in the order each pair was first scored. */
  latest(): GradebookEntry[] {
    return [...this.results.values()].map((result) => result.latest);
  }

  /** Every score accepted, oldest first. */
  all(): GradebookEntry[] {
    return [...this.received];
  }

  lastScore(lineItem: LineItem, userSub: string): GradebookEntry | undefined {
    return this.results.get(`${lineItem.id}:${userSub}`)?.latest;
  }

  /** Stores a score and returns its result id (stable per line item and user). */
  record(entry: GradebookEntry): number {
    const key = `${entry.lineItem.id}:${entry.userSub}`;
    const result = this.results.get(key) ?? { id: this.results.size + 1, latest: entry };
    result.latest = entry;
    this.results.set(key, result);
    this.received.push(entry);
    return result.id;
  }

  /** Replaces any failures still pending, so `failScores(0)` clears them. */
  failScores(count: number, status: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a whole number');
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('status must be an HTTP error status');
    this.pendingFailures = Array.from({ length: count }, () => status);
  }

  /** The status the next score POST must fail with, if a test asked for one. */
  takeFailure(): number | undefined {
    return this.pendingFailures.shift();
  }
}
