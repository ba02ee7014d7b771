import { parseEscalationPolicy, type Deps, type NotifierDeps } from '@placements/api';
import {
  cognitoDirectory,
  notifyMailSender,
  parseNotifyTemplates,
  readSecret,
  sqsDeadLetters,
} from '@placements/store/mail';

/**
 * Who is told what, in AWS: GOV.UK Notify with the API key from Secrets Manager (read once per
 * cold start), the organisations' users from Cognito, failed emails to the SQS dead-letter queue.
 * Undefined where the function was not given email (no NOTIFY_API_KEY_SECRET): it then tells
 * nobody, rather than failing its other work. The stream consumer's notifications handler and the
 * scheduled job both take their notifier from here.
 */
export async function lambdaNotifier(
  deps: Deps,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NotifierDeps | undefined> {
  const {
    NOTIFY_API_KEY_SECRET: secret,
    USER_POOL_ID: pool,
    EMAIL_DEAD_LETTER_QUEUE_URL: queue,
    APP_URL: appUrl,
  } = env;
  if (!secret) return undefined;
  const problems = [
    ...(pool ? [] : ['USER_POOL_ID must name the Cognito user pool']),
    ...(queue ? [] : ['EMAIL_DEAD_LETTER_QUEUE_URL must be the email dead-letter queue']),
    ...(appUrl && URL.canParse(appUrl)
      ? []
      : ['APP_URL must be the web app origin, such as https://placements.example.gov.uk']),
  ];
  let templates: Record<string, string> = {};
  try {
    templates = parseNotifyTemplates(env.NOTIFY_TEMPLATES);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0 || !pool || !queue || !appUrl)
    throw new Error(`Notifications misconfigured: ${problems.join('; ')}`);
  return {
    store: deps.store,
    directory: cognitoDirectory(pool),
    mail: notifyMailSender({ apiKey: await readSecret(secret), templates }),
    deadLetters: sqsDeadLetters(queue),
    appUrl,
    ...(env.ADJUDICATOR_ORG ? { adjudicatorOrg: env.ADJUDICATOR_ORG } : {}),
    policy: parseEscalationPolicy(env.ESCALATION_DAYS_WITHOUT_PLACE, env.ESCALATION_PHASE_TRANSFER_WARNING_DAYS),
  };
}
