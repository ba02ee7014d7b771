/** The baseline for the bundle benchmark: the smallest Lambda handler there is, bundled like ours. */
export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"hello":"world"}',
});
