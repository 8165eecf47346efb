import { z } from 'zod';
import type { Prisma } from '../db/client.js';
import { Prisma as PrismaNs } from '../db/client.js';
import { contentHashOf } from '../catalogue/service.js';
import { TestId } from '../domain/assessments/definition.js';
import { ServiceError } from '../domain/errors.js';
import { ResultAttribute, VendorPackageDefinition } from '../domain/vendor/package.js';
import type { VendorPackagesRepository } from './packages-repository.js';

/** The package id doubles as the `partner_test_id` Greenhouse sees: the same rules as test ids. */
export const PackageId = TestId;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** `PUT /vendor/v1/packages/{id}` (snake_case, as the vendor API speaks). */
export const PutPackageBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['assessment', 'reference_check']),
    hosted_by: z.literal('vendor'),
    launch_url: httpUrl,
    deadline_days: z.number().int().min(1).max(90).default(7),
    reminders: z.array(z.number().int().min(1).max(90)).max(5).default([]),
    result: z.strictObject({
      score: z.strictObject({ min: z.number(), max: z.number() }).nullable(),
      pass_mark: z.number().nullable(),
      attributes: z.array(ResultAttribute).max(50),
    }),
  })
  .superRefine((b, ctx) => {
    const { score, pass_mark: passMark, attributes } = b.result;
    if (score && score.min >= score.max)
      ctx.addIssue({ code: 'custom', path: ['result', 'score'], message: 'min must be below max' });
    if (passMark !== null && (!score || passMark < score.min || passMark > score.max))
      ctx.addIssue({
        code: 'custom',
        path: ['result', 'pass_mark'],
        message: 'needs a score range and must lie within it',
      });
    const seen = new Set<string>();
    attributes.forEach((a, i) => {
      if (seen.has(a.key))
        ctx.addIssue({ code: 'custom', path: ['result', 'attributes', i, 'key'], message: 'is repeated' });
      seen.add(a.key);
    });
    if (b.reminders.some((d) => d >= b.deadline_days))
      ctx.addIssue({ code: 'custom', path: ['reminders'], message: 'must be before the deadline' });
  });
export type PutPackageBody = z.output<typeof PutPackageBody>;

/** The package as the vendor API shows it. */
export const PackageView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['assessment', 'reference_check']),
  hosted_by: z.literal('vendor'),
  launch_url: z.string(),
  deadline_days: z.number().int(),
  reminders: z.array(z.number().int()),
  result: z.object({
    score: z.object({ min: z.number(), max: z.number() }).nullable(),
    pass_mark: z.number().nullable(),
    attributes: z.array(z.object({ key: z.string(), label: z.string(), type: z.string() })),
  }),
  version: z.number().int(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
});
export type PackageView = z.infer<typeof PackageView>;

export function toDefinition(packageId: string, body: PutPackageBody): VendorPackageDefinition {
  return VendorPackageDefinition.parse({
    kind: 'vendor_hosted',
    packageId,
    packageKind: body.kind,
    name: body.name,
    launchUrl: body.launch_url,
    deadlineDays: body.deadline_days,
    reminders: body.reminders,
    result: {
      score: body.result.score,
      passMark: body.result.pass_mark,
      attributes: body.result.attributes,
    },
  });
}

export function toPackageView(
  pkg: { id: string; createdAt: Date; updatedAt: Date },
  version: { version: number; definition: unknown },
): PackageView {
  const d = version.definition as VendorPackageDefinition;
  return {
    id: pkg.id,
    name: d.name,
    kind: d.packageKind,
    hosted_by: 'vendor',
    launch_url: d.launchUrl,
    deadline_days: d.deadlineDays,
    reminders: d.reminders,
    result: { score: d.result.score, pass_mark: d.result.passMark, attributes: d.result.attributes },
    version: version.version,
    created_at: pkg.createdAt.toISOString(),
    updated_at: pkg.updatedAt.toISOString(),
  };
}

const MAX_ATTEMPTS = 10;
const isUniqueViolation = (e: unknown) =>
  e instanceof PrismaNs.PrismaClientKnownRequestError && e.code === 'P2002';

/**
 * The vendor's package catalogue. Versioned like built-in tests (catalogue/service.ts): a put stores
 * a new immutable version only when the content changed, so journeys that pinned a version keep it.
 * The version bump is a compare-and-set on the package row; concurrent puts retry.
 */
export function createVendorPackagesService({ packages }: { packages: VendorPackagesRepository }) {
  async function putOnce(definition: VendorPackageDefinition, contentHash: string) {
    const id = definition.packageId;
    const json = definition as unknown as Prisma.InputJsonValue;
    return packages.transaction(async (tx) => {
      const pkg = await packages.find(id, tx);
      if (!pkg) {
        const created = await tx.vendorPackage.create({
          data: { id, name: definition.name, kind: definition.packageKind, currentVersion: 1 },
        });
        const version = await tx.vendorPackageVersion.create({
          data: { packageId: id, version: 1, definition: json, contentHash },
        });
        return { pkg: created, version, created: true };
      }
      // Greenhouse and running journeys know the id as one kind of thing: it never turns into the other.
      if (pkg.kind !== definition.packageKind)
        throw new ServiceError(
          'conflict',
          `package ${id} is a ${pkg.kind}; use a new id for a change of kind`,
          'kind',
        );
      const current = (await packages.version(id, pkg.currentVersion, tx))!;
      if (current.contentHash === contentHash) return { pkg, version: current, created: false };
      const next = pkg.currentVersion + 1;
      const bumped = await tx.vendorPackage.updateMany({
        where: { id, currentVersion: pkg.currentVersion },
        data: { currentVersion: next, name: definition.name },
      });
      if (bumped.count !== 1) return null;
      const version = await tx.vendorPackageVersion.create({
        data: { packageId: id, version: next, definition: json, contentHash },
      });
      return { pkg: (await packages.find(id, tx))!, version, created: false };
    });
  }

  return {
    /** Creates the package (created: true) or returns its version, bumped if the content changed. */
    async put(packageId: string, body: PutPackageBody) {
      const definition = toDefinition(packageId, body);
      const contentHash = contentHashOf(definition);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        try {
          const result = await putOnce(definition, contentHash);
          if (result) return { view: toPackageView(result.pkg, result.version), created: result.created };
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
        }
      }
      throw new ServiceError(
        'conflict',
        `package ${packageId} is being changed concurrently; try again`,
        'package_id',
      );
    },

    async get(packageId: string) {
      const found = await packages.withCurrent(packageId);
      if (!found) throw new ServiceError('not_found', `no package ${packageId}`, 'package_id');
      return toPackageView(found.pkg, found.version);
    },

    /** A page of packages by id; `ids` limits it (a tenant-scoped key sees its tenant's packages). */
    async list({ afterId, limit, ids }: { afterId?: string; limit: number; ids?: string[] }) {
      const rows = await packages.list({ afterId, take: limit + 1, ids });
      return rows.map((r) => toPackageView(r.pkg, r.version));
    },
  };
}

export type VendorPackagesService = ReturnType<typeof createVendorPackagesService>;
