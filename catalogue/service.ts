import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Database } from '../db/client.js';
import { Prisma } from '../db/client.js';
import { ServiceError } from '../domain/errors.js';
import type { ReferenceCheckTemplate } from '../domain/reference-checks/template.js';
import {
  firstIssue,
  type TestDefinition,
  type TestDefinitionInput,
} from '../domain/assessments/definition.js';
import { kindModule, kindOfDefinition, type CandidateJourneyKind } from '../journeys/kinds/index.js';
import type { VendorPackageDefinition } from '../domain/vendor/package.js';

/** What the catalogue holds: assessment tests and reference-check templates (`kind: "reference_check"`). */
export type CatalogueDefinition = TestDefinition | ReferenceCheckTemplate;
export type TestKind = CandidateJourneyKind;
export const kindOf = (definition: CatalogueDefinition): TestKind => kindOfDefinition(definition);

/** Parses an operator's definition by its `kind` (absent = an assessment test). */
export function parseCatalogueDefinition(input: unknown) {
  return kindModule(kindOfDefinition(input)).catalogue.schema.safeParse(
    input,
  ) as z.ZodSafeParseResult<CatalogueDefinition>;
}

/** JSON with object keys sorted at every level: equal content, equal text, equal hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex) of a validated definition's canonical JSON. */
export function contentHashOf(definition: CatalogueDefinition | VendorPackageDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

export interface TestSummary {
  testId: string;
  name: string;
  kind: TestKind;
  currentVersion: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface VersionFields {
  testId: string;
  name: string;
  version: number;
  currentVersion: number;
  active: boolean;
  contentHash: string;
  createdAt: Date;
}
export interface TestVersion extends VersionFields {
  kind: 'assessment';
  definition: TestDefinition;
}
export interface ReferenceTemplateVersion extends VersionFields {
  kind: 'reference_check';
  definition: ReferenceCheckTemplate;
}
/** A vendor package enabled for the tenant (testId = package id, active = enabled). */
export interface VendorPackageEntry extends VersionFields {
  kind: 'vendor_hosted';
  definition: VendorPackageDefinition;
}
/** One version of anything in the catalogue, told apart by `kind`. */
export type CatalogueEntry = TestVersion | ReferenceTemplateVersion | VendorPackageEntry;

/** Greenhouse's `list_tests` answer (greenhouse.md): one entry per test a recruiter may send. */
export interface PartnerTest {
  partner_test_id: string;
  partner_test_name: string;
}

export function toPartnerTests(tests: Pick<TestSummary, 'testId' | 'name'>[]): PartnerTest[] {
  return tests.map((t) => ({ partner_test_id: t.testId, partner_test_name: t.name }));
}

const MAX_ATTEMPTS = 10;
const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/**
 * A tenant's test catalogue. Every test is versioned: `putTest` stores a new immutable version only
 * when the content changed, so journeys that pinned `(testId, version)` keep exactly what they
 * started with. Concurrent puts are safe: the version bump is a compare-and-set on the test row.
 */
export function createCatalogueService({ db }: { db: Database }) {
  async function requireTenant(tenantId: string) {
    const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
    if (!tenant) throw new ServiceError('not_found', `no tenant ${tenantId}`);
  }

  async function requireTest(tenantId: string, testId: string) {
    await requireTenant(tenantId);
    const test = await db.assessmentTest.findUnique({ where: { tenantId_testId: { tenantId, testId } } });
    if (!test) throw new ServiceError('not_found', `no test ${testId} in tenant ${tenantId}`, 'testId');
    return test;
  }

  /** Validates a definition; throws ServiceError('invalid') naming the field path. */
  function validate(input: unknown): CatalogueDefinition {
    const result = parseCatalogueDefinition(input);
    if (!result.success) {
      const { field, message } = firstIssue(result.error);
      throw new ServiceError('invalid', message, field);
    }
    if (kindModule(kindOf(result.data)).catalogue.source !== 'operator') {
      throw new ServiceError(
        'invalid',
        'vendor-hosted packages are synced by the vendor (/vendor/v1/packages)',
        'kind',
      );
    }
    return result.data;
  }

  /** One attempt: creates the test, or bumps its version if the content changed. */
  async function putOnce(tenantId: string, definition: CatalogueDefinition, contentHash: string) {
    const { testId } = definition;
    const kind = kindOf(definition) as 'assessment' | 'reference_check';
    const json = definition as unknown as Prisma.InputJsonValue;
    return db.$transaction(async (tx) => {
      const test = await tx.assessmentTest.findUnique({ where: { tenantId_testId: { tenantId, testId } } });
      if (!test) {
        // The tenant's vendor packages hold their ids in list_tests: a new built-in test may not take one.
        const pkg = await tx.tenantVendorPackage.findUnique({
          where: { tenantId_packageId: { tenantId, packageId: testId } },
        });
        if (pkg)
          throw new ServiceError(
            'conflict',
            `${testId} is a vendor package of this tenant; use another testId`,
            'testId',
          );
        await tx.assessmentTest.create({
          data: { tenantId, testId, name: definition.name, currentVersion: 1, kind },
        });
        await tx.assessmentTestVersion.create({
          data: { tenantId, testId, version: 1, definition: json, contentHash },
        });
        return { testId, version: 1, created: true, contentHash } as const;
      }
      // Journeys and Greenhouse know the id as one kind of thing: it never turns into the other.
      if (test.kind !== kind) {
        throw new ServiceError(
          'conflict',
          `${testId} is ${kindModule(test.kind).label.withArticle}; use a new testId for a ${kindModule(kind).label.short}`,
          'kind',
        );
      }
      const current = await tx.assessmentTestVersion.findUnique({
        where: { tenantId_testId_version: { tenantId, testId, version: test.currentVersion } },
        select: { contentHash: true },
      });
      if (current?.contentHash === contentHash) {
        return { testId, version: test.currentVersion, created: false, contentHash } as const;
      }
      const version = test.currentVersion + 1;
      // Compare-and-set: a concurrent put that bumped first leaves 0 rows here; we retry.
      const bumped = await tx.assessmentTest.updateMany({
        where: { tenantId, testId, currentVersion: test.currentVersion },
        data: { currentVersion: version, name: definition.name },
      });
      if (bumped.count !== 1) return null;
      await tx.assessmentTestVersion.create({
        data: { tenantId, testId, version, definition: json, contentHash },
      });
      return { testId, version, created: true, contentHash } as const;
    });
  }

  /** The tenant's tests and its vendor packages (enabled = active), by testId. */
  async function listTests(
    tenantId: string,
    { activeOnly = false }: { activeOnly?: boolean } = {},
  ): Promise<TestSummary[]> {
    await requireTenant(tenantId);
    const builtIn = await db.assessmentTest.findMany({
      where: { tenantId, ...(activeOnly ? { active: true } : {}) },
      orderBy: { testId: 'asc' },
      select: {
        testId: true,
        name: true,
        kind: true,
        currentVersion: true,
        active: true,
        createdAt: true,
        updatedAt: true,
      },
    });
    const packages = await db.tenantVendorPackage.findMany({
      where: { tenantId, ...(activeOnly ? { enabled: true } : {}) },
      include: { package: true },
    });
    const vendor: TestSummary[] = packages.map((t) => ({
      testId: t.packageId,
      name: t.package.name,
      kind: 'vendor_hosted',
      currentVersion: t.package.currentVersion,
      active: t.enabled,
      createdAt: t.createdAt,
      updatedAt: t.package.updatedAt > t.updatedAt ? t.package.updatedAt : t.updatedAt,
    }));
    return [...builtIn, ...vendor].sort((a, b) => (a.testId < b.testId ? -1 : a.testId > b.testId ? 1 : 0));
  }

  /** A vendor package version as a catalogue entry, if the tenant has the package (enabled or not). */
  async function vendorEntry(tenantId: string, packageId: string, version?: number) {
    const enabling = await db.tenantVendorPackage.findUnique({
      where: { tenantId_packageId: { tenantId, packageId } },
      include: { package: true },
    });
    if (!enabling) return null;
    const wanted = version ?? enabling.package.currentVersion;
    const row = await db.vendorPackageVersion.findUnique({
      where: { packageId_version: { packageId, version: wanted } },
    });
    if (!row) {
      throw new ServiceError(
        'not_found',
        `package ${packageId} has no version ${wanted} (current version: ${enabling.package.currentVersion})`,
        'version',
      );
    }
    const definition = row.definition as unknown as VendorPackageDefinition;
    return {
      testId: packageId,
      name: definition.name,
      version: row.version,
      currentVersion: enabling.package.currentVersion,
      active: enabling.enabled,
      contentHash: row.contentHash,
      createdAt: row.createdAt,
      kind: 'vendor_hosted',
      definition,
    } satisfies VendorPackageEntry;
  }

  /** One version of anything in the catalogue (the current one by default), active or not. */
  async function getEntry(tenantId: string, testId: string, version?: number): Promise<CatalogueEntry> {
    // A tenant's built-in ids and its packages' ids never clash (enabling refuses it): either one.
    const test = await db.assessmentTest.findUnique({ where: { tenantId_testId: { tenantId, testId } } });
    if (!test) {
      const vendor = await vendorEntry(tenantId, testId, version);
      if (vendor) return vendor;
      await requireTest(tenantId, testId);
    }
    if (!test) throw new ServiceError('not_found', `no test ${testId} in tenant ${tenantId}`, 'testId');
    const wanted = version ?? test.currentVersion;
    const row = await db.assessmentTestVersion.findUnique({
      where: { tenantId_testId_version: { tenantId, testId, version: wanted } },
    });
    if (!row) {
      throw new ServiceError(
        'not_found',
        `test ${testId} has no version ${wanted} (current version: ${test.currentVersion})`,
        'version',
      );
    }
    // Stored versions were validated when written and are immutable: read them as they are.
    const definition = row.definition as unknown as CatalogueDefinition;
    const fields = {
      testId,
      name: definition.name,
      version: row.version,
      currentVersion: test.currentVersion,
      active: test.active,
      contentHash: row.contentHash,
      createdAt: row.createdAt,
    };
    return { ...fields, kind: kindOf(definition), definition } as CatalogueEntry;
  }

  /** One version of an entry that must be of this kind (the current one by default). */
  async function entryOfKind<K extends TestKind>(
    tenantId: string,
    testId: string,
    kind: K,
    version?: number,
  ): Promise<Extract<CatalogueEntry, { kind: K }>> {
    const entry = await getEntry(tenantId, testId, version);
    if (entry.kind !== kind)
      throw new ServiceError(
        'invalid',
        `${testId} is ${kindModule(entry.kind).label.withArticle}, not a ${kindModule(kind).label.short}`,
        'testId',
      );
    return entry as Extract<CatalogueEntry, { kind: K }>;
  }

  return {
    validate,

    /**
     * Creates or updates a test. Same content as the current version → that version,
     * `created: false`; otherwise version n+1 (1 for a new test). The active flag is left as is.
     */
    async putTest(
      tenantId: string,
      input: TestDefinitionInput | unknown,
    ): Promise<{ testId: string; version: number; created: boolean; contentHash: string }> {
      const definition = validate(input);
      await requireTenant(tenantId);
      const contentHash = contentHashOf(definition);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        try {
          const result = await putOnce(tenantId, definition, contentHash);
          if (result) return { ...result };
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
        }
      }
      throw new ServiceError(
        'conflict',
        `test ${definition.testId} is being changed concurrently; try again`,
        'testId',
      );
    },

    listTests,

    /** Greenhouse's `list_tests`: the tenant's active tests. */
    async listPartnerTests(tenantId: string): Promise<PartnerTest[]> {
      return toPartnerTests(await listTests(tenantId, { activeOnly: true }));
    },

    getEntry,

    /** One version of an assessment test (the current one by default), whether or not it is active. */
    getTest: (tenantId: string, testId: string, version?: number) =>
      entryOfKind(tenantId, testId, 'assessment', version),

    /** One version of a reference-check template (the current one by default). */
    getReferenceTemplate: (tenantId: string, testId: string, version?: number) =>
      entryOfKind(tenantId, testId, 'reference_check', version),

    /** Takes a test out of list_tests and new invites; running journeys keep their version. */
    async deactivateTest(tenantId: string, testId: string) {
      await requireTest(tenantId, testId);
      return db.assessmentTest.update({
        where: { tenantId_testId: { tenantId, testId } },
        data: { active: false },
        select: { testId: true, name: true, currentVersion: true, active: true },
      });
    },

    /** Puts a deactivated test back into the catalogue. */
    async activateTest(tenantId: string, testId: string) {
      await requireTest(tenantId, testId);
      return db.assessmentTest.update({
        where: { tenantId_testId: { tenantId, testId } },
        data: { active: true },
        select: { testId: true, name: true, currentVersion: true, active: true },
      });
    },
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
