import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

/** A custom domain name and its ACM certificate's ARN. */
export interface DomainSettings {
  name: string;
  certificateArn: string;
}

export interface ApiEdgeProps {
  /** The API's own custom domain (its execute-api endpoint is disabled): CloudFront's origin. */
  originDomain: string;
  /** The public name of the API at CloudFront, with a certificate in us-east-1. */
  domain: DomainSettings;
  /** Requests per IP in any 5 minutes before WAF blocks that IP (default 1000). */
  ratePerIpPer5Min?: number;
}

/**
 * The only public way in to the API: CloudFront (TLS 1.2 or later, nothing cached) with an AWS
 * WAF web ACL: a rate limit per client IP and AWS's managed common and known-bad-inputs rule
 * sets. A web ACL for CloudFront exists only in us-east-1, so this lives in a stack there.
 */
export class ApiEdge extends Construct {
  readonly webAcl: CfnWebACL;
  readonly distribution: Distribution;
  /** https://<domain>: the API base URL browsers and tools use. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiEdgeProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (region !== 'us-east-1')
      throw new Error(
        `A web ACL for CloudFront must be created in us-east-1, not ${region}: put ApiEdge in its own stack there`,
      );

    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('placements-api'),
      rules: [
        {
          // One client (or script) hammering the API is blocked for as long as it stays over the limit.
          name: 'rate-per-ip',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.ratePerIpPer5Min ?? 1000,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('rate-per-ip'),
        },
        managed('AWSManagedRulesCommonRuleSet', 1),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
      ],
    });

    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are written with an ACL.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      logs,
      'AwsSolutions-S1',
      'This bucket is itself the access-log destination of the API distribution; logging it to another bucket would only log the log writes.',
    );

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'SEND placements API (WAF in front of API Gateway)',
      domainNames: [props.domain.name],
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      webAclId: this.webAcl.attrArn,
      defaultBehavior: {
        origin: new HttpOrigin(props.originDomain, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Answers are per caller (bearer tokens): never cached; every viewer header but Host goes on.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'api/',
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'No geo restriction: staff of English LAs and settings work from wherever they are; every data route needs a Cognito token and WAF limits each IP.',
    );
    this.url = `https://${props.domain.name}`;
  }
}

export interface ApiEdgeStackProps extends StackProps, ApiEdgeProps {}

/**
 * ApiEdge as a stack of its own in us-east-1. It takes the API's custom domain as a plain name
 * (-c apiDomain=...), so no cross-region reference (and its custom-resource Lambda) is needed.
 */
export class ApiEdgeStack extends Stack {
  readonly edge: ApiEdge;

  constructor(scope: Construct, id: string, props: ApiEdgeStackProps) {
    super(scope, id, props);
    this.edge = new ApiEdge(this, 'ApiEdge', props);
    new CfnOutput(this, 'ApiEdgeUrl', { value: this.edge.url, description: 'The API base URL, behind WAF' });
    new CfnOutput(this, 'ApiEdgeTarget', {
      value: this.edge.distribution.distributionDomainName,
      description: 'Point the public API name (a CNAME or Route 53 alias) here',
    });
  }
}
