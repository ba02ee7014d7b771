import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CognitoIdentityProviderClient, ListUsersInGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoDirectory, staticDirectory } from '@placements/store/mail/directory';

// Who receives an organisation's emails. Cognito has no local emulator, so its answers are given
// here (aws-sdk-client-mock): two pages of a group, with users who must not be emailed.

const user = (sub: string, org: string, more: { Name: string; Value: string }[] = [], enabled = true) => ({
  Username: sub,
  Enabled: enabled,
  Attributes: [
    { Name: 'sub', Value: sub },
    { Name: 'email', Value: `${sub}@example.org` },
    { Name: 'custom:org', Value: org },
    ...more,
  ],
});

describe('the Cognito directory', () => {
  it('emails the verified, enabled users of the organisation in the role’s group, across pages', async () => {
    const client = new CognitoIdentityProviderClient({ region: 'eu-west-2' });
    const cognito = mockClient(client);
    cognito
      .on(ListUsersInGroupCommand, { GroupName: 'la', NextToken: undefined })
      .resolves({
        Users: [
          user('a', 'E10000016'),
          user('off', 'E10000016', [], false),
          user('unverified', 'E10000016', [{ Name: 'email_verified', Value: 'false' }]),
          user('other-la', 'E06000035'),
        ],
        NextToken: 'p2',
      })
      .on(ListUsersInGroupCommand, { GroupName: 'la', NextToken: 'p2' })
      .resolves({
        Users: [user('b', 'E10000016', [{ Name: 'email_verified', Value: 'true' }]), { Username: 'no-attrs' }],
      });
    const directory = cognitoDirectory('pool-1', client);
    expect(await directory.usersOf('la', 'E10000016')).toEqual([
      { sub: 'a', email: 'a@example.org' },
      { sub: 'b', email: 'b@example.org' },
    ]);
    // The group is read once and kept: a second organisation in the same role asks Cognito nothing more.
    expect(await directory.usersOf('la', 'E06000035')).toEqual([{ sub: 'other-la', email: 'other-la@example.org' }]);
    const calls = cognito.commandCalls(ListUsersInGroupCommand);
    expect(calls.length).toBe(2);
    expect(calls[0]!.args[0].input).toMatchObject({ UserPoolId: 'pool-1', GroupName: 'la', Limit: 60 });
  });

  it('answers nobody for an organisation with no users in the group', async () => {
    const client = new CognitoIdentityProviderClient({ region: 'eu-west-2' });
    mockClient(client).on(ListUsersInGroupCommand).resolves({});
    expect(await cognitoDirectory('pool-1', client).usersOf('provider', 'PRV1')).toEqual([]);
  });
});

describe('the static directory (local demo identities)', () => {
  it('answers the users of the role and organisation only, without their role or organisation', async () => {
    const d = staticDirectory([
      { sub: 's1', email: 's1@x', role: 'la', org: 'E1' },
      { sub: 's2', email: 's2@x', role: 'provider', org: 'E1' },
      { sub: 's3', email: 's3@x', role: 'la', org: 'E2' },
    ]);
    expect(await d.usersOf('la', 'E1')).toEqual([{ sub: 's1', email: 's1@x' }]);
  });
});
