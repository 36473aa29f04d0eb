import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '../../lib/metric-names.js';
import { FUNCTION_NAMES, type WebhookFunctionName, type WebhookService } from '../../lib/webhook-service.js';
import { logicalId, newApp, newStack, ref } from './helpers.js';

/** Alarms, dashboard, metric wiring and log retention of the WebhookService construct (docs/observability.md). */

let service: WebhookService;
let template: Template;

beforeAll(() => {
  const stack = newStack();
  service = stack.service;
  template = Template.fromStack(stack);
});

const DEPLOYMENT = 'TestWebhooks-WebhookService';
const SERVICE_DIMENSIONS = [
  { Name: 'deployment', Value: DEPLOYMENT },
  { Name: 'service', Value: 'serverless-webhooks' },
];
const queueName = (queue: IConstruct) => ({ 'Fn::GetAtt': [logicalId(queue), 'QueueName'] });
const propsOf = (t: Template, construct: IConstruct) =>
  (t.toJSON().Resources[logicalId(construct)] as { Properties: Record<string, unknown> }).Properties;
const envOf = (t: Template, s: WebhookService, name: WebhookFunctionName) =>
  (propsOf(t, s.functions[name]).Environment as { Variables: Record<string, unknown> }).Variables;

interface DashboardWidget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; markdown?: string };
}

/**
 * The dashboard body as JSON: the Fn::Join fragments concatenated, each token (a Ref or GetAtt)
 * written as `<Ref:LogicalId>` / `<LogicalId.Attribute>` so that tests can name resources in it.
 */
function dashboardWidgets(t: Template): DashboardWidget[] {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = (dashboards[0] as { Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } } })
    .Properties.DashboardBody['Fn::Join'][1];
  const text = body
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (token.Ref) return `<Ref:${token.Ref}>`;
      if (token['Fn::GetAtt']) return `<${token['Fn::GetAtt'].join('.')}>`;
      throw new Error(`unexpected token in the dashboard body: ${JSON.stringify(part)}`);
    })
    .join('');
  return (JSON.parse(text) as { widgets: DashboardWidget[] }).widgets;
}

const widget = (widgets: DashboardWidget[], title: string): DashboardWidget => {
  const found = widgets.find((candidate) => candidate.properties.title === title);
  if (!found) throw new Error(`no dashboard widget titled '${title}'`);
  return found;
};

/** The metric names of a graph widget's metric rows (`[namespace, name, dim, value, ..., options]`). */
const metricNames = (graph: DashboardWidget): string[] =>
  (graph.properties.metrics ?? []).filter((row) => typeof row[0] === 'string').map((row) => row[1] as string);

describe('dead-letter queue alarms', () => {
  it.each([
    ['ingest DLQ', () => service.ingestDlq],
    ['delivery redrive DLQ', () => service.deliveryDlq],
    ['parked queue', () => service.parkedQueue],
  ])('alarm when the %s holds a message, notifying the ops topic', (_name, queue) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queueName(queue()) }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(service.opsTopic)],
    });
  });
});

