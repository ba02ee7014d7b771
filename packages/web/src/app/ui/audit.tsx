import type { AuditEvent } from '../lib/types.ts';
import { TableWrap } from './common.tsx';
import { refusalInEvent } from './mainstream-refusal.tsx';

/** An entity's audit trail: when, what and who, oldest first. */
export function AuditTable({ events, label }: { events: AuditEvent[]; label: string }) {
  return (
    <TableWrap label={label}>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Who</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.eventId}>
              <td>{new Date(e.at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}</td>
              <td>
                {e.action.replace(/[._]/g, ' ')}
                {refusalInEvent(e) ? <span class="hint">{` — ${refusalInEvent(e)}`}</span> : null}
              </td>
              <td>
                {e.actor.sub} ({e.actor.org})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
