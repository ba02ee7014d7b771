import type { AuditEvent } from '../lib/types.ts';
import { TableWrap } from './common.tsx';
import { refusalInEvent } from './mainstream-refusal.tsx';

/** An entity's audit trail: when, what and who, oldest first. */
export function AuditTable({ events, label }: { events: AuditEvent[]; label: string }) {
  return (
    <TableWrap label={label}>
      <table class="govuk-table">
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th class="govuk-table__header" scope="col">
              When
            </th>
            <th class="govuk-table__header" scope="col">
              What
            </th>
            <th class="govuk-table__header" scope="col">
              Who
            </th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {events.map((e) => (
            <tr class="govuk-table__row" key={e.eventId}>
              <td class="govuk-table__cell">
                {new Date(e.at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
              </td>
              <td class="govuk-table__cell">
                {e.action.replace(/[._]/g, ' ')}
                {refusalInEvent(e) ? <span class="govuk-hint">{` — ${refusalInEvent(e)}`}</span> : null}
              </td>
              <td class="govuk-table__cell">
                {e.actor.sub} ({e.actor.org})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