describe('delivery failure-rate alarm', () => {
  const emfMetric = (id: string, name: string, period: number) => ({
    Id: id,
    ReturnData: false,
    MetricStat: {
      Metric: { Namespace: 'ServerlessWebhooks', MetricName: name, Dimensions: SERVICE_DIMENSIONS },
      Period: period,
      Stat: 'Sum',
    },
  });

  it('alarms above 20% failed attempts over 15 minutes, from 20 attempts on, by default', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayEquals([
        Match.objectLike({
          Expression:
            'IF((FILL(succeeded, 0) + FILL(failed, 0)) >= 20, 100 * FILL(failed, 0) / (FILL(succeeded, 0) + FILL(failed, 0)), 0)',
          ReturnData: true,
        }),
        emfMetric('succeeded', METRIC.deliveriesSucceeded, 900),
        emfMetric('failed', METRIC.attemptsFailed, 900),
      ]),
      Threshold: 20,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(service.opsTopic)],
    });
  });

  it('takes its threshold, window and minimum attempts from the alarms prop', () => {
    const stack = newStack(newApp(), {
      service: {
        alarms: {
          deliveryFailureRatePercent: 35,
          deliveryFailureRateWindow: Duration.minutes(30),
          deliveryFailureRateMinAttempts: 50,
        },
      },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('^IF\\(.* >= 50, 100 \\* ') }),
        emfMetric('succeeded', METRIC.deliveriesSucceeded, 1800),
      ]),
      Threshold: 35,
      AlarmActions: [ref(stack.service.opsTopic)],
    });
  });

  it.each([
    [{ deliveryFailureRatePercent: 0 }, /deliveryFailureRatePercent/],
    [{ deliveryFailureRatePercent: 100 }, /deliveryFailureRatePercent/],
    [{ deliveryFailureRateWindow: Duration.seconds(90) }, /deliveryFailureRateWindow/],
    [{ deliveryFailureRateMinAttempts: 0 }, /deliveryFailureRateMinAttempts/],
  ])('rejects alarms %o', (alarms, message) => {
    expect(() => newStack(newApp(), { service: { alarms } })).toThrow(message);
  });

  it.each(['AWS/Lambda', '', 'bad*namespace'])('rejects metricsNamespace %j', (metricsNamespace) => {
    expect(() => newStack(newApp(), { service: { metricsNamespace } })).toThrow(/metricsNamespace/);
  });

  it('reads the metrics the delivery and fan-out functions write: same namespace and deployment', () => {
    for (const name of ['fanout', 'deliver'] as const) {
      expect(envOf(template, service, name)).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: 'ServerlessWebhooks',
        POWERTOOLS_SERVICE_NAME: 'serverless-webhooks',
        METRICS_DEPLOYMENT: DEPLOYMENT,
      });
    }
  });

  it('uses the metricsNamespace prop in the functions and in the alarm alike', () => {
    const stack = newStack(newApp(), { service: { metricsNamespace: 'Acme/Webhooks' } });
    const custom = Template.fromStack(stack);
    expect(envOf(custom, stack.service, 'deliver').POWERTOOLS_METRICS_NAMESPACE).toBe('Acme/Webhooks');
    custom.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'Acme/Webhooks', MetricName: METRIC.attemptsFailed }),
          }),
        }),
      ]),
    });
  });
});

describe('function alarms', () => {
  const NOT_AUTHORIZER = FUNCTION_NAMES.filter((name) => name !== 'authorizer');

  it.each(NOT_AUTHORIZER)('alarm on any error of the %s function', (name) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(service.functions[name]) }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [ref(service.opsTopic)],
    });
  });

  it("raises no alarm on the authorizer's Lambda Errors: each wrong API key is one (a 401)", () => {
    // Prepare: the default stack (beforeAll).
    // Act
    const alarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref(service.functions.authorizer) }],
      },
    });
    // Assess
    expect(Object.keys(alarms)).toEqual([]);
  });

  it('alarms on any AuthorizerFailures, the unexpected failures the authorizer counts', () => {
    // Prepare: the default stack (beforeAll).
    // Act / Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ServerlessWebhooks',
      MetricName: METRIC.authorizerFailures,
      Dimensions: SERVICE_DIMENSIONS,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(service.opsTopic)],
    });
  });

  it('tells the authorizer where to write AuthorizerFailures: the namespace and deployment the alarm reads', () => {
    // Prepare: the default stack (beforeAll).
    // Act
    const environment = envOf(template, service, 'authorizer');
    // Assess
    expect(environment).toMatchObject({
      POWERTOOLS_METRICS_NAMESPACE: 'ServerlessWebhooks',
      POWERTOOLS_SERVICE_NAME: 'serverless-webhooks',
      METRICS_DEPLOYMENT: DEPLOYMENT,
    });
  });

  it.each(FUNCTION_NAMES)('alarm on any throttle of the %s function', (name) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: ref(service.functions[name]) }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [ref(service.opsTopic)],
    });
  });
});

describe('API alarm', () => {
  it('alarms on any 5xx answer of the REST API', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: 'TestWebhooks-WebhookService-api' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [ref(service.opsTopic)],
    });
  });
});

describe('every alarm', () => {
  it('notifies the ops topic and nothing else', () => {
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [ref(service.opsTopic)] });
  });
});

