import type { z } from 'zod';
import type { CanvasClient } from './client';
import { CanvasForbiddenError, CanvasNotFoundError, CanvasSchemaError } from './errors';
import { endpointKey } from './http';
import {
  BulkProgressSchema,
  CourseSchema,
  EnrollmentSchema,
  ModuleItemSchema,
  ModuleSchema,
  ProgressionResponseSchema,
  SectionSchema,
  SelfSchema,
  type CanvasBulkProgress,
  type CanvasCourse,
  type CanvasEnrollment,
  type CanvasModule,
  type CanvasModuleItem,
  type CanvasSection,
  type CanvasSelf,
} from './schemas';

export type CanvasModuleWithItems = CanvasModule & { items: CanvasModuleItem[] };

export interface ProgressionModule {
  moduleId: string;
  incompleteItemIds: string[];
}

export interface ProgressionStudent {
  id: string;
  name: string | null;
  email: string | null;
  sisId: string | null;
  loginId: string | null;
  enrollmentState: string | null;
  sectionId: string | null;
  sectionName: string | null;
  lastActivityAt: string | null;
  /** Null when Canvas cannot evaluate progression (no requirements, or not a student). */
  progression: {
    completed: number;
    total: number;
    incompleteModules: ProgressionModule[];
  } | null;
  /** A nested connection had more pages than fetched: fall back to REST for this student. */
  truncated: boolean;
}

export interface ProgressionPage {
  /** The course's name, which comes with every page at no extra cost. */
  courseName: string | null;
  students: ProgressionStudent[];
  hasNextPage: boolean;
  endCursor: string | null;
  truncated: boolean;
}

/**
 * Users per GraphQL page. 100 users × 20 modules × 100 items keeps the query under Canvas's
 * complexity cap of 375,000 (graphql_tuning.rb); an ECF course has ten modules.
 */
const PROGRESSION_PAGE_SIZE = 100;
/** Canvas's largest `per_page`, which the client asks for. */
const PER_PAGE = 100;
const PROGRESSION_QUERY = /* GraphQL */ `
  query EcfProgression($courseId: ID!, $first: Int!, $after: String, $userIds: [ID]) {
    course(id: $courseId) {
      _id
      name
      usersConnection(
        first: $first
        after: $after
        filter: { enrollmentTypes: [StudentEnrollment], enrollmentStates: [active], userIds: $userIds }
      ) {
        pageInfo { hasNextPage endCursor }
        nodes {
          _id
          name
          email
          sisId
          loginId
          enrollments(courseId: $courseId) {
            state
            type
            lastActivityAt
            section { _id name }
          }
          courseProgression {
            requirements { completed total }
            incompleteModulesConnection(first: 20) {
              pageInfo { hasNextPage }
              nodes {
                module { _id }
                incompleteItemsConnection(first: 100) {
                  pageInfo { hasNextPage }
                  nodes { _id }
                }
              }
            }
          }
        }
      }
    }
  }
`;

