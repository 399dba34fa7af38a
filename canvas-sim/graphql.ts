import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import type { Cohort, SimCourse, SimEnrollment, SimUser } from './cohort';
import { courseProgress } from './progress';
import { rosterView } from './roster';

/**
 * The slice of Canvas's schema the sync uses, with Canvas's names (app/graphql/types:
 * course_type.rb `CourseUsersFilter`, user_type.rb, enrollment_type.rb,
 * course_progression_type.rb). Not simulated: relay `id`s, `legacyNode`, query complexity
 * and depth limits, and permission-dependent nulls.
 */
const SDL = /* GraphQL */ `
  scalar DateTime

  type Query {
    course(id: ID, sisId: String): Course
  }

  enum CourseFilterableEnrollmentState { invited creation_pending active rejected completed inactive }
  enum CourseFilterableEnrollmentType {
    StudentEnrollment TeacherEnrollment TaEnrollment ObserverEnrollment DesignerEnrollment StudentViewEnrollment
  }
  enum EnrollmentWorkflowState { invited creation_pending active deleted rejected completed inactive }
  enum EnrollmentType {
    StudentEnrollment TeacherEnrollment TaEnrollment ObserverEnrollment DesignerEnrollment StudentViewEnrollment
  }

  input CourseUsersFilter {
    userIds: [ID]
    enrollmentStates: [CourseFilterableEnrollmentState]
    enrollmentTypes: [CourseFilterableEnrollmentType]
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Course {
    _id: ID!
    name: String!
    courseCode: String
    usersConnection(first: Int, after: String, filter: CourseUsersFilter): UserConnection
  }

  type UserConnection { nodes: [User] edges: [UserEdge] pageInfo: PageInfo! }
  type UserEdge { cursor: String! node: User }

  type User {
    _id: ID!
    name: String
    sortableName: String
    email: String
    sisId: String
    loginId: String
    enrollments(courseId: ID): [Enrollment!]!
    courseProgression: CourseProgression
  }

  type Enrollment {
    _id: ID!
    state: EnrollmentWorkflowState!
    type: EnrollmentType!
    lastActivityAt: DateTime
    section: Section
  }

  type Section { _id: ID! name: String! }

  type CourseProgression {
    requirements: CourseRequirements!
    incompleteModulesConnection(first: Int, after: String): ModuleProgressionConnection
  }

  type CourseRequirements { completed: Int! total: Int! completionPercentage: Float! }

  type ModuleProgressionConnection { nodes: [ModuleProgression] pageInfo: PageInfo! }
  type ModuleProgression {
    module: Module!
    incompleteItemsConnection(first: Int, after: String): ModuleItemConnection!
  }
  type Module { _id: ID! name: String position: Int }
  type ModuleItemConnection { nodes: [ModuleItem] pageInfo: PageInfo! }
  type ModuleItem { _id: ID! }
`;

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
}

interface UsersFilter {
  userIds?: (string | null)[] | null;
  enrollmentStates?: string[] | null;
  enrollmentTypes?: string[] | null;
}

/** Counts what the request cost; one per student whose progression was evaluated. */
export interface GraphqlUsage {
  progressions: number;
}

