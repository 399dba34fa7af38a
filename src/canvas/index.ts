export {
  CanvasApi,
  type CanvasModuleWithItems,
  type ProgressionModule,
  type ProgressionPage,
  type ProgressionStudent,
} from './api';
export { CanvasClient, type CanvasClientOptions, type CanvasClientStats, type CanvasLogger } from './client';
export {
  CanvasAuthError,
  CanvasConfigError,
  CanvasError,
  CanvasForbiddenError,
  CanvasGraphQLError,
  CanvasNotFoundError,
  CanvasRequestError,
  CanvasSchemaError,
  type CanvasFailureKind,
} from './errors';
export { endpointKey, parseLinkHeader, type Query, type QueryValue } from './http';
export { AdaptiveLimiter, type AdaptiveLimiterOptions, type LimiterFeedback } from './limiter';
export type {
  CanvasBulkProgress,
  CanvasCourse,
  CanvasCourseProgress,
  CanvasEnrollment,
  CanvasModule,
  CanvasModuleItem,
  CanvasSection,
  CanvasSelf,
} from './schemas';
