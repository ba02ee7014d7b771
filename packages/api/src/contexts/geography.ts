import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { DISTRICT_PATTERN, NotFoundError } from '@placements/domain';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, json } from '../schemas.ts';

const DistrictSchema = lazySchema(() =>
  z
    .object({
      district: z.string().check(z.meta({ example: 'ME14' })),
      lat: z.number(),
      lon: z.number(),
      laCode: z
        .optional(z.string())
        .check(z.meta({ description: 'The LA (GSS code) the district is assigned to, where known.' })),
    })
    .check(z.meta({ id: 'PostcodeDistrict' })),
);

const getDistrict = createRoute({
  method: 'get',
  path: '/districts/{district}',
  tags: ['reference'],
  summary: 'A postcode district’s centroid: where a search’s distances are measured from',
  request: {
    params: z.object({
      district: z
        .string()
        .check(
          z.trim(),
          z.toUpperCase(),
          z.regex(DISTRICT_PATTERN, {
            error: 'must be a postcode district such as ME14 (the first half of a postcode)',
          }),
        ),
    }),
  },
  responses: { 200: json(DistrictSchema, 'The district and its centroid'), ...errorResponses },
});

/** Postcode district centroids, public reference data: the web app's map draws from them. */
export function geographyApp(deps: Deps) {
  return contextApp(deps).openapi(getDistrict, async (c) => {
    const { district } = c.req.valid('param');
    const found = await deps.store.reference.getDistrict(district);
    if (found === undefined) throw new NotFoundError(`The marketplace knows no postcode district ${district}.`);
    return c.json(
      { district: found.district, lat: found.lat, lon: found.lon, ...(found.laCode ? { laCode: found.laCode } : {}) },
      200,
    );
  });
}
