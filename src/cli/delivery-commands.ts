import type { Command } from 'commander';
import { EMAIL_OFF, type DeliveryLogEntry } from '../delivery/model';
import type { ScheduledRun } from '../delivery/scheduled';
import type { Runtime } from '../service';
import { CliError, note, out } from './output';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

const OFF_HINT = `${EMAIL_OFF} Set SMTP_URL (smtp://user:pass@host:587 or smtps://host:465) and MAIL_FROM, then run this again.`;

/** Columns padded to their widest cell, separated by two spaces. */
function table(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

function report(run: ScheduledRun): string[] {
  const lines: string[] = [];
  if (run.occurrences.length === 0 && run.failed.length === 0) lines.push('Scheduled exports: none due (or all already queued).');
  else {
    lines.push('Scheduled exports:');
    const body = run.occurrences.map((o) => [o.date, o.urn, o.school, `${o.format} ${o.as}`, String(o.rows), String(o.recipients), o.note ?? `${o.queued} queued`]);
    lines.push(...table(['Date', 'URN', 'School', 'Format', 'Participants', 'Contacts', 'Outcome'], body).map((l) => `  ${l}`));
    for (const f of run.failed) lines.push(`  ${f.date}  ${f.urn}  export failed: ${f.error} (tried again at the next run)`);
  }
  const d = run.delivery;
  lines.push(`Emails: ${d.sent} sent, ${d.failed} failed${d.givenUp ? ` (${d.givenUp} given up)` : ''}, ${d.waiting} waiting (a retry later, or another instance sending).`);
  for (const a of d.attempts) lines.push(`  ${a.messageId} attempt ${a.attempt}: ${a.result}${a.error ? ` (${a.error})` : ''}`);
  return lines;
}

const when = (date: Date) => date.toISOString().replace('T', ' ').slice(0, 16);

function logLines(entries: DeliveryLogEntry[]): string[] {
  const body = entries.map((e) => [when(e.at), e.schoolUrn, e.to, e.kind, e.dataAsOf ? e.dataAsOf.slice(0, 16).replace('T', ' ') : '-', String(e.attempt), e.result, e.retryAt ? `retry ${when(e.retryAt)}: ${e.error ?? ''}` : (e.error ?? '')]);
  return table(['When (UTC)', 'URN', 'To', 'Kind', 'Data as of', 'Attempt', 'Result', 'Error'], body);
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return 50;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw new CliError('--limit: a number from 1 to 1000.', 2);
  return Number(value);
}

export function registerDeliveryCommands(program: Command, withRuntime: WithRuntime): void {
  const delivery = program.command('delivery').description('email: scheduled export emails (config/deliveries.json), the outbox and its log');
  delivery
    .command('run')
    .description('performs the due deliveries now: queues due scheduled exports, sends what is due, retries what is owed a retry')
    .action(async () => {
      const run = await withRuntime(async (runtime) => {
        if (!runtime.outbox.configured) throw new CliError(OFF_HINT);
        return runtime.deliveries.run();
      });
      for (const line of report(run)) out(line);
      if (run.failed.length > 0) throw new CliError('Some scheduled exports could not be made (see above).');
    });
  delivery
    .command('log')
    .description('every attempt to send an email, newest first')
    .option('--urn <urn>', 'one school only (its 6-digit URN)')
    .option('--limit <n>', 'how many attempts to show (default 50, at most 1000)')
    .action(async (opts: { urn?: string; limit?: string }) => {
      if (opts.urn !== undefined && !/^\d{6}$/.test(opts.urn.trim())) throw new CliError('--urn: a school is named by its 6-digit URN.', 2);
      const limit = limitOf(opts.limit);
      const { configured, entries } = await withRuntime(async (runtime) => ({
        configured: runtime.outbox.configured,
        entries: await runtime.outbox.log({ schoolUrn: opts.urn?.trim(), limit }),
      }));
      if (!configured) note(EMAIL_OFF);
      if (entries.length === 0) {
        out(opts.urn ? `No email to school ${opts.urn.trim()} has been attempted.` : 'No email has been attempted.');
        return;
      }
      for (const line of logLines(entries)) out(line);
    });
}
