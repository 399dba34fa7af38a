export { SchoolContacts, SCHOOL_CONTACT_COLUMNS, contactId, type ContactMatch, type LaunchIdentity, type SchoolContact } from './contacts';
export { SchoolLinks, SchoolLinkError, REFUSAL_MESSAGES, LINK_DAYS_DEFAULT, LINK_DAYS_MAX, TOKEN_MAX_LENGTH, type LinkListing, type LinkOwner, type LinkRefusal, type LinkState, type SchoolLink } from './links';
export { Notices, NoticeDraft, NOTICE_KINDS, NOTICE_KIND_LABELS, NOTICE_LIMITS, type Notice, type NoticeDraftInput, type NoticeKind, type NoticeListing } from './notices';
export { SchoolDashboard, OTHER_SCHOOL_MENTOR, type SchoolEvent, type SchoolPerson, type SchoolScope, type SchoolSummary, type SchoolView, type TrustView } from './dashboard';
export { loadTransfers, type MovedAway, type Transfers } from './transfers';
export { EVENT_CSV_COLUMNS, eventTitle, eventsCsv, eventsIcs } from './calendar';
export { openLinkSession, SCHOOL_LINK_ISSUER } from './sessions';
