import { GetCommand, type LeanDocumentClient, PutCommand, QueryCommand } from '../../aws/lean/dynamodb.js';
import type { EventType } from '../../domain/model.js';
import type { EventTypeRepository } from '../../domain/ports/config-stores.js';
import { type Item, str } from './attributes.js';
import { EVENT_TYPE_PK, eventTypeKey } from './keys.js';

/** The event-type catalog in the config table (docs/storage.md): one partition, by type name. */

function itemToEventType(item: Item): EventType {
  return {
    name: str(item.sk),
    description: str(item.description),
    // Stored as JSON text, like event payloads: exact round trip, no DynamoDB number or nesting limits.
    example: typeof item.example_json === 'string' ? JSON.parse(item.example_json) : item.example,
    updatedAt: str(item.updated_at),
  };
}

export class DynamoEventTypeRepository implements EventTypeRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(eventType: EventType): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...eventTypeKey(eventType.name),
          description: eventType.description,
          example_json: JSON.stringify(eventType.example ?? {}),
          updated_at: eventType.updatedAt,
        },
      }),
    );
  }

  async get(name: string): Promise<EventType | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventTypeKey(name),
        ConsistentRead: true,
      }),
    );
    return item ? itemToEventType(item) : undefined;
  }

  /** Every event type, by name. */
  async list(): Promise<EventType[]> {
    const types: EventType[] = [];
    let exclusiveStartKey: Item | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': EVENT_TYPE_PK },
          ConsistentRead: true,
          ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) types.push(itemToEventType(item));
      exclusiveStartKey = result.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return types;
  }
}
