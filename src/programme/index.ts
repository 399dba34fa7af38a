export {
  cohortsWithLinks,
  findProgrammeOfCourse,
  getCourseLink,
  listCourseLinks,
  normaliseCohortName,
  type CourseLink,
} from './links';
export { LinkRefusedError, linkCourse, unlinkCourse, type LinkRequest, type LinkResult } from './link-service';
