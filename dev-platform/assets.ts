/**
 * Static files for the platform's pages. They are served from the issuer's own origin so the
 * pages run under `script-src 'self'` with no inline script, whichever app mounts the router.
 */
export const ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  'platform.css': {
    type: 'text/css; charset=utf-8',
    body: `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; }
body { margin: 0; background: #f5f5f5; color: #1b1b1b; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 0.5rem; }
fieldset { min-width: 0; border: 1px solid #8a8a8a; border-radius: 0.5rem; padding: 1rem; background: #fff; }
legend { font-weight: 600; padding: 0 0.25rem; }
.buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.75rem 0; }
button { min-height: 44px; padding: 0.5rem 1rem; font: inherit; border: 2px solid #2d3b45; border-radius: 0.375rem; background: #2d3b45; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #2d3b45; }
button:hover { background: #394b58; color: #fff; }
:focus-visible { outline: 3px solid #0374b5; outline-offset: 2px; }
label { font-weight: 600; }
select { min-height: 44px; font: inherit; width: 100%; max-width: 40rem; }
.check { display: flex; align-items: center; gap: 0.5rem; }
.check input { width: 1.25rem; height: 1.25rem; }
iframe.tool { display: block; width: 100%; height: 70vh; min-height: 24rem; border: 1px solid #8a8a8a; border-radius: 0.5rem; background: #fff; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.details dd { margin: 0; overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; background: #fff; }
.table-scroll { overflow-x: auto; }
th, td { border: 1px solid #c7cdd1; padding: 0.5rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
.error { border-left: 4px solid #e0061f; padding: 0.5rem 1rem; background: #fff; }
@media (max-width: 40rem) { dl.details { grid-template-columns: 1fr; } button { width: 100%; } }
`,
  },
  'auto-submit.js': {
    type: 'text/javascript; charset=utf-8',
    body: `document.getElementById('auto-submit').submit();\n`,
  },
  // Canvas answers Platform Storage messages (lti.capabilities, lti.put_data, lti.get_data)
  // in its main window and in the hidden 'post_message_forwarding' frame; values are kept per
  // tool origin. The main window also closes dynamic registration on org.imsglobal.lti.close
  // and sizes the tool's iframe on lti.frameResize.
  'platform-messages.js': {
    type: 'text/javascript; charset=utf-8',
    body: `(function () {
  'use strict';
  var store = Object.create(null);
  var subjects = ['lti.capabilities', 'lti.put_data', 'lti.get_data'];
  // Only the main window names the forwarding frame; the frame itself has no such attribute.
  var frame = document.documentElement.getAttribute('data-storage-frame');
  var mainWindow = frame !== null;
  function reply(event, data, body) {
    var message = Object.assign({ subject: data.subject + '.response', message_id: data.message_id }, body);
    event.source.postMessage(message, event.origin === 'null' ? '*' : event.origin);
  }
  window.addEventListener('message', function (event) {
    var data = event.data;
    if (!data || typeof data !== 'object' || typeof data.subject !== 'string' || !event.source) return;
    if (data.subject === 'org.imsglobal.lti.close' && mainWindow) {
      document.getElementById('registration-status').textContent = 'The tool finished registering. Reloading…';
      window.location.reload();
      return;
    }
    // As Canvas: the tool's iframe takes the height the tool asks for, so the tool never scrolls inside it.
    if (data.subject === 'lti.frameResize' && mainWindow) {
      var height = Number(data.height);
      document.querySelectorAll('iframe.tool').forEach(function (tool) {
        if (tool.contentWindow === event.source && height > 0) tool.style.height = Math.ceil(height) + 'px';
      });
      return;
    }
    if (data.subject === 'lti.capabilities') {
      reply(event, data, { supported_messages: subjects.map(function (subject) {
        return mainWindow ? { subject: subject, frame: frame } : { subject: subject };
      }) });
      return;
    }
    if (data.subject !== 'lti.put_data' && data.subject !== 'lti.get_data') return;
    if (typeof data.key !== 'string' || data.key === '') {
      reply(event, data, { error: { code: 'bad_request', message: 'key is required' } });
      return;
    }
    var bucket = store[event.origin] || (store[event.origin] = Object.create(null));
    if (data.subject === 'lti.put_data') {
      if (data.value === undefined || data.value === null) delete bucket[data.key];
      else bucket[data.key] = String(data.value);
    }
    reply(event, data, { key: data.key, value: bucket[data.key] });
  });
})();
`,
  },
};
