import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../lib/marketplace-stack.ts';
import { acknowledgementsUnder, nagFindings } from '../lib/nag.ts';
import { stackFor, withHelpers } from './synth.ts';

const REPO = join(import.meta.dirname, '..', '..');

/** The three shapes the app takes: dev, prod, and with a scheduled job and a stream consumer. */
const variants: [string, Stage, typeof withHelpers][] = [
  ['dev', 'dev', {}],
  ['prod', 'prod', {}],
  ['dev with a schedule and a stream consumer', 'dev', withHelpers],
];

describe.each(variants)('cdk-nag (AwsSolutions and Serverless packs) on %s', (_label, stage, extra) => {
  const stack = stackFor(stage, extra);

  it('finds nothing that is not acknowledged', () => {
    expect(nagFindings(stack).map((f) => `${f.rule} ${f.severity} at ${f.path}: ${f.description}`)).toEqual([]);
  });

  // Reading every annotation of a stack this size takes tens of seconds on two busy cores.
  it('leaves no CDK warning or error annotation', () => {
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  }, 120_000);

  it('acknowledges only findings that would otherwise be reported, each with its reason', () => {
    // The same stack built without acknowledgements shows what each one silences.
    const bare = nagFindings(stackFor(stage, extra, { withoutAcknowledgements: true }));
    const acknowledged = acknowledgementsUnder(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const a of acknowledged) {
      const silenced = bare.filter((f) => f.rule === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`)));
      expect(silenced, `${a.id} on ${a.path} silences nothing: remove it`).not.toHaveLength(0);
      expect(a.reason.length, `${a.id} on ${a.path}`).toBeGreaterThanOrEqual(60);
    }
    // And every finding of the bare stack is covered by one of them.
    for (const f of bare)
      expect(
        acknowledged.some((a) => a.id === f.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`))),
        `${f.rule} at ${f.path}`,
      ).toBe(true);
  });
});

describe('the acknowledged rules', () => {
  it('are these, and only these, in the deployed app', () => {
    const ids = [
      ...new Set(
        [...acknowledgementsUnder(stackFor('dev')), ...acknowledgementsUnder(stackFor('prod'))].map((a) => a.id),
      ),
    ].sort();
    expect(ids).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-COG8',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      // The GOV.UK Notify API key is rotated by hand in Notify (infra/lib/notifications.ts).
      'AwsSolutions-SMG4',
      // The email dead-letter queue is itself a dead-letter queue (infra/lib/notifications.ts).
      'AwsSolutions-SQS3',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
      // The escalation schedule's dead-letter queue (see deadLetterQueue in the stack).
      'Serverless-SQSRedrivePolicy',
    ]);
  });
});

describe('synthesis as `cdk synth` runs it', () => {
  it('succeeds for the whole app (both stacks) through the CDK CLI, bundling every function with the project esbuild, offline, each loading on its own', () => {
    // One real synth, as `npm run synth` runs it (10 to 40 s of bundling on two busy cores): the
    // app registers the nag packs as validation plugins, so a finding fails it; the CLI resolves an
    // account and region for the stacks' env, which changes some resource names the
    // acknowledgements match, so only synthesising the app itself catches a mismatch.
    const out = mkdtempSync(join(tmpdir(), 'placements-cli-synth-'));
    const res = spawnSync(join(REPO, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', out], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    expect(res.status, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/WARNING|ERROR/);
    expect(statSync(join(out, 'Placements-dev-web.template.json')).size).toBeGreaterThan(0);
    const template = JSON.parse(readFileSync(join(out, 'Placements-dev.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(8);
    const bundles = functions.map((fn) => join(out, fn.Metadata?.['aws:asset:path'] ?? 'no asset path', 'index.mjs'));
    for (const bundle of bundles) expect(statSync(bundle).size, bundle).toBeLessThan(1.2 * 1024 * 1024);
    // Each bundle loads on its own, the AWS SDK inside it, as it will in Lambda (no node_modules there).
    const probe =
      "const m = await import(process.argv[1]); if (typeof m.handler !== 'function') throw new Error('no handler')";
    for (const bundle of bundles) {
      const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', probe, pathToFileURL(bundle).href], {
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: 't',
          AWS_REGION: 'eu-west-2',
          RESOURCE_SERVER: 'placements',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        cwd: tmpdir(),
        encoding: 'utf8',
      });
      expect(loaded.status, `${bundle}: ${loaded.stderr}`).toBe(0);
    }
    rmSync(out, { recursive: true, force: true });
  }, 300_000);
});
