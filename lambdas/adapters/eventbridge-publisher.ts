import { type LeanEventBridgeClient, PutEventsCommand } from '../aws/lean/eventbridge.js';
import type { BusEntry } from '../domain/bus-event.js';
import type { EventPublisher } from '../domain/ports/queues.js';

/** Puts an event entry (built by domain/bus-event.ts) on the service's bus; answers its EventId. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: LeanEventBridgeClient,
    private readonly busName: string,
  ) {}

  async put(entry: BusEntry): Promise<{ busEventId: string }> {
    const result = await this.client.send(
      new PutEventsCommand({ Entries: [{ ...entry, EventBusName: this.busName }] }),
    );
    const [answer] = result.Entries ?? [];
    if ((result.FailedEntryCount ?? 0) > 0 || !answer?.EventId) {
      throw new Error(`PutEvents failed: ${answer?.ErrorCode} ${answer?.ErrorMessage}`);
    }
    return { busEventId: answer.EventId };
  }
}
