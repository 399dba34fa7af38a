/** The two ECF programmes a Canvas course is linked to; what each contains is the curriculum's business. */
export const PROGRAMMES = ['ect', 'mentor'] as const;

export type Programme = (typeof PROGRAMMES)[number];
