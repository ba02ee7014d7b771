import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
  UserPoolOperation,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROLE_ORGS, ROLES, type Role } from '@placements/domain/roles';
import { ContextFunction } from './context-function.ts';
import { acknowledge } from './nag.ts';

/** The OAuth resource server: API Gateway requires `placements/<role>` scopes on each route. */
export const RESOURCE_SERVER = 'placements';
export const scopeOf = (role: Role) => `${RESOURCE_SERVER}/${role}`;

export interface MarketplaceAuthProps {
  stage: 'dev' | 'prod';
  removalPolicy: RemovalPolicy;
  logRetention: RetentionDays;
  /** Where the hosted sign-in may send users back to (the web UI). */
  callbackUrls: string[];
  /** Allow USER_PASSWORD_AUTH, so operators can get a token with the AWS CLI (dev only). */
  passwordAuth: boolean;
}

/**
 * Who may call the API: a Cognito user pool with one group per role and the organisation in a
 * custom attribute that only administrators can set. A pre token generation trigger turns both
 * into what API Gateway and the API read from an access token: `cognito:groups`, an `org` claim
 * and exactly one role scope.
 */
export class MarketplaceAuth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly resourceServer: UserPoolResourceServer;
  /** The hosted sign-in (the web app's authorisation code flow with PKCE). */
  readonly signInDomain: UserPoolDomain;
  readonly preTokenGeneration: ContextFunction;

  constructor(scope: Construct, id: string, props: MarketplaceAuthProps) {
    super(scope, id);
    const prod = props.stage === 'prod';

    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `placements-${props.stage}`,
      // Accounts are created by administrators, each with a group and an org.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: { org: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Essentials is the least plan with access-token customisation (the trigger below); prod
      // pays for Plus, whose threat protection blocks risky and compromised-credential sign-ins.
      featurePlan: prod ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(prod ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: prod,
      removalPolicy: props.removalPolicy,
    });
    if (!prod) {
      acknowledge(
        this.userPool,
        'AwsSolutions-COG8',
        'The dev pool holds only test accounts; it stays on Essentials (access-token customisation) to avoid the Plus per-user charge. The prod pool is on Plus with threat protection enforced.',
      );
    }

    for (const role of ROLES)
      this.userPool.addGroup(`Group-${role}`, {
        groupName: role,
        description: `Role ${role}: org is ${ROLE_ORGS[role]}`.slice(0, 2048),
      });

    this.resourceServer = this.userPool.addResourceServer('Api', {
      identifier: RESOURCE_SERVER,
      userPoolResourceServerName: 'SEND placement marketplace API',
      scopes: ROLES.map((role) => new ResourceServerScope({ scopeName: role, scopeDescription: `Act as ${role}` })),
    });

    this.client = this.userPool.addClient('Web', {
      userPoolClientName: 'web',
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: props.passwordAuth },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      // The org is the tenant: users may read it but never change it; administrators set it.
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes('org'),
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
      // Role scopes are not grantable to the client: only the trigger adds them, and only the user's own.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: props.callbackUrls,
        logoutUrls: props.callbackUrls,
      },
    });
    this.client.node.addDependency(this.resourceServer);

    this.signInDomain = this.userPool.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: `send-placements-${props.stage}-${Stack.of(this).account}` },
    });

    this.preTokenGeneration = new ContextFunction(this, 'PreTokenGeneration', {
      entry: 'pre-token',
      description: 'Cognito pre token generation (V2): org claim and the role scope',
      environment: { RESOURCE_SERVER },
      memorySize: 256,
      timeout: Duration.seconds(5),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      invokedBy: 'cognito',
    });
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preTokenGeneration.fn,
      LambdaVersion.V2_0,
    );
  }
}
