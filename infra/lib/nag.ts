import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 runs as CDK policy-validation plugins (`Validations.of(app).addPlugins`) and reads
 * acknowledgements from construct metadata (`Validations.of(construct).acknowledge`); the v2
 * `Aspects` / `NagSuppressions` API is gone.
 */
export function nagPacks(scope: IConstruct) {
  return [new AwsSolutionsChecks(scope), new ServerlessChecks(scope)];
}

/** Context flag: build without acknowledgements, so a test can prove each one is still needed. */
export const WITHOUT_ACKNOWLEDGEMENTS = 'placements:nag:without-acknowledgements';

/** Below this a "reason" is a label, not a reason a reviewer can check. */
const MIN_REASON = 60;

/**
 * Acknowledges one cdk-nag finding on a construct (and its children), with the reason it is
 * accepted. Acknowledge the narrowest construct and the exact finding (`AwsSolutions-IAM5[Resource::*]`).
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < MIN_REASON)
    throw new Error(
      `Acknowledging ${id} on ${scope.node.path} needs a concrete reason (at least ${MIN_REASON} characters): "${reason}"`,
    );
  if (String(scope.node.tryGetContext(WITHOUT_ACKNOWLEDGEMENTS)) === 'true') return;
  Validations.of(scope).acknowledge({ id, reason });
}

export interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded under `root`, where it sits and why. */
export function acknowledgementsUnder(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^[a-z]+::/i, ''),
          reason,
        })),
      ),
  );
}

export interface Finding {
  rule: string;
  severity: string;
  path: string;
  description: string;
}

/** What both packs find under `scope` that is not acknowledged. */
export function nagFindings(scope: IConstruct): Finding[] {
  return nagPacks(scope).flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((v) =>
      v.violatingResources.map((r) => ({
        rule: v.ruleName,
        severity: v.severity ?? 'error',
        path: (r as { constructPath?: string }).constructPath ?? r.resourceLogicalId ?? '',
        description: v.description,
      })),
    ),
  );
}
