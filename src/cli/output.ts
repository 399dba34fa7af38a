/** CLI output: results on stdout, progress and problems on stderr, so `--json` stays parseable. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A failure the person can fix; the CLI prints the message and exits with this code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
