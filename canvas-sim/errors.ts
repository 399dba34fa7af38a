/** An error response the simulator's routes send as Canvas would (status plus JSON body). */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`simulated Canvas error ${status}`);
    this.name = 'SimHttpError';
  }
}

/** A test or bench called a simulator control with something that does not exist. */
export class SimulatorUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatorUsageError';
  }
}

export function notFound(): SimHttpError {
  return new SimHttpError(404, { errors: [{ message: 'The specified resource does not exist.' }] });
}
