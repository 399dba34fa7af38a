import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import type { Config } from './config/env';
import { deriveSecrets, resolveAppSecret, type Secrets } from './config/secrets';
import { ChangeMarks } from './db/change-marks';
import { connectDatabase, resolveDatabase, type DatabaseHandle } from './db/connection';
import { Store } from './db/store';
import { ensureStore } from './db/store-setup';
import { createLogger, type Logger } from './log/logger';
import { JobRunner } from './jobs';
import { Connections } from './canvas/connections';
import type { PlatformRegistry, ScoreDelivery } from './lti';
import { toolUrls } from './lti/canvas-config';
import { Identities } from './lti/identities';
import { LaunchRecords, type LaunchDeps } from './lti/launch';
import { IssuedLogins } from './lti/login-states';
import { PURGE_INTERVAL_MS, sweepExpiredLtiRecords } from './lti/purge';
import { RegistrationLinks } from './lti/registration-links';
import { GroupFacilitators, ImportRuns, Roster, RosterHistory, Schools } from './people';
import { CourseLinks, LinkService } from './programme';
import { CohortReport } from './progress/cohort-report';
import { OwnProgress } from './progress/participant';
import { personKeyId } from './domain';
import { loadMilestones, loadRiskRules, loadSchedule } from './curriculum';
import { Meetings } from './meetings';
import { Attendance } from './attendance';
import { AuditService, ScoreOutbox } from './audits';
import { ParticipantAccess } from './participants/access';
import { ParticipantOverview } from './participants/overview';
import { OwnDataRefresh } from './participants/refresh';
import { ReadModel } from './progress/read-model';
import { Retention } from './retention';
import { SessionStore } from './sessions/store';
import { createSyncService, Leases, OnDemandSyncs, RunRecords, SyncStore, type SyncService } from './sync';
import type { GroupMembers } from './web/routes/attendance';
import { FrameAncestors, frameAncestorsFor } from './web/frame-ancestors';
import { WeeklySnapshots } from './trends';
import { CohortGrid, GroupBoards } from './cohort';
import { DeliveryLinks } from './delivery/links';
import type { Mailer } from './delivery/mailer';
import { Outbox } from './delivery/outbox';
import { loadDeliveries } from './delivery/schedule';
import { ScheduledExports, rosterSchools } from './delivery/scheduled';
import { Notices, SchoolContacts, SchoolDashboard, SchoolLinks } from './schools';
import type { SchoolPageDeps } from './web/routes/school';
import { ChangeRequests } from './changes';
import { RosterChanges } from './people';
import { Declarations, Readiness } from './milestones';
import { ProgressExports } from './exports';
import { Notifications } from './notifications';

/** Every store class, each built once on the one `Store`. */
export interface Stores {
  store: Store;
  marks: ChangeMarks;
  links: CourseLinks;
  schools: Schools;
  groups: GroupFacilitators;
  /** The record of every import (roster, schools, groups, events), for the admin page. */
  importRuns: ImportRuns;
  roster: Roster;
  /** Each participant's changes of schedule and school (transfers), with their dates. */
  rosterHistory: RosterHistory;
  sync: SyncStore;
  runs: RunRecords;
  leases: Leases;
  readModel: ReadModel;
  identities: Identities;
  logins: IssuedLogins;
  launches: LaunchRecords;
  registrationLinks: RegistrationLinks;
  connections: Connections;
  sessions: SessionStore;
  meetings: Meetings;
  /** Training events and their registers. */
  attendance: Attendance;
  scoreOutbox: ScoreOutbox;
}

