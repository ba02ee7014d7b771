import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MarketplaceAlarms } from './alarms.ts';
import type { ContextFunction } from './context-function.ts';
import { acknowledge } from './nag.ts';

export interface NotificationEmailProps {
  alarms: MarketplaceAlarms;
  userPool: IUserPool;
  /** The web app's origin: links in emails open <appUrl>/app/#/… */
  appUrl: string;
  /** JSON of notification kind → GOV.UK Notify template id (and `digest`), from `-c notifyTemplates=…`. */
  templates: string;
  removalPolicy: RemovalPolicy;
}

/**
 * Email through GOV.UK Notify for the functions that tell people (the stream consumer's
 * notifications handler and the scheduled job's reminders, nudges and digests): the Notify API
 * key in Secrets Manager, a dead-letter queue for emails that failed every retry (alarmed), and
 * read access to the user pool for each organisation's users.
 */
export class NotificationEmail extends Construct {
  readonly apiKey: Secret;
  readonly deadLetters: Queue;
  private readonly props: NotificationEmailProps;

  constructor(scope: Construct, id: string, props: NotificationEmailProps) {
    super(scope, id);
    this.props = props;
    // The operator puts the real key in after deploying (README, "Notifications"); until then
    // the generated value is refused by Notify and each email is dead-lettered, visibly.
    this.apiKey = new Secret(this, 'NotifyApiKey', {
      description: 'GOV.UK Notify API key (key name-service id-secret) for the marketplace emails',
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.apiKey,
      'AwsSolutions-SMG4',
      'A GOV.UK Notify API key is issued and revoked in Notify’s own admin pages; no AWS rotation function can create one, so it is rotated by hand (README, "Notifications").',
    );
    this.deadLetters = new Queue(this, 'EmailDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason =
      'This queue is itself the dead-letter destination of emails that failed every retry; a dead-letter queue of its own would only move the same failures again.';
    acknowledge(this.deadLetters, 'AwsSolutions-SQS3', reason);
    acknowledge(this.deadLetters, 'Serverless-SQSRedrivePolicy', reason);
    props.alarms.forDeadLetterQueue('EmailDelivery', this.deadLetters);
  }

  /** Lets a function send notification emails: its configuration, the key, the queue and the directory. */
  grant(fn: ContextFunction): void {
    fn.fn.addEnvironment('NOTIFY_API_KEY_SECRET', this.apiKey.secretArn);
    fn.fn.addEnvironment('NOTIFY_TEMPLATES', this.props.templates);
    fn.fn.addEnvironment('EMAIL_DEAD_LETTER_QUEUE_URL', this.deadLetters.queueUrl);
    fn.fn.addEnvironment('USER_POOL_ID', this.props.userPool.userPoolId);
    fn.fn.addEnvironment('APP_URL', this.props.appUrl);
    this.apiKey.grantRead(fn.role);
    this.deadLetters.grantSendMessages(fn.role);
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['cognito-idp:ListUsersInGroup'], resources: [this.props.userPool.userPoolArn] }),
    );
  }
}
