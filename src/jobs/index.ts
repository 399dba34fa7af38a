export { JobRunner, JobsStoppedError, UnknownJobError, type JobDefinition } from './runner';
