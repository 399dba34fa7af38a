/** A registered LTI platform: one Canvas instance seen through one developer key. */
export interface PlatformKey {
  issuer: string;
  clientId: string;
}

export const samePlatform = (a: PlatformKey, b: PlatformKey): boolean => a.issuer === b.issuer && a.clientId === b.clientId;