export interface Runtime {
  config: Config;
  logger: Logger;
  secrets: Secrets;
  database: DatabaseHandle;
  stores: Stores;
  registry: PlatformRegistry;
  sessions: SessionStore;
  /** Links courses to programmes (reads their modules through Canvas first). */
  linking: LinkService;
  /** The sync; each run that commits rebuilds the read model of its cohorts. */
  syncService: SyncService;
  retention: Retention;
  cohortReport: CohortReport;
  ownProgress: OwnProgress;
  /** Who may read whose records, from the launch. */
  access: ParticipantAccess;
  audits: AuditService;
  /** Sends audit scores to Canvas; the `scores` job runs it. */
  scoreDelivery: ScoreDelivery;
  /** "Where am I, what's next" for a participant. */
  overview: ParticipantOverview;
  /** Refreshes a participant's stale figures when they open the tool. */
  ownDataRefresh: OwnDataRefresh;
  /** Syncs of single courses an admin started with "Sync now", with their progress. */
  onDemandSyncs: OnDemandSyncs;
  /** Weekly progress snapshots and the trend charts' figures; the `snapshots` job takes them. */
  snapshots: WeeklySnapshots;
  /** Each group's activity in the tool (audits, meetings, registers), for the cohort grid. */
  boards: GroupBoards;
  /** The cohort grid: the read model's rows, the boards and a rating with reasons. */
  cohortGrid: CohortGrid;
  /** DfE milestones: who is ready to be declared, who is at risk and why, from the read model and the boards. */
  readiness: Readiness;
  /** The provider's declaration list, imported so readiness can say "already declared". */
  declarations: Declarations;
  /** Schools' change requests (mentor, email, withdrawal, deferral, new participant) and their review. */
  changes: ChangeRequests;
  /** Progress exports (CSV, XLSX, PDF) of a school, a cohort or its groups, from the cohort grid. */
  exports: ProgressExports;
  /** Email, exactly once: rendered messages, leased attempts, retries and the delivery log. */
  outbox: Outbox;
  /** SMTP (SMTP_URL, MAIL_FROM); null when email is not set up. */
  mailer: Mailer | null;
  /** Scheduled export emails (config/deliveries.json); the `deliveries` job runs them. */
  deliveries: ScheduledExports;
  /** Signs and checks the download links of export emails. */
  deliveryLinks: DeliveryLinks;
  /** Who each school's contacts are (the contacts import and the schools list). */
  schoolContacts: SchoolContacts;
  /** Signed, expiring, revocable links to a school's dashboard. */
  schoolLinks: SchoolLinks;
  /** Provider notices every school's dashboard shows. */
  notices: Notices;
  /** A school's people, ratings and training events, from the cohort grid. */
  schoolDashboard: SchoolDashboard;
  /** School contacts' notifications and their choices; the `notifications` job runs the daily checks and the Monday digest. */
  notifications: Notifications;
  close(): Promise<void>;
}

export const DEV_PLATFORM_PATH = '/dev-platform';

export interface RuntimeOptions {
  logger?: Logger;
  say?: (line: string) => void;
  shareRunningDatabase?: boolean;
  /**
   * false leaves ltijs unloaded and not set up, for CLI commands that touch no platform: it and
   * its Express stack are a large share of the app's modules. `registry` and `scoreDelivery`
   * then throw; everything else works as with it.
   */
  lti?: boolean;
  /**
   * false for a short-lived process (the CLI): reading a cohort's grid does not start rebuilds
   * of its group boards in the background. They are derived, and the service rebuilds them on
   * the next page that reads them; a command would otherwise wait for them at exit.
   */
  backgroundRebuilds?: boolean;
}

/** ltijs set up on the shared connection, and what reaches platforms through it. */
interface LtiEdge {
  registry: PlatformRegistry;
  scoreDelivery: ScoreDelivery;
  close(): Promise<void>;
}

type LtiEdgeDeps = Omit<LaunchDeps, 'registry'> & {
  config: Config;
  secrets: Secrets;
  database: DatabaseHandle;
  stores: Stores;
};

/** Loads ltijs (here, not at the top of this module), builds the platform registry on it and sets it up. */
async function openLtiEdge({ config, secrets, database, stores, ...launchDeps }: LtiEdgeDeps): Promise<LtiEdge> {
  const { PlatformRegistry, ScoreDelivery, lti, ltijsInWorker, setupLti } = await import('./lti');
  const registry = new PlatformRegistry({
    store: stores.store,
    marks: stores.marks,
    allowHttp: !config.isProduction,
    refusedIssuerPrefix: config.isProduction ? `${config.publicUrl}${DEV_PLATFORM_PATH}` : undefined,
    registerDynamic: ltijsInWorker({ uri: database.uri, dbName: database.dbName, ltiKey: secrets.ltiKey }),
  });
  await setupLti({ ...launchDeps, ltiKey: secrets.ltiKey, dbUri: database.uri, registry });
  return {
    registry,
    scoreDelivery: new ScoreDelivery(stores.scoreOutbox, launchDeps.logger),
    // ltijs's close removes its reconnect-on-disconnect listener before closing the connection.
    close: async () => void (await lti.close({ silent: true })),
  };
}

