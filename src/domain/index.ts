/**
 * The words every folder shares: programmes, tool roles, launch views, platforms and the
 * stored ids built from them. Imports nothing from the rest of src/, so anything may use it.
 */
export { PROGRAMMES, type Programme } from './programme';
export type { LaunchView, ToolRole } from './launch';
export { samePlatform, type PlatformKey } from './platform';
export { courseKeyId, deploymentKeyId, emailDigest, identityKeyId, launchNonceKeyId, personKeyId, personKeysOf, platformKeyId } from './keys';
