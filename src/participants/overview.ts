import type { AuditPhase, AuditService, PhaseStatus } from '../audits';
import type { ModuleFigure } from '../completion';
import { moduleWindows, modulesOf, scheduledModule, type ModuleWindow } from '../curriculum';
import type { Programme } from '../domain';
import type { Meetings } from '../meetings';
import type { ParticipantProgress } from '../progress/cohort-model';
import type { SyncStore } from '../sync';

export interface NextItem {
  title: string;
  url: string | null;
}

/** One module as an overview shows it. */
export interface ModuleCard {
  number: number;
  title: string;
  summary: string;
  year: number;
  figure: ModuleFigure | null;
  window: ModuleWindow | null;
  audit: Record<AuditPhase, PhaseStatus>;
  meetings: number;
  /** The first items still to do, linked straight to Canvas (the current module only). */
  next: NextItem[];
}

export interface Overview {
  programme: Programme;
  participant: ParticipantProgress | null;
  overall: number | null;
  dataAsOf: string | null;
  /** Where they are: by the cohort's schedule, else the first module not complete. */
  current: ModuleCard;
  /** Why this module is the current one, in words. */
  currentReason: string;
  others: ModuleCard[];
  meetings: { count: number; last: string | null };
}

const unfinished = (figure: ModuleFigure | null | undefined) => !figure || figure.state === 'not-started' || figure.state === 'in-progress';

/**
 * "Where am I, what's next" for one participant, from the read model (their figures), the course's
 * structure as the last sync saw it (item titles), their audits and their meeting records.
 */
export class ParticipantOverview {
  constructor(
    private readonly deps: {
      audits: Pick<AuditService, 'summary'>;
      meetings: Pick<Meetings, 'summaryFor'>;
      sync: Pick<SyncStore, 'readState'>;
    },
  ) {}

  async overviewOf(input: { ownerId: string | null; participant: ParticipantProgress | null; programme: Programme; cohort: string | null; now?: Date }): Promise<Overview> {
    const { ownerId, participant, programme, cohort } = input;
    const now = input.now ?? new Date();
    const modules = modulesOf(programme);
    const numbers = modules.map((m) => m.number);
    const progress = participant?.progress?.programme === programme ? participant.progress : null;
    const [audits, meetings, state] = await Promise.all([
      ownerId ? this.deps.audits.summary(ownerId, programme, numbers) : Promise.resolve(new Map()),
      ownerId && programme === 'ect' ? this.deps.meetings.summaryFor(ownerId) : Promise.resolve({ count: 0, last: null, byModule: new Map<number, number>() }),
      progress ? this.deps.sync.readState(progress.courseKey) : Promise.resolve(null),
    ]);
    const scheduled = cohort ? scheduledModule(cohort, programme, now) : null;
    const figures = new Map(progress?.modules.map((m) => [m.number, m]) ?? []);
    const windows = new Map(cohort ? moduleWindows(cohort, programme).map((w) => [w.module, w]) : []);
    const currentNumber = scheduled?.window.module ?? numbers.find((n) => unfinished(figures.get(n))) ?? numbers[numbers.length - 1];
    const cards = modules.map((m, i): ModuleCard => ({
      number: m.number,
      title: m.title,
      summary: m.summary,
      year: m.year,
      figure: figures.get(m.number) ?? null,
      window: windows.get(m.number) ?? null,
      audit: audits.get(m.number) ?? { start: 'not-started', end: 'not-started' },
      meetings: meetings.byModule.get(m.number) ?? 0,
      next: m.number === currentNumber && progress ? (progress.toDo[i] ?? []).map((id) => itemLink(state, id)) : [],
    }));
    const current = cards.find((c) => c.number === currentNumber) ?? cards[0];
    return {
      programme,
      participant,
      overall: progress?.overall ?? null,
      dataAsOf: progress?.dataAsOf ?? null,
      current,
      currentReason: scheduled ? (scheduled.open ? 'open now in your programme’s schedule' : 'the latest module opened in your programme’s schedule') : 'your first module not yet complete',
      others: cards.filter((c) => c !== current),
      meetings: { count: meetings.count, last: meetings.last },
    };
  }
}

/** A module item's page in Canvas: `/courses/:course/modules/items/:id` opens it inside its module. */
function itemLink(state: { canvasUrl?: string; courseId: string; moduleItems?: { id: string; title: string }[] } | null, id: string): NextItem {
  const title = state?.moduleItems?.find((item) => item.id === id)?.title ?? 'Next item';
  return { title, url: state?.canvasUrl ? `${state.canvasUrl}/courses/${encodeURIComponent(state.courseId)}/modules/items/${encodeURIComponent(id)}` : null };
}