/**
 * Everything but HTTP: database, ltijs (unless `lti: false`) and the services. The CLI uses
 * this too, so it reads the same configuration and the same database as the running service.
 */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const say = options.say ?? ((line: string) => logger.info(line));
  // Programme data is checked before anything starts, so a bad edit stops the tool with the place at fault.
  loadSchedule();
  loadRiskRules();
  loadMilestones();
  const deliveriesConfig = loadDeliveries();
  const secrets = deriveSecrets(resolveAppSecret(config));
  const database = await resolveDatabase(config, say, { shareRunning: options.shareRunningDatabase ?? false });
  try {
    // The one use of mongoose's process-wide connection: ltijs shares it by its own design
    // (it opens its models on mongoose's default connection), and our Store wraps its db.
    const { connection } = await connectDatabase(database.uri, database.dbName);
    if (!connection.db) throw new Error('database is not connected');
    const store = new Store(connection.db);
    await ensureStore(store.db);
    const stores = openStores(store, config, secrets);
    const { sessions, links, identities, launches } = stores;
    const audits = new AuditService(store, stores.scoreOutbox);
    const schoolContacts = new SchoolContacts(store, stores.schools);
    const ltiEdge = options.lti === false ? null : await openLtiEdge({
      config,
      secrets,
      database,
      stores,
      sessions,
      identities,
      launches,
      resolveProgramme: (platform, courseId) => links.findProgrammeOfCourse(platform, courseId),
      // A Canvas user with no ECF role who is a school contact opens their school's dashboard.
      schoolContactOf: (who) => schoolContacts.matchLaunch(who),
      logger,
      onAuditAssignment: async (launch) => {
        const ownerId = personKeyId(launch.platform, launch.canvasUserId);
        await stores.scoreOutbox.recordPlacement({ ownerId, module: launch.module, ...launch.platform, userSub: launch.userSub, lineItem: launch.lineItem });
        await audits.queueScoreOfLatest(ownerId, launch.programme, launch.module);
      },
    });
    const lti = (): LtiEdge => {
      if (!ltiEdge) throw new Error('this runtime was opened without LTI (openRuntime option lti: false), so it cannot reach platforms');
      return ltiEdge;
    };
    const syncService = createSyncService(
      { config, logger, stores },
      {
        afterCommit: async (cohorts) => {
          await stores.readModel.refreshCohorts(cohorts, { leaseSlotMs: config.syncLeaseSlotMs });
          // New figures may have turned someone red: their schools hear of it.
          await notifications.afterSync(cohorts);
        },
      },
    );
    const boards = new GroupBoards({ ...stores, audits, logger, healInBackground: options.backgroundRebuilds ?? true });
    // A register or event saved anywhere (a page, the CLI) rebuilds its group's board, so the grid shows it at once.
    // Schools hear of a changed schedule once the board shows it (`notifications` is made below, before any write can happen).
    stores.attendance.followChanges(async (cohort, group) => {
      await boards.refreshGroup(cohort, group);
      notifications.onScheduleChange(cohort, group);
    });
    const ownDataRefresh = new OwnDataRefresh(syncService, { maxAgeMs: config.ownDataMaxAgeMs, budgetMs: config.ownDataRefreshBudgetMs }, logger);
    const onDemandSyncs = new OnDemandSyncs(syncService, logger);
    const cohortGrid = new CohortGrid({ readModel: stores.readModel, boards, links });
    const declarations = new Declarations(store);
    const readiness = new Readiness({ readModel: stores.readModel, boards, declarations });
    // Not `exports`: in the compiled CommonJS that name is the module's own exports object.
    const progressExports = new ProgressExports({ grid: cohortGrid, readModel: stores.readModel, schools: stores.schools, cohorts: () => stores.readModel.builtCohorts() });
    // Imported only when email is set up: nodemailer is large, and without SMTP_URL nothing sends.
    const mailer = config.smtp ? (await import('./delivery/mailer')).mailerFrom(config.smtp) : null;
    const outbox = new Outbox(store, mailer, logger);
    const deliveryLinks = new DeliveryLinks(secrets.deliveryLinkKey);
    const deliveries = new ScheduledExports({
      store,
      outbox,
      exports: progressExports,
      contacts: schoolContacts,
      schools: rosterSchools(stores.roster, stores.schools),
      links: deliveryLinks,
      publicUrl: config.publicUrl,
      logger,
      config: deliveriesConfig,
    });
    const notifications = new Notifications({
      store,
      publicUrl: config.publicUrl,
      settingsLinkKey: secrets.settingsLinkKey,
      contacts: schoolContacts,
      outbox,
      schools: stores.schools,
      grid: cohortGrid,
      attendance: stores.attendance,
      cohorts: () => links.cohortsWithLinks(),
      logger,
    });
    const changes = new ChangeRequests({ store, roster: new RosterChanges(store), schools: stores.schools, readModel: stores.readModel, boards, links, logger });
    changes.onAnswered(notifications.onChangeAnswered);
    return {
      config,
      logger,
      secrets,
      database,
      stores,
      get registry() {
        return lti().registry;
      },
      sessions,
      linking: new LinkService({ links, connections: stores.connections, config }),
      syncService,
      retention: new Retention({ registry: { remove: (issuer, clientId) => lti().registry.remove(issuer, clientId) }, sessions, identities, connections: stores.connections, links, sync: stores.sync, readModel: stores.readModel, records: [audits, stores.meetings], derived: [boards] }),
      cohortReport: new CohortReport(stores.readModel, (cohort) => boards.attendanceByParticipant(cohort)),
      ownProgress: new OwnProgress(links, stores.readModel),
      access: new ParticipantAccess(links, stores.readModel, stores.groups),
      audits,
      get scoreDelivery() {
        return lti().scoreDelivery;
      },
      overview: new ParticipantOverview({ audits, meetings: stores.meetings, sync: stores.sync }),
      ownDataRefresh,
      onDemandSyncs,
      snapshots: new WeeklySnapshots(store, { readModel: stores.readModel }),
      boards,
      cohortGrid,
      readiness,
      declarations,
      schoolContacts,
      schoolLinks: new SchoolLinks(store, secrets.schoolLinkKey, config.publicUrl),
      notices: new Notices(store),
      schoolDashboard: new SchoolDashboard({ grid: cohortGrid, links, attendance: stores.attendance, schools: stores.schools, readiness, roster: stores.roster, history: stores.rosterHistory }),
      changes,
      exports: progressExports,
      outbox,
      mailer,
      deliveries,
      deliveryLinks,
      notifications,
      close: async () => {
        mailer?.close();
        // Boards first: the work below reads grids, and a read would start a board rebuild.
        await Promise.all([boards.stop(), ownDataRefresh.settled(), onDemandSyncs.settled(), notifications.stop()]);
        if (ltiEdge) await ltiEdge.close();
        else await connection.close();
        await database.release();
      },
    };
  } catch (error) {
    await database.release();
    throw error;
  }
}

