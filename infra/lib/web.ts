import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildWeb } from '@placements/web';
import { acknowledge } from './nag.ts';

/** Cognito hosted sign-in, as the web app needs it (authorisation code flow with PKCE). */
export interface WebAuthSettings {
  /** Hosted UI base URL, such as https://send-placements-dev-123.auth.eu-west-2.amazoncognito.com */
  domain: string;
  /** The app client (no secret). */
  clientId: string;
  scopes?: string[];
}

export interface WebAppProps {
  /** The API's base URL; the app calls it with the signed-in person's token. */
  apiUrl: string;
  /** Until the user pool exists the app says that sign-in is not set up. */
  auth?: WebAuthSettings;
  /** A built app folder; by default the app is built now, into a folder of its own. */
  assetDir?: string;
}

/** The config.json the app reads at start: AWS mode, the API URL and the hosted sign-in. */
export function webConfig(props: Pick<WebAppProps, 'apiUrl' | 'auth'>) {
  return {
    mode: 'aws' as const,
    apiUrl: props.apiUrl,
    ...(props.auth
      ? {
          cognito: {
            domain: props.auth.domain,
            clientId: props.auth.clientId,
            scopes: props.auth.scopes ?? ['openid', 'email'],
          },
        }
      : {}),
  };
}

/**
 * The browser app in AWS: a private, encrypted S3 bucket read only by CloudFront (origin access
 * control), HTTPS only, security headers with a content security policy that lets the app talk
 * to nothing but its API and the sign-in domain. Hashed assets are cached for a year;
 * index.html and config.json are never cached and are invalidated on each deployment.
 */
export class WebApp extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** https://<distribution domain>: the Cognito client's callback and sign-out URL. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    // Built into a folder of its own so a synth never races a test rebuilding packages/web/dist.
    const dir = props.assetDir ?? buildWeb({ outDir: mkdtempSync(join(tmpdir(), 'placements-web-')) }).dir;

    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are written with an ACL.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      // Kept when the stack goes (a non-empty bucket cannot be deleted, and emptying it needs another Lambda).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const connect = ["'self'", props.apiUrl, ...(props.auth ? [props.auth.domain] : [])].join(' ');
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'SEND placements web app: CSP, HSTS and the usual hardening',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'SEND placements web app',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    // Hashed bundles: cached for ever; nothing is pruned so a page loaded before a deploy still works.
    const assets = new BucketDeployment(this, 'DeployAssets', {
      sources: [Source.asset(dir, { exclude: ['index.html'] })],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
      prune: false,
      memoryLimit: 256,
    });
    // The entry points: read afresh on every visit, and invalidated at CloudFront on each deploy.
    const entry = new BucketDeployment(this, 'DeployEntry', {
      sources: [
        Source.data('index.html', readFileSync(join(dir, 'index.html'), 'utf8')),
        Source.jsonData('config.json', webConfig(props)),
      ],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.noCache()],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html', '/config.json'],
      memoryLimit: 256,
    });
    // index.html names the hashed bundles: they must be there first.
    entry.node.addDependency(assets);

    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'No geo restriction: staff of English LAs and settings sign in from wherever they work; the distribution serves only static files and every read of data goes through the API with a Cognito token.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No WAF on the static app: it serves a few public, cacheable files with no input to inspect; the API behind it has its own throttles and authorizer. Add a web ACL with a custom domain if the service needs one.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The default *.cloudfront.net certificate cannot set a minimum TLS version; a custom domain with an ACM certificate and TLSv1.2_2021 replaces it for a public launch.',
    );
    // CDK's own bucket-deployment handler (a singleton per stack), not code of ours.
    for (const handler of Stack.of(this).node.children.filter((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    )) {
      const why =
        'CDK’s BucketDeployment handler, which copies the built app into the bucket at deploy time; its runtime, managed logging policy and S3 permissions on the two buckets it copies between are set by aws-cdk-lib.';
      const stack = Stack.of(this);
      const assets = stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket);
      // The CDK assets bucket is named after the account and region: tokens when the stack is
      // environment-agnostic, the values themselves when cdk synth/deploy resolves them.
      const [account, region] = [stack.account, stack.region].map((v, i) =>
        Token.isUnresolved(v) ? ['<AWS::AccountId>', '<AWS::Region>'][i] : v,
      );
      const findings = [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map(
          (a) => `AwsSolutions-IAM5[Action::${a}]`,
        ),
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*]`,
        `AwsSolutions-IAM5[Resource::<${assets}.Arn>/*]`,
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-L1',
        'Serverless-LambdaDLQ',
        'Serverless-LambdaLatestVersion',
        'Serverless-LambdaTracing',
      ];
      for (const id of findings) acknowledge(handler, id, why);
    }
  }
}

export interface WebStackProps extends StackProps, WebAppProps {}

/**
 * The web app as a stack of its own beside the marketplace stack: it reads the API URL and the
 * sign-in settings from it, and the marketplace stack's template and its tests stay as they are.
 * The Cognito client's callback is the web app's URL, passed back with -c webOrigin=<WebUrl>
 * (a reference the other way would make the two stacks depend on each other).
 */
export class WebStack extends Stack {
  readonly web: WebApp;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    this.web = new WebApp(this, 'Web', props);
    new CfnOutput(this, 'WebUrl', {
      value: this.web.url,
      description: 'The web app; give it to the marketplace stack as -c webOrigin=<this URL> for sign-in',
    });
  }
}
