import type { Store } from '../db/store';
import { courseKeyId, samePlatform, type PlatformKey, type Programme } from '../domain';
import type { ClassificationOverrides, ModuleMap } from '../completion';

/** A Canvas course linked to a programme and cohort, for one platform (issuer + client id). */
export interface CourseLink {
  _id: string;
  issuer: string;
  clientId: string;
  courseId: string;
  programme: Programme;
  cohort: string;
  /** Explicit Canvas module → programme module numbers; titles decide the rest. */
  moduleMap: ModuleMap;
  classificationOverrides: ClassificationOverrides;
  linkedAt: Date;
}

/** The course links, in `ecf_course_links`. */
export class CourseLinks {
  constructor(private readonly store: Store) {}

  private get links() {
    return this.store.collection<CourseLink>('course_links');
  }

  async findProgrammeOfCourse(platform: PlatformKey, courseId: string): Promise<Programme | null> {
    const link = await this.links.findOne({ _id: courseKeyId(platform, courseId) });
    return link?.programme ?? null;
  }

  async get(platform: PlatformKey, courseId: string): Promise<CourseLink | null> {
    return this.links.findOne({ _id: courseKeyId(platform, courseId) });
  }

  /**
   * Every link, or one platform's, ordered by cohort then programme. Links are few (two per
   * cohort), so they are filtered here rather than by a query FerretDB would scan anyway.
   */
  async list(platform?: PlatformKey): Promise<CourseLink[]> {
    const links = await this.links.find({}).toArray();
    return links
      .filter((link) => platform === undefined || samePlatform(link, platform))
      .sort((a, b) => a.cohort.localeCompare(b.cohort) || a.programme.localeCompare(b.programme) || a.courseId.localeCompare(b.courseId));
  }

  /** Cohort names that have at least one linked course; a roster may only name these. */
  async cohortsWithLinks(platform?: PlatformKey): Promise<Set<string>> {
    return new Set((await this.list(platform)).map((link) => link.cohort));
  }

  async save(link: CourseLink): Promise<void> {
    await this.links.replaceOne({ _id: link._id }, link, { upsert: true });
  }

  /** @returns whether there was a link to delete. */
  async delete(platform: PlatformKey, courseId: string): Promise<boolean> {
    return (await this.links.deleteOne({ _id: courseKeyId(platform, courseId) })).deletedCount === 1;
  }
}

/** Free text, compared exactly after this: trimmed, inner runs of whitespace made one space. */
export function normaliseCohortName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}
