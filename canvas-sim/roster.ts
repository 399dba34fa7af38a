import type { SimCourse } from './cohort';

const cache = new WeakMap<SimCourse, Map<string, { version: number; value: unknown }>>();

/**
 * Memoises a derived view of a course's roster (sorted students, enrollments by user) until
 * its `rosterVersion` changes. A 10,000-student course is otherwise re-sorted on every page.
 */
export function rosterView<T>(course: SimCourse, name: string, build: () => T): T {
  let views = cache.get(course);
  if (!views) {
    views = new Map();
    cache.set(course, views);
  }
  const hit = views.get(name);
  if (hit && hit.version === course.rosterVersion) return hit.value as T;
  const value = build();
  views.set(name, { version: course.rosterVersion, value });
  return value;
}
