import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterSink } from './sender.ts';

/** The Notify API key, read once per cold start from Secrets Manager (never an environment variable). */
export async function readSecret(secretId: string, client = new SecretsManagerClient({})): Promise<string> {
  const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!res.SecretString)
    throw new Error(`Secret ${secretId} has no value: put the GOV.UK Notify API key in it (README, "Notifications").`);
  return res.SecretString.trim();
}

/** Emails that failed every retry go to an SQS queue (alarmed when not empty). */
export function sqsDeadLetters(queueUrl: string, client = new SQSClient({})): DeadLetterSink {
  return {
    async put(entry) {
      // The address stays out of the queue: the notification and user identify the email.
      const { message, ...rest } = entry;
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ ...rest, template: message.template, reference: message.reference }),
        }),
      );
    },
  };
}

/** Locally: the log is the dead-letter destination (the notification shows `failed` too). */
export function logDeadLetters(log: (line: string) => void = console.error): DeadLetterSink & { entries: unknown[] } {
  const entries: unknown[] = [];
  return {
    entries,
    async put(entry) {
      entries.push(entry);
      log(
        `email to ${entry.sub} for notification ${entry.notification.id} failed after ${entry.attempts} attempts: ${entry.error}`,
      );
    },
  };
}
