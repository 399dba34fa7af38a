import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors';
import { DELIVERY_MODES, KIND_LABELS, MODE_LABELS, NOTIFICATION_KINDS, SettingsLinkError, type ContactPreferences, type NotificationChoices, type Notifications } from '../../notifications';
import type { SchoolContacts } from '../../schools';
import { SCHOOL, pageOn, schoolOf } from '../page-kit';
import { allowMethods, bodyShape } from '../edge';

/** What the notification settings pages read and write. */
export interface NotificationPageDeps {
  notifications: Pick<Notifications, 'preferences' | 'links' | 'schoolInWords'>;
  contacts: Pick<SchoolContacts, 'contactsOf'>;
}

const Choices = z.object(Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, z.enum(DELIVERY_MODES)])) as Record<(typeof NOTIFICATION_KINDS)[number], z.ZodEnum<{ instant: 'instant'; digest: 'digest'; off: 'off' }>>);

function choicesFrom(body: unknown): NotificationChoices {
  const parsed = Choices.safeParse(body ?? {});
  if (!parsed.success) throw new ValidationError('Choose how you want each kind of notification: straight away, in the Monday summary, or not at all.');
  return parsed.data;
}

/** The form's fieldsets: one per kind, its three choices, the one in force checked. */
function presentChoices(preferences: ContactPreferences) {
  return NOTIFICATION_KINDS.map((kind) => ({
    kind,
    ...KIND_LABELS[kind],
    modes: DELIVERY_MODES.map((mode) => ({ value: mode, label: MODE_LABELS[mode], checked: preferences.choices[kind] === mode, id: `${kind}-${mode}` })),
  }));
}

interface SettingsView {
  email: string;
  school: string;
  saved: boolean;
  preferences: ContactPreferences;
  action: string;
  hidden: { name: string; value: string }[];
}

function renderSettings(res: Response, view: SettingsView, extra: Record<string, unknown> = {}): void {
  res.render('pages/notification-settings', {
    title: view.saved ? 'Notification settings saved' : 'Notification settings',
    email: view.email,
    school: view.school,
    saved: view.saved,
    kinds: presentChoices(view.preferences),
    action: view.action,
    hidden: view.hidden,
    chosenBefore: view.preferences.savedAt !== null,
    ...extra,
  });
}

const REFUSALS: Record<SettingsLinkError['reason'], { title: string; message: string }> = {
  malformed: { title: 'This link cannot be opened', message: 'This address is not a complete settings link. Open the link from one of your ECF Progress emails again; if your email program split it over two lines, copy the whole of it.' },
  invalid: { title: 'This link cannot be opened', message: 'This settings link is not valid: it may have been changed or copied incompletely. Open the link from one of your ECF Progress emails again.' },
  expired: { title: 'This link has expired', message: 'Settings links work for 180 days. The newest ECF Progress email you received has a fresh link; open that one instead.' },
};

function refuse(res: Response, error: SettingsLinkError): void {
  res.status(error.reason === 'expired' ? 410 : 400);
  res.render('pages/notification-settings-refused', REFUSALS[error.reason]);
}

const tokenOf = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * `/notifications/settings?token=…`: the signed link in every notification email. No session:
 * the token names the school and the address, and the form's CSRF token is bound to it. A
 * changed or expired token shows a page that says so and nothing else.
 */
export function notificationLinkRoutes(deps: NotificationPageDeps): Router {
  const router = Router({ caseSensitive: true });
  const { notifications } = deps;
  const handle = async (req: Request, res: Response) => {
    // The query parser is flat and the form parser not extended: a repeated or bracketed token is no token.
    const token = req.method === 'POST' ? tokenOf((req.body as Record<string, unknown> | undefined)?.token) : tokenOf(req.query.token);
    let holder;
    try {
      holder = await notifications.links.verify(token);
    } catch (error) {
      if (error instanceof SettingsLinkError) return refuse(res, error);
      throw error;
    }
    const linkToken = token as string;
    const view = { email: holder.email, school: await notifications.schoolInWords(holder.urn), action: '/notifications/settings', hidden: [{ name: 'token', value: linkToken }] };
    let saved = false;
    if (req.method === 'POST') {
      if (!notifications.links.checkCsrf(linkToken, (req.body as Record<string, unknown>)._csrf)) throw new ValidationError('This form has expired. Open the link from your email again and make your choices.');
      await notifications.preferences.save(holder.urn, holder.email, choicesFrom(req.body));
      req.log.info({ event: 'notifications.settings_saved', via: 'link' }, 'notification settings saved');
      saved = true;
    }
    const preferences = await notifications.preferences.of(holder.urn, holder.email);
    renderSettings(res, { ...view, saved, preferences }, { csrf: notifications.links.csrfFor(linkToken) });
  };
  router.all(
    '/settings',
    allowMethods('GET', 'POST'),
    bodyShape,
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }),
    ((req, res, next) => void handle(req, res).catch(next)) as RequestHandler,
  );
  return router;
}

/**
 * `/s/:sid/school/notifications`: a school session's settings. A session that knows its
 * contact (a link made for an address, a Canvas launch matched to a contact) sets that
 * contact's choices only; one that does not (a link made for the school) may choose among the
 * school's contacts, as anyone trusted with the school's dashboard is one of its staff.
 */
export function schoolNotificationRoutes(deps: NotificationPageDeps): Router {
  const router = Router({ mergeParams: true, caseSensitive: true });
  const page = pageOn(router);

  async function contactOf(res: Response, wanted: unknown): Promise<{ urn: string; base: string; email: string; choices: { email: string; label: string; selected: boolean }[] | null }> {
    const { urn, contactEmail, base } = schoolOf(res);
    if (contactEmail) return { urn, base, email: contactEmail.toLowerCase(), choices: null };
    const contacts = await deps.contacts.contactsOf(urn);
    if (contacts.length === 0) throw new NotFoundError('Your school has no contacts on record yet, so there is no one to set notifications for. Ask the programme team to add your school’s contacts.');
    const email = typeof wanted === 'string' && wanted !== '' ? wanted.toLowerCase() : contacts[0].email;
    // Only this school's contacts: any other address is not here.
    if (!contacts.some((c) => c.email === email)) throw new NotFoundError('That person is not one of your school’s contacts.');
    return { urn, base, email, choices: contacts.map((c) => ({ email: c.email, label: c.name ? `${c.name} (${c.email})` : c.email, selected: c.email === email })) };
  }

  const show = (saved: boolean) => async (req: Request, res: Response) => {
    const wanted = req.method === 'POST' ? (req.body as Record<string, unknown>).contact : req.query.contact;
    const contact = await contactOf(res, wanted);
    if (saved) {
      await deps.notifications.preferences.save(contact.urn, contact.email, choicesFrom(req.body));
      req.log.info({ event: 'notifications.settings_saved', via: 'school-session' }, 'notification settings saved');
    }
    renderSettings(
      res,
      {
        email: contact.email,
        school: await deps.notifications.schoolInWords(contact.urn),
        saved,
        preferences: await deps.notifications.preferences.of(contact.urn, contact.email),
        action: `${contact.base}school/notifications`,
        hidden: contact.choices ? [{ name: 'contact', value: contact.email }] : [],
      },
      { inSession: true, homeUrl: `${contact.base}school`, contacts: contact.choices, chooserAction: `${contact.base}school/notifications` },
    );
  };

  page('get', '/school/notifications', SCHOOL, show(false));
  page('post', '/school/notifications', SCHOOL, show(true));
  return router;
}
