import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsEngine, startSqsEngine } from '../../lambdas/local/sqs-engine.js';

/**
 * The local SQS refuses exactly the message bodies SQS refuses (SendMessage docs: #x9 | #xA | #xD |
 * #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF), neither stricter nor looser, for SendMessage and
 * SendMessageBatch alike.
 */

let engine: SqsEngine;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  engine = await startSqsEngine();
  sqs = new SQSClient({ endpoint: engine.address, region: 'us-east-1' });
  queueUrl = engine.createQueue('character-rules').queueUrl;
});

afterAll(async () => {
  await engine.stop();
});

const ACCEPTED: Record<string, string> = {
  tab: '\t',
  'line feed': '\n',
  'carriage return': '\r',
  space: ' ',
  'U+D7FF': '\uD7FF',
  'U+E000': '\uE000',
  'U+FFFD': '\uFFFD',
  'party popper U+1F389': '🎉',
  'U+10000': '\u{10000}',
  'U+10FFFF': '\u{10FFFF}',
  'family emoji (ZWJ sequence)': '👨‍👩‍👧',
};

const REFUSED: Record<string, string> = {
  NUL: '\u0000',
  'U+0001': '\u0001',
  'vertical tab': '\u000B',
  'U+001F': '\u001F',
  'U+FFFE': '\uFFFE',
  'U+FFFF': '\uFFFF',
  'lone high surrogate': '\uD800',
  'lone low surrogate': '\uDFFF',
};

async function sendOne(body: string): Promise<string> {
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    return 'accepted';
  } catch (error) {
    // The SDK names it InvalidMessageContents, prefixed by the query-protocol code SQS also sends.
    const name = (error as { name?: string }).name ?? 'unknown error';
    return name.replace(/^AWS\.SimpleQueueService\./, '');
  }
}

describe('local SQS message body characters', () => {
  it.each(Object.entries(ACCEPTED))('accepts %s in SendMessage', async (_name, character) => {
    // Act
    const outcome = await sendOne(`before ${character} after`);
    // Assess
    expect(outcome).toBe('accepted');
  });

  it.each(Object.entries(REFUSED))(
    'refuses %s in SendMessage with InvalidMessageContents',
    async (_name, character) => {
      // Act
      const outcome = await sendOne(`before ${character} after`);
      // Assess
      expect(outcome).toBe('InvalidMessageContents');
    },
  );

  it('judges each SendMessageBatch entry by the same rule', async () => {
    // Prepare
    const entries = [...Object.values(ACCEPTED), ...Object.values(REFUSED)].map((character, index) => ({
      Id: `entry${index}`,
      MessageBody: `x${character}x`,
    }));
    // Act
    const accepted: string[] = [];
    const refused: string[] = [];
    for (let start = 0; start < entries.length; start += 10) {
      const result = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.slice(start, start + 10) }),
      );
      accepted.push(...(result.Successful ?? []).map((entry) => entry.Id ?? ''));
      refused.push(...(result.Failed ?? []).map((entry) => `${entry.Id}:${entry.Code}`));
    }
    // Assess
    const acceptedCount = Object.keys(ACCEPTED).length;
    expect(accepted.sort()).toEqual(
      entries
        .slice(0, acceptedCount)
        .map((entry) => entry.Id)
        .sort(),
    );
    expect(refused.sort()).toEqual(
      entries
        .slice(acceptedCount)
        .map((entry) => `${entry.Id}:InvalidMessageContents`)
        .sort(),
    );
  });
});
