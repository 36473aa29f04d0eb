import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface OpsTopic {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
}

/**
 * The operations topic and the customer managed key it is encrypted with, created directly in
 * `scope` as `OpsTopicKey` and `OpsTopic` (a sub-construct would change their logical ids, and a
 * replaced topic loses its subscriptions).
 *
 * Who publishes to it, and what each needs:
 * - CloudWatch alarms (every alarm of the service): a service principal, so both the topic policy
 *   (which otherwise holds only the TLS deny: a topic policy replaces SNS's default one) and the key
 *   policy must allow `cloudwatch.amazonaws.com`, for alarms of this account and region only.
 * - the escalation function: an IAM grant on its own role (same account), nothing here.
 * No EventBridge rule, Step Functions task or other AWS service publishes to it directly; one that
 * does would need its own statements here.
 */
export function createOpsTopic(scope: Construct): OpsTopic {
  const stack = Stack.of(scope);
  const fromOwnAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: {
      'aws:SourceArn': stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    },
  };

  const key = new kms.Key(scope, 'OpsTopicKey', {
    description: 'Encrypts the webhook service operations topic',
    enableKeyRotation: true,
    // Only encrypts messages in flight through SNS: nothing at rest depends on it.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // CloudWatch alarms publishing to an encrypted topic need the key (an AWS managed key would not do).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublishToOpsTopic',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: fromOwnAlarms.StringEquals },
    }),
  );

  const topic = new sns.Topic(scope, 'OpsTopic', {
    displayName: 'Webhook service operations',
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOwnAlarms,
    }),
  );
  return { topic, key };
}
