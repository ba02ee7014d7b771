import { useEffect, useState } from 'preact/hooks';
import type { MainstreamRefusal } from '@placements/domain/mainstream-refusal.ts';
import { get } from '../lib/api.ts';
import { longDate } from '../lib/format.ts';
import type { Figure } from '../lib/sufficiency.ts';
import type { AuditEvent, CaseView, Setting } from '../lib/types.ts';
import { Checkbox, TableWrap } from './common.tsx';

/** The only lawful ground (Children and Families Act 2014, s.33), as the API names it. */
export const REFUSAL_GROUND = 'incompatible_with_efficient_education_of_others';
const GROUND_WORDS = 'Incompatible with the provision of efficient education for others';
const MAINSTREAM_TYPES = new Set(['mainstream', 'resourced_provision', 'sen_unit']);

/** The family's mainstream requests the LA refused, each with its ground, evidence, who and when. */
export function MainstreamRefusals({ refusals }: { refusals: MainstreamRefusal[] | undefined }) {
  if (!refusals || refusals.length === 0) return null;
  return (
    <section aria-labelledby="refusals-title">
      <h2 id="refusals-title" class="govuk-heading-m">
        Mainstream requests refused
      </h2>
      <TableWrap label="Mainstream requests refused">
        <table class="govuk-table">
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th scope="col" class="govuk-table__header">
                Setting
              </th>
              <th scope="col" class="govuk-table__header">
                Ground
              </th>
              <th scope="col" class="govuk-table__header">
                Evidence
              </th>
              <th scope="col" class="govuk-table__header">
                Recorded
              </th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {refusals.map((r) => (
              <tr class="govuk-table__row" key={`${r.urn}-${r.at}`}>
                <td class="govuk-table__cell">
                  {r.settingName} (URN {r.urn})
                </td>
                <td class="govuk-table__cell">{GROUND_WORDS}</td>
                <td class="govuk-table__cell">{r.evidence}</td>
                <td class="govuk-table__cell">
                  {longDate(r.at)} by {r.by.sub} ({r.by.org})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

export interface RefusalChoice {
  urn: string;
  evidence: string;
}

/**
 * With the naming, the LA may refuse a mainstream setting the family asked for, on the one lawful
 * ground and with its evidence. Offered only where the family asked for mainstream and ranked a
 * mainstream setting other than the one being named.
 */
export function MainstreamRefusalFields({
  kase,
  namedUrn,
  onChange,
}: {
  kase: Pick<CaseView, 'preferences' | 'mainstreamRefusals'>;
  namedUrn: string;
  onChange: (choice: RefusalChoice | undefined) => void;
}) {
  const ranked = kase.preferences?.mainstreamRequested ? kase.preferences.ranked : [];
  const [settings, setSettings] = useState<Pick<Setting, 'urn' | 'name' | 'type'>[]>([]);
  const [on, setOn] = useState(false);
  const [urn, setUrn] = useState('');
  const [evidence, setEvidence] = useState('');
  useEffect(() => {
    const refused = new Set((kase.mainstreamRefusals ?? []).map((r) => r.urn));
    const wanted = ranked.filter((u) => u !== namedUrn && !refused.has(u));
    Promise.all(wanted.map((u) => get('/settings/{urn}', { path: { urn: u } }).catch(() => undefined))).then((found) =>
      setSettings(found.filter((s): s is Setting => s !== undefined && MAINSTREAM_TYPES.has(s.type))),
    );
  }, [ranked.join(), namedUrn]);
  useEffect(() => onChange(on && urn ? { urn, evidence } : undefined), [on, urn, evidence]);
  if (settings.length === 0) return null;
  return (
    <div class="govuk-form-group">
      <div class="govuk-checkboxes govuk-checkboxes--small">
        <Checkbox
          checked={on}
          onChange={(e) => {
            setOn(e.currentTarget.checked);
            if (!urn) setUrn(settings[0]!.urn);
          }}
        >
          Refuse the family’s request for a mainstream setting
        </Checkbox>
      </div>
      {on ? (
        <>
          <label class="govuk-label" for="refusal-urn">
            Mainstream setting refused
          </label>
          <select class="govuk-select" id="refusal-urn" value={urn} onChange={(e) => setUrn(e.currentTarget.value)}>
            {settings.map((s) => (
              <option key={s.urn} value={s.urn}>
                {s.name} (URN {s.urn})
              </option>
            ))}
          </select>
          <p class="govuk-body">
            Ground: <strong>{GROUND_WORDS}</strong>, the only ground the law allows.
          </p>
          <label class="govuk-label" for="refusal-evidence">
            Evidence for the refusal
          </label>
          <div class="govuk-hint hint" id="refusal-evidence-hint">
            Required. What shows that placing the child there would be incompatible with the efficient education of
            others. No names.
          </div>
          <textarea
            class="govuk-textarea"
            id="refusal-evidence"
            rows={3}
            aria-describedby="refusal-evidence-hint"
            value={evidence}
            onInput={(e) => setEvidence(e.currentTarget.value)}
            required
          />
        </>
      ) : null}
    </div>
  );
}

/** What an audit event of the case says beyond its action: a refusal recorded with the naming. */
export function refusalInEvent(e: AuditEvent): string | undefined {
  const r = (e.after as { mainstreamRefusal?: MainstreamRefusal } | undefined)?.mainstreamRefusal;
  return r
    ? `Mainstream request for ${r.settingName} (URN ${r.urn}) refused: ${GROUND_WORDS.toLowerCase()}`
    : undefined;
}

/** Refusals of mainstream requests by member LA, for the sufficiency view (counts of 1 to 4 shown as <5). */
export function RefusalsByLa({ rows }: { rows: { key: string; label: string; refusals: Figure }[] }) {
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="refusals-by-la-title">
      <h2 id="refusals-by-la-title" class="govuk-heading-m">
        Mainstream requests refused, by LA
      </h2>
      <TableWrap label="Mainstream requests refused, by LA">
        <table class="govuk-table">
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th scope="col" class="govuk-table__header">
                LA
              </th>
              <th scope="col" class="govuk-table__header govuk-table__header--numeric num">
                Refused as incompatible with the efficient education of others
              </th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {rows.map((r) => (
              <tr class="govuk-table__row" key={r.key}>
                <td class="govuk-table__cell">{r.label}</td>
                <td class="govuk-table__cell govuk-table__cell--numeric num">{r.refusals}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