/** Builds every store class on the one Store (for `openRuntime`; tests and benchmarks build theirs with it too). */
export function openStores(store: Store, config: Pick<Config, 'isProduction' | 'sessionIdleTimeoutMs'>, secrets: Pick<Secrets, 'tokenEncryptionKey'>): Stores {
  const marks = new ChangeMarks(store);
  const links = new CourseLinks(store);
  const schools = new Schools(store);
  const rosterHistory = new RosterHistory(store);
  const roster = new Roster(store, schools, links, rosterHistory);
  const sync = new SyncStore(store);
  const leases = new Leases(store);
  return {
    store,
    marks,
    links,
    schools,
    groups: new GroupFacilitators(store),
    importRuns: new ImportRuns(store),
    roster,
    rosterHistory,
    sync,
    runs: new RunRecords(store),
    leases,
    readModel: new ReadModel(store, { marks, leases, links, roster, schools, sync }),
    identities: new Identities(store),
    logins: new IssuedLogins(store),
    launches: new LaunchRecords(store),
    registrationLinks: new RegistrationLinks(store),
    meetings: new Meetings(store),
    attendance: new Attendance(store, { cohorts: () => links.cohortsWithLinks() }),
    scoreOutbox: new ScoreOutbox(store),
    connections: new Connections({ store, marks, secrets, config }),
    sessions: new SessionStore(store, config.sessionIdleTimeoutMs),
  };
}