function decodeCursor(cursor: string | null | undefined): number {
  if (!cursor) return 0;
  const n = Number(Buffer.from(cursor, 'base64').toString());
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function encodeCursor(n: number): string {
  return Buffer.from(String(n)).toString('base64');
}

/** graphql-ruby semantics: `first` defaults to 20 and is silently capped at 100. */
function connection<T, N>(all: readonly T[], args: ConnectionArgs, toNode: (row: T) => N) {
  const size = Math.min(Math.max(args.first ?? DEFAULT_PAGE_SIZE, 0), MAX_PAGE_SIZE);
  const offset = decodeCursor(args.after);
  // Only the requested slice becomes nodes: building all of them made a 10,000-student page quadratic.
  const nodes = all.slice(offset, offset + size).map(toNode);
  // Functions, which graphql-js's default resolver calls only when the query asks for the
  // field: most queries want `nodes` alone, and cursors for every item node add up.
  return {
    nodes,
    edges: () => nodes.map((node, i) => ({ cursor: encodeCursor(offset + i + 1), node })),
    pageInfo: {
      hasNextPage: offset + size < all.length,
      hasPreviousPage: offset > 0,
      startCursor: () => (nodes.length > 0 ? encodeCursor(offset + 1) : null),
      endCursor: () => (nodes.length > 0 ? encodeCursor(offset + nodes.length) : null),
    },
  };
}

function progressionNode(course: SimCourse, userId: string) {
  const progress = courseProgress(course, userId);
  const incomplete = progress.modules.filter((m) => m.progress.incomplete.length > 0);
  return {
    requirements: {
      completed: progress.completedCount,
      total: progress.requirementCount,
      completionPercentage:
        progress.requirementCount === 0
          ? 0
          : Math.round((progress.completedCount / progress.requirementCount) * 1000) / 10,
    },
    incompleteModulesConnection: (args: ConnectionArgs) =>
      connection(incomplete, args, ({ module, progress: mp }) => ({
        module: { _id: module.id, name: module.name, position: module.position },
        incompleteItemsConnection: (itemArgs: ConnectionArgs) =>
          connection(mp.incomplete, itemArgs, (item) => ({ _id: item.id })),
      })),
  };
}

/** What the requesting token may see: Canvas hides courseProgression from a token without view_all_grades. */
export interface GraphqlVisibility {
  hiddenCourses: ReadonlySet<string>;
  progressionHidden: boolean;
}

function userNode(course: SimCourse, person: SimUser, enrollments: readonly SimEnrollment[], usage: GraphqlUsage, visibility: GraphqlVisibility) {
  return {
    _id: person.id,
    name: person.name,
    sortableName: person.sortableName,
    email: person.email,
    sisId: person.sisUserId,
    loginId: person.loginId,
    enrollments: (args: { courseId?: string | null }) =>
      args.courseId && args.courseId !== course.id
        ? []
        : enrollments.map((e) => ({
            _id: e.id,
            state: e.state,
            type: e.type,
            lastActivityAt: e.lastActivityAt,
            section: sectionNode(course, e),
          })),
    // Canvas: null when the user is not a student of the course, or the token lacks view_all_grades.
    courseProgression: () => {
      if (visibility.progressionHidden || !enrollments.some((e) => e.type === 'StudentEnrollment' && e.state === 'active')) return null;
      usage.progressions += 1;
      return progressionNode(course, person.id);
    },
  };
}

function sectionNode(course: SimCourse, enrollment: SimEnrollment) {
  const section = course.sections.find((s) => s.id === enrollment.sectionId);
  return section ? { _id: section.id, name: section.name } : null;
}

function courseNode(data: Cohort, course: SimCourse, usage: GraphqlUsage, visibility: GraphqlVisibility) {
  return {
    _id: course.id,
    name: course.name,
    courseCode: course.courseCode,
    usersConnection: (args: ConnectionArgs & { filter?: UsersFilter | null }) => {
      const filter = args.filter ?? {};
      // Canvas's default states when none are given: invited, creation_pending, active.
      const states = filter.enrollmentStates ?? ['invited', 'creation_pending', 'active'];
      const types = filter.enrollmentTypes ?? null;
      const ids = filter.userIds && filter.userIds.length > 0 ? new Set(filter.userIds) : null;
      const byUser = rosterView(course, 'enrollments-by-user', () => {
        const map = new Map<string, SimEnrollment[]>();
        for (const e of course.enrollments) {
          if (e.state === 'deleted') continue;
          const list = map.get(e.userId);
          if (list) list.push(e);
          else map.set(e.userId, [e]);
        }
        return map;
      });
      const roster = rosterView(course, 'users-by-name', () =>
        [...byUser.keys()]
          .map((id) => data.users.get(id))
          .filter((p): p is SimUser => p !== undefined)
          .sort((a, b) => (a.sortableName < b.sortableName ? -1 : a.sortableName > b.sortableName ? 1 : a.id < b.id ? -1 : 1)),
      );
      const matches = (person: SimUser): boolean =>
        (byUser.get(person.id) ?? []).some((e) => states.includes(e.state) && (types === null || types.includes(e.type)));
      const people =
        ids === null
          ? rosterView(course, `users:${states.join()}:${types?.join() ?? '*'}`, () => roster.filter(matches))
          : roster.filter((person) => ids.has(person.id) && matches(person));
      return connection(people, args, (person) => userNode(course, person, byUser.get(person.id) ?? [], usage, visibility));
    },
  };
}

export interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GraphqlExecutor {
  /**
   * Runs one query. `hiddenCourses` are courses the token may not see: Canvas answers
   * `course: null` for them rather than an HTTP error.
   */
  execute(request: GraphqlRequest, visibility: GraphqlVisibility): Promise<{ body: unknown; usage: GraphqlUsage }>;
}

export function createGraphqlExecutor(data: Cohort): GraphqlExecutor {
  const schema: GraphQLSchema = buildSchema(SDL);
  return {
    async execute(request, visibility) {
      const usage: GraphqlUsage = { progressions: 0 };
      if (typeof request.query !== 'string') {
        return { body: { errors: [{ message: 'No query string was present' }] }, usage };
      }
      const variables =
        request.variables && typeof request.variables === 'object'
          ? (request.variables as Record<string, unknown>)
          : undefined;
      const rootValue = {
        course: (args: { id?: string | null }) => {
          const course = data.courses.find((c) => c.id === args.id);
          if (!course || visibility.hiddenCourses.has(course.id)) return null;
          return courseNode(data, course, usage, visibility);
        },
      };
      const result = await graphql({
        schema,
        source: request.query,
        rootValue,
        variableValues: variables,
        operationName: typeof request.operationName === 'string' ? request.operationName : undefined,
      });
      return { body: result, usage };
    },
  };
}
