/** Escalation and its notices: the workflow that escalates a failing episode, alert mail, the ops topic. */
import type { EscalationInput, Transition } from '../escalation.js';

/** Starts the escalation of a failing episode (a Step Functions Standard execution). */
export interface EscalationStarter {
  /**
   * Idempotent per (endpoint, episode): the execution is named after both, and starting a name that
   * exists (running or finished) is a success that starts nothing.
   */
  start(input: EscalationInput): Promise<void>;
}

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Alert emails to customers (SES v2 in AWS, JSON files in `<data dir>/outbox/` locally). */
export interface Mailer {
  send(message: EmailMessage): Promise<void>;
}

/** One escalation transition, told to the platform team. */
export interface OpsNotice {
  readonly transition: Transition;
  readonly accountId: string;
  readonly webhookId: string;
  readonly episode: number;
  readonly subject: string;
  readonly message: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The platform team's operations topic (SNS in AWS, a JSON-lines file locally). */
export interface OpsNotifier {
  publish(notice: OpsNotice): Promise<void>;
}
