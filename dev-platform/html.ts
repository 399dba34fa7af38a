import { STORAGE_TARGET } from './constants';
import type { DeepLinkResult } from './deep-linking';
import { DEMO_USERS } from './demo-data';
import type { GradebookEntry, LineItem } from './gradebook';
import type { Registration } from './registrations';
import type { PlatformUrls } from './urls';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

const DECODED: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(ENTITIES).map(([char, entity]) => [entity, char]));

function unescapeHtml(value: string): string {
  return value.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => DECODED[entity]);
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? unescapeHtml(match[1]) : undefined;
}

/** Reads back a page made by `autoSubmitPage`, as a browser would submit it. */
export function readAutoSubmitForm(html: string): { action: string; fields: Record<string, string> } | undefined {
  const formTag = /<form id="auto-submit"[^>]*>/.exec(html)?.[0];
  const action = formTag && attribute(formTag, 'action');
  if (!action) return undefined;
  const fields: Record<string, string> = {};
  for (const [input] of html.matchAll(/<input type="hidden"[^>]*>/g)) {
    const name = attribute(input, 'name');
    if (name !== undefined) fields[name] = attribute(input, 'value') ?? '';
  }
  return { action, fields };
}

function page(urls: PlatformUrls, title: string, body: string, options: { htmlAttributes?: string; scripts?: string[] } = {}): string {
  const scripts = (options.scripts ?? []).map((name) => `<script src="${escapeHtml(`${urls.assets}/${name}`)}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en"${options.htmlAttributes ?? ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${escapeHtml(`${urls.assets}/platform.css`)}">
</head>
<body>
${body}
${scripts}
</body>
</html>
`;
}

/** The page Canvas renders to move the browser on with a form POST (login initiation, launch). */
export function autoSubmitPage(urls: PlatformUrls, form: { action: string; fields: Record<string, string>; target?: string }): string {
  const inputs = Object.entries(form.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const target = form.target ? ` target="${escapeHtml(form.target)}"` : '';
  return page(
    urls,
    'Launching the tool',
    `<main>
<form id="auto-submit" method="post" action="${escapeHtml(form.action)}"${target}>
${inputs}
<noscript><p>JavaScript is turned off, so continue by hand.</p><button type="submit">Continue</button></noscript>
</form>
</main>`,
    { scripts: ['auto-submit.js'] },
  );
}

export function errorPage(urls: PlatformUrls, title: string, message: string): string {
  return page(urls, title, `<main><h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p></main>`);
}

const LAUNCH_CHOICES = [
  { value: 'ect', label: 'Launch as ECT' },
  { value: 'mentor', label: 'Launch as mentor' },
  { value: 'facilitator', label: 'Launch as facilitator' },
  { value: 'admin', label: 'Launch as admin' },
  { value: 'school', label: 'Launch as induction tutor (school)' },
  { value: 'deep-link', label: 'Place a link (deep linking)' },
  { value: 'deep-link-assignment', label: 'Add an assignment (deep linking)' },
] as const;

/** Opens the assignment as its course's student; `target` leaves it out to stay in the current frame. */
function openAssignmentForm(urls: PlatformUrls, lineItem: LineItem, target?: string): string {
  return `<form method="post" action="${escapeHtml(urls.launch)}"${target ? ` target="${escapeHtml(target)}"` : ''}>
<input type="hidden" name="client_id" value="${escapeHtml(lineItem.clientId)}">
<input type="hidden" name="line_item" value="${escapeHtml(lineItem.id)}">
<input type="hidden" name="in_frame" value="yes">
<button type="submit" name="as" value="assignment" class="secondary">Open as an assignment</button>
</form>`;
}

function scrollingTable(id: string, headings: readonly string[], rows: readonly string[]): string {
  return `<div class="table-scroll" role="region" aria-labelledby="${id}" tabindex="0">
<table aria-labelledby="${id}">
<thead><tr>${headings.map((heading) => `<th scope="col">${heading}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</div>`;
}

/** Assignments (links placed with a gradebook column) and the scores the tool sent for them. */
function gradebookSection(urls: PlatformUrls, gradebook: { lineItems: readonly LineItem[]; scores: readonly GradebookEntry[] }): string {
  const nameOf = (sub: string) => Object.values(DEMO_USERS).find((user) => user.sub === sub)?.name ?? sub;
  const assignments = gradebook.lineItems.length
    ? scrollingTable(
        'assignments-heading',
        ['Assignment', 'Course', 'Points', 'Launch'],
        gradebook.lineItems.map(
          (item) =>
            `<tr><td>${escapeHtml(item.label)}</td><td><code>${escapeHtml(item.courseId)}</code></td><td>${item.scoreMaximum}</td><td>${openAssignmentForm(urls, item, 'tool-frame')}</td></tr>`,
        ),
      )
    : '<p>None yet: place a link that asks for a gradebook column (deep linking with a <code>lineItem</code>).</p>';
  const scores = gradebook.scores.length
    ? scrollingTable(
        'gradebook-heading',
        ['Student', 'Assignment', 'Score', 'Time'],
        gradebook.scores.map(
          (score) =>
            `<tr><td>${escapeHtml(nameOf(score.userSub))}</td><td>${escapeHtml(score.lineItem.label)}</td><td>${score.scoreGiven ?? '–'} / ${score.scoreMaximum ?? '–'} <span>(${escapeHtml(`${score.activityProgress}, ${score.gradingProgress}`)})</span></td><td><time datetime="${escapeHtml(score.timestamp)}">${escapeHtml(score.timestamp)}</time></td></tr>`,
        ),
      )
    : '<p>No scores received yet.</p>';
  return `<h2 id="assignments-heading">Assignments</h2>
${assignments}
<h2 id="gradebook-heading">Gradebook</h2>
${scores}`;
}

export function demoPage(
  urls: PlatformUrls,
  toolUrl: string,
  registrations: readonly Registration[],
  gradebook: { lineItems: readonly LineItem[]; scores: readonly GradebookEntry[] } = { lineItems: [], scores: [] },
): string {
  const [first] = registrations;
  const registrationPicker =
    registrations.length > 1
      ? `<p><label for="client-id">Registration</label><br>
<select id="client-id" name="client_id">
${registrations.map((r) => `<option value="${escapeHtml(r.clientId)}">${escapeHtml(`${r.clientName} (client ${r.clientId})`)}</option>`).join('\n')}
</select></p>`
      : `<input type="hidden" name="client_id" value="${escapeHtml(first.clientId)}">`;
  const buttons = LAUNCH_CHOICES.map(
    ({ value, label }) => `<button type="submit" name="as" value="${value}"${value.startsWith('deep-link') ? ' class="secondary"' : ''}>${label}</button>`,
  ).join('\n');
  const rows = registrations
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.clientName)}</td><td><code>${escapeHtml(r.clientId)}</code></td><td><code>${escapeHtml(r.deploymentId)}</code></td><td>${r.source === 'default' ? 'built in' : 'dynamic registration'}</td></tr>`,
    )
    .join('\n');

  return page(
    urls,
    'Development LTI platform',
    `<main>
<h1>Development LTI platform</h1>
<p>Launches the tool at <code>${escapeHtml(toolUrl)}</code> the way Canvas does: a form POST to its login initiation URL, then the OpenID Connect round trip through this platform. Never use it in production.</p>
<dl class="details">
<dt>Issuer</dt><dd><code>${escapeHtml(urls.issuer)}</code></dd>
<dt>Authorization endpoint</dt><dd><code>${escapeHtml(urls.authorize)}</code></dd>
<dt>Token endpoint</dt><dd><code>${escapeHtml(urls.token)}</code></dd>
<dt>Key set</dt><dd><code>${escapeHtml(urls.jwks)}</code></dd>
</dl>

<form method="post" action="${escapeHtml(urls.launch)}" target="tool-frame">
<fieldset>
<legend>Launch the tool</legend>
${registrationPicker}
<p class="check"><input type="checkbox" id="in-frame" name="in_frame" value="yes" checked><label for="in-frame">open inside an iframe like Canvas</label></p>
<div class="buttons">
${buttons}
</div>
</fieldset>
</form>

${gradebookSection(urls, gradebook)}

<h2 id="registrations-heading">Registrations</h2>
<div class="table-scroll" role="region" aria-labelledby="registrations-heading" tabindex="0">
<table aria-labelledby="registrations-heading">
<thead><tr><th scope="col">Tool</th><th scope="col">Client ID</th><th scope="col">Deployment ID</th><th scope="col">Added by</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
<form method="post" action="${escapeHtml(urls.startRegistration)}" target="tool-frame">
<fieldset>
<legend>Dynamic registration</legend>
<p><label for="registration-link">Registration link</label><br>
<input type="url" id="registration-link" name="registration_link" required size="60" placeholder="${escapeHtml(toolUrl)}/lti/register/…" aria-describedby="registration-link-hint"></p>
<p id="registration-link-hint">The tool registers a platform only through a one-time link its administrator creates with <code>ecf-progress platform registration-link</code>; the demo prints one when it starts.</p>
<div class="buttons"><button type="submit" class="secondary">Register the tool (dynamic registration)</button></div>
</fieldset>
</form>
<p id="registration-status" role="status" aria-live="polite"></p>

<h2>Tool</h2>
<iframe class="tool" name="tool-frame" title="The tool, as a Canvas course page shows it" src="about:blank"></iframe>
<iframe name="${STORAGE_TARGET}" title="Platform storage" src="${escapeHtml(urls.storageFrame)}" hidden></iframe>
</main>`,
    { htmlAttributes: ` data-storage-frame="${STORAGE_TARGET}"`, scripts: ['platform-messages.js'] },
  );
}

export function storageFramePage(urls: PlatformUrls): string {
  return page(urls, 'Platform storage', '', { scripts: ['platform-messages.js'] });
}

function customTable(custom: Record<string, string>): string {
  const entries = Object.entries(custom);
  if (entries.length === 0) return 'none';
  return `<dl>${entries.map(([name, value]) => `<dt><code>${escapeHtml(name)}</code></dt><dd><code>${escapeHtml(value)}</code></dd>`).join('')}</dl>`;
}

export function deepLinkResultPage(urls: PlatformUrls, result: DeepLinkResult, lineItems: readonly LineItem[] = []): string {
  const assignment = (id: string | undefined) => {
    const lineItem = lineItems.find((candidate) => candidate.id === id);
    // Shown inside the tool frame, so the launch stays in it.
    return lineItem ? `Assignment “${escapeHtml(lineItem.label)}”, out of ${lineItem.scoreMaximum}${openAssignmentForm(urls, lineItem)}` : 'none';
  };
  const rows = result.items
    .map(
      (item) =>
        `<tr><td>${escapeHtml(item.title ?? '(no title)')}</td><td><code>${escapeHtml(item.type)}</code>${item.accepted ? '' : ' (not offered: Canvas would drop it)'}</td><td>${item.url ? `<code>${escapeHtml(item.url)}</code>` : 'the tool’s default launch URL'}</td><td>${customTable(item.custom)}</td><td>${assignment(item.lineItemId)}</td></tr>`,
    )
    .join('\n');
  const table = result.items.length
    ? `<div class="table-scroll" role="region" aria-label="Placed items" tabindex="0">
<table aria-label="Placed items">
<thead><tr><th scope="col">Title</th><th scope="col">Type</th><th scope="col">URL</th><th scope="col">Custom parameters</th><th scope="col">Gradebook column</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>`
    : '<p>The tool placed nothing.</p>';
  const notes = [
    result.message ? `<p>Message from the tool: ${escapeHtml(result.message)}</p>` : '',
    result.errorMessage ? `<p class="error">Error from the tool: ${escapeHtml(result.errorMessage)}</p>` : '',
  ].join('');
  return page(
    urls,
    'Placed by the tool',
    `<main>
<h1>Placed by the tool</h1>
<p>The deep-linking response from client <code>${escapeHtml(result.clientId)}</code> (deployment <code>${escapeHtml(result.deploymentId)}</code>) was signed by the tool's key.</p>
${notes}
${table}
<p><a href="${escapeHtml(`${urls.issuer}/`)}" target="_top">Back to the platform</a></p>
</main>`,
  );
}
