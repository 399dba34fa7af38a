import { participantFigures, type ParticipantFigures } from '../completion';
import { moduleNumbers } from '../curriculum';
import type { CourseSyncState, StudentRecord } from '../sync';

/**
 * A synced student's figures, as every page and export shows them. Generations written before
 * per-student denominators carry no `moduleRequired`: those use the course's totals until the
 * next sync rewrites them.
 */
export function figuresOfStudent(state: CourseSyncState, student: StudentRecord, numbers = moduleNumbers(state.programme)): ParticipantFigures {
  const required = student.moduleRequired.length > 0 ? student.moduleRequired : state.moduleTotals;
  return participantFigures(numbers, required, student.moduleDone);
}
