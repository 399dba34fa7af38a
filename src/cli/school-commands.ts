import { InvalidArgumentError, type Command } from 'commander';
import { NotFoundError, ValidationError } from '../errors';
import type { ImportOptions } from '../people';
import { LINK_DAYS_DEFAULT, LINK_DAYS_MAX, NOTICE_KINDS, SCHOOL_CONTACT_COLUMNS, type NoticeKind } from '../schools';
import type { Runtime } from '../service';
import { readImportText } from './import-text';
import { CliError, note, out } from './output';
import { presentImport, recordImport } from './people-commands';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

const URN = /^\d{6}$/;
const day = (date: Date) => date.toISOString().slice(0, 10);


function daysOption(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > LINK_DAYS_MAX) throw new InvalidArgumentError(`a whole number of days from 1 to ${LINK_DAYS_MAX}`);
  return days;
}

function kindOption(value: string): NoticeKind {
  const kind = value.trim().toLowerCase();
  if (!(NOTICE_KINDS as readonly string[]).includes(kind)) throw new InvalidArgumentError(`one of ${NOTICE_KINDS.join(', ')}`);
  return kind as NoticeKind;
}

/** A URN the schools list knows: a link to a school nobody imported would open an empty page. */
async function knownSchool(runtime: Runtime, urn: string): Promise<{ name: string }> {
  if (!URN.test(urn)) throw new CliError(`--urn must be a 6-digit URN.`);
  const school = await runtime.stores.schools.collection.findOne({ _id: urn });
  if (!school) throw new CliError(`No school with the URN ${urn} is in the schools list. Import it first with \`ecf-progress schools import\`.`);
  return school;
}

/** Errors the person can act on, in their words; anything else is the CLI's usual error. */
function asCliError(error: unknown): never {
  if (error instanceof ValidationError || error instanceof NotFoundError) throw new CliError(error.message);
  throw error;
}

export function registerSchoolCommands(program: Command, withRuntime: WithRuntime): void {
  const school = program.command('school').description('school contacts and the signed links that open a school’s dashboard');

  school
    .command('contacts')
    .description('who may see a school’s dashboard from Canvas, and who school emails go to')
    .command('import <file>')
    .description(`add or update school contacts from a CSV file (contacts not in the file are kept)\ncolumns: ${SCHOOL_CONTACT_COLUMNS.join(',')}`)
    .option('--dry-run', 'check the file and report what would change, without writing')
    .option('--skip-invalid', 'import the good rows even when some are bad (the bad ones are still listed)')
    .action(async (file: string, options: ImportOptions) => {
      const report = await withRuntime(async (runtime) => {
        const text = await readImportText(file, runtime.config.importMaxBytes);
        const result = await runtime.schoolContacts.import(text, options).catch((error: unknown) => {
          throw error instanceof ValidationError ? new CliError(`${file}: ${error.message}`) : error;
        });
        // Counts only: the rows hold names and email addresses.
        runtime.logger.info({ event: 'school_contacts.import', rows: result.rows, bad: result.bad.length, written: result.written, ...result.counts }, 'import finished');
        await recordImport(runtime, 'school-contacts', file, result, options);
        return result;
      });
      presentImport(file, 'School contacts', report, options);
    });

  school
    .command('link')
    .description('make a signed link that opens one school’s dashboard without Canvas (prints the URL once: send it to the school)')
    .requiredOption('--urn <urn>', 'the school’s URN')
    .option('--days <n>', `how long the link works (1 to ${LINK_DAYS_MAX})`, daysOption, LINK_DAYS_DEFAULT)
    .option('--email <address>', 'who the link is for (their notification settings use it)')
    .action(async (options: { urn: string; days: number; email?: string }) => {
      await withRuntime(async (runtime) => {
        const { name } = await knownSchool(runtime, options.urn);
        if (options.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.email.trim())) throw new CliError('--email is not an email address.');
        const { link, url } = await runtime.schoolLinks.create({ urn: options.urn, email: options.email ?? null, days: options.days }).catch(asCliError);
        runtime.logger.info({ event: 'school.link_created', linkId: link._id, urn: link.urn }, 'school link created');
        out(url);
        note(`Link ${link._id} for ${name} (${link.urn}), valid until ${day(link.expiresAt)}. Revoke it with \`ecf-progress school revoke ${link._id}\`.`);
      });
    });

  school
    .command('links')
    .description('list a school’s links: id, email, created, expires, state')
    .requiredOption('--urn <urn>', 'the school’s URN')
    .action(async (options: { urn: string }) => {
      await withRuntime(async (runtime) => {
        if (!URN.test(options.urn)) throw new CliError('--urn must be a 6-digit URN.');
        const links = await runtime.schoolLinks.list(options.urn);
        if (!links.length) return note(`No links for ${options.urn}.`);
        out(['id', 'email', 'created', 'expires', 'state'].join('\t'));
        for (const link of links) out([link._id, link.email ?? '-', day(link.createdAt), day(link.expiresAt), link.state].join('\t'));
      });
    });

  school
    .command('revoke <id>')
    .description('revoke a school link: it opens nothing more, and pages it opened close at their next request')
    .action(async (id: string) => {
      await withRuntime(async (runtime) => {
        const outcome = await runtime.schoolLinks.revoke(id).catch(asCliError);
        out(outcome === 'revoked' ? `Revoked link ${id}.` : `Link ${id} was already revoked.`);
      });
    });

  const notice = program.command('notice').description('notices (newsletters, policy, guidance) every school’s dashboard shows');

  notice
    .command('publish')
    .description('publish a notice to every school')
    .requiredOption('--title <text>', 'a short title')
    .requiredOption('--body <text>', 'the text, short and plain')
    .option('--link <url>', 'an https:// link to read more')
    .option('--kind <kind>', `${NOTICE_KINDS.join(', ')}`, kindOption, 'newsletter' as NoticeKind)
    .action(async (options: { title: string; body: string; link?: string; kind: NoticeKind }) => {
      await withRuntime(async (runtime) => {
        const published = await runtime.notices.publish(options).catch(asCliError);
        out(`Published notice ${published._id}.`);
      });
    });

  notice
    .command('list')
    .description('every notice, newest first: id, published, kind, state, title')
    .action(async () => {
      await withRuntime(async (runtime) => {
        const all = await runtime.notices.all();
        if (!all.length) return note('No notices yet.');
        out(['id', 'published', 'kind', 'state', 'title'].join('\t'));
        for (const n of all) out([n._id, day(n.publishedAt), n.kind, n.withdrawn ? 'withdrawn' : 'published', n.title].join('\t'));
      });
    });

  notice
    .command('withdraw <id>')
    .description('withdraw a notice: schools no longer see it')
    .action(async (id: string) => {
      await withRuntime(async (runtime) => {
        const outcome = await runtime.notices.withdraw(id).catch(asCliError);
        out(outcome === 'withdrawn' ? `Withdrew notice ${id}.` : `Notice ${id} was already withdrawn.`);
      });
    });
}
