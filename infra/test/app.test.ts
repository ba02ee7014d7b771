import { afterEach, describe, expect, it, vi } from 'vitest';
import type { App } from 'aws-cdk-lib';

// The CDK app's entry (infra/bin/app.ts) as `cdk synth -c …` runs it: the CLI hands the context to
// the app in CDK_CONTEXT_JSON, which `new App()` reads. Bundling is skipped (the template is what is
// checked here; nag.test.ts bundles for real once), and the nag packs run on synth as they do in the CLI.

const EDGE = {
  apiDomain: 'origin.api.placements.example.gov.uk',
  apiCertificateArn: 'arn:aws:acm:eu-west-2:111122223333:certificate/api',
  edgeDomain: 'api.placements.example.gov.uk',
  edgeCertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/edge',
};

const saved = process.env.CDK_CONTEXT_JSON;
afterEach(() => {
  if (saved === undefined) delete process.env.CDK_CONTEXT_JSON;
  else process.env.CDK_CONTEXT_JSON = saved;
});

/** Loads infra/bin/app.ts afresh with this context, as one `cdk synth` run would. */
async function appWith(context: Record<string, unknown>): Promise<App> {
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context });
  vi.resetModules();
  return (await import('../bin/app.ts')).app;
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
const templateOf = (app: App, stackName: string) => {
  const assembly = app.synth();
  return assembly.getStackByName(stackName).template as Template;
};
const resourcesOf = (t: Template, type: string) => Object.values(t.Resources).filter((r) => r.Type === type);

describe('the CDK app (infra/bin/app.ts)', () => {
  it('refuses a stage other than dev or prod, naming it', async () => {
    await expect(appWith({ stage: 'staging' })).rejects.toThrow('stage must be dev or prod, not staging');
  });

  it('refuses prod without the API and edge domains, naming the four settings it needs', async () => {
    await expect(appWith({ stage: 'prod', webOrigin: 'https://placements.example.gov.uk' })).rejects.toThrow(
      /prod serves the API only through CloudFront and WAF: give -c apiDomain, -c apiCertificateArn, -c edgeDomain and -c edgeCertificateArn/,
    );
    // Three of the four are not enough.
    const { edgeCertificateArn: _missing, ...three } = EDGE;
    await expect(appWith({ stage: 'prod', webOrigin: 'https://placements.example.gov.uk', ...three })).rejects.toThrow(
      /prod serves the API only through CloudFront/,
    );
  });

  it('builds dev as the marketplace and its web app, with no edge stack, when no stage is given', async () => {
    const app = await appWith({});
    const stacks = app.node.children.map((c) => c.node.id).sort();
    expect(stacks).toEqual(['Placements-dev', 'Placements-dev-web']);
    // The API is reached at its own execute-api URL in dev.
    const dev = templateOf(app, 'Placements-dev');
    const api = resourcesOf(dev, 'AWS::ApiGatewayV2::Api');
    expect(api).toHaveLength(1);
    expect(api[0]!.Properties.DisableExecuteApiEndpoint).toBe(false);
    expect(resourcesOf(dev, 'AWS::ApiGatewayV2::DomainName')).toEqual([]);
  }, 300_000);

  it('builds prod behind CloudFront and WAF in us-east-1, signing in back to the web origin, and passes the nag packs', async () => {
    const templates = JSON.stringify({ consultation_requested: 'c0ffee00-0000-4000-8000-000000000001' });
    // The origin as typed, without its trailing slash: Cognito's callback gets one.
    const app = await appWith({
      stage: 'prod',
      webOrigin: 'https://placements.example.gov.uk',
      notifyTemplates: templates,
      ...EDGE,
    });
    const stacks = app.node.children.map((c) => c.node.id).sort();
    expect(stacks).toEqual(['Placements-prod', 'Placements-prod-edge', 'Placements-prod-web']);
    // Synthesis runs the nag packs (validation plugins): an unacknowledged finding would throw here.
    const assembly = app.synth();
    const edge = assembly.getStackByName('Placements-prod-edge');
    expect(edge.environment.region).toBe('us-east-1');
    const edgeTemplate = edge.template as Template;
    expect(resourcesOf(edgeTemplate, 'AWS::WAFv2::WebACL')[0]!.Properties.Scope).toBe('CLOUDFRONT');
    const aliases = resourcesOf(edgeTemplate, 'AWS::CloudFront::Distribution')[0]!.Properties.DistributionConfig
      .Aliases;
    expect(aliases).toEqual([EDGE.edgeDomain]);

    const main = assembly.getStackByName('Placements-prod').template as Template;
    // Only through CloudFront: the API's execute-api endpoint is off, its own domain on the regional certificate.
    expect(resourcesOf(main, 'AWS::ApiGatewayV2::Api')[0]!.Properties.DisableExecuteApiEndpoint).toBe(true);
    expect(resourcesOf(main, 'AWS::ApiGatewayV2::DomainName')[0]!.Properties).toMatchObject({
      DomainName: EDGE.apiDomain,
      DomainNameConfigurations: [expect.objectContaining({ CertificateArn: EDGE.apiCertificateArn })],
    });
    const client = resourcesOf(main, 'AWS::Cognito::UserPoolClient')[0]!.Properties;
    expect(client.CallbackURLs).toEqual(['https://placements.example.gov.uk/']);
    // The Notify template ids reach the notifier's environment as given.
    const notifier = resourcesOf(main, 'AWS::Lambda::Function').filter((f) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes('c0ffee00-0000-4000-8000-000000000001'),
    );
    expect(notifier.length).toBeGreaterThan(0);
  }, 300_000);
});
