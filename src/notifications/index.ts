export { Notifications, scheduleChanges, type NotificationDeps, type Told } from './notifier';
export { NotificationPreferences, type ContactPreferences } from './preferences';
export { SettingsLinks, SettingsLinkError, SETTINGS_LINK_DAYS, type SettingsHolder } from './settings-link';
export { NotificationRecords } from './records';
export type { AnsweredRequest, EventFacts, ScheduleChange } from './messages';
export {
  DEFAULT_CHOICES,
  DELIVERY_MODES,
  KIND_LABELS,
  MODE_LABELS,
  NOTIFICATION_KINDS,
  digestMessageId,
  digestWeekFor,
  dueDigestWeeks,
  instantMessageId,
  isoWeekOfDate,
  occasionIds,
  recordId,
  type DeliveryMode,
  type NotificationChoices,
  type NotificationKind,
  type NotificationRecord,
  type Occasion,
} from './model';
