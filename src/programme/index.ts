export { CourseLinks, normaliseCohortName, type CourseLink } from './links';
export { LinkRefusedError, LinkService, type LinkRequest, type LinkResult } from './link-service';
