import { decodeJwt } from 'jose';
import { z } from 'zod';
import { CLAIM } from './constants';
import type { DemoCourse } from './demo-data';
import type { Gradebook } from './gradebook';
import type { RegistrationStore } from './registrations';
import { ToolJwtError, type ToolJwtVerifier } from './tool-jwt';

export class DeepLinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeepLinkError';
  }
}

const ContentItemSchema = z.looseObject({
  type: z.string(),
  title: z.string().optional(),
  text: z.string().optional(),
  url: z.string().optional(),
  custom: z.record(z.string(), z.string()).optional(),
  // The IMS deep-linking `lineItem`: Canvas makes the link an assignment with this column.
  lineItem: z
    .looseObject({
      scoreMaximum: z.number().nonnegative(),
      label: z.string().optional(),
      resourceId: z.string().optional(),
      tag: z.string().optional(),
    })
    .optional(),
});

export interface PlacedItem {
  type: string;
  title?: string;
  text?: string;
  url?: string;
  custom: Record<string, string>;
  /** False for a type the request's `accept_types` did not offer; Canvas would drop it. */
  accepted: boolean;
  /** The line item made for a link that asked for one (see `DevPlatform.gradebook`). */
  lineItemId?: string;
}

export interface DeepLinkResult {
  clientId: string;
  deploymentId: string;
  items: PlacedItem[];
  message?: string;
  errorMessage?: string;
  data?: string;
}

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

export interface DeepLinkingDeps {
  issuer: string;
  registrations: RegistrationStore;
  verifier: ToolJwtVerifier;
  gradebook: Gradebook;
  /** Where placed assignments go: the course the demo's facilitator places links in. */
  course: DemoCourse;
}

/** Canvas's handling of an `LtiDeepLinkingResponse` posted to `deep_link_return_url`. */
export class DeepLinkingService {
  constructor(private readonly deps: DeepLinkingDeps) {}

  async verifyResponse(jwt: string): Promise<DeepLinkResult> {
    let clientId: unknown;
    try {
      clientId = decodeJwt(jwt).iss;
    } catch {
      throw new DeepLinkError('JWT format is invalid');
    }
    const registration = typeof clientId === 'string' ? this.deps.registrations.get(clientId) : undefined;
    if (!registration) throw new DeepLinkError('Client not found');

    let payload: Record<string, unknown>;
    try {
      payload = await this.deps.verifier.verify(jwt, {
        jwksUri: registration.jwksUri,
        issuer: registration.clientId,
        audience: this.deps.issuer,
        onceClaim: 'nonce',
      });
    } catch (error) {
      if (error instanceof ToolJwtError) throw new DeepLinkError(error.message);
      throw error;
    }
    if (payload[CLAIM.messageType] !== 'LtiDeepLinkingResponse') throw new DeepLinkError('message_type must be LtiDeepLinkingResponse');
    if (payload[CLAIM.version] !== '1.3.0') throw new DeepLinkError('version must be 1.3.0');
    if (payload[CLAIM.deploymentId] !== registration.deploymentId) throw new DeepLinkError('deployment_id does not match the deployment');

    const items = z.array(ContentItemSchema).safeParse(payload[CLAIM.contentItems] ?? []);
    if (!items.success) throw new DeepLinkError('content_items must be an array of content items (a lineItem needs a scoreMaximum ≥ 0)');
    return {
      clientId: registration.clientId,
      deploymentId: registration.deploymentId,
      // Only after every check passed: a refused response creates nothing, as in Canvas.
      items: items.data.map((item) => {
        const accepted = item.type === 'ltiResourceLink';
        const lineItem =
          accepted && item.lineItem
            ? this.deps.gradebook.createLineItem({
                clientId: registration.clientId,
                course: this.deps.course,
                // Canvas names the assignment after the link; the label wins for the column.
                label: item.lineItem.label ?? item.title ?? 'Untitled assignment',
                scoreMaximum: item.lineItem.scoreMaximum,
                resourceId: item.lineItem.resourceId,
                tag: item.lineItem.tag,
                custom: item.custom,
                targetLinkUri: item.url,
              })
            : undefined;
        return {
          type: item.type,
          title: item.title,
          text: item.text,
          url: item.url,
          custom: item.custom ?? {},
          accepted,
          ...(lineItem ? { lineItemId: lineItem.id } : {}),
        };
      }),
      message: optionalString(payload[CLAIM.deepLinkingMessage]),
      errorMessage: optionalString(payload[CLAIM.deepLinkingErrorMessage]),
      data: optionalString(payload[CLAIM.deepLinkingData]),
    };
  }
}
