import { z } from 'zod';

/**
 * Response shapes the sync depends on. Ids are digit strings: the client always asks for
 * `application/json+canvas-string-ids`, so a numeric id means precision may already be lost
 * and must fail validation rather than be stored.
 */
const CanvasId = z.string().regex(/^\d+$/, 'expected a string id');
const Timestamp = z.string();

export const CompletionRequirementSchema = z.object({
  type: z.string(),
  min_score: z.number().optional(),
  completed: z.boolean().optional(),
});

export const ModuleItemSchema = z.object({
  id: CanvasId,
  title: z.string(),
  type: z.string(),
  position: z.number().int(),
  indent: z.number().int().optional(),
  module_id: CanvasId.optional(),
  content_id: CanvasId.optional(),
  html_url: z.string().optional(),
  page_url: z.string().optional(),
  /** Present for callers who can manage the course; students never see unpublished items. */
  published: z.boolean().optional(),
  completion_requirement: CompletionRequirementSchema.optional(),
});

export const ModuleSchema = z.object({
  id: CanvasId,
  name: z.string(),
  position: z.number().int(),
  items_count: z.number().int(),
  require_sequential_progress: z.boolean().optional(),
  published: z.boolean().optional(),
  state: z.enum(['locked', 'unlocked', 'started', 'completed']).optional(),
  completed_at: Timestamp.nullable().optional(),
  items: z.array(ModuleItemSchema).optional(),
});

export const CourseProgressSchema = z.object({
  requirement_count: z.number().int(),
  requirement_completed_count: z.number().int(),
  next_requirement_url: z.string().nullable(),
  completed_at: Timestamp.nullable(),
});

/** Canvas puts `{error: {message}}` in place of counts when progress cannot be evaluated. */
const ProgressUnavailableSchema = z.object({ error: z.object({ message: z.string() }) });

export const BulkProgressSchema = z.object({
  id: CanvasId,
  display_name: z.string(),
  progress: z.union([CourseProgressSchema, ProgressUnavailableSchema]),
});

export const EnrollmentSchema = z.object({
  id: CanvasId,
  user_id: CanvasId,
  course_id: CanvasId,
  course_section_id: CanvasId,
  type: z.string(),
  enrollment_state: z.string(),
  last_activity_at: Timestamp.nullable(),
  user: z.object({
    id: CanvasId,
    name: z.string(),
    sortable_name: z.string(),
    sis_user_id: z.string().nullable().optional(),
    login_id: z.string().nullable().optional(),
    email: z.string().nullable().optional(),
  }),
});

export const SectionSchema = z.object({ id: CanvasId, name: z.string() });

export const CourseSchema = z.object({
  id: CanvasId,
  name: z.string(),
  course_code: z.string(),
  workflow_state: z.string(),
  total_students: z.number().int().optional(),
});

export const SelfSchema = z.object({ id: CanvasId, name: z.string() });

const PageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable().optional() });

export const ProgressionResponseSchema = z.object({
  course: z
    .object({
      _id: CanvasId,
      name: z.string().optional(),
      usersConnection: z
        .object({
          pageInfo: PageInfoSchema,
          nodes: z.array(
            z.object({
              _id: CanvasId,
              name: z.string().nullable(),
              email: z.string().nullable(),
              sisId: z.string().nullable(),
              loginId: z.string().nullable(),
              enrollments: z.array(
                z.object({
                  state: z.string(),
                  type: z.string(),
                  lastActivityAt: Timestamp.nullable(),
                  section: z.object({ _id: CanvasId, name: z.string() }).nullable(),
                }),
              ),
              courseProgression: z
                .object({
                  requirements: z.object({
                    completed: z.number().int(),
                    total: z.number().int(),
                  }),
                  incompleteModulesConnection: z
                    .object({
                      pageInfo: PageInfoSchema,
                      nodes: z.array(
                        z.object({
                          module: z.object({ _id: CanvasId }),
                          incompleteItemsConnection: z.object({
                            pageInfo: PageInfoSchema,
                            nodes: z.array(z.object({ _id: CanvasId })),
                          }),
                        }),
                      ),
                    })
                    .nullable(),
                })
                .nullable(),
            }),
          ),
        })
        .nullable(),
    })
    .nullable(),
});

export type CanvasModuleItem = z.infer<typeof ModuleItemSchema>;
export type CanvasModule = z.infer<typeof ModuleSchema>;
export type CanvasCourseProgress = z.infer<typeof CourseProgressSchema>;
export type CanvasBulkProgress = z.infer<typeof BulkProgressSchema>;
export type CanvasEnrollment = z.infer<typeof EnrollmentSchema>;
export type CanvasSection = z.infer<typeof SectionSchema>;
export type CanvasCourse = z.infer<typeof CourseSchema>;
export type CanvasSelf = z.infer<typeof SelfSchema>;
export type ProgressionResponse = z.infer<typeof ProgressionResponseSchema>;
