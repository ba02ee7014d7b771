// The API's shapes, as its OpenAPI document (packages/api/openapi.json) describes them: aliases to the
// types openapi-typescript generates from it (api-types.generated.ts), kept under the names the screens use.
import type { components } from './api-types.generated.ts';

type Schemas = components['schemas'];

export type Setting = Schemas['Setting'];
export type Listing = Schemas['Listing'];
export type Attendance = Listing['attendance'];
export type SettingType = Setting['type'];
export type Placement = Schemas['Placement'];
export type Direction = Schemas['Direction'];
export type DirectionView = Schemas['DirectionView'];
export type Appeal = Schemas['Appeal'];
/** A case as GET /cases/{id} answers it: with its placement and the waiting lists it is on. */
export type CaseView = Schemas['Case'];
export type CaseSummary = Schemas['CaseSummary'];
export type CaseForRound = Schemas['CaseForRound'];
export type Preferences = NonNullable<CaseView['preferences']>;
export type TailoredList = Schemas['TailoredList'];
export type TailoredEntry = TailoredList['included'][number];
export type NearMiss = TailoredList['nearMisses'][number];
export type LocalAuthority = Schemas['LocalAuthority'];
export type Partnership = Schemas['Partnership'];
export type Framework = Schemas['Framework'];
export type Reservation = Schemas['Reservation'];
export type Allocation = Schemas['Allocation'];
export type AllocationRound = Schemas['AllocationRound'];
export type WaitingList = Schemas['WaitingList'];
export type Notification = Schemas['Notification'];
export type NotificationPage = Schemas['NotificationPage'];
export type Sufficiency = Schemas['Sufficiency'];
export type EhcpForecast = Schemas['EhcpForecast'];
export type PostcodeDistrict = Schemas['PostcodeDistrict'];
/** One result of GET /places/search. */
export type PlaceResult = Schemas['PlaceResult'];
export type PlaceSearchPage = Schemas['PlaceSearchPage'];
export type AuditEvent = Schemas['AuditEvent'];
export type { DeclineReason } from '@placements/domain/placement.ts';

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