export interface RunningService {
  runtime: Runtime;
  server: http.Server;
  url: string;
  /** The background jobs: `purge`, `scores`, `snapshots`, `deliveries` when SMTP_URL is set, and `sync` unless SYNC_INTERVAL is off. */
  jobs: JobRunner;
  close(): Promise<void>;
}

/** Queued audit scores are sent straight after a submission; this pass retries the ones Canvas refused. */
const SCORES_INTERVAL_MS = 60_000;
/**
 * Each cohort's weekly snapshot is taken by the first run of its week (UK time); later runs in
 * that week find it and stop after one small read, so running hourly costs little and a week is
 * never missed. The first run comes soon after start, so frequent restarts cannot skip a week.
 */
const SNAPSHOTS_INTERVAL_MS = 60 * 60_000;
const SNAPSHOTS_FIRST_RUN_MS = 60_000;
/** Scheduled export emails and retries of every queued email; UK dates, so an occurrence starts at its time in England. */
const DELIVERIES_INTERVAL_MS = 5 * 60_000;

/** The daily checks run once a UK day (a marker says done) and the digest from Monday's digest hour; hourly finds both soon enough. */
const NOTIFICATIONS_INTERVAL_MS = 60 * 60_000;

function registerJobs(runtime: Runtime): JobRunner {
  const { config, logger, stores, syncService } = runtime;
  const jobs = new JobRunner(logger);
  jobs.register({ name: 'purge', intervalMs: PURGE_INTERVAL_MS, run: () => sweepExpiredLtiRecords(stores, logger) });
  jobs.register({ name: 'scores', intervalMs: SCORES_INTERVAL_MS, run: async () => void (await runtime.scoreDelivery.deliverDue()) });
  jobs.register({
    name: 'snapshots',
    intervalMs: SNAPSHOTS_INTERVAL_MS,
    run: async () => {
      const { taken } = await runtime.snapshots.takeAll();
      if (taken.length > 0) logger.info({ event: 'snapshots.taken', cohorts: taken }, `weekly progress snapshots taken for ${taken.length} cohort(s)`);
    },
  });
  // Without SMTP_URL there is nothing to send with, so the job is not there at all.
  if (runtime.outbox.configured) {
    jobs.register({ name: 'deliveries', intervalMs: DELIVERIES_INTERVAL_MS, run: async () => void (await runtime.deliveries.run()) });
  }
  // Recorded even without SMTP_URL: the outbox keeps the messages, and a digest's week is not lost.
  jobs.register({ name: 'notifications', intervalMs: NOTIFICATIONS_INTERVAL_MS, run: async () => void (await runtime.notifications.runDue()) });
  if (config.syncIntervalMs > 0) {
    jobs.register({ name: 'sync', intervalMs: config.syncIntervalMs, run: () => syncService.runScheduled() });
  }
  return jobs;
}

/** The members of a roster group, as the register page lists them: from the cohort's grid rows (kept in memory per generation). */
function groupMembersFrom(readModel: ReadModel): GroupMembers {
  return async (cohort, group) =>
    ((await readModel.readCurrentGrid(cohort))?.rows ?? []).filter((p) => p.group === group).map((p) => ({ key: p.key, name: p.name, role: p.role, status: p.status }));
}

/**
 * What the pages call after an audit or meeting is saved: the person's group board is rebuilt,
 * so the grid shows it at once. The person's own save has already succeeded, so a failure here
 * is logged (and healed at the next rebuild of that board) rather than shown to them.
 */
function activityOf(runtime: Runtime) {
  return {
    changed: async (cohort: string | null, group: string | null) => {
      if (!cohort) return;
      await runtime.boards.refreshGroup(cohort, group).catch((error: unknown) => runtime.logger.error({ event: 'boards.refresh_failed', err: error }, 'rebuilding a group board failed'));
    },
  };
}

