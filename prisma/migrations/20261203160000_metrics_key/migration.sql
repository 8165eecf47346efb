-- AlterEnum
-- A read-only key for Prometheus: it may read /metrics and nothing else.
ALTER TYPE "OperatorRole" ADD VALUE 'metrics';
