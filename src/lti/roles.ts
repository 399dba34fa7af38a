import type { Programme, ToolRole } from '../domain';

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const INSTITUTION = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const SYSTEM = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

const ADMIN_ROLES = new Set([`${INSTITUTION}Administrator`, `${SYSTEM}Administrator`, `${SYSTEM}SysAdmin`]);
const FACILITATOR_ROLES = new Set([
  `${MEMBERSHIP}Instructor`,
  `${MEMBERSHIP}Instructor#TeachingAssistant`,
  `${MEMBERSHIP}ContentDeveloper`,
]);
const PARTICIPANT_ROLES = new Set([`${MEMBERSHIP}Learner`]);

/**
 * The most trusted role the signed claim grants, or null when none applies. A Canvas
 * observer (membership#Mentor) is not an ECF mentor and gets no role.
 */
export function toolRoleFor(roles: readonly string[]): ToolRole | null {
  if (roles.some((role) => ADMIN_ROLES.has(role))) return 'admin';
  if (roles.some((role) => FACILITATOR_ROLES.has(role))) return 'facilitator';
  if (roles.some((role) => PARTICIPANT_ROLES.has(role))) return 'participant';
  return null;
}

/** Reads the `ecf_programme` custom field; an unexpanded or unknown value counts as absent. */
export function programmeFromCustom(custom: Record<string, unknown> | undefined): Programme | null {
  const value = typeof custom?.ecf_programme === 'string' ? custom.ecf_programme.trim().toLowerCase() : '';
  return value === 'ect' || value === 'mentor' ? value : null;
}
