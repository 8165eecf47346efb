ALTER TYPE "AccessLinkPurpose" ADD VALUE 'launch';
