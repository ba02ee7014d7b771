import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ApiEdgeStack } from '../lib/edge.ts';
import { acknowledgementsUnder, nagFindings, WITHOUT_ACKNOWLEDGEMENTS } from '../lib/nag.ts';
import { stackFor } from './synth.ts';

const EDGE_CERT = 'arn:aws:acm:us-east-1:111122223333:certificate/edge';
const API_CERT = 'arn:aws:acm:eu-west-2:111122223333:certificate/api';

function edgeStack(region = 'us-east-1', context: Record<string, unknown> = {}) {
  const app = new App({ context });
  return new ApiEdgeStack(app, 'Edge', {
    env: { account: '111122223333', region },
    originDomain: 'origin.api.example.gov.uk',
    domain: { name: 'api.example.gov.uk', certificateArn: EDGE_CERT },
  });
}

describe('the API behind CloudFront and WAF', () => {
  const stack = edgeStack();
  const t = Template.fromStack(stack);

  it('limits each client IP and applies AWS managed common and known-bad-inputs rules, for CloudFront', () => {
    t.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Name: 'rate-per-ip',
          Action: { Block: {} },
          Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 1000, EvaluationWindowSec: 300 } },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' },
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
        }),
      ],
    });
  });

  it('serves the API on its own name with TLS 1.2 or later, the web ACL attached, nothing cached, HTTPS to the origin', () => {
    const acl = Object.keys(t.findResources('AWS::WAFv2::WebACL'))[0];
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['api.example.gov.uk'],
        WebACLId: { 'Fn::GetAtt': [acl, 'Arn'] },
        ViewerCertificate: {
          AcmCertificateArn: EDGE_CERT,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          AllowedMethods: Match.arrayWith(['DELETE']),
          // The managed CachingDisabled policy.
          CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
        }),
        Origins: [
          Match.objectLike({
            DomainName: 'origin.api.example.gov.uk',
            CustomOriginConfig: Match.objectLike({
              OriginProtocolPolicy: 'https-only',
              OriginSSLProtocols: ['TLSv1.2'],
            }),
          }),
        ],
      }),
    });
  });

  it('refuses to be built outside us-east-1, where CloudFront cannot use a web ACL', () => {
    expect(() => edgeStack('eu-west-2')).toThrow(/us-east-1/);
  });

  it('passes cdk-nag, each acknowledgement silencing a real finding', () => {
    expect(nagFindings(stack).map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
    const bare = nagFindings(edgeStack('us-east-1', { [WITHOUT_ACKNOWLEDGEMENTS]: true }));
    const acknowledged = acknowledgementsUnder(stack);
    for (const a of acknowledged)
      expect(
        bare.some((f) => f.rule === a.id && f.path.startsWith(a.path)),
        `${a.id} on ${a.path}`,
      ).toBe(true);
    // No CFR2 (WAF) and no CFR4 (TLS) acknowledgement: both are met.
    expect(acknowledged.map((a) => a.id).sort()).toEqual(['AwsSolutions-CFR1', 'AwsSolutions-S1']);
  });
});

describe('the API with its custom domain', () => {
  const stack = stackFor('prod', { apiDomain: { name: 'origin.api.example.gov.uk', certificateArn: API_CERT } });
  const t = Template.fromStack(stack);

  it('disables the execute-api endpoint and maps the stage to the domain with TLS 1.2', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'origin.api.example.gov.uk',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: API_CERT, SecurityPolicy: 'TLS_1_2' })],
    });
    t.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
  });

  it('still passes cdk-nag', () => {
    expect(nagFindings(stack).map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
  });

  it('keeps the execute-api endpoint only where no domain is given (dev)', () => {
    Template.fromStack(stackFor('dev')).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      DisableExecuteApiEndpoint: false,
    });
  });
});
