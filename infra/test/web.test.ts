import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { nagFindings } from '../lib/nag.ts';
import { WebApp, WebStack, webConfig } from '../lib/web.ts';

/** The construct alone, synthesised offline; the app is built by esbuild on the way (well under a second). */
function synth(): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'WebTest');
  new WebApp(stack, 'Web', {
    apiUrl: 'https://api.example.test',
    auth: { domain: 'https://signin.example.test', clientId: 'client123' },
  });
  return Template.fromStack(stack);
}
const t = synth();

describe('the web app in AWS', () => {
  it('keeps its files in a private, encrypted bucket that refuses plain HTTP and logs access', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
    });
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy')).map((p) =>
      JSON.stringify(p.Properties.PolicyDocument),
    );
    expect(policies.every((p) => p.includes('aws:SecureTransport'))).toBe(true);
  });

  it('is served by CloudFront over HTTPS only, reading the bucket through origin access control', () => {
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
        }),
        Origins: [
          Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } }),
        ],
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
    // Only CloudFront, and only this distribution, may read the files.
    const read = Object.values(t.findResources('AWS::S3::BucketPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .find((s: any) => s.Principal?.Service === 'cloudfront.amazonaws.com');
    expect(read).toMatchObject({
      Action: 's3:GetObject',
      Effect: 'Allow',
      Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
    });
  });

  it('sends a content security policy that lets the app reach only its API and the sign-in domain', () => {
    const policy = Object.values(t.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]!.Properties
      .ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(policy.ContentSecurityPolicy.ContentSecurityPolicy).toContain(
      "connect-src 'self' https://api.example.test https://signin.example.test",
    );
    expect(policy.ContentSecurityPolicy.ContentSecurityPolicy).toContain("script-src 'self'");
    expect(policy.FrameOptions.FrameOption).toBe('DENY');
    expect(policy.StrictTransportSecurity.AccessControlMaxAgeSec).toBe(31_536_000);
  });

  it('deploys hashed bundles cached for a year, and index.html and config.json never cached and invalidated', () => {
    const deployments = Object.values(t.findResources('Custom::CDKBucketDeployment')).map((d) => d.Properties);
    expect(deployments).toHaveLength(2);
    expect(deployments.map((d) => d.SystemMetadata['cache-control']).sort()).toEqual([
      'no-cache',
      'public, max-age=31536000, immutable',
    ]);
    const entry = deployments.find((d) => d.SystemMetadata['cache-control'] === 'no-cache')!;
    expect(entry.DistributionPaths).toEqual(['/', '/index.html', '/config.json']);
    expect(deployments.every((d) => d.Prune === false)).toBe(true);
  });

  it('writes a config.json for AWS mode: the API URL and, when given, the Cognito hosted sign-in', () => {
    expect(
      webConfig({ apiUrl: 'https://api.example.test', auth: { domain: 'https://signin.example.test', clientId: 'c' } }),
    ).toEqual({
      mode: 'aws',
      apiUrl: 'https://api.example.test',
      cognito: { domain: 'https://signin.example.test', clientId: 'c', scopes: ['openid', 'email'] },
    });
    expect(webConfig({ apiUrl: 'https://api.example.test' })).toEqual({
      mode: 'aws',
      apiUrl: 'https://api.example.test',
    });
  });

  it('keeps its buckets when the stack goes, whatever the stage', () => {
    expect(Object.values(t.findResources('AWS::S3::Bucket')).map((b) => b.DeletionPolicy)).toEqual([
      'Retain',
      'Retain',
    ]);
  });
});

describe('the web stack', () => {
  // Environment-agnostic, and in an account and region as cdk synth and deploy resolve them (the
  // CDK assets bucket's name then holds the values, not tokens).
  it.each([
    ['environment-agnostic', undefined],
    ['in an account and region', { account: '123456789012', region: 'eu-west-2' }],
  ])('has nothing cdk-nag (AwsSolutions and Serverless) finds unacknowledged, %s', (_label, env) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new WebStack(app, 'WebStackTest', {
      ...(env ? { env } : {}),
      apiUrl: 'https://api.example.test',
      auth: { domain: 'https://signin.example.test', clientId: 'c' },
    });
    expect(nagFindings(stack).map((f) => `${f.rule} at ${f.path}: ${f.description.slice(0, 80)}`)).toEqual([]);
    Template.fromStack(stack).hasOutput('WebUrl', {});
  });
});
