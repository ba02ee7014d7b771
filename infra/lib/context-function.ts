import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acknowledge } from './nag.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const RUNTIME = Runtime.NODEJS_22_X;

// Local bundling runs `pnpm exec esbuild` (esbuild is a workspace package): make the pinned pnpm
// and esbuild findable however synth was started (npm run synth, npx cdk, a test runner).
const BIN = join(REPO_ROOT, 'node_modules', '.bin');
if (!(process.env.PATH ?? '').split(delimiter).includes(BIN))
  process.env.PATH = `${BIN}${delimiter}${process.env.PATH ?? ''}`;

/** How every Lambda is bundled; the bundle benchmark builds its hello-world baseline the same way. */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // ESM bundles still meet CommonJS dependencies that call require().
  banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
  // The AWS SDK is bundled, not taken from the runtime: tree-shaken into one file it loads in
  // about half the time of the runtime's copy (hundreds of files), and its version is the locked one.
  externalModules: [],
  // Two SDK parts that can never run in these Lambdas are swapped for small stand-ins (see each
  // file): the credential chain beyond the environment variables Lambda sets, and event streams,
  // whose dynamic import makes esbuild wrap the whole SDK in lazy initialisers. Together they are
  // about 150 KB of each bundle and 10 to 15 ms of its cold start (docs/benchmarks.md).
  esbuildArgs: {
    '--alias': [
      `@aws-sdk/credential-provider-node=${join(REPO_ROOT, 'packages', 'store', 'src', 'lambda', 'credentials.ts')}`,
      `@smithy/core/event-streams=${join(REPO_ROOT, 'packages', 'store', 'src', 'lambda', 'no-event-streams.ts')}`,
    ],
  },
  logLevel: LogLevel.WARNING,
};

export interface ContextFunctionProps {
  /** File name under functions/src, without .ts. */
  entry: string;
  description: string;
  environment: Record<string, string>;
  memorySize: number;
  timeout: Duration;
  /** Concurrency set aside for (and capping) this function: one route's flood cannot take another's. */
  reservedConcurrency?: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Who invokes it, which decides what happens to a failed invocation. */
  invokedBy: 'api' | 'cognito' | 'schedule' | 'stream';
  /** Asynchronous invocations (schedules) keep failed events here. */
  deadLetterQueue?: IQueue;
}

/** Why a function has no dead-letter queue, by who invokes it. */
const NO_DLQ_BECAUSE: Record<ContextFunctionProps['invokedBy'], string | undefined> = {
  api: 'Invoked synchronously by API Gateway: the client receives the error and Lambda never retries the request, so a dead-letter queue would stay empty.',
  cognito:
    'Invoked synchronously by Cognito during sign-in: the user receives the error and Lambda never retries it, so a dead-letter queue would stay empty.',
  stream:
    "Stream batches are not asynchronous invocations, so a function DLQ never receives them; records that fail every retry go to the event source mapping's on-failure queue.",
  schedule: undefined,
};

/**
 * The Lambda defaults fixed once: Node 22 on ARM64, esbuild bundle, explicit memory and time,
 * its own log group with retention, X-Ray tracing, and a role of its own that starts with
 * nothing but writing its log group. Table and other grants are added by the caller.
 */
export class ContextFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ContextFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy may create and
    // write any log group in the account; this one writes only its own.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, 'functions', 'src', `${props.entry}.ts`),
      handler: 'handler',
      description: props.description,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'pnpm-lock.yaml'),
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: BUNDLING,
    });

    const runtimeReason =
      'Node.js 22 is the runtime the marketplace is built and tested on (the issue fixes nodejs22.x on ARM64, and local development runs Node 20/22); moving to Node 24 is a deliberate upgrade with its own test run.';
    acknowledge(this.fn, 'AwsSolutions-L1', runtimeReason);
    acknowledge(this.fn, 'Serverless-LambdaLatestVersion', runtimeReason);
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      `Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords${props.invokedBy === 'stream' ? ', and reading a stream dynamodb:ListStreams,' : ''} which support no resource-level permissions, so their Resource must be "*"; every other statement names its resource.`,
    );
    if (props.invokedBy === 'schedule' && !props.deadLetterQueue)
      throw new Error(`${id}: a scheduled function needs a dead-letter queue`);
    const noDlq = NO_DLQ_BECAUSE[props.invokedBy];
    if (noDlq !== undefined) acknowledge(this.fn, 'Serverless-LambdaDLQ', noDlq);
  }
}
