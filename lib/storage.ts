import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { CONFIG_TABLE, DELIVERIES_TABLE, type TableSchema } from './storage-schema.js';

export interface WebhookServiceStorageProps {
  /**
   * Removal policy of the tables and of the master key secret (they live and die together: the
   * secret decrypts the signing secrets stored in the config table).
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The service's state: the config and deliveries tables, built from their schemas
 * (lib/storage-schema.ts, docs/storage.md), and the master key secret the signing secrets are
 * encrypted under.
 *
 * Created directly in `scope` as `ConfigTable`, `DeliveriesTable` and `MasterKeySecret`, not under a
 * construct of its own: that would change their logical ids, and a replaced table or secret loses
 * its data.
 */
export class WebhookServiceStorage {
  public readonly configTable: dynamodb.Table;
  public readonly deliveriesTable: dynamodb.Table;
  /** The deployment's master key: signing secrets are stored encrypted under it. */
  public readonly masterKeySecret: secretsmanager.Secret;

  constructor(scope: Construct, props: WebhookServiceStorageProps) {
    this.configTable = table(scope, 'ConfigTable', CONFIG_TABLE, props.removalPolicy);
    this.deliveriesTable = table(scope, 'DeliveriesTable', DELIVERIES_TABLE, props.removalPolicy);

    this.masterKeySecret = new secretsmanager.Secret(scope, 'MasterKeySecret', {
      description: 'Master key of the webhook service: signing secrets are stored encrypted under it',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.masterKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the master key would orphan every signing-secret ciphertext stored in DynamoDB; re-encryption under a new key is a planned admin operation, not an automatic rotation.',
    });
  }
}

/** On demand, point-in-time recovery, AWS managed encryption; each index's projection from the schema (ALL by default). */
function table(
  scope: Construct,
  id: string,
  schema: TableSchema,
  removalPolicy: RemovalPolicy,
): dynamodb.Table {
  const created = new dynamodb.Table(scope, id, {
    partitionKey: { name: schema.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: schema.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: schema.timeToLiveAttribute,
    removalPolicy,
  });
  for (const index of schema.globalSecondaryIndexes) {
    created.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType:
        index.projection === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.ALL,
    });
  }
  return created;
}
