/** The tool's own roles; Canvas's LTI roles map onto them in lti/roles (CANVAS.md §1.5). */
export type ToolRole = 'participant' | 'facilitator' | 'admin' | 'school';

/**
 * What a launch opens. Deep-linked items carry it in custom parameters so each placed
 * link goes straight to its view.
 */
export type LaunchView =
  | { kind: 'home' }
  | { kind: 'progress' }
  | { kind: 'audit'; module: number }
  | { kind: 'session-plans'; module: number };
