import { z } from 'zod';

/**
 * Column parsers shared by the import files. Values arrive trimmed; a blank optional value
 * becomes null. Messages never repeat the value, so a report cannot leak an address.
 */
const emailFormat = z.email({ error: 'is not an email address' });

export const requiredText = z.string().min(1, { error: 'is required' });

export const optionalText = z.string().transform((value) => value || null);

export const optionalEmail = z
  .string()
  .transform((value) => value.toLowerCase() || null)
  .pipe(emailFormat.nullable());

/** Several addresses separated by `;`, lowercased, each once. */
export const emailList = z
  .string()
  .transform((value) => [...new Set(value.split(';').map((part) => part.trim().toLowerCase()).filter(Boolean))])
  .refine((emails) => emails.every((email) => emailFormat.safeParse(email).success), { error: 'has an entry that is not an email address' });

export const urn = z.string().regex(/^\d{6}$/, { error: 'must be a 6-digit URN' });

export const optionalCanvasId = z
  .string()
  .regex(/^\d*$/, { error: 'must be a Canvas user id (digits only)' })
  .transform((value) => value || null);

/** A calendar date that exists, YYYY-MM-DD, between 2000 and 2100. */
export function isRealDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 2000 || year > 2100) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** "a, b or c" */
export const listOf = (values: readonly string[], conjunction: 'and' | 'or') =>
  values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} ${conjunction} ${values[values.length - 1]}`;

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(z.enum(values, { error: `must be ${listOf(values, 'or')}` }));

/** "column: reason" for each problem zod found in one row. */
export function reasonsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
}
