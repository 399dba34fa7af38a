import { CanvasError } from '../canvas/errors';
import { canvasUserAgent, explainCanvasFailure, openCanvasApi, type Connections } from '../canvas/connections';
import type { Config } from '../config/env';
import { courseKeyId, type PlatformKey, type Programme } from '../domain';
import { AppError, ValidationError } from '../errors';
import { normaliseCohortName, type CourseLinks, type CourseLink } from './links';
import { buildCourseStructure, NO_OVERRIDES, unknownMappedModules, type ClassificationOverrides, type CourseStructure, type ModuleMap } from '../completion';

/** Linking cannot go ahead until the person fixes something outside this tool. */
export class LinkRefusedError extends AppError {
  constructor(message: string) {
    super('link_refused', 409, message);
  }
}

export interface LinkRequest {
  platform: PlatformKey;
  courseId: string;
  programme: Programme;
  cohort: string;
  moduleMap?: ModuleMap;
  classificationOverrides?: ClassificationOverrides;
}

export interface LinkResult {
  link: CourseLink;
  structure: CourseStructure;
  /** The link this one replaced, when the course was linked before. */
  previous: CourseLink | null;
}

export interface LinkServiceDeps {
  links: CourseLinks;
  connections: Pick<Connections, 'get'>;
  config: Pick<Config, 'publicUrl'>;
}

const MAX_COHORT_LENGTH = 100;

function checkRequest(request: LinkRequest): string {
  if (!/^\d+$/.test(request.courseId)) throw new ValidationError(`--course must be a Canvas course id (digits), not "${request.courseId}"`);
  if (request.programme !== 'ect' && request.programme !== 'mentor') throw new ValidationError('--programme must be ect or mentor');
  const cohort = normaliseCohortName(request.cohort);
  if (cohort === '' || cohort.length > MAX_COHORT_LENGTH) throw new ValidationError(`--cohort must be a name of 1–${MAX_COHORT_LENGTH} characters, e.g. "September 2024"`);
  return cohort;
}

/** Links and unlinks courses: the course's modules are read through the platform's Canvas connection first. */
export class LinkService {
  constructor(private readonly deps: LinkServiceDeps) {}

  /** A participant's module numbers come from their cohort's one course of their programme. */
  private async refuseSecondCourse(request: LinkRequest, cohort: string): Promise<void> {
    const clash = (await this.deps.links.list(request.platform)).find(
      (l) => l.cohort === cohort && l.programme === request.programme && l.courseId !== request.courseId,
    );
    if (clash) {
      throw new LinkRefusedError(
        `Cohort "${cohort}" already has a ${request.programme} course (${clash.courseId}) on this platform. Unlink it first with \`ecf-progress programme unlink --course ${clash.courseId}\`.`,
      );
    }
  }

  private async fetchStructure(request: LinkRequest, overrides: ClassificationOverrides): Promise<CourseStructure> {
    const connection = await this.deps.connections.get(request.platform);
    if (!connection) {
      throw new LinkRefusedError(
        `No Canvas connection is saved for ${request.platform.issuer} (client id ${request.platform.clientId}). Save one with \`ecf-progress canvas connect\`.`,
      );
    }
    const api = openCanvasApi(connection, { userAgent: canvasUserAgent(this.deps.config), maxRetries: 2 });
    try {
      const modules = await api.listModules(request.courseId);
      return buildCourseStructure(modules, { courseId: request.courseId, programme: request.programme, moduleMap: request.moduleMap, classificationOverrides: overrides });
    } catch (error) {
      if (error instanceof CanvasError) throw new LinkRefusedError(`Canvas did not list the modules of course ${request.courseId}: ${explainCanvasFailure(error)}.`);
      throw error;
    }
  }

  /**
   * Links a Canvas course to a programme and cohort after reading its modules through the
   * platform's Canvas connection, so a wrong course id or a token without access is refused
   * before anything is stored.
   * @throws ValidationError, LinkRefusedError
   */
  async link(request: LinkRequest): Promise<LinkResult> {
    const cohort = checkRequest(request);
    await this.refuseSecondCourse(request, cohort);
    const overrides = request.classificationOverrides ?? NO_OVERRIDES;
    const moduleMap = request.moduleMap ?? {};
    const structure = await this.fetchStructure(request, overrides);
    const unknown = unknownMappedModules(structure, moduleMap);
    if (unknown.length > 0) throw new ValidationError(`--module-map names Canvas modules that course ${request.courseId} does not have: ${unknown.join(', ')}`);
    const previous = await this.deps.links.get(request.platform, request.courseId);
    const link: CourseLink = {
      _id: courseKeyId(request.platform, request.courseId),
      issuer: request.platform.issuer,
      clientId: request.platform.clientId,
      courseId: request.courseId,
      programme: request.programme,
      cohort,
      moduleMap,
      classificationOverrides: overrides,
      linkedAt: new Date(),
    };
    await this.deps.links.save(link);
    return { link, structure, previous };
  }
}