/** The school pages' services; a link session's Canvas is every connected platform's (usually one). */
function schoolPagesOf(runtime: Runtime): SchoolPageDeps {
  const { stores } = runtime;
  return {
    dashboard: runtime.schoolDashboard,
    notices: runtime.notices,
    links: runtime.schoolLinks,
    exports: runtime.exports,
    changes: runtime.changes,
    canvasUrls: async (platform) => {
      const connections = await stores.connections.list();
      const chosen = platform ? connections.filter((c) => c.issuer === platform.issuer && c.clientId === platform.clientId) : connections;
      return [...new Set(chosen.map((c) => c.baseUrl))];
    },
  };
}

/** Starts the HTTP service on an open runtime; `devPlatform` is passed only by demo and tests. */
export async function startService(runtime: Runtime, options: { devPlatform?: Router } = {}): Promise<RunningService> {
  const { config, logger, registry, sessions, stores } = runtime;
  const frameAncestors = new FrameAncestors(
    async () => frameAncestorsFor(await registry.list(), (await stores.connections.list()).map((c) => c.baseUrl)),
    () => stores.marks.currentMark('platforms'),
  );
  await frameAncestors.follow({ force: true });
  const jobs = registerJobs(runtime);
  // Loaded here, not at the top: the CLI opens a runtime but never serves pages.
  const { createApp } = await import('./web/app');
  const app = createApp({
    logger,
    publicUrl: config.publicUrl,
    registry,
    sessions,
    store: stores.store,
    logins: stores.logins,
    registrationLinks: stores.registrationLinks,
    pages: { ownProgress: runtime.ownProgress, sync: runtime.syncService, formKey: runtime.secrets.formKey, access: runtime.access, meetings: stores.meetings, audits: runtime.audits, scores: runtime.scoreDelivery, scoreOutbox: stores.scoreOutbox, overview: runtime.overview, refresh: runtime.ownDataRefresh, admin: { links: stores.links, onDemand: runtime.onDemandSyncs, readModel: stores.readModel, schools: stores.schools, groups: stores.groups, importRuns: stores.importRuns }, attendance: stores.attendance, groupMembers: groupMembersFrom(stores.readModel), cohort: { grid: runtime.cohortGrid, trends: runtime.snapshots, exports: runtime.exports }, readiness: runtime.readiness, activity: activityOf(runtime), school: schoolPagesOf(runtime), changes: runtime.changes, deliveries: { outbox: runtime.outbox, schools: stores.schools }, notifications: { notifications: runtime.notifications, contacts: runtime.schoolContacts } },
    frameAncestors,
    syncIntervalMs: config.syncIntervalMs,
    rateLimits: config.rateLimits,
    deliveryLinks: { links: runtime.deliveryLinks, exports: runtime.exports },
    devPlatform: options.devPlatform,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, resolve);
  });
  // Only once listening: a start that fails (port in use) must leave no timers behind.
  jobs.start();
  // Scores a previous process could not send go out now, not a job interval later.
  runtime.scoreDelivery.deliverSoon();
  // A failed run is logged by the runner; one asked for after close is simply not run.
  const firstSnapshots = setTimeout(() => void jobs.perform('snapshots').catch(() => undefined), SNAPSHOTS_FIRST_RUN_MS).unref();
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    runtime,
    server,
    url: `http://127.0.0.1:${port}`,
    jobs,
    close: () => {
      closing ??= (async () => {
        // Timers stop at once; a sync in progress is awaited below, so it is not cut short.
        clearTimeout(firstSnapshots);
        runtime.syncService.stop();
        const jobsStopped = jobs.stop();
        // In-flight requests get a few seconds to finish; idle keep-alive sockets close at once.
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        clearTimeout(force);
        await jobsStopped;
      })();
      return closing;
    },
  };
}

export function startupMessage(config: Config, listeningUrl: string, database: DatabaseHandle) {
  const urls = toolUrls(config.publicUrl);
  return {
    event: 'service.started',
    listening: listeningUrl,
    publicUrl: config.publicUrl,
    database: database.description,
    canvasDeveloperKeyJson: urls.canvasJson,
    dynamicRegistration: 'a one-time link from `ecf-progress platform registration-link`',
    jwks: urls.keys,
  };
}

