/**
 * Resolving a create whose outcome is unknown (`GatewayOutcomeUnknown`): ask Wompi what
 * carries our reference instead of re-posting. A buyer retry can leave several attempts with
 * one reference (docs/wompi.md#amounts-references-and-redirects), so all of them come back, oldest first, with a summary.
 */
import { WompiGateway } from './wompi-gateway.port';
import { WompiTransaction } from './wompi.types';

export interface ReferenceResolution {
  /** nothing at Wompi: the create never took effect (safe to mark failed or create anew) */
  found: boolean;
  /** every attempt carrying the reference, oldest first */
  attempts: WompiTransaction[];
  /** the attempt that decides the payment: one that was approved (APPROVED or later VOIDED) if any, else the newest */
  decisive: WompiTransaction | null;
}

export async function resolveByReference(gateway: WompiGateway, reference: string): Promise<ReferenceResolution> {
  const attempts = [...(await gateway.findTransactionsByReference(reference))].sort((a, b) =>
    a.created_at.localeCompare(b.created_at),
  );
  const decisive =
    attempts.find((t) => t.status === 'APPROVED' || t.status === 'VOIDED') ?? attempts[attempts.length - 1] ?? null;
  return { found: attempts.length > 0, attempts, decisive };
}
