import fs from 'node:fs';
import type { Command } from 'commander';
import { ITEM_CLASSES, parseClassificationOverrides, parseModuleMap, type ClassificationOverrides, type ItemClass, type StructureModule } from '../completion';
import { moduleNumbers } from '../curriculum';
import { PROGRAMMES, type Programme } from '../domain';
import type { LinkResult } from '../programme/link-service';
import type { CourseLink } from '../programme/links';
import type { Runtime } from '../service';
import { ValidationError } from '../errors';
import { CliError, out } from './output';
import { choosePlatform, type PlatformFlags } from './platform-choice';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

const PROGRAMME_NAMES: Record<Programme, string> = { ect: 'early career teacher (ect)', mentor: 'mentor' };
const CLASS_NAMES: Record<ItemClass, string> = {
  'self-study': 'self-study',
  'mentor-meeting': 'mentor meeting',
  event: 'event',
  audit: 'audit',
  header: 'header',
};

function readClassifyFile(file: string): ClassificationOverrides {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read --classify-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  try {
    return parseClassificationOverrides(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof SyntaxError) throw new CliError(`--classify-file ${file} is not valid JSON: ${error.message}`);
    throw error;
  }
}

function classCounts(module: StructureModule): string {
  const counts = ITEM_CLASSES.map((c) => [c, module.items.filter((item) => item.class === c).length] as const).filter(([, n]) => n > 0);
  return counts.length === 0 ? 'no items' : counts.map(([c, n]) => `${n} ${CLASS_NAMES[c]}`).join(', ');
}

const requiredSelfStudy = (module: StructureModule) => module.items.filter((i) => i.class === 'self-study' && i.required).length;

function matchLine(module: StructureModule): string {
  const how = module.matchedBy === 'map' ? 'by --module-map' : 'by title';
  return [
    `  "${module.name}" (Canvas module ${module.canvasModuleId}) → programme module ${module.number} (${how})`,
    `      items: ${classCounts(module)}; required self-study: ${requiredSelfStudy(module)}`,
  ].join('\n');
}

/** Required self-study per programme module, summed when a programme module spans Canvas modules. */
function selfStudyTotals(modules: readonly StructureModule[]): string {
  const totals = new Map<number, number>();
  for (const m of modules) if (m.number !== null) totals.set(m.number, (totals.get(m.number) ?? 0) + requiredSelfStudy(m));
  return [...totals].sort(([a], [b]) => a - b).map(([n, count]) => `${n}: ${count}`).join(', ') || 'none';
}

export function describeLink({ link, structure, previous }: LinkResult): string[] {
  const matched = structure.modules.filter((m) => m.number !== null);
  const lines = [
    `${previous ? 'Relinked' : 'Linked'} course ${link.courseId} to the ${PROGRAMME_NAMES[link.programme]} programme, cohort "${link.cohort}" (platform ${link.issuer}, client id ${link.clientId}).`,
    `Matched Canvas modules (${matched.length}):`,
    ...matched.map(matchLine),
  ];
  if (structure.unmatchedCanvasModules.length > 0) {
    lines.push('Canvas modules not matched to a programme module (their items do not count):');
    lines.push(...structure.unmatchedCanvasModules.map((m) => `  "${m.name}" (Canvas module ${m.canvasModuleId})`));
  }
  if (structure.missingProgrammeModules.length > 0) {
    lines.push(`Programme modules with no Canvas module: ${structure.missingProgrammeModules.join(', ')}. Name a Canvas module "Module N: …" or use --module-map CANVAS_MODULE_ID=N.`);
  }
  lines.push(`Required self-study items per programme module: ${selfStudyTotals(structure.modules)}`);
  return lines;
}

function linkExtras(link: CourseLink): string {
  const mapped = Object.keys(link.moduleMap).length;
  const overrides = Object.keys(link.classificationOverrides.items).length + link.classificationOverrides.titles.length;
  const parts = [mapped ? `${mapped} mapped module(s)` : '', overrides ? `${overrides} classification override(s)` : ''].filter(Boolean);
  return parts.length ? `  (${parts.join(', ')})` : '';
}

