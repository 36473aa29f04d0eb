import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One email the local SES twin wrote to `<data dir>/outbox/` (lambdas/adapters/local-outbox.ts). */
export interface OutboxEmail {
  to: string;
  subject: string;
  text: string;
  sent_at: string;
}

/** The emails in an outbox sent to `address`, oldest first; none while the outbox does not exist. */
export async function emailsIn(outboxDir: string, address: string): Promise<OutboxEmail[]> {
  let files: string[];
  try {
    files = (await readdir(outboxDir)).filter((file) => file.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const emails = await Promise.all(
    files.map(async (file) => JSON.parse(await readFile(join(outboxDir, file), 'utf8')) as OutboxEmail),
  );
  return emails.filter((email) => email.to === address);
}
