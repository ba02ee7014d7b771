/** A local authority, identified by its GSS code and its DfE three-digit LA number. */
export interface LocalAuthority {
  laCode: string;
  dfeNumber: string;
  name: string;
  regionCode: string;
  regionName: string;
  lat: number;
  lon: number;
  /** How far (km) the LA's settings and districts reach from its centroid; bounds radius searches. */
  extentKm?: number;
}

/** A group of LAs that commission together, such as SE19 (the 19 South East LAs). */
export interface Partnership {
  id: string;
  name: string;
  regionCode?: string;
  members: string[];
  remit: string[];
}

/** A postcode district (outcode) with its centroid: the only location a case carries. */
export interface PostcodeDistrict {
  district: string;
  lat: number;
  lon: number;
  laCode?: string;
}

export const GSS_LA_PATTERN = /^E(06|08|09|10|11)\d{6}$/;
export const DISTRICT_PATTERN = /^[A-Z]{1,2}\d[A-Z\d]?$/;

/** The postcode area of a district: its leading letters (ME14 → ME, E1 → E). */
export function postcodeAreaOf(district: string): string {
  return /^[A-Z]+/.exec(district)?.[0] ?? '';
}
