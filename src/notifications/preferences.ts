import type { Store } from '../db/store';
import { DEFAULT_CHOICES, DELIVERY_MODES, NOTIFICATION_KINDS, normaliseEmail, type DeliveryMode, type NotificationChoices } from './model';
import { Versions, type VersionDoc } from './versions';

/** One saved version of a contact's choices, in `ecf_notification_prefs`; the newest wins. */
export interface PreferenceVersion extends VersionDoc {
  schoolUrn: string;
  email: string;
  choices: NotificationChoices;
  savedAt: Date;
}

/** What the settings page shows: the choices in force, and whether the contact ever chose. */
export interface ContactPreferences {
  schoolUrn: string;
  email: string;
  choices: NotificationChoices;
  savedAt: Date | null;
}

const WRITE_ATTEMPTS = 10;
const keyOf = (urn: string, email: string) => JSON.stringify([urn, normaliseEmail(email)]);

/** Missing or unknown modes fall back to the default, so a kind added later has a choice for everyone. */
function complete(choices: Partial<Record<string, unknown>>): NotificationChoices {
  const out = { ...DEFAULT_CHOICES };
  for (const kind of NOTIFICATION_KINDS) {
    const mode = choices[kind];
    if (typeof mode === 'string' && (DELIVERY_MODES as readonly string[]).includes(mode)) out[kind] = mode as DeliveryMode;
  }
  return out;
}

/**
 * Each school contact's notification choices (per school URN and email), kept as insert-only
 * versions: two saves at once never overwrite each other's document; the later one takes the
 * next version number and wins.
 */
export class NotificationPreferences {
  private readonly versions: Versions<PreferenceVersion>;

  constructor(store: Store) {
    this.versions = new Versions(store.collection<PreferenceVersion>('notification_prefs'));
  }

  async of(schoolUrn: string, email: string): Promise<ContactPreferences> {
    const latest = await this.versions.latest(keyOf(schoolUrn, email));
    return { schoolUrn, email: normaliseEmail(email), choices: complete(latest?.choices ?? {}), savedAt: latest?.savedAt ?? null };
  }

  /** Saves the contact's choices as their newest version. */
  async save(schoolUrn: string, email: string, choices: NotificationChoices, now = new Date()): Promise<ContactPreferences> {
    const key = keyOf(schoolUrn, email);
    const clean = complete(choices);
    for (let attempt = 1; ; attempt += 1) {
      const latest = await this.versions.latest(key);
      const saved = await this.versions.append(key, latest?.version ?? 0, { schoolUrn, email: normaliseEmail(email), choices: clean, savedAt: now });
      if (saved) return { schoolUrn, email: saved.email, choices: saved.choices, savedAt: saved.savedAt };
      // Another save took that number at the same moment: this one, saved after it, goes on top.
      if (attempt >= WRITE_ATTEMPTS) throw new Error('notification preferences: too many saves of one contact at once');
    }
  }
}
