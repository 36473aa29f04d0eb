import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs (Powertools); the level comes from POWERTOOLS_LOG_LEVEL. */
export const log = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'serverless-webhooks' });

export type LogKeys = Readonly<Record<string, string | number | undefined>>;

/**
 * Runs the work of one SQS record with a logger of its own: every line it writes carries `keys`
 * (`messageId`, then `eventId` / `deliveryId` / `webhookId` once the work appends them with
 * `appendPersistentKeys`). The records of a batch run concurrently, so the keys live on a child
 * logger per record: appending them to the shared logger would stamp one record's ids on another
 * record's lines. A record that throws is logged with its keys before the batch reports it failed.
 */
export async function withRecordLogger<T>(
  keys: LogKeys,
  work: (logger: RecordLogger) => Promise<T>,
): Promise<T> {
  const logger = new RecordLogger(keys);
  try {
    return await work(logger);
  } catch (error) {
    logger.error('record failed; SQS will redeliver it', error as Error);
    throw error;
  }
}

/**
 * A record's logger, made on its first line: most records write none (one line of counts per batch
 * is logged instead), and a Powertools child logger per record cost CPU on every delivery.
 */
export class RecordLogger {
  private keys: Record<string, string | number>;
  private child: Logger | undefined;

  constructor(keys: LogKeys) {
    this.keys = definedKeys(keys);
  }

  appendPersistentKeys(keys: LogKeys): void {
    this.keys = { ...this.keys, ...definedKeys(keys) };
    this.child?.appendPersistentKeys(definedKeys(keys));
  }

  private logger(): Logger {
    this.child ??= log.createChild({ persistentKeys: this.keys });
    return this.child;
  }

  info(message: string, details?: Record<string, unknown>): void {
    if (details) this.logger().info(message, details);
    else this.logger().info(message);
  }

  warn(message: string, details?: Record<string, unknown>): void {
    if (details) this.logger().warn(message, details);
    else this.logger().warn(message);
  }

  error(message: string, error: Error): void {
    this.logger().error(message, error);
  }
}

/** Keys without the undefined ones (a key that is not known is left out, not logged as null). */
export function definedKeys(keys: LogKeys): Record<string, string | number> {
  const defined: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(keys)) if (value !== undefined) defined[key] = value;
  return defined;
}
