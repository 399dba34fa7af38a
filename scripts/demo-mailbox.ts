import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * The demo's mailbox: a local SMTP server (smtp-server, a development dependency) that keeps
 * every message the tool sends as an .eml file, so scheduled exports and notifications can be
 * read without a real mail server. Development only, like the rest of the demo.
 */
export async function startDemoMailbox(dir: string, say: (line: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  fs.mkdirSync(dir, { recursive: true });
  let kept = fs.readdirSync(dir).length;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        kept += 1;
        const file = path.join(dir, `${String(kept).padStart(4, '0')}.eml`);
        fs.writeFileSync(file, raw);
        simpleParser(raw).then(
          (mail) => {
            const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
            say(`Mail to ${to}: “${mail.subject ?? ''}”${mail.attachments.length ? ` with ${mail.attachments.map((a) => a.filename).join(', ')}` : ''} (${file})`);
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
