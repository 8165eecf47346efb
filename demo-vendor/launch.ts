import { createRemoteJWKSet, jwtVerify } from 'jose';

/** What greenroom's launch assertion tells the vendor (security/launch-assertions.ts signs it). */
export interface Launch {
  orderId: string;
  tenantId: string;
  packageId: string;
  packageVersion: number;
  candidate: { firstName: string; lastName: string };
  deadlineAt: string | null;
}

/**
 * Verifies launch assertions against greenroom's published keys (/.well-known/jwks.json, fetched
 * and cached by jose, refetched for an unknown `kid` after a rotation): ES256 only, greenroom as
 * issuer, this package as audience, not expired.
 */
export function launchVerifier(args: { greenroomUrl: string; issuer: string; packageId: string }) {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', args.greenroomUrl));
  return async (assertion: string): Promise<Launch> => {
    const { payload } = await jwtVerify(assertion, jwks, {
      algorithms: ['ES256'],
      issuer: args.issuer,
      audience: args.packageId,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const candidate = payload.candidate as { first_name: string; last_name: string };
    const pkg = payload.package as { id: string; version: number };
    return {
      orderId: payload.sub!,
      tenantId: String(payload.tenant),
      packageId: pkg.id,
      packageVersion: pkg.version,
      candidate: { firstName: candidate.first_name, lastName: candidate.last_name },
      deadlineAt: (payload.deadline_at as string | null) ?? null,
    };
  };
}
