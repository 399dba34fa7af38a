/** A local database server this process started and must stop. */
export interface EmbeddedServer {
  readonly engine: string;
  readonly uri: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}