function describeLinks(links: readonly CourseLink[]): string[] {
  const lines: string[] = [];
  let platform = '';
  for (const link of links) {
    const heading = `${link.issuer} (client id ${link.clientId})`;
    if (heading !== platform) lines.push((platform = heading));
    lines.push(`  cohort "${link.cohort}"  ${link.programme.padEnd(6)}  course ${link.courseId}${linkExtras(link)}`);
  }
  return lines;
}

function byPlatform(links: CourseLink[]): CourseLink[] {
  return [...links].sort((a, b) => a.issuer.localeCompare(b.issuer) || a.clientId.localeCompare(b.clientId));
}

type LinkOptions = PlatformFlags & { course: string; programme: Programme; cohort: string; moduleMap?: string; classifyFile?: string };

function programmeOption(value: string): Programme {
  const programme = PROGRAMMES.find((p) => p === value);
  if (!programme) throw new ValidationError(`--programme must be ${PROGRAMMES.join(' or ')}`);
  return programme;
}

export function registerProgrammeCommands(program: Command, withRuntime: WithRuntime): void {
  const programme = program.command('programme').description('link Canvas courses to the ECT and mentor programmes and their cohorts');

  programme
    .command('link')
    .description("link a Canvas course to a programme and cohort; reads the course's modules and reports how they match")
    .requiredOption('--course <id>', 'the Canvas course id')
    .requiredOption('--programme <programme>', 'ect or mentor')
    .requiredOption('--cohort <name>', 'the cohort, e.g. "September 2024"')
    .option('--issuer <url>', 'the platform issuer (needed when several platforms are registered)')
    .option('--client-id <id>', 'the developer key client id (needed when the issuer has several)')
    .option('--module-map <map>', 'Canvas module ids to programme modules, e.g. 12=1,13=2 (titles decide the rest)')
    .option('--classify-file <path>', 'JSON with this course\'s item classification overrides: {"items": {"ITEM_ID": "event"}, "titles": [{"pattern": "^Webinar", "class": "event"}]}')
    .action((opts: LinkOptions) =>
      withRuntime(async (runtime) => {
        const platform = await choosePlatform(runtime.registry, opts);
        const result = await runtime.linking.link({
          platform,
          courseId: opts.course.trim(),
          programme: opts.programme,
          cohort: opts.cohort,
          moduleMap: opts.moduleMap === undefined ? undefined : parseModuleMap(opts.moduleMap, moduleNumbers(programmeOption(opts.programme))),
          classificationOverrides: opts.classifyFile === undefined ? undefined : readClassifyFile(opts.classifyFile),
        });
        for (const text of describeLink(result)) out(text);
      }),
    );

  programme
    .command('list')
    .description('list linked courses with their programme and cohort')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withRuntime(async (runtime) => {
        const links = byPlatform(await runtime.stores.links.list());
        if (opts.json) return out(JSON.stringify(links, null, 2));
        if (links.length === 0) return out('No courses are linked yet. Link one with `ecf-progress programme link`.');
        for (const text of describeLinks(links)) out(text);
      }),
    );

  programme
    .command('unlink')
    .description('remove the link between a Canvas course and its programme, and the course\'s synced progress')
    .requiredOption('--course <id>', 'the Canvas course id')
    .option('--issuer <url>', 'the platform issuer (needed when several platforms are registered)')
    .option('--client-id <id>', 'the developer key client id (needed when the issuer has several)')
    .action((opts: PlatformFlags & { course: string }) =>
      withRuntime(async (runtime) => {
        const platform = await choosePlatform(runtime.registry, opts);
        const result = await runtime.retention.unlinkCourseAndData(platform, opts.course.trim());
        if (!result.unlinked) throw new CliError(`Course ${opts.course} is not linked for ${platform.issuer} (client id ${platform.clientId}).`);
        out(`Unlinked course ${opts.course.trim()} (${platform.issuer}, client id ${platform.clientId}) and deleted its synced progress (${result.students} student(s)).`);
      }),
    );
}
