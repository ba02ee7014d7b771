import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MarketplaceStack, type MarketplaceStackProps, type Stage } from '../lib/marketplace-stack.ts';
import type { ScheduleSpec, StreamConsumerSpec } from '../lib/contexts.ts';
import { WITHOUT_ACKNOWLEDGEMENTS } from '../lib/nag.ts';

export const PROD_ORIGIN = 'https://placements.example.gov.uk/';

/** Synthesised offline in well under a second: bundling skipped, as these tests are about the template. */
export function stackFor(
  stage: Stage,
  extra: Partial<MarketplaceStackProps> = {},
  options: { withoutAcknowledgements?: boolean } = {},
) {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      ...(options.withoutAcknowledgements ? { [WITHOUT_ACKNOWLEDGEMENTS]: true } : {}),
    },
  });
  return new MarketplaceStack(app, `Test-${stage}`, {
    stage,
    ...(stage === 'prod' ? { callbackUrls: [PROD_ORIGIN] } : {}),
    ...extra,
  });
}

export const templateFor = (stage: Stage, extra: Partial<MarketplaceStackProps> = {}) =>
  Template.fromStack(stackFor(stage, extra));

/**
 * A schedule and a stream consumer as the escalation job and a future consumer will add them
 * (an existing entry stands in for their code): to prove the helpers before they are used.
 */
export const SAMPLE_SCHEDULE: Record<string, ScheduleSpec> = {
  nightly: {
    entry: 'platform',
    schedule: 'cron(0 6 * * ? *)',
    description: 'Sample scheduled job',
    table: 'write',
    timeoutSeconds: 60,
  },
};
export const SAMPLE_CONSUMER: Record<string, StreamConsumerSpec> = {
  watcher: {
    entry: 'platform',
    description: 'Sample stream consumer',
    table: 'read',
    itemTypes: ['listing', 'placement'],
  },
};
export const withHelpers: Partial<MarketplaceStackProps> = {
  schedules: SAMPLE_SCHEDULE,
  streamConsumers: SAMPLE_CONSUMER,
};

type Resources = Record<string, { Type: string; Properties: any; DependsOn?: string[]; DeletionPolicy?: string }>;

/** The function's logical id, by the construct id the stack gives it (PascalCase context name). */
export function functionId(template: Template, construct: string): string {
  const id = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) =>
    k.startsWith(`${construct}Function`),
  );
  if (id === undefined) throw new Error(`no function ${construct}`);
  return id;
}

/** Every IAM statement attached to a role, by the role construct's logical id prefix. */
export function statementsOf(
  template: Template,
  rolePrefix: string,
): { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string }[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources);
  return policies
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

export const actionsOf = (statements: { Action: string | string[] }[]) => statements.flatMap((s) => [s.Action].flat());
