export { EMAIL_OFF, type AttemptResult, type DeliveryLogEntry, type MessageKind, type OutgoingMessage } from './model';
export { SmtpMailer, mailerFrom, redact, smtpMessageId, type Mailer, type SendOutcome } from './mailer';
export { BACKOFF_MS, GIVE_UP_AFTER_MS, KEEP_MESSAGES_MS, LEASE_MS, MAX_ATTEMPTS, Outbox, messageRef, nextStep, type DeliveryRun } from './outbox';
export {
  CATCH_UP_DAYS,
  DELIVERIES_FILE,
  DELIVERY_FORMATS,
  dueOccurrence,
  latestOccurrence,
  loadDeliveries,
  parseDeliveries,
  settingsFor,
  type DeliveriesConfig,
  type DeliveryFormat,
  type DeliverySchedule,
  type DeliverySettings,
} from './schedule';
export { DeliveryLinks, LINK_LIFETIME_S, LinkExpiredError, LinkNotValidError, type DeliveryLink } from './links';
export {
  ScheduledExports,
  exportEmailText,
  exportMessageId,
  rosterSchools,
  type ContactSource,
  type ExportSource,
  type OccurrenceReport,
  type ScheduledExportsDeps,
  type ScheduledRun,
  type SchoolDirectory,
} from './scheduled';