describe('dashboard', () => {
  let widgets: DashboardWidget[];
  beforeAll(() => {
    widgets = dashboardWidgets(template);
  });

  it('graphs deliveries succeeded, failed for good and failed attempts', () => {
    expect(metricNames(widget(widgets, 'Deliveries'))).toEqual([
      METRIC.deliveriesSucceeded,
      METRIC.deliveriesFailed,
      METRIC.attemptsFailed,
    ]);
  });

  it('graphs the failure rate with the expression the alarm evaluates', () => {
    const rows = widget(widgets, 'Delivery failure rate (%)').properties.metrics ?? [];
    expect(rows[0]).toEqual([expect.objectContaining({ expression: expect.stringMatching(/^IF\(/) })]);
    expect(metricNames(widget(widgets, 'Delivery failure rate (%)'))).toEqual([
      METRIC.deliveriesSucceeded,
      METRIC.attemptsFailed,
    ]);
  });

  it('graphs attempt latency percentiles, fan-out size, parked messages and dropped events', () => {
    expect(metricNames(widget(widgets, 'Attempt latency (ms)'))).toEqual(
      Array(3).fill(METRIC.attemptLatency),
    );
    expect(metricNames(widget(widgets, 'Fan-out size (deliveries per event)'))).toContain(METRIC.fanOutSize);
    expect(metricNames(widget(widgets, 'Parked messages and dropped events'))).toEqual([
      METRIC.messagesParked,
      METRIC.eventsDropped,
    ]);
  });

  it('graphs the depth of every queue', () => {
    const rows = widget(widgets, 'Queue depth (messages visible)').properties.metrics ?? [];
    const queues = [
      service.ingestQueue,
      service.deliveryQueue,
      service.ingestDlq,
      service.deliveryDlq,
      service.parkedQueue,
    ];
    expect(rows.map((row) => [row[1], row[3]])).toEqual(
      queues.map((queue) => ['ApproximateNumberOfMessagesVisible', `<${logicalId(queue)}.QueueName>`]),
    );
  });

  it.each([
    ['Lambda errors', 'Errors'],
    ['Lambda throttles', 'Throttles'],
    ['Lambda duration p99 (ms)', 'Duration'],
  ])('graphs %s of every function', (title, metricName) => {
    const rows = widget(widgets, title).properties.metrics ?? [];
    expect(rows.map((row) => [row[1], row[3]])).toEqual(
      FUNCTION_NAMES.map((name) => [metricName, `<Ref:${logicalId(service.functions[name])}>`]),
    );
  });

  it('graphs API requests, 4xx, 5xx and latency', () => {
    expect(metricNames(widget(widgets, 'API requests and errors'))).toEqual([
      'Count',
      '4XXError',
      '5XXError',
    ]);
    expect(metricNames(widget(widgets, 'API latency (ms)'))).toEqual([
      'Latency',
      'Latency',
      'IntegrationLatency',
    ]);
  });

  it('shows the state of every alarm', () => {
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    const shown = widgets.find((candidate) => candidate.type === 'alarm')?.properties.alarms ?? [];
    expect(shown.map((arn) => arn.replace(/^<|\.Arn>$/g, '')).sort()).toEqual(alarmIds.sort());
  });

  it('takes its name from the dashboardName prop', () => {
    const stack = newStack(newApp(), { service: { dashboardName: 'webhooks-prod' } });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'webhooks-prod',
    });
  });
});

describe('log retention', () => {
  const retentionOfFunctionLogGroup = (t: Template, s: WebhookService, name: WebhookFunctionName) => {
    const logGroup = (propsOf(t, s.functions[name]).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup;
    const resource = t.toJSON().Resources[logGroup.Ref] as {
      Type: string;
      Properties: Record<string, unknown>;
    };
    expect(resource.Type).toBe('AWS::Logs::LogGroup');
    return resource.Properties.RetentionInDays;
  };

  it.each(FUNCTION_NAMES)('keeps the logs of the %s function one month by default', (name) => {
    expect(retentionOfFunctionLogGroup(template, service, name)).toBe(30);
  });

  it('applies the logRetention prop to the log group each function writes to', () => {
    const stack = newStack(newApp(), { service: { logRetention: logs.RetentionDays.THREE_MONTHS } });
    const custom = Template.fromStack(stack);
    for (const name of FUNCTION_NAMES) {
      expect(retentionOfFunctionLogGroup(custom, stack.service, name)).toBe(90);
    }
  });

  it('sets retention on the log groups themselves, not through the log-retention custom resource', () => {
    template.resourceCountIs('Custom::LogRetention', 0);
  });
});
