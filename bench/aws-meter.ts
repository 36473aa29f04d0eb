import type { ClientInstrument, InstrumentableClient } from '../lambdas/composition.js';

/**
 * Counts AWS API calls by service and operation through SDK middleware, and DynamoDB capacity
 * units: it asks every DynamoDB call for ReturnConsumedCapacity and adds up what comes back.
 */

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

type Step = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

export class AwsMeter {
  readonly calls = new Map<string, number>();
  writeUnits = 0;
  readUnits = 0;

  reset(): void {
    this.calls.clear();
    this.writeUnits = 0;
    this.readUnits = 0;
  }

  count(service: string): number {
    let total = 0;
    for (const [key, value] of this.calls) if (key.startsWith(`${service}:`)) total += value;
    return total;
  }

  readonly instrument: ClientInstrument = (service, client: InstrumentableClient) => {
    const middleware =
      (next: Step, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
        const operation = context.commandName ?? 'unknown';
        const key = `${service}:${operation.replace(/Command$/, '')}`;
        this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
        if (service === 'dynamodb') args.input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        if (service === 'dynamodb') this.addCapacity(operation, result.output.ConsumedCapacity);
        return result;
      };
    client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'benchAwsMeter' });
  };

  private addCapacity(operation: string, consumed: unknown): void {
    const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[];
    for (const entry of entries) {
      const units = entry.CapacityUnits ?? (entry.WriteCapacityUnits ?? 0) + (entry.ReadCapacityUnits ?? 0);
      if (WRITES.has(operation)) this.writeUnits += units;
      else this.readUnits += units;
    }
  }
}
