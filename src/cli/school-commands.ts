import { InvalidArgumentError, type Command } from 'commander';
import { NotFoundError, ValidationError } from '../errors';
import { trustOf, type ImportOptions } from '../people';
import { LINK_DAYS_DEFAULT, LINK_DAYS_MAX, NOTICE_KINDS, SCHOOL_CONTACT_COLUMNS, type LinkOwner, type NoticeKind } from '../schools';
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

/** Exactly one of --urn and --trust: whom a link opens. */
function ownerOption(options: { urn?: string; trust?: string }): LinkOwner {
  if (options.urn !== undefined && options.trust !== undefined) throw new CliError('Give --urn or --trust, not both.');
  if (options.urn !== undefined) return { urn: options.urn };
  const trust = options.trust?.trim();
  if (trust) return { trust };
  throw new CliError(options.trust === undefined ? 'Give --urn <urn> for a school, or --trust <name> for a trust.' : '--trust needs the trust’s name.');
}

/** A trust at least one school of the schools list names: a link to a trust nobody names would open an empty page. */
async function knownTrust(runtime: Runtime, trust: string): Promise<string> {
  const schools = (await runtime.stores.schools.load()).filter((school) => trustOf(school) === trust);
  if (!schools.length) throw new CliError(`No school in the schools list names the trust "${trust}". Add a trust column to the schools file and import it with \`ecf-progress schools import\`.`);
  return `${trust} (${schools.length} ${schools.length === 1 ? 'school' : 'schools'})`;
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
    .description('make a signed link that opens one school’s dashboard, or a trust’s view of its schools, without Canvas (prints the URL once: send it to the school or trust)')
    .option('--urn <urn>', 'the school’s URN')
    .option('--trust <name>', 'a multi-academy trust, named as the schools list’s trust column names it')
    .option('--days <n>', `how long the link works (1 to ${LINK_DAYS_MAX})`, daysOption, LINK_DAYS_DEFAULT)
    .option('--email <address>', 'who the link is for (their notification settings use it)')
    .action(async (options: { urn?: string; trust?: string; days: number; email?: string }) => {
      await withRuntime(async (runtime) => {
        const owner = ownerOption(options);
        const name = 'urn' in owner ? `${(await knownSchool(runtime, owner.urn)).name} (${owner.urn})` : `the trust ${await knownTrust(runtime, owner.trust)}`;
        if (options.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.email.trim())) throw new CliError('--email is not an email address.');
        const { link, url } = await runtime.schoolLinks.create({ ...owner, email: options.email ?? null, days: options.days }).catch(asCliError);
        // A trust's name is the provider's own word for an organisation, not personal data.
        runtime.logger.info({ event: 'school.link_created', linkId: link._id, ...owner }, 'school link created');
        out(url);
        note(`Link ${link._id} for ${name}, valid until ${day(link.expiresAt)}. Revoke it with \`ecf-progress school revoke ${link._id}\`.`);
      });
    });

  school
    .command('links')
    .description('list a school’s (or a trust’s) links: id, email, created, expires, state')
    .option('--urn <urn>', 'the school’s URN')
    .option('--trust <name>', 'the trust’s name')
    .action(async (options: { urn?: string; trust?: string }) => {
      await withRuntime(async (runtime) => {
        const owner = ownerOption(options);
        if ('urn' in owner && !URN.test(owner.urn)) throw new CliError('--urn must be a 6-digit URN.');
        const links = 'urn' in owner ? await runtime.schoolLinks.list(owner.urn) : await runtime.schoolLinks.listOfTrust(owner.trust);
        if (!links.length) return note(`No links for ${'urn' in owner ? owner.urn : `the trust ${owner.trust}`}.`);
        out(['id', 'email', 'created', 'expires', 'state'].join('\t'));
        for (const link of links) out([link._id, link.email ?? '-', day(link.createdAt), day(link.expiresAt), link.state].join('\t'));
      });
    });

  school
    .command('revoke <id>')
    .description('revoke a school’s or trust’s link: it opens nothing more, and pages it opened close at their next request')
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
