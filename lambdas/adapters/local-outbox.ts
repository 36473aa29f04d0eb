import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EmailMessage, Mailer, OpsNotice, OpsNotifier } from '../domain/ports/alerting.js';

/**
 * Local twins of SES and SNS: nothing leaves the machine. Each email is one JSON file
 * `{to, subject, text, sent_at}` in the outbox directory, named so a listing sorts by time and
 * written to a temporary name first, so a reader never sees half a file.
 */
export class OutboxMailer implements Mailer {
  constructor(private readonly directory: string) {}

  async send(message: EmailMessage): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const sentAt = new Date();
    const name = `${sentAt.getTime()}-${randomBytes(4).toString('hex')}.json`;
    const body = JSON.stringify(
      { to: message.to, subject: message.subject, text: message.text, sent_at: sentAt.toISOString() },
      null,
      2,
    );
    const temporary = join(this.directory, `.${name}.tmp`);
    await writeFile(temporary, `${body}\n`);
    await rename(temporary, join(this.directory, name));
  }
}

/** The ops topic as a JSON-lines file: one line per notice, appended. */
export class FileOpsNotifier implements OpsNotifier {
  constructor(private readonly path: string) {}

  async publish(notice: OpsNotice): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify({ ...notice, published_at: new Date().toISOString() })}\n`);
  }
}