function parse<S extends z.ZodType>(schema: S, value: unknown, endpoint: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new CanvasSchemaError(
    endpoint,
    result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`),
  );
}

function segment(id: string): string {
  return encodeURIComponent(id);
}

/**
 * Typed Canvas calls for the sync, each validating the shape it relies on. List helpers
 * that can be large yield one page at a time so callers can write as they go.
 */
export class CanvasApi {
  constructor(private readonly client: CanvasClient) {}

  /** Canvas's own address (the API's origin), for links people follow to a course item. */
  get canvasUrl(): string {
    return this.client.origin;
  }

  /** @throws CanvasError subclasses from the client, or CanvasSchemaError. */
  async getSelf(): Promise<CanvasSelf> {
    return parse(SelfSchema, await this.client.get('/users/self'), 'GET /users/self');
  }

  async getCourse(courseId: string): Promise<CanvasCourse> {
    const path = `/courses/${segment(courseId)}`;
    const body = await this.client.get(path, { include: ['total_students'] });
    return parse(CourseSchema, body, endpointKey('GET', path));
  }

  /**
   * Modules with all their items. Canvas inlines items only for modules of up to 100 items;
   * the rest are fetched from the module's items endpoint.
   * @param opts.studentId adds module `state` and per-item `completion_requirement.completed`.
   */
  async listModules(courseId: string, opts: { studentId?: string } = {}): Promise<CanvasModuleWithItems[]> {
    const path = `/courses/${segment(courseId)}/modules`;
    const endpoint = endpointKey('GET', path);
    const student = opts.studentId === undefined ? {} : { student_id: opts.studentId };
    const modules: CanvasModuleWithItems[] = [];
    for await (const page of this.client.paginate<unknown>(path, { include: ['items'], ...student })) {
      for (const module of parse(ModuleSchema.array(), page, endpoint)) {
        const items = module.items ?? (await this.listModuleItems(courseId, module.id, student));
        modules.push({ ...module, items });
      }
    }
    return modules;
  }

  private async listModuleItems(courseId: string, moduleId: string, query: { student_id?: string }): Promise<CanvasModuleItem[]> {
    const path = `/courses/${segment(courseId)}/modules/${segment(moduleId)}/items`;
    const endpoint = endpointKey('GET', path);
    const items: CanvasModuleItem[] = [];
    for await (const page of this.client.paginate<unknown>(path, query)) {
      items.push(...parse(ModuleItemSchema.array(), page, endpoint));
    }
    return items;
  }

  /**
   * Requirement counts for every student, ⌈S/100⌉ calls, fetched side by side; yields page by page.
   * @param expectedStudents about how many there are (the previous sync's count), for when Canvas's page count is opaque.
   */
  async *listBulkProgress(courseId: string, expectedStudents = 0): AsyncGenerator<CanvasBulkProgress[], void, undefined> {
    const path = `/courses/${segment(courseId)}/bulk_user_progress`;
    const endpoint = endpointKey('GET', path);
    for await (const page of this.client.paginateSideBySide<unknown>(path, {}, Math.ceil(expectedStudents / PER_PAGE))) {
      yield parse(BulkProgressSchema.array(), page, endpoint);
    }
  }

  /** Active student enrollments with their users; yields page by page. */
  async *listStudentEnrollments(courseId: string): AsyncGenerator<CanvasEnrollment[], void, undefined> {
    const path = `/courses/${segment(courseId)}/enrollments`;
    const endpoint = endpointKey('GET', path);
    const query = { type: ['StudentEnrollment'], state: ['active'] };
    for await (const page of this.client.paginate<unknown>(path, query)) {
      yield parse(EnrollmentSchema.array(), page, endpoint);
    }
  }

  async listSections(courseId: string): Promise<CanvasSection[]> {
    const path = `/courses/${segment(courseId)}/sections`;
    const endpoint = endpointKey('GET', path);
    const sections: CanvasSection[] = [];
    for await (const page of this.client.paginate<unknown>(path)) {
      sections.push(...parse(SectionSchema.array(), page, endpoint));
    }
    return sections;
  }

  /**
   * One page of students with identity, section, last activity and module progression,
   * from GraphQL: ⌈S/100⌉ calls for a whole course instead of one REST call per student.
   * @param opts.after the previous page's `endCursor`.
   * @param opts.userIds only these users (e.g. those named in live events).
   * @throws CanvasNotFoundError if the course is missing or hidden from the token.
   * @throws CanvasForbiddenError if the token may not list the course's users.
   */
  async fetchProgressionPage(
    courseId: string,
    opts: { after?: string; userIds?: readonly string[]; first?: number } = {},
  ): Promise<ProgressionPage> {
    const endpoint = 'POST /graphql';
    const data = await this.client.graphql<unknown>(PROGRESSION_QUERY, {
      courseId,
      first: opts.first ?? PROGRESSION_PAGE_SIZE,
      after: opts.after ?? null,
      userIds: opts.userIds && opts.userIds.length > 0 ? [...opts.userIds] : null,
    });
    const { course } = parse(ProgressionResponseSchema, data, endpoint);
    if (course === null) throw new CanvasNotFoundError(endpoint);
    const connection = course.usersConnection;
    if (connection === null) throw new CanvasForbiddenError(endpoint, 'Canvas hid the course roster from');

    const students = connection.nodes.map((node): ProgressionStudent => {
      const enrollment =
        node.enrollments.find((e) => e.type === 'StudentEnrollment' && e.state === 'active') ??
        node.enrollments.find((e) => e.type === 'StudentEnrollment') ??
        null;
      const progression = node.courseProgression;
      const modules = progression?.incompleteModulesConnection ?? null;
      const truncated =
        (modules?.pageInfo.hasNextPage ?? false) ||
        (modules?.nodes.some((m) => m.incompleteItemsConnection.pageInfo.hasNextPage) ?? false);
      return {
        id: node._id,
        name: node.name,
        email: node.email,
        sisId: node.sisId,
        loginId: node.loginId,
        enrollmentState: enrollment?.state ?? null,
        sectionId: enrollment?.section?._id ?? null,
        sectionName: enrollment?.section?.name ?? null,
        lastActivityAt: enrollment?.lastActivityAt ?? null,
        progression: progression && {
          ...progression.requirements,
          incompleteModules: (modules?.nodes ?? []).map((m) => ({
            moduleId: m.module._id,
            incompleteItemIds: m.incompleteItemsConnection.nodes.map((item) => item._id),
          })),
        },
        truncated,
      };
    });
    return {
      courseName: course.name ?? null,
      students,
      hasNextPage: connection.pageInfo.hasNextPage,
      endCursor: connection.pageInfo.endCursor ?? null,
      truncated: students.some((s) => s.truncated),
    };
  }
}
