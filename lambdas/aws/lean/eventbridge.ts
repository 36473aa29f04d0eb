import type { PutEventsCommandInput, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { LeanJsonCommand, LeanJsonServiceClient } from './json-client.js';

/**
 * EventBridge PutEvents (AWSEvents.PutEvents, JSON 1.1) on the lean client: the one call the
 * publish API makes. Types from @aws-sdk/client-eventbridge, nothing of it bundled. Regional
 * endpoints only (no global endpoints: the service's bus has none).
 */

export class PutEventsCommand extends LeanJsonCommand<PutEventsCommandInput, PutEventsCommandOutput> {
  readonly operation = 'PutEvents';

  /** Timestamps go as epoch seconds in the JSON protocols, as the SDK sends them (not ISO text). */
  override wireInput(): Record<string, unknown> {
    return {
      ...this.input,
      Entries: this.input.Entries?.map((entry) =>
        entry.Time ? { ...entry, Time: entry.Time.getTime() / 1000 } : entry,
      ),
    };
  }
}

export interface LeanEventBridgeOptions {
  readonly endpoint?: string;
  readonly region?: string;
}

export class LeanEventBridgeClient extends LeanJsonServiceClient {
  constructor(options: LeanEventBridgeOptions = {}) {
    super({ service: 'events', targetPrefix: 'AWSEvents', jsonVersion: '1.1', ...options });
  }
}
