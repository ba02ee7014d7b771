import type { LocalAuthority } from '@placements/domain';

/**
 * The 19 South East LAs (the SE19 partnership) with their GSS codes, DfE LA numbers and 2020
 * population in thousands (ONS mid-year estimates, via mySociety), and a few real postcode
 * districts in each with their centroids (ONS / OS open data). Enough for a plausible region with
 * no external files; with DATA_DIR the full national files are used instead.
 * DfE keeps Buckinghamshire's pre-2020 code E10000002 (825), so the marketplace does too.
 */
export interface RegionLa {
  laCode: string;
  dfeNumber: string;
  name: string;
  populationK: number;
  districts: [district: string, lat: number, lon: number, town: string][];
}

export const SOUTH_EAST_REGION = { code: 'E12000008', name: 'South East' };

export const SOUTH_EAST_LAS: RegionLa[] = [
  {
    laCode: 'E10000002',
    dfeNumber: '825',
    name: 'Buckinghamshire',
    populationK: 546,
    districts: [
      ['HP19', 51.8238, -0.8264, 'Aylesbury'],
      ['HP20', 51.8196, -0.8075, 'Aylesbury'],
      ['HP11', 51.6254, -0.7466, 'High Wycombe'],
      ['HP13', 51.633, -0.7415, 'High Wycombe'],
      ['MK18', 51.9803, -0.9711, 'Buckingham'],
      ['SL9', 51.5955, -0.5555, 'Gerrards Cross'],
      ['HP5', 51.7131, -0.6086, 'Chesham'],
    ],
  },
  {
    laCode: 'E06000042',
    dfeNumber: '826',
    name: 'Milton Keynes',
    populationK: 270,
    districts: [
      ['MK9', 52.0395, -0.7507, 'Milton Keynes'],
      ['MK6', 52.0292, -0.7393, 'Milton Keynes'],
      ['MK10', 52.0377, -0.6952, 'Milton Keynes'],
      ['MK13', 52.0522, -0.7895, 'Bradwell'],
      ['MK16', 52.0882, -0.721, 'Newport Pagnell'],
    ],
  },
  {
    laCode: 'E10000011',
    dfeNumber: '845',
    name: 'East Sussex',
    populationK: 559,
    districts: [
      ['BN21', 50.7721, 0.2747, 'Eastbourne'],
      ['TN34', 50.8629, 0.5798, 'Hastings'],
      ['BN7', 50.8784, 0.0031, 'Lewes'],
      ['TN22', 50.9799, 0.0973, 'Uckfield'],
      ['TN39', 50.8461, 0.4537, 'Bexhill'],
      ['BN9', 50.7952, 0.0272, 'Newhaven'],
    ],
  },
  {
    laCode: 'E06000043',
    dfeNumber: '846',
    name: 'Brighton and Hove',
    populationK: 292,
    districts: [
      ['BN1', 50.8372, -0.1401, 'Brighton'],
      ['BN2', 50.8246, -0.108, 'Brighton'],
      ['BN3', 50.8344, -0.1754, 'Hove'],
      ['BN41', 50.8389, -0.2151, 'Portslade'],
    ],
  },
  {
    laCode: 'E10000014',
    dfeNumber: '850',
    name: 'Hampshire',
    populationK: 1389,
    districts: [
      ['SO23', 51.0672, -1.3056, 'Winchester'],
      ['RG21', 51.2668, -1.0905, 'Basingstoke'],
      ['GU14', 51.2909, -0.7614, 'Farnborough'],
      ['SP10', 51.2106, -1.4833, 'Andover'],
      ['PO7', 50.8845, -1.0422, 'Waterlooville'],
      ['SO50', 50.9707, -1.3458, 'Eastleigh'],
      ['GU34', 51.1406, -0.9848, 'Alton'],
      ['PO15', 50.8642, -1.2223, 'Fareham'],
    ],
  },
  {
    laCode: 'E06000044',
    dfeNumber: '851',
    name: 'Portsmouth',
    populationK: 215,
    districts: [
      ['PO1', 50.7993, -1.0899, 'Portsmouth'],
      ['PO2', 50.816, -1.0788, 'North End'],
      ['PO3', 50.815, -1.0616, 'Hilsea'],
      ['PO4', 50.7909, -1.0643, 'Southsea'],
      ['PO6', 50.8461, -1.0696, 'Cosham'],
    ],
  },
  {
    laCode: 'E06000045',
    dfeNumber: '852',
    name: 'Southampton',
    populationK: 253,
    districts: [
      ['SO14', 50.9078, -1.3966, 'Southampton'],
      ['SO15', 50.9167, -1.426, 'Shirley'],
      ['SO16', 50.9345, -1.433, 'Bassett'],
      ['SO17', 50.926, -1.3974, 'Portswood'],
      ['SO19', 50.9028, -1.3574, 'Woolston'],
    ],
  },
  {
    laCode: 'E06000036',
    dfeNumber: '867',
    name: 'Bracknell Forest',
    populationK: 124,
    districts: [
      ['RG12', 51.4119, -0.7527, 'Bracknell'],
      ['RG42', 51.4248, -0.7604, 'Binfield'],
      ['RG45', 51.3786, -0.8024, 'Crowthorne'],
    ],
  },
  {
    laCode: 'E06000040',
    dfeNumber: '868',
    name: 'Windsor and Maidenhead',
    populationK: 151,
    districts: [
      ['SL4', 51.4768, -0.6238, 'Windsor'],
      ['SL6', 51.5229, -0.7264, 'Maidenhead'],
    ],
  },
  {
    laCode: 'E06000037',
    dfeNumber: '869',
    name: 'West Berkshire',
    populationK: 158,
    districts: [
      ['RG14', 51.3985, -1.3212, 'Newbury'],
      ['RG18', 51.431, -1.2476, 'Hermitage'],
      ['RG19', 51.3971, -1.2209, 'Thatcham'],
      ['RG7', 51.3975, -1.0819, 'Theale'],
    ],
  },
  {
    laCode: 'E06000038',
    dfeNumber: '870',
    name: 'Reading',
    populationK: 160,
    districts: [
      ['RG1', 51.4512, -0.9708, 'Reading'],
      ['RG2', 51.4237, -0.9553, 'Whitley'],
      ['RG30', 51.4533, -1.0092, 'Tilehurst'],
      ['RG4', 51.4781, -0.9654, 'Caversham'],
    ],
  },
  {
    laCode: 'E06000039',
    dfeNumber: '871',
    name: 'Slough',
    populationK: 150,
    districts: [
      ['SL1', 51.516, -0.6143, 'Slough'],
      ['SL2', 51.5327, -0.6028, 'Farnham Royal'],
      ['SL3', 51.5006, -0.558, 'Langley'],
    ],
  },
  {
    laCode: 'E06000041',
    dfeNumber: '872',
    name: 'Wokingham',
    populationK: 174,
    districts: [
      ['RG40', 51.4027, -0.8361, 'Wokingham'],
      ['RG41', 51.4159, -0.8572, 'Winnersh'],
      ['RG5', 51.4529, -0.907, 'Woodley'],
      ['RG6', 51.4426, -0.9336, 'Earley'],
    ],
  },
  {
    laCode: 'E10000016',
    dfeNumber: '886',
    name: 'Kent',
    populationK: 1589,
    districts: [
      ['ME14', 51.2753, 0.5393, 'Maidstone'],
      ['CT1', 51.2788, 1.0867, 'Canterbury'],
      ['TN23', 51.1407, 0.8606, 'Ashford'],
      ['CT20', 51.0796, 1.165, 'Folkestone'],
      ['DA1', 51.4472, 0.2095, 'Dartford'],
      ['TN9', 51.1912, 0.2788, 'Tonbridge'],
      ['CT11', 51.3365, 1.4124, 'Ramsgate'],
      ['ME10', 51.3427, 0.7356, 'Sittingbourne'],
      ['DA11', 51.4352, 0.3517, 'Gravesend'],
      ['TN1', 51.1369, 0.2681, 'Tunbridge Wells'],
      ['CT16', 51.1395, 1.3014, 'Dover'],
      ['CT9', 51.3838, 1.388, 'Margate'],
    ],
  },
  {
    laCode: 'E06000035',
    dfeNumber: '887',
    name: 'Medway',
    populationK: 279,
    districts: [
      ['ME1', 51.3754, 0.4995, 'Rochester'],
      ['ME2', 51.3913, 0.4847, 'Strood'],
      ['ME4', 51.3814, 0.5281, 'Chatham'],
      ['ME5', 51.3522, 0.5317, 'Walderslade'],
      ['ME7', 51.3804, 0.5547, 'Gillingham'],
      ['ME8', 51.3622, 0.5951, 'Rainham'],
    ],
  },
  {
    laCode: 'E06000046',
    dfeNumber: '921',
    name: 'Isle of Wight',
    populationK: 142,
    districts: [
      ['PO30', 50.6935, -1.3102, 'Newport'],
      ['PO31', 50.7524, -1.3062, 'Cowes'],
      ['PO33', 50.7212, -1.1686, 'Ryde'],
      ['PO36', 50.6579, -1.1626, 'Sandown'],
    ],
  },
  {
    laCode: 'E10000025',
    dfeNumber: '931',
    name: 'Oxfordshire',
    populationK: 697,
    districts: [
      ['OX1', 51.7469, -1.2623, 'Oxford'],
      ['OX4', 51.7286, -1.2143, 'Cowley'],
      ['OX14', 51.6681, -1.2782, 'Abingdon'],
      ['OX16', 52.0635, -1.339, 'Banbury'],
      ['OX26', 51.9012, -1.1514, 'Bicester'],
      ['OX28', 51.7844, -1.4858, 'Witney'],
      ['OX10', 51.6057, -1.1294, 'Wallingford'],
      ['OX11', 51.6003, -1.25, 'Didcot'],
    ],
  },
  {
    laCode: 'E10000030',
    dfeNumber: '936',
    name: 'Surrey',
    populationK: 1200,
    districts: [
      ['GU1', 51.2431, -0.5701, 'Guildford'],
      ['GU21', 51.3199, -0.5771, 'Woking'],
      ['KT12', 51.3774, -0.4088, 'Walton-on-Thames'],
      ['RH1', 51.238, -0.1591, 'Redhill'],
      ['GU9', 51.2179, -0.796, 'Farnham'],
      ['KT18', 51.319, -0.2637, 'Epsom'],
      ['TW18', 51.4293, -0.5107, 'Staines'],
      ['GU15', 51.3355, -0.7508, 'Camberley'],
      ['RH4', 51.2307, -0.3338, 'Dorking'],
    ],
  },
  {
    laCode: 'E10000032',
    dfeNumber: '938',
    name: 'West Sussex',
    populationK: 868,
    districts: [
      ['RH10', 51.1196, -0.1643, 'Crawley'],
      ['BN11', 50.8137, -0.3755, 'Worthing'],
      ['PO19', 50.8369, -0.7776, 'Chichester'],
      ['RH12', 51.0749, -0.3288, 'Horsham'],
      ['BN17', 50.8153, -0.5373, 'Littlehampton'],
      ['RH16', 51.0029, -0.0999, 'Haywards Heath'],
      ['PO21', 50.7849, -0.6934, 'Bognor Regis'],
    ],
  },
];

/** An LA's centroid: the mean of its listed districts' centroids. */
export function centroidOf(la: RegionLa): { lat: number; lon: number } {
  const n = la.districts.length;
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    lat: round(la.districts.reduce((s, d) => s + d[1], 0) / n),
    lon: round(la.districts.reduce((s, d) => s + d[2], 0) / n),
  };
}

export function southEastLocalAuthorities(): LocalAuthority[] {
  return SOUTH_EAST_LAS.map((la) => ({
    laCode: la.laCode,
    dfeNumber: la.dfeNumber,
    name: la.name,
    regionCode: SOUTH_EAST_REGION.code,
    regionName: SOUTH_EAST_REGION.name,
    ...centroidOf(la),
  }));
}
